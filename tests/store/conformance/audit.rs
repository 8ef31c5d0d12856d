//! The audit log's behaviours (SPEC section 8), on every store: events commit with their
//! change or not at all, lists filter and page the same way on both stores (the meaning being
//! `AuditFilter::admits`), organizations never see each other's events, and the expiry
//! notices are written once per live credential.

use super::*;
use latchkey::domain::audit::{Actor, RequestMeta};
use latchkey::domain::{AuditAction, AuditContext, AuditEvent, AuditFilter, OrganizationId};

/// A user's context at the clock's now: an actor with an id, a request with an address.
fn as_user(user: &latchkey::domain::User, clock: &ManualClock) -> AuditContext {
    let actor = Actor {
        actor_type: latchkey::domain::audit::ActorType::User,
        id: Some(user.id),
        email: Some(user.email.clone()),
        credential_id: None,
        credential_kind: Some(CredentialKind::CliToken),
    };
    AuditContext::new(
        actor,
        RequestMeta::new(Some("req-1".into()), Some("192.0.2.7".into()), None),
        tick(clock),
        Duration::days(400),
    )
}

async fn events_of(store: &dyn Store, org: OrganizationId, filter: &AuditFilter, max_items: usize) -> Vec<AuditEvent> {
    all_pages(
        max_items,
        |e: &AuditEvent| e.id.to_string(),
        |page| async move { store.list_audit_events(org, filter, &page).await },
    )
    .await
}

fn actions(events: &[AuditEvent]) -> Vec<AuditAction> {
    let mut out: Vec<AuditAction> = events.iter().map(|e| e.action).collect();
    out.sort();
    out
}

pub async fn audit_events_commit_with_their_change_or_not_at_all(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let t = support::create_org(store.as_ref(), "audited", &clock).await;
    let all = AuditFilter::default();
    let start = events_of(store.as_ref(), t.id(), &all, 100).await;
    assert_eq!(
        actions(&start),
        [AuditAction::OrganizationCreated, AuditAction::UserCreated, AuditAction::CredentialCreated]
    );
    let ctx = as_user(&t.owner, &clock);

    // A change and its events.
    let member = support::user(t.id(), "m@example.com", PermissionLevel::Collaborator, &clock);
    let token = support::cli_token(&member, &clock);
    store.create_user(&member, &token, &ctx).await.expect("create");
    let after_create = events_of(store.as_ref(), t.id(), &all, 100).await;
    assert_eq!(after_create.len(), start.len() + 2);
    let newest = &after_create[0];
    assert_eq!(newest.actor.id, Some(t.owner.id));
    assert_eq!(newest.request.source_ip.as_deref(), Some("192.0.2.7"));
    assert_eq!(store.get_audit_event(t.id(), newest.id).await.unwrap().as_ref(), Some(newest));

    // A refused change writes nothing: a taken email, the last owner's demotion.
    let twin = support::user(t.id(), "m@example.com", PermissionLevel::Collaborator, &clock);
    let twin_token = support::cli_token(&twin, &clock);
    assert!(matches!(store.create_user(&twin, &twin_token, &ctx).await, Err(StoreError::Conflict("email"))));
    let demote = UserUpdate {
        permission_level: Some(PermissionLevel::Collaborator),
        roles: None,
        suspended: None,
        at: tick(&clock),
    };
    assert!(matches!(
        store.update_user(t.id(), t.owner.id, &demote, any_change(), &ctx).await,
        Err(StoreError::LastOwner)
    ));
    // A change to the same values, a second revocation, the same description: no event.
    let same = UserUpdate {
        permission_level: Some(PermissionLevel::Collaborator),
        roles: None,
        suspended: None,
        at: tick(&clock),
    };
    store.update_user(t.id(), member.id, &same, any_change(), &ctx).await.expect("no-op update");
    store.revoke_credential(t.id(), token.id, revocation(&clock), &ctx).await.expect("revoke");
    store.revoke_credential(t.id(), token.id, revocation(&clock), &ctx).await.expect("revoke again");
    let none: Option<&Description> = None;
    store.set_credential_description(t.id(), token.id, none, &ctx).await.expect("same description");
    let end = events_of(store.as_ref(), t.id(), &all, 100).await;
    assert_eq!(end.len(), after_create.len() + 1, "only the first revocation wrote an event");
    assert_eq!(end[0].action, AuditAction::CredentialRevoked);
    assert_eq!(end[0].target.label.as_deref(), Some(format!("…{}", token.last_six).as_str()));
}

pub async fn audit_lists_filter_page_and_isolate_like_the_filter_says(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let a = support::create_org(store.as_ref(), "audit-a", &clock).await;
    let b = support::create_org(store.as_ref(), "audit-b", &clock).await;
    let ctx = as_user(&a.owner, &clock);
    let mut members = Vec::new();
    for i in 0..4 {
        let member = support::user(a.id(), &format!("u{i}@example.com"), PermissionLevel::Collaborator, &clock);
        let token = support::cli_token(&member, &clock);
        store.create_user(&member, &token, &ctx).await.expect("create");
        members.push(member);
    }
    let everything = events_of(store.as_ref(), a.id(), &AuditFilter::default(), 100).await;
    assert_eq!(everything.len(), 3 + 8);
    assert!(everything.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    // Pages of three walk every event once.
    assert_eq!(events_of(store.as_ref(), a.id(), &AuditFilter::default(), 3).await, everything);
    let middle = everything[5].time;
    let filters = [
        AuditFilter { action: Some(AuditAction::UserCreated), ..Default::default() },
        AuditFilter { actor_id: Some(a.owner.id.0), ..Default::default() },
        AuditFilter { target_id: Some(members[2].id.0), ..Default::default() },
        AuditFilter { since: Some(middle), ..Default::default() },
        AuditFilter { until: Some(middle), ..Default::default() },
        AuditFilter {
            action: Some(AuditAction::CredentialCreated),
            actor_id: Some(a.owner.id.0),
            since: Some(middle),
            ..Default::default()
        },
    ];
    for filter in &filters {
        let want: Vec<AuditEvent> = everything.iter().filter(|e| filter.admits(e)).cloned().collect();
        assert!(!want.is_empty(), "{filter:?} selects something");
        assert_eq!(events_of(store.as_ref(), a.id(), filter, 2).await, want, "{filter:?}");
    }
    // Another organization's events are absent, by list and by id.
    let theirs = events_of(store.as_ref(), b.id(), &AuditFilter::default(), 100).await;
    assert_eq!(theirs.len(), 3);
    assert!(theirs.iter().all(|e| e.organization_id == b.id()));
    assert_eq!(store.get_audit_event(b.id(), everything[0].id).await.unwrap(), None);
    let forged = PageRequest { max_items: 5, after: Some("not-an-id".into()) };
    assert!(matches!(
        store.list_audit_events(a.id(), &AuditFilter::default(), &forged).await,
        Err(StoreError::InvalidPosition)
    ));
    // The operator's window reads every organization's events of that time.
    let since = everything.last().map(|e| e.time).unwrap();
    let until = tick(&clock);
    let mut window = Vec::new();
    let mut after = None;
    loop {
        let page = store.audit_events_between(since, until, &PageRequest { max_items: 4, after }).await.unwrap();
        window.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    for event in everything.iter().chain(&theirs) {
        assert!(window.iter().any(|w| w.id == event.id), "the window holds {}", event.action);
    }
}

pub async fn expiry_notices_are_written_once_per_live_credential(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let t = support::create_org(store.as_ref(), "expiring", &clock).await;
    let ctx = as_user(&t.owner, &clock);
    let soon = support::access_token(&t.owner, Duration::days(3), &clock);
    let later = support::access_token(&t.owner, Duration::days(30), &clock);
    let revoked = support::access_token(&t.owner, Duration::days(2), &clock);
    for token in [&soon, &later, &revoked] {
        store.issue_credential(token, &ctx).await.expect("issue");
    }
    store.revoke_credential(t.id(), revoked.id, revocation(&clock), &ctx).await.expect("revoke");
    let job = AuditContext::operator(clock.now(), Duration::days(400));
    assert_eq!(store.record_expiry_notices(Duration::days(7), &job).await.unwrap(), 1);
    assert_eq!(store.record_expiry_notices(Duration::days(7), &job).await.unwrap(), 0, "once per credential");
    let filter = AuditFilter { action: Some(AuditAction::CredentialExpiring), ..Default::default() };
    let notices = events_of(store.as_ref(), t.id(), &filter, 10).await;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].target.id, soon.id.0);
    // Later, the 30-day token enters the window.
    clock.advance(Duration::days(25));
    let job = AuditContext::operator(clock.now(), Duration::days(400));
    assert_eq!(store.record_expiry_notices(Duration::days(7), &job).await.unwrap(), 1);
}

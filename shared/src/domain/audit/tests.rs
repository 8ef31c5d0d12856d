use super::*;
use crate::domain::{CredentialRecord, PermissionLevel, SecretHash, User};
use chrono::Utc;

fn context() -> AuditContext {
    AuditContext::operator(crate::clock::truncate(Utc::now()), Duration::days(DEFAULT_RETENTION_DAYS))
}

fn user() -> User {
    User::new(OrganizationId::new_random(), Email::parse("a@example.com").unwrap(), PermissionLevel::Owner, Utc::now())
}

fn token_of(user: &User) -> CredentialRecord {
    CredentialRecord {
        id: CredentialId::new_random(),
        organization_id: user.organization_id,
        kind: CredentialKind::CliToken,
        owner_id: user.id,
        owner_email: user.email.clone(),
        secret_hash: SecretHash::from_digest([7; 32]),
        last_six: "abc123".into(),
        epoch: 0,
        description: None,
        created_at: Utc::now(),
        created_by: None,
        expires_at: None,
        revoked_at: None,
        last_used_at: None,
        purge_at: None,
        scopes: None,
        lifecycle: Default::default(),
        superseded_until: None,
        allowed_ip_ranges: Default::default(),
    }
}

#[test]
fn ids_made_at_one_instant_still_increase() {
    let at = Utc::now();
    let ids: Vec<_> = (0..200).map(|_| AuditEventId::new(at)).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert!(AuditEventId::floor(at) <= ids[0]);
    assert_eq!(ids[0].0.get_version_num(), 7);
}

#[test]
fn every_action_name_reads_back_and_unknown_ones_are_refused() {
    for action in AuditAction::ALL {
        assert_eq!(action.as_str().parse::<AuditAction>().unwrap(), *action);
        assert_eq!(serde_json::to_value(action).unwrap(), serde_json::json!(action.as_str()));
    }
    assert!("user.exploded".parse::<AuditAction>().is_err());
    assert_eq!(AuditAction::ALL.len(), 16);
}

#[test]
fn an_update_that_changes_nothing_has_no_event() {
    let ctx = context();
    let before = user();
    assert!(ctx.user_updated(&before, &before.clone()).is_none());
    let after = before.with_changes(Some(PermissionLevel::Collaborator), None, Utc::now());
    let event = ctx.user_updated(&before, &after).unwrap();
    assert_eq!(event.details["permission_level"]["before"], "OWNER");
    assert_eq!(event.details["permission_level"]["after"], "COLLABORATOR");
    assert!(event.details.get("roles").is_none());
}

#[test]
fn a_new_user_writes_both_created_events_and_no_hash() {
    let ctx = context();
    let u = user();
    let token = token_of(&u);
    let events = ctx.user_created(&u, &token);
    let actions: Vec<_> = events.iter().map(|e| e.action).collect();
    assert_eq!(actions, [AuditAction::UserCreated, AuditAction::CredentialCreated]);
    let text = serde_json::to_string(&events).unwrap();
    assert!(!text.contains(token.secret_hash.as_hex()), "{text}");
    assert_eq!(events[1].target.label.as_deref(), Some("…abc123"));
}

#[test]
fn revoking_a_revoked_credential_is_no_event() {
    let ctx = context();
    let mut token = token_of(&user());
    assert!(ctx.credential_revoked(&token).is_some());
    token.revoked_at = Some(Utc::now());
    assert!(ctx.credential_revoked(&token).is_none());
}

#[test]
fn the_operators_rotation_is_a_recovery() {
    let token = token_of(&user());
    assert_eq!(context().credentials_rotated(&token, None).action, AuditAction::OrganizationRecovered);
}

#[test]
fn user_agents_lose_control_and_format_characters_and_are_cut() {
    let meta = RequestMeta::new(None, None, Some("curl/8\u{202e}\n\u{200b}x"));
    assert_eq!(meta.user_agent.as_deref(), Some("curl/8x"));
    let long = "a".repeat(1000);
    assert_eq!(RequestMeta::new(None, None, Some(&long)).user_agent.unwrap().len(), MAX_USER_AGENT_CHARS);
    assert_eq!(RequestMeta::new(None, None, Some("\u{7}")).user_agent, None);
}

#[test]
fn the_filter_admits_by_every_field() {
    let ctx = context();
    let u = user();
    let event = ctx.user_removed(&u);
    assert!(AuditFilter::default().admits(&event));
    assert!(AuditFilter { target_id: Some(u.id.0), ..Default::default() }.admits(&event));
    assert!(!AuditFilter { action: Some(AuditAction::UserCreated), ..Default::default() }.admits(&event));
    assert!(AuditFilter { since: Some(event.time), ..Default::default() }.admits(&event));
    assert!(!AuditFilter { until: Some(event.time), ..Default::default() }.admits(&event));
    // The operator has no id: an actor filter never matches it.
    assert!(!AuditFilter { actor_id: Some(u.id.0), ..Default::default() }.admits(&event));
}

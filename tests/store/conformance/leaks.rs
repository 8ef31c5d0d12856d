//! SPEC section 12 as every store keeps it (`CredentialStore::revoke_leaked`): a leak report
//! is global, matches only the stored hash, leaves dead credentials alone, writes its event in
//! the credential's organization, and wins over the last-owner guard.

use super::*;
use latchkey::domain::audit::{Actor, RequestMeta};
use latchkey::domain::{AuditAction, AuditContext, AuditEvent, AuditFilter, OrganizationId, SecretHash, User};

const REPORTER_IP: &str = "198.51.100.23";

fn anonymous(clock: &ManualClock) -> AuditContext {
    let request = RequestMeta::new(Some("leak-report-1".into()), Some(REPORTER_IP.into()), Some("scanner/1.0"));
    AuditContext::new(Actor::anonymous(), request, clock.now(), Duration::days(400))
}

async fn report(
    store: &dyn Store,
    credential: &CredentialRecord,
    hash: &SecretHash,
    clock: &ManualClock,
) -> Option<OrganizationId> {
    store
        .revoke_leaked(credential.owner_id, credential.id, hash, revocation(clock), &anonymous(clock))
        .await
        .expect("revoke_leaked")
}

async fn events(store: &dyn Store, org: OrganizationId) -> Vec<AuditEvent> {
    store.list_audit_events(org, &AuditFilter::default(), &first_page(100)).await.unwrap().items
}

fn leak_events(events: &[AuditEvent]) -> Vec<&AuditEvent> {
    events.iter().filter(|e| e.action == AuditAction::CredentialLeakReported).collect()
}

async fn stored(store: &dyn Store, credential: &CredentialRecord) -> CredentialRecord {
    store.get_credential(credential.organization_id, credential.id).await.unwrap().expect("the credential exists")
}

async fn read(store: &dyn Store, user: &User) -> User {
    store.get_user(user.organization_id, user.id).await.unwrap().expect("the user exists")
}

pub(super) async fn a_leaked_credential_of_any_organization_is_revoked_with_its_event(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let globex = support::create_org(&*store, "Globex", &clock).await;
    let (_, key) = support::create_service_account(&*store, globex.id(), "deployer", &clock).await;
    let acme_before = events(&*store, acme.id()).await;

    assert_eq!(report(&*store, &key, &key.secret_hash, &clock).await, Some(globex.id()));
    assert_eq!(status_now(&*store, &key, &clock).await, CredentialStatus::Revoked);
    let revoked_at = stored(&*store, &key).await.revoked_at;
    assert!(revoked_at.is_some());
    let logged = events(&*store, globex.id()).await;
    let leaks = leak_events(&logged);
    assert_eq!(leaks.len(), 1, "{logged:?}");
    let event = leaks[0];
    assert_eq!(event.organization_id, globex.id());
    assert_eq!(event.actor, Actor::anonymous());
    assert_eq!(event.request.source_ip.as_deref(), Some(REPORTER_IP));
    assert_eq!(event.target.id, key.id.0);
    assert_eq!(event.target.label.as_deref(), Some(format!("…{}", key.last_six).as_str()));
    assert_eq!(events(&*store, acme.id()).await, acme_before, "nothing in another organization's log");

    // Reported again: already revoked, untouched, no second event.
    assert_eq!(report(&*store, &key, &key.secret_hash, &clock).await, None);
    assert_eq!(stored(&*store, &key).await.revoked_at, revoked_at);
    assert_eq!(leak_events(&events(&*store, globex.id()).await).len(), 1);
}

pub(super) async fn a_wrong_hash_or_an_unknown_credential_changes_nothing(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (account, key) = support::create_service_account(&*store, acme.id(), "deployer", &clock).await;
    let access = support::access_token(&acme.owner, Duration::days(30), &clock);
    store.issue_credential(&access, support::audit()).await.unwrap();
    let before = events(&*store, acme.id()).await;
    let owner_before = read(&*store, &acme.owner).await;

    for credential in [&key, &access, &acme.owner_token] {
        let wrong = SecretHash::from_digest([0x5a; 32]);
        assert_eq!(report(&*store, credential, &wrong, &clock).await, None);
        let anonymous = anonymous(&clock);
        // The right hash under another owner id, or under an unknown credential id.
        let r = revocation(&clock);
        let foreign =
            store.revoke_leaked(PrincipalId::new_random(), credential.id, &credential.secret_hash, r, &anonymous);
        assert_eq!(foreign.await.unwrap(), None);
        let unknown = store.revoke_leaked(
            credential.owner_id,
            CredentialId::new_random(),
            &credential.secret_hash,
            r,
            &anonymous,
        );
        assert_eq!(unknown.await.unwrap(), None);
        assert_eq!(status_now(&*store, credential, &clock).await, CredentialStatus::Active);
        assert_eq!(stored(&*store, credential).await, *credential);
    }
    assert_eq!(events(&*store, acme.id()).await, before);
    assert_eq!(read(&*store, &acme.owner).await, owner_before);
    assert_eq!(store.get_service_account(acme.id(), account.id).await.unwrap(), Some(account));
}

pub(super) async fn revoked_and_expired_credentials_are_left_untouched(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (bot, first_key) = support::create_service_account(&*store, acme.id(), "bot", &clock).await;
    let revoked = support::api_key(&bot, &clock);
    store.issue_credential(&revoked, support::audit()).await.unwrap();
    store.revoke_credential(acme.id(), revoked.id, revocation(&clock), support::audit()).await.unwrap();
    let revoked = stored(&*store, &revoked).await;
    let expiring = support::access_token(&acme.owner, Duration::days(1), &clock);
    store.issue_credential(&expiring, support::audit()).await.unwrap();
    // The first key is revoked by its owner's epoch (a revoke-all), not on its item.
    store
        .revoke_all_credentials(acme.id(), bot.id, CredentialKind::ApiKey, revocation(&clock), false, support::audit())
        .await
        .unwrap();
    clock.advance(Duration::days(2));
    let before = events(&*store, acme.id()).await;
    let by_epoch = stored(&*store, &first_key).await;

    assert_eq!(report(&*store, &revoked, &revoked.secret_hash, &clock).await, None);
    assert_eq!(report(&*store, &expiring, &expiring.secret_hash, &clock).await, None);
    assert_eq!(report(&*store, &first_key, &first_key.secret_hash, &clock).await, None);
    assert_eq!(stored(&*store, &revoked).await, revoked);
    assert_eq!(stored(&*store, &expiring).await, expiring);
    assert_eq!(stored(&*store, &first_key).await, by_epoch);
    assert_eq!(events(&*store, acme.id()).await, before);
}

pub(super) async fn a_leaked_cli_token_of_the_last_live_owner_is_revoked_anyway(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let owner = acme.owner.clone();
    assert_eq!(report(&*store, &acme.owner_token, &acme.owner_token.secret_hash, &clock).await, Some(acme.id()));
    assert_eq!(status_now(&*store, &acme.owner_token, &clock).await, CredentialStatus::Revoked);
    let after = read(&*store, &owner).await;
    assert!(!after.cli_token_live && !after.is_live_owner(), "{after:?}");
    assert_eq!(after.cli_token_epoch, owner.cli_token_epoch, "only the leaked token, not a revoke-all");

    // The organization now counts no live owner: a new owner is the only one, and the guard
    // keeps it (a count that still held the leaked owner would let it go).
    let (second, second_token) =
        support::create_user(&*store, acme.id(), "second@example.com", PermissionLevel::Owner, &clock).await;
    let refused = store
        .revoke_all_credentials(
            acme.id(),
            second.id,
            CredentialKind::CliToken,
            revocation(&clock),
            true,
            support::audit(),
        )
        .await;
    assert!(matches!(refused, Err(StoreError::LastOwner)), "{refused:?}");
    assert_eq!(status_now(&*store, &second_token, &clock).await, CredentialStatus::Active);

    // `recover`'s rotation is the way back: the first owner counts again.
    let mut rotated = support::cli_token(&after, &clock);
    rotated.epoch = after.cli_token_epoch + 1;
    store.rotate_credentials(&rotated, revocation(&clock), support::audit()).await.unwrap();
    assert!(read(&*store, &owner).await.is_live_owner());
    store
        .revoke_all_credentials(
            acme.id(),
            second.id,
            CredentialKind::CliToken,
            revocation(&clock),
            true,
            support::audit(),
        )
        .await
        .unwrap();
    assert!(
        matches!(
            store
                .revoke_all_credentials(
                    acme.id(),
                    owner.id,
                    CredentialKind::CliToken,
                    revocation(&clock),
                    true,
                    support::audit()
                )
                .await,
            Err(StoreError::LastOwner)
        ),
        "one live owner is left"
    );
}

pub(super) async fn a_leaked_access_token_leaves_its_owner_as_it_was(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let access = support::access_token(&acme.owner, Duration::days(30), &clock);
    store.issue_credential(&access, support::audit()).await.unwrap();
    let owner_before = read(&*store, &acme.owner).await;
    assert_eq!(report(&*store, &access, &access.secret_hash, &clock).await, Some(acme.id()));
    assert_eq!(status_now(&*store, &access, &clock).await, CredentialStatus::Revoked);
    assert_eq!(status_now(&*store, &acme.owner_token, &clock).await, CredentialStatus::Active);
    assert_eq!(read(&*store, &acme.owner).await, owner_before);
}

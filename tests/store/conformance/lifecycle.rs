//! SPEC section 10 as every store keeps it: disabling and enabling a credential
//! (`CredentialStore::set_credential_disabled`: conditioned on the record as read, its event
//! in the same write, refused once revoked), the authorizer's view of a disabled one, a leak
//! that revokes a disabled one, and `revoked_reason` on every revocation path.

use super::*;
use latchkey::domain::{AuditAction, AuditFilter, DisabledChange, RevokedReason};

async fn stored(store: &dyn Store, credential: &CredentialRecord) -> CredentialRecord {
    store.get_credential(credential.organization_id, credential.id).await.unwrap().expect("the credential exists")
}

fn disabled_by(
    credential: &CredentialRecord,
    by: PrincipalId,
    disabled: bool,
    clock: &ManualClock,
) -> CredentialRecord {
    credential
        .with_disabled(DisabledChange { disabled, by, at: tick(clock) }, false)
        .expect("not revoked")
        .expect("a change")
}

async fn updated_events(store: &dyn Store, org: latchkey::domain::OrganizationId) -> usize {
    let filter = AuditFilter { action: Some(AuditAction::CredentialUpdated), ..AuditFilter::default() };
    store.list_audit_events(org, &filter, &first_page(100)).await.unwrap().items.len()
}

pub(super) async fn disabling_refuses_a_credential_until_it_is_enabled(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let org = support::create_org(&*store, "Acme", &clock).await;
    let (_, key) = support::create_service_account(&*store, org.id(), "deployer", &clock).await;
    let before = stored(&*store, &key).await;
    let disabled = disabled_by(&before, org.owner.id, true, &clock);
    let written = store.set_credential_disabled(&before, &disabled, support::audit()).await.unwrap();
    assert_eq!(written.lifecycle.disabled_by, Some(org.owner.id));
    assert_eq!(stored(&*store, &key).await, written, "as written");
    assert_eq!(status_now(&*store, &key, &clock).await, CredentialStatus::Disabled);
    assert_eq!(updated_events(&*store, org.id()).await, 1);
    // A disabled key is still listed as live.
    let filter = active_of_kind(CredentialKind::ApiKey, clock.now());
    let live = store.list_credentials(org.id(), &filter, &first_page(10)).await.unwrap();
    assert_eq!(live.items.len(), 1);
    // The same state again: no write, no event.
    store.set_credential_disabled(&written, &written, support::audit()).await.unwrap();
    assert_eq!(updated_events(&*store, org.id()).await, 1);
    // A decision made on a stale read loses.
    let stale = disabled_by(&before, org.owner.id, true, &clock);
    assert!(matches!(
        store.set_credential_disabled(&before, &stale, support::audit()).await,
        Err(StoreError::Contention)
    ));
    let enabled = disabled_by(&written, org.owner.id, false, &clock);
    store.set_credential_disabled(&written, &enabled, support::audit()).await.unwrap();
    assert_eq!(status_now(&*store, &key, &clock).await, CredentialStatus::Active);
    assert_eq!(updated_events(&*store, org.id()).await, 2);
}

pub(super) async fn a_revoked_credential_cannot_be_disabled_and_a_leak_revokes_a_disabled_one(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
) {
    let org = support::create_org(&*store, "Acme", &clock).await;
    let (_, key) = support::create_service_account(&*store, org.id(), "deployer", &clock).await;
    let before = stored(&*store, &key).await;
    let disabled = disabled_by(&before, org.owner.id, true, &clock);
    store.revoke_credential(org.id(), key.id, revocation(&clock), support::audit()).await.unwrap();
    let refused = store.set_credential_disabled(&before, &disabled, support::audit()).await;
    assert!(matches!(refused, Err(StoreError::Contention)), "{refused:?}");
    assert_eq!(stored(&*store, &key).await.lifecycle.disabled_at, None, "nothing written");
    assert_eq!(stored(&*store, &key).await.lifecycle.revoked_reason, Some(RevokedReason::Revoked));

    let (_, other) = support::create_service_account(&*store, org.id(), "builder", &clock).await;
    let before = stored(&*store, &other).await;
    store
        .set_credential_disabled(&before, &disabled_by(&before, org.owner.id, true, &clock), support::audit())
        .await
        .unwrap();
    let anonymous = latchkey::domain::AuditContext::new(
        latchkey::domain::audit::Actor::anonymous(),
        latchkey::domain::audit::RequestMeta::new(None, None, None),
        clock.now(),
        Duration::days(400),
    );
    let found = store.revoke_leaked(other.owner_id, other.id, &other.secret_hash, revocation(&clock), &anonymous).await;
    assert_eq!(found.unwrap(), Some(org.id()), "a disabled credential is revoked as leaked: it could be enabled again");
    assert_eq!(stored(&*store, &other).await.lifecycle.revoked_reason, Some(RevokedReason::Leaked));
}

pub(super) async fn every_revocation_path_writes_its_reason(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let org = support::create_org(&*store, "Acme", &clock).await;
    let (account, first) = support::create_service_account(&*store, org.id(), "deployer", &clock).await;
    let mut next = support::api_key(&account, &clock);
    next.epoch = account.api_key_epoch + 1;
    store.rotate_credentials(&next, revocation(&clock), support::audit()).await.unwrap();
    assert_eq!(stored(&*store, &first).await.lifecycle.revoked_reason, Some(RevokedReason::Rotated));
    store
        .revoke_all_credentials(
            org.id(),
            account.id,
            CredentialKind::ApiKey,
            revocation(&clock),
            false,
            support::audit(),
        )
        .await
        .unwrap();
    assert_eq!(stored(&*store, &next).await.lifecycle.revoked_reason, Some(RevokedReason::RevokedAll));
    let (user, cli) =
        support::create_user(&*store, org.id(), "ann@example.com", PermissionLevel::Collaborator, &clock).await;
    let token = support::access_token(&user, Duration::days(3), &clock);
    store.issue_credential(&token, support::audit()).await.unwrap();
    store
        .revoke_all_credentials(
            org.id(),
            user.id,
            CredentialKind::AccessToken,
            revocation(&clock),
            false,
            support::audit(),
        )
        .await
        .unwrap();
    assert_eq!(stored(&*store, &token).await.lifecycle.revoked_reason, Some(RevokedReason::RevokedAll));
    store.delete_user(org.id(), user.id, revocation(&clock), support::audit()).await.unwrap();
    assert_eq!(stored(&*store, &cli).await.lifecycle.revoked_reason, Some(RevokedReason::OwnerRemoved));
}

//! Suspension (SPEC section 10) as every store keeps it: the flag is stored and read back on
//! the principal the lookup returns, a suspended owner leaves the live-owner count (so
//! suspending the last live owner is `LastOwner`), and a repeat changes nothing.

use super::*;
use latchkey::domain::User;

fn suspend(suspended: bool, clock: &ManualClock) -> UserUpdate {
    UserUpdate { permission_level: None, roles: None, suspended: Some(suspended), at: tick(clock) }
}

async fn read(store: &dyn Store, user: &User) -> User {
    store.get_user(user.organization_id, user.id).await.unwrap().expect("the user exists")
}

pub(super) async fn a_suspended_owner_leaves_the_live_owner_count(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let first = acme.owner.clone();
    let refused = store.update_user(acme.id(), first.id, &suspend(true, &clock), any_change(), support::audit()).await;
    assert!(matches!(refused, Err(StoreError::LastOwner)), "{refused:?}");
    assert!(!read(&*store, &first).await.suspended);
    let (second, second_token) =
        support::create_user(&*store, acme.id(), "second@example.com", PermissionLevel::Owner, &clock).await;
    let after = store.update_user(acme.id(), second.id, &suspend(true, &clock), any_change(), support::audit()).await;
    assert!(after.unwrap().suspended);
    let stored = read(&*store, &second).await;
    assert!(stored.suspended && !stored.is_live_owner());
    // The lookup's owner carries the flag (the authorizer refuses on it).
    let (_, owner) = store.lookup_credential_and_owner(second.id, second_token.id).await.unwrap();
    assert!(owner.expect("the owner").is_suspended());
    // A repeat is no change; the first owner is now the last live one.
    store.update_user(acme.id(), second.id, &suspend(true, &clock), any_change(), support::audit()).await.unwrap();
    let refused = store.update_user(acme.id(), first.id, &suspend(true, &clock), any_change(), support::audit()).await;
    assert!(matches!(refused, Err(StoreError::LastOwner)), "{refused:?}");
    let demote = UserUpdate { permission_level: Some(PermissionLevel::Collaborator), ..suspend(false, &clock) };
    let demote = UserUpdate { suspended: None, ..demote };
    let refused = store.update_user(acme.id(), first.id, &demote, any_change(), support::audit()).await;
    assert!(matches!(refused, Err(StoreError::LastOwner)), "{refused:?}");
    // A rotation of the suspended owner's CLI tokens gives no live owner back.
    let second = read(&*store, &second).await;
    let mut rotated = support::cli_token(&second, &clock);
    rotated.epoch = second.cli_token_epoch + 1;
    store.rotate_credentials(&rotated, revocation(&clock), support::audit()).await.unwrap();
    let refused = store.update_user(acme.id(), first.id, &suspend(true, &clock), any_change(), support::audit()).await;
    assert!(matches!(refused, Err(StoreError::LastOwner)), "{refused:?}");
    // Unsuspended, it counts again.
    store.update_user(acme.id(), second.id, &suspend(false, &clock), any_change(), support::audit()).await.unwrap();
    assert!(read(&*store, &second).await.is_live_owner());
    store.update_user(acme.id(), first.id, &suspend(true, &clock), any_change(), support::audit()).await.unwrap();
    let refused = store.update_user(acme.id(), second.id, &suspend(true, &clock), any_change(), support::audit()).await;
    assert!(matches!(refused, Err(StoreError::LastOwner)), "{refused:?}");
}

pub(super) async fn a_service_account_is_suspended_and_unsuspended(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (account, key) = support::create_service_account(&*store, acme.id(), "ci-bot", &clock).await;
    let suspended = store.set_service_account_suspended(acme.id(), account.id, true, support::audit()).await.unwrap();
    assert!(suspended.suspended);
    let (_, owner) = store.lookup_credential_and_owner(account.id, key.id).await.unwrap();
    assert!(owner.expect("the owner").is_suspended());
    // Idempotent, and back.
    store.set_service_account_suspended(acme.id(), account.id, true, support::audit()).await.unwrap();
    let back = store.set_service_account_suspended(acme.id(), account.id, false, support::audit()).await.unwrap();
    assert!(!back.suspended);
    assert!(!store.get_service_account(acme.id(), account.id).await.unwrap().unwrap().suspended);
    // Another organization's account is not found.
    let other = support::create_org(&*store, "Other", &clock).await;
    let foreign = store.set_service_account_suspended(other.id(), account.id, true, support::audit()).await;
    assert!(matches!(foreign, Err(StoreError::NotFound)), "{foreign:?}");
    let gone = store.set_service_account_suspended(acme.id(), PrincipalId::new_random(), true, support::audit()).await;
    assert!(matches!(gone, Err(StoreError::NotFound)), "{gone:?}");
}

//! Removing principals on every store: deleting a user or a service account revokes its
//! credentials at once, and a successor with the same email or name is a new principal.

use super::*;

pub(super) async fn deleting_a_user_revokes_its_credentials(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (bob, cli) =
        support::create_user(&*store, acme.id(), "bob@example.com", PermissionLevel::Collaborator, &clock).await;
    let access = support::access_token(&bob, Duration::days(30), &clock);
    store.issue_credential(&access, support::audit()).await.unwrap();

    let removal = revocation(&clock);
    store.delete_user(acme.id(), bob.id, removal, support::audit()).await.unwrap();
    assert_eq!(store.get_user(acme.id(), bob.id).await.unwrap(), None);
    assert_eq!(store.find_user_by_email(acme.id(), &bob.email).await.unwrap(), None);
    for credential in [&cli, &access] {
        let (record, owner, status) = looked_up(&*store, credential, clock.now()).await;
        assert_eq!(owner, None);
        assert_eq!(status, CredentialStatus::Revoked);
        let record = record.expect("the revoked record stays until purged");
        assert_eq!((record.revoked_at, record.purge_at), (Some(removal.at), Some(removal.purge_at)));
    }
    assert_eq!(status_now(&*store, &acme.owner_token, &clock).await, CredentialStatus::Active);
    assert!(matches!(
        store.delete_user(acme.id(), bob.id, revocation(&clock), support::audit()).await,
        Err(StoreError::NotFound)
    ));
    let late = support::access_token(&bob, Duration::days(1), &clock);
    assert!(matches!(store.issue_credential(&late, support::audit()).await, Err(StoreError::NotFound)));

    // The email is free again, for a new principal whose old tokens stay dead.
    let (bob_again, _) =
        support::create_user(&*store, acme.id(), "bob@example.com", PermissionLevel::Collaborator, &clock).await;
    assert_ne!(bob_again.id, bob.id);
    assert_eq!(status_now(&*store, &cli, &clock).await, CredentialStatus::Revoked);
}

pub(super) async fn deleting_a_service_account_revokes_its_keys(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (bot, first_key) = support::create_service_account(&*store, acme.id(), "bot", &clock).await;
    let second_key = support::api_key(&bot, &clock);
    store.issue_credential(&second_key, support::audit()).await.unwrap();

    let removal = revocation(&clock);
    store.delete_service_account(acme.id(), bot.id, removal, support::audit()).await.unwrap();
    assert_eq!(store.get_service_account(acme.id(), bot.id).await.unwrap(), None);
    assert_eq!(store.find_service_account_by_name(acme.id(), &bot.name).await.unwrap(), None);
    for key in [&first_key, &second_key] {
        let (record, owner, status) = looked_up(&*store, key, clock.now()).await;
        assert_eq!(owner, None);
        assert_eq!(status, CredentialStatus::Revoked);
        assert_eq!(record.expect("kept until purged").revoked_at, Some(removal.at));
    }
    let result = store.delete_service_account(acme.id(), bot.id, revocation(&clock), support::audit()).await;
    assert!(matches!(result, Err(StoreError::NotFound)));

    // A new account with the old name is a new principal; the old keys stay dead.
    let (successor, successor_key) = support::create_service_account(&*store, acme.id(), "bot", &clock).await;
    assert_ne!(successor.id, bot.id);
    assert_eq!(status_now(&*store, &first_key, &clock).await, CredentialStatus::Revoked);
    assert_eq!(status_now(&*store, &successor_key, &clock).await, CredentialStatus::Active);
}

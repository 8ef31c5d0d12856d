//! Epochs on the DynamoDB store: a rotation revokes the older epochs and refuses stale ones, and
//! a revoke-all bumps the epoch and sweeps the purge times.

use super::*;

#[tokio::test]
async fn rotation_revokes_older_epochs_and_refuses_stale_ones() {
    let store = store().await;
    let (org, owner, old_token) = seeded(&store).await;
    let owner_principal = Principal::User(owner.clone());
    let access = credential(&owner_principal, CredentialKind::AccessToken, 0, now());
    store.issue_credential(&access, audit()).await.unwrap();

    let new_token = credential(&owner_principal, CredentialKind::CliToken, 1, now());
    store.rotate_credentials(&new_token, Revocation::new(now(), retention()), audit()).await.unwrap();

    let (old, owner_now) = store.lookup_credential_and_owner(owner.id, old_token.id).await.unwrap();
    let owner_now = owner_now.unwrap();
    assert_eq!(owner_now.epoch_for(CredentialKind::CliToken), Some(1));
    // Revoked by the epoch, and marked so by the sweep.
    assert_eq!(old.clone().unwrap().status(now(), Some(&owner_now)), CredentialStatus::Revoked);
    assert!(old.unwrap().revoked_at.is_some());
    let (new, _) = store.lookup_credential_and_owner(owner.id, new_token.id).await.unwrap();
    let new = new.unwrap();
    assert_eq!(new.status(now(), Some(&owner_now)), CredentialStatus::Active);
    assert_eq!(new.revoked_at, None, "the sweep must leave the new credential alone");
    // Each revoke-all touches only its own kind.
    let (access_now, _) = store.lookup_credential_and_owner(owner.id, access.id).await.unwrap();
    assert_eq!(access_now.unwrap().status(now(), Some(&owner_now)), CredentialStatus::Active);

    // Issued or rotated under a stale epoch: Contention, nothing stored.
    let stale = credential(&owner_principal, CredentialKind::CliToken, 0, now());
    assert!(matches!(store.issue_credential(&stale, audit()).await, Err(StoreError::Contention)));
    assert_eq!(store.get_credential(org.id, stale.id).await.unwrap(), None);
    let stale_rotation = credential(&owner_principal, CredentialKind::CliToken, 1, now());
    assert!(matches!(
        store.rotate_credentials(&stale_rotation, Revocation::new(now(), retention()), audit()).await,
        Err(StoreError::Contention)
    ));
    // A service account cannot hold CLI tokens; an unknown owner is NotFound.
    let account = service_account(&org, "svc", now());
    store
        .create_service_account(
            &account,
            &credential(&Principal::ServiceAccount(account.clone()), CredentialKind::ApiKey, 0, now()),
            audit(),
        )
        .await
        .unwrap();
    let mut wrong_kind = credential(&Principal::ServiceAccount(account.clone()), CredentialKind::CliToken, 0, now());
    assert!(matches!(store.issue_credential(&wrong_kind, audit()).await, Err(StoreError::NotFound)));
    wrong_kind.owner_id = PrincipalId::new_random();
    assert!(matches!(store.issue_credential(&wrong_kind, audit()).await, Err(StoreError::NotFound)));
    let ghost = user(&org, "ghost@example.com", PermissionLevel::Collaborator, now());
    let ghost_rotation = credential(&Principal::User(ghost), CredentialKind::CliToken, 1, now());
    assert!(matches!(
        store.rotate_credentials(&ghost_rotation, Revocation::new(now(), retention()), audit()).await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn revoke_all_bumps_the_epoch_and_sweeps_purge_times() {
    let store = store().await;
    let (org, _, _) = seeded(&store).await;
    let account = service_account(&org, "many-keys", now());
    let holder = Principal::ServiceAccount(account.clone());
    let first_key = credential(&holder, CredentialKind::ApiKey, 0, now());
    store.create_service_account(&account, &first_key, audit()).await.unwrap();
    // More than one BatchWriteItem's worth (25).
    let mut keys = vec![first_key];
    for _ in 0..30 {
        let key = credential(&holder, CredentialKind::ApiKey, 0, now());
        store.issue_credential(&key, audit()).await.unwrap();
        keys.push(key);
    }
    // Never expiring and active: no ttl attribute at all.
    let raw = raw_item(&store, credential_key(keys[3].id)).await;
    assert!(!raw.contains_key(TTL));
    assert!(!raw.contains_key("revoked_at"));

    let revocation = Revocation::new(now(), retention());
    store.revoke_all_credentials(org.id, account.id, CredentialKind::ApiKey, revocation, true, audit()).await.unwrap();

    let owner_now = store.get_principals(org.id, &[account.id]).await.unwrap().pop().unwrap();
    assert_eq!(owner_now.epoch_for(CredentialKind::ApiKey), Some(1));
    for key in &keys {
        let raw = raw_item(&store, credential_key(key.id)).await;
        assert_eq!(raw.get(TTL), Some(&n(revocation.purge_at.timestamp())), "ttl of {}", key.id);
        let stored = decode_credential(raw).unwrap();
        assert_eq!(stored.revoked_at, Some(revocation.at));
        assert_eq!(stored.purge_at, Some(revocation.purge_at));
        assert_eq!(stored.status(now(), Some(&owner_now)), CredentialStatus::Revoked);
    }
    let active = store
        .list_credentials(
            org.id,
            &CredentialFilter { owner: Some(account.id), ..all_of(CredentialKind::ApiKey, false) },
            &first_page(100),
        )
        .await
        .unwrap();
    assert!(active.items.is_empty());

    // An expiring access token carries ttl = expiry + retention from the start.
    let (_, owner, _) = seeded(&store).await;
    let access = credential(&Principal::User(owner.clone()), CredentialKind::AccessToken, 0, now());
    store.issue_credential(&access, audit()).await.unwrap();
    let raw = raw_item(&store, credential_key(access.id)).await;
    let purge = access.expires_at.unwrap() + retention();
    assert_eq!(raw.get(TTL), Some(&n(purge.timestamp())));
    // Access tokens have no epoch: revoke-all marks each one.
    store
        .revoke_all_credentials(
            owner.organization_id,
            owner.id,
            CredentialKind::AccessToken,
            revocation,
            false,
            audit(),
        )
        .await
        .unwrap();
    let stored = store.get_credential(owner.organization_id, access.id).await.unwrap().unwrap();
    assert_eq!(stored.revoked_at, Some(revocation.at));
}

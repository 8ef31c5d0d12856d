//! Principals on the DynamoDB store: one winner among concurrent creations of one name, an
//! organization always keeps an owner, and deleting a principal stops its credentials and frees
//! its name.

use super::*;

#[tokio::test]
async fn concurrent_creates_of_one_name_let_exactly_one_win() {
    let store = store().await;
    let (org, _, _) = seeded(&store).await;
    let a = service_account(&org, "deployer", now());
    let b = service_account(&org, "deployer", now());
    let a_key = credential(&Principal::ServiceAccount(a.clone()), CredentialKind::ApiKey, 0, now());
    let b_key = credential(&Principal::ServiceAccount(b.clone()), CredentialKind::ApiKey, 0, now());
    let (ra, rb) = tokio::join!(
        store.create_service_account(&a, &a_key, audit()),
        store.create_service_account(&b, &b_key, audit())
    );
    let outcomes = [ra, rb];
    assert_eq!(outcomes.iter().filter(|r| r.is_ok()).count(), 1, "{outcomes:?}");
    assert_eq!(
        outcomes.iter().filter(|r| matches!(r, Err(StoreError::Conflict("service account")))).count(),
        1,
        "{outcomes:?}"
    );
    let winner_id = if outcomes[0].is_ok() { a.id } else { b.id };
    let loser_id = if outcomes[0].is_ok() { b.id } else { a.id };
    assert_eq!(store.get_service_account(org.id, loser_id).await.unwrap(), None);
    // The name points to the winner.
    let found = store.find_service_account_by_name(org.id, &a.name).await.unwrap();
    assert_eq!(found.map(|f| f.id), Some(winner_id));
}

#[tokio::test]
async fn an_organization_always_keeps_an_owner() {
    let store = store().await;
    let (org, first_owner, _) = seeded(&store).await;
    let second_owner = user(&org, "second@example.com", PermissionLevel::Owner, now());
    store
        .create_user(
            &second_owner,
            &credential(&Principal::User(second_owner.clone()), CredentialKind::CliToken, 0, now()),
            audit(),
        )
        .await
        .unwrap();
    assert_eq!(number_attribute(&raw_item(&store, organization_key(org.id)).await, OWNER_COUNT).unwrap(), 2);

    // Two concurrent demotions of the only two owners: exactly one succeeds.
    let demote =
        UserUpdate { permission_level: Some(PermissionLevel::Collaborator), roles: None, suspended: None, at: now() };
    let (a, b) = tokio::join!(
        store.update_user(org.id, first_owner.id, &demote, any_change(), audit()),
        store.update_user(org.id, second_owner.id, &demote, any_change(), audit())
    );
    let outcomes = [a, b];
    assert_eq!(outcomes.iter().filter(|r| r.is_ok()).count(), 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|r| matches!(r, Err(StoreError::LastOwner))).count(), 1, "{outcomes:?}");
    // The winner's demotion stands: the count matches the owners, and one is left.
    let owner_count_now = number_attribute(&raw_item(&store, organization_key(org.id)).await, OWNER_COUNT).unwrap();
    let mut owners = Vec::new();
    for id in [first_owner.id, second_owner.id] {
        let u = store.get_user(org.id, id).await.unwrap().unwrap();
        if u.permission_level == PermissionLevel::Owner {
            owners.push(u.id);
        }
    }
    assert_eq!(owner_count_now, owners.len() as u64);
    assert_eq!(owners.len(), 1);
    let (remaining, demoted) =
        if store.get_user(org.id, first_owner.id).await.unwrap().unwrap().permission_level == PermissionLevel::Owner {
            (&first_owner, &second_owner)
        } else {
            (&second_owner, &first_owner)
        };
    assert_eq!(number_attribute(&raw_item(&store, organization_key(org.id)).await, OWNER_COUNT).unwrap(), 1);
    assert!(matches!(
        store.update_user(org.id, remaining.id, &demote, any_change(), audit()).await,
        Err(StoreError::LastOwner)
    ));
    let revocation = Revocation::new(now(), retention());
    assert!(matches!(store.delete_user(org.id, remaining.id, revocation, audit()).await, Err(StoreError::LastOwner)));
    assert!(matches!(
        store.revoke_all_credentials(org.id, remaining.id, CredentialKind::CliToken, revocation, true, audit()).await,
        Err(StoreError::LastOwner)
    ));
    // Without keep_an_owner (an operator's action) it may, and then no live owner is left.
    store
        .revoke_all_credentials(org.id, remaining.id, CredentialKind::CliToken, revocation, false, audit())
        .await
        .unwrap();
    assert_eq!(number_attribute(&raw_item(&store, organization_key(org.id)).await, OWNER_COUNT).unwrap(), 0);
    let raw_remaining = raw_item(&store, principal_key(remaining.id)).await;
    assert_eq!(raw_remaining.get("cli_token_live"), Some(&AttributeValue::Bool(false)));

    // Roles change alone; promotion of a user with a live CLI token counts; then the first
    // owner, which has none, may go without changing the count.
    let roles = UserUpdate {
        permission_level: None,
        roles: Some(Roles::new([Role::TokenCreator])),
        suspended: None,
        at: now(),
    };
    let updated = store.update_user(org.id, demoted.id, &roles, any_change(), audit()).await.unwrap();
    assert!(updated.roles.contains(Role::TokenCreator));
    assert_eq!(store.get_user(org.id, demoted.id).await.unwrap(), Some(updated));
    let promote =
        UserUpdate { permission_level: Some(PermissionLevel::Owner), roles: None, suspended: None, at: now() };
    store.update_user(org.id, demoted.id, &promote, any_change(), audit()).await.unwrap();
    assert_eq!(number_attribute(&raw_item(&store, organization_key(org.id)).await, OWNER_COUNT).unwrap(), 1);
    store.delete_user(org.id, remaining.id, revocation, audit()).await.unwrap();
    assert_eq!(number_attribute(&raw_item(&store, organization_key(org.id)).await, OWNER_COUNT).unwrap(), 1);
}

#[tokio::test]
async fn deleting_principals_stops_their_credentials_and_frees_their_names() {
    let store = store().await;
    let (org, _, _) = seeded(&store).await;
    let member = user(&org, "leaving@example.com", PermissionLevel::Collaborator, now());
    let cli = credential(&Principal::User(member.clone()), CredentialKind::CliToken, 0, now());
    store.create_user(&member, &cli, audit()).await.unwrap();
    let access = credential(&Principal::User(member.clone()), CredentialKind::AccessToken, 0, now());
    store.issue_credential(&access, audit()).await.unwrap();
    let revocation = Revocation::new(now(), retention());
    store.delete_user(org.id, member.id, revocation, audit()).await.unwrap();
    for id in [cli.id, access.id] {
        let (found, owner) = store.lookup_credential_and_owner(member.id, id).await.unwrap();
        assert_eq!(owner, None);
        assert_eq!(found.unwrap().revoked_at, Some(revocation.at));
    }
    assert!(matches!(store.delete_user(org.id, member.id, revocation, audit()).await, Err(StoreError::NotFound)));
    let returning = user(&org, "leaving@example.com", PermissionLevel::Collaborator, now());
    store
        .create_user(
            &returning,
            &credential(&Principal::User(returning.clone()), CredentialKind::CliToken, 0, now()),
            audit(),
        )
        .await
        .unwrap();

    let account = service_account(&org, "temp", now());
    let key = credential(&Principal::ServiceAccount(account.clone()), CredentialKind::ApiKey, 0, now());
    store.create_service_account(&account, &key, audit()).await.unwrap();
    store.delete_service_account(org.id, account.id, revocation, audit()).await.unwrap();
    assert_eq!(store.find_service_account_by_name(org.id, &account.name).await.unwrap(), None);
    let successor = service_account(&org, "temp", now());
    store
        .create_service_account(
            &successor,
            &credential(&Principal::ServiceAccount(successor.clone()), CredentialKind::ApiKey, 0, now()),
            audit(),
        )
        .await
        .unwrap();
    // The old key names the old id: it stays dead.
    let (old_key, old_owner) = store.lookup_credential_and_owner(account.id, key.id).await.unwrap();
    assert_eq!(old_owner, None);
    assert_eq!(old_key.unwrap().status(now(), None), CredentialStatus::Revoked);
}

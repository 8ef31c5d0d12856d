//! Round trips through the DynamoDB store: every kind of record written and read back, a store
//! built from the config, and the authorizer's read of a credential and its owner together.

use super::*;

#[tokio::test]
async fn organizations_users_service_accounts_and_credentials_round_trip() {
    let store = store().await;
    // Idempotent.
    store.create_table_if_missing().await.unwrap();
    let (org, owner, token) = seeded(&store).await;

    let found = store
        .find_organization_by_name(&OrganizationName::parse(&org.name.as_str().to_uppercase()).unwrap())
        .await
        .unwrap();
    assert_eq!(found, Some(org.clone()));
    assert_eq!(store.get_user(org.id, owner.id).await.unwrap(), Some(owner.clone()));
    assert_eq!(store.find_user_by_email(org.id, &owner.email).await.unwrap(), Some(owner.clone()));
    assert_eq!(store.get_credential(org.id, token.id).await.unwrap(), Some(token.clone()));
    let org_item = raw_item(&store, organization_key(org.id)).await;
    assert_eq!(number_attribute(&org_item, OWNER_COUNT).unwrap(), 1);

    // Same name, any case: Conflict, and nothing of the second attempt is stored.
    let copycat = organization(&org.name.as_str().to_lowercase());
    let copy_owner = user(&copycat, "x@example.com", PermissionLevel::Owner, now());
    let copy_token = credential(&Principal::User(copy_owner.clone()), CredentialKind::CliToken, 0, now());
    assert!(matches!(
        store.create_organization(&copycat, &copy_owner, &copy_token, audit()).await,
        Err(StoreError::Conflict("organization"))
    ));
    assert_eq!(store.get_item(principal_key(copy_owner.id)).await.unwrap(), None);

    // A user, and a taken email.
    let mut member = user(&org, "member@example.com", PermissionLevel::Collaborator, now());
    member.roles = Roles::new([Role::TokenCreator]);
    let member_token = credential(&Principal::User(member.clone()), CredentialKind::CliToken, 0, now());
    store.create_user(&member, &member_token, audit()).await.unwrap();
    assert_eq!(store.get_user(org.id, member.id).await.unwrap(), Some(member.clone()));
    let twin = user(&org, "member@example.com", PermissionLevel::Collaborator, now());
    let twin_token = credential(&Principal::User(twin.clone()), CredentialKind::CliToken, 0, now());
    assert!(matches!(store.create_user(&twin, &twin_token, audit()).await, Err(StoreError::Conflict("email"))));

    // A service account with its first key.
    let account = service_account(&org, "ci-bot", now());
    let key = credential(&Principal::ServiceAccount(account.clone()), CredentialKind::ApiKey, 0, now());
    store.create_service_account(&account, &key, audit()).await.unwrap();
    assert_eq!(store.get_service_account(org.id, account.id).await.unwrap(), Some(account.clone()));
    assert_eq!(store.find_service_account_by_name(org.id, &account.name).await.unwrap(), Some(account.clone()));
    // A user is not a service account and vice versa.
    assert_eq!(store.get_service_account(org.id, owner.id).await.unwrap(), None);
    assert_eq!(store.get_user(org.id, account.id).await.unwrap(), None);

    // An access token, its description, its revocation (first time wins).
    let access = credential(&Principal::User(member.clone()), CredentialKind::AccessToken, 0, now());
    store.issue_credential(&access, audit()).await.unwrap();
    let description = Description::parse("deploys").unwrap();
    let described = store.set_credential_description(org.id, access.id, Some(&description), audit()).await.unwrap();
    assert_eq!(described.description, Some(description));
    let cleared = store.set_credential_description(org.id, access.id, None, audit()).await.unwrap();
    assert_eq!(cleared.description, None);
    let first = Revocation::new(now(), retention());
    let revoked = store.revoke_credential(org.id, access.id, first, audit()).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(first.at));
    assert_eq!(revoked.purge_at, Some(first.purge_at));
    let again = store
        .revoke_credential(org.id, access.id, Revocation::new(now() + Days::hours(1), retention()), audit())
        .await
        .unwrap();
    assert_eq!(again, revoked);
    let raw = raw_item(&store, credential_key(access.id)).await;
    assert_eq!(raw.get(TTL), Some(&n(first.purge_at.timestamp())));

    // Everything is invisible from another organization.
    let other = OrganizationId::new_random();
    assert_eq!(store.get_user(other, owner.id).await.unwrap(), None);
    assert_eq!(store.find_user_by_email(other, &owner.email).await.unwrap(), None);
    assert_eq!(store.get_service_account(other, account.id).await.unwrap(), None);
    assert_eq!(store.find_service_account_by_name(other, &account.name).await.unwrap(), None);
    assert_eq!(store.get_credential(other, token.id).await.unwrap(), None);
    assert!(matches!(store.revoke_credential(other, key.id, first, audit()).await, Err(StoreError::NotFound)));
    assert!(matches!(store.set_credential_description(other, key.id, None, audit()).await, Err(StoreError::NotFound)));
    assert!(matches!(
        store
            .update_user(
                other,
                member.id,
                &UserUpdate { permission_level: None, roles: None, suspended: None, at: now() },
                any_change(),
                audit()
            )
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(store.delete_user(other, member.id, first, audit()).await, Err(StoreError::NotFound)));
    assert!(matches!(store.delete_service_account(other, account.id, first, audit()).await, Err(StoreError::NotFound)));
    assert!(matches!(
        store.revoke_all_credentials(other, account.id, CredentialKind::ApiKey, first, false, audit()).await,
        Err(StoreError::NotFound)
    ));

    // get_principals: one round trip, duplicates collapsed, foreign and missing ids absent.
    let mut principals =
        store.get_principals(org.id, &[owner.id, account.id, owner.id, PrincipalId::new_random()]).await.unwrap();
    principals.sort_by_key(|p| p.id());
    let mut expected = vec![Principal::User(owner.clone()), Principal::ServiceAccount(account.clone())];
    expected.sort_by_key(|p| p.id());
    assert_eq!(principals, expected);
    assert!(store.get_principals(other, &[owner.id]).await.unwrap().is_empty());
}

#[tokio::test]
async fn from_config_builds_a_working_store() {
    for var in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"] {
        assert!(std::env::var(var).is_ok(), "set {var} (dummy values) or run scripts/test");
    }
    let cfg = Config { table_name: random_table(), dynamodb_endpoint: Some(endpoint()), ..Config::default() };
    let store = DynamoDbStore::from_config(&cfg).await.unwrap();
    assert_eq!(store.table_name(), cfg.table_name);
    store.create_table_if_missing().await.unwrap();
    let (org, owner, _) = seeded(&store).await;
    assert_eq!(store.get_user(org.id, owner.id).await.unwrap(), Some(owner));
}

#[tokio::test]
async fn the_authorizer_reads_credential_and_owner_together() {
    let store = store().await;
    let (_, owner, token) = seeded(&store).await;
    let (found, found_owner) = store.lookup_credential_and_owner(owner.id, token.id).await.unwrap();
    assert_eq!(found, Some(token.clone()));
    assert_eq!(found_owner, Some(Principal::User(owner.clone())));
    let (none, found_owner) = store.lookup_credential_and_owner(owner.id, CredentialId::new_random()).await.unwrap();
    assert_eq!((none, found_owner.map(|p| p.id())), (None, Some(owner.id)));
    let (found, no_owner) = store.lookup_credential_and_owner(PrincipalId::new_random(), token.id).await.unwrap();
    assert_eq!((found.map(|c| c.id), no_owner), (Some(token.id), None));

    // last_used_at: at most once per throttle window; never resurrects a missing item.
    let t0 = now();
    store.record_last_used(token.id, t0, t0 - Days::minutes(1), None).await.unwrap();
    let stored = store.get_credential(token.organization_id, token.id).await.unwrap().unwrap();
    assert_eq!(stored.last_used_at, Some(t0));
    // Used at t0, which is after t0 - 30 s: throttled.
    store.record_last_used(token.id, t0 + Days::seconds(30), t0 - Days::seconds(30), None).await.unwrap();
    let stored = store.get_credential(token.organization_id, token.id).await.unwrap().unwrap();
    assert_eq!(stored.last_used_at, Some(t0));
    // t0 + 500 ms has fewer fraction digits than t0 + 1.25 s in RFC 3339; numbers compare right.
    let later = t0 + Days::seconds(61);
    store.record_last_used(token.id, later, t0 + Days::milliseconds(500), None).await.unwrap();
    let stored = store.get_credential(token.organization_id, token.id).await.unwrap().unwrap();
    assert_eq!(stored.last_used_at, Some(later));
    let ghost = CredentialId::new_random();
    store.record_last_used(ghost, t0, t0, None).await.unwrap();
    assert_eq!(store.get_item(credential_key(ghost)).await.unwrap(), None);
}

//! The one-time backfill of user items written by an older build (without `owner_since`
//! and `cli_token_live`), and the owner count it corrects.

use super::*;

/// Rewrites a user item as an older build left it: without `owner_since` and
/// `cli_token_live`, and with the CLI-token epoch `epoch`.
async fn make_legacy(store: &DynamoDbStore, id: PrincipalId, epoch: u64) {
    let mut item = raw_item(store, principal_key(id)).await;
    item.remove("owner_since");
    item.remove("cli_token_live");
    item.insert("cli_token_epoch".into(), n(epoch));
    store.client.put_item().table_name(&store.table).set_item(Some(item)).send().await.unwrap();
}

async fn owner_count(store: &DynamoDbStore, org: &Organization) -> u64 {
    number_attribute(&raw_item(store, organization_key(org.id)).await, OWNER_COUNT).unwrap()
}

#[tokio::test]
async fn the_backfill_records_owner_since_and_liveness_and_corrects_the_owner_count() {
    let store = store().await;
    let (org, first, _) = seeded(&store).await;
    let second = user(&org, "second@example.com", PermissionLevel::Owner, now());
    store
        .create_user(
            &second,
            &credential(&Principal::User(second.clone()), CredentialKind::CliToken, 0, now()),
            audit(),
        )
        .await
        .unwrap();
    let collab = user(&org, "collab@example.com", PermissionLevel::Collaborator, now());
    store
        .create_user(
            &collab,
            &credential(&Principal::User(collab.clone()), CredentialKind::CliToken, 0, now()),
            audit(),
        )
        .await
        .unwrap();
    // The older build counted every OWNER; the second one had revoked all its CLI tokens.
    make_legacy(&store, first.id, 0).await;
    make_legacy(&store, second.id, 1).await;
    make_legacy(&store, collab.id, 0).await;
    assert_eq!(owner_count(&store, &org).await, 2);

    let at = now() + Days::days(1);
    assert_eq!(store.backfill_identity(at).await.unwrap(), 3);
    let read = |id| {
        let store = store.clone();
        async move { store.get_user(org.id, id).await.unwrap().unwrap() }
    };
    let (first_now, second_now, collab_now) = (read(first.id).await, read(second.id).await, read(collab.id).await);
    assert_eq!((first_now.owner_since, first_now.cli_token_live), (Some(at), true));
    assert_eq!((second_now.owner_since, second_now.cli_token_live), (Some(at), false));
    assert_eq!((collab_now.owner_since, collab_now.cli_token_live), (None, true));
    assert_eq!(owner_count(&store, &org).await, 1, "the owner without a live CLI token left the count");
    // The guard sees the truth: the first owner is the last one who can sign in.
    let revocation = Revocation::new(now(), retention());
    let lock_out =
        store.revoke_all_credentials(org.id, first.id, CredentialKind::CliToken, revocation, true, audit()).await;
    assert!(matches!(lock_out, Err(StoreError::LastOwner)), "{lock_out:?}");

    // Done once: a marker makes later runs one read that changes nothing.
    make_legacy(&store, collab.id, 0).await;
    assert_eq!(store.backfill_identity(now()).await.unwrap(), 0);
    assert!(!raw_item(&store, principal_key(collab.id)).await.contains_key("cli_token_live"));
}

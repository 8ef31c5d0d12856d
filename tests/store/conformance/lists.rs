//! Lists as every store pages them: users oldest first, service accounts and credentials
//! newest first (credentials by owner), across pages; forged positions are invalid; credential
//! lists filter by kind, owner, last six characters and activity.

use super::*;

pub(super) async fn users_are_listed_oldest_first_across_pages(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let mut expected = vec![acme.owner.clone()];
    for n in 0..24 {
        let (member, _) = support::create_user(
            &*store,
            acme.id(),
            &format!("user{n}@example.com"),
            PermissionLevel::Collaborator,
            &clock,
        )
        .await;
        expected.push(member);
    }
    let listed = all_pages(7, position::of_user, |page| {
        let (store, org) = (Arc::clone(&store), acme.id());
        async move { store.list_users(org, &page).await }
    })
    .await;
    assert_eq!(listed.len(), 25);
    assert_eq!(listed, expected, "every user once, oldest first, as stored");
    let positions: Vec<_> = listed.iter().map(position::of_user).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
    // An exact fit ends with `next: None`, not with an empty page.
    let exact = store.list_users(acme.id(), &first_page(25)).await.unwrap();
    assert_eq!((exact.items.len(), exact.next), (25, None));
}

pub(super) async fn service_accounts_are_listed_newest_first_across_pages(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let mut created = Vec::new();
    for n in 0..25 {
        created.push(support::create_service_account(&*store, acme.id(), &format!("bot-{n}"), &clock).await.0);
    }
    let listed = all_pages(7, position::of_service_account, |page| {
        let (store, org) = (Arc::clone(&store), acme.id());
        async move { store.list_service_accounts(org, &page).await }
    })
    .await;
    created.reverse();
    assert_eq!(listed, created, "every account once, newest first, as stored");
}

pub(super) async fn credentials_are_listed_in_credential_order_across_pages(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let mut holders = vec![acme.owner.clone()];
    for n in 0..2 {
        let email = format!("holder{n}@example.com");
        holders.push(support::create_user(&*store, acme.id(), &email, PermissionLevel::Collaborator, &clock).await.0);
    }
    let mut expected = Vec::new();
    for n in 0..25 {
        let token = support::access_token(&holders[n % holders.len()], Duration::days(30), &clock);
        store.issue_credential(&token, support::audit()).await.unwrap();
        expected.push(token);
    }
    expected.sort_by_key(|c| std::cmp::Reverse(position::of_credential(c)));
    let filter = active_of_kind(CredentialKind::AccessToken, clock.now());
    let listed = all_pages(7, position::of_credential, |page| {
        let (store, filter, org) = (Arc::clone(&store), filter.clone(), acme.id());
        async move { store.list_credentials(org, &filter, &page).await }
    })
    .await;
    assert_eq!(listed, expected, "every token once, by owner then newest first, as stored");
}

pub(super) async fn forged_positions_are_invalid(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let id = PrincipalId::new_random();
    let when = "2030-01-01T00:00:00.000000Z";
    let principal_garbage = [
        "".to_string(),
        "garbage".to_string(),
        format!("{when}#not-a-uuid"),
        format!("2030-01-01T00:00:00Z#{id}"), // not the sortable width
        format!("yesterday#{id}"),
        format!("{id}#{when}#{id}"),
    ];
    for after in &principal_garbage {
        let page = PageRequest { max_items: 5, after: Some(after.clone()) };
        let users = store.list_users(acme.id(), &page).await;
        assert!(matches!(users, Err(StoreError::InvalidPosition)), "users after {after:?}: {users:?}");
        let accounts = store.list_service_accounts(acme.id(), &page).await;
        assert!(matches!(accounts, Err(StoreError::InvalidPosition)), "accounts after {after:?}: {accounts:?}");
    }
    let credential_garbage =
        ["garbage".to_string(), format!("{when}#{id}"), format!("{id}#{when}#x"), format!("x#{when}#{id}")];
    for after in &credential_garbage {
        let page = PageRequest { max_items: 5, after: Some(after.clone()) };
        let filter = active_of_kind(CredentialKind::CliToken, clock.now());
        let listed = store.list_credentials(acme.id(), &filter, &page).await;
        assert!(matches!(listed, Err(StoreError::InvalidPosition)), "credentials after {after:?}: {listed:?}");
    }
    // A well-formed position the store never produced is fine: it is only a place in the order.
    let page = PageRequest { max_items: 5, after: Some(format!("{when}#{id}")) };
    assert!(store.list_users(acme.id(), &page).await.unwrap().items.is_empty());
}

pub(super) async fn credential_lists_filter_by_kind_owner_last_six_and_activity(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (bot, bot_key) = support::create_service_account(&*store, acme.id(), "bot", &clock).await;
    let (other, other_key) = support::create_service_account(&*store, acme.id(), "other", &clock).await;
    let revoked_key = support::api_key(&bot, &clock);
    store.issue_credential(&revoked_key, support::audit()).await.unwrap();
    store.revoke_credential(acme.id(), revoked_key.id, revocation(&clock), support::audit()).await.unwrap();
    let access = support::access_token(&acme.owner, Duration::days(30), &clock);
    store.issue_credential(&access, support::audit()).await.unwrap();

    let list = |filter: CredentialFilter| {
        let (store, org) = (Arc::clone(&store), acme.id());
        async move {
            let page = store.list_credentials(org, &filter, &first_page(100)).await.unwrap();
            assert_eq!(page.next, None);
            page.items.iter().map(|c| c.id).collect::<HashSet<_>>()
        }
    };
    let keys = active_of_kind(CredentialKind::ApiKey, clock.now());
    assert_eq!(list(keys.clone()).await, HashSet::from([bot_key.id, other_key.id]));
    let with_inactive = CredentialFilter { include_inactive: true, ..keys.clone() };
    assert_eq!(list(with_inactive.clone()).await, HashSet::from([bot_key.id, other_key.id, revoked_key.id]));
    let bots = CredentialFilter { owner: Some(bot.id), ..with_inactive.clone() };
    assert_eq!(list(bots).await, HashSet::from([bot_key.id, revoked_key.id]));
    let others = CredentialFilter { owner: Some(other.id), ..keys.clone() };
    assert_eq!(list(others).await, HashSet::from([other_key.id]));
    let by_six = CredentialFilter { last_six: Some(other_key.last_six.clone()), ..keys.clone() };
    assert_eq!(list(by_six).await, HashSet::from([other_key.id]));
    let revoked_by_six = CredentialFilter { last_six: Some(revoked_key.last_six.clone()), ..keys.clone() };
    assert!(list(revoked_by_six).await.is_empty(), "a revoked key is inactive");
    let no_match = CredentialFilter { last_six: Some("zzzzzz".into()), ..with_inactive };
    assert!(list(no_match).await.is_empty());

    let tokens = active_of_kind(CredentialKind::AccessToken, clock.now());
    assert_eq!(list(tokens).await, HashSet::from([access.id]));
    let cli = active_of_kind(CredentialKind::CliToken, clock.now());
    assert_eq!(list(cli).await, HashSet::from([acme.owner_token.id]));
}

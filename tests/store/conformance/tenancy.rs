//! Organizations on every store: names and emails are unique (case-insensitively, one winner
//! among concurrent creations), the same names in two organizations are fine, and another
//! organization's objects behave as absent.

use super::*;

pub(super) async fn organization_names_are_unique_case_insensitively(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme Corp", &clock).await;
    let found = store.find_organization_by_name(&OrganizationName::parse("aCME cORP").unwrap()).await.unwrap();
    assert_eq!(found, Some(acme.org.clone()));

    let copy = TestOrg::new("ACME CORP", &clock);
    let result = store.create_organization(&copy.org, &copy.owner, &copy.owner_token, support::audit()).await;
    assert!(matches!(result, Err(StoreError::Conflict("organization"))), "{result:?}");
    // All or nothing: the refused organization's owner and token were not stored either.
    assert_eq!(store.get_user(copy.id(), copy.owner.id).await.unwrap(), None);
    let (token, owner) = store.lookup_credential_and_owner(copy.owner.id, copy.owner_token.id).await.unwrap();
    assert_eq!((token, owner), (None, None));

    let missing = store.find_organization_by_name(&OrganizationName::parse("Acme").unwrap()).await.unwrap();
    assert_eq!(missing, None);
}

pub(super) async fn user_emails_are_unique_in_an_organization(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (bob, _) =
        support::create_user(&*store, acme.id(), "  Bob@Example.COM ", PermissionLevel::Collaborator, &clock).await;
    assert_eq!(bob.email.as_str(), "bob@example.com");

    let twin = support::user(acme.id(), "BOB@example.com", PermissionLevel::Collaborator, &clock);
    let twin_token = support::cli_token(&twin, &clock);
    let result = store.create_user(&twin, &twin_token, support::audit()).await;
    assert!(matches!(result, Err(StoreError::Conflict("email"))), "{result:?}");
    assert_eq!(store.get_user(acme.id(), twin.id).await.unwrap(), None);
    assert_eq!(store.lookup_credential_and_owner(twin.id, twin_token.id).await.unwrap().0, None);

    let found = store.find_user_by_email(acme.id(), &Email::parse("bob@EXAMPLE.com").unwrap()).await.unwrap();
    assert_eq!(found, Some(bob));
}

pub(super) async fn concurrent_user_creation_with_one_email_has_one_winner(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let mut attempts = Vec::new();
    for _ in 0..8 {
        let member = support::user(acme.id(), "race@example.com", PermissionLevel::Collaborator, &clock);
        let token = support::cli_token(&member, &clock);
        let store = Arc::clone(&store);
        attempts.push(tokio::spawn(async move { store.create_user(&member, &token, support::audit()).await }));
    }
    let (mut won, mut conflicts) = (0, 0);
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::Conflict("email")) => conflicts += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((won, conflicts), (1, 7));
    let users = store.list_users(acme.id(), &first_page(100)).await.unwrap();
    let racers = users.items.iter().filter(|u| u.email.as_str() == "race@example.com").count();
    assert_eq!(racers, 1);
}

pub(super) async fn concurrent_service_account_creation_with_one_name_has_one_winner(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let mut attempts = Vec::new();
    for _ in 0..8 {
        let account = support::service_account(acme.id(), "ci-bot", &clock);
        let key = support::api_key(&account, &clock);
        let store = Arc::clone(&store);
        attempts
            .push(tokio::spawn(async move { store.create_service_account(&account, &key, support::audit()).await }));
    }
    let (mut won, mut conflicts) = (0, 0);
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::Conflict("service account")) => conflicts += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((won, conflicts), (1, 7));
    let accounts = store.list_service_accounts(acme.id(), &first_page(100)).await.unwrap();
    assert_eq!(accounts.items.len(), 1);
    let name = ServiceAccountName::parse("ci-bot").unwrap();
    assert_eq!(store.find_service_account_by_name(acme.id(), &name).await.unwrap().as_ref(), accounts.items.first());
}

pub(super) async fn the_same_names_in_two_organizations_are_fine(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let globex = support::create_org(&*store, "Globex", &clock).await;
    for org in [&acme, &globex] {
        support::create_user(&*store, org.id(), "pat@example.com", PermissionLevel::Collaborator, &clock).await;
        support::create_service_account(&*store, org.id(), "deployer", &clock).await;
    }
    let pat = Email::parse("pat@example.com").unwrap();
    let in_acme = store.find_user_by_email(acme.id(), &pat).await.unwrap().unwrap();
    let in_globex = store.find_user_by_email(globex.id(), &pat).await.unwrap().unwrap();
    assert_ne!(in_acme.id, in_globex.id);
    assert_eq!(in_acme.organization_id, acme.id());
    assert_eq!(in_globex.organization_id, globex.id());
}

pub(super) async fn other_organizations_objects_behave_as_absent(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let globex = support::create_org(&*store, "Globex", &clock).await;
    let (alice, _) =
        support::create_user(&*store, acme.id(), "alice@example.com", PermissionLevel::Owner, &clock).await;
    let (bot, bot_key) = support::create_service_account(&*store, acme.id(), "bot", &clock).await;
    let theirs = globex.id();

    assert_eq!(store.get_user(theirs, alice.id).await.unwrap(), None);
    assert_eq!(store.find_user_by_email(theirs, &alice.email).await.unwrap(), None);
    assert_eq!(store.get_service_account(theirs, bot.id).await.unwrap(), None);
    assert_eq!(store.find_service_account_by_name(theirs, &bot.name).await.unwrap(), None);
    assert_eq!(store.get_credential(theirs, bot_key.id).await.unwrap(), None);
    assert!(store.get_principals(theirs, &[alice.id, bot.id, acme.owner.id]).await.unwrap().is_empty());

    let not_found = |r: Result<(), StoreError>| matches!(r, Err(StoreError::NotFound));
    assert!(matches!(
        store.revoke_credential(theirs, bot_key.id, revocation(&clock), support::audit()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.set_credential_description(theirs, bot_key.id, None, support::audit()).await,
        Err(StoreError::NotFound)
    ));
    let demote = UserUpdate {
        permission_level: Some(PermissionLevel::Collaborator),
        roles: None,
        suspended: None,
        at: clock.now(),
    };
    assert!(matches!(
        store.update_user(theirs, alice.id, &demote, any_change(), support::audit()).await,
        Err(StoreError::NotFound)
    ));
    assert!(not_found(store.delete_user(theirs, alice.id, revocation(&clock), support::audit()).await));
    assert!(not_found(store.delete_service_account(theirs, bot.id, revocation(&clock), support::audit()).await));
    assert!(not_found(
        store
            .revoke_all_credentials(theirs, bot.id, CredentialKind::ApiKey, revocation(&clock), true, support::audit())
            .await
    ));
    assert!(not_found(
        store
            .revoke_all_credentials(
                theirs,
                alice.id,
                CredentialKind::CliToken,
                revocation(&clock),
                true,
                support::audit()
            )
            .await
    ));
    // A credential claiming another organization for an owner of this one is refused.
    let mut smuggled = support::api_key(&bot, &clock);
    smuggled.organization_id = theirs;
    assert!(not_found(store.issue_credential(&smuggled, support::audit()).await));

    let users = store.list_users(theirs, &first_page(100)).await.unwrap();
    assert_eq!(ids(&users.items, |u| u.id.to_string()), [globex.owner.id.to_string()]);
    let accounts = store.list_service_accounts(theirs, &first_page(100)).await.unwrap();
    assert!(accounts.items.is_empty());
    let all = first_page(100);
    let keys = store.list_credentials(theirs, &active_of_kind(CredentialKind::ApiKey, clock.now()), &all).await;
    assert!(keys.unwrap().items.is_empty());
    let tokens = store.list_credentials(theirs, &active_of_kind(CredentialKind::CliToken, clock.now()), &all).await;
    assert_eq!(ids(&tokens.unwrap().items, |c| c.id.to_string()), [globex.owner_token.id.to_string()]);

    // Nothing above touched Acme's objects.
    assert_eq!(status_now(&*store, &bot_key, &clock).await, CredentialStatus::Active);
    assert_eq!(store.get_user(acme.id(), alice.id).await.unwrap().unwrap().permission_level, PermissionLevel::Owner);
}

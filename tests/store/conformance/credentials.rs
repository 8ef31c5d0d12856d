//! Credentials on every store: issued ones round-trip through the authorizer's lookup,
//! principals are fetched together, descriptions are set and cleared, revocation one by one or
//! all at once, and rotation (atomic, one winner among concurrent ones).

use super::*;

pub(super) async fn issued_credentials_round_trip_through_lookup(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (bot, first_key) = support::create_service_account(&*store, acme.id(), "bot", &clock).await;

    let mut token = support::access_token(&acme.owner, Duration::days(30), &clock);
    token.description = Some(Description::parse("deploys from CI — nightly").unwrap());
    token.created_by = Some(acme.owner.id);
    store.issue_credential(&token, support::audit()).await.unwrap();
    let (record, owner) = store.lookup_credential_and_owner(acme.owner.id, token.id).await.unwrap();
    assert_eq!(record.as_ref(), Some(&token));
    assert_eq!(owner, Some(Principal::User(acme.owner.clone())));
    assert_eq!(store.get_credential(acme.id(), token.id).await.unwrap(), Some(token.clone()));
    assert_eq!(token.status(clock.now(), owner.as_ref()), CredentialStatus::Active);

    let (record, owner) = store.lookup_credential_and_owner(bot.id, first_key.id).await.unwrap();
    assert_eq!(record, Some(first_key.clone()));
    assert_eq!(owner, Some(Principal::ServiceAccount(bot.clone())));

    let second_key = support::api_key(&bot, &clock);
    store.issue_credential(&second_key, support::audit()).await.unwrap();
    assert_eq!(store.get_credential(acme.id(), second_key.id).await.unwrap(), Some(second_key));

    let unknown = store.lookup_credential_and_owner(PrincipalId::new_random(), CredentialId::new_random()).await;
    assert_eq!(unknown.unwrap(), (None, None));

    // A credential of a kind its owner cannot hold, or for an owner that does not exist.
    let mut wrong_kind = support::api_key(&bot, &clock);
    wrong_kind.owner_id = acme.owner.id;
    assert!(matches!(store.issue_credential(&wrong_kind, support::audit()).await, Err(StoreError::NotFound)));
    let ghost = support::user(acme.id(), "ghost@example.com", PermissionLevel::Collaborator, &clock);
    let ghost_token = support::access_token(&ghost, Duration::days(1), &clock);
    assert!(matches!(store.issue_credential(&ghost_token, support::audit()).await, Err(StoreError::NotFound)));
}

pub(super) async fn principals_are_fetched_together(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (bot, _) = support::create_service_account(&*store, acme.id(), "bot", &clock).await;
    let wanted = [acme.owner.id, PrincipalId::new_random(), bot.id];
    let found = store.get_principals(acme.id(), &wanted).await.unwrap();
    let mut found_ids: Vec<_> = found.iter().map(Principal::id).collect();
    found_ids.sort();
    let mut expected = vec![acme.owner.id, bot.id];
    expected.sort();
    assert_eq!(found_ids, expected);
    assert!(found.contains(&Principal::User(acme.owner.clone())));
    assert!(found.contains(&Principal::ServiceAccount(bot)));
}

pub(super) async fn descriptions_are_set_and_cleared(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let token = support::access_token(&acme.owner, Duration::days(7), &clock);
    store.issue_credential(&token, support::audit()).await.unwrap();
    let description = Description::parse("laptop").unwrap();
    let updated =
        store.set_credential_description(acme.id(), token.id, Some(&description), support::audit()).await.unwrap();
    assert_eq!(updated.description, Some(description));
    assert_eq!(store.get_credential(acme.id(), token.id).await.unwrap(), Some(updated));
    let cleared = store.set_credential_description(acme.id(), token.id, None, support::audit()).await.unwrap();
    assert_eq!(cleared, token);
    assert_eq!(store.get_credential(acme.id(), token.id).await.unwrap(), Some(token));
    let missing = store.set_credential_description(acme.id(), CredentialId::new_random(), None, support::audit()).await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
}

pub(super) async fn revoking_one_credential_keeps_the_first_revocation(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let doomed = support::access_token(&acme.owner, Duration::days(30), &clock);
    let kept = support::access_token(&acme.owner, Duration::days(30), &clock);
    store.issue_credential(&doomed, support::audit()).await.unwrap();
    store.issue_credential(&kept, support::audit()).await.unwrap();

    let first = revocation(&clock);
    let revoked = store.revoke_credential(acme.id(), doomed.id, first, support::audit()).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(first.at));
    assert_eq!(revoked.purge_at, Some(first.purge_at));
    assert_eq!(store.get_credential(acme.id(), doomed.id).await.unwrap(), Some(revoked.clone()));
    assert_eq!(status_now(&*store, &doomed, &clock).await, CredentialStatus::Revoked);
    assert_eq!(status_now(&*store, &kept, &clock).await, CredentialStatus::Active);

    let again = store.revoke_credential(acme.id(), doomed.id, revocation(&clock), support::audit()).await.unwrap();
    assert_eq!(again, revoked, "a second revocation changes nothing");
    let missing =
        store.revoke_credential(acme.id(), CredentialId::new_random(), revocation(&clock), support::audit()).await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
}

pub(super) async fn revoking_all_cli_tokens_leaves_other_kinds_working(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (bob, first_cli) =
        support::create_user(&*store, acme.id(), "bob@example.com", PermissionLevel::Collaborator, &clock).await;
    let second_cli = support::cli_token(&bob, &clock);
    store.issue_credential(&second_cli, support::audit()).await.unwrap();
    let access = support::access_token(&bob, Duration::days(30), &clock);
    store.issue_credential(&access, support::audit()).await.unwrap();

    let revoke = revocation(&clock);
    store
        .revoke_all_credentials(acme.id(), bob.id, CredentialKind::CliToken, revoke, true, support::audit())
        .await
        .unwrap();
    let bob_now = store.get_user(acme.id(), bob.id).await.unwrap().unwrap();
    assert_eq!(bob_now.cli_token_epoch, bob.cli_token_epoch + 1);
    for old in [&first_cli, &second_cli] {
        let (record, _, status) = looked_up(&*store, old, clock.now()).await;
        assert_eq!(status, CredentialStatus::Revoked);
        // Housekeeping marked the record too.
        let record = record.expect("the revoked record stays until purged");
        assert_eq!((record.revoked_at, record.purge_at), (Some(revoke.at), Some(revoke.purge_at)));
    }
    assert_eq!(status_now(&*store, &access, &clock).await, CredentialStatus::Active);

    // A token issued afterwards, under the new epoch, works; one under the old is refused.
    let fresh = support::cli_token(&bob_now, &clock);
    store.issue_credential(&fresh, support::audit()).await.unwrap();
    assert_eq!(status_now(&*store, &fresh, &clock).await, CredentialStatus::Active);
    let stale = support::cli_token(&bob, &clock);
    assert!(matches!(store.issue_credential(&stale, support::audit()).await, Err(StoreError::Contention)));
    assert_eq!(store.lookup_credential_and_owner(bob.id, stale.id).await.unwrap().0, None);
}

pub(super) async fn revoking_all_api_keys_revokes_every_key(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (bot, first_key) = support::create_service_account(&*store, acme.id(), "bot", &clock).await;
    let second_key = support::api_key(&bot, &clock);
    store.issue_credential(&second_key, support::audit()).await.unwrap();
    let (other_bot, other_key) = support::create_service_account(&*store, acme.id(), "other-bot", &clock).await;

    store
        .revoke_all_credentials(acme.id(), bot.id, CredentialKind::ApiKey, revocation(&clock), true, support::audit())
        .await
        .unwrap();
    assert_eq!(status_now(&*store, &first_key, &clock).await, CredentialStatus::Revoked);
    assert_eq!(status_now(&*store, &second_key, &clock).await, CredentialStatus::Revoked);
    assert_eq!(status_now(&*store, &other_key, &clock).await, CredentialStatus::Active);
    assert_eq!(store.get_service_account(acme.id(), other_bot.id).await.unwrap(), Some(other_bot));

    let bot_now = store.get_service_account(acme.id(), bot.id).await.unwrap().unwrap();
    let fresh = support::api_key(&bot_now, &clock);
    store.issue_credential(&fresh, support::audit()).await.unwrap();
    assert_eq!(status_now(&*store, &fresh, &clock).await, CredentialStatus::Active);
    let active = store
        .list_credentials(
            acme.id(),
            &CredentialFilter { owner: Some(bot.id), ..active_of_kind(CredentialKind::ApiKey, clock.now()) },
            &first_page(100),
        )
        .await
        .unwrap();
    assert_eq!(active.items, [fresh]);
}

pub(super) async fn rotation_replaces_credentials_atomically(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (bob, old_cli) =
        support::create_user(&*store, acme.id(), "bob@example.com", PermissionLevel::Collaborator, &clock).await;
    let access = support::access_token(&bob, Duration::days(30), &clock);
    store.issue_credential(&access, support::audit()).await.unwrap();

    let mut new_cli = support::cli_token(&bob, &clock);
    new_cli.epoch = bob.cli_token_epoch + 1;
    let rotation = revocation(&clock);
    store.rotate_credentials(&new_cli, rotation, support::audit()).await.unwrap();
    assert_eq!(status_now(&*store, &old_cli, &clock).await, CredentialStatus::Revoked);
    assert_eq!(status_now(&*store, &new_cli, &clock).await, CredentialStatus::Active);
    assert_eq!(status_now(&*store, &access, &clock).await, CredentialStatus::Active);
    assert_eq!(store.get_credential(acme.id(), new_cli.id).await.unwrap(), Some(new_cli.clone()));
    let old_record = store.get_credential(acme.id(), old_cli.id).await.unwrap().unwrap();
    assert_eq!(old_record.revoked_at, Some(rotation.at));

    // A rotation computed from the old epoch lost the race: nothing of it is stored.
    let mut late = support::cli_token(&bob, &clock);
    late.epoch = bob.cli_token_epoch + 1;
    assert!(matches!(
        store.rotate_credentials(&late, revocation(&clock), support::audit()).await,
        Err(StoreError::Contention)
    ));
    assert_eq!(store.lookup_credential_and_owner(bob.id, late.id).await.unwrap().0, None);
    assert_eq!(status_now(&*store, &new_cli, &clock).await, CredentialStatus::Active);
    // So did a key issued under the old epoch.
    let stale = support::cli_token(&bob, &clock);
    assert!(matches!(store.issue_credential(&stale, support::audit()).await, Err(StoreError::Contention)));

    // Service accounts rotate their API keys the same way.
    let (bot, old_key) = support::create_service_account(&*store, acme.id(), "bot", &clock).await;
    let mut new_key = support::api_key(&bot, &clock);
    new_key.epoch = bot.api_key_epoch + 1;
    store.rotate_credentials(&new_key, revocation(&clock), support::audit()).await.unwrap();
    assert_eq!(status_now(&*store, &old_key, &clock).await, CredentialStatus::Revoked);
    assert_eq!(status_now(&*store, &new_key, &clock).await, CredentialStatus::Active);

    // Rotating for an owner that is gone.
    let ghost = support::user(acme.id(), "ghost@example.com", PermissionLevel::Collaborator, &clock);
    let mut ghost_token = support::cli_token(&ghost, &clock);
    ghost_token.epoch = 1;
    assert!(matches!(
        store.rotate_credentials(&ghost_token, revocation(&clock), support::audit()).await,
        Err(StoreError::NotFound)
    ));
}

pub(super) async fn concurrent_rotations_have_one_winner(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (bot, _) = support::create_service_account(&*store, acme.id(), "bot", &clock).await;
    let mut attempts = Vec::new();
    for _ in 0..6 {
        let mut key = support::api_key(&bot, &clock);
        key.epoch = bot.api_key_epoch + 1;
        let (store, rotation) = (Arc::clone(&store), revocation(&clock));
        attempts.push(tokio::spawn(async move {
            (key.clone(), store.rotate_credentials(&key, rotation, support::audit()).await)
        }));
    }
    let mut winners = Vec::new();
    for attempt in attempts {
        match attempt.await.unwrap() {
            (key, Ok(())) => winners.push(key),
            (key, Err(StoreError::Contention)) => {
                assert_eq!(store.lookup_credential_and_owner(bot.id, key.id).await.unwrap().0, None);
            }
            (_, Err(other)) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1);
    assert_eq!(status_now(&*store, &winners[0], &clock).await, CredentialStatus::Active);
}

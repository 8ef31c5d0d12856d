//! Time as every store keeps it: expired credentials are listed only as inactive, purge
//! times follow expiry and revocation, and the last use is throttled and never resurrects a
//! credential or its owner.

use super::*;

pub(super) async fn expired_credentials_are_listed_only_as_inactive(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let short = support::access_token(&acme.owner, Duration::hours(1), &clock);
    let long = support::access_token(&acme.owner, Duration::days(30), &clock);
    let revoked = support::access_token(&acme.owner, Duration::days(30), &clock);
    for token in [&short, &long, &revoked] {
        store.issue_credential(token, support::audit()).await.unwrap();
    }
    store.revoke_credential(acme.id(), revoked.id, revocation(&clock), support::audit()).await.unwrap();
    let listed = |include_inactive: bool, now: Timestamp| {
        let (store, org) = (Arc::clone(&store), acme.id());
        let filter = CredentialFilter { include_inactive, ..active_of_kind(CredentialKind::AccessToken, now) };
        async move {
            let page = store.list_credentials(org, &filter, &first_page(100)).await.unwrap();
            page.items.iter().map(|c| c.id).collect::<HashSet<_>>()
        }
    };

    assert_eq!(status_now(&*store, &short, &clock).await, CredentialStatus::Active);
    assert_eq!(listed(false, clock.now()).await, HashSet::from([short.id, long.id]));

    clock.advance(Duration::hours(2));
    assert_eq!(status_now(&*store, &short, &clock).await, CredentialStatus::Expired);
    assert_eq!(status_now(&*store, &long, &clock).await, CredentialStatus::Active);
    assert_eq!(listed(false, clock.now()).await, HashSet::from([long.id]));
    assert_eq!(listed(true, clock.now()).await, HashSet::from([short.id, long.id, revoked.id]));
    // Expiry is exclusive of its instant, as `status` judges it.
    let expiry = short.expires_at.unwrap();
    assert!(!listed(false, expiry).await.contains(&short.id));
    assert!(listed(false, expiry - Duration::microseconds(1)).await.contains(&short.id));
}

pub(super) async fn purge_times_follow_expiry_and_revocation(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let stored = |id: CredentialId| {
        let (store, org) = (Arc::clone(&store), acme.id());
        async move { store.get_credential(org, id).await.unwrap().expect("stored") }
    };
    // Never-expiring and active: never purged.
    assert_eq!(stored(acme.owner_token.id).await.purge_at, None);
    let (bot, key) = support::create_service_account(&*store, acme.id(), "bot", &clock).await;
    assert_eq!(stored(key.id).await.purge_at, None);

    // Expiring: expiry + retention, as issued.
    let access = support::access_token(&acme.owner, Duration::days(30), &clock);
    store.issue_credential(&access, support::audit()).await.unwrap();
    assert_eq!(stored(access.id).await.purge_at, Some(access.expires_at.unwrap() + RETENTION));

    // Revoked one by one: revocation + retention.
    let revoked_at = revocation(&clock);
    store.revoke_credential(acme.id(), access.id, revoked_at, support::audit()).await.unwrap();
    assert_eq!(stored(access.id).await.purge_at, Some(revoked_at.at + RETENTION));

    // Revoked all at once: the same, on every credential the epoch bump revoked, and a
    // credential revoked earlier keeps its first revocation.
    let second_key = support::api_key(&bot, &clock);
    store.issue_credential(&second_key, support::audit()).await.unwrap();
    let early = store.revoke_credential(acme.id(), second_key.id, revocation(&clock), support::audit()).await.unwrap();
    let all = revocation(&clock);
    store.revoke_all_credentials(acme.id(), bot.id, CredentialKind::ApiKey, all, true, support::audit()).await.unwrap();
    let key_after = stored(key.id).await;
    assert_eq!((key_after.revoked_at, key_after.purge_at), (Some(all.at), Some(all.at + RETENTION)));
    assert_eq!(stored(second_key.id).await, early);
}

pub(super) async fn last_use_is_throttled_and_never_resurrects(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let window = Duration::minutes(1);
    let token = acme.owner_token.clone();
    let last_used = || {
        let (store, org, id) = (Arc::clone(&store), acme.id(), token.id);
        async move { store.get_credential(org, id).await.unwrap().unwrap().last_used_at }
    };

    let first = tick(&clock);
    store.record_last_used(token.id, first, first - window, None).await.unwrap();
    assert_eq!(last_used().await, Some(first));

    clock.advance(Duration::seconds(10));
    let soon = clock.now();
    store.record_last_used(token.id, soon, soon - window, None).await.unwrap();
    assert_eq!(last_used().await, Some(first), "within the window nothing is recorded");

    clock.advance(Duration::seconds(60));
    let later = clock.now();
    store.record_last_used(token.id, later, later - window, None).await.unwrap();
    assert_eq!(last_used().await, Some(later));

    // A credential that does not exist (never issued, or purged) is not created.
    let (ghost_owner, ghost) = (PrincipalId::new_random(), CredentialId::new_random());
    store.record_last_used(ghost, later, later - window, None).await.unwrap();
    assert_eq!(store.lookup_credential_and_owner(ghost_owner, ghost).await.unwrap(), (None, None));
    assert_eq!(store.get_credential(acme.id(), ghost).await.unwrap(), None);

    // Nor is a deleted owner brought back by a use of its (revoked) credential.
    let (bob, bob_token) =
        support::create_user(&*store, acme.id(), "bob@example.com", PermissionLevel::Collaborator, &clock).await;
    store.delete_user(acme.id(), bob.id, revocation(&clock), support::audit()).await.unwrap();
    let at = tick(&clock);
    store.record_last_used(bob_token.id, at, at - window, None).await.unwrap();
    let (_, owner) = store.lookup_credential_and_owner(bob.id, bob_token.id).await.unwrap();
    assert_eq!(owner, None);
    assert_eq!(store.get_user(acme.id(), bob.id).await.unwrap(), None);
}

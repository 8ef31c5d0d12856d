//! Rules the two stores once kept differently, each pinned where they had drifted apart:
//! an owner-filtered list's cursor position (only DynamoDB checked it), and the boundary of
//! the `last_used_at` throttle (`<` in SQLite, `<=` in DynamoDB).

use super::*;

/// A credential list filtered by owner refuses a position naming another owner: no page of
/// that list can have produced it (SPEC section 4: a cursor is only valid for its list).
pub(super) async fn an_owner_filtered_list_refuses_another_owners_position(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (bot, bot_key) = support::create_service_account(&*store, acme.id(), "bot", &clock).await;
    let (_, other_key) = support::create_service_account(&*store, acme.id(), "other", &clock).await;
    let bots = CredentialFilter { owner: Some(bot.id), ..active_of_kind(CredentialKind::ApiKey, clock.now()) };

    let foreign = PageRequest { max_items: 5, after: Some(position::of_credential(&other_key)) };
    let listed = store.list_credentials(acme.id(), &bots, &foreign).await;
    assert!(matches!(listed, Err(StoreError::InvalidPosition)), "another owner's position: {listed:?}");

    // The owner's own positions are places in its list; without an owner filter, any
    // owner's position is one in the organization's list.
    let own = PageRequest { max_items: 5, after: Some(position::of_credential(&bot_key)) };
    assert_eq!(store.list_credentials(acme.id(), &bots, &own).await.unwrap().items, Vec::new());
    let everyone = active_of_kind(CredentialKind::ApiKey, clock.now());
    let listed = store.list_credentials(acme.id(), &everyone, &foreign).await.unwrap();
    assert!(listed.items.iter().all(|c| position::of_credential(c) < position::of_credential(&other_key)));
}

/// `last_used_at` is recorded unless it was recorded *after* the throttle's cut-off: a last
/// use exactly one interval ago is recorded again, one a microsecond later is not.
pub(super) async fn last_use_is_recorded_again_exactly_one_interval_later(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let token = acme.owner_token.clone();
    let last_used = || {
        let (store, org, id) = (Arc::clone(&store), acme.id(), token.id);
        async move { store.get_credential(org, id).await.unwrap().unwrap().last_used_at }
    };
    // The authorizer's cut-off for a use at `at`.
    let cutoff = |at: Timestamp| at - Duration::seconds(latchkey::auth::LAST_USED_INTERVAL_SECONDS);

    let first = tick(&clock);
    store.record_last_used(token.id, first, cutoff(first), None).await.unwrap();
    assert_eq!(last_used().await, Some(first));

    // One microsecond short of the interval: the last use is after the cut-off.
    let early = first + Duration::seconds(latchkey::auth::LAST_USED_INTERVAL_SECONDS) - Duration::microseconds(1);
    store.record_last_used(token.id, early, cutoff(early), None).await.unwrap();
    assert_eq!(last_used().await, Some(first), "used within the interval: nothing recorded");

    // Exactly one interval later: the cut-off is the last use itself.
    let boundary = first + Duration::seconds(latchkey::auth::LAST_USED_INTERVAL_SECONDS);
    assert_eq!(cutoff(boundary), first);
    store.record_last_used(token.id, boundary, cutoff(boundary), None).await.unwrap();
    assert_eq!(last_used().await, Some(boundary), "used exactly one interval ago: recorded again");
}

//! Rules the two stores once kept differently, each pinned where they had drifted apart:
//! an owner-filtered list's cursor position (only DynamoDB checked it).

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

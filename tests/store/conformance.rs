//! The store conformance suite: every behaviour of `latchkey::store::Store`, written once
//! and run against each implementation, so the local server and the deployed service agree.
//!
//! Each behaviour is an `async fn(Arc<dyn Store>, Arc<ManualClock>)` below; the
//! `conformance_tests!` invocations at the end make one `#[tokio::test]` per behaviour per
//! store (`sqlite::<behaviour>`, `dynamodb::<behaviour>`).

use chrono::Duration;
use latchkey::clock::{Clock, ManualClock, Timestamp};
use latchkey::domain::{
    CredentialId, CredentialKind, CredentialRecord, CredentialStatus, Description, Email, OrganizationName,
    PermissionLevel, Principal, PrincipalId, Revocation, Role, Roles, ServiceAccountName,
};
use latchkey::store::{CredentialFilter, Page, PageRequest, Store, StoreError, UserUpdate, any_change, position};
use latchkey_tests as support;
use std::collections::HashSet;
use std::sync::Arc;
use support::{RETENTION, TestOrg, tick};
use suspension::*;

mod agreement;
mod audit;
mod golden;
mod leaks;
mod lifecycle;
mod owners;
mod policy;
mod suspension;
mod sweeps;
use agreement::*;
use audit::*;
use leaks::*;
use lifecycle::*;
use owners::*;
use policy::*;

// ---- helpers -----------------------------------------------------------------------------

fn revocation(clock: &ManualClock) -> Revocation {
    Revocation::new(tick(clock), RETENTION)
}

fn first_page(max_items: usize) -> PageRequest {
    PageRequest { max_items, after: None }
}

fn active_of_kind(kind: CredentialKind, now: Timestamp) -> CredentialFilter {
    CredentialFilter { kind, owner: None, last_six: None, include_inactive: false, now }
}

/// A credential as the authorizer sees it: the record, its owner, and its status now.
async fn looked_up(
    store: &dyn Store,
    credential: &CredentialRecord,
    now: Timestamp,
) -> (Option<CredentialRecord>, Option<Principal>, CredentialStatus) {
    let (record, owner) = store.lookup_credential_and_owner(credential.owner_id, credential.id).await.expect("lookup");
    // A purged record would be refused too; judge the one we hold in that case.
    let status = record.as_ref().unwrap_or(credential).status(now, owner.as_ref());
    (record, owner, status)
}

async fn status_now(store: &dyn Store, credential: &CredentialRecord, clock: &ManualClock) -> CredentialStatus {
    looked_up(store, credential, clock.now()).await.2
}

/// Every item of a list, following `next` from page to page; checks the page shapes.
async fn all_pages<T, F, Fut>(max_items: usize, position_of: impl Fn(&T) -> String, mut fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, StoreError>>,
{
    let mut items = Vec::new();
    let mut after = None;
    for _ in 0..1000 {
        let page = fetch(PageRequest { max_items, after: after.clone() }).await.expect("list a page");
        assert!(page.items.len() <= max_items, "a page holds at most max_items");
        match &page.next {
            Some(next) => {
                assert_eq!(page.items.len(), max_items, "only the last page may be short");
                assert_eq!(
                    Some(next),
                    page.items.last().map(&position_of).as_ref(),
                    "next is the last item's position"
                );
            }
            None => {
                items.extend(page.items);
                return items;
            }
        }
        items.extend(page.items);
        after = page.next;
    }
    panic!("the list never ended");
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> String) -> Vec<String> {
    items.iter().map(id).collect()
}

// ---- organizations and uniqueness ----------------------------------------------------------

async fn organization_names_are_unique_case_insensitively(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

async fn user_emails_are_unique_in_an_organization(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

async fn concurrent_user_creation_with_one_email_has_one_winner(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

async fn concurrent_service_account_creation_with_one_name_has_one_winner(
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

async fn the_same_names_in_two_organizations_are_fine(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

// ---- tenant isolation ------------------------------------------------------------------------

async fn other_organizations_objects_behave_as_absent(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

// ---- credentials -------------------------------------------------------------------------

async fn issued_credentials_round_trip_through_lookup(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

async fn principals_are_fetched_together(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

async fn descriptions_are_set_and_cleared(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

async fn revoking_one_credential_keeps_the_first_revocation(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

async fn revoking_all_cli_tokens_leaves_other_kinds_working(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

async fn revoking_all_api_keys_revokes_every_key(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

async fn rotation_replaces_credentials_atomically(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

async fn concurrent_rotations_have_one_winner(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

// ---- removing principals -------------------------------------------------------------------

async fn deleting_a_user_revokes_its_credentials(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (bob, cli) =
        support::create_user(&*store, acme.id(), "bob@example.com", PermissionLevel::Collaborator, &clock).await;
    let access = support::access_token(&bob, Duration::days(30), &clock);
    store.issue_credential(&access, support::audit()).await.unwrap();

    let removal = revocation(&clock);
    store.delete_user(acme.id(), bob.id, removal, support::audit()).await.unwrap();
    assert_eq!(store.get_user(acme.id(), bob.id).await.unwrap(), None);
    assert_eq!(store.find_user_by_email(acme.id(), &bob.email).await.unwrap(), None);
    for credential in [&cli, &access] {
        let (record, owner, status) = looked_up(&*store, credential, clock.now()).await;
        assert_eq!(owner, None);
        assert_eq!(status, CredentialStatus::Revoked);
        let record = record.expect("the revoked record stays until purged");
        assert_eq!((record.revoked_at, record.purge_at), (Some(removal.at), Some(removal.purge_at)));
    }
    assert_eq!(status_now(&*store, &acme.owner_token, &clock).await, CredentialStatus::Active);
    assert!(matches!(
        store.delete_user(acme.id(), bob.id, revocation(&clock), support::audit()).await,
        Err(StoreError::NotFound)
    ));
    let late = support::access_token(&bob, Duration::days(1), &clock);
    assert!(matches!(store.issue_credential(&late, support::audit()).await, Err(StoreError::NotFound)));

    // The email is free again, for a new principal whose old tokens stay dead.
    let (bob_again, _) =
        support::create_user(&*store, acme.id(), "bob@example.com", PermissionLevel::Collaborator, &clock).await;
    assert_ne!(bob_again.id, bob.id);
    assert_eq!(status_now(&*store, &cli, &clock).await, CredentialStatus::Revoked);
}

async fn deleting_a_service_account_revokes_its_keys(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (bot, first_key) = support::create_service_account(&*store, acme.id(), "bot", &clock).await;
    let second_key = support::api_key(&bot, &clock);
    store.issue_credential(&second_key, support::audit()).await.unwrap();

    let removal = revocation(&clock);
    store.delete_service_account(acme.id(), bot.id, removal, support::audit()).await.unwrap();
    assert_eq!(store.get_service_account(acme.id(), bot.id).await.unwrap(), None);
    assert_eq!(store.find_service_account_by_name(acme.id(), &bot.name).await.unwrap(), None);
    for key in [&first_key, &second_key] {
        let (record, owner, status) = looked_up(&*store, key, clock.now()).await;
        assert_eq!(owner, None);
        assert_eq!(status, CredentialStatus::Revoked);
        assert_eq!(record.expect("kept until purged").revoked_at, Some(removal.at));
    }
    let result = store.delete_service_account(acme.id(), bot.id, revocation(&clock), support::audit()).await;
    assert!(matches!(result, Err(StoreError::NotFound)));

    // A new account with the old name is a new principal; the old keys stay dead.
    let (successor, successor_key) = support::create_service_account(&*store, acme.id(), "bot", &clock).await;
    assert_ne!(successor.id, bot.id);
    assert_eq!(status_now(&*store, &first_key, &clock).await, CredentialStatus::Revoked);
    assert_eq!(status_now(&*store, &successor_key, &clock).await, CredentialStatus::Active);
}

// ---- the last owner ------------------------------------------------------------------------

async fn the_last_owner_cannot_be_demoted_deleted_or_locked_out(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let owner = acme.owner.id;
    // An OWNER service account does not count: the rule keeps a human able to get in.
    let mut robot = support::service_account(acme.id(), "robot", &clock);
    robot.permission_level = PermissionLevel::Owner;
    store.create_service_account(&robot, &support::api_key(&robot, &clock), support::audit()).await.unwrap();

    let demote = UserUpdate {
        permission_level: Some(PermissionLevel::Collaborator),
        roles: None,
        suspended: None,
        at: clock.now(),
    };
    assert!(matches!(
        store.update_user(acme.id(), owner, &demote, any_change(), support::audit()).await,
        Err(StoreError::LastOwner)
    ));
    assert!(matches!(
        store.delete_user(acme.id(), owner, revocation(&clock), support::audit()).await,
        Err(StoreError::LastOwner)
    ));
    let lock_out = store
        .revoke_all_credentials(acme.id(), owner, CredentialKind::CliToken, revocation(&clock), true, support::audit())
        .await;
    assert!(matches!(lock_out, Err(StoreError::LastOwner)));
    // Nothing changed.
    assert_eq!(store.get_user(acme.id(), owner).await.unwrap(), Some(acme.owner.clone()));
    assert_eq!(status_now(&*store, &acme.owner_token, &clock).await, CredentialStatus::Active);

    // Changing only roles, or "changing" to OWNER, is no demotion.
    let roles = UserUpdate {
        permission_level: Some(PermissionLevel::Owner),
        roles: Some(Roles::new([Role::TokenCreator])),
        suspended: None,
        at: clock.now(),
    };
    let updated = store.update_user(acme.id(), owner, &roles, any_change(), support::audit()).await.unwrap();
    assert!(updated.roles.contains(Role::TokenCreator));
    assert_eq!(store.get_user(acme.id(), owner).await.unwrap(), Some(updated));

    // Without keep_an_owner (the operator's recover), revoking all is allowed.
    store
        .revoke_all_credentials(acme.id(), owner, CredentialKind::CliToken, revocation(&clock), false, support::audit())
        .await
        .unwrap();
    assert_eq!(status_now(&*store, &acme.owner_token, &clock).await, CredentialStatus::Revoked);

    // With a second owner, the first may go.
    let (second, _) =
        support::create_user(&*store, acme.id(), "second@example.com", PermissionLevel::Owner, &clock).await;
    let demoted = store.update_user(acme.id(), owner, &demote, any_change(), support::audit()).await.unwrap();
    assert_eq!(demoted.permission_level, PermissionLevel::Collaborator);
    assert!(matches!(
        store.delete_user(acme.id(), second.id, revocation(&clock), support::audit()).await,
        Err(StoreError::LastOwner)
    ));
    store.delete_user(acme.id(), owner, revocation(&clock), support::audit()).await.unwrap();
}

async fn concurrent_demotions_of_two_owners_leave_one(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let demote = UserUpdate {
        permission_level: Some(PermissionLevel::Collaborator),
        roles: None,
        suspended: None,
        at: clock.now(),
    };
    // Several rounds: a race that is lost only sometimes should still show.
    for round in 0..5 {
        let org = support::create_org(&*store, &format!("Race {round}"), &clock).await;
        let (second, _) =
            support::create_user(&*store, org.id(), "second@example.com", PermissionLevel::Owner, &clock).await;
        let attempts: Vec<_> = [org.owner.id, second.id]
            .into_iter()
            .map(|id| {
                let (store, demote, org_id) = (Arc::clone(&store), demote.clone(), org.id());
                tokio::spawn(
                    async move { store.update_user(org_id, id, &demote, any_change(), support::audit()).await },
                )
            })
            .collect();
        let mut outcomes = Vec::new();
        for attempt in attempts {
            outcomes.push(attempt.await.unwrap());
        }
        let won = outcomes.iter().filter(|o| o.is_ok()).count();
        let refused = outcomes.iter().filter(|o| matches!(o, Err(StoreError::LastOwner))).count();
        assert_eq!((won, refused), (1, 1), "round {round}: {outcomes:?}");
        let users = store.list_users(org.id(), &first_page(10)).await.unwrap();
        let owners = users.items.iter().filter(|u| u.permission_level == PermissionLevel::Owner).count();
        assert_eq!(owners, 1);
    }
}

async fn concurrent_removals_of_two_owners_leave_one(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (second, _) =
        support::create_user(&*store, acme.id(), "second@example.com", PermissionLevel::Owner, &clock).await;
    let demote = UserUpdate {
        permission_level: Some(PermissionLevel::Collaborator),
        roles: None,
        suspended: None,
        at: clock.now(),
    };
    let (s1, s2) = (Arc::clone(&store), Arc::clone(&store));
    let (org, first, removal) = (acme.id(), acme.owner.id, revocation(&clock));
    let (removed, demoted) = tokio::join!(
        tokio::spawn(async move { s1.delete_user(org, first, removal, support::audit()).await }),
        tokio::spawn(async move { s2.update_user(org, second.id, &demote, any_change(), support::audit()).await }),
    );
    let (removed, demoted) = (removed.unwrap(), demoted.unwrap());
    assert!(
        removed.is_ok() != demoted.is_ok(),
        "exactly one of a removal and a demotion of the two owners succeeds: {removed:?} {demoted:?}"
    );
    let users = store.list_users(org, &first_page(10)).await.unwrap();
    assert_eq!(users.items.iter().filter(|u| u.permission_level == PermissionLevel::Owner).count(), 1);
}

// ---- time: expiry, purge times, last use -----------------------------------------------------

async fn expired_credentials_are_listed_only_as_inactive(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

async fn purge_times_follow_expiry_and_revocation(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

async fn last_use_is_throttled_and_never_resurrects(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

// ---- lists -----------------------------------------------------------------------------------

async fn users_are_listed_oldest_first_across_pages(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

async fn service_accounts_are_listed_newest_first_across_pages(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

async fn credentials_are_listed_in_credential_order_across_pages(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

async fn forged_positions_are_invalid(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

async fn credential_lists_filter_by_kind_owner_last_six_and_activity(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

// ---- instantiation ---------------------------------------------------------------------------

/// One `#[tokio::test]` per behaviour, in a module named after the store.
macro_rules! conformance_tests {
    ($store:ident, $make_store:expr) => {
        mod $store {
            use super::*;
            conformance_tests!(@behaviours $make_store;
                organization_names_are_unique_case_insensitively,
                user_emails_are_unique_in_an_organization,
                concurrent_user_creation_with_one_email_has_one_winner,
                concurrent_service_account_creation_with_one_name_has_one_winner,
                the_same_names_in_two_organizations_are_fine,
                other_organizations_objects_behave_as_absent,
                issued_credentials_round_trip_through_lookup,
                principals_are_fetched_together,
                descriptions_are_set_and_cleared,
                revoking_one_credential_keeps_the_first_revocation,
                revoking_all_cli_tokens_leaves_other_kinds_working,
                revoking_all_api_keys_revokes_every_key,
                rotation_replaces_credentials_atomically,
                concurrent_rotations_have_one_winner,
                deleting_a_user_revokes_its_credentials,
                deleting_a_service_account_revokes_its_keys,
                the_last_owner_cannot_be_demoted_deleted_or_locked_out,
                concurrent_demotions_of_two_owners_leave_one,
                concurrent_removals_of_two_owners_leave_one,
                only_owners_who_hold_a_live_cli_token_count_for_the_last_owner,
                concurrent_revocations_by_the_last_two_live_owners_leave_one,
                owner_since_is_written_with_level_changes_and_never_cleared,
                a_user_change_is_judged_on_the_stored_user,
                expired_credentials_are_listed_only_as_inactive,
                purge_times_follow_expiry_and_revocation,
                last_use_is_throttled_and_never_resurrects,
                users_are_listed_oldest_first_across_pages,
                service_accounts_are_listed_newest_first_across_pages,
                credentials_are_listed_in_credential_order_across_pages,
                forged_positions_are_invalid,
                credential_lists_filter_by_kind_owner_last_six_and_activity,
                an_owner_filtered_list_refuses_another_owners_position,
                last_use_is_recorded_again_exactly_one_interval_later,
                audit_events_commit_with_their_change_or_not_at_all,
                audit_lists_filter_page_and_isolate_like_the_filter_says,
                expiry_notices_are_written_once_per_live_credential,
                policy_changes_are_judged_written_with_their_event_or_not_at_all,
                a_leaked_credential_of_any_organization_is_revoked_with_its_event,
                a_wrong_hash_or_an_unknown_credential_changes_nothing,
                revoked_and_expired_credentials_are_left_untouched,
                a_leaked_cli_token_of_the_last_live_owner_is_revoked_anyway,
                a_leaked_access_token_leaves_its_owner_as_it_was,
                disabling_refuses_a_credential_until_it_is_enabled,
                a_revoked_credential_cannot_be_disabled_and_a_leak_revokes_a_disabled_one,
                every_revocation_path_writes_its_reason,
                a_suspended_owner_leaves_the_live_owner_count,
                a_service_account_is_suspended_and_unsuspended,
            );
        }
    };
    (@behaviours $make_store:expr; $($behaviour:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $behaviour() {
                super::$behaviour($make_store, support::clock()).await;
            }
        )+
    };
}

conformance_tests!(sqlite, support::sqlite_store().await);

conformance_tests!(dynamodb, support::dynamodb_store().await);

//! SPEC section 7's ownership rules as every store keeps them: the last-owner guard counts
//! OWNER users who hold a live CLI token (atomically), `owner_since` is written with level
//! changes and never cleared, and a user change is judged on the stored user.

use super::*;
use latchkey::domain::User;
use latchkey::domain::policy::Denial;

fn update(level: Option<PermissionLevel>, roles: Option<Roles>, clock: &ManualClock) -> UserUpdate {
    UserUpdate { permission_level: level, roles, suspended: None, at: tick(clock) }
}

async fn revoke_own(store: &dyn Store, user: &User, clock: &ManualClock) -> Result<(), StoreError> {
    store
        .revoke_all_credentials(
            user.organization_id,
            user.id,
            CredentialKind::CliToken,
            revocation(clock),
            true,
            latchkey_tests::audit(),
        )
        .await
}

async fn read(store: &dyn Store, user: &User) -> User {
    store.get_user(user.organization_id, user.id).await.unwrap().expect("the user exists")
}

pub(super) async fn only_owners_who_hold_a_live_cli_token_count_for_the_last_owner(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let first = acme.owner.clone();
    let (second, second_token) =
        support::create_user(&*store, acme.id(), "second@example.com", PermissionLevel::Owner, &clock).await;
    revoke_own(&*store, &first, &clock).await.unwrap();
    let first = read(&*store, &first).await;
    assert!(!first.cli_token_live && first.permission_level == PermissionLevel::Owner);
    // The second owner is the only one who can sign in: it may not go.
    assert!(matches!(revoke_own(&*store, &second, &clock).await, Err(StoreError::LastOwner)));
    let demote = update(Some(PermissionLevel::Collaborator), None, &clock);
    let refused = store.update_user(acme.id(), second.id, &demote, any_change(), latchkey_tests::audit()).await;
    assert!(matches!(refused, Err(StoreError::LastOwner)), "{refused:?}");
    let refused = store.delete_user(acme.id(), second.id, revocation(&clock), latchkey_tests::audit()).await;
    assert!(matches!(refused, Err(StoreError::LastOwner)), "{refused:?}");
    assert_eq!(status_now(&*store, &second_token, &clock).await, CredentialStatus::Active);
    assert!(read(&*store, &second).await.is_live_owner());
    // An owner who cannot sign in changes no count: demoted and promoted back freely.
    store.update_user(acme.id(), first.id, &demote, any_change(), latchkey_tests::audit()).await.unwrap();
    let promote = update(Some(PermissionLevel::Owner), None, &clock);
    store.update_user(acme.id(), first.id, &promote, any_change(), latchkey_tests::audit()).await.unwrap();
    assert!(matches!(revoke_own(&*store, &second, &clock).await, Err(StoreError::LastOwner)));
    // A rotation (recover's) gives the first owner a live CLI token: it counts again.
    let first = read(&*store, &first).await;
    let mut rotated = support::cli_token(&first, &clock);
    rotated.epoch = first.cli_token_epoch + 1;
    store.rotate_credentials(&rotated, revocation(&clock), latchkey_tests::audit()).await.unwrap();
    assert!(read(&*store, &first).await.is_live_owner());
    revoke_own(&*store, &second, &clock).await.unwrap();
    assert_eq!(status_now(&*store, &second_token, &clock).await, CredentialStatus::Revoked);
    assert!(matches!(revoke_own(&*store, &first, &clock).await, Err(StoreError::LastOwner)));
    assert_eq!(status_now(&*store, &rotated, &clock).await, CredentialStatus::Active);
    // Removing the owner without a live token is fine; the other stays.
    store.delete_user(acme.id(), second.id, revocation(&clock), latchkey_tests::audit()).await.unwrap();
    assert!(read(&*store, &first).await.is_live_owner());
}

pub(super) async fn concurrent_revocations_by_the_last_two_live_owners_leave_one(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
) {
    for round in 0..5 {
        let org = support::create_org(&*store, &format!("Lockout {round}"), &clock).await;
        let (second, _) =
            support::create_user(&*store, org.id(), "second@example.com", PermissionLevel::Owner, &clock).await;
        let attempts: Vec<_> = [org.owner.clone(), second]
            .into_iter()
            .map(|user| {
                let (store, clock) = (Arc::clone(&store), Arc::clone(&clock));
                tokio::spawn(async move { revoke_own(&*store, &user, &clock).await })
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
        assert_eq!(users.items.iter().filter(|u| u.is_live_owner()).count(), 1, "round {round}");
    }
}

pub(super) async fn owner_since_is_written_with_level_changes_and_never_cleared(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    assert_eq!(read(&*store, &acme.owner).await.owner_since, Some(acme.owner.created_at));
    let (collab, _) =
        support::create_user(&*store, acme.id(), "collab@example.com", PermissionLevel::Collaborator, &clock).await;
    assert_eq!(read(&*store, &collab).await.owner_since, None);
    let roles = update(None, Some(Roles::new([Role::TokenCreator])), &clock);
    assert_eq!(
        store
            .update_user(acme.id(), collab.id, &roles, any_change(), latchkey_tests::audit())
            .await
            .unwrap()
            .owner_since,
        None
    );
    let promote = update(Some(PermissionLevel::Owner), None, &clock);
    let promoted =
        store.update_user(acme.id(), collab.id, &promote, any_change(), latchkey_tests::audit()).await.unwrap();
    assert_eq!(promoted.owner_since, Some(promote.at));
    let demote = update(Some(PermissionLevel::Collaborator), Some(Roles::default()), &clock);
    let demoted =
        store.update_user(acme.id(), collab.id, &demote, any_change(), latchkey_tests::audit()).await.unwrap();
    assert_eq!((demoted.permission_level, demoted.owner_since), (PermissionLevel::Collaborator, Some(promote.at)));
    let again = update(Some(PermissionLevel::Owner), None, &clock);
    assert_eq!(
        store
            .update_user(acme.id(), collab.id, &again, any_change(), latchkey_tests::audit())
            .await
            .unwrap()
            .owner_since,
        Some(promote.at)
    );
    assert_eq!(read(&*store, &collab).await.owner_since, Some(promote.at));

    // An OWNER stored without owner_since (an older record): the demotion writes it.
    let mut legacy = support::user(acme.id(), "legacy@example.com", PermissionLevel::Owner, &clock);
    legacy.owner_since = None;
    store.create_user(&legacy, &support::cli_token(&legacy, &clock), latchkey_tests::audit()).await.unwrap();
    assert_eq!(read(&*store, &legacy).await.owner_since, None);
    let demote = update(Some(PermissionLevel::Collaborator), None, &clock);
    let demoted =
        store.update_user(acme.id(), legacy.id, &demote, any_change(), latchkey_tests::audit()).await.unwrap();
    assert_eq!(demoted.owner_since, Some(demote.at));
    assert_eq!(read(&*store, &legacy).await, demoted);
}

pub(super) async fn a_user_change_is_judged_on_the_stored_user(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
    let acme = support::create_org(&*store, "Acme", &clock).await;
    let (member, _) =
        support::create_user(&*store, acme.id(), "member@example.com", PermissionLevel::Collaborator, &clock).await;
    let stored = read(&*store, &member).await;
    let seen = Arc::new(std::sync::Mutex::new(None));
    let check = {
        let seen = Arc::clone(&seen);
        Arc::new(move |before: &User, after: &User| {
            *seen.lock().unwrap() = Some((before.clone(), after.clone()));
            Err(Denial::Forbidden("not this one"))
        })
    };
    let promote = update(Some(PermissionLevel::Owner), None, &clock);
    let refused = store.update_user(acme.id(), member.id, &promote, check, latchkey_tests::audit()).await;
    assert!(matches!(refused, Err(StoreError::Denied(Denial::Forbidden("not this one")))), "{refused:?}");
    let (before, after) = seen.lock().unwrap().clone().expect("the check ran");
    assert_eq!(before, stored);
    assert_eq!((after.permission_level, after.owner_since), (PermissionLevel::Owner, Some(promote.at)));
    assert_eq!(read(&*store, &member).await, stored, "a refused change wrote nothing");
}

//! The last owner as every store guards it: it cannot be demoted, deleted or locked out (an
//! OWNER service account does not count), and two owners demoted or removed at once leave one.

use super::*;

pub(super) async fn the_last_owner_cannot_be_demoted_deleted_or_locked_out(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
) {
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

pub(super) async fn concurrent_demotions_of_two_owners_leave_one(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

pub(super) async fn concurrent_removals_of_two_owners_leave_one(store: Arc<dyn Store>, clock: Arc<ManualClock>) {
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

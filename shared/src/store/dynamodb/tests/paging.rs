//! Lists on the DynamoDB store: pages without duplicates that end exactly, and forged positions
//! refused.

use super::*;

#[tokio::test]
async fn lists_page_without_duplicates_and_end_exactly() {
    let store = store().await;
    let (org, owner, _) = seeded(&store).await;
    let base = now() - Days::hours(1);
    for i in 0..6 {
        let u = user(&org, &format!("u{i}@example.com"), PermissionLevel::Collaborator, base + Days::seconds(i));
        store
            .create_user(&u, &credential(&Principal::User(u.clone()), CredentialKind::CliToken, 0, now()), audit())
            .await
            .unwrap();
    }
    // 7 users, pages of 3: 3 + 3 + 1, oldest first.
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = store.list_users(org.id, &PageRequest { max_items: 3, after: after.clone() }).await.unwrap();
        pages += 1;
        seen.extend(page.items.iter().map(|u| (position::of_user(u), u.id)));
        match page.next {
            Some(next) => {
                assert_eq!(Some(&next), seen.last().map(|(p, _)| p));
                after = Some(next);
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 7);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "ascending, no duplicates");
    assert!(seen.iter().any(|(_, id)| *id == owner.id));

    // 6 service accounts, pages of 3: exactly two pages, the second says it is the last.
    for i in 0..6 {
        let a = service_account(&org, &format!("sa-{i}"), base + Days::seconds(i));
        store
            .create_service_account(
                &a,
                &credential(&Principal::ServiceAccount(a.clone()), CredentialKind::ApiKey, 0, base + Days::seconds(i)),
                audit(),
            )
            .await
            .unwrap();
    }
    let first = store.list_service_accounts(org.id, &first_page(3)).await.unwrap();
    let names: Vec<_> = first.items.iter().map(|a| a.name.to_string()).collect();
    assert_eq!(names, ["sa-5", "sa-4", "sa-3"], "newest first");
    let second =
        store.list_service_accounts(org.id, &PageRequest { max_items: 3, after: first.next.clone() }).await.unwrap();
    let names: Vec<_> = second.items.iter().map(|a| a.name.to_string()).collect();
    assert_eq!(names, ["sa-2", "sa-1", "sa-0"]);
    assert_eq!(second.next, None);

    // Credentials: filters apply before paging; revoked ones only with include_inactive.
    let keys = store.list_credentials(org.id, &all_of(CredentialKind::ApiKey, false), &first_page(100)).await.unwrap();
    assert_eq!(keys.items.len(), 6);
    assert_eq!(keys.next, None);
    let victim = keys.items[1].clone();
    store.revoke_credential(org.id, victim.id, Revocation::new(now(), retention()), audit()).await.unwrap();
    let mut collected = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_credentials(
                org.id,
                &all_of(CredentialKind::ApiKey, false),
                &PageRequest { max_items: 2, after: after.clone() },
            )
            .await
            .unwrap();
        collected.extend(page.items.iter().map(|c| c.id));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(collected.len(), 5);
    assert!(!collected.contains(&victim.id));
    let with_inactive =
        store.list_credentials(org.id, &all_of(CredentialKind::ApiKey, true), &first_page(100)).await.unwrap();
    assert_eq!(with_inactive.items.len(), 6);
    let by_last_six = store
        .list_credentials(
            org.id,
            &CredentialFilter {
                last_six: Some(keys.items[0].last_six.clone()),
                ..all_of(CredentialKind::ApiKey, true)
            },
            &first_page(10),
        )
        .await
        .unwrap();
    assert_eq!(by_last_six.items.iter().map(|c| c.id).collect::<Vec<_>>(), [keys.items[0].id]);
    let by_owner = store
        .list_credentials(
            org.id,
            &CredentialFilter { owner: Some(keys.items[2].owner_id), ..all_of(CredentialKind::ApiKey, true) },
            &first_page(10),
        )
        .await
        .unwrap();
    assert_eq!(by_owner.items.iter().map(|c| c.id).collect::<Vec<_>>(), [keys.items[2].id]);

    // Expired access tokens are inactive.
    let mut expired =
        credential(&Principal::User(owner.clone()), CredentialKind::AccessToken, 0, now() - Days::days(2));
    expired.expires_at = Some(now() - Days::days(1));
    store.issue_credential(&expired, audit()).await.unwrap();
    let live = credential(&Principal::User(owner.clone()), CredentialKind::AccessToken, 0, now());
    store.issue_credential(&live, audit()).await.unwrap();
    let active =
        store.list_credentials(org.id, &all_of(CredentialKind::AccessToken, false), &first_page(10)).await.unwrap();
    assert_eq!(active.items.iter().map(|c| c.id).collect::<Vec<_>>(), [live.id]);
    let everything =
        store.list_credentials(org.id, &all_of(CredentialKind::AccessToken, true), &first_page(10)).await.unwrap();
    assert_eq!(everything.items.len(), 2);

    // Another organization sees nothing.
    let other = OrganizationId::new_random();
    assert!(store.list_users(other, &first_page(10)).await.unwrap().items.is_empty());
    assert!(
        store
            .list_credentials(other, &all_of(CredentialKind::ApiKey, true), &first_page(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn forged_positions_are_refused() {
    let store = store().await;
    let (org, owner, _) = seeded(&store).await;
    let forged = |after: &str| PageRequest { max_items: 5, after: Some(after.to_string()) };
    for bad in ["", "garbage", "2025-01-01T00:00:00Z#not-a-uuid", "2025-01-01T00:00:00.000000Z", "x#y#z"] {
        assert!(matches!(store.list_users(org.id, &forged(bad)).await, Err(StoreError::InvalidPosition)), "{bad}");
        assert!(
            matches!(store.list_service_accounts(org.id, &forged(bad)).await, Err(StoreError::InvalidPosition)),
            "{bad}"
        );
        assert!(
            matches!(
                store.list_credentials(org.id, &all_of(CredentialKind::CliToken, true), &forged(bad)).await,
                Err(StoreError::InvalidPosition)
            ),
            "{bad}"
        );
    }
    // Well formed, but for another owner than the filter asks for.
    let elsewhere = format!("{}#2025-01-01T00:00:00.000000Z#{}", PrincipalId::new_random(), CredentialId::new_random());
    let filter = CredentialFilter { owner: Some(owner.id), ..all_of(CredentialKind::CliToken, true) };
    assert!(matches!(
        store.list_credentials(org.id, &filter, &forged(&elsewhere)).await,
        Err(StoreError::InvalidPosition)
    ));
    // Well formed and of no existing item: a valid place to start (the store cannot tell).
    let page =
        store.list_credentials(org.id, &all_of(CredentialKind::CliToken, true), &forged(&elsewhere)).await.unwrap();
    assert!(page.items.len() <= 1);
}

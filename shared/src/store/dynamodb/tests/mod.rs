//! Integration tests against a DynamoDB-compatible server (moto; `scripts/test` starts
//! one). They never skip: without `DYNAMODB_ENDPOINT` they fail.

use super::items::number_attribute;
use super::keys::*;
use super::*;
use crate::clock::truncate;
use crate::domain::{CredentialStatus, Role, Roles, SecretHash};
use crate::store::any_change;

/// The audit context of the changes these tests make: the operator, now.
fn audit() -> &'static AuditContext {
    static CONTEXT: std::sync::OnceLock<AuditContext> = std::sync::OnceLock::new();
    CONTEXT
        .get_or_init(|| AuditContext::operator(crate::clock::truncate(chrono::Utc::now()), chrono::Duration::days(400)))
}
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use chrono::{Duration as Days, Utc};

const RETENTION_DAYS: i64 = 90;

fn endpoint() -> String {
    std::env::var("DYNAMODB_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| panic!("set DYNAMODB_ENDPOINT or run scripts/test"))
}

fn random_table() -> String {
    format!("latchkey-test-{}", uuid::Uuid::new_v4().simple())
}

/// A store on a fresh table. The client gets explicit dummy credentials and region, so
/// these tests never consult the environment's AWS settings (or IMDS).
async fn store() -> DynamoDbStore {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .endpoint_url(endpoint())
        .build();
    let store = DynamoDbStore::new(Client::from_conf(config), random_table());
    store.create_table_if_missing().await.unwrap();
    store
}

fn now() -> Timestamp {
    truncate(Utc::now())
}

fn retention() -> Days {
    Days::days(RETENTION_DAYS)
}

fn organization(name: &str) -> Organization {
    Organization {
        id: OrganizationId::new_random(),
        name: OrganizationName::parse(name).unwrap(),
        created_at: now(),
        policy: Default::default(),
    }
}

fn user(org: &Organization, email: &str, level: PermissionLevel, created_at: Timestamp) -> User {
    User {
        id: PrincipalId::new_random(),
        organization_id: org.id,
        email: Email::parse(email).unwrap(),
        name: email.split('@').next().unwrap().to_string(),
        permission_level: level,
        roles: Roles::default(),
        created_at,
        created_by: None,
        cli_token_epoch: 0,
        owner_since: (level == PermissionLevel::Owner).then_some(created_at),
        cli_token_live: true,
        suspended: false,
        cli_token_grace_until: None,
    }
}

fn service_account(org: &Organization, name: &str, created_at: Timestamp) -> ServiceAccount {
    let name = ServiceAccountName::parse(name).unwrap();
    ServiceAccount {
        id: PrincipalId::new_random(),
        organization_id: org.id,
        email: name.email(org.id, "serviceaccount.com"),
        name,
        permission_level: PermissionLevel::Collaborator,
        created_at,
        created_by: None,
        api_key_epoch: 0,
        suspended: false,
        api_key_grace_until: None,
    }
}

fn credential(owner: &Principal, kind: CredentialKind, epoch: u64, created_at: Timestamp) -> CredentialRecord {
    let expires_at = (kind == CredentialKind::AccessToken).then(|| created_at + Days::days(30));
    let id = CredentialId::new_random();
    CredentialRecord {
        id,
        organization_id: owner.organization_id(),
        kind,
        owner_id: owner.id(),
        owner_email: owner.email().clone(),
        secret_hash: SecretHash::from_digest([id.as_uuid().as_bytes()[0]; 32]),
        last_six: id.to_string()[30..].to_string(),
        epoch,
        description: None,
        created_at,
        created_by: None,
        expires_at,
        revoked_at: None,
        last_used_at: None,
        purge_at: CredentialRecord::purge_time_for_expiry(expires_at, retention()),
        scopes: None,
        lifecycle: Default::default(),
        superseded_until: None,
        allowed_ip_ranges: Default::default(),
    }
}

/// An organization with one OWNER user and its first CLI token, stored.
async fn seeded(store: &DynamoDbStore) -> (Organization, User, CredentialRecord) {
    let org = organization(&format!("Org {}", uuid::Uuid::new_v4()));
    let owner = user(&org, "owner@example.com", PermissionLevel::Owner, now());
    let token = credential(&Principal::User(owner.clone()), CredentialKind::CliToken, 0, now());
    store.create_organization(&org, &owner, &token, audit()).await.unwrap();
    (org, owner, token)
}

async fn raw_item(store: &DynamoDbStore, key: Item) -> Item {
    store.get_item(key).await.unwrap().expect("item exists")
}

fn all_of(kind: CredentialKind, include_inactive: bool) -> CredentialFilter {
    CredentialFilter { kind, owner: None, last_six: None, include_inactive, now: now() }
}

fn first_page(max_items: usize) -> PageRequest {
    PageRequest { max_items, after: None }
}

#[tokio::test]
async fn organizations_users_service_accounts_and_credentials_round_trip() {
    let store = store().await;
    // Idempotent.
    store.create_table_if_missing().await.unwrap();
    let (org, owner, token) = seeded(&store).await;

    let found = store
        .find_organization_by_name(&OrganizationName::parse(&org.name.as_str().to_uppercase()).unwrap())
        .await
        .unwrap();
    assert_eq!(found, Some(org.clone()));
    assert_eq!(store.get_user(org.id, owner.id).await.unwrap(), Some(owner.clone()));
    assert_eq!(store.find_user_by_email(org.id, &owner.email).await.unwrap(), Some(owner.clone()));
    assert_eq!(store.get_credential(org.id, token.id).await.unwrap(), Some(token.clone()));
    let org_item = raw_item(&store, organization_key(org.id)).await;
    assert_eq!(number_attribute(&org_item, OWNER_COUNT).unwrap(), 1);

    // Same name, any case: Conflict, and nothing of the second attempt is stored.
    let copycat = organization(&org.name.as_str().to_lowercase());
    let copy_owner = user(&copycat, "x@example.com", PermissionLevel::Owner, now());
    let copy_token = credential(&Principal::User(copy_owner.clone()), CredentialKind::CliToken, 0, now());
    assert!(matches!(
        store.create_organization(&copycat, &copy_owner, &copy_token, audit()).await,
        Err(StoreError::Conflict("organization"))
    ));
    assert_eq!(store.get_item(principal_key(copy_owner.id)).await.unwrap(), None);

    // A user, and a taken email.
    let mut member = user(&org, "member@example.com", PermissionLevel::Collaborator, now());
    member.roles = Roles::new([Role::TokenCreator]);
    let member_token = credential(&Principal::User(member.clone()), CredentialKind::CliToken, 0, now());
    store.create_user(&member, &member_token, audit()).await.unwrap();
    assert_eq!(store.get_user(org.id, member.id).await.unwrap(), Some(member.clone()));
    let twin = user(&org, "member@example.com", PermissionLevel::Collaborator, now());
    let twin_token = credential(&Principal::User(twin.clone()), CredentialKind::CliToken, 0, now());
    assert!(matches!(store.create_user(&twin, &twin_token, audit()).await, Err(StoreError::Conflict("email"))));

    // A service account with its first key.
    let account = service_account(&org, "ci-bot", now());
    let key = credential(&Principal::ServiceAccount(account.clone()), CredentialKind::ApiKey, 0, now());
    store.create_service_account(&account, &key, audit()).await.unwrap();
    assert_eq!(store.get_service_account(org.id, account.id).await.unwrap(), Some(account.clone()));
    assert_eq!(store.find_service_account_by_name(org.id, &account.name).await.unwrap(), Some(account.clone()));
    // A user is not a service account and vice versa.
    assert_eq!(store.get_service_account(org.id, owner.id).await.unwrap(), None);
    assert_eq!(store.get_user(org.id, account.id).await.unwrap(), None);

    // An access token, its description, its revocation (first time wins).
    let access = credential(&Principal::User(member.clone()), CredentialKind::AccessToken, 0, now());
    store.issue_credential(&access, audit()).await.unwrap();
    let description = Description::parse("deploys").unwrap();
    let described = store.set_credential_description(org.id, access.id, Some(&description), audit()).await.unwrap();
    assert_eq!(described.description, Some(description));
    let cleared = store.set_credential_description(org.id, access.id, None, audit()).await.unwrap();
    assert_eq!(cleared.description, None);
    let first = Revocation::new(now(), retention());
    let revoked = store.revoke_credential(org.id, access.id, first, audit()).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(first.at));
    assert_eq!(revoked.purge_at, Some(first.purge_at));
    let again = store
        .revoke_credential(org.id, access.id, Revocation::new(now() + Days::hours(1), retention()), audit())
        .await
        .unwrap();
    assert_eq!(again, revoked);
    let raw = raw_item(&store, credential_key(access.id)).await;
    assert_eq!(raw.get(TTL), Some(&n(first.purge_at.timestamp())));

    // Everything is invisible from another organization.
    let other = OrganizationId::new_random();
    assert_eq!(store.get_user(other, owner.id).await.unwrap(), None);
    assert_eq!(store.find_user_by_email(other, &owner.email).await.unwrap(), None);
    assert_eq!(store.get_service_account(other, account.id).await.unwrap(), None);
    assert_eq!(store.find_service_account_by_name(other, &account.name).await.unwrap(), None);
    assert_eq!(store.get_credential(other, token.id).await.unwrap(), None);
    assert!(matches!(store.revoke_credential(other, key.id, first, audit()).await, Err(StoreError::NotFound)));
    assert!(matches!(store.set_credential_description(other, key.id, None, audit()).await, Err(StoreError::NotFound)));
    assert!(matches!(
        store
            .update_user(
                other,
                member.id,
                &UserUpdate { permission_level: None, roles: None, suspended: None, at: now() },
                any_change(),
                audit()
            )
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(store.delete_user(other, member.id, first, audit()).await, Err(StoreError::NotFound)));
    assert!(matches!(store.delete_service_account(other, account.id, first, audit()).await, Err(StoreError::NotFound)));
    assert!(matches!(
        store.revoke_all_credentials(other, account.id, CredentialKind::ApiKey, first, false, audit()).await,
        Err(StoreError::NotFound)
    ));

    // get_principals: one round trip, duplicates collapsed, foreign and missing ids absent.
    let mut principals =
        store.get_principals(org.id, &[owner.id, account.id, owner.id, PrincipalId::new_random()]).await.unwrap();
    principals.sort_by_key(|p| p.id());
    let mut expected = vec![Principal::User(owner.clone()), Principal::ServiceAccount(account.clone())];
    expected.sort_by_key(|p| p.id());
    assert_eq!(principals, expected);
    assert!(store.get_principals(other, &[owner.id]).await.unwrap().is_empty());
}

#[tokio::test]
async fn from_config_builds_a_working_store() {
    for var in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"] {
        assert!(std::env::var(var).is_ok(), "set {var} (dummy values) or run scripts/test");
    }
    let cfg = Config { table_name: random_table(), dynamodb_endpoint: Some(endpoint()), ..Config::default() };
    let store = DynamoDbStore::from_config(&cfg).await.unwrap();
    assert_eq!(store.table_name(), cfg.table_name);
    store.create_table_if_missing().await.unwrap();
    let (org, owner, _) = seeded(&store).await;
    assert_eq!(store.get_user(org.id, owner.id).await.unwrap(), Some(owner));
}

#[tokio::test]
async fn the_authorizer_reads_credential_and_owner_together() {
    let store = store().await;
    let (_, owner, token) = seeded(&store).await;
    let (found, found_owner) = store.lookup_credential_and_owner(owner.id, token.id).await.unwrap();
    assert_eq!(found, Some(token.clone()));
    assert_eq!(found_owner, Some(Principal::User(owner.clone())));
    let (none, found_owner) = store.lookup_credential_and_owner(owner.id, CredentialId::new_random()).await.unwrap();
    assert_eq!((none, found_owner.map(|p| p.id())), (None, Some(owner.id)));
    let (found, no_owner) = store.lookup_credential_and_owner(PrincipalId::new_random(), token.id).await.unwrap();
    assert_eq!((found.map(|c| c.id), no_owner), (Some(token.id), None));

    // last_used_at: at most once per throttle window; never resurrects a missing item.
    let t0 = now();
    store.record_last_used(token.id, t0, t0 - Days::minutes(1), None).await.unwrap();
    let stored = store.get_credential(token.organization_id, token.id).await.unwrap().unwrap();
    assert_eq!(stored.last_used_at, Some(t0));
    // Used at t0, which is after t0 - 30 s: throttled.
    store.record_last_used(token.id, t0 + Days::seconds(30), t0 - Days::seconds(30), None).await.unwrap();
    let stored = store.get_credential(token.organization_id, token.id).await.unwrap().unwrap();
    assert_eq!(stored.last_used_at, Some(t0));
    // t0 + 500 ms has fewer fraction digits than t0 + 1.25 s in RFC 3339; numbers compare right.
    let later = t0 + Days::seconds(61);
    store.record_last_used(token.id, later, t0 + Days::milliseconds(500), None).await.unwrap();
    let stored = store.get_credential(token.organization_id, token.id).await.unwrap().unwrap();
    assert_eq!(stored.last_used_at, Some(later));
    let ghost = CredentialId::new_random();
    store.record_last_used(ghost, t0, t0, None).await.unwrap();
    assert_eq!(store.get_item(credential_key(ghost)).await.unwrap(), None);
}

#[tokio::test]
async fn concurrent_creates_of_one_name_let_exactly_one_win() {
    let store = store().await;
    let (org, _, _) = seeded(&store).await;
    let a = service_account(&org, "deployer", now());
    let b = service_account(&org, "deployer", now());
    let a_key = credential(&Principal::ServiceAccount(a.clone()), CredentialKind::ApiKey, 0, now());
    let b_key = credential(&Principal::ServiceAccount(b.clone()), CredentialKind::ApiKey, 0, now());
    let (ra, rb) = tokio::join!(
        store.create_service_account(&a, &a_key, audit()),
        store.create_service_account(&b, &b_key, audit())
    );
    let outcomes = [ra, rb];
    assert_eq!(outcomes.iter().filter(|r| r.is_ok()).count(), 1, "{outcomes:?}");
    assert_eq!(
        outcomes.iter().filter(|r| matches!(r, Err(StoreError::Conflict("service account")))).count(),
        1,
        "{outcomes:?}"
    );
    let winner_id = if outcomes[0].is_ok() { a.id } else { b.id };
    let loser_id = if outcomes[0].is_ok() { b.id } else { a.id };
    assert_eq!(store.get_service_account(org.id, loser_id).await.unwrap(), None);
    // The name points to the winner.
    let found = store.find_service_account_by_name(org.id, &a.name).await.unwrap();
    assert_eq!(found.map(|f| f.id), Some(winner_id));
}

#[tokio::test]
async fn rotation_revokes_older_epochs_and_refuses_stale_ones() {
    let store = store().await;
    let (org, owner, old_token) = seeded(&store).await;
    let owner_principal = Principal::User(owner.clone());
    let access = credential(&owner_principal, CredentialKind::AccessToken, 0, now());
    store.issue_credential(&access, audit()).await.unwrap();

    let new_token = credential(&owner_principal, CredentialKind::CliToken, 1, now());
    store.rotate_credentials(&new_token, Revocation::new(now(), retention()), audit()).await.unwrap();

    let (old, owner_now) = store.lookup_credential_and_owner(owner.id, old_token.id).await.unwrap();
    let owner_now = owner_now.unwrap();
    assert_eq!(owner_now.epoch_for(CredentialKind::CliToken), Some(1));
    // Revoked by the epoch, and marked so by the sweep.
    assert_eq!(old.clone().unwrap().status(now(), Some(&owner_now)), CredentialStatus::Revoked);
    assert!(old.unwrap().revoked_at.is_some());
    let (new, _) = store.lookup_credential_and_owner(owner.id, new_token.id).await.unwrap();
    let new = new.unwrap();
    assert_eq!(new.status(now(), Some(&owner_now)), CredentialStatus::Active);
    assert_eq!(new.revoked_at, None, "the sweep must leave the new credential alone");
    // Each revoke-all touches only its own kind.
    let (access_now, _) = store.lookup_credential_and_owner(owner.id, access.id).await.unwrap();
    assert_eq!(access_now.unwrap().status(now(), Some(&owner_now)), CredentialStatus::Active);

    // Issued or rotated under a stale epoch: Contention, nothing stored.
    let stale = credential(&owner_principal, CredentialKind::CliToken, 0, now());
    assert!(matches!(store.issue_credential(&stale, audit()).await, Err(StoreError::Contention)));
    assert_eq!(store.get_credential(org.id, stale.id).await.unwrap(), None);
    let stale_rotation = credential(&owner_principal, CredentialKind::CliToken, 1, now());
    assert!(matches!(
        store.rotate_credentials(&stale_rotation, Revocation::new(now(), retention()), audit()).await,
        Err(StoreError::Contention)
    ));
    // A service account cannot hold CLI tokens; an unknown owner is NotFound.
    let account = service_account(&org, "svc", now());
    store
        .create_service_account(
            &account,
            &credential(&Principal::ServiceAccount(account.clone()), CredentialKind::ApiKey, 0, now()),
            audit(),
        )
        .await
        .unwrap();
    let mut wrong_kind = credential(&Principal::ServiceAccount(account.clone()), CredentialKind::CliToken, 0, now());
    assert!(matches!(store.issue_credential(&wrong_kind, audit()).await, Err(StoreError::NotFound)));
    wrong_kind.owner_id = PrincipalId::new_random();
    assert!(matches!(store.issue_credential(&wrong_kind, audit()).await, Err(StoreError::NotFound)));
    let ghost = user(&org, "ghost@example.com", PermissionLevel::Collaborator, now());
    let ghost_rotation = credential(&Principal::User(ghost), CredentialKind::CliToken, 1, now());
    assert!(matches!(
        store.rotate_credentials(&ghost_rotation, Revocation::new(now(), retention()), audit()).await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn revoke_all_bumps_the_epoch_and_sweeps_purge_times() {
    let store = store().await;
    let (org, _, _) = seeded(&store).await;
    let account = service_account(&org, "many-keys", now());
    let holder = Principal::ServiceAccount(account.clone());
    let first_key = credential(&holder, CredentialKind::ApiKey, 0, now());
    store.create_service_account(&account, &first_key, audit()).await.unwrap();
    // More than one BatchWriteItem's worth (25).
    let mut keys = vec![first_key];
    for _ in 0..30 {
        let key = credential(&holder, CredentialKind::ApiKey, 0, now());
        store.issue_credential(&key, audit()).await.unwrap();
        keys.push(key);
    }
    // Never expiring and active: no ttl attribute at all.
    let raw = raw_item(&store, credential_key(keys[3].id)).await;
    assert!(!raw.contains_key(TTL));
    assert!(!raw.contains_key("revoked_at"));

    let revocation = Revocation::new(now(), retention());
    store.revoke_all_credentials(org.id, account.id, CredentialKind::ApiKey, revocation, true, audit()).await.unwrap();

    let owner_now = store.get_principals(org.id, &[account.id]).await.unwrap().pop().unwrap();
    assert_eq!(owner_now.epoch_for(CredentialKind::ApiKey), Some(1));
    for key in &keys {
        let raw = raw_item(&store, credential_key(key.id)).await;
        assert_eq!(raw.get(TTL), Some(&n(revocation.purge_at.timestamp())), "ttl of {}", key.id);
        let stored = decode_credential(raw).unwrap();
        assert_eq!(stored.revoked_at, Some(revocation.at));
        assert_eq!(stored.purge_at, Some(revocation.purge_at));
        assert_eq!(stored.status(now(), Some(&owner_now)), CredentialStatus::Revoked);
    }
    let active = store
        .list_credentials(
            org.id,
            &CredentialFilter { owner: Some(account.id), ..all_of(CredentialKind::ApiKey, false) },
            &first_page(100),
        )
        .await
        .unwrap();
    assert!(active.items.is_empty());

    // An expiring access token carries ttl = expiry + retention from the start.
    let (_, owner, _) = seeded(&store).await;
    let access = credential(&Principal::User(owner.clone()), CredentialKind::AccessToken, 0, now());
    store.issue_credential(&access, audit()).await.unwrap();
    let raw = raw_item(&store, credential_key(access.id)).await;
    let purge = access.expires_at.unwrap() + retention();
    assert_eq!(raw.get(TTL), Some(&n(purge.timestamp())));
    // Access tokens have no epoch: revoke-all marks each one.
    store
        .revoke_all_credentials(
            owner.organization_id,
            owner.id,
            CredentialKind::AccessToken,
            revocation,
            false,
            audit(),
        )
        .await
        .unwrap();
    let stored = store.get_credential(owner.organization_id, access.id).await.unwrap().unwrap();
    assert_eq!(stored.revoked_at, Some(revocation.at));
}

#[tokio::test]
async fn an_organization_always_keeps_an_owner() {
    let store = store().await;
    let (org, first_owner, _) = seeded(&store).await;
    let second_owner = user(&org, "second@example.com", PermissionLevel::Owner, now());
    store
        .create_user(
            &second_owner,
            &credential(&Principal::User(second_owner.clone()), CredentialKind::CliToken, 0, now()),
            audit(),
        )
        .await
        .unwrap();
    assert_eq!(number_attribute(&raw_item(&store, organization_key(org.id)).await, OWNER_COUNT).unwrap(), 2);

    // Two concurrent demotions of the only two owners: exactly one succeeds.
    let demote =
        UserUpdate { permission_level: Some(PermissionLevel::Collaborator), roles: None, suspended: None, at: now() };
    let (a, b) = tokio::join!(
        store.update_user(org.id, first_owner.id, &demote, any_change(), audit()),
        store.update_user(org.id, second_owner.id, &demote, any_change(), audit())
    );
    let outcomes = [a, b];
    assert_eq!(outcomes.iter().filter(|r| r.is_ok()).count(), 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|r| matches!(r, Err(StoreError::LastOwner))).count(), 1, "{outcomes:?}");
    // The winner's demotion stands: the count matches the owners, and one is left.
    let owner_count_now = number_attribute(&raw_item(&store, organization_key(org.id)).await, OWNER_COUNT).unwrap();
    let mut owners = Vec::new();
    for id in [first_owner.id, second_owner.id] {
        let u = store.get_user(org.id, id).await.unwrap().unwrap();
        if u.permission_level == PermissionLevel::Owner {
            owners.push(u.id);
        }
    }
    assert_eq!(owner_count_now, owners.len() as u64);
    assert_eq!(owners.len(), 1);
    let (remaining, demoted) =
        if store.get_user(org.id, first_owner.id).await.unwrap().unwrap().permission_level == PermissionLevel::Owner {
            (&first_owner, &second_owner)
        } else {
            (&second_owner, &first_owner)
        };
    assert_eq!(number_attribute(&raw_item(&store, organization_key(org.id)).await, OWNER_COUNT).unwrap(), 1);
    assert!(matches!(
        store.update_user(org.id, remaining.id, &demote, any_change(), audit()).await,
        Err(StoreError::LastOwner)
    ));
    let revocation = Revocation::new(now(), retention());
    assert!(matches!(store.delete_user(org.id, remaining.id, revocation, audit()).await, Err(StoreError::LastOwner)));
    assert!(matches!(
        store.revoke_all_credentials(org.id, remaining.id, CredentialKind::CliToken, revocation, true, audit()).await,
        Err(StoreError::LastOwner)
    ));
    // Without keep_an_owner (an operator's action) it may, and then no live owner is left.
    store
        .revoke_all_credentials(org.id, remaining.id, CredentialKind::CliToken, revocation, false, audit())
        .await
        .unwrap();
    assert_eq!(number_attribute(&raw_item(&store, organization_key(org.id)).await, OWNER_COUNT).unwrap(), 0);
    let raw_remaining = raw_item(&store, principal_key(remaining.id)).await;
    assert_eq!(raw_remaining.get("cli_token_live"), Some(&AttributeValue::Bool(false)));

    // Roles change alone; promotion of a user with a live CLI token counts; then the first
    // owner, which has none, may go without changing the count.
    let roles = UserUpdate {
        permission_level: None,
        roles: Some(Roles::new([Role::TokenCreator])),
        suspended: None,
        at: now(),
    };
    let updated = store.update_user(org.id, demoted.id, &roles, any_change(), audit()).await.unwrap();
    assert!(updated.roles.contains(Role::TokenCreator));
    assert_eq!(store.get_user(org.id, demoted.id).await.unwrap(), Some(updated));
    let promote =
        UserUpdate { permission_level: Some(PermissionLevel::Owner), roles: None, suspended: None, at: now() };
    store.update_user(org.id, demoted.id, &promote, any_change(), audit()).await.unwrap();
    assert_eq!(number_attribute(&raw_item(&store, organization_key(org.id)).await, OWNER_COUNT).unwrap(), 1);
    store.delete_user(org.id, remaining.id, revocation, audit()).await.unwrap();
    assert_eq!(number_attribute(&raw_item(&store, organization_key(org.id)).await, OWNER_COUNT).unwrap(), 1);
}

#[tokio::test]
async fn deleting_principals_stops_their_credentials_and_frees_their_names() {
    let store = store().await;
    let (org, _, _) = seeded(&store).await;
    let member = user(&org, "leaving@example.com", PermissionLevel::Collaborator, now());
    let cli = credential(&Principal::User(member.clone()), CredentialKind::CliToken, 0, now());
    store.create_user(&member, &cli, audit()).await.unwrap();
    let access = credential(&Principal::User(member.clone()), CredentialKind::AccessToken, 0, now());
    store.issue_credential(&access, audit()).await.unwrap();
    let revocation = Revocation::new(now(), retention());
    store.delete_user(org.id, member.id, revocation, audit()).await.unwrap();
    for id in [cli.id, access.id] {
        let (found, owner) = store.lookup_credential_and_owner(member.id, id).await.unwrap();
        assert_eq!(owner, None);
        assert_eq!(found.unwrap().revoked_at, Some(revocation.at));
    }
    assert!(matches!(store.delete_user(org.id, member.id, revocation, audit()).await, Err(StoreError::NotFound)));
    let returning = user(&org, "leaving@example.com", PermissionLevel::Collaborator, now());
    store
        .create_user(
            &returning,
            &credential(&Principal::User(returning.clone()), CredentialKind::CliToken, 0, now()),
            audit(),
        )
        .await
        .unwrap();

    let account = service_account(&org, "temp", now());
    let key = credential(&Principal::ServiceAccount(account.clone()), CredentialKind::ApiKey, 0, now());
    store.create_service_account(&account, &key, audit()).await.unwrap();
    store.delete_service_account(org.id, account.id, revocation, audit()).await.unwrap();
    assert_eq!(store.find_service_account_by_name(org.id, &account.name).await.unwrap(), None);
    let successor = service_account(&org, "temp", now());
    store
        .create_service_account(
            &successor,
            &credential(&Principal::ServiceAccount(successor.clone()), CredentialKind::ApiKey, 0, now()),
            audit(),
        )
        .await
        .unwrap();
    // The old key names the old id: it stays dead.
    let (old_key, old_owner) = store.lookup_credential_and_owner(account.id, key.id).await.unwrap();
    assert_eq!(old_owner, None);
    assert_eq!(old_key.unwrap().status(now(), None), CredentialStatus::Revoked);
}

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

mod backfill;

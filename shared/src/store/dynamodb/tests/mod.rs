//! Integration tests against a DynamoDB-compatible server (moto; `scripts/test` starts
//! one). They never skip: without `DYNAMODB_ENDPOINT` they fail. The helpers are here, the
//! tests in the modules below, by topic.

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

mod backfill;
mod epochs;
mod paging;
mod principals;
mod round_trips;

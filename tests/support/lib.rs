//! Helpers for latchkey's integration tests: the stores to run against, and fixtures built
//! the way the API builds them (real tokens, real hashes).

use chrono::Duration;
use latchkey::clock::{Clock, ManualClock, Timestamp};
use latchkey::credential::{Locator, Token};
use latchkey::domain::{
    CredentialId, CredentialKind, CredentialRecord, Email, Organization, OrganizationId, OrganizationName,
    PermissionLevel, PrincipalId, ServiceAccount, ServiceAccountName, User,
};
use latchkey::store::Store;
use latchkey::store::sqlite::SqliteStore;
use std::path::PathBuf;
use std::sync::{Arc, Once};

/// The retention period fixtures use for purge times (the configured default).
pub const RETENTION: Duration = Duration::days(90);

/// The service-account email domain fixtures use.
pub const SERVICE_ACCOUNT_DOMAIN: &str = "serviceaccount.com";

// ---- stores ------------------------------------------------------------------------------

/// Where the SQLite stores of this test run live; directories older than a day, left by
/// earlier runs, are removed the first time (a store outlives no test, but `Arc<dyn Store>`
/// gives no hook to remove its directory when the test ends).
fn sqlite_test_root() -> PathBuf {
    static SWEEP: Once = Once::new();
    let root = std::env::temp_dir().join("latchkey-store-tests");
    SWEEP.call_once(|| {
        let Ok(entries) = std::fs::read_dir(&root) else {
            return;
        };
        for entry in entries.flatten() {
            let stale = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > std::time::Duration::from_secs(24 * 3600));
            if stale {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    });
    root
}

/// A fresh SQLite store in a new directory.
pub async fn sqlite_store() -> Arc<dyn Store> {
    let dir = sqlite_test_root().join(uuid::Uuid::new_v4().to_string());
    Arc::new(SqliteStore::open(&dir).expect("open a SQLite store in a fresh directory"))
}

/// A DynamoDB store on a fresh table of the server at `DYNAMODB_ENDPOINT` (moto, started by
/// `scripts/test`). Panics when the endpoint is unset: a suite that skips itself silently
/// would pass without testing anything.
pub async fn dynamodb_store() -> Arc<dyn Store> {
    Arc::new(dynamodb_store_concrete().await)
}

/// [`dynamodb_store`], as its concrete type (for tests that reach the SDK client).
pub async fn dynamodb_store_concrete() -> latchkey::store::dynamodb::DynamoDbStore {
    use latchkey::config::Config;
    use latchkey::store::dynamodb::DynamoDbStore;
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").ok().filter(|e| !e.is_empty());
    assert!(endpoint.is_some(), "set DYNAMODB_ENDPOINT or run scripts/test");
    let table = format!("latchkey-test-{}", uuid::Uuid::new_v4());
    // Every other setting from the environment, as the binaries read it.
    let config = Config::from_lookup(|name| match name {
        "TABLE_NAME" => Some(table.clone()),
        _ => std::env::var(name).ok(),
    })
    .expect("configuration from the environment");
    let store = DynamoDbStore::from_config(&config).await.expect("connect to DynamoDB");
    store.create_table_if_missing().await.expect("create the test table");
    store
}

// ---- time --------------------------------------------------------------------------------

/// A manual clock starting at the real current time (so purge times lie in the future, where
/// no TTL emulation acts on them).
/// An audit context for changes a test makes directly on a store: the operator, now.
pub fn audit() -> &'static latchkey::domain::AuditContext {
    static CONTEXT: std::sync::OnceLock<latchkey::domain::AuditContext> = std::sync::OnceLock::new();
    CONTEXT.get_or_init(|| {
        latchkey::domain::AuditContext::operator(latchkey::clock::SystemClock.now(), Duration::days(400))
    })
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::starting_now())
}

/// Moves `clock` forward by a millisecond and a microsecond and returns the new time: every
/// fixture made with it gets a distinct timestamp, down to the microsecond, so list orders
/// are deterministic.
pub fn tick(clock: &ManualClock) -> Timestamp {
    clock.advance(Duration::microseconds(1001));
    clock.now()
}

// ---- fixtures ----------------------------------------------------------------------------

/// An organization with its first OWNER user and that user's first CLI token, as bootstrap
/// makes them.
#[derive(Debug, Clone)]
pub struct TestOrg {
    pub org: Organization,
    pub owner: User,
    pub owner_token: CredentialRecord,
}

impl TestOrg {
    pub fn new(name: &str, clock: &ManualClock) -> Self {
        let org = Organization {
            id: OrganizationId::new_random(),
            name: OrganizationName::parse(name).expect("a valid organization name"),
            created_at: tick(clock),
            policy: Default::default(),
        };
        let owner = user(org.id, "owner@example.com", PermissionLevel::Owner, clock);
        let owner_token = cli_token(&owner, clock);
        Self { org, owner, owner_token }
    }

    pub fn id(&self) -> OrganizationId {
        self.org.id
    }
}

/// Creates an organization named `name` in `store`.
pub async fn create_org(store: &dyn Store, name: &str, clock: &ManualClock) -> TestOrg {
    let fixture = TestOrg::new(name, clock);
    store
        .create_organization(&fixture.org, &fixture.owner, &fixture.owner_token, audit())
        .await
        .expect("create the organization");
    fixture
}

/// A user (not stored), created now.
pub fn user(org: OrganizationId, email: &str, level: PermissionLevel, clock: &ManualClock) -> User {
    let mut user = User::new(org, Email::parse(email).expect("a valid email"), level, tick(clock));
    user.name = format!("User {email}");
    user
}

/// Creates a user with its first CLI token in `store`; returns both.
pub async fn create_user(
    store: &dyn Store,
    org: OrganizationId,
    email: &str,
    level: PermissionLevel,
    clock: &ManualClock,
) -> (User, CredentialRecord) {
    let member = user(org, email, level, clock);
    let token = cli_token(&member, clock);
    store.create_user(&member, &token, audit()).await.expect("create the user");
    (member, token)
}

/// A service account (not stored), created now.
pub fn service_account(org: OrganizationId, name: &str, clock: &ManualClock) -> ServiceAccount {
    let name = ServiceAccountName::parse(name).expect("a valid service-account name");
    ServiceAccount {
        id: PrincipalId::new_random(),
        organization_id: org,
        email: name.email(org, SERVICE_ACCOUNT_DOMAIN),
        name,
        permission_level: PermissionLevel::Collaborator,
        created_at: tick(clock),
        created_by: None,
        api_key_epoch: 0,
        suspended: false,
        api_key_grace_until: None,
    }
}

/// Creates a service account with its first API key in `store`; returns both.
pub async fn create_service_account(
    store: &dyn Store,
    org: OrganizationId,
    name: &str,
    clock: &ManualClock,
) -> (ServiceAccount, CredentialRecord) {
    let account = service_account(org, name, clock);
    let key = api_key(&account, clock);
    store.create_service_account(&account, &key, audit()).await.expect("create the service account");
    (account, key)
}

/// A CLI token record for `owner` under its current epoch, created now.
pub fn cli_token(owner: &User, clock: &ManualClock) -> CredentialRecord {
    credential_record(
        CredentialKind::CliToken,
        owner.organization_id,
        owner.id,
        &owner.email,
        owner.cli_token_epoch,
        tick(clock),
        None,
    )
}

/// An API key record for `owner` under its current epoch, created now.
pub fn api_key(owner: &ServiceAccount, clock: &ManualClock) -> CredentialRecord {
    credential_record(
        CredentialKind::ApiKey,
        owner.organization_id,
        owner.id,
        &owner.email,
        owner.api_key_epoch,
        tick(clock),
        None,
    )
}

/// An access token record for `owner`, created now, expiring `lifespan` later, with the
/// purge time the API gives it (expiry + retention).
pub fn access_token(owner: &User, lifespan: Duration, clock: &ManualClock) -> CredentialRecord {
    let created_at = tick(clock);
    credential_record(
        CredentialKind::AccessToken,
        owner.organization_id,
        owner.id,
        &owner.email,
        0,
        created_at,
        Some(created_at + lifespan),
    )
}

/// A credential record as the API makes one: from a freshly generated token's hash and last
/// six characters.
pub fn credential_record(
    kind: CredentialKind,
    org: OrganizationId,
    owner_id: PrincipalId,
    owner_email: &Email,
    epoch: u64,
    created_at: Timestamp,
    expires_at: Option<Timestamp>,
) -> CredentialRecord {
    let id = CredentialId::new_random();
    let token = Token::generate(Locator::new(kind, org, owner_id, id)).expect("OS randomness");
    CredentialRecord {
        id,
        organization_id: org,
        kind,
        owner_id,
        owner_email: owner_email.clone(),
        secret_hash: token.hash(),
        last_six: token.last_six(),
        epoch,
        description: None,
        created_at,
        created_by: None,
        expires_at,
        revoked_at: None,
        last_used_at: None,
        purge_at: CredentialRecord::purge_time_for_expiry(expires_at, RETENTION),
        scopes: None,
        lifecycle: Default::default(),
        superseded_until: None,
        allowed_ip_ranges: Default::default(),
    }
}

pub mod app;
pub mod counting;
pub mod dynamo_faults;
pub mod event_bus;
pub mod faults;
pub mod gateway;
pub mod raw_http;
pub mod runtime;
pub mod server;

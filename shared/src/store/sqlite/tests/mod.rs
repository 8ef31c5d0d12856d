//! What only the SQLite store has: files, permissions, schema, a second opener. The
//! behaviours every store shares are in the conformance suite (`tests/store/conformance.rs`).

use super::*;
use crate::clock::truncate;
use crate::domain::{PermissionLevel, Roles, SecretHash};
use crate::store::any_change;

/// The audit context of the changes these tests make: the operator, now.
fn audit() -> &'static AuditContext {
    static CONTEXT: std::sync::OnceLock<AuditContext> = std::sync::OnceLock::new();
    CONTEXT
        .get_or_init(|| AuditContext::operator(crate::clock::truncate(chrono::Utc::now()), chrono::Duration::days(400)))
}
use chrono::Utc;
use rusqlite::TransactionBehavior;

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("latchkey-sqlite-unit-{}", uuid::Uuid::new_v4())))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn organization(name: &str) -> (Organization, User, CredentialRecord) {
    let now = truncate(chrono::Utc::now());
    let org = Organization {
        id: OrganizationId::new_random(),
        name: OrganizationName::parse(name).unwrap(),
        created_at: now,
        policy: Default::default(),
    };
    let owner = User {
        id: PrincipalId::new_random(),
        organization_id: org.id,
        email: Email::parse("owner@example.com").unwrap(),
        name: "Owner".into(),
        permission_level: PermissionLevel::Owner,
        roles: Roles::default(),
        created_at: now,
        created_by: None,
        cli_token_epoch: 0,
        owner_since: Some(now),
        cli_token_live: true,
        suspended: false,
        cli_token_grace_until: None,
    };
    let token = CredentialRecord {
        id: CredentialId::new_random(),
        organization_id: org.id,
        kind: CredentialKind::CliToken,
        owner_id: owner.id,
        owner_email: owner.email.clone(),
        secret_hash: SecretHash::from_digest([7; 32]),
        last_six: "abcdef".into(),
        epoch: 0,
        description: None,
        created_at: now,
        created_by: None,
        expires_at: None,
        revoked_at: None,
        last_used_at: None,
        purge_at: None,
        scopes: None,
        lifecycle: Default::default(),
        superseded_until: None,
        allowed_ip_ranges: Default::default(),
    };
    (org, owner, token)
}

#[tokio::test]
async fn open_creates_the_schema_at_the_current_version() {
    let dir = TempDir::new();
    let store = SqliteStore::open(&dir.0).unwrap();
    let conn = Connection::open(store.path()).unwrap();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, schema::CURRENT_VERSION);
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables.sort();
    assert_eq!(
        tables,
        ["audit_events", "credentials", "expiry_notices", "organizations", "service_accounts", "sweep_tasks", "users"]
    );
    let journal: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(journal, "wal");
    // Reopening an existing database migrates nothing and loses nothing.
    drop(store);
    SqliteStore::open(&dir.0).unwrap();
}

#[tokio::test]
async fn a_database_from_a_newer_build_is_refused() {
    let dir = TempDir::new();
    let store = SqliteStore::open(&dir.0).unwrap();
    Connection::open(store.path()).unwrap().pragma_update(None, "user_version", schema::CURRENT_VERSION + 1).unwrap();
    drop(store);
    assert!(matches!(SqliteStore::open(&dir.0), Err(StoreError::Internal { .. })));
}

#[cfg(unix)]
#[tokio::test]
async fn the_directory_is_0700_and_the_database_files_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new();
    let data_dir = dir.0.join("nested").join("data");
    let store = SqliteStore::open(&data_dir).unwrap();
    let (org, owner, token) = organization("Perms");
    store.create_organization(&org, &owner, &token, audit()).await.unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data_dir), 0o700);
    assert_eq!(mode(&data_dir.join(DATABASE_FILE)), 0o600);
    // SQLite gives the log the database file's mode.
    assert_eq!(mode(&data_dir.join(format!("{DATABASE_FILE}-wal"))), 0o600);
}

#[cfg(unix)]
#[tokio::test]
async fn an_existing_database_file_is_made_private_again() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new();
    std::fs::create_dir_all(&dir.0).unwrap();
    let file = dir.0.join(DATABASE_FILE);
    std::fs::write(&file, b"").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    SqliteStore::open(&dir.0).unwrap();
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
}

#[tokio::test]
async fn a_second_opener_of_the_same_directory_sees_the_first_ones_writes() {
    let dir = TempDir::new();
    let serving = SqliteStore::open(&dir.0).unwrap();
    let beside = SqliteStore::open(&dir.0).unwrap();
    let (org, owner, token) = organization("Shared Dir");
    serving.create_organization(&org, &owner, &token, audit()).await.unwrap();
    assert_eq!(beside.find_organization_by_name(&org.name).await.unwrap(), Some(org.clone()));
    // And the other way round, with the uniqueness check spanning both connections.
    let (again, owner2, token2) = organization("shared dir");
    assert!(matches!(
        beside.create_organization(&again, &owner2, &token2, audit()).await,
        Err(StoreError::Conflict("organization"))
    ));
    beside
        .revoke_all_credentials(
            org.id,
            owner.id,
            CredentialKind::CliToken,
            Revocation::new(org.created_at, chrono::Duration::days(1)),
            false,
            audit(),
        )
        .await
        .unwrap();
    let reread = serving.get_user(org.id, owner.id).await.unwrap().unwrap();
    assert_eq!(reread.cli_token_epoch, 1);
}

#[tokio::test]
async fn a_corrupt_row_is_an_internal_error_not_a_panic() {
    let dir = TempDir::new();
    let store = SqliteStore::open(&dir.0).unwrap();
    let (org, owner, token) = organization("Corrupt");
    store.create_organization(&org, &owner, &token, audit()).await.unwrap();
    Connection::open(store.path())
        .unwrap()
        .execute("UPDATE users SET body = '{\"id\": 42}' WHERE id = ?1", params![owner.id.to_string()])
        .unwrap();
    let err = store.get_user(org.id, owner.id).await.unwrap_err();
    assert!(matches!(err, StoreError::Internal { .. }), "{err:?}");
    // The serde error is the source; the message names what failed, not the row.
    let source = std::error::Error::source(&err).expect("the decoding error underneath");
    assert!(source.downcast_ref::<serde_json::Error>().is_some(), "{source:?}");
    assert_eq!(err.to_string(), "store failure: corrupt row");
}

#[tokio::test]
async fn a_held_write_lock_beyond_the_busy_timeout_is_unavailable() {
    let dir = TempDir::new();
    let store = SqliteStore::open(&dir.0).unwrap();
    let (org, owner, token) = organization("Locked");
    // Another "process" holds the write lock for longer than the busy timeout.
    let mut other = Connection::open(store.path()).unwrap();
    let held = other.transaction_with_behavior(TransactionBehavior::Immediate).unwrap();
    let result = store.create_organization(&org, &owner, &token, audit()).await;
    held.rollback().unwrap();
    let err = result.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    let source = std::error::Error::source(&err).expect("SQLite's error underneath");
    assert!(source.downcast_ref::<rusqlite::Error>().is_some(), "{source:?}");
    // Once released, the write goes through.
    store.create_organization(&org, &owner, &token, audit()).await.unwrap();
}

/// Two stores on one directory stand for two processes (separate connections, separate
/// writer mutexes): the last-owner check must still be atomic, which only the database's
/// own write lock (`BEGIN IMMEDIATE`) provides.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_last_owner_rule_holds_across_two_openers() {
    let dir = TempDir::new();
    let serving = Arc::new(SqliteStore::open(&dir.0).unwrap());
    let beside = Arc::new(SqliteStore::open(&dir.0).unwrap());
    let demote = UserUpdate {
        permission_level: Some(PermissionLevel::Collaborator),
        roles: None,
        suspended: None,
        at: Utc::now(),
    };
    for round in 0..10 {
        let (org, first, token) = organization(&format!("Two openers {round}"));
        serving.create_organization(&org, &first, &token, audit()).await.unwrap();
        let mut second = first.clone();
        second.id = PrincipalId::new_random();
        second.email = Email::parse("second@example.com").unwrap();
        let mut second_token = token.clone();
        second_token.id = CredentialId::new_random();
        second_token.owner_id = second.id;
        serving.create_user(&second, &second_token, audit()).await.unwrap();

        let (a, b) = (Arc::clone(&serving), Arc::clone(&beside));
        let (d1, d2) = (demote.clone(), demote.clone());
        let (r1, r2) = tokio::join!(
            tokio::spawn(async move { a.update_user(org.id, first.id, &d1, any_change(), audit()).await }),
            tokio::spawn(async move { b.update_user(org.id, second.id, &d2, any_change(), audit()).await }),
        );
        let outcomes = [r1.unwrap(), r2.unwrap()];
        let won = outcomes.iter().filter(|o| o.is_ok()).count();
        let refused = outcomes.iter().filter(|o| matches!(o, Err(StoreError::LastOwner))).count();
        assert_eq!((won, refused), (1, 1), "round {round}: {outcomes:?}");
    }
}

#[tokio::test]
async fn purging_removes_only_credentials_past_their_purge_time() {
    let dir = TempDir::new();
    let store = SqliteStore::open(&dir.0).unwrap();
    let (org, owner, token) = organization("Purge");
    store.create_organization(&org, &owner, &token, audit()).await.unwrap();
    let now = truncate(chrono::Utc::now());
    let expiring = |expires_in: chrono::Duration| CredentialRecord {
        id: CredentialId::new_random(),
        kind: CredentialKind::AccessToken,
        expires_at: Some(now + expires_in),
        purge_at: Some(now + expires_in + chrono::Duration::days(90)),
        scopes: None,
        superseded_until: None,
        allowed_ip_ranges: Default::default(),
        ..token.clone()
    };
    let long_gone = expiring(chrono::Duration::days(-91));
    let recently_expired = expiring(chrono::Duration::days(-1));
    for c in [&long_gone, &recently_expired] {
        store.issue_credential(c, audit()).await.unwrap();
    }
    assert_eq!(store.purge_expired(now).await.unwrap(), 1);
    assert_eq!(store.get_credential(org.id, long_gone.id).await.unwrap(), None);
    assert!(store.get_credential(org.id, recently_expired.id).await.unwrap().is_some());
    // The never-expiring CLI token has no purge time and stays.
    assert!(store.get_credential(org.id, token.id).await.unwrap().is_some());
}

mod backfill;

//! Sweeps (the housekeeping after a revoke-all, a rotation or a removal) on both stores, with
//! a real failure injected halfway: a SQLite trigger that aborts the third marking, and an SDK
//! interceptor that fails DynamoDB UpdateItem calls after the second. The revocation stands
//! at once; the interrupted sweep stays pending and the next housekeeping run finishes it,
//! without touching what it must not (a first revocation, a newer generation).

use super::support::dynamo_faults::FailingUpdates;
use super::support::{self, RETENTION, tick};
use latchkey::clock::{Clock, ManualClock};
use latchkey::domain::{CredentialKind, CredentialRecord, CredentialStatus, Revocation};
use latchkey::store::Store;
use latchkey::store::sqlite::SqliteStore;
use std::path::PathBuf;
use std::sync::Arc;

/// A failure that can be switched on and off around one operation.
trait Fault {
    fn arm(&self);
    fn disarm(&self);
}

struct SqliteTrigger(PathBuf);

impl Fault for SqliteTrigger {
    fn arm(&self) {
        // Aborts the sweep's third marking: two rows already carry this revocation's time.
        let db = rusqlite::Connection::open(&self.0).expect("open the test database");
        db.execute_batch(
            "CREATE TRIGGER injected_sweep_failure BEFORE UPDATE OF revoked_at ON credentials
             WHEN NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL
              AND (SELECT count(*) FROM credentials WHERE owner_id = NEW.owner_id AND revoked_at = NEW.revoked_at) >= 2
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .expect("create the trigger");
    }
    fn disarm(&self) {
        let db = rusqlite::Connection::open(&self.0).expect("open the test database");
        db.execute_batch("DROP TRIGGER injected_sweep_failure").expect("drop the trigger");
    }
}

impl Fault for FailingUpdates {
    fn arm(&self) {
        FailingUpdates::arm(self, 2);
    }
    fn disarm(&self) {
        FailingUpdates::disarm(self);
    }
}

async fn stored(store: &dyn Store, key: &CredentialRecord) -> CredentialRecord {
    store.get_credential(key.organization_id, key.id).await.expect("read").expect("the key is still stored")
}

async fn an_interrupted_sweep_is_finished_by_the_next_run(store: Arc<dyn Store>, fault: &dyn Fault) {
    let clock = Arc::new(ManualClock::starting_now());
    let org = support::create_org(store.as_ref(), &format!("sweep-{}", uuid::Uuid::new_v4()), &clock).await;
    let (account, first) = support::create_service_account(store.as_ref(), org.id(), "ci-bot", &clock).await;
    let mut keys = vec![first];
    for _ in 0..5 {
        let key = support::api_key(&account, &clock);
        store.issue_credential(&key, latchkey_tests::audit()).await.expect("issue a key");
        keys.push(key);
    }
    // One key revoked on its own earlier: its first revocation must survive the sweep.
    let early = Revocation::new(tick(&clock), RETENTION);
    let early_key =
        store.revoke_credential(org.id(), keys[0].id, early, latchkey_tests::audit()).await.expect("revoke one key");

    fault.arm();
    let revocation = Revocation::new(tick(&clock), RETENTION);
    store
        .revoke_all_credentials(
            org.id(),
            account.id,
            CredentialKind::ApiKey,
            revocation,
            false,
            latchkey_tests::audit(),
        )
        .await
        .expect("a revoke-all takes effect whatever its sweep does");
    fault.disarm();

    let mut marked = 0;
    for key in &keys {
        let (record, owner) = store.lookup_credential_and_owner(key.owner_id, key.id).await.expect("lookup");
        let record = record.expect("still stored");
        assert_eq!(record.status(clock.now(), owner.as_ref()), CredentialStatus::Revoked, "revoked at once");
        if record.revoked_at == Some(revocation.at) {
            marked += 1;
        }
    }
    assert!(marked < keys.len() - 1, "the injected failure stopped the sweep halfway ({marked} marked)");

    // A key issued after the revoke-all is a new generation: the sweep leaves it alone.
    let mut account_now = account.clone();
    account_now.api_key_epoch += 1;
    let newer = support::api_key(&account_now, &clock);
    store.issue_credential(&newer, latchkey_tests::audit()).await.expect("issue a key of the new generation");

    assert_eq!(store.complete_pending_sweeps(clock.now()).await.expect("finish the pending sweep"), 1);
    for key in &keys[1..] {
        let record = stored(store.as_ref(), key).await;
        assert_eq!((record.revoked_at, record.purge_at), (Some(revocation.at), Some(revocation.purge_at)));
    }
    let first_revoked = stored(store.as_ref(), &keys[0]).await;
    assert_eq!((first_revoked.revoked_at, first_revoked.purge_at), (early_key.revoked_at, early_key.purge_at));
    assert_eq!(stored(store.as_ref(), &newer).await.revoked_at, None, "the new generation is untouched");
    assert_eq!(store.complete_pending_sweeps(clock.now()).await.expect("run again"), 0, "nothing is left pending");
}

#[tokio::test]
async fn sqlite_an_interrupted_sweep_is_finished_by_the_next_run() {
    let dir = std::env::temp_dir().join("latchkey-store-tests").join(uuid::Uuid::new_v4().to_string());
    let store = SqliteStore::open(&dir).expect("open a SQLite store");
    let fault = SqliteTrigger(store.path().to_path_buf());
    an_interrupted_sweep_is_finished_by_the_next_run(Arc::new(store), &fault).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn dynamodb_an_interrupted_sweep_is_finished_by_the_next_run() {
    let plain = support::dynamodb_store_concrete().await;
    let fault = FailingUpdates::default();
    let store = fault.wrap(&plain);
    an_interrupted_sweep_is_finished_by_the_next_run(Arc::new(store), &fault).await;
}

/// Marking after an owner's removal covers every kind it held, and a second run finds nothing.
async fn a_removal_marks_every_kind_once(store: Arc<dyn Store>) {
    let clock = Arc::new(ManualClock::starting_now());
    let org = support::create_org(store.as_ref(), &format!("sweep-{}", uuid::Uuid::new_v4()), &clock).await;
    let (member, cli) = support::create_user(
        store.as_ref(),
        org.id(),
        "member@example.com",
        latchkey::domain::PermissionLevel::Collaborator,
        &clock,
    )
    .await;
    let token = support::access_token(&member, chrono::Duration::days(3), &clock);
    store.issue_credential(&token, latchkey_tests::audit()).await.expect("issue an access token");
    let revocation = Revocation::new(tick(&clock), RETENTION);
    store.delete_user(org.id(), member.id, revocation, latchkey_tests::audit()).await.expect("remove the user");
    for credential in [&cli, &token] {
        let record = stored(store.as_ref(), credential).await;
        assert_eq!(record.revoked_at, Some(revocation.at), "{:?} marked", credential.kind);
    }
    assert_eq!(store.complete_pending_sweeps(clock.now()).await.expect("run again"), 0);
}

#[tokio::test]
async fn sqlite_a_removal_marks_every_kind_once() {
    a_removal_marks_every_kind_once(support::sqlite_store().await).await;
}

#[tokio::test]
async fn dynamodb_a_removal_marks_every_kind_once() {
    a_removal_marks_every_kind_once(Arc::new(support::dynamodb_store_concrete().await)).await;
}

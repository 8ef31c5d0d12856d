//! Golden tests of the stored format. The serde form of the domain types *is* what both
//! stores keep (DynamoDB item attributes, SQLite `body` JSON), so renaming a domain field
//! would silently orphan every record already stored: these tests pin, literally, the
//! attribute names of every DynamoDB item kind and every SQLite table's columns and body
//! keys. A failure here means a migration is owed, not a test to update.
//!
//! The fixtures set every optional field, so every name that can be stored is.

use super::*;
use aws_sdk_dynamodb::types::AttributeValue;
use latchkey::domain::{Organization, ServiceAccount, User};
use latchkey::store::Housekeeping;
use latchkey::store::dynamodb::DynamoDbStore;
use latchkey::store::sqlite::{DATABASE_FILE, SqliteStore};
use std::collections::{BTreeSet, HashMap};
use support::dynamo_faults::FailingUpdates;

type Item = HashMap<String, AttributeValue>;

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

// The body fields of each record, as serde writes them.
const ORGANIZATION: &[&str] = &["id", "name", "created_at"];
const USER: &[&str] = &[
    "id",
    "organization_id",
    "email",
    "name",
    "permission_level",
    "roles",
    "created_at",
    "created_by",
    "cli_token_epoch",
    "owner_since",
    "cli_token_live",
    // Section 10: always written; `cli_token_grace_until` only while a grace is set.
    "suspended",
];
const SERVICE_ACCOUNT: &[&str] = &[
    "id",
    "organization_id",
    "name",
    "email",
    "permission_level",
    "created_at",
    "created_by",
    "api_key_epoch",
    "suspended",
];
const CREDENTIAL: &[&str] = &[
    "id",
    "organization_id",
    "kind",
    "owner_id",
    "owner_email",
    "secret_hash",
    "last_six",
    "epoch",
    "description",
    "created_at",
    "created_by",
    "expires_at",
    "revoked_at",
    "last_used_at",
    "purge_at",
    "disabled_at",
    "disabled_by",
    "revoked_reason",
];
const SWEEP_TASK: &[&str] =
    &["organization_id", "owner_id", "kinds", "below_epoch", "revoked_at", "purge_at", "reason"];

/// Every record kind, with every optional field set.
struct Fixture {
    org: Organization,
    owner: User,
    owner_token: CredentialRecord,
    account: ServiceAccount,
    key: CredentialRecord,
    /// An access token with a description, a last use, a disable and a revocation.
    token: CredentialRecord,
}

impl Fixture {
    fn new(clock: &ManualClock) -> Self {
        let mut fixture = support::TestOrg::new("Golden", clock);
        let creator = Some(PrincipalId::new_random());
        fixture.owner.created_by = creator;
        fixture.owner_token.created_by = creator;
        let mut account = support::service_account(fixture.id(), "golden-bot", clock);
        account.created_by = creator;
        let mut key = support::api_key(&account, clock);
        key.created_by = creator;
        let mut token = support::access_token(&fixture.owner, Duration::days(30), clock);
        token.created_by = creator;
        Self { org: fixture.org, owner: fixture.owner, owner_token: fixture.owner_token, account, key, token }
    }

    /// Stores every record kind but the sweep task (see [`Fixture::revoke_all_keys`]).
    async fn store_all(&self, store: &dyn Store, clock: &ManualClock) {
        store.create_organization(&self.org, &self.owner, &self.owner_token, latchkey_tests::audit()).await.unwrap();
        store.create_service_account(&self.account, &self.key, latchkey_tests::audit()).await.unwrap();
        store.issue_credential(&self.token, latchkey_tests::audit()).await.unwrap();
        let description = Description::parse("golden").unwrap();
        store
            .set_credential_description(self.org.id, self.token.id, Some(&description), latchkey_tests::audit())
            .await
            .unwrap();
        let at = tick(clock);
        store.record_last_used(self.token.id, at, at - Duration::minutes(1), None).await.unwrap();
        let before = store.get_credential(self.org.id, self.token.id).await.unwrap().unwrap();
        let change = latchkey::domain::DisabledChange { disabled: true, by: self.owner.id, at: tick(clock) };
        let disabled = before.with_disabled(change, false).unwrap().unwrap();
        store.set_credential_disabled(&before, &disabled, latchkey_tests::audit()).await.unwrap();
        store.revoke_credential(self.org.id, self.token.id, revocation(clock), latchkey_tests::audit()).await.unwrap();
        store.backfill_identity(clock.now()).await.unwrap();
    }

    /// The API-key revoke-all, which records a sweep task (the caller decides whether that
    /// sweep may finish).
    async fn revoke_all_keys(&self, store: &dyn Store, clock: &ManualClock) {
        let all = revocation(clock);
        store
            .revoke_all_credentials(
                self.org.id,
                self.account.id,
                CredentialKind::ApiKey,
                all,
                false,
                latchkey_tests::audit(),
            )
            .await
            .unwrap();
    }
}

// ---- DynamoDB ----------------------------------------------------------------------------

fn attribute_names(item: &Item) -> BTreeSet<String> {
    item.keys().cloned().collect()
}

fn with(body: &[&str], extra: &[&str]) -> BTreeSet<String> {
    set(body).into_iter().chain(set(extra)).collect()
}

async fn scan(store: &DynamoDbStore) -> Vec<Item> {
    let out = store.client().scan().table_name(store.table_name()).consistent_read(true).send().await.unwrap();
    assert!(out.last_evaluated_key.is_none(), "the golden table fits one Scan page");
    out.items.unwrap_or_default()
}

fn the_item<'a>(items: &'a [Item], pk: &str) -> &'a Item {
    items
        .iter()
        .find(|item| item.get("pk") == Some(&AttributeValue::S(pk.to_string())))
        .unwrap_or_else(|| panic!("no item {pk}"))
}

fn the_sweep(items: &[Item]) -> &Item {
    let sweeps: Vec<&Item> = items.iter().filter(|i| i.get("sk") == Some(&AttributeValue::S("S".into()))).collect();
    assert_eq!(sweeps.len(), 1, "one sweep task");
    sweeps[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_items_keep_their_attribute_names() {
    let store = support::dynamodb_store_concrete().await;
    let clock = support::clock();
    let f = Fixture::new(&clock);
    f.store_all(&store, &clock).await;
    // The revoke-all's sweep fails at its first marking: the task stays pending (listed).
    let failing = FailingUpdates::default();
    failing.arm(0);
    f.revoke_all_keys(&failing.wrap(&store), &clock).await;
    failing.disarm();

    let items = scan(&store).await;
    assert_eq!(
        attribute_names(the_item(&items, &format!("O#{}", f.org.id))),
        with(ORGANIZATION, &["pk", "sk", "owner_count"]),
        "organization"
    );
    assert_eq!(
        attribute_names(the_item(&items, &format!("P#{}", f.owner.id))),
        with(USER, &["pk", "sk", "gsi1pk", "gsi1sk", "principal_type"]),
        "user"
    );
    assert_eq!(
        attribute_names(the_item(&items, &format!("P#{}", f.account.id))),
        with(SERVICE_ACCOUNT, &["pk", "sk", "gsi1pk", "gsi1sk", "principal_type"]),
        "service account"
    );
    assert_eq!(
        attribute_names(the_item(&items, &format!("C#{}", f.token.id))),
        with(CREDENTIAL, &["pk", "sk", "gsi1pk", "gsi1sk", "ttl", "expires_at_us", "last_used_at_us"]),
        "credential"
    );
    let guards = [
        format!("ORGNAME#{}", f.org.name.unique_key()),
        format!("EMAIL#{}#{}", f.org.id, f.owner.email),
        format!("SANAME#{}#{}", f.org.id, f.account.name),
    ];
    for guard in &guards {
        assert_eq!(attribute_names(the_item(&items, guard)), set(&["pk", "sk", "target_id"]), "{guard}");
    }
    assert_eq!(
        attribute_names(the_sweep(&items)),
        with(SWEEP_TASK, &["pk", "sk", "gsi1pk", "gsi1sk"]),
        "pending sweep task"
    );
    assert_eq!(
        attribute_names(the_item(&items, "META#backfill-identity-v1")),
        set(&["pk", "sk", "completed_at"]),
        "upgrade marker"
    );
    // The organization's policy copies (the authorizer reads one at random).
    let copies: Vec<&Item> = items
        .iter()
        .filter(|i| i.get("pk").and_then(|v| v.as_s().ok()).is_some_and(|pk| pk.starts_with("OPOL#")))
        .collect();
    assert!(!copies.is_empty(), "the organization's creation wrote its policy copies");
    for copy in &copies {
        assert_eq!(
            attribute_names(copy),
            set(&["pk", "sk", "organization_id", "policy", "policy_version"]),
            "policy copy"
        );
    }
    // Audit events: the primary item in the `all` partitions, a copy per filter family.
    let audit: Vec<&Item> = items
        .iter()
        .filter(|i| i.get("pk").and_then(|v| v.as_s().ok()).is_some_and(|pk| pk.starts_with("AUDIT#")))
        .collect();
    assert!(!audit.is_empty(), "the changes wrote audit events");
    for item in &audit {
        let pk = item.get("pk").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        let primary = pk.contains("#all#");
        let mut expected =
            set(&["pk", "sk", "item_type", "event", "time_us", "organization_id", "action", "target_id", "ttl"]);
        if item.contains_key("actor_id") {
            expected.insert("actor_id".to_string());
        }
        assert_eq!(attribute_names(item), expected, "audit item {pk}");
        let item_type = if primary { "audit_event" } else { "audit_copy" };
        assert_eq!(item.get("item_type"), Some(&AttributeValue::S(item_type.into())), "{pk}");
    }
    // Nothing else is stored: a new item kind belongs in this test.
    let known = ["O#", "P#", "C#", "ORGNAME#", "EMAIL#", "SANAME#", "SWEEP#", "META#", "AUDIT#", "OPOL#"];
    for item in &items {
        let pk = item.get("pk").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        assert!(known.iter().any(|prefix| pk.starts_with(prefix)), "an item kind without a golden test: {pk}");
    }

    // Done, the task leaves the index and gains a purge time.
    assert_eq!(store.complete_pending_sweeps(clock.now()).await.unwrap(), 1);
    let items = scan(&store).await;
    assert_eq!(attribute_names(the_sweep(&items)), with(SWEEP_TASK, &["pk", "sk", "ttl"]), "finished sweep task");
}

// ---- SQLite ------------------------------------------------------------------------------

fn columns(db: &rusqlite::Connection, table: &str) -> Vec<String> {
    let mut stmt = db.prepare(&format!("PRAGMA table_info({table})")).unwrap();
    stmt.query_map([], |row| row.get::<_, String>(1)).unwrap().map(Result::unwrap).collect()
}

fn body_keys(db: &rusqlite::Connection, table: &str, key: (&str, &str)) -> BTreeSet<String> {
    let body: String = db
        .query_row(&format!("SELECT body FROM {table} WHERE {} = ?1", key.0), [key.1], |row| row.get(0))
        .unwrap_or_else(|e| panic!("{table} row {}: {e}", key.1));
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    json.as_object().expect("a JSON object").keys().cloned().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_tables_keep_their_columns_and_body_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let clock = support::clock();
    let f = Fixture::new(&clock);
    f.store_all(&store, &clock).await;
    let db = rusqlite::Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
    // The revoke-all's sweep fails at its first marking: the task row stays.
    db.execute_batch(
        "CREATE TRIGGER golden_sweep_failure BEFORE UPDATE OF revoked_at ON credentials
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )
    .unwrap();
    f.revoke_all_keys(&store, &clock).await;
    db.execute_batch("DROP TRIGGER golden_sweep_failure").unwrap();

    let version: i64 = db.query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap();
    assert_eq!(version, 3, "schema version");
    let tables: Vec<String> = {
        let mut stmt = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").unwrap();
        stmt.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(
        tables,
        ["audit_events", "credentials", "expiry_notices", "organizations", "service_accounts", "sweep_tasks", "users"]
    );

    assert_eq!(columns(&db, "organizations"), ["id", "name_key", "body"]);
    assert_eq!(columns(&db, "users"), ["id", "organization_id", "email", "permission_level", "sort_key", "body"]);
    assert_eq!(columns(&db, "service_accounts"), ["id", "organization_id", "name", "sort_key", "body"]);
    assert_eq!(
        columns(&db, "credentials"),
        [
            "id",
            "organization_id",
            "kind",
            "owner_id",
            "epoch",
            "last_six",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "purge_at",
            "sort_key",
            "body"
        ]
    );
    assert_eq!(columns(&db, "sweep_tasks"), ["key", "revoked_at", "body"]);
    assert_eq!(
        columns(&db, "audit_events"),
        ["id", "organization_id", "time", "action", "actor_id", "target_id", "purge_at", "body"]
    );
    assert_eq!(columns(&db, "expiry_notices"), ["credential_id", "noticed_at"]);

    assert_eq!(body_keys(&db, "organizations", ("id", &f.org.id.to_string())), set(ORGANIZATION));
    assert_eq!(body_keys(&db, "users", ("id", &f.owner.id.to_string())), set(USER));
    assert_eq!(body_keys(&db, "service_accounts", ("id", &f.account.id.to_string())), set(SERVICE_ACCOUNT));
    assert_eq!(body_keys(&db, "credentials", ("id", &f.token.id.to_string())), set(CREDENTIAL));
    let task: String = db.query_row("SELECT key FROM sweep_tasks", [], |row| row.get(0)).unwrap();
    assert_eq!(body_keys(&db, "sweep_tasks", ("key", &task)), set(SWEEP_TASK));
    let event: String = db.query_row("SELECT id FROM audit_events LIMIT 1", [], |row| row.get(0)).unwrap();
    assert_eq!(
        body_keys(&db, "audit_events", ("id", &event)),
        set(&["id", "time", "organization_id", "action", "actor", "target", "request", "details", "purge_at"])
    );
}

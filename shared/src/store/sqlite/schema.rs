//! The SQLite schema and its migrations, versioned with `PRAGMA user_version`.
//!
//! Every table keeps the whole record as JSON in `body` (what reads return) beside the
//! columns that queries filter, sort or enforce uniqueness on. Timestamps in columns are
//! `clock::sortable` strings: fixed width, so they compare like the times they name.

use super::DbResultExt;
use crate::clock::Clock;
use crate::store::{StoreError, StoreResult};
use rusqlite::{Connection, TransactionBehavior};

/// The schema version this build writes. A database from a newer build is refused rather
/// than misread.
pub(super) const CURRENT_VERSION: i64 = 3;

const VERSION_1: &str = r#"
CREATE TABLE IF NOT EXISTS organizations (
    id          TEXT PRIMARY KEY NOT NULL,
    -- OrganizationName::unique_key(): names are unique case-insensitively.
    name_key    TEXT NOT NULL UNIQUE,
    body        TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS users (
    id               TEXT PRIMARY KEY NOT NULL,
    organization_id  TEXT NOT NULL REFERENCES organizations(id),
    -- Already trimmed and lower-cased by Email::parse.
    email            TEXT NOT NULL,
    permission_level TEXT NOT NULL,
    -- store::position::of_user
    sort_key         TEXT NOT NULL,
    body             TEXT NOT NULL,
    UNIQUE (organization_id, email)
) STRICT;
CREATE INDEX IF NOT EXISTS users_by_position ON users (organization_id, sort_key);

CREATE TABLE IF NOT EXISTS service_accounts (
    id               TEXT PRIMARY KEY NOT NULL,
    organization_id  TEXT NOT NULL REFERENCES organizations(id),
    name             TEXT NOT NULL,
    -- store::position::of_service_account
    sort_key         TEXT NOT NULL,
    body             TEXT NOT NULL,
    UNIQUE (organization_id, name)
) STRICT;
CREATE INDEX IF NOT EXISTS service_accounts_by_position ON service_accounts (organization_id, sort_key);

CREATE TABLE IF NOT EXISTS credentials (
    id               TEXT PRIMARY KEY NOT NULL,
    organization_id  TEXT NOT NULL REFERENCES organizations(id),
    kind             TEXT NOT NULL,
    -- No foreign key: a credential outlives its deleted owner (marked revoked) until purged.
    owner_id         TEXT NOT NULL,
    epoch            INTEGER NOT NULL,
    last_six         TEXT NOT NULL,
    expires_at       TEXT,
    revoked_at       TEXT,
    last_used_at     TEXT,
    purge_at         TEXT,
    -- store::position::of_credential
    sort_key         TEXT NOT NULL,
    body             TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS credentials_by_position ON credentials (organization_id, kind, sort_key);
CREATE INDEX IF NOT EXISTS credentials_by_owner ON credentials (owner_id, kind, epoch);
"#;

/// Version 2 adds the pending sweeps (`domain::SweepTask`, each recorded with the revocation
/// that owes it and removed when carried out), and backfills the user records
/// (`owner_since` for every OWNER, `cli_token_live` from the stored CLI tokens) in the
/// migration's transaction, so every user row of a migrated database records both (SPEC
/// section 7).
const VERSION_2: &str = r#"
CREATE TABLE IF NOT EXISTS sweep_tasks (
    key         TEXT PRIMARY KEY NOT NULL,
    revoked_at  TEXT NOT NULL,
    body        TEXT NOT NULL
) STRICT;
"#;

/// Version 3 adds the audit log (SPEC section 8): one row per event, the whole event in `body`,
/// listed newest first by id (UUIDv7, time-ordered) within an organization; and the expiry
/// notices already written, one row per credential, so each gets one.
const VERSION_3: &str = r#"
CREATE TABLE IF NOT EXISTS audit_events (
    id               TEXT PRIMARY KEY NOT NULL,
    organization_id  TEXT NOT NULL,
    -- clock::sortable
    time             TEXT NOT NULL,
    action           TEXT NOT NULL,
    actor_id         TEXT,
    target_id        TEXT NOT NULL,
    purge_at         TEXT,
    body             TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS audit_events_by_org ON audit_events (organization_id, id);
CREATE INDEX IF NOT EXISTS audit_events_by_actor ON audit_events (organization_id, actor_id, id);
CREATE INDEX IF NOT EXISTS audit_events_by_target ON audit_events (organization_id, target_id, id);
CREATE INDEX IF NOT EXISTS audit_events_by_time ON audit_events (time);

CREATE TABLE IF NOT EXISTS expiry_notices (
    credential_id    TEXT PRIMARY KEY NOT NULL,
    noticed_at       TEXT NOT NULL
) STRICT;
"#;

/// Brings the database to [`CURRENT_VERSION`]. Runs in an immediate transaction, so two
/// processes opening a new data directory at once cannot interleave their migrations.
pub(super) fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0)).db()?;
    if version > CURRENT_VERSION {
        return Err(StoreError::internal(format!(
            "the database has schema version {version}, newer than this build's {CURRENT_VERSION}"
        )));
    }
    if version < 1 {
        tx.execute_batch(VERSION_1).db()?;
    }
    if version < 2 {
        tx.execute_batch(VERSION_2).db()?;
        // The wall clock: opening a data directory is not a request with a clock of its own.
        let filled = super::owners::backfill(&tx, crate::clock::SystemClock.now())?;
        if filled > 0 {
            tracing::info!(users = filled, "backfilled owner_since and CLI-token liveness");
        }
    }
    if version < 3 {
        tx.execute_batch(VERSION_3).db()?;
    }
    tx.pragma_update(None, "user_version", CURRENT_VERSION).db()?;
    tx.commit().db()
}

//! SQLite implementation of [`crate::store::Store`]: the embedded store of the local server
//! and of the local operator commands, kept in `<data_dir>/latchkey.db`.
//!
//! Concurrency. rusqlite is synchronous, so every call runs on tokio's blocking pool.
//! All writes go through one connection behind a mutex and run in `BEGIN IMMEDIATE`
//! transactions, which take SQLite's write lock up front: a check (uniqueness, epoch, last
//! owner) and the write it guards are atomic, in this process and against another process
//! that opens the same directory (`latchkey bootstrap` beside `latchkey serve`), which waits
//! for the lock up to the busy timeout. In WAL mode readers never block the writer, so reads
//! use a small pool of their own connections, each read in one transaction (one snapshot).
//!
//! Durability: `synchronous=FULL` in WAL mode syncs the log on every commit, so an
//! acknowledged write survives a crash or SIGKILL of the process (and of the machine).

mod owners;
mod schema;
mod sweep;
#[cfg(test)]
mod tests;

use crate::clock::{Timestamp, sortable};
use crate::domain::{
    CredentialId, CredentialKind, CredentialRecord, Description, Email, Organization, OrganizationId, OrganizationName,
    Principal, PrincipalId, Revocation, ServiceAccount, ServiceAccountName, SweepTask, User,
};
use crate::store::{
    CredentialFilter, CredentialLookup, CredentialStore, Housekeeping, OrganizationStore, Page, PageRequest,
    ServiceAccountStore, StoreError, StoreResult, UserChangeCheck, UserStore, UserUpdate, position,
};
use async_trait::async_trait;
use rusqlite::types::ToSql;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "latchkey.db";
/// How long a write waits for another connection's (or process's) write lock before
/// giving up with `Unavailable`.
const BUSY_TIMEOUT: Duration = Duration::from_millis(5000);
/// Idle read connections kept open; more are opened under load and closed afterwards.
const MAX_IDLE_READERS: usize = 4;

/// Cheap to clone: clones share the connections.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    idle_readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.inner.path).finish()
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the store in `data_dir`: the directory private to its
    /// owner (0700) when this creates it, the database file always 0600 (it holds credential
    /// hashes), whatever the umask.
    pub fn open(data_dir: &Path) -> StoreResult<Self> {
        create_private_dir(data_dir)?;
        let path = data_dir.join(DATABASE_FILE);
        create_private_file(&path)?;
        let mut writer = connect(&path)?;
        schema::migrate(&mut writer)?;
        Ok(Self { inner: Arc::new(Inner { path, writer: Mutex::new(writer), idle_readers: Mutex::new(Vec::new()) }) })
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Deletes credentials whose purge time has passed: the embedded store's counterpart of
    /// the DynamoDB table's TTL (expiry or revocation + retention). `latchkey serve` runs it
    /// at start and hourly. Returns how many rows went.
    pub async fn purge_expired(&self, now: Timestamp) -> StoreResult<usize> {
        self.write(move |tx| {
            tx.execute("DELETE FROM credentials WHERE purge_at IS NOT NULL AND purge_at <= ?1", params![sortable(&now)])
                .db()
        })
        .await
    }

    /// Runs `f` in an immediate (write-locked) transaction; commits when it returns `Ok`,
    /// rolls back otherwise.
    async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let mut conn =
                inner.writer.lock().map_err(|_| StoreError::Internal("the SQLite writer mutex is poisoned".into()))?;
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
            let out = f(&tx)?;
            tx.commit().db()?;
            Ok(out)
        })
        .await
    }

    /// Runs `f` in a read transaction on a pooled connection, so all its queries see one
    /// snapshot.
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let mut conn = inner.take_reader()?;
            let out = (|| {
                let tx = conn.transaction().db()?;
                let out = f(&tx)?;
                tx.commit().db()?;
                Ok(out)
            })();
            inner.return_reader(conn);
            out
        })
        .await
    }
}

impl Inner {
    fn take_reader(&self) -> StoreResult<Connection> {
        let pooled = self
            .idle_readers
            .lock()
            .map_err(|_| StoreError::Internal("the SQLite reader pool mutex is poisoned".into()))?
            .pop();
        match pooled {
            Some(conn) => Ok(conn),
            None => connect(&self.path),
        }
    }

    fn return_reader(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle_readers.lock()
            && idle.len() < MAX_IDLE_READERS
        {
            idle.push(conn);
        }
    }
}

async fn run_blocking<T, F>(f: F) -> StoreResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> StoreResult<T> + Send + 'static,
{
    tokio::task::spawn_blocking(f).await.map_err(|e| StoreError::Internal(format!("SQLite task failed: {e}")))?
}

// ---- opening ---------------------------------------------------------------------------

fn io_error(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Unavailable(format!("{what} {}: {e}", path.display()))
}

fn create_private_dir(dir: &Path) -> StoreResult<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(dir).map_err(|e| io_error("cannot create", dir, e))?;
        // The mode given to mkdir is filtered through the umask; set it explicitly.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| io_error("cannot set permissions of", dir, e))?;
    }
    #[cfg(not(unix))]
    builder.create(dir).map_err(|e| io_error("cannot create", dir, e))?;
    Ok(())
}

/// Creates the database file before SQLite does, so its mode is ours (SQLite gives its
/// `-wal` and `-shm` files the database file's mode).
fn create_private_file(path: &Path) -> StoreResult<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        options.open(path).map_err(|e| io_error("cannot create", path, e))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io_error("cannot set permissions of", path, e))?;
    }
    #[cfg(not(unix))]
    options.open(path).map_err(|e| io_error("cannot create", path, e))?;
    Ok(())
}

fn connect(path: &Path) -> StoreResult<Connection> {
    // No SQLITE_OPEN_CREATE: `open` created the file with the right mode.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).db()?;
    conn.busy_timeout(BUSY_TIMEOUT).db()?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0)).db()?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Internal(format!("SQLite refused WAL mode (journal_mode is {mode})")));
    }
    conn.pragma_update(None, "synchronous", "FULL").db()?;
    conn.pragma_update(None, "foreign_keys", "ON").db()?;
    Ok(conn)
}

// ---- errors and rows ---------------------------------------------------------------------

/// Maps SQLite errors: a lock not obtained within the busy timeout, or a file that cannot
/// be opened or written, is `Unavailable` (retrying may work); anything else is `Internal`.
pub(super) trait DbResultExt<T> {
    fn db(self) -> StoreResult<T>;
}

impl<T> DbResultExt<T> for rusqlite::Result<T> {
    fn db(self) -> StoreResult<T> {
        self.map_err(|e| match &e {
            rusqlite::Error::SqliteFailure(failure, _)
                if matches!(
                    failure.code,
                    ErrorCode::DatabaseBusy
                        | ErrorCode::DatabaseLocked
                        | ErrorCode::CannotOpen
                        | ErrorCode::DiskFull
                        | ErrorCode::SystemIoFailure
                ) =>
            {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Internal(format!("SQLite: {e}")),
        })
    }
}

fn to_body<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(format!("cannot serialize a record: {e}")))
}

fn from_body<T: DeserializeOwned>(body: &str) -> StoreResult<T> {
    serde_json::from_str(body).map_err(|e| StoreError::Internal(format!("corrupt row: {e}")))
}

/// The `body` column of the rows `sql` selects (it must select `body` alone).
fn bodies<T: DeserializeOwned>(tx: &Transaction<'_>, sql: &str, params: &[&dyn ToSql]) -> StoreResult<Vec<T>> {
    let mut stmt = tx.prepare_cached(sql).db()?;
    let rows = stmt.query_map(params, |row| row.get::<_, String>(0)).db()?;
    let mut out = Vec::new();
    for body in rows {
        out.push(from_body(&body.db()?)?);
    }
    Ok(out)
}

fn one_body<T: DeserializeOwned>(tx: &Transaction<'_>, sql: &str, params: &[&dyn ToSql]) -> StoreResult<Option<T>> {
    let body: Option<String> = tx.query_row(sql, params, |row| row.get(0)).optional().db()?;
    body.as_deref().map(from_body).transpose()
}

fn epoch_column(epoch: u64) -> StoreResult<i64> {
    i64::try_from(epoch).map_err(|_| StoreError::Internal(format!("epoch {epoch} out of range")))
}

/// A page of `max_items` from rows fetched with one extra (`limit = max_items + 1`): the
/// extra row only says that more follow.
fn page_of<T>(mut items: Vec<T>, max_items: usize, position: impl Fn(&T) -> String) -> Page<T> {
    let more = items.len() > max_items;
    items.truncate(max_items);
    let next = if more { items.last().map(position) } else { None };
    Page { items, next }
}

/// `max_items` is validated by the API (1–100); 0 would make a page that never advances.
fn fetch_limit(page: &PageRequest) -> i64 {
    page.max_items.clamp(1, 1000) as i64 + 1
}

// ---- row access (all within a transaction) ----------------------------------------------

fn load_user(tx: &Transaction<'_>, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<User>> {
    one_body(
        tx,
        "SELECT body FROM users WHERE id = ?1 AND organization_id = ?2",
        params![id.to_string(), org.to_string()],
    )
}

fn load_service_account(
    tx: &Transaction<'_>,
    org: OrganizationId,
    id: PrincipalId,
) -> StoreResult<Option<ServiceAccount>> {
    one_body(
        tx,
        "SELECT body FROM service_accounts WHERE id = ?1 AND organization_id = ?2",
        params![id.to_string(), org.to_string()],
    )
}

fn load_credential(
    tx: &Transaction<'_>,
    org: OrganizationId,
    id: CredentialId,
) -> StoreResult<Option<CredentialRecord>> {
    one_body(
        tx,
        "SELECT body FROM credentials WHERE id = ?1 AND organization_id = ?2",
        params![id.to_string(), org.to_string()],
    )
}

/// The principal that can hold credentials of `kind`: a user for CLI and access tokens, a
/// service account for API keys. Anything else is absent.
fn load_owner_for(
    tx: &Transaction<'_>,
    org: OrganizationId,
    owner: PrincipalId,
    kind: CredentialKind,
) -> StoreResult<Option<Principal>> {
    Ok(match kind {
        CredentialKind::CliToken | CredentialKind::AccessToken => load_user(tx, org, owner)?.map(Principal::User),
        CredentialKind::ApiKey => load_service_account(tx, org, owner)?.map(Principal::ServiceAccount),
    })
}

fn insert_organization(tx: &Transaction<'_>, org: &Organization) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO organizations (id, name_key, body) VALUES (?1, ?2, ?3)",
        params![org.id.to_string(), org.name.unique_key(), to_body(org)?],
    )
    .db()?;
    Ok(())
}

fn insert_user(tx: &Transaction<'_>, user: &User) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO users (id, organization_id, email, permission_level, sort_key, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            user.id.to_string(),
            user.organization_id.to_string(),
            user.email.as_str(),
            user.permission_level.as_str(),
            position::of_user(user),
            to_body(user)?,
        ],
    )
    .db()?;
    Ok(())
}

fn update_user_row(tx: &Transaction<'_>, user: &User) -> StoreResult<()> {
    tx.execute(
        "UPDATE users SET email = ?2, permission_level = ?3, sort_key = ?4, body = ?5 WHERE id = ?1",
        params![
            user.id.to_string(),
            user.email.as_str(),
            user.permission_level.as_str(),
            position::of_user(user),
            to_body(user)?,
        ],
    )
    .db()?;
    Ok(())
}

fn insert_service_account(tx: &Transaction<'_>, account: &ServiceAccount) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO service_accounts (id, organization_id, name, sort_key, body) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            account.id.to_string(),
            account.organization_id.to_string(),
            account.name.as_str(),
            position::of_service_account(account),
            to_body(account)?,
        ],
    )
    .db()?;
    Ok(())
}

fn update_service_account_row(tx: &Transaction<'_>, account: &ServiceAccount) -> StoreResult<()> {
    tx.execute(
        "UPDATE service_accounts SET name = ?2, sort_key = ?3, body = ?4 WHERE id = ?1",
        params![
            account.id.to_string(),
            account.name.as_str(),
            position::of_service_account(account),
            to_body(account)?,
        ],
    )
    .db()?;
    Ok(())
}

fn insert_credential(tx: &Transaction<'_>, c: &CredentialRecord) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO credentials (id, organization_id, kind, owner_id, epoch, last_six, expires_at,
                                  revoked_at, last_used_at, purge_at, sort_key, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            c.id.to_string(),
            c.organization_id.to_string(),
            c.kind.as_str(),
            c.owner_id.to_string(),
            epoch_column(c.epoch)?,
            c.last_six,
            c.expires_at.as_ref().map(sortable),
            c.revoked_at.as_ref().map(sortable),
            c.last_used_at.as_ref().map(sortable),
            c.purge_at.as_ref().map(sortable),
            position::of_credential(c),
            to_body(c)?,
        ],
    )
    .db()?;
    Ok(())
}

/// Rewrites the mutable parts of a credential row (identity, owner and kind never change).
fn update_credential_row(tx: &Transaction<'_>, c: &CredentialRecord) -> StoreResult<()> {
    tx.execute(
        "UPDATE credentials SET revoked_at = ?2, last_used_at = ?3, purge_at = ?4, body = ?5 WHERE id = ?1",
        params![
            c.id.to_string(),
            c.revoked_at.as_ref().map(sortable),
            c.last_used_at.as_ref().map(sortable),
            c.purge_at.as_ref().map(sortable),
            to_body(c)?,
        ],
    )
    .db()?;
    Ok(())
}

fn check_principal_position(after: Option<&String>) -> StoreResult<Option<String>> {
    after.map(|p| position::parse_principal(p).map(|_| p.clone())).transpose()
}

// ---- the trait ---------------------------------------------------------------------------

#[async_trait]
impl OrganizationStore for SqliteStore {
    async fn create_organization(
        &self,
        org: &Organization,
        owner: &User,
        first_token: &CredentialRecord,
    ) -> StoreResult<()> {
        let (org, owner, first_token) = (org.clone(), owner.clone(), first_token.clone());
        self.write(move |tx| {
            let taken: Option<i64> = tx
                .query_row("SELECT 1 FROM organizations WHERE name_key = ?1", params![org.name.unique_key()], |row| {
                    row.get(0)
                })
                .optional()
                .db()?;
            if taken.is_some() {
                return Err(StoreError::Conflict("organization"));
            }
            insert_organization(tx, &org)?;
            insert_user(tx, &owner)?;
            insert_credential(tx, &first_token)
        })
        .await
    }

    async fn find_organization_by_name(&self, name: &OrganizationName) -> StoreResult<Option<Organization>> {
        let key = name.unique_key();
        self.read(move |tx| one_body(tx, "SELECT body FROM organizations WHERE name_key = ?1", params![key])).await
    }
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn create_user(&self, user: &User, first_token: &CredentialRecord) -> StoreResult<()> {
        let (user, first_token) = (user.clone(), first_token.clone());
        self.write(move |tx| {
            if find_user(tx, user.organization_id, &user.email)?.is_some() {
                return Err(StoreError::Conflict("email"));
            }
            require_organization(tx, user.organization_id)?;
            insert_user(tx, &user)?;
            insert_credential(tx, &first_token)
        })
        .await
    }

    async fn get_user(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<User>> {
        self.read(move |tx| load_user(tx, org, id)).await
    }

    async fn find_user_by_email(&self, org: OrganizationId, email: &Email) -> StoreResult<Option<User>> {
        let email = email.clone();
        self.read(move |tx| find_user(tx, org, &email)).await
    }

    async fn list_users(&self, org: OrganizationId, page: &PageRequest) -> StoreResult<Page<User>> {
        let after = check_principal_position(page.after.as_ref())?;
        let (limit, max_items) = (fetch_limit(page), page.max_items);
        self.read(move |tx| {
            let users = bodies(
                tx,
                "SELECT body FROM users WHERE organization_id = ?1 AND (?2 IS NULL OR sort_key > ?2)
                 ORDER BY sort_key ASC LIMIT ?3",
                params![org.to_string(), after, limit],
            )?;
            Ok(page_of(users, max_items, position::of_user))
        })
        .await
    }

    async fn update_user(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        update: &UserUpdate,
        check: UserChangeCheck,
    ) -> StoreResult<User> {
        let update = update.clone();
        self.write(move |tx| owners::update_user(tx, org, id, &update, &check)).await
    }

    async fn delete_user(&self, org: OrganizationId, id: PrincipalId, revocation: Revocation) -> StoreResult<()> {
        let kinds = [CredentialKind::CliToken, CredentialKind::AccessToken];
        let task = SweepTask::all_credentials_of(org, id, &kinds, revocation);
        let swept = task.clone();
        self.write(move |tx| {
            let user = load_user(tx, org, id)?.ok_or(StoreError::NotFound)?;
            owners::keep_a_live_owner(tx, &user, None)?;
            tx.execute("DELETE FROM users WHERE id = ?1", params![id.to_string()]).db()?;
            sweep::record(tx, &task)
        })
        .await?;
        self.sweep(swept).await;
        Ok(())
    }
}

#[async_trait]
impl ServiceAccountStore for SqliteStore {
    async fn create_service_account(&self, account: &ServiceAccount, first_key: &CredentialRecord) -> StoreResult<()> {
        let (account, first_key) = (account.clone(), first_key.clone());
        self.write(move |tx| {
            if find_service_account(tx, account.organization_id, &account.name)?.is_some() {
                return Err(StoreError::Conflict("service account"));
            }
            require_organization(tx, account.organization_id)?;
            insert_service_account(tx, &account)?;
            insert_credential(tx, &first_key)
        })
        .await
    }

    async fn get_service_account(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<ServiceAccount>> {
        self.read(move |tx| load_service_account(tx, org, id)).await
    }

    async fn find_service_account_by_name(
        &self,
        org: OrganizationId,
        name: &ServiceAccountName,
    ) -> StoreResult<Option<ServiceAccount>> {
        let name = name.clone();
        self.read(move |tx| find_service_account(tx, org, &name)).await
    }

    async fn list_service_accounts(
        &self,
        org: OrganizationId,
        page: &PageRequest,
    ) -> StoreResult<Page<ServiceAccount>> {
        let after = check_principal_position(page.after.as_ref())?;
        let (limit, max_items) = (fetch_limit(page), page.max_items);
        self.read(move |tx| {
            let accounts = bodies(
                tx,
                "SELECT body FROM service_accounts WHERE organization_id = ?1 AND (?2 IS NULL OR sort_key < ?2)
                 ORDER BY sort_key DESC LIMIT ?3",
                params![org.to_string(), after, limit],
            )?;
            Ok(page_of(accounts, max_items, position::of_service_account))
        })
        .await
    }

    async fn delete_service_account(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        revocation: Revocation,
    ) -> StoreResult<()> {
        let task = SweepTask::all_credentials_of(org, id, &[CredentialKind::ApiKey], revocation);
        let swept = task.clone();
        self.write(move |tx| {
            let deleted = tx
                .execute(
                    "DELETE FROM service_accounts WHERE id = ?1 AND organization_id = ?2",
                    params![id.to_string(), org.to_string()],
                )
                .db()?;
            if deleted == 0 {
                return Err(StoreError::NotFound);
            }
            sweep::record(tx, &task)
        })
        .await?;
        self.sweep(swept).await;
        Ok(())
    }
}

#[async_trait]
impl CredentialStore for SqliteStore {
    async fn issue_credential(&self, credential: &CredentialRecord) -> StoreResult<()> {
        let credential = credential.clone();
        self.write(move |tx| {
            let owner = load_owner_for(tx, credential.organization_id, credential.owner_id, credential.kind)?
                .ok_or(StoreError::NotFound)?;
            // Access tokens have no epoch: they are revoked one by one.
            if credential.kind != CredentialKind::AccessToken
                && owner.epoch_for(credential.kind) != Some(credential.epoch)
            {
                return Err(StoreError::Contention);
            }
            insert_credential(tx, &credential)
        })
        .await
    }

    async fn rotate_credentials(&self, credential: &CredentialRecord, revocation: Revocation) -> StoreResult<()> {
        let credential = credential.clone();
        let (org, owner_id, kind, new_epoch) =
            (credential.organization_id, credential.owner_id, credential.kind, credential.epoch);
        let task = SweepTask::after_epoch_bump(org, owner_id, kind, new_epoch, revocation);
        let swept = task.clone();
        self.write(move |tx| {
            let owner = load_owner_for(tx, org, owner_id, kind)?.ok_or(StoreError::NotFound)?;
            let expected = new_epoch.checked_sub(1).ok_or(StoreError::Contention)?;
            match owner {
                Principal::User(user) if kind == CredentialKind::CliToken => {
                    if user.cli_token_epoch != expected {
                        return Err(StoreError::Contention);
                    }
                    update_user_row(tx, &user.with_cli_tokens_rotated(new_epoch))?;
                }
                Principal::ServiceAccount(mut account) => {
                    if account.api_key_epoch != expected {
                        return Err(StoreError::Contention);
                    }
                    account.api_key_epoch = new_epoch;
                    update_service_account_row(tx, &account)?;
                }
                Principal::User(_) => {
                    return Err(StoreError::Internal(format!("{} credentials have no epoch to rotate", kind.as_str())));
                }
            }
            insert_credential(tx, &credential)?;
            sweep::record(tx, &task)
        })
        .await?;
        self.sweep(swept).await;
        Ok(())
    }

    async fn revoke_all_credentials(
        &self,
        org: OrganizationId,
        owner: PrincipalId,
        kind: CredentialKind,
        revocation: Revocation,
        keep_an_owner: bool,
    ) -> StoreResult<()> {
        let task = self
            .write(move |tx| {
                let principal = load_owner_for(tx, org, owner, kind)?.ok_or(StoreError::NotFound)?;
                let new_epoch = match principal {
                    Principal::User(user) if kind == CredentialKind::CliToken => {
                        let after = user.with_cli_tokens_revoked();
                        if keep_an_owner {
                            owners::keep_a_live_owner(tx, &user, Some(&after))?;
                        }
                        update_user_row(tx, &after)?;
                        after.cli_token_epoch
                    }
                    Principal::ServiceAccount(mut account) => {
                        account.api_key_epoch += 1;
                        update_service_account_row(tx, &account)?;
                        account.api_key_epoch
                    }
                    // Access tokens have no epoch: revoking them all marks each one, here,
                    // inside the transaction, because that marking is the revocation.
                    Principal::User(_) => {
                        let task = SweepTask::all_credentials_of(org, owner, &[kind], revocation);
                        sweep::mark_covered(tx, &task)?;
                        return Ok(None);
                    }
                };
                let task = SweepTask::after_epoch_bump(org, owner, kind, new_epoch, revocation);
                sweep::record(tx, &task)?;
                Ok(Some(task))
            })
            .await?;
        if let Some(task) = task {
            self.sweep(task).await;
        }
        Ok(())
    }

    async fn revoke_credential(
        &self,
        org: OrganizationId,
        id: CredentialId,
        revocation: Revocation,
    ) -> StoreResult<CredentialRecord> {
        self.write(move |tx| {
            let mut record = load_credential(tx, org, id)?.ok_or(StoreError::NotFound)?;
            if record.revoked_at.is_none() {
                record.revoked_at = Some(revocation.at);
                record.purge_at = Some(revocation.purge_at);
                update_credential_row(tx, &record)?;
            }
            Ok(record)
        })
        .await
    }

    async fn get_credential(&self, org: OrganizationId, id: CredentialId) -> StoreResult<Option<CredentialRecord>> {
        self.read(move |tx| load_credential(tx, org, id)).await
    }

    async fn set_credential_description(
        &self,
        org: OrganizationId,
        id: CredentialId,
        description: Option<&Description>,
    ) -> StoreResult<CredentialRecord> {
        let description = description.cloned();
        self.write(move |tx| {
            let mut record = load_credential(tx, org, id)?.ok_or(StoreError::NotFound)?;
            record.description = description;
            update_credential_row(tx, &record)?;
            Ok(record)
        })
        .await
    }

    async fn list_credentials(
        &self,
        org: OrganizationId,
        filter: &CredentialFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<CredentialRecord>> {
        let after = page.after.as_ref().map(|p| position::parse_credential(p).map(|_| p.clone())).transpose()?;
        let (limit, max_items) = (fetch_limit(page), page.max_items);
        let filter = filter.clone();
        self.read(move |tx| {
            let records = bodies(
                tx,
                "SELECT body FROM credentials
                 WHERE organization_id = ?1 AND kind = ?2
                   AND (?3 IS NULL OR owner_id = ?3)
                   AND (?4 IS NULL OR last_six = ?4)
                   AND (?5 OR (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?6)))
                   AND (?7 IS NULL OR sort_key < ?7)
                 ORDER BY sort_key DESC LIMIT ?8",
                params![
                    org.to_string(),
                    filter.kind.as_str(),
                    filter.owner.map(|o| o.to_string()),
                    filter.last_six,
                    filter.include_inactive,
                    sortable(&filter.now),
                    after,
                    limit,
                ],
            )?;
            Ok(page_of(records, max_items, position::of_credential))
        })
        .await
    }

    async fn get_principals(&self, org: OrganizationId, ids: &[PrincipalId]) -> StoreResult<Vec<Principal>> {
        let ids = ids.to_vec();
        self.read(move |tx| {
            let mut found = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(user) = load_user(tx, org, id)? {
                    found.push(Principal::User(user));
                } else if let Some(account) = load_service_account(tx, org, id)? {
                    found.push(Principal::ServiceAccount(account));
                }
            }
            Ok(found)
        })
        .await
    }
}

#[async_trait]
impl Housekeeping for SqliteStore {
    async fn complete_pending_sweeps(&self) -> StoreResult<usize> {
        self.complete_pending().await
    }

    async fn backfill_identity(&self, now: Timestamp) -> StoreResult<usize> {
        self.write(move |tx| owners::backfill(tx, now)).await
    }
}

#[async_trait]
impl CredentialLookup for SqliteStore {
    async fn lookup_credential_and_owner(
        &self,
        owner: PrincipalId,
        credential: CredentialId,
    ) -> StoreResult<(Option<CredentialRecord>, Option<Principal>)> {
        self.read(move |tx| {
            // One statement, the same three key lookups whatever exists (the authorizer's
            // equal work for every wrong token, as one BatchGetItem is in DynamoDB).
            // Addressed by the locator's pair, as the DynamoDB keys are: a credential whose
            // owner is not the locator's owner is not found. The owner by id alone (the
            // locator names no organization), a user or a service account.
            let (record, user, account): (Option<String>, Option<String>, Option<String>) = tx
                .query_row(
                    "SELECT (SELECT body FROM credentials WHERE id = ?1 AND owner_id = ?2), \
                            (SELECT body FROM users WHERE id = ?2), \
                            (SELECT body FROM service_accounts WHERE id = ?2)",
                    params![credential.to_string(), owner.to_string()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .db()?;
            let record: Option<CredentialRecord> = record.as_deref().map(from_body).transpose()?;
            let principal = match (user, account) {
                (Some(user), _) => Some(Principal::User(from_body(&user)?)),
                (None, Some(account)) => Some(Principal::ServiceAccount(from_body(&account)?)),
                (None, None) => None,
            };
            Ok((record, principal))
        })
        .await
    }

    async fn record_last_used(
        &self,
        credential: CredentialId,
        at: Timestamp,
        unless_used_since: Timestamp,
    ) -> StoreResult<()> {
        self.write(move |tx| {
            let record: Option<CredentialRecord> = one_body(
                tx,
                "SELECT body FROM credentials WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?2)",
                params![credential.to_string(), sortable(&unless_used_since)],
            )?;
            // Absent: purged or deleted (never resurrected), or used recently (throttled).
            if let Some(mut record) = record {
                record.last_used_at = Some(at);
                update_credential_row(tx, &record)?;
            }
            Ok(())
        })
        .await
    }
}

fn find_user(tx: &Transaction<'_>, org: OrganizationId, email: &Email) -> StoreResult<Option<User>> {
    one_body(
        tx,
        "SELECT body FROM users WHERE organization_id = ?1 AND email = ?2",
        params![org.to_string(), email.as_str()],
    )
}

fn find_service_account(
    tx: &Transaction<'_>,
    org: OrganizationId,
    name: &ServiceAccountName,
) -> StoreResult<Option<ServiceAccount>> {
    one_body(
        tx,
        "SELECT body FROM service_accounts WHERE organization_id = ?1 AND name = ?2",
        params![org.to_string(), name.as_str()],
    )
}

/// Members are created only in an existing organization (`NotFound` otherwise), rather than
/// failing on the foreign key with an opaque error.
fn require_organization(tx: &Transaction<'_>, org: OrganizationId) -> StoreResult<()> {
    let exists: Option<i64> = tx
        .query_row("SELECT 1 FROM organizations WHERE id = ?1", params![org.to_string()], |row| row.get(0))
        .optional()
        .db()?;
    exists.map(|_| ()).ok_or(StoreError::NotFound)
}

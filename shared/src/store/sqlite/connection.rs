//! The connections: one writer behind a mutex, a small pool of readers, each call on tokio's
//! blocking pool in one transaction; opening the private database file; SQLite's errors.

use super::*;
use rusqlite::{ErrorCode, OpenFlags, TransactionBehavior};
use std::time::Duration;

/// How long a write waits for another connection's (or process's) write lock before
/// giving up with `Unavailable`.
const BUSY_TIMEOUT: Duration = Duration::from_millis(5000);
/// Idle read connections kept open; more are opened under load and closed afterwards.
const MAX_IDLE_READERS: usize = 4;

impl SqliteStore {
    /// Runs `f` in an immediate (write-locked) transaction; commits when it returns `Ok`,
    /// rolls back otherwise.
    pub(super) async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let mut conn =
                inner.writer.lock().map_err(|_| StoreError::internal("the SQLite writer mutex is poisoned"))?;
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
            let out = f(&tx)?;
            tx.commit().db()?;
            Ok(out)
        })
        .await
    }

    /// Runs `f` in a read transaction on a pooled connection, so all its queries see one
    /// snapshot.
    pub(super) async fn read<T, F>(&self, f: F) -> StoreResult<T>
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
            .map_err(|_| StoreError::internal("the SQLite reader pool mutex is poisoned"))?
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

pub(super) async fn run_blocking<T, F>(f: F) -> StoreResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> StoreResult<T> + Send + 'static,
{
    tokio::task::spawn_blocking(f).await.map_err(|e| StoreError::internal_from("the SQLite task failed", e))?
}

// ---- opening -----------------------------------------------------------------------------

pub(super) fn io_error(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::unavailable_from(format!("{what} {}", path.display()), e)
}

pub(super) fn create_private_dir(dir: &Path) -> StoreResult<()> {
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
pub(super) fn create_private_file(path: &Path) -> StoreResult<()> {
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

pub(super) fn connect(path: &Path) -> StoreResult<Connection> {
    // No SQLITE_OPEN_CREATE: `open` created the file with the right mode.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).db()?;
    conn.busy_timeout(BUSY_TIMEOUT).db()?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0)).db()?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::internal(format!("SQLite refused WAL mode (journal_mode is {mode})")));
    }
    conn.pragma_update(None, "synchronous", "FULL").db()?;
    conn.pragma_update(None, "foreign_keys", "ON").db()?;
    Ok(conn)
}

// ---- errors ----------------------------------------------------------------------------

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
                StoreError::unavailable_from("SQLite", e)
            }
            _ => StoreError::internal_from("SQLite", e),
        })
    }
}

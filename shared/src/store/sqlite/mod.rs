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

mod audit;
mod connection;
mod credentials;
mod housekeeping;
mod leaks;
mod lookup;
mod organizations;
mod owners;
mod rows;
mod schema;
mod service_accounts;
mod sweep;
#[cfg(test)]
mod tests;
mod users;

use crate::clock::{Timestamp, sortable};
use crate::domain::{
    AuditContext, CredentialId, CredentialKind, CredentialRecord, Description, Email, Organization, OrganizationId,
    OrganizationName, Principal, PrincipalId, PrincipalType, Revocation, RevokedReason, ServiceAccount,
    ServiceAccountName, SweepTask, User,
};
use crate::store::{
    AuthorizationRead, CredentialFilter, CredentialLookup, CredentialStore, Housekeeping, OrganizationStore, Page,
    PageRequest, ServiceAccountStore, StoreError, StoreResult, UserChangeCheck, UserStore, UserUpdate, position,
};
use async_trait::async_trait;
use connection::{DbResultExt, connect, create_private_dir, create_private_file};
use rows::*;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "latchkey.db";

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
}

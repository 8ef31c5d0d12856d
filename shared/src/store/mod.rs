//! Persistence: one set of traits ([`Store`] and the narrow capabilities it combines, in
//! `capabilities.rs`), two implementations that must behave identically (the conformance
//! suite in `tests/` runs every behaviour against both).
//!
//! - [`dynamodb::DynamoDbStore`]: the deployed store, one table (layout: `infra/dynamodb-layout.md`).
//! - [`sqlite::SqliteStore`]: the embedded store for local runs.
//!
//! Rules every implementation keeps:
//! - Reads addressed by id are strongly consistent and never go through an index.
//! - Anything addressed within an organization that belongs to another one is `Ok(None)` /
//!   `NotFound`: the caller cannot tell it from an id that never existed.
//! - Multi-item changes are all or nothing.
//! - Revoke-all works by bumping the owner's epoch for that kind, in one write whatever the
//!   number of credentials; marking the old credentials revoked (and setting their purge
//!   time) is housekeeping done afterwards: recorded as a pending sweep in the same write,
//!   each item marked conditionally, a failure logged (not returned) and the sweep finished
//!   by the next [`Housekeeping::complete_pending_sweeps`].

mod capabilities;
pub mod dynamodb;
#[cfg(feature = "sqlite")]
pub mod sqlite;

pub use capabilities::{
    AuditStore, AuthorizationRead, CredentialLookup, CredentialStore, Housekeeping, OrganizationStore,
    ServiceAccountStore, Store, UserStore,
};

use crate::clock::{Timestamp, sortable};
use crate::domain::policy::Denial;
use crate::domain::{
    CredentialId, CredentialKind, CredentialRecord, PermissionLevel, PrincipalId, Roles, ServiceAccount, User,
};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule would be broken (organization name, email, service-account name).
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// The object addressed does not exist (in the caller's organization).
    #[error("not found")]
    NotFound,
    /// The change would leave the organization without an OWNER user who holds a live CLI
    /// token (SPEC section 7: the organization can always be entered).
    #[error("the organization must keep at least one owner who can sign in")]
    LastOwner,
    /// The caller's check refused the change, judged on the stored state (`update_user`).
    #[error("refused: {0}")]
    Denied(Denial),
    /// Something changed underneath (an epoch moved, a concurrent write won); retrying the
    /// whole operation is safe.
    #[error("a concurrent change won; retry")]
    Contention,
    /// A cursor position the store cannot have produced.
    #[error("invalid cursor position")]
    InvalidPosition,
    /// The store could not be reached or throttled us. `context` says what failed (an
    /// operation, an error code: never item contents or secrets); `source` is the error
    /// underneath, when there is one. Both are for logs only.
    #[error("store unavailable: {context}")]
    Unavailable {
        context: String,
        #[source]
        source: Option<ErrorSource>,
    },
    /// Anything else (a corrupt item, an unexpected response); as for `Unavailable`,
    /// `context` and `source` are for logs only.
    #[error("store failure: {context}")]
    Internal {
        context: String,
        #[source]
        source: Option<ErrorSource>,
    },
}

/// The error underneath a store failure: an SDK error, a `rusqlite::Error`, a serde error.
pub type ErrorSource = Box<dyn std::error::Error + Send + Sync + 'static>;

impl StoreError {
    /// `Internal`, with nothing underneath (a state the store cannot be in).
    pub fn internal(context: impl Into<String>) -> Self {
        StoreError::Internal { context: context.into(), source: None }
    }

    /// `Internal`, caused by `source`.
    pub fn internal_from(context: impl Into<String>, source: impl Into<ErrorSource>) -> Self {
        StoreError::Internal { context: context.into(), source: Some(source.into()) }
    }

    /// `Unavailable`, with nothing underneath (a bound ran out).
    pub fn unavailable(context: impl Into<String>) -> Self {
        StoreError::Unavailable { context: context.into(), source: None }
    }

    /// `Unavailable`, caused by `source`.
    pub fn unavailable_from(context: impl Into<String>, source: impl Into<ErrorSource>) -> Self {
        StoreError::Unavailable { context: context.into(), source: Some(source.into()) }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// One page of a list, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The sort position of the last item returned, when more may follow.
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// 1–100; validated by the API.
    pub max_items: usize,
    /// Start strictly after this sort position (from a previous page's `next`).
    pub after: Option<String>,
}

/// Which credentials a list returns. Lists are always within one organization and one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialFilter {
    pub kind: CredentialKind,
    pub owner: Option<PrincipalId>,
    pub last_six: Option<String>,
    /// false: only credentials not revoked (`revoked_at` unset) and not expired at `now`.
    /// Epoch revocation is judged by the caller, who has the owners.
    pub include_inactive: bool,
    pub now: Timestamp,
}

/// A change to a user's level, roles or suspension (`PATCH /users/{id}`), made at `at`
/// (which becomes the user's `owner_since` when this makes it an OWNER for the first time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserUpdate {
    pub permission_level: Option<PermissionLevel>,
    pub roles: Option<Roles>,
    pub suspended: Option<bool>,
    pub at: Timestamp,
}

impl UserUpdate {
    /// Names nothing to change.
    pub fn is_empty(&self) -> bool {
        self.permission_level.is_none() && self.roles.is_none() && self.suspended.is_none()
    }

    /// The user as this change leaves `before` (the domain's rules: `User::with_changes`,
    /// `User::with_suspension`); both stores write what this returns.
    pub fn apply(&self, before: &User) -> User {
        before.with_changes(self.permission_level, self.roles.clone(), self.at).with_suspension(self.suspended)
    }
}

/// Decides a user change on the user as stored (`before`) and as the change would leave it
/// (`after`), inside the store's atomic read-and-write, so the decision and the write see the
/// same state. The API passes the domain policy (`policy::may_change_user`) for its caller.
pub type UserChangeCheck = Arc<dyn Fn(&User, &User) -> Result<(), Denial> + Send + Sync>;

/// Decides a policy change on the policy it would leave (SPEC section 11's self-lockout
/// guard), inside the store's atomic read-and-write.
pub type PolicyCheck = Arc<dyn Fn(&crate::domain::OrganizationPolicy) -> Result<(), Denial> + Send + Sync>;

/// A [`UserChangeCheck`] that allows every change (operator actions, tests).
pub fn any_change() -> UserChangeCheck {
    Arc::new(|_, _| Ok(()))
}

/// Sort positions. Both stores order lists by the same strings, so a position from one is
/// meaningful to the other, and the conformance suite can compare them.
///
/// - users: ascending by `<created_at>#<id>`
/// - service accounts: descending by `<created_at>#<id>` (newest first)
/// - credentials: descending by `<owner_id>#<created_at>#<id>` (per owner, newest first)
pub mod position {
    use super::*;

    pub fn of_user(u: &User) -> String {
        format!("{}#{}", sortable(&u.created_at), u.id)
    }
    pub fn of_service_account(s: &ServiceAccount) -> String {
        format!("{}#{}", sortable(&s.created_at), s.id)
    }
    pub fn of_credential(c: &CredentialRecord) -> String {
        format!("{}#{}#{}", c.owner_id, sortable(&c.created_at), c.id)
    }

    /// Checks that `pos` has the shape `<timestamp>#<uuid>`; returns the id.
    pub fn parse_principal(pos: &str) -> StoreResult<PrincipalId> {
        let (ts, id) = pos.split_once('#').ok_or(StoreError::InvalidPosition)?;
        check_timestamp(ts)?;
        id.parse().map_err(|_| StoreError::InvalidPosition)
    }

    /// Checks that `pos` has the shape `<uuid>#<timestamp>#<uuid>`; returns (owner, credential).
    pub fn parse_credential(pos: &str) -> StoreResult<(PrincipalId, CredentialId)> {
        let mut parts = pos.splitn(3, '#');
        let (Some(owner), Some(ts), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(StoreError::InvalidPosition);
        };
        check_timestamp(ts)?;
        let owner = owner.parse().map_err(|_| StoreError::InvalidPosition)?;
        let id = id.parse().map_err(|_| StoreError::InvalidPosition)?;
        Ok((owner, id))
    }

    /// [`parse_credential`], and the position must belong to the list `filter` selects: under
    /// an owner filter, a position naming another owner is one no page of it produced. Both
    /// stores check a credential list's `after` with this.
    pub fn parse_credential_for(pos: &str, filter: &CredentialFilter) -> StoreResult<(PrincipalId, CredentialId)> {
        let (owner, id) = parse_credential(pos)?;
        if filter.owner.is_some_and(|o| o != owner) {
            return Err(StoreError::InvalidPosition);
        }
        Ok((owner, id))
    }

    fn check_timestamp(ts: &str) -> StoreResult<()> {
        let parsed = chrono::DateTime::parse_from_rfc3339(ts).map_err(|_| StoreError::InvalidPosition)?;
        if sortable(&parsed.with_timezone(&chrono::Utc)) != ts {
            return Err(StoreError::InvalidPosition);
        }
        Ok(())
    }
}

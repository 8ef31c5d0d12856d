//! Persistence: one trait, two implementations that must behave identically (the
//! conformance suite in `tests/` runs every behaviour against both).
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
//!   by the next [`Store::complete_pending_sweeps`].

pub mod dynamodb;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use crate::clock::{Timestamp, sortable};
use crate::domain::policy::Denial;
use crate::domain::{
    CredentialId, CredentialKind, CredentialRecord, Email, Organization, OrganizationId, OrganizationName,
    PermissionLevel, Principal, PrincipalId, Revocation, Roles, ServiceAccount, ServiceAccountName, User,
};
use async_trait::async_trait;
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
    /// The store could not be reached or throttled us; the detail is for logs only.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Anything else (a corrupt item, an unexpected response); the detail is for logs only.
    #[error("store failure: {0}")]
    Internal(String),
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

/// A change to a user's level or roles (`PATCH /users/{id}`), made at `at` (which becomes
/// the user's `owner_since` when this makes it an OWNER for the first time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserUpdate {
    pub permission_level: Option<PermissionLevel>,
    pub roles: Option<Roles>,
    pub at: Timestamp,
}

impl UserUpdate {
    /// Names nothing to change.
    pub fn is_empty(&self) -> bool {
        self.permission_level.is_none() && self.roles.is_none()
    }
}

/// Decides a user change on the user as stored (`before`) and as the change would leave it
/// (`after`), inside the store's atomic read-and-write, so the decision and the write see the
/// same state. The API passes the domain policy (`policy::may_change_user`) for its caller.
pub type UserChangeCheck = Arc<dyn Fn(&User, &User) -> Result<(), Denial> + Send + Sync>;

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

    fn check_timestamp(ts: &str) -> StoreResult<()> {
        let parsed = chrono::DateTime::parse_from_rfc3339(ts).map_err(|_| StoreError::InvalidPosition)?;
        if sortable(&parsed.with_timezone(&chrono::Utc)) != ts {
            return Err(StoreError::InvalidPosition);
        }
        Ok(())
    }
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    // ---- organizations -------------------------------------------------------------

    /// Creates an organization, its first OWNER user and that user's first CLI token, all
    /// or nothing. `Conflict("organization")` if the name (case-insensitively) exists.
    async fn create_organization(
        &self,
        org: &Organization,
        owner: &User,
        first_token: &CredentialRecord,
    ) -> StoreResult<()>;

    async fn find_organization_by_name(&self, name: &OrganizationName) -> StoreResult<Option<Organization>>;

    // ---- users ------------------------------------------------------------------------

    /// Creates a user with its first CLI token, all or nothing. `Conflict("email")` if the
    /// email is taken in the organization.
    async fn create_user(&self, user: &User, first_token: &CredentialRecord) -> StoreResult<()>;

    async fn get_user(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<User>>;

    async fn find_user_by_email(&self, org: OrganizationId, email: &Email) -> StoreResult<Option<User>>;

    /// Oldest first.
    async fn list_users(&self, org: OrganizationId, page: &PageRequest) -> StoreResult<Page<User>>;

    /// Changes level and/or roles (`User::with_changes`: `owner_since` is written with the
    /// change when the user is or becomes OWNER and lacks it), if `check` allows it on the
    /// stored user (`Denied` otherwise, nothing written). `NotFound`; `LastOwner` if this
    /// would demote the last live owner (`User::is_live_owner`; atomically: two concurrent
    /// demotions cannot both succeed).
    async fn update_user(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        update: &UserUpdate,
        check: UserChangeCheck,
    ) -> StoreResult<User>;

    /// Removes a user; all its credentials stop working at once (the owner item is gone).
    /// `NotFound`; `LastOwner` if it is the last live owner. Its credentials are then marked
    /// revoked with `revocation` (housekeeping).
    async fn delete_user(&self, org: OrganizationId, id: PrincipalId, revocation: Revocation) -> StoreResult<()>;

    // ---- service accounts -------------------------------------------------------------

    /// Creates a service account with its first API key, all or nothing.
    /// `Conflict("service account")` if the name is taken in the organization.
    async fn create_service_account(&self, account: &ServiceAccount, first_key: &CredentialRecord) -> StoreResult<()>;

    async fn get_service_account(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<ServiceAccount>>;

    async fn find_service_account_by_name(
        &self,
        org: OrganizationId,
        name: &ServiceAccountName,
    ) -> StoreResult<Option<ServiceAccount>>;

    /// Newest first.
    async fn list_service_accounts(&self, org: OrganizationId, page: &PageRequest)
    -> StoreResult<Page<ServiceAccount>>;

    /// Removes a service account; its keys stop working at once. `NotFound`.
    async fn delete_service_account(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        revocation: Revocation,
    ) -> StoreResult<()>;

    /// Principals of `org` among `ids` (users and service accounts), in one round trip.
    /// Missing or foreign ids are simply absent from the result.
    async fn get_principals(&self, org: OrganizationId, ids: &[PrincipalId]) -> StoreResult<Vec<Principal>>;

    // ---- credentials -------------------------------------------------------------------

    /// Stores a new credential, on condition that its owner exists in its organization
    /// and the owner's epoch for this kind still equals `credential.epoch`
    /// (`Contention` otherwise; `NotFound` if the owner is gone). This is what makes a key
    /// issued concurrently with a rotation either fully valid or never acknowledged.
    async fn issue_credential(&self, credential: &CredentialRecord) -> StoreResult<()>;

    /// Revokes every credential of `kind` owned by `owner` by bumping the owner's epoch from
    /// `credential.epoch - 1`, and stores `credential` (issued under the new epoch), all or
    /// nothing. `Contention` if the epoch moved; `NotFound` if the owner is gone. A user's
    /// CLI token is live afterwards (an OWNER counts again as a live owner).
    async fn rotate_credentials(&self, credential: &CredentialRecord, revocation: Revocation) -> StoreResult<()>;

    /// Revokes every credential of `kind` owned by `owner` (epoch bump). For CLI tokens the
    /// user holds no live one afterwards; with `keep_an_owner`, that is refused with
    /// `LastOwner` when the user is the organization's last live owner (it may not lock the
    /// organization out). `NotFound` if no such owner.
    async fn revoke_all_credentials(
        &self,
        org: OrganizationId,
        owner: PrincipalId,
        kind: CredentialKind,
        revocation: Revocation,
        keep_an_owner: bool,
    ) -> StoreResult<()>;

    /// Revokes one credential (sets `revoked_at` and the purge time). Revoking a revoked
    /// credential keeps its first revocation time. `NotFound` (also for another org's).
    async fn revoke_credential(
        &self,
        org: OrganizationId,
        id: CredentialId,
        revocation: Revocation,
    ) -> StoreResult<CredentialRecord>;

    async fn get_credential(&self, org: OrganizationId, id: CredentialId) -> StoreResult<Option<CredentialRecord>>;

    /// Sets or clears the description. `NotFound`.
    async fn set_credential_description(
        &self,
        org: OrganizationId,
        id: CredentialId,
        description: Option<&crate::domain::Description>,
    ) -> StoreResult<CredentialRecord>;

    /// Credentials of one kind in one organization, per `filter`, in credential order.
    async fn list_credentials(
        &self,
        org: OrganizationId,
        filter: &CredentialFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<CredentialRecord>>;

    // ---- housekeeping --------------------------------------------------------------------

    /// Carries out the sweeps a failure left pending ([`crate::domain::SweepTask`]: each
    /// revoke-all, rotation and removal records its sweep in its own atomic write), oldest
    /// first, resuming a half-done one where it stopped. Returns how many tasks it ran; stops
    /// at the first failure, leaving the rest for the next run. `latchkey serve` runs it at
    /// start and hourly; in AWS the scheduled housekeeping function does.
    async fn complete_pending_sweeps(&self) -> StoreResult<usize>;

    // ---- upgrades ------------------------------------------------------------------------

    /// The one-time backfill of user records written before `owner_since` and
    /// `cli_token_live` existed (`User::backfilled`): every OWNER gets `owner_since`, and each
    /// user's CLI-token liveness is read from its credentials (an owner whose CLI tokens were
    /// all revoked stops counting as a live owner). Idempotent and safe beside live traffic;
    /// returns how many users it changed.
    async fn backfill_identity(&self, now: Timestamp) -> StoreResult<usize>;

    // ---- the authorizer's path ---------------------------------------------------------

    /// The credential and its owner, in one strongly consistent round trip, addressed only
    /// by what the token's locator holds. Either may be absent.
    async fn lookup_credential_and_owner(
        &self,
        owner: PrincipalId,
        credential: CredentialId,
    ) -> StoreResult<(Option<CredentialRecord>, Option<Principal>)>;

    /// Records `at` as the credential's `last_used_at` unless it was recorded after
    /// `unless_used_since` (the once-a-minute throttle). Conditioned on the credential
    /// existing: it never resurrects a purged item. A lost condition is not an error.
    async fn record_last_used(
        &self,
        credential: CredentialId,
        at: Timestamp,
        unless_used_since: Timestamp,
    ) -> StoreResult<()>;
}

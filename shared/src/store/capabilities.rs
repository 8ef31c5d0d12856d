//! The store's capabilities: narrow traits, one per aggregate, and [`Store`], which is all of
//! them. A caller depends on what it uses (the authorizer on [`CredentialLookup`] alone);
//! callers that need everything hold an `Arc<dyn Store>`. Every implementation of all the
//! narrow traits is a `Store` (the blanket impl below).
//!
//! Every change takes the [`AuditContext`] of its request and writes the change's audit events
//! (built by `domain::audit`'s builders from the records as the store reads and writes them)
//! in the same atomic write as the change; a change that fails or is refused writes none.
//!
//! `tests/wiring/agreement/iam.rs` reads the method names of every trait in this file: each
//! method is one row of its table of DynamoDB rights.

use super::{CredentialFilter, Page, PageRequest, PolicyCheck, StoreResult, UserChangeCheck, UserUpdate};
use crate::clock::Timestamp;
use crate::domain::{
    AuditContext, AuditEvent, AuditEventId, AuditFilter, CredentialId, CredentialKind, CredentialRecord, Description,
    Email, Organization, OrganizationId, OrganizationName, OrganizationPolicy, PolicyChange, Principal, PrincipalId,
    Revocation, SecretHash, ServiceAccount, ServiceAccountName, User,
};
use async_trait::async_trait;

/// Organizations: created with their first owner, found by name.
#[async_trait]
pub trait OrganizationStore: Send + Sync {
    /// Creates an organization, its first OWNER user and that user's first CLI token, all
    /// or nothing. `Conflict("organization")` if the name (case-insensitively) exists.
    async fn create_organization(
        &self,
        org: &Organization,
        owner: &User,
        first_token: &CredentialRecord,
        audit: &AuditContext,
    ) -> StoreResult<()>;

    async fn find_organization_by_name(&self, name: &OrganizationName) -> StoreResult<Option<Organization>>;

    /// The organization (strongly consistent), with its policy.
    async fn get_organization(&self, org: OrganizationId) -> StoreResult<Option<Organization>>;

    /// Applies `change` to the stored policy if `check` allows the policy it would make
    /// (`Denied` otherwise, nothing written), atomically with its `organization.policy_updated`
    /// event; the same values again write nothing. `NotFound`.
    async fn update_organization_policy(
        &self,
        org: OrganizationId,
        change: &PolicyChange,
        check: PolicyCheck,
        audit: &AuditContext,
    ) -> StoreResult<Organization>;
}

/// Users: the human members of an organization.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates a user with its first CLI token, all or nothing. `Conflict("email")` if the
    /// email is taken in the organization.
    async fn create_user(&self, user: &User, first_token: &CredentialRecord, audit: &AuditContext) -> StoreResult<()>;

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
        audit: &AuditContext,
    ) -> StoreResult<User>;

    /// Removes a user; all its credentials stop working at once (the owner item is gone).
    /// `NotFound`; `LastOwner` if it is the last live owner. Its credentials are then marked
    /// revoked with `revocation` (housekeeping).
    async fn delete_user(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()>;
}

/// Service accounts: the non-human members of an organization.
#[async_trait]
pub trait ServiceAccountStore: Send + Sync {
    /// Creates a service account with its first API key, all or nothing.
    /// `Conflict("service account")` if the name is taken in the organization.
    async fn create_service_account(
        &self,
        account: &ServiceAccount,
        first_key: &CredentialRecord,
        audit: &AuditContext,
    ) -> StoreResult<()>;

    async fn get_service_account(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<ServiceAccount>>;

    async fn find_service_account_by_name(
        &self,
        org: OrganizationId,
        name: &ServiceAccountName,
    ) -> StoreResult<Option<ServiceAccount>>;

    /// Newest first.
    async fn list_service_accounts(&self, org: OrganizationId, page: &PageRequest)
    -> StoreResult<Page<ServiceAccount>>;

    /// Suspends (`true`) or unsuspends a service account (SPEC section 10), with its
    /// `service_account.updated` event when that changes anything; returns the account as
    /// it is now. `NotFound`.
    async fn set_service_account_suspended(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        suspended: bool,
        audit: &AuditContext,
    ) -> StoreResult<ServiceAccount>;

    /// Removes a service account; its keys stop working at once. `NotFound`.
    async fn delete_service_account(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()>;
}

/// Credentials (CLI tokens, API keys, access tokens) and the principals that hold them.
#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// Stores a new credential, on condition that its owner exists in its organization
    /// and the owner's epoch for this kind still equals `credential.epoch`
    /// (`Contention` otherwise; `NotFound` if the owner is gone). This is what makes a key
    /// issued concurrently with a rotation either fully valid or never acknowledged.
    async fn issue_credential(&self, credential: &CredentialRecord, audit: &AuditContext) -> StoreResult<()>;

    /// Revokes every credential of `kind` owned by `owner` by bumping the owner's epoch from
    /// `credential.epoch - 1`, and stores `credential` (issued under the new epoch), all or
    /// nothing. `Contention` if the epoch moved; `NotFound` if the owner is gone. A user's
    /// CLI token is live afterwards (an OWNER counts again as a live owner).
    async fn rotate_credentials(
        &self,
        credential: &CredentialRecord,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()>;

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
        audit: &AuditContext,
    ) -> StoreResult<()>;

    /// Revokes one credential (sets `revoked_at` and the purge time). Revoking a revoked
    /// credential keeps its first revocation time (and writes no event). `NotFound` (also for
    /// another org's).
    async fn revoke_credential(
        &self,
        org: OrganizationId,
        id: CredentialId,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<CredentialRecord>;

    async fn get_credential(&self, org: OrganizationId, id: CredentialId) -> StoreResult<Option<CredentialRecord>>;

    /// Rolls one credential (SPEC section 10): stores `successor` (conditioned on its owner's
    /// epoch, like `issue_credential`) and marks `old`, as read, superseded at
    /// `revocation.at` (graced: `superseded_until`, it works until then; otherwise revoked
    /// now), with one `credential.rotated` event, in one atomic write. `Contention` when
    /// `old` was revoked or rolled meanwhile, or the epoch moved; `NotFound` when it is gone.
    async fn roll_credential(
        &self,
        old: &CredentialRecord,
        successor: &CredentialRecord,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()>;

    /// A leak report's match (SPEC section 12), addressed by the token's locator alone (a
    /// report is global: no organization is known). Reads the credential first (strongly
    /// consistent); only when `presented` equals its stored hash (`domain::LeakMatch`,
    /// constant time) reads its owner; and when the credential still works, revokes it and
    /// writes `credential.leak_reported` in its organization in one atomic write, with the
    /// owner's CLI-token liveness and the live-owner count following unguarded
    /// (`domain::LeakRevocation`: a leak wins over the last-owner guard). Returns the
    /// organization of what it revoked; `None` (nothing written) for an unknown credential,
    /// a wrong hash, or one that no longer works.
    async fn revoke_leaked(
        &self,
        owner: PrincipalId,
        credential: CredentialId,
        presented: &SecretHash,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<Option<OrganizationId>>;

    /// Sets or clears the description (the same value again: no write, no event). `NotFound`.
    async fn set_credential_description(
        &self,
        org: OrganizationId,
        id: CredentialId,
        description: Option<&Description>,
        audit: &AuditContext,
    ) -> StoreResult<CredentialRecord>;

    /// Disables or enables a credential (SPEC section 10): writes `after`'s `disabled_at` and
    /// `disabled_by` on condition that the stored credential still has `before`'s and is not
    /// revoked (`Contention` otherwise: read again and decide again; `NotFound`), with its
    /// `credential.updated` event (none, and no write, when the two agree). The decision is
    /// the domain's, made by the caller on `before` (`CredentialRecord::with_disabled`,
    /// `policy::may_enable`).
    async fn set_credential_disabled(
        &self,
        before: &CredentialRecord,
        after: &CredentialRecord,
        audit: &AuditContext,
    ) -> StoreResult<CredentialRecord>;

    /// Credentials of one kind in one organization, per `filter`, in credential order.
    async fn list_credentials(
        &self,
        org: OrganizationId,
        filter: &CredentialFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<CredentialRecord>>;

    /// Principals of `org` among `ids` (users and service accounts), in one round trip.
    /// Missing or foreign ids are simply absent from the result.
    async fn get_principals(&self, org: OrganizationId, ids: &[PrincipalId]) -> StoreResult<Vec<Principal>>;
}

/// The audit log: read only. Events are written by the changes they record, never alone.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// One event of `org` (strongly consistent); another organization's is `None`.
    async fn get_audit_event(&self, org: OrganizationId, id: AuditEventId) -> StoreResult<Option<AuditEvent>>;

    /// Events of `org` that `filter` admits, newest first (by id); positions are event ids.
    /// Strongly consistent: an event is listed as soon as its change is acknowledged.
    async fn list_audit_events(
        &self,
        org: OrganizationId,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEvent>>;

    /// Every organization's events with `since <= time < until`, in pages (`latchkey audit
    /// replay`: an operator's action, which may read the whole log).
    async fn audit_events_between(
        &self,
        since: Timestamp,
        until: Timestamp,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEvent>>;
}

/// Work done outside requests: pending sweeps, one-time upgrades of stored records.
#[async_trait]
pub trait Housekeeping: Send + Sync {
    /// Carries out the sweeps a failure left pending ([`crate::domain::SweepTask`]: each
    /// revoke-all, rotation and removal records its sweep in its own atomic write), oldest
    /// first, resuming a half-done one where it stopped. Returns how many tasks it ran; stops
    /// at the first failure, leaving the rest for the next run. `latchkey serve` runs it at
    /// start and hourly; in AWS the scheduled housekeeping function does.
    /// Tasks not yet due at `now` (a graced rotation's sweep, due when its grace ends) stay
    /// pending; returns how many ran.
    async fn complete_pending_sweeps(&self, now: Timestamp) -> StoreResult<usize>;

    /// The one-time backfill of user records written before `owner_since` and
    /// `cli_token_live` existed (`User::backfilled`): every OWNER gets `owner_since`, and each
    /// user's CLI-token liveness is read from its credentials (an owner whose CLI tokens were
    /// all revoked stops counting as a live owner). Idempotent and safe beside live traffic;
    /// returns how many users it changed.
    async fn backfill_identity(&self, now: Timestamp) -> StoreResult<usize>;

    /// Writes one `credential.expiring` event (`audit`'s builder, actor operator) for each live
    /// credential that expires within `(now, now + within]` and has had none, marking the
    /// credential in the same atomic write so it never gets a second. Returns how many.
    async fn record_expiry_notices(&self, within: chrono::Duration, audit: &AuditContext) -> StoreResult<usize>;
}

/// What the authorizer reads for one token: the credential, its owner, and the policy of
/// an organization (the token's, or for a v1 token its owner's), each absent when no item
/// backs it. A policy that is absent while its organization exists is a broken table (the
/// authorizer fails): never "no policy".
#[derive(Debug, Clone, Default)]
pub struct AuthorizationRead {
    pub credential: Option<CredentialRecord>,
    pub owner: Option<Principal>,
    pub policy: Option<(OrganizationId, OrganizationPolicy)>,
}

/// The authorizer's path: everything it needs, and nothing else.
#[async_trait]
pub trait CredentialLookup: Send + Sync {
    /// The credential, its owner and `organization`'s policy, in one strongly consistent
    /// round trip when the token names its organization (format v2); for a v1 token
    /// (`organization` is `None`) the owner's organization's policy, which costs a second
    /// read once the owner is known (none when no owner was found).
    async fn read_for_authorization(
        &self,
        organization: Option<OrganizationId>,
        owner: PrincipalId,
        credential: CredentialId,
    ) -> StoreResult<AuthorizationRead>;

    /// The credential and its owner, in one strongly consistent round trip, addressed only
    /// by what the token's locator holds. Either may be absent.
    async fn lookup_credential_and_owner(
        &self,
        owner: PrincipalId,
        credential: CredentialId,
    ) -> StoreResult<(Option<CredentialRecord>, Option<Principal>)>;

    /// Records `at` as the credential's `last_used_at`, and `source_ip` (the request's, `None`
    /// when unknown) as its `last_used_ip` in the same write (SPEC section 10), unless it was recorded after
    /// `unless_used_since` (the once-a-minute throttle: `domain::last_use_is_due`, judged on
    /// the stored value). Conditioned on the credential
    /// existing: it never resurrects a purged item. A lost condition is not an error.
    async fn record_last_used(
        &self,
        credential: CredentialId,
        at: Timestamp,
        unless_used_since: Timestamp,
        source_ip: Option<&str>,
    ) -> StoreResult<()>;
}

/// Everything a store does: what the API's handlers, the operator actions and the local
/// server hold (`Arc<dyn Store>`).
pub trait Store:
    OrganizationStore
    + UserStore
    + ServiceAccountStore
    + CredentialStore
    + AuditStore
    + Housekeeping
    + CredentialLookup
    + 'static
{
}

impl<T> Store for T where
    T: OrganizationStore
        + UserStore
        + ServiceAccountStore
        + CredentialStore
        + AuditStore
        + Housekeeping
        + CredentialLookup
        + 'static
{
}

//! Domain types and rules. No store, HTTP or AWS types here: everything is a plain value
//! built through a validating constructor ("parse, don't validate").

mod access;
pub mod audit;
mod credential_values;
mod error;
mod grace;
mod holding;
mod ids;
mod last_use;
mod leak;
mod lifecycle;
mod names;
pub mod org_policy;
mod ownership;
pub mod policy;
pub mod scope;
mod sweep;
pub mod text;

pub use access::{PermissionLevel, PrincipalType, Role, Roles};
pub use audit::{AuditAction, AuditContext, AuditEvent, AuditEventId, AuditFilter};
pub use credential_values::{CredentialKind, CredentialStatus, Description, LifespanDays, SecretHash};
pub use error::DomainError;
pub use grace::{GracePeriod, Standing};
pub use holding::Epoch;
pub use ids::{CredentialId, OrganizationId, PrincipalId};
pub use last_use::{LAST_USED_INTERVAL_SECONDS, last_use_cutoff, last_use_is_due};
pub use leak::{LeakMatch, LeakRevocation};
pub use lifecycle::{DisableRefusal, DisabledChange, Lifecycle, RevokedReason};
pub use names::{Email, OrganizationName, ServiceAccountName, parse_display_name};
pub use org_policy::{IpRanges, OrganizationPolicy, PolicyChange};
pub use ownership::LiveOwnerChange;
pub use scope::{Scope, Scopes};
pub use sweep::SweepTask;

use crate::clock::Timestamp;
use chrono::Duration;
use serde::{Deserialize, Serialize};

/// A tenant. Nothing crosses organizations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: OrganizationName,
    pub created_at: Timestamp,
    /// SPEC section 11. Records written before it existed have the default: no limits of
    /// their own, any address.
    #[serde(default, skip_serializing_if = "OrganizationPolicy::is_default")]
    pub policy: OrganizationPolicy,
}

/// A human member of one organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: PrincipalId,
    pub organization_id: OrganizationId,
    pub email: Email,
    pub name: String,
    pub permission_level: PermissionLevel,
    pub roles: Roles,
    pub created_at: Timestamp,
    pub created_by: Option<PrincipalId>,
    /// CLI tokens issued under an older epoch are revoked (see SPEC section 2).
    pub cli_token_epoch: u64,
    /// When the user first became OWNER: set once, never cleared (SPEC section 7). A user
    /// with it is protected whatever its level now. Absent in records written before it
    /// existed; the stores' backfill and every level-changing write fill it in.
    #[serde(default)]
    pub owner_since: Option<Timestamp>,
    /// Whether the user holds a live CLI token: true from its creation (which issues the
    /// first one) and after every rotation, false after a revoke-all. The last-owner guard
    /// counts OWNER users with one. Records written before it existed read as true: that is
    /// how the organizations' owner counts counted them (the backfill corrects the rare
    /// owner whose tokens were all revoked).
    #[serde(default = "ownership::live_unless_recorded")]
    pub cli_token_live: bool,
    /// Suspended (SPEC section 10): every credential of the user is refused while set, and
    /// the last-owner guard counts it as gone. Absent in older records: not suspended.
    #[serde(default)]
    pub suspended: bool,
    /// CLI tokens of epoch `cli_token_epoch - 1` work until then (a rotation's grace, SPEC
    /// section 10; see `grace.rs`). Absent: none does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cli_token_grace_until: Option<Timestamp>,
}

/// A non-human member of one organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAccount {
    pub id: PrincipalId,
    pub organization_id: OrganizationId,
    pub name: ServiceAccountName,
    pub email: Email,
    pub permission_level: PermissionLevel,
    pub created_at: Timestamp,
    pub created_by: Option<PrincipalId>,
    /// API keys issued under an older epoch are revoked.
    pub api_key_epoch: u64,
    /// Suspended (SPEC section 10): every key of the account is refused while set. Absent in
    /// older records: not suspended.
    #[serde(default)]
    pub suspended: bool,
    /// API keys of epoch `api_key_epoch - 1` work until then (a rotation's grace, SPEC
    /// section 10; see `grace.rs`). Absent: none does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_grace_until: Option<Timestamp>,
}

/// Either kind of member: what a credential belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "principal_type", rename_all = "snake_case")]
pub enum Principal {
    User(User),
    ServiceAccount(ServiceAccount),
}

impl Principal {
    pub fn id(&self) -> PrincipalId {
        match self {
            Principal::User(u) => u.id,
            Principal::ServiceAccount(s) => s.id,
        }
    }
    pub fn organization_id(&self) -> OrganizationId {
        match self {
            Principal::User(u) => u.organization_id,
            Principal::ServiceAccount(s) => s.organization_id,
        }
    }
    pub fn email(&self) -> &Email {
        match self {
            Principal::User(u) => &u.email,
            Principal::ServiceAccount(s) => &s.email,
        }
    }
    pub fn permission_level(&self) -> PermissionLevel {
        match self {
            Principal::User(u) => u.permission_level,
            Principal::ServiceAccount(s) => s.permission_level,
        }
    }
    pub fn roles(&self) -> Roles {
        match self {
            Principal::User(u) => u.roles.clone(),
            Principal::ServiceAccount(_) => Roles::default(),
        }
    }
    pub fn principal_type(&self) -> PrincipalType {
        match self {
            Principal::User(_) => PrincipalType::User,
            Principal::ServiceAccount(_) => PrincipalType::ServiceAccount,
        }
    }
    /// Suspended: none of its credentials is accepted (SPEC section 10).
    pub fn is_suspended(&self) -> bool {
        match self {
            Principal::User(u) => u.suspended,
            Principal::ServiceAccount(s) => s.suspended,
        }
    }
}

/// What the store keeps of a credential: never the plaintext, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialRecord {
    pub id: CredentialId,
    pub organization_id: OrganizationId,
    pub kind: CredentialKind,
    pub owner_id: PrincipalId,
    pub owner_email: Email,
    pub secret_hash: SecretHash,
    pub last_six: String,
    /// The owner's epoch for this kind when the credential was issued.
    pub epoch: u64,
    pub description: Option<Description>,
    pub created_at: Timestamp,
    pub created_by: Option<PrincipalId>,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    /// Purge time (the table's TTL): expiry or revocation plus the retention period.
    pub purge_at: Option<Timestamp>,
    /// `None`: unscoped (the principal's whole power); `Some` (possibly empty): only these
    /// (SPEC section 9). Records written before scopes existed read as unscoped, which is
    /// what they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Scopes>,
    /// Disabled or not, why it was revoked, where it was last used (SPEC section 10).
    #[serde(flatten)]
    pub lifecycle: Lifecycle,
    /// Rolled (SPEC section 10, `POST /api-keys/{id}/rotate` with a grace): a successor
    /// replaces this credential, which works until then and is revoked (reason `rotated`)
    /// from then on. Absent: not rolled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_until: Option<Timestamp>,
    /// Where it may be used from, besides the organization's ranges (SPEC section 11): empty,
    /// anywhere the organization allows.
    #[serde(default, skip_serializing_if = "IpRanges::is_empty")]
    pub allowed_ip_ranges: IpRanges,
}

impl CredentialRecord {
    /// Status as seen at `now`, given the owner as it is now (`None`: the owner is gone).
    /// A credential of the generation a rotation replaced works until its grace ends
    /// (`grace.rs`; the sweep that writes its `revoked_at` waits until then), and a rolled
    /// one until its `superseded_until`.
    pub fn status(&self, now: Timestamp, owner: Option<&Principal>) -> CredentialStatus {
        let owner = owner.filter(|o| o.id() == self.owner_id && o.organization_id() == self.organization_id);
        match owner.and_then(|o| o.standing(self.kind, self.epoch, now)) {
            _ if self.revoked_at.is_some() => CredentialStatus::Revoked,
            _ if self.superseded_until.is_some_and(|at| at <= now) => CredentialStatus::Revoked,
            None | Some(Standing::Superseded) => CredentialStatus::Revoked,
            Some(_) => match self.effective_expires_at(now, owner) {
                Some(exp) if exp <= now => CredentialStatus::Expired,
                _ if self.lifecycle.disabled_at.is_some() => CredentialStatus::Disabled,
                _ => CredentialStatus::Active,
            },
        }
    }

    /// Why it stopped (`None` while it is not revoked): the reason its revocation wrote; for
    /// a record revoked before reasons existed, `revoked`; for one an epoch bump or its
    /// owner's removal revoked and no sweep has marked yet, what the owner tells.
    pub fn revoked_reason(&self, now: Timestamp, owner: Option<&Principal>) -> Option<RevokedReason> {
        if self.status(now, owner) != CredentialStatus::Revoked {
            return None;
        }
        if let Some(reason) = self.lifecycle.revoked_reason {
            return Some(reason);
        }
        if self.revoked_at.is_some() {
            return Some(RevokedReason::Revoked);
        }
        // Rolled, and its successor's grace is over.
        if self.superseded_until.is_some() {
            return Some(RevokedReason::Rotated);
        }
        let owner = owner.filter(|o| o.id() == self.owner_id && o.organization_id() == self.organization_id);
        Some(match owner {
            None => RevokedReason::OwnerRemoved,
            // A user's rotation leaves it a live CLI token; its revoke-all none.
            Some(Principal::User(user)) if self.kind == CredentialKind::CliToken && user.cli_token_live => {
                RevokedReason::Rotated
            }
            // A graced rotation leaves its grace's end on the owner item (until the sweep,
            // due then, writes the reason); a revoke-all clears it.
            Some(o) if self.kind.epoch().is_some_and(|e| o.grace_until(e).is_some()) => RevokedReason::Rotated,
            // Otherwise the owner item does not tell a rotation from a revoke-all: both
            // revoked every older credential of the kind.
            Some(_) => RevokedReason::RevokedAll,
        })
    }

    /// When an expiring credential should be purged if nothing revokes it first.
    pub fn purge_time_for_expiry(expires_at: Option<Timestamp>, retention: Duration) -> Option<Timestamp> {
        expires_at.map(|e| e + retention)
    }
}

/// A revocation's two times: when it happened, and when its item may be purged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revocation {
    pub at: Timestamp,
    pub purge_at: Timestamp,
    /// Why: each store path names its own ([`Revocation::because`]); `revoked` until then.
    pub reason: RevokedReason,
    /// A rotation's grace: the replaced generation works until `at` (`grace.rs`).
    pub graced: bool,
}

impl Revocation {
    pub fn new(at: Timestamp, retention: Duration) -> Self {
        Self { at, purge_at: at + retention, reason: RevokedReason::Revoked, graced: false }
    }

    /// The same revocation, for `reason`.
    pub fn because(self, reason: RevokedReason) -> Self {
        Self { reason, ..self }
    }

    /// `credential` as this revocation leaves it.
    pub fn apply(&self, credential: &mut CredentialRecord) {
        credential.revoked_at = Some(self.at);
        credential.purge_at = Some(self.purge_at);
        credential.lifecycle.revoked_reason = Some(self.reason);
    }
}

/// Who is calling, as the authorizer established it. Flat, so it travels as API Gateway
/// authorizer context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    pub principal_type: PrincipalType,
    pub id: PrincipalId,
    pub email: Email,
    pub organization_id: OrganizationId,
    pub permission_level: PermissionLevel,
    pub roles: Roles,
    pub credential: CallerCredential,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerCredential {
    pub id: CredentialId,
    pub kind: CredentialKind,
    pub last_six: String,
    pub expires_at: Option<Timestamp>,
    /// `None`: unscoped.
    pub scopes: Option<Scopes>,
    /// The credential's own ranges (empty: none of its own). What it creates stays within.
    pub allowed_ip_ranges: IpRanges,
}

impl Caller {
    pub fn from_principal(principal: &Principal, credential: &CredentialRecord) -> Self {
        Self {
            principal_type: principal.principal_type(),
            id: principal.id(),
            email: principal.email().clone(),
            organization_id: principal.organization_id(),
            permission_level: principal.permission_level(),
            roles: principal.roles(),
            credential: CallerCredential {
                id: credential.id,
                kind: credential.kind,
                last_six: credential.last_six.clone(),
                expires_at: credential.expires_at,
                scopes: credential.scopes.clone(),
                allowed_ip_ranges: credential.allowed_ip_ranges.clone(),
            },
        }
    }
    pub fn is_owner(&self) -> bool {
        self.permission_level == PermissionLevel::Owner
    }
    pub fn is_user(&self) -> bool {
        self.principal_type == PrincipalType::User
    }
    /// Authenticated by an access token: automation within its holder's power, never over
    /// identity (SPEC section 7).
    pub fn is_access_token(&self) -> bool {
        self.credential.kind == CredentialKind::AccessToken
    }
    /// Authenticated by a persistent credential: an unscoped one without expiry (a CLI token,
    /// an unscoped API key without expiry). Raising power, and lowering an owner's, needs one.
    pub fn is_persistent(&self) -> bool {
        !self.is_access_token() && self.credential.expires_at.is_none() && !self.is_scoped()
    }
    /// Authenticated by a credential that carries scopes (possibly none): it may do only
    /// what they name, within its principal's power (SPEC section 9).
    pub fn is_scoped(&self) -> bool {
        self.credential.scopes.is_some()
    }
}

//! A credential's lifecycle beside its revocation (SPEC section 10): disabling and enabling
//! it, and why it stopped. Decided here once for both stores and every route.
//!
//! Disable and enable: a disabled credential is refused from the very next request (its
//! status is `disabled`, which the authorizer reads on the item it already fetches); a
//! revoked one stays revoked (enabling or disabling it is a conflict). What an OWNER other
//! than its holder disabled is an investigation: only an OWNER other than the holder, with a
//! persistent credential, ends it; what the holder disabled itself, it may enable again.

use super::{CredentialRecord, PrincipalId};
use crate::clock::Timestamp;
use serde::{Deserialize, Serialize};

/// Why a credential was revoked (`revoked_reason` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokedReason {
    /// Revoked alone (`DELETE /api-keys/{id}`, `PATCH /tokens/{id} {revoked}`).
    Revoked,
    /// A revoke-all of its kind.
    RevokedAll,
    /// A rotation of its kind.
    Rotated,
    /// Its owner was removed (a user) or deleted (a service account).
    OwnerRemoved,
    /// Reported as leaked (SPEC section 12).
    Leaked,
}

impl RevokedReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            RevokedReason::Revoked => "revoked",
            RevokedReason::RevokedAll => "revoked_all",
            RevokedReason::Rotated => "rotated",
            RevokedReason::OwnerRemoved => "owner_removed",
            RevokedReason::Leaked => "leaked",
        }
    }
}

/// What a credential records beside its creation and revocation times. Absent in records
/// written before it existed: those read as enabled, with no reason and no last-use address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// When it was disabled; `None`: enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<Timestamp>,
    /// Who disabled it (a principal id; the holder itself or an OWNER).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_by: Option<PrincipalId>,
    /// Why it was revoked, written by the revocation (or the sweep that marks it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_reason: Option<RevokedReason>,
    /// The source IP of the request that last wrote `last_used_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_ip: Option<String>,
}

/// A change of the disabled flag, judged on the credential as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisabledChange {
    pub disabled: bool,
    pub by: PrincipalId,
    pub at: Timestamp,
}

/// Why a disabled-flag change is refused: revoked stays final (409). Who may change the flag
/// is the policy's (`policy::may_enable`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisableRefusal {
    #[error("the credential is revoked; revocation is final, it cannot be disabled or enabled")]
    Revoked,
}

impl CredentialRecord {
    /// Whether an OWNER other than its holder disabled it: an investigation that its holder
    /// cannot end. A disable with no recorded author counts as one (it is never the holder's).
    pub fn disabled_by_other(&self) -> bool {
        self.lifecycle.disabled_at.is_some() && self.lifecycle.disabled_by != Some(self.owner_id)
    }

    /// The credential after `change`, or `None` when it changes nothing. Disabling a disabled
    /// credential keeps its first disable, unless an OWNER other than the holder disables what
    /// the holder disabled itself (that makes it an investigation: never the other way round,
    /// so a holder cannot turn an owner's disable into its own). `revoked`: the credential's
    /// status is revoked now (the caller judges it with the owner).
    pub fn with_disabled(&self, change: DisabledChange, revoked: bool) -> Result<Option<Self>, DisableRefusal> {
        if revoked || self.revoked_at.is_some() {
            return Err(DisableRefusal::Revoked);
        }
        let by_holder = change.by == self.owner_id;
        let mut after = self.clone();
        match (change.disabled, self.lifecycle.disabled_at.is_some()) {
            (true, false) => {
                after.lifecycle.disabled_at = Some(change.at);
                after.lifecycle.disabled_by = Some(change.by);
            }
            (true, true) if !by_holder && !self.disabled_by_other() => {
                after.lifecycle.disabled_at = Some(change.at);
                after.lifecycle.disabled_by = Some(change.by);
            }
            (true, true) => return Ok(None),
            (false, true) => {
                after.lifecycle.disabled_at = None;
                after.lifecycle.disabled_by = None;
            }
            (false, false) => return Ok(None),
        }
        Ok(Some(after))
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;

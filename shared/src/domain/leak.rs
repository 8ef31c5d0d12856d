//! A leak report's revocation (SPEC section 12), decided once for both stores.
//!
//! A report is global: it names a credential only by its token's locator, never by an
//! organization. A store reads the credential first and compares the presented hash in
//! constant time ([`LeakMatch::of`]); only on a match does it read the owner, and then
//! [`LeakMatch::revocation`] says what one atomic write changes: the credential revoked, its
//! `credential.leak_reported` event, and for a user's CLI token the user's liveness and the
//! organization's live-owner count, **unguarded**: a leak revocation wins over the last-owner
//! guard (`recover` is the way back in).

use super::{
    AuditContext, AuditEvent, CredentialId, CredentialRecord, CredentialStatus, LiveOwnerChange, Principal,
    PrincipalId, Revocation, RevokedReason, SecretHash, User,
};
use crate::clock::Timestamp;
use subtle::ConstantTimeEq;

/// A credential whose stored hash equals the presented one: the only way to get at its owner.
#[derive(Debug)]
pub struct LeakMatch<'a> {
    credential: &'a CredentialRecord,
}

impl<'a> LeakMatch<'a> {
    /// The credential as read by its id, if it is the one the locator names (`owner`, `id`)
    /// and its stored hash equals `presented` (compared in constant time, as the authorizer
    /// compares: a report must not tell by its timing how much of a hash was right).
    pub fn of(
        credential: &'a CredentialRecord,
        owner: PrincipalId,
        id: CredentialId,
        presented: &SecretHash,
    ) -> Option<Self> {
        let stored = credential.secret_hash.to_bytes()?;
        let presented = presented.to_bytes()?;
        let same_hash: bool = stored.ct_eq(&presented).into();
        (same_hash && credential.owner_id == owner && credential.id == id).then_some(Self { credential })
    }

    /// What revoking it as leaked writes, given its owner as read (`None`: gone); `None` when
    /// nothing is to be done: the credential no longer works (revoked, by itself or by its
    /// owner's epoch or removal; or expired).
    pub fn revocation(
        &self,
        owner: Option<&Principal>,
        revocation: Revocation,
        now: Timestamp,
        audit: &AuditContext,
    ) -> Option<LeakRevocation> {
        // Live credentials are revoked, and disabled ones too: they could be enabled again.
        if !matches!(self.credential.status(now, owner), CredentialStatus::Active | CredentialStatus::Disabled) {
            return None;
        }
        let mut revoked = self.credential.clone();
        revocation.because(RevokedReason::Leaked).apply(&mut revoked);
        let (user_before, user_after) = match owner {
            Some(Principal::User(user)) => {
                let after = user.after_leaked(self.credential);
                if after == *user { (None, None) } else { (Some(user.clone()), Some(after)) }
            }
            _ => (None, None),
        };
        let live_owner_change = match (&user_before, &user_after) {
            (Some(before), Some(after)) => LiveOwnerChange::of(Some(before), Some(after)),
            _ => LiveOwnerChange::Unchanged,
        };
        Some(LeakRevocation {
            event: audit.credential_leak_reported(self.credential),
            credential: revoked,
            user_before,
            user_after,
            live_owner_change,
        })
    }
}

/// The writes of one leak revocation, all in one atomic write.
#[derive(Debug, Clone)]
pub struct LeakRevocation {
    /// The credential with `revoked_at` and `purge_at` set.
    pub credential: CredentialRecord,
    /// The owner as read and as written, when the revocation changes it (a user's only live
    /// CLI token): the store conditions its write on `user_before`.
    pub user_before: Option<User>,
    pub user_after: Option<User>,
    /// The change of the organization's live-owner count, applied without the last-owner
    /// guard.
    pub live_owner_change: LiveOwnerChange,
    /// `credential.leak_reported`, in the credential's organization.
    pub event: AuditEvent,
}

impl User {
    /// The user after `leaked`, one of its credentials, is revoked as leaked. A user holds
    /// one CLI token per epoch (its creation and each rotation issue exactly one, under a new
    /// epoch), so revoking the current epoch's leaves it no live CLI token. Anything else
    /// leaves the user as it is.
    pub fn after_leaked(&self, leaked: &CredentialRecord) -> User {
        let current_cli_token = leaked.kind == super::CredentialKind::CliToken
            && leaked.owner_id == self.id
            && leaked.epoch == self.cli_token_epoch;
        User { cli_token_live: self.cli_token_live && !current_cli_token, ..self.clone() }
    }
}

#[cfg(test)]
#[path = "leak_tests.rs"]
mod tests;

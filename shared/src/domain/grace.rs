//! Rotation with a grace period (SPEC section 10): the one definition of how long the
//! generation a rotation replaced keeps working, and how that reads.
//!
//! Representation, O(1) whatever the number of credentials: besides its epoch for a kind,
//! the holder's record keeps the end of the previous generation's grace
//! (`User::cli_token_grace_until`, `ServiceAccount::api_key_grace_until`). A credential of
//! the current epoch is current; one of epoch `current - 1` works until that time (its
//! metadata shows it as `expires_at`); anything older, or anything once the grace ends, is
//! revoked. A rotation moves the epoch on and sets the grace (none for a grace of 0), so a
//! rotation during a running grace ends it at once (at most two generations live); a
//! revoke-all moves the epoch on and clears it. The authorizer reads it on the owner item it
//! fetches already: still one round trip.

use super::{CredentialKind, CredentialRecord, DomainError, Epoch, Principal, Revocation, ServiceAccount, User};
use crate::clock::Timestamp;
use chrono::Duration;

/// `grace_period_seconds`: 0 to 86400 (one day), default 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GracePeriod(u32);

impl GracePeriod {
    pub const MAX_SECONDS: u32 = 86_400;

    pub fn parse(seconds: i64) -> Result<Self, DomainError> {
        if !(0..=i64::from(Self::MAX_SECONDS)).contains(&seconds) {
            return Err(DomainError::invalid(
                "grace_period_seconds",
                format!("must be a whole number from 0 to {}", Self::MAX_SECONDS),
            ));
        }
        Ok(Self(seconds as u32))
    }

    pub fn seconds(self) -> u32 {
        self.0
    }

    /// When a grace of this length, starting at `now`, ends; `None` for no grace.
    pub fn ends(self, now: Timestamp) -> Option<Timestamp> {
        (self.0 > 0).then(|| now + Duration::seconds(i64::from(self.0)))
    }

    /// The revocation a rotation at `now` owes the generation it replaces: at the grace's
    /// end (so its sweep, which writes `revoked_at`, waits until then), or now.
    pub fn revocation(self, now: Timestamp, retention: Duration) -> Revocation {
        match self.ends(now) {
            Some(end) => Revocation { graced: true, ..Revocation::new(end, retention) },
            None => Revocation::new(now, retention),
        }
    }
}

impl Revocation {
    /// The grace a rotation with this revocation grants the generation it replaces: until
    /// the revocation's time, for a graced one. Its sweep waits until then.
    pub fn grace_until(&self) -> Option<Timestamp> {
        self.graced.then_some(self.at)
    }
}

/// Where a credential's epoch stands against its holder's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Issued under the current epoch (or a kind without one).
    Current,
    /// Of the generation the last rotation replaced, working until this time.
    Graced(Timestamp),
    /// Older, or its grace is over: revoked.
    Superseded,
}

impl Epoch {
    /// The field of the holder's record that keeps the previous generation's grace end.
    pub const fn grace_field(self) -> &'static str {
        match self {
            Epoch::CliToken => "cli_token_grace_until",
            Epoch::ApiKey => "api_key_grace_until",
        }
    }
}

impl Principal {
    /// The end of the grace of `epoch`'s previous generation, if one was granted.
    pub fn grace_until(&self, epoch: Epoch) -> Option<Timestamp> {
        match (self, epoch) {
            (Principal::User(u), Epoch::CliToken) => u.cli_token_grace_until,
            (Principal::ServiceAccount(s), Epoch::ApiKey) => s.api_key_grace_until,
            _ => None,
        }
    }

    /// How a credential of `kind` issued under `epoch` stands at `now`; `None` when this
    /// principal cannot hold that kind at all.
    pub fn standing(&self, kind: CredentialKind, epoch: u64, now: Timestamp) -> Option<Standing> {
        let current = self.epoch_for(kind)?;
        let Some(field) = kind.epoch() else { return Some(Standing::Current) };
        Some(match self.grace_until(field) {
            _ if epoch == current => Standing::Current,
            Some(until) if epoch.checked_add(1) == Some(current) && now < until => Standing::Graced(until),
            _ => Standing::Superseded,
        })
    }

    /// This principal after a rotation of `epoch` to `new_epoch` with the previous
    /// generation graced until `grace_until` (`None`: it stops at once). A user's CLI token
    /// is live afterwards.
    pub fn rotated(&self, epoch: Epoch, new_epoch: u64, grace_until: Option<Timestamp>) -> Principal {
        match (self.clone(), epoch) {
            (Principal::User(u), Epoch::CliToken) => {
                Principal::User(User { cli_token_grace_until: grace_until, ..u.with_cli_tokens_rotated(new_epoch) })
            }
            (Principal::ServiceAccount(s), Epoch::ApiKey) => Principal::ServiceAccount(ServiceAccount {
                api_key_epoch: new_epoch,
                api_key_grace_until: grace_until,
                ..s
            }),
            (other, _) => other,
        }
    }
}

impl CredentialRecord {
    /// This credential after a roll replaced it (`revocation`: at the grace's end when
    /// graced, else now): superseded until then, or revoked at once; purged after either.
    pub fn superseded(&self, revocation: &Revocation) -> CredentialRecord {
        let mut after = self.clone();
        match revocation.grace_until() {
            Some(until) => after.superseded_until = Some(until),
            None => after.revoked_at = Some(revocation.at),
        }
        after.purge_at = Some(revocation.purge_at);
        // Whether it stops now or when the grace ends, a roll replaced it.
        after.lifecycle.revoked_reason = Some(super::RevokedReason::Rotated);
        after
    }

    /// When this credential stops working, as its metadata shows it: its own expiry, or the
    /// end of its generation's grace when that comes first.
    pub fn effective_expires_at(&self, now: Timestamp, owner: Option<&Principal>) -> Option<Timestamp> {
        let generation = match owner.and_then(|o| o.standing(self.kind, self.epoch, now)) {
            Some(Standing::Graced(until)) => Some(until),
            _ => None,
        };
        let grace = match (generation, self.superseded_until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match (self.expires_at, grace) {
            (Some(own), Some(grace)) => Some(own.min(grace)),
            (own, grace) => own.or(grace),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CredentialStatus, Email, OrganizationId, PermissionLevel};
    use chrono::Utc;

    fn record(owner: &Principal, kind: CredentialKind, epoch: u64) -> CredentialRecord {
        CredentialRecord {
            id: crate::domain::CredentialId::new_random(),
            organization_id: owner.organization_id(),
            kind,
            owner_id: owner.id(),
            owner_email: owner.email().clone(),
            secret_hash: crate::domain::SecretHash::from_digest([0; 32]),
            last_six: "abcdef".into(),
            epoch,
            description: None,
            created_at: Utc::now(),
            created_by: None,
            expires_at: None,
            revoked_at: None,
            last_used_at: None,
            purge_at: None,
            scopes: None,
            lifecycle: Default::default(),
            superseded_until: None,
            allowed_ip_ranges: Default::default(),
        }
    }

    #[test]
    fn grace_bounds() {
        assert!(GracePeriod::parse(-1).is_err());
        assert!(GracePeriod::parse(86_401).is_err());
        assert_eq!(GracePeriod::parse(86_400).unwrap().seconds(), 86_400);
        let now = Utc::now();
        assert_eq!(GracePeriod::parse(0).unwrap().ends(now), None);
        assert_eq!(GracePeriod::default().revocation(now, Duration::days(1)).grace_until(), None);
        let graced = GracePeriod::parse(60).unwrap().revocation(now, Duration::days(1));
        assert_eq!(graced.grace_until(), Some(now + Duration::seconds(60)));
    }

    #[test]
    fn two_generations_at_most_and_the_grace_ends() {
        let now = Utc::now();
        let user = User::new(
            OrganizationId::new_random(),
            Email::parse("a@example.com").unwrap(),
            PermissionLevel::Collaborator,
            now,
        );
        let p = Principal::User(user);
        let until = now + Duration::seconds(60);
        let once = p.rotated(Epoch::CliToken, 1, Some(until));
        let kind = CredentialKind::CliToken;
        assert_eq!(once.standing(kind, 1, now), Some(Standing::Current));
        assert_eq!(once.standing(kind, 0, now), Some(Standing::Graced(until)));
        assert_eq!(once.standing(kind, 0, until), Some(Standing::Superseded));
        // A rotation during the grace ends it: epoch 0 is two behind.
        let twice = once.rotated(Epoch::CliToken, 2, Some(until + Duration::seconds(5)));
        assert_eq!(twice.standing(kind, 0, now), Some(Standing::Superseded));
        assert_eq!(twice.standing(kind, 1, now), Some(Standing::Graced(until + Duration::seconds(5))));
        assert_eq!(twice.standing(CredentialKind::AccessToken, 0, now), Some(Standing::Current));
        assert_eq!(twice.standing(CredentialKind::ApiKey, 0, now), None);
        // Status and metadata follow.
        let mut old = record(&twice, kind, 1);
        assert_eq!(old.status(now, Some(&twice)), CredentialStatus::Active);
        assert_eq!(old.effective_expires_at(now, Some(&twice)), Some(until + Duration::seconds(5)));
        assert_eq!(old.status(until + Duration::seconds(5), Some(&twice)), CredentialStatus::Revoked);
        old.expires_at = Some(now + Duration::seconds(1));
        assert_eq!(old.effective_expires_at(now, Some(&twice)), Some(now + Duration::seconds(1)));
        assert_eq!(old.status(now + Duration::seconds(2), Some(&twice)), CredentialStatus::Expired);
        // A rolled credential works until its successor's grace ends.
        old.expires_at = None;
        old.superseded_until = Some(now + Duration::seconds(3));
        assert_eq!(old.status(now, Some(&twice)), CredentialStatus::Active);
        assert_eq!(old.effective_expires_at(now, Some(&twice)), Some(now + Duration::seconds(3)));
        assert_eq!(old.status(now + Duration::seconds(3), Some(&twice)), CredentialStatus::Revoked);
    }
}

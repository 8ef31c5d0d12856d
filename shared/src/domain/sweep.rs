//! Housekeeping owed after a revocation that already took effect.
//!
//! A revoke-all, a rotation or an owner's removal revokes in one write (an epoch bump, or
//! the owner item gone); the credentials it revoked still need their `revoked_at` and purge
//! time written, one item each. That marking is a [`SweepTask`]: recorded in the same
//! atomic write as the revocation, carried out right after it, and carried out again by
//! the next housekeeping run if it failed halfway, so no sweep is ever lost. Marking is
//! idempotent: a credential already revoked keeps its first revocation.

use super::{CredentialKind, CredentialRecord, OrganizationId, PrincipalId, Revocation, RevokedReason};
use crate::clock::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepTask {
    pub organization_id: OrganizationId,
    pub owner_id: PrincipalId,
    /// The kinds swept: one for a revoke-all or a rotation, every kind the owner could hold
    /// for its removal.
    pub kinds: Vec<CredentialKind>,
    /// Only credentials issued under an epoch below this one (a revoke-all or a rotation);
    /// `None`: all of them (the owner was removed).
    pub below_epoch: Option<u64>,
    pub revoked_at: Timestamp,
    pub purge_at: Timestamp,
    /// Why (`revoked_reason` on what it marks). Tasks recorded before reasons existed read
    /// as `None`: an owner's removal or an epoch bump, told apart by `below_epoch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<RevokedReason>,
}

impl SweepTask {
    /// After `owner`'s epoch for `kind` moved to `new_epoch`.
    pub fn after_epoch_bump(
        org: OrganizationId,
        owner: PrincipalId,
        kind: CredentialKind,
        new_epoch: u64,
        revocation: Revocation,
    ) -> Self {
        Self::new(org, owner, vec![kind], Some(new_epoch), revocation)
    }

    /// Every credential of `kinds` that `owner` held: after its removal (or, for access
    /// tokens, which have no epoch, as the revocation itself).
    pub fn all_credentials_of(
        org: OrganizationId,
        owner: PrincipalId,
        kinds: &[CredentialKind],
        revocation: Revocation,
    ) -> Self {
        Self::new(org, owner, kinds.to_vec(), None, revocation)
    }

    fn new(
        org: OrganizationId,
        owner: PrincipalId,
        kinds: Vec<CredentialKind>,
        below_epoch: Option<u64>,
        revocation: Revocation,
    ) -> Self {
        Self {
            organization_id: org,
            owner_id: owner,
            kinds,
            below_epoch,
            revoked_at: revocation.at,
            purge_at: revocation.purge_at,
            reason: Some(revocation.reason),
        }
    }

    /// Unique to this task: every epoch bump names a new epoch, and an owner is removed once.
    pub fn key(&self) -> String {
        let kinds: Vec<&str> = self.kinds.iter().map(|k| k.as_str()).collect();
        let epoch = self.below_epoch.map_or_else(|| "all".to_string(), |e| e.to_string());
        format!("{}#{}#{}", self.owner_id, kinds.join("+"), epoch)
    }

    /// Whether the task may run at `now`: a graced rotation's sweep waits for the grace's
    /// end (its revocation time), so `revoked_at` is never written while the grace runs.
    pub fn is_due(&self, now: Timestamp) -> bool {
        self.revoked_at <= now
    }

    pub fn revocation(&self) -> Revocation {
        let reason = self.reason.unwrap_or(match self.below_epoch {
            None => RevokedReason::OwnerRemoved,
            Some(_) => RevokedReason::RevokedAll,
        });
        Revocation { at: self.revoked_at, purge_at: self.purge_at, reason, graced: false }
    }

    /// Whether `credential` is one this task must mark: its owner's, of a swept kind, issued
    /// before the epoch bump, and not revoked yet (a first revocation is never overwritten).
    pub fn covers(&self, credential: &CredentialRecord) -> bool {
        credential.organization_id == self.organization_id
            && credential.owner_id == self.owner_id
            && self.kinds.contains(&credential.kind)
            && credential.revoked_at.is_none()
            && self.below_epoch.is_none_or(|epoch| credential.epoch < epoch)
    }

    /// `credential` as this task leaves it (unchanged when the task does not cover it).
    pub fn mark(&self, mut credential: CredentialRecord) -> CredentialRecord {
        if self.covers(&credential) {
            self.revocation().apply(&mut credential);
        }
        credential
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, SecretHash};
    use chrono::{Duration, Utc};

    fn credential(owner: PrincipalId, org: OrganizationId, kind: CredentialKind, epoch: u64) -> CredentialRecord {
        CredentialRecord {
            id: crate::domain::CredentialId::new_random(),
            organization_id: org,
            kind,
            owner_id: owner,
            owner_email: Email::parse("a@example.com").unwrap(),
            secret_hash: SecretHash::from_digest([0; 32]),
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
    fn an_epoch_sweep_marks_only_older_unrevoked_credentials_of_its_kind_and_owner() {
        let (org, owner) = (OrganizationId::new_random(), PrincipalId::new_random());
        let revocation = Revocation::new(Utc::now(), Duration::days(90));
        let task = SweepTask::after_epoch_bump(org, owner, CredentialKind::ApiKey, 2, revocation);
        assert!(task.covers(&credential(owner, org, CredentialKind::ApiKey, 1)));
        assert!(!task.covers(&credential(owner, org, CredentialKind::ApiKey, 2)), "the new generation");
        assert!(!task.covers(&credential(owner, org, CredentialKind::CliToken, 0)), "another kind");
        assert!(!task.covers(&credential(PrincipalId::new_random(), org, CredentialKind::ApiKey, 0)), "another owner");
        assert!(!task.covers(&credential(owner, OrganizationId::new_random(), CredentialKind::ApiKey, 0)));
        let mut revoked = credential(owner, org, CredentialKind::ApiKey, 0);
        let first = Revocation::new(Utc::now() - Duration::days(1), Duration::days(90));
        revoked.revoked_at = Some(first.at);
        revoked.purge_at = Some(first.purge_at);
        assert_eq!(task.mark(revoked.clone()), revoked, "a first revocation is never overwritten");
        let marked = task.mark(credential(owner, org, CredentialKind::ApiKey, 0));
        assert_eq!((marked.revoked_at, marked.purge_at), (Some(revocation.at), Some(revocation.purge_at)));
    }

    #[test]
    fn a_removal_sweep_marks_every_generation_and_keys_are_unique_per_revocation() {
        let (org, owner) = (OrganizationId::new_random(), PrincipalId::new_random());
        let revocation = Revocation::new(Utc::now(), Duration::days(90));
        let kinds = [CredentialKind::CliToken, CredentialKind::AccessToken];
        let removal = SweepTask::all_credentials_of(org, owner, &kinds, revocation);
        assert!(removal.covers(&credential(owner, org, CredentialKind::CliToken, 7)));
        assert!(removal.covers(&credential(owner, org, CredentialKind::AccessToken, 0)));
        let bump = |e| SweepTask::after_epoch_bump(org, owner, CredentialKind::CliToken, e, revocation).key();
        assert_ne!(bump(1), bump(2));
        assert_ne!(bump(1), removal.key());
    }
}

//! `CredentialStore::roll_credential` on the table (SPEC section 10): the successor, the old
//! key marked superseded (or revoked), and the event, in one transaction conditioned on the
//! old key as read and on the owner's epoch.

use super::*;

impl DynamoDbStore {
    pub(super) async fn roll(
        &self,
        old: &CredentialRecord,
        successor: &CredentialRecord,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let mut owner_condition = in_organization(successor.organization_id).and(may_hold(successor.kind));
        if let Some(epoch) = successor.kind.epoch() {
            owner_condition = owner_condition
                .and(Expr::new("#epoch = :epoch").name("#epoch", epoch.field()).value(":epoch", n(successor.epoch)));
        }
        let update = match revocation.grace_until() {
            Some(until) => Expr::new("SET #until = :until, #purge = :purge, #ttl = :ttl")
                .name("#until", "superseded_until")
                .name("#purge", "purge_at")
                .name("#ttl", TTL)
                .value(":until", timestamp_attribute(&until)?)
                .value(":purge", timestamp_attribute(&revocation.purge_at)?)
                .value(":ttl", n(ttl_seconds(&revocation.purge_at))),
            None => revocation_update(&revocation)?,
        };
        // The old key as read: still there, in its organization, neither revoked nor rolled.
        let old_condition = Expr::new(
            "attribute_exists(#pk) AND #org = :org AND attribute_not_exists(#revoked) AND attribute_not_exists(#rolled)",
        )
        .name("#pk", PK)
        .name("#org", "organization_id")
        .name("#revoked", "revoked_at")
        .name("#rolled", "superseded_until")
        .value(":org", s(old.organization_id.to_string()));
        let mut steps = vec![
            (self.tx_check(principal_key(successor.owner_id), owner_condition)?, OnConditionFailed::OwnerCheck),
            (self.tx_update(credential_key(old.id), update, old_condition)?, OnConditionFailed::Reread),
            (self.tx_create(credential_item(successor)?)?, OnConditionFailed::DuplicateId),
        ];
        steps.extend(self.tx_audit(&[audit.credentials_rotated(successor, revocation.grace_until())])?);
        match self.transact(steps).await? {
            Ok(()) => Ok(()),
            Err(OnConditionFailed::OwnerCheck) => Err(self.owner_failure(successor).await),
            Err(OnConditionFailed::Reread) => Err(StoreError::Contention),
            Err(other) => Err(step_error(other)),
        }
    }
}

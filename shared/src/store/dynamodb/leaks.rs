//! `CredentialStore::revoke_leaked` on the table (SPEC section 12): a GetItem of the credential
//! by its id (the report names no organization), the owner's GetItem only when the hash
//! matches, then one TransactWriteItems: the credential's revocation (conditioned on it not
//! being revoked), the owner as read (its liveness written when the leaked token was a
//! user's only live CLI token, else a condition check on its epoch), the organization's
//! live-owner count without the last-owner guard, and the `credential.leak_reported` event.
//! The rules are the domain's (`LeakMatch`, `LeakRevocation`).

use super::owners::{LIVE, user_as_read};
use super::*;
use crate::domain::{LeakMatch, LeakRevocation, SecretHash};

impl DynamoDbStore {
    pub(super) async fn revoke_leaked_credential(
        &self,
        owner: PrincipalId,
        id: CredentialId,
        presented: &SecretHash,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<Option<OrganizationId>> {
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let Some(credential) = self.get_item(credential_key(id)).await?.map(decode_credential).transpose()? else {
                return Ok(None);
            };
            let Some(found) = LeakMatch::of(&credential, owner, id, presented) else { return Ok(None) };
            let org = credential.organization_id;
            let holder = self.get_principal_in(org, credential.owner_id).await?;
            let Some(writes) = found.revocation(holder.as_ref(), revocation, revocation.at, audit) else {
                return Ok(None);
            };
            let Some(holder) = holder else { return Ok(None) };
            let steps = self.leak_steps(&credential, &holder, &writes, &revocation)?;
            match self.transact(steps).await? {
                Ok(()) => return Ok(Some(org)),
                Err(OnConditionFailed::Reread) => continue,
                Err(other) => return Err(step_error(other)),
            }
        }
        Err(StoreError::Contention)
    }

    fn leak_steps(
        &self,
        credential: &CredentialRecord,
        holder: &Principal,
        writes: &LeakRevocation,
        revocation: &Revocation,
    ) -> StoreResult<Vec<(TransactWriteItem, OnConditionFailed)>> {
        let org = credential.organization_id;
        let not_revoked = Expr::new("attribute_not_exists(#revoked)").name("#revoked", "revoked_at");
        let mut steps = vec![(
            self.tx_update(
                credential_key(credential.id),
                revocation_update(revocation)?,
                in_organization(org).and(not_revoked),
            )?,
            OnConditionFailed::Reread,
        )];
        // The owner as read: the credential's status was judged on its epoch.
        let mut owner_as_read = in_organization(org).and(may_hold(credential.kind));
        if let Some(epoch) = credential.kind.epoch() {
            let value = holder.epoch_value(epoch).unwrap_or_default();
            owner_as_read = owner_as_read
                .and(Expr::new("#o_epoch = :o_epoch").name("#o_epoch", epoch.field()).value(":o_epoch", n(value)));
        }
        let owner_step = match (&writes.user_before, &writes.user_after) {
            (Some(before), Some(after)) => self.tx_update(
                principal_key(after.id),
                Expr::new("SET #live = :live")
                    .name("#live", LIVE)
                    .value(":live", AttributeValue::Bool(after.cli_token_live)),
                owner_as_read.and(user_as_read(before)?),
            )?,
            _ => self.tx_check(principal_key(holder.id()), owner_as_read)?,
        };
        steps.push((owner_step, OnConditionFailed::Reread));
        steps.extend(self.live_owner_steps(org, writes.live_owner_change, false)?);
        steps.extend(self.tx_audit(std::slice::from_ref(&writes.event))?);
        Ok(steps)
    }
}

//! [`OrganizationStore`] on the table: the organization item and its name guard.

use super::*;
use crate::domain::PolicyChange;
use crate::store::PolicyCheck;

#[async_trait]
impl OrganizationStore for DynamoDbStore {
    async fn create_organization(
        &self,
        org: &Organization,
        owner: &User,
        first_token: &CredentialRecord,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let owner_count = u64::from(owner.is_live_owner());
        let mut steps = vec![
            (self.tx_create(organization_item(org, owner_count)?)?, OnConditionFailed::DuplicateId),
            (
                self.tx_create(guard_item(organization_name_guard_pk(&org.name), org.id))?,
                OnConditionFailed::Conflict("organization"),
            ),
            (self.tx_create(principal_item(&Principal::User(owner.clone()))?)?, OnConditionFailed::DuplicateId),
            (
                self.tx_create(guard_item(email_guard_pk(owner.organization_id, &owner.email), owner.id))?,
                OnConditionFailed::Conflict("email"),
            ),
            (self.tx_create(credential_item(first_token)?)?, OnConditionFailed::DuplicateId),
        ];
        steps.extend(self.tx_policy_copies(org.id, &org.policy, 0)?);
        steps.extend(self.tx_audit(&audit.organization_created(org, owner, first_token))?);
        self.transact(steps).await?.map_err(step_error)
    }

    async fn find_organization_by_name(&self, name: &OrganizationName) -> StoreResult<Option<Organization>> {
        let Some(org) = self.get_guard_target::<OrganizationId>(organization_name_guard_pk(name)).await? else {
            return Ok(None);
        };
        self.get_item(organization_key(org)).await?.map(decode_organization).transpose()
    }

    async fn get_organization(&self, org: OrganizationId) -> StoreResult<Option<Organization>> {
        self.get_item(organization_key(org)).await?.map(decode_organization).transpose()
    }

    /// GetItem of the organization; then one transaction: the policy and its version bumped,
    /// conditioned on the version as read (re-read and retried when another change won), with
    /// the event.
    async fn update_organization_policy(
        &self,
        org: OrganizationId,
        change: &PolicyChange,
        check: PolicyCheck,
        audit: &AuditContext,
    ) -> StoreResult<Organization> {
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let item = self.get_item(organization_key(org)).await?.ok_or(StoreError::NotFound)?;
            let version = super::policy::organization_policy_version(&item)?;
            let before = decode_organization(item)?;
            let mut after = before.clone();
            after.policy = change.applied_to(&before.policy);
            check(&after.policy).map_err(StoreError::Denied)?;
            let Some(event) = audit.organization_policy_updated(org, &before.policy, &after.policy) else {
                return Ok(before);
            };
            let mut update = if after.policy.is_default() {
                Expr::new("REMOVE #policy").name("#policy", POLICY)
            } else {
                Expr::new("SET #policy = :policy").name("#policy", POLICY).value(":policy", attribute(&after.policy)?)
            };
            update.text.push_str(" ADD #version :one");
            update = update.name("#version", POLICY_VERSION).value(":one", n(1));
            let as_read = match version {
                0 => Expr::new("attribute_not_exists(#version)").name("#version", POLICY_VERSION),
                v => Expr::new("#version = :read").name("#version", POLICY_VERSION).value(":read", n(v)),
            };
            let condition = Expr::new("attribute_exists(#pk)").name("#pk", PK).and(as_read);
            let mut steps =
                vec![(self.tx_update(organization_key(org), update, condition)?, OnConditionFailed::Reread)];
            // The authorizer's copies, at the version this change makes, in the same write.
            steps.extend(self.tx_policy_copies(org, &after.policy, version + 1)?);
            steps.extend(self.tx_audit(&[event])?);
            match self.transact(steps).await? {
                Ok(()) => return Ok(after),
                Err(OnConditionFailed::Reread) => continue,
                Err(other) => return Err(step_error(other)),
            }
        }
        Err(StoreError::Contention)
    }
}

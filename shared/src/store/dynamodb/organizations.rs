//! [`OrganizationStore`] on the table: the organization item and its name guard.

use super::*;

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
        steps.extend(self.tx_audit(&audit.organization_created(org, owner, first_token))?);
        self.transact(steps).await?.map_err(step_error)
    }

    async fn find_organization_by_name(&self, name: &OrganizationName) -> StoreResult<Option<Organization>> {
        let Some(org) = self.get_guard_target::<OrganizationId>(organization_name_guard_pk(name)).await? else {
            return Ok(None);
        };
        self.get_item(organization_key(org)).await?.map(decode_organization).transpose()
    }
}

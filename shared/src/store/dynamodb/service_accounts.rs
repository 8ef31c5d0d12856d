//! [`ServiceAccountStore`] on the table: service-account items and their name guards.

use super::*;

#[async_trait]
impl ServiceAccountStore for DynamoDbStore {
    async fn create_service_account(
        &self,
        account: &ServiceAccount,
        first_key: &CredentialRecord,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let mut steps = vec![
            (
                self.tx_create(principal_item(&Principal::ServiceAccount(account.clone()))?)?,
                OnConditionFailed::DuplicateId,
            ),
            (
                self.tx_create(guard_item(
                    service_account_name_guard_pk(account.organization_id, &account.name),
                    account.id,
                ))?,
                OnConditionFailed::Conflict("service account"),
            ),
            (self.tx_create(credential_item(first_key)?)?, OnConditionFailed::DuplicateId),
        ];
        steps.extend(self.tx_audit(&audit.service_account_created(account, first_key))?);
        self.transact(steps).await?.map_err(step_error)
    }

    async fn get_service_account(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<ServiceAccount>> {
        Ok(match self.get_principal_in(org, id).await? {
            Some(Principal::ServiceAccount(a)) => Some(a),
            _ => None,
        })
    }

    async fn find_service_account_by_name(
        &self,
        org: OrganizationId,
        name: &ServiceAccountName,
    ) -> StoreResult<Option<ServiceAccount>> {
        match self.get_guard_target::<PrincipalId>(service_account_name_guard_pk(org, name)).await? {
            Some(id) => self.get_service_account(org, id).await,
            None => Ok(None),
        }
    }

    async fn list_service_accounts(
        &self,
        org: OrganizationId,
        page: &PageRequest,
    ) -> StoreResult<Page<ServiceAccount>> {
        let (principals, next) = self.list_principals(service_accounts_index_pk(org), true, page).await?;
        let items = principals
            .into_iter()
            .map(|p| match p {
                Principal::ServiceAccount(a) if a.organization_id == org => Ok(a),
                _ => Err(StoreError::internal("a non-service-account item in the service accounts index")),
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page { items, next })
    }

    async fn set_service_account_suspended(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        suspended: bool,
        audit: &AuditContext,
    ) -> StoreResult<ServiceAccount> {
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let before = self.get_service_account(org, id).await?.ok_or(StoreError::NotFound)?;
            let after = before.with_suspension(Some(suspended));
            let Some(event) = audit.service_account_updated(&before, &after) else {
                return Ok(after);
            };
            // Conditioned on the suspension as read, so the event tells the change it made.
            let update = Expr::new("SET #suspended = :suspended")
                .name("#suspended", owners::SUSPENDED)
                .value(":suspended", AttributeValue::Bool(suspended));
            let condition = in_organization(org).and(owners::suspended_as_read(before.suspended));
            let mut steps = vec![(self.tx_update(principal_key(id), update, condition)?, OnConditionFailed::Reread)];
            steps.extend(self.tx_audit(&[event])?);
            match self.transact(steps).await? {
                Ok(()) => return Ok(after),
                Err(OnConditionFailed::Reread) => continue,
                Err(other) => return Err(step_error(other)),
            }
        }
        Err(StoreError::Contention)
    }

    async fn delete_service_account(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let revocation = revocation.because(RevokedReason::OwnerRemoved);
        let account = self.get_service_account(org, id).await?.ok_or(StoreError::NotFound)?;
        let task = SweepTask::all_credentials_of(org, id, &PrincipalType::ServiceAccount.kinds_held(), revocation);
        let mut steps = vec![
            (self.tx_delete(principal_key(id), Some(in_organization(org)))?, OnConditionFailed::NotFound),
            (
                self.tx_delete(guard_key(service_account_name_guard_pk(org, &account.name)), None)?,
                OnConditionFailed::NotFound,
            ),
            self.tx_record_sweep(&task)?,
        ];
        steps.extend(self.tx_audit(&[audit.service_account_deleted(&account)])?);
        self.transact(steps).await?.map_err(step_error)?;
        self.sweep(&task).await;
        Ok(())
    }
}

//! [`ServiceAccountStore`] on SQLite: the `service_accounts` table.

use super::*;

#[async_trait]
impl ServiceAccountStore for SqliteStore {
    async fn create_service_account(
        &self,
        account: &ServiceAccount,
        first_key: &CredentialRecord,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let events = audit.service_account_created(account, first_key);
        let (account, first_key) = (account.clone(), first_key.clone());
        self.write(move |tx| {
            if find_service_account(tx, account.organization_id, &account.name)?.is_some() {
                return Err(StoreError::Conflict("service account"));
            }
            require_organization(tx, account.organization_id)?;
            insert_service_account(tx, &account)?;
            insert_credential(tx, &first_key)?;
            audit::insert_events(tx, &events)
        })
        .await
    }

    async fn get_service_account(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<ServiceAccount>> {
        self.read(move |tx| load_service_account(tx, org, id)).await
    }

    async fn find_service_account_by_name(
        &self,
        org: OrganizationId,
        name: &ServiceAccountName,
    ) -> StoreResult<Option<ServiceAccount>> {
        let name = name.clone();
        self.read(move |tx| find_service_account(tx, org, &name)).await
    }

    async fn list_service_accounts(
        &self,
        org: OrganizationId,
        page: &PageRequest,
    ) -> StoreResult<Page<ServiceAccount>> {
        let after = check_principal_position(page.after.as_ref())?;
        let (limit, max_items) = (fetch_limit(page), page.max_items);
        self.read(move |tx| {
            let accounts = list_in(tx, Table::ServiceAccounts, Order::NewestFirst, org, after, limit)?;
            Ok(page_of(accounts, max_items, position::of_service_account))
        })
        .await
    }

    async fn set_service_account_suspended(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        suspended: bool,
        audit: &AuditContext,
    ) -> StoreResult<ServiceAccount> {
        let audit = audit.clone();
        self.write(move |tx| {
            let before = load_service_account(tx, org, id)?.ok_or(StoreError::NotFound)?;
            let after = before.with_suspension(Some(suspended));
            if let Some(event) = audit.service_account_updated(&before, &after) {
                update_service_account_row(tx, &after)?;
                audit::insert_events(tx, &[event])?;
            }
            Ok(after)
        })
        .await
    }

    async fn delete_service_account(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let revocation = revocation.because(RevokedReason::OwnerRemoved);
        let audit = audit.clone();
        let task = SweepTask::all_credentials_of(org, id, &PrincipalType::ServiceAccount.kinds_held(), revocation);
        let swept = task.clone();
        self.write(move |tx| {
            let account = load_service_account(tx, org, id)?.ok_or(StoreError::NotFound)?;
            tx.execute("DELETE FROM service_accounts WHERE id = ?1", params![id.to_string()]).db()?;
            audit::insert_events(tx, &[audit.service_account_deleted(&account)])?;
            sweep::record(tx, &task)
        })
        .await?;
        self.sweep(swept).await;
        Ok(())
    }
}

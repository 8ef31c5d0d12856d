//! [`OrganizationStore`] on SQLite: the `organizations` table (names unique by `name_key`).

use super::*;
use crate::domain::PolicyChange;
use crate::store::PolicyCheck;

#[async_trait]
impl OrganizationStore for SqliteStore {
    async fn create_organization(
        &self,
        org: &Organization,
        owner: &User,
        first_token: &CredentialRecord,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let events = audit.organization_created(org, owner, first_token);
        let (org, owner, first_token) = (org.clone(), owner.clone(), first_token.clone());
        self.write(move |tx| {
            let taken: Option<i64> = tx
                .query_row("SELECT 1 FROM organizations WHERE name_key = ?1", params![org.name.unique_key()], |row| {
                    row.get(0)
                })
                .optional()
                .db()?;
            if taken.is_some() {
                return Err(StoreError::Conflict("organization"));
            }
            insert_organization(tx, &org)?;
            insert_user(tx, &owner)?;
            insert_credential(tx, &first_token)?;
            audit::insert_events(tx, &events)
        })
        .await
    }

    async fn find_organization_by_name(&self, name: &OrganizationName) -> StoreResult<Option<Organization>> {
        let key = name.unique_key();
        self.read(move |tx| one_body(tx, "SELECT body FROM organizations WHERE name_key = ?1", params![key])).await
    }

    async fn get_organization(&self, org: OrganizationId) -> StoreResult<Option<Organization>> {
        self.read(move |tx| Self::load_organization(tx, org)).await
    }

    async fn update_organization_policy(
        &self,
        org: OrganizationId,
        change: &PolicyChange,
        check: PolicyCheck,
        audit: &AuditContext,
    ) -> StoreResult<Organization> {
        update_policy(self, org, change, check, audit).await
    }
}

impl SqliteStore {
    /// `OrganizationStore::get_organization` inside a transaction.
    pub(super) fn load_organization(tx: &Transaction<'_>, org: OrganizationId) -> StoreResult<Option<Organization>> {
        one_body(tx, "SELECT body FROM organizations WHERE id = ?1", params![org.to_string()])
    }
}

/// The policy's half of [`OrganizationStore`] on SQLite: the organization row's body holds it.
pub(super) async fn update_policy(
    store: &SqliteStore,
    org: OrganizationId,
    change: &PolicyChange,
    check: PolicyCheck,
    audit: &AuditContext,
) -> StoreResult<Organization> {
    let (change, audit) = (change.clone(), audit.clone());
    store
        .write(move |tx| {
            let before = SqliteStore::load_organization(tx, org)?.ok_or(StoreError::NotFound)?;
            let mut after = before.clone();
            after.policy = change.applied_to(&before.policy);
            check(&after.policy).map_err(StoreError::Denied)?;
            if let Some(event) = audit.organization_policy_updated(org, &before.policy, &after.policy) {
                tx.execute(
                    "UPDATE organizations SET body = ?2 WHERE id = ?1",
                    params![org.to_string(), to_body(&after)?],
                )
                .db()?;
                audit::insert_events(tx, &[event])?;
            }
            Ok(after)
        })
        .await
}

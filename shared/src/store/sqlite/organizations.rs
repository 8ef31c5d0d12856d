//! [`OrganizationStore`] on SQLite: the `organizations` table (names unique by `name_key`).

use super::*;

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
}

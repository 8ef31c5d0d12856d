//! [`UserStore`] on SQLite: the `users` table (the ownership rules are in `owners.rs`).

use super::*;

#[async_trait]
impl UserStore for SqliteStore {
    async fn create_user(&self, user: &User, first_token: &CredentialRecord, audit: &AuditContext) -> StoreResult<()> {
        let events = audit.user_created(user, first_token);
        let (user, first_token) = (user.clone(), first_token.clone());
        self.write(move |tx| {
            if find_user(tx, user.organization_id, &user.email)?.is_some() {
                return Err(StoreError::Conflict("email"));
            }
            require_organization(tx, user.organization_id)?;
            insert_user(tx, &user)?;
            insert_credential(tx, &first_token)?;
            audit::insert_events(tx, &events)
        })
        .await
    }

    async fn get_user(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<User>> {
        self.read(move |tx| load_user(tx, org, id)).await
    }

    async fn find_user_by_email(&self, org: OrganizationId, email: &Email) -> StoreResult<Option<User>> {
        let email = email.clone();
        self.read(move |tx| find_user(tx, org, &email)).await
    }

    async fn list_users(&self, org: OrganizationId, page: &PageRequest) -> StoreResult<Page<User>> {
        let after = check_principal_position(page.after.as_ref())?;
        let (limit, max_items) = (fetch_limit(page), page.max_items);
        self.read(move |tx| {
            let users = list_in(tx, Table::Users, Order::OldestFirst, org, after, limit)?;
            Ok(page_of(users, max_items, position::of_user))
        })
        .await
    }

    async fn update_user(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        update: &UserUpdate,
        check: UserChangeCheck,
        audit: &AuditContext,
    ) -> StoreResult<User> {
        let (update, audit) = (update.clone(), audit.clone());
        self.write(move |tx| owners::update_user(tx, org, id, &update, &check, &audit)).await
    }

    async fn delete_user(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let revocation = revocation.because(RevokedReason::OwnerRemoved);
        let audit = audit.clone();
        let task = SweepTask::all_credentials_of(org, id, &PrincipalType::User.kinds_held(), revocation);
        let swept = task.clone();
        self.write(move |tx| {
            let user = load_user(tx, org, id)?.ok_or(StoreError::NotFound)?;
            owners::keep_a_live_owner(tx, &user, None)?;
            tx.execute("DELETE FROM users WHERE id = ?1", params![id.to_string()]).db()?;
            audit::insert_events(tx, &[audit.user_removed(&user)])?;
            sweep::record(tx, &task)
        })
        .await?;
        self.sweep(swept).await;
        Ok(())
    }
}

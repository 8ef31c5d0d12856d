//! [`UserStore`] on the table: user items and their email guards (the ownership rules they
//! keep are in `owners.rs`).

use super::*;

#[async_trait]
impl UserStore for DynamoDbStore {
    async fn create_user(&self, user: &User, first_token: &CredentialRecord, audit: &AuditContext) -> StoreResult<()> {
        let mut steps = vec![
            (self.tx_create(principal_item(&Principal::User(user.clone()))?)?, OnConditionFailed::DuplicateId),
            (
                self.tx_create(guard_item(email_guard_pk(user.organization_id, &user.email), user.id))?,
                OnConditionFailed::Conflict("email"),
            ),
            (self.tx_create(credential_item(first_token)?)?, OnConditionFailed::DuplicateId),
        ];
        let change = crate::domain::LiveOwnerChange::of(None, Some(user));
        steps.extend(self.live_owner_steps(user.organization_id, change, true)?);
        steps.extend(self.tx_audit(&audit.user_created(user, first_token))?);
        self.transact(steps).await?.map_err(step_error)
    }

    async fn get_user(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<User>> {
        Ok(match self.get_principal_in(org, id).await? {
            Some(Principal::User(u)) => Some(u),
            _ => None,
        })
    }

    async fn find_user_by_email(&self, org: OrganizationId, email: &Email) -> StoreResult<Option<User>> {
        match self.get_guard_target::<PrincipalId>(email_guard_pk(org, email)).await? {
            Some(id) => self.get_user(org, id).await,
            None => Ok(None),
        }
    }

    async fn list_users(&self, org: OrganizationId, page: &PageRequest) -> StoreResult<Page<User>> {
        let (principals, next) = self.list_principals(users_index_pk(org), false, page).await?;
        let items = principals
            .into_iter()
            .map(|p| match p {
                Principal::User(u) if u.organization_id == org => Ok(u),
                _ => Err(StoreError::internal("a non-user item in the users index")),
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page { items, next })
    }

    async fn update_user(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        update: &UserUpdate,
        check: UserChangeCheck,
        audit: &AuditContext,
    ) -> StoreResult<User> {
        self.update_user_checked(org, id, update, &check, audit).await
    }

    async fn delete_user(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        self.delete_user_guarded(org, id, revocation, audit).await
    }
}

//! Route groups: users, service accounts, API keys, access tokens.

use crate::encoding::encode;
use crate::{Client, Result};
use latchkey_wire::{
    CreateAccessToken, CreateServiceAccount, CreateUser, CreatedServiceAccount, CreatedUser, CredentialInfo, Empty,
    IssueApiKey, IssuedAccessToken, IssuedApiKey, IssuedCliToken, List, Rotate, ServiceAccount, UpdateAccessToken,
    UpdateApiKey, UpdateServiceAccount, UpdateUser, User,
};
use uuid::Uuid;

/// `/users`.
#[derive(Debug, Clone, Copy)]
pub struct Users<'a> {
    pub(crate) client: &'a Client,
}

impl Users<'_> {
    /// One page of users (`max_items` 1–100; the server's default is 20).
    pub async fn list(&self, max_items: Option<u32>) -> Result<List<User>> {
        self.client.page("/users", &[], max_items, None).await
    }

    /// The page after `cursor` (a previous page's `next_cursor`).
    pub async fn list_page(&self, max_items: Option<u32>, cursor: Option<&str>) -> Result<List<User>> {
        self.client.page("/users", &[], max_items, cursor).await
    }

    /// Every user, following cursors.
    pub async fn list_all(&self) -> Result<Vec<User>> {
        self.client.collect("/users", &[], None).await
    }

    /// Up to `limit` users (all when `None`), following cursors.
    pub async fn list_up_to(&self, limit: Option<usize>) -> Result<Vec<User>> {
        self.client.collect("/users", &[], limit).await
    }

    /// `POST /users` (OWNER): the new user and its first CLI token, shown once.
    pub async fn create(&self, request: &CreateUser) -> Result<CreatedUser> {
        self.client.post("/users", Some(request)).await
    }

    pub async fn get(&self, user_id: Uuid) -> Result<User> {
        self.client.get(&format!("/users/{user_id}"), &[]).await
    }

    /// `PATCH /users/{id}` (OWNER): permission level and/or roles (the whole set).
    pub async fn update(&self, user_id: Uuid, request: &UpdateUser) -> Result<User> {
        self.client.patch(&format!("/users/{user_id}"), request).await
    }

    /// `DELETE /users/{id}` (OWNER): every credential of the user stops working.
    pub async fn remove(&self, user_id: Uuid) -> Result<()> {
        self.client.delete(&format!("/users/{user_id}")).await
    }

    /// `POST /users/{id}/cli-tokens/rotate` (OWNER, not for another OWNER).
    pub async fn rotate_cli_token(&self, user_id: Uuid) -> Result<IssuedCliToken> {
        self.client.post(&format!("/users/{user_id}/cli-tokens/rotate"), None::<&Empty>).await
    }

    /// A rotation whose older CLI tokens keep working for `request.grace_period_seconds`.
    pub async fn rotate_cli_token_with(&self, user_id: Uuid, request: &Rotate) -> Result<IssuedCliToken> {
        self.client.post(&format!("/users/{user_id}/cli-tokens/rotate"), Some(request)).await
    }

    /// `PATCH /users/{id}` `{suspended}` (OWNER, persistent credential): every credential of
    /// a suspended user is refused until it is unsuspended.
    pub async fn set_suspended(&self, user_id: Uuid, suspended: bool) -> Result<User> {
        let request = UpdateUser { suspended: Some(suspended), ..UpdateUser::default() };
        self.update(user_id, &request).await
    }
}

/// `/service-accounts` (OWNER). `reference` is a service account's name or email.
#[derive(Debug, Clone, Copy)]
pub struct ServiceAccounts<'a> {
    pub(crate) client: &'a Client,
}

impl ServiceAccounts<'_> {
    /// The new account and its first API key, shown once.
    pub async fn create(&self, name: &str, permission_level: Option<&str>) -> Result<CreatedServiceAccount> {
        let request =
            CreateServiceAccount { name: name.to_string(), permission_level: permission_level.map(str::to_string) };
        self.client.post("/service-accounts", Some(&request)).await
    }

    /// One page, newest first.
    pub async fn list(&self, max_items: Option<u32>) -> Result<List<ServiceAccount>> {
        self.client.page("/service-accounts", &[], max_items, None).await
    }

    /// The page after `cursor`.
    pub async fn list_page(&self, max_items: Option<u32>, cursor: Option<&str>) -> Result<List<ServiceAccount>> {
        self.client.page("/service-accounts", &[], max_items, cursor).await
    }

    /// Every service account, following cursors.
    pub async fn list_all(&self) -> Result<Vec<ServiceAccount>> {
        self.client.collect("/service-accounts", &[], None).await
    }

    /// Up to `limit` service accounts (all when `None`), following cursors.
    pub async fn list_up_to(&self, limit: Option<usize>) -> Result<Vec<ServiceAccount>> {
        self.client.collect("/service-accounts", &[], limit).await
    }

    pub async fn get(&self, reference: &str) -> Result<ServiceAccount> {
        self.client.get(&account_path(reference, ""), &[]).await
    }

    /// Deletes the account; its keys stop working at once.
    pub async fn delete(&self, reference: &str) -> Result<()> {
        self.client.delete(&account_path(reference, "")).await
    }

    /// A new API key (older ones keep working), shown once.
    pub async fn create_api_key(&self, reference: &str) -> Result<IssuedApiKey> {
        self.client.post(&account_path(reference, "/api-keys"), None::<&Empty>).await
    }

    /// A new API key with `request.scopes` (`None`: unscoped), shown once.
    pub async fn create_api_key_with(&self, reference: &str, request: &IssueApiKey) -> Result<IssuedApiKey> {
        self.client.post(&account_path(reference, "/api-keys"), Some(request)).await
    }

    /// Metadata of the account's keys (all pages); `show_inactive` adds revoked ones.
    pub async fn list_api_keys(&self, reference: &str, show_inactive: bool) -> Result<Vec<CredentialInfo>> {
        let filters = [("show_inactive", show_inactive.to_string())];
        self.client.collect(&account_path(reference, "/api-keys"), &filters, None).await
    }

    /// A new API key; every older key of the account stops working.
    pub async fn rotate_api_keys(&self, reference: &str) -> Result<IssuedApiKey> {
        self.client.post(&account_path(reference, "/api-keys/rotate"), None::<&Empty>).await
    }

    /// A rotation with `request.scopes` (`None`: the newest replaced key's scopes).
    pub async fn rotate_api_keys_with(&self, reference: &str, request: &IssueApiKey) -> Result<IssuedApiKey> {
        self.client.post(&account_path(reference, "/api-keys/rotate"), Some(request)).await
    }

    /// `PATCH /service-accounts/{ref}` `{suspended}` (OWNER, persistent credential).
    pub async fn set_suspended(&self, reference: &str, suspended: bool) -> Result<ServiceAccount> {
        self.client.patch(&account_path(reference, ""), &UpdateServiceAccount { suspended: Some(suspended) }).await
    }

    /// Revokes every key of the account.
    pub async fn revoke_api_keys(&self, reference: &str) -> Result<()> {
        self.client.delete(&account_path(reference, "/api-keys")).await
    }
}

fn account_path(reference: &str, rest: &str) -> String {
    format!("/service-accounts/{}{rest}", encode(reference))
}

/// Filters of `GET /api-keys`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiKeyFilters {
    pub service_account_email: Option<String>,
    pub last_six: Option<String>,
    /// Include revoked keys.
    pub show_inactive: bool,
}

/// `/api-keys` (OWNER): keys across the organization.
#[derive(Debug, Clone, Copy)]
pub struct ApiKeys<'a> {
    pub(crate) client: &'a Client,
}

impl ApiKeys<'_> {
    /// Every key matching `filters` (all pages).
    pub async fn list(&self, filters: &ApiKeyFilters) -> Result<Vec<CredentialInfo>> {
        let mut query = vec![("show_inactive", filters.show_inactive.to_string())];
        if let Some(email) = &filters.service_account_email {
            query.push(("service_account_email", email.clone()));
        }
        if let Some(last_six) = &filters.last_six {
            query.push(("last_six", last_six.clone()));
        }
        self.client.collect("/api-keys", &query, None).await
    }

    /// Revokes one key.
    pub async fn revoke(&self, key_id: Uuid) -> Result<()> {
        self.client.delete(&format!("/api-keys/{key_id}")).await
    }

    /// Disables (`true`) or enables (`false`) one key, from the next request on.
    pub async fn set_disabled(&self, key_id: Uuid, disabled: bool) -> Result<CredentialInfo> {
        self.update(key_id, &UpdateApiKey { disabled: Some(disabled), ..Default::default() }).await
    }

    /// Sets one key's description (`""` clears it).
    pub async fn edit(&self, key_id: Uuid, description: &str) -> Result<CredentialInfo> {
        self.update(key_id, &UpdateApiKey { description: Some(description.to_string()), ..Default::default() }).await
    }

    /// `PATCH /api-keys/{key_id}` as `request` describes it.
    pub async fn update(&self, key_id: Uuid, request: &UpdateApiKey) -> Result<CredentialInfo> {
        self.client.patch(&format!("/api-keys/{key_id}"), request).await
    }

    /// `POST /api-keys/{id}/rotate`: rolls one key; it alone keeps working for
    /// `request.grace_period_seconds`, its successor is shown once.
    pub async fn roll(&self, key_id: Uuid, request: &Rotate) -> Result<IssuedApiKey> {
        self.client.post(&format!("/api-keys/{key_id}/rotate"), Some(request)).await
    }
}

/// `/tokens`: access tokens.
#[derive(Debug, Clone, Copy)]
pub struct Tokens<'a> {
    pub(crate) client: &'a Client,
}

impl Tokens<'_> {
    /// A new access token for `user` (an id or email; the caller when `None`), shown once.
    pub async fn create(
        &self,
        user: Option<&str>,
        lifespan_days: Option<i64>,
        description: Option<&str>,
    ) -> Result<IssuedAccessToken> {
        let request = CreateAccessToken {
            user: user.map(str::to_string),
            lifespan_days,
            description: description.map(str::to_string),
            scopes: None,
            allowed_ip_ranges: None,
        };
        self.create_with(&request).await
    }

    /// A new access token as `request` describes it (scopes included), shown once.
    pub async fn create_with(&self, request: &CreateAccessToken) -> Result<IssuedAccessToken> {
        self.client.post("/tokens", Some(request)).await
    }

    /// The caller's tokens, or (OWNER) `user`'s or everyone's; all pages. `show_inactive`
    /// adds revoked and expired ones.
    pub async fn list(&self, user: Option<&str>, show_inactive: bool) -> Result<Vec<CredentialInfo>> {
        let mut query = vec![("show_inactive", show_inactive.to_string())];
        if let Some(user) = user {
            query.push(("user", user.to_string()));
        }
        self.client.collect("/tokens", &query, None).await
    }

    pub async fn get(&self, token_id: Uuid) -> Result<CredentialInfo> {
        self.client.get(&format!("/tokens/{token_id}"), &[]).await
    }

    /// Sets the description (`""` clears it).
    pub async fn edit(&self, token_id: Uuid, description: &str) -> Result<CredentialInfo> {
        let request = UpdateAccessToken { description: Some(description.to_string()), ..Default::default() };
        self.client.patch(&format!("/tokens/{token_id}"), &request).await
    }

    /// Revokes the token; it stops working on the next request.
    pub async fn revoke(&self, token_id: Uuid) -> Result<CredentialInfo> {
        let request = UpdateAccessToken { revoked: Some(true), ..Default::default() };
        self.client.patch(&format!("/tokens/{token_id}"), &request).await
    }

    /// Disables (`true`) or enables (`false`) the token, from the next request on.
    pub async fn set_disabled(&self, token_id: Uuid, disabled: bool) -> Result<CredentialInfo> {
        let request = UpdateAccessToken { disabled: Some(disabled), ..Default::default() };
        self.client.patch(&format!("/tokens/{token_id}"), &request).await
    }
}

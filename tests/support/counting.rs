//! A [`Store`] that delegates every call to another one and counts the calls per method, so
//! a test can assert what a request costs (`tests/round_trips.rs`).
//!
//! Store calls are not all one DynamoDB round trip each; per `infra/dynamodb-layout.md`
//! ("Access patterns and round trips"):
//!
//! | store method | DynamoDB round trips |
//! |---|---|
//! | `lookup_credential_and_owner`, `record_last_used` | 1 |
//! | `get_user`, `get_service_account`, `get_credential`, `set_credential_description` | 1 |
//! | `create_organization`, `create_user`, `create_service_account` | 1 (one transaction) |
//! | `issue_credential` | 1 (2 when its condition fails) |
//! | `revoke_credential` | 1 (2 when already revoked) |
//! | `get_principals` | 1 per 100 ids |
//! | `find_organization_by_name`, `find_user_by_email`, `find_service_account_by_name` | 2 (guard item, then the item) |
//! | `update_user` | 2 (read, then a conditional transaction; re-read and retry ≤ 3 on contention) |
//! | `list_users`, `list_service_accounts`, `list_credentials` | ≥ 1 Query (≤ 10 per page while filters skip items) |
//! | `rotate_credentials` | 1 + sweep (housekeeping: Query pages + batch writes) |
//! | `revoke_all_credentials`, `delete_user`, `delete_service_account` | 2 + sweep |

use async_trait::async_trait;
use latchkey::clock::Timestamp;
use latchkey::domain::{
    CredentialId, CredentialKind, CredentialRecord, Description, Email, Organization, OrganizationId, OrganizationName,
    Principal, PrincipalId, Revocation, ServiceAccount, ServiceAccountName, User,
};
use latchkey::store::{CredentialFilter, Page, PageRequest, Store, StoreResult, UserUpdate};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Calls per store method, by method name.
pub type Counts = BTreeMap<&'static str, u32>;

pub struct CountingStore {
    inner: Arc<dyn Store>,
    counts: Mutex<Counts>,
}

impl CountingStore {
    pub fn new(inner: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(Self { inner, counts: Mutex::new(Counts::new()) })
    }

    /// The calls counted since the last `take` (and starts counting afresh).
    pub fn take(&self) -> Counts {
        std::mem::take(&mut *self.counts.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The calls counted so far, without resetting.
    pub fn counts(&self) -> Counts {
        self.counts.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn count(&self, method: &'static str) {
        *self.counts.lock().unwrap_or_else(|p| p.into_inner()).entry(method).or_default() += 1;
    }
}

#[async_trait]
impl Store for CountingStore {
    async fn create_organization(
        &self,
        org: &Organization,
        owner: &User,
        first_token: &CredentialRecord,
    ) -> StoreResult<()> {
        self.count("create_organization");
        self.inner.create_organization(org, owner, first_token).await
    }
    async fn find_organization_by_name(&self, name: &OrganizationName) -> StoreResult<Option<Organization>> {
        self.count("find_organization_by_name");
        self.inner.find_organization_by_name(name).await
    }
    async fn create_user(&self, user: &User, first_token: &CredentialRecord) -> StoreResult<()> {
        self.count("create_user");
        self.inner.create_user(user, first_token).await
    }
    async fn get_user(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<User>> {
        self.count("get_user");
        self.inner.get_user(org, id).await
    }
    async fn find_user_by_email(&self, org: OrganizationId, email: &Email) -> StoreResult<Option<User>> {
        self.count("find_user_by_email");
        self.inner.find_user_by_email(org, email).await
    }
    async fn list_users(&self, org: OrganizationId, page: &PageRequest) -> StoreResult<Page<User>> {
        self.count("list_users");
        self.inner.list_users(org, page).await
    }
    async fn update_user(&self, org: OrganizationId, id: PrincipalId, update: &UserUpdate) -> StoreResult<User> {
        self.count("update_user");
        self.inner.update_user(org, id, update).await
    }
    async fn delete_user(&self, org: OrganizationId, id: PrincipalId, revocation: Revocation) -> StoreResult<()> {
        self.count("delete_user");
        self.inner.delete_user(org, id, revocation).await
    }
    async fn create_service_account(&self, account: &ServiceAccount, first_key: &CredentialRecord) -> StoreResult<()> {
        self.count("create_service_account");
        self.inner.create_service_account(account, first_key).await
    }
    async fn get_service_account(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<ServiceAccount>> {
        self.count("get_service_account");
        self.inner.get_service_account(org, id).await
    }
    async fn find_service_account_by_name(
        &self,
        org: OrganizationId,
        name: &ServiceAccountName,
    ) -> StoreResult<Option<ServiceAccount>> {
        self.count("find_service_account_by_name");
        self.inner.find_service_account_by_name(org, name).await
    }
    async fn list_service_accounts(
        &self,
        org: OrganizationId,
        page: &PageRequest,
    ) -> StoreResult<Page<ServiceAccount>> {
        self.count("list_service_accounts");
        self.inner.list_service_accounts(org, page).await
    }
    async fn delete_service_account(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        revocation: Revocation,
    ) -> StoreResult<()> {
        self.count("delete_service_account");
        self.inner.delete_service_account(org, id, revocation).await
    }
    async fn get_principals(&self, org: OrganizationId, ids: &[PrincipalId]) -> StoreResult<Vec<Principal>> {
        self.count("get_principals");
        self.inner.get_principals(org, ids).await
    }
    async fn issue_credential(&self, credential: &CredentialRecord) -> StoreResult<()> {
        self.count("issue_credential");
        self.inner.issue_credential(credential).await
    }
    async fn rotate_credentials(&self, credential: &CredentialRecord, revocation: Revocation) -> StoreResult<()> {
        self.count("rotate_credentials");
        self.inner.rotate_credentials(credential, revocation).await
    }
    async fn revoke_all_credentials(
        &self,
        org: OrganizationId,
        owner: PrincipalId,
        kind: CredentialKind,
        revocation: Revocation,
        keep_an_owner: bool,
    ) -> StoreResult<()> {
        self.count("revoke_all_credentials");
        self.inner.revoke_all_credentials(org, owner, kind, revocation, keep_an_owner).await
    }
    async fn revoke_credential(
        &self,
        org: OrganizationId,
        id: CredentialId,
        revocation: Revocation,
    ) -> StoreResult<CredentialRecord> {
        self.count("revoke_credential");
        self.inner.revoke_credential(org, id, revocation).await
    }
    async fn get_credential(&self, org: OrganizationId, id: CredentialId) -> StoreResult<Option<CredentialRecord>> {
        self.count("get_credential");
        self.inner.get_credential(org, id).await
    }
    async fn set_credential_description(
        &self,
        org: OrganizationId,
        id: CredentialId,
        description: Option<&Description>,
    ) -> StoreResult<CredentialRecord> {
        self.count("set_credential_description");
        self.inner.set_credential_description(org, id, description).await
    }
    async fn list_credentials(
        &self,
        org: OrganizationId,
        filter: &CredentialFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<CredentialRecord>> {
        self.count("list_credentials");
        self.inner.list_credentials(org, filter, page).await
    }
    async fn lookup_credential_and_owner(
        &self,
        owner: PrincipalId,
        credential: CredentialId,
    ) -> StoreResult<(Option<CredentialRecord>, Option<Principal>)> {
        self.count("lookup_credential_and_owner");
        self.inner.lookup_credential_and_owner(owner, credential).await
    }
    async fn record_last_used(
        &self,
        credential: CredentialId,
        at: Timestamp,
        unless_used_since: Timestamp,
    ) -> StoreResult<()> {
        self.count("record_last_used");
        self.inner.record_last_used(credential, at, unless_used_since).await
    }
}

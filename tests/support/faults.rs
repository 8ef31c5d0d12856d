//! A fault-injecting [`Store`]: wraps a real store and, per armed rule, answers chosen
//! methods with an error instead of calling the inner store (so the inner store is never
//! touched by a failed call). Used to check that the authorizer fails closed, that
//! endpoints answer 503 without internal detail, and that retries are bounded.

use async_trait::async_trait;
use latchkey::clock::Timestamp;
use latchkey::domain::{
    AuditContext, AuditEvent, AuditEventId, AuditFilter, CredentialId, CredentialKind, CredentialRecord, Description,
    Email, Organization, OrganizationId, OrganizationName, Principal, PrincipalId, Revocation, ServiceAccount,
    ServiceAccountName, User,
};
use latchkey::store::{
    AuditStore, CredentialFilter, CredentialLookup, CredentialStore, Housekeeping, OrganizationStore, Page,
    PageRequest, ServiceAccountStore, Store, StoreError, StoreResult, UserChangeCheck, UserStore, UserUpdate,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The detail every injected error carries; it must never reach a response body.
pub const FAULT_MARKER: &str = "INJECTED-FAULT-7f3a9c-dynamodb.internal:8000 ThrottlingException";

/// What kind of failure to inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Throttling or a timeout: `StoreError::Unavailable`.
    Unavailable,
    /// A conditional failure at the wrong moment: `StoreError::Contention`.
    Contention,
    /// A corrupt item or an unexpected response: `StoreError::Internal`.
    Internal,
    /// A table that never answers: the call never completes (its caller's bound must end
    /// it). Not in [`Fault::ALL`], whose faults all answer.
    Hang,
}

impl Fault {
    pub const ALL: [Fault; 3] = [Fault::Unavailable, Fault::Contention, Fault::Internal];

    fn error(self) -> Option<StoreError> {
        match self {
            Fault::Unavailable => Some(StoreError::unavailable(FAULT_MARKER)),
            Fault::Contention => Some(StoreError::Contention),
            Fault::Internal => Some(StoreError::internal(FAULT_MARKER)),
            Fault::Hang => None,
        }
    }
}

/// Which calls a rule applies to.
#[derive(Debug, Clone)]
pub enum Methods {
    All,
    Only(Vec<&'static str>),
    AllBut(Vec<&'static str>),
}

impl Methods {
    fn matches(&self, method: &str) -> bool {
        match self {
            Methods::All => true,
            Methods::Only(m) => m.contains(&method),
            Methods::AllBut(m) => !m.contains(&method),
        }
    }
}

/// The methods the authorizer calls; `Methods::AllBut(AUTHORIZER_PATH.into())` faults
/// every handler's store call while requests still authenticate.
pub const AUTHORIZER_PATH: [&str; 3] = ["read_for_authorization", "lookup_credential_and_owner", "record_last_used"];

#[derive(Debug, Clone)]
struct Rule {
    methods: Methods,
    fault: Fault,
    /// Matching calls to let through before failing.
    skip: usize,
    /// Matching calls to fail after that (`usize::MAX`: all).
    times: usize,
    seen: usize,
}

pub struct FaultyStore {
    inner: Arc<dyn Store>,
    rules: Mutex<Vec<Rule>>,
    injected: AtomicUsize,
    calls: Mutex<Vec<&'static str>>,
}

impl FaultyStore {
    pub fn new(inner: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            rules: Mutex::new(Vec::new()),
            injected: AtomicUsize::new(0),
            calls: Mutex::new(Vec::new()),
        })
    }

    pub fn inner(&self) -> &Arc<dyn Store> {
        &self.inner
    }

    /// Fails every matching call from now on.
    pub fn arm(&self, methods: Methods, fault: Fault) {
        self.arm_window(methods, fault, 0, usize::MAX);
    }

    /// Lets `skip` matching calls through, then fails the next `times` ones.
    pub fn arm_window(&self, methods: Methods, fault: Fault, skip: usize, times: usize) {
        self.rules.lock().unwrap().push(Rule { methods, fault, skip, times, seen: 0 });
    }

    pub fn disarm(&self) {
        self.rules.lock().unwrap().clear();
    }

    /// Errors injected so far.
    pub fn injected(&self) -> usize {
        self.injected.load(Ordering::SeqCst)
    }

    /// Every method called so far (failed or not), in order; cleared by `take_calls`.
    pub fn take_calls(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    /// Records the call; the fault of the first rule that fires, if any.
    fn fault_for(&self, method: &'static str) -> Option<Fault> {
        self.calls.lock().unwrap().push(method);
        let mut rules = self.rules.lock().unwrap();
        for rule in rules.iter_mut() {
            if !rule.methods.matches(method) {
                continue;
            }
            let n = rule.seen;
            rule.seen += 1;
            if n >= rule.skip && n - rule.skip < rule.times {
                self.injected.fetch_add(1, Ordering::SeqCst);
                return Some(rule.fault);
            }
        }
        None
    }

    async fn check(&self, method: &'static str) -> StoreResult<()> {
        match self.fault_for(method).map(Fault::error) {
            None => Ok(()),
            Some(Some(error)) => Err(error),
            Some(None) => std::future::pending().await,
        }
    }
}

macro_rules! pass {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {{
        $self.check(stringify!($method)).await?;
        $self.inner.$method($($arg),*).await
    }};
}

#[async_trait]
impl OrganizationStore for FaultyStore {
    async fn create_organization(
        &self,
        org: &Organization,
        owner: &User,
        first_token: &CredentialRecord,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        pass!(self.create_organization(org, owner, first_token, audit))
    }

    async fn find_organization_by_name(&self, name: &OrganizationName) -> StoreResult<Option<Organization>> {
        pass!(self.find_organization_by_name(name))
    }

    async fn get_organization(&self, org: OrganizationId) -> StoreResult<Option<Organization>> {
        pass!(self.get_organization(org))
    }

    async fn update_organization_policy(
        &self,
        org: OrganizationId,
        change: &latchkey::domain::PolicyChange,
        check: latchkey::store::PolicyCheck,
        audit: &AuditContext,
    ) -> StoreResult<Organization> {
        pass!(self.update_organization_policy(org, change, check, audit))
    }
}

#[async_trait]
impl UserStore for FaultyStore {
    async fn create_user(&self, user: &User, first_token: &CredentialRecord, audit: &AuditContext) -> StoreResult<()> {
        pass!(self.create_user(user, first_token, audit))
    }

    async fn get_user(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<User>> {
        pass!(self.get_user(org, id))
    }

    async fn find_user_by_email(&self, org: OrganizationId, email: &Email) -> StoreResult<Option<User>> {
        pass!(self.find_user_by_email(org, email))
    }

    async fn list_users(&self, org: OrganizationId, page: &PageRequest) -> StoreResult<Page<User>> {
        pass!(self.list_users(org, page))
    }

    async fn update_user(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        update: &UserUpdate,
        check: UserChangeCheck,
        audit: &AuditContext,
    ) -> StoreResult<User> {
        pass!(self.update_user(org, id, update, check, audit))
    }

    async fn delete_user(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        pass!(self.delete_user(org, id, revocation, audit))
    }
}

#[async_trait]
impl ServiceAccountStore for FaultyStore {
    async fn create_service_account(
        &self,
        account: &ServiceAccount,
        first_key: &CredentialRecord,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        pass!(self.create_service_account(account, first_key, audit))
    }

    async fn get_service_account(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<ServiceAccount>> {
        pass!(self.get_service_account(org, id))
    }

    async fn find_service_account_by_name(
        &self,
        org: OrganizationId,
        name: &ServiceAccountName,
    ) -> StoreResult<Option<ServiceAccount>> {
        pass!(self.find_service_account_by_name(org, name))
    }

    async fn list_service_accounts(
        &self,
        org: OrganizationId,
        page: &PageRequest,
    ) -> StoreResult<Page<ServiceAccount>> {
        pass!(self.list_service_accounts(org, page))
    }

    async fn set_service_account_suspended(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        suspended: bool,
        audit: &AuditContext,
    ) -> StoreResult<ServiceAccount> {
        pass!(self.set_service_account_suspended(org, id, suspended, audit))
    }

    async fn delete_service_account(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        pass!(self.delete_service_account(org, id, revocation, audit))
    }
}

#[async_trait]
impl CredentialStore for FaultyStore {
    async fn issue_credential(&self, credential: &CredentialRecord, audit: &AuditContext) -> StoreResult<()> {
        pass!(self.issue_credential(credential, audit))
    }

    async fn rotate_credentials(
        &self,
        credential: &CredentialRecord,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        pass!(self.rotate_credentials(credential, revocation, audit))
    }

    async fn revoke_all_credentials(
        &self,
        org: OrganizationId,
        owner: PrincipalId,
        kind: CredentialKind,
        revocation: Revocation,
        keep_an_owner: bool,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        pass!(self.revoke_all_credentials(org, owner, kind, revocation, keep_an_owner, audit))
    }

    async fn revoke_credential(
        &self,
        org: OrganizationId,
        id: CredentialId,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<CredentialRecord> {
        pass!(self.revoke_credential(org, id, revocation, audit))
    }

    async fn roll_credential(
        &self,
        old: &CredentialRecord,
        successor: &CredentialRecord,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        pass!(self.roll_credential(old, successor, revocation, audit))
    }

    async fn get_credential(&self, org: OrganizationId, id: CredentialId) -> StoreResult<Option<CredentialRecord>> {
        pass!(self.get_credential(org, id))
    }

    async fn revoke_leaked(
        &self,
        owner: PrincipalId,
        credential: CredentialId,
        presented: &latchkey::domain::SecretHash,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<Option<OrganizationId>> {
        pass!(self.revoke_leaked(owner, credential, presented, revocation, audit))
    }

    async fn set_credential_description(
        &self,
        org: OrganizationId,
        id: CredentialId,
        description: Option<&Description>,
        audit: &AuditContext,
    ) -> StoreResult<CredentialRecord> {
        pass!(self.set_credential_description(org, id, description, audit))
    }

    async fn set_credential_disabled(
        &self,
        before: &CredentialRecord,
        after: &CredentialRecord,
        audit: &AuditContext,
    ) -> StoreResult<CredentialRecord> {
        pass!(self.set_credential_disabled(before, after, audit))
    }

    async fn list_credentials(
        &self,
        org: OrganizationId,
        filter: &CredentialFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<CredentialRecord>> {
        pass!(self.list_credentials(org, filter, page))
    }

    async fn get_principals(&self, org: OrganizationId, ids: &[PrincipalId]) -> StoreResult<Vec<Principal>> {
        pass!(self.get_principals(org, ids))
    }
}

#[async_trait]
impl Housekeeping for FaultyStore {
    async fn complete_pending_sweeps(&self, now: latchkey::clock::Timestamp) -> StoreResult<usize> {
        pass!(self.complete_pending_sweeps(now))
    }

    async fn backfill_identity(&self, now: Timestamp) -> StoreResult<usize> {
        pass!(self.backfill_identity(now))
    }

    async fn record_expiry_notices(&self, within: chrono::Duration, audit: &AuditContext) -> StoreResult<usize> {
        pass!(self.record_expiry_notices(within, audit))
    }
}

#[async_trait]
impl AuditStore for FaultyStore {
    async fn get_audit_event(&self, org: OrganizationId, id: AuditEventId) -> StoreResult<Option<AuditEvent>> {
        pass!(self.get_audit_event(org, id))
    }

    async fn list_audit_events(
        &self,
        org: OrganizationId,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEvent>> {
        pass!(self.list_audit_events(org, filter, page))
    }

    async fn audit_events_between(
        &self,
        since: Timestamp,
        until: Timestamp,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEvent>> {
        pass!(self.audit_events_between(since, until, page))
    }
}

#[async_trait]
impl CredentialLookup for FaultyStore {
    async fn read_for_authorization(
        &self,
        organization: Option<OrganizationId>,
        owner: PrincipalId,
        credential: CredentialId,
    ) -> StoreResult<latchkey::store::AuthorizationRead> {
        pass!(self.read_for_authorization(organization, owner, credential))
    }

    async fn lookup_credential_and_owner(
        &self,
        owner: PrincipalId,
        credential: CredentialId,
    ) -> StoreResult<(Option<CredentialRecord>, Option<Principal>)> {
        pass!(self.lookup_credential_and_owner(owner, credential))
    }

    async fn record_last_used(
        &self,
        credential: CredentialId,
        at: Timestamp,
        unless_used_since: Timestamp,
        source_ip: Option<&str>,
    ) -> StoreResult<()> {
        pass!(self.record_last_used(credential, at, unless_used_since, source_ip))
    }
}

/// `spawn_app` on a [`FaultyStore`] wrapping `inner`: bootstrapped while no rule is armed,
/// so the organization exists; arm rules afterwards.
pub async fn spawn_faulty_app(inner: Arc<dyn Store>) -> (crate::app::TestApp, Arc<FaultyStore>) {
    let faulty = FaultyStore::new(inner);
    let app = crate::app::spawn_app(Arc::clone(&faulty) as Arc<dyn Store>).await;
    (app, faulty)
}

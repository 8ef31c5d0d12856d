//! Operator actions (SPEC section 4), not behind the authorizer: `bootstrap` creates an
//! organization with its first OWNER; `recover` rotates the CLI tokens of an existing user
//! who is or was an OWNER (`owner_since`, SPEC section 7).
//! Both return the new CLI token exactly once. In AWS they are Lambda functions without a
//! route; locally they are `latchkey bootstrap` / `latchkey recover`.

use crate::clock::Clock;
use crate::config::Config;
use crate::credential::{Locator, Token};
use crate::domain::{
    AuditContext, CredentialId, CredentialKind, CredentialRecord, DomainError, Email, IpRanges, Organization,
    OrganizationId, OrganizationName, PermissionLevel, PolicyChange, PrincipalId, Revocation, User,
};
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};

/// The event both operator functions take.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorRequest {
    pub organization: String,
    pub owner_email: String,
}

/// What both return. `cli_token` is shown here once and never again.
#[derive(Serialize, Deserialize)]
pub struct OperatorOutcome {
    pub organization_id: OrganizationId,
    pub user_id: PrincipalId,
    pub cli_token: String,
}

impl std::fmt::Debug for OperatorOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorOutcome")
            .field("organization_id", &self.organization_id)
            .field("user_id", &self.user_id)
            .field("cli_token", &"[REDACTED]")
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    #[error("invalid input: {0}")]
    Invalid(#[from] DomainError),
    #[error("an organization named {0:?} already exists")]
    OrganizationExists(String),
    #[error("no organization named {0:?}")]
    NoSuchOrganization(String),
    #[error("{0} is not a user of that organization who is or was an OWNER")]
    NotAnOwner(String),
    #[error("the operating system's random number generator failed")]
    Entropy,
    /// The store failed; it is the source (`logging::ErrorChain` shows the whole chain).
    #[error("store")]
    Store(#[from] StoreError),
}

/// Which operator action: the CLI's `bootstrap`/`recover` and the two Lambda functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorAction {
    Bootstrap,
    Recover,
}

/// Runs `action`: what both the `latchkey` command and the Lambda functions call.
pub async fn run(
    action: OperatorAction,
    store: &dyn Store,
    clock: &dyn Clock,
    config: &Config,
    req: &OperatorRequest,
) -> Result<OperatorOutcome, OperatorError> {
    // Upgrades first: once per table (later runs cost one read). Its failure never keeps an
    // operator out: logged, and tried again by the next run.
    if let Err(error) = store.backfill_identity(clock.now()).await {
        let error = crate::logging::ErrorChain(&error);
        tracing::warn!(%error, "the owner_since / CLI-token liveness backfill did not complete");
    }
    match action {
        OperatorAction::Bootstrap => bootstrap(store, clock, config, req).await,
        OperatorAction::Recover => recover(store, clock, config, req).await,
    }
}

pub async fn bootstrap(
    store: &dyn Store,
    clock: &dyn Clock,
    config: &Config,
    req: &OperatorRequest,
) -> Result<OperatorOutcome, OperatorError> {
    let name = OrganizationName::parse(&req.organization)?;
    let email = owner_email(config, &req.owner_email)?;
    if store.find_organization_by_name(&name).await?.is_some() {
        return Err(OperatorError::OrganizationExists(name.as_str().to_string()));
    }
    let now = clock.now();
    let org = Organization { id: OrganizationId::new_random(), name, created_at: now, policy: Default::default() };
    let owner = User::new(org.id, email, PermissionLevel::Owner, now);
    let (token, record) = cli_token_for(&owner, 0, now)?;
    match store.create_organization(&org, &owner, &record, &AuditContext::operator(now, config.audit_retention())).await
    {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Err(OperatorError::OrganizationExists(org.name.as_str().to_string())),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(organization_id = %org.id, user_id = %owner.id, "organization bootstrapped");
    Ok(OperatorOutcome { organization_id: org.id, user_id: owner.id, cli_token: token.expose().to_string() })
}

pub async fn recover(
    store: &dyn Store,
    clock: &dyn Clock,
    config: &Config,
    req: &OperatorRequest,
) -> Result<OperatorOutcome, OperatorError> {
    let name = OrganizationName::parse(&req.organization)?;
    let email = Email::parse(&req.owner_email)?;
    let org = store
        .find_organization_by_name(&name)
        .await?
        .ok_or_else(|| OperatorError::NoSuchOrganization(name.as_str().to_string()))?;
    for _ in 0..3 {
        let user = store
            .find_user_by_email(org.id, &email)
            .await?
            // A demoted former owner is never stranded: no other principal may rotate its CLI
            // tokens, so recover must.
            .filter(User::has_been_owner)
            .ok_or_else(|| OperatorError::NotAnOwner(email.to_string()))?;
        let now = clock.now();
        let (token, record) = cli_token_for(&user, user.cli_token_epoch + 1, now)?;
        let audit = AuditContext::operator(now, config.audit_retention());
        match store.rotate_credentials(&record, Revocation::new(now, config.retention()), &audit).await {
            Ok(()) => {
                tracing::info!(organization_id = %org.id, user_id = %user.id, "owner recovered");
                return Ok(OperatorOutcome {
                    organization_id: org.id,
                    user_id: user.id,
                    cli_token: token.expose().to_string(),
                });
            }
            Err(StoreError::Contention) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Contention.into())
}

/// `latchkey recover --clear-ip-policy` (SPEC section 11): empties the organization's
/// `allowed_ip_ranges`, audited as an operator's policy change, so an egress address that
/// changed never locks an organization out for good. Whether anything changed.
pub async fn clear_ip_policy(
    store: &dyn Store,
    clock: &dyn Clock,
    config: &Config,
    organization: &str,
) -> Result<bool, OperatorError> {
    let name = OrganizationName::parse(organization)?;
    let org = store
        .find_organization_by_name(&name)
        .await?
        .ok_or_else(|| OperatorError::NoSuchOrganization(name.as_str().to_string()))?;
    let change = PolicyChange { allowed_ip_ranges: Some(IpRanges::default()), ..PolicyChange::default() };
    let audit = AuditContext::operator(clock.now(), config.audit_retention());
    let after = store.update_organization_policy(org.id, &change, std::sync::Arc::new(|_| Ok(())), &audit).await?;
    let changed = !org.policy.allowed_ip_ranges.is_empty();
    tracing::info!(organization_id = %org.id, changed, "IP policy cleared");
    debug_assert!(after.policy.allowed_ip_ranges.is_empty());
    Ok(changed)
}

fn owner_email(config: &Config, raw: &str) -> Result<Email, OperatorError> {
    let email = Email::parse(raw)?;
    if email.is_in_service_account_domain(&config.service_account_domain) {
        return Err(DomainError::invalid("owner_email", "addresses in the service-account domain are reserved").into());
    }
    Ok(email)
}

fn cli_token_for(
    user: &User,
    epoch: u64,
    now: crate::clock::Timestamp,
) -> Result<(Token, CredentialRecord), OperatorError> {
    let locator = Locator::new(CredentialKind::CliToken, user.organization_id, user.id, CredentialId::new_random());
    let token = Token::generate(locator).map_err(|_| OperatorError::Entropy)?;
    let record = CredentialRecord {
        id: locator.credential_id,
        organization_id: user.organization_id,
        kind: CredentialKind::CliToken,
        owner_id: user.id,
        owner_email: user.email.clone(),
        secret_hash: token.hash(),
        last_six: token.last_six(),
        epoch,
        description: None,
        created_at: now,
        created_by: None,
        expires_at: None,
        revoked_at: None,
        last_used_at: None,
        purge_at: None,
        scopes: None,
        lifecycle: Default::default(),
        superseded_until: None,
        allowed_ip_ranges: Default::default(),
    };
    Ok((token, record))
}

//! One handler per route. Each validates its input, asks the policy, calls the store and
//! maps the outcome; the route table decides which one runs.

mod audit;
mod console;
mod credentials;
mod leaks;
mod lifecycle;
mod organization;
mod roll;
mod service_accounts;
mod tokens;
mod users;
mod verify;

use super::input;
use super::{Access, Api, ApiError, ApiRequest, ApiResponse, Route, RouteId, views};
use crate::clock::Timestamp;
use crate::credential::{Locator, Token};
use crate::domain::audit::{Actor, RequestMeta};
use crate::domain::policy;
use crate::domain::{
    AuditContext, CredentialId, CredentialKind, CredentialRecord, Description, Email, IpRanges, OrganizationId,
    PrincipalId, Revocation, Scopes, scope,
};
use latchkey_wire as wire;

pub async fn dispatch(api: &Api, route: &'static Route, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    input::check_query(&req, route)?;
    // The route-level gate; handlers refine it (object ownership, OWNER-vs-OWNER rules).
    match route.access {
        Access::Public => {}
        Access::Authenticated => {
            input::caller(&req)?;
        }
        Access::User => policy::require_user(input::caller(&req)?)?,
        Access::Owner => policy::require_owner(input::caller(&req)?)?,
    }
    // Scopes narrow, never widen (SPEC section 9): the one place they are enforced, from the
    // caller the authorizer established, after the route's own gate.
    if let Some(caller) = &req.caller
        && !scope::allows(caller.credential.scopes.as_ref(), route.scope)
    {
        return Err(ApiError::InsufficientScope(route.scope.unwrap_or_default()));
    }
    use RouteId::*;
    match route.id {
        Health => {
            input::no_body(&req)?;
            Ok(ApiResponse::json(200, &wire::Health { status: "ok".into() }))
        }
        Me => {
            input::no_body(&req)?;
            Ok(ApiResponse::json(200, &views::me(input::caller(&req)?)))
        }
        ListUsers => users::list(api, &req).await,
        CreateUser => users::create(api, &req).await,
        GetUser => users::get(api, &req).await,
        UpdateUser => users::update(api, &req).await,
        DeleteUser => users::delete(api, &req).await,
        RotateOwnCliTokens => users::rotate_own_cli_tokens(api, &req).await,
        RevokeOwnCliTokens => users::revoke_own_cli_tokens(api, &req).await,
        RotateUserCliTokens => users::rotate_user_cli_tokens(api, &req).await,
        CreateServiceAccount => service_accounts::create(api, &req).await,
        ListServiceAccounts => service_accounts::list(api, &req).await,
        GetServiceAccount => service_accounts::get(api, &req).await,
        UpdateServiceAccount => service_accounts::update(api, &req).await,
        DeleteServiceAccount => service_accounts::delete(api, &req).await,
        CreateApiKey => service_accounts::create_api_key(api, &req).await,
        ListServiceAccountApiKeys => service_accounts::list_api_keys(api, &req).await,
        RotateApiKeys => service_accounts::rotate_api_keys(api, &req).await,
        RevokeApiKeys => service_accounts::revoke_api_keys(api, &req).await,
        ListApiKeys => credentials::list_api_keys(api, &req).await,
        RevokeApiKey => credentials::revoke_api_key(api, &req).await,
        UpdateApiKey => lifecycle::update_api_key(api, &req).await,
        RollApiKey => roll::roll_api_key(api, &req).await,
        CreateAccessToken => tokens::create(api, &req).await,
        ListAccessTokens => tokens::list(api, &req).await,
        GetAccessToken => tokens::get(api, &req).await,
        UpdateAccessToken => tokens::update(api, &req).await,
        Verify => verify::verify(api, &req).await,
        RevokeLeakedCredentials => leaks::revoke(api, &req).await,
        GithubSecretScanning => leaks::github(api, &req).await,
        GetOrganization => organization::get(api, &req).await,
        UpdateOrganization => organization::update(api, &req).await,
        ListAuditEvents => audit::list(api, &req).await,
        GetAuditEvent => audit::get(api, &req).await,
        ConsolePage => console::page(&req),
        ConsoleAsset => console::asset(&req),
    }
}

/// What a new credential needs besides its kind and owner.
struct NewCredential<'a> {
    organization_id: OrganizationId,
    kind: CredentialKind,
    owner_id: PrincipalId,
    owner_email: &'a Email,
    epoch: u64,
    created_by: Option<PrincipalId>,
    expires_at: Option<Timestamp>,
    description: Option<Description>,
    /// `None`: unscoped.
    scopes: Option<Scopes>,
    /// Where it may be used from (`policy::bound_ranges`).
    allowed_ip_ranges: IpRanges,
}

/// Generates a token and the record the store keeps of it (its hash, never the plaintext).
fn mint(api: &Api, new: NewCredential<'_>) -> Result<(Token, CredentialRecord), ApiError> {
    mint_at(api, new, api.clock.now())
}

/// [`mint`], created at `now`: the instant its caller already computed an expiry from, so
/// that `expires_at - created_at` is exactly the lifespan asked for (a second reading of a
/// real clock is a little later).
fn mint_at(api: &Api, new: NewCredential<'_>, now: Timestamp) -> Result<(Token, CredentialRecord), ApiError> {
    let locator = Locator::new(new.kind, new.organization_id, new.owner_id, CredentialId::new_random());
    let token = Token::generate(locator).map_err(|e| ApiError::Unavailable(e.to_string()))?;
    let record = CredentialRecord {
        id: locator.credential_id,
        organization_id: new.organization_id,
        kind: new.kind,
        owner_id: new.owner_id,
        owner_email: new.owner_email.clone(),
        secret_hash: token.hash(),
        last_six: token.last_six(),
        epoch: new.epoch,
        description: new.description,
        created_at: now,
        created_by: new.created_by,
        expires_at: new.expires_at,
        revoked_at: None,
        last_used_at: None,
        purge_at: CredentialRecord::purge_time_for_expiry(new.expires_at, api.config.retention()),
        scopes: new.scopes,
        lifecycle: Default::default(),
        superseded_until: None,
        allowed_ip_ranges: new.allowed_ip_ranges,
    };
    Ok((token, record))
}

/// `allowed_ip_ranges` of a request body (a credential's: at most 20).
fn parse_credential_ranges(raw: Option<&[String]>) -> Result<Option<IpRanges>, ApiError> {
    Ok(raw.map(|r| IpRanges::parse(r, crate::domain::org_policy::MAX_CREDENTIAL_RANGES)).transpose()?)
}

/// `scopes` of a request body: absent or null is unscoped.
fn parse_scopes(raw: Option<&[String]>) -> Result<Option<Scopes>, ApiError> {
    Ok(raw.map(Scopes::parse).transpose()?)
}

/// The audit context of a request: its caller (anonymous on a public route), where it came
/// from, and now. Every change a handler asks of the store carries it.
fn audit(api: &Api, req: &ApiRequest) -> AuditContext {
    let actor = req.caller.as_ref().map(Actor::caller).unwrap_or_else(Actor::anonymous);
    let request = RequestMeta::new(Some(req.request_id.clone()), req.source_ip.clone(), req.user_agent.as_deref());
    AuditContext::new(actor, request, api.clock.now(), api.config.audit_retention())
}

fn revocation(api: &Api) -> Revocation {
    Revocation::new(api.clock.now(), api.config.retention())
}

/// The revocation a rotation owes the generation it replaces, with the body's
/// `grace_period_seconds` (SPEC section 10): at the grace's end, or now.
fn rotation_revocation(api: &Api, grace_period_seconds: Option<i64>) -> Result<Revocation, ApiError> {
    let grace = grace_period_seconds.map(crate::domain::GracePeriod::parse).transpose()?.unwrap_or_default();
    Ok(grace.revocation(api.clock.now(), api.config.retention()))
}

/// Retries an operation that lost a race on an owner's epoch (another rotation or key
/// creation landed between our read and our write). Bounded: the caller gets 409 after.
const EPOCH_RETRIES: usize = 3;

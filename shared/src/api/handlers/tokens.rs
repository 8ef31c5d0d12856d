//! `/tokens`: expiring access tokens with descriptions (the Determined feature set).

use super::*;
use crate::domain::{CredentialStatus, LifespanDays, Principal, User};
use crate::store::CredentialFilter;
use std::str::FromStr;

pub async fn create(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let caller = input::caller(req)?;
    // Before any lookup: a caller that may create none learns nothing of the target.
    policy::may_create_access_tokens(caller)?;
    let body: wire::CreateAccessToken = input::body(req)?;
    let org = caller.organization_id;
    let target = match body.user.as_deref() {
        None => {
            policy::require_user(caller)?;
            api.store.get_user(org, caller.id).await?.ok_or(ApiError::Unauthorized)?
        }
        Some(reference) => find_user(api, org, reference)
            .await?
            .ok_or_else(|| ApiError::validation("user: no such user in this organization"))?,
    };
    policy::may_create_access_token_for(caller, &target)?;
    // The organization's limit within the service's (SPEC section 11), owners' tokens included.
    let organization = api.store.get_organization(org).await?.ok_or(ApiError::Unauthorized)?;
    let max_days = organization.policy.access_token_max_days(api.config.access_token_max_days);
    let default_days = api.config.access_token_default_days.min(max_days);
    let days = LifespanDays::parse(body.lifespan_days.unwrap_or(i64::from(default_days)), max_days)?;
    let description = body.description.as_deref().filter(|d| !d.is_empty()).map(Description::parse).transpose()?;
    let scopes = parse_scopes(body.scopes.as_deref())?;
    policy::may_grant_scopes(caller, scopes.as_ref())?;
    let named_ranges = parse_credential_ranges(body.allowed_ip_ranges.as_deref())?;
    let allowed_ip_ranges = policy::bound_ranges(caller, named_ranges, None).map_err(ApiError::validation)?;
    let now = api.clock.now();
    let mut expires_at = now + days.duration();
    // A credential never makes a wider one (section 7): an access token makes none at all
    // (the policy above); any other expiring caller credential bounds what it makes.
    if let Some(own_expiry) = caller.credential.expires_at.filter(|own| expires_at > *own) {
        if body.lifespan_days.is_some() {
            return Err(ApiError::validation(format!(
                "lifespan_days: a token cannot outlive the credential that creates it (which expires at {})",
                own_expiry.to_rfc3339()
            )));
        }
        expires_at = own_expiry;
    }
    if expires_at <= now {
        return Err(ApiError::validation("lifespan_days: the token would already be expired"));
    }
    let (token, record) = mint_at(
        api,
        NewCredential {
            organization_id: org,
            kind: CredentialKind::AccessToken,
            owner_id: target.id,
            owner_email: &target.email,
            epoch: 0,
            created_by: Some(caller.id),
            expires_at: Some(expires_at),
            description,
            scopes,
            allowed_ip_ranges,
        },
        now,
    )?;
    api.store.issue_credential(&record, &audit(api, req)).await?;
    tracing::info!(request_id = %req.request_id, user_id = %target.id, credential_id = %record.id, "access token created");
    let token_info = views::credential(&record, now, Some(&Principal::User(target)));
    Ok(ApiResponse::json(201, &wire::IssuedAccessToken { token_info, token: token.expose().to_string() }))
}

pub async fn list(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    let caller = input::caller(req)?;
    let org = caller.organization_id;
    let include_inactive = input::query_bool(req, "show_inactive")?;
    let owner = match input::query(req, "user") {
        Some(reference) => {
            let user = find_user(api, org, reference).await?;
            match user {
                Some(u) => {
                    policy::may_list_tokens_of(caller, u.id == caller.id)?;
                    Some(u.id)
                }
                None => {
                    policy::require_owner(caller)?;
                    return super::credentials::empty_list(req);
                }
            }
        }
        // OWNERs see every token of the organization; anyone else their own.
        None if caller.is_owner() => None,
        None => {
            policy::require_user(caller)?;
            Some(caller.id)
        }
    };
    let list = format!("tokens|{}|{include_inactive}", owner.map(|o| o.to_string()).unwrap_or_default());
    let filter = CredentialFilter {
        kind: CredentialKind::AccessToken,
        owner,
        last_six: None,
        include_inactive,
        now: api.clock.now(),
    };
    super::credentials::list_credentials(api, req, org, &list, filter).await
}

pub async fn get(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    let caller = input::caller(req)?;
    let (token, owner) = load_token(api, req).await?;
    policy::may_access_token(caller, &token)?;
    Ok(ApiResponse::json(200, &views::credential(&token, api.clock.now(), owner.as_ref())))
}

pub async fn update(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let caller = input::caller(req)?;
    let body: wire::UpdateAccessToken = input::body(req)?;
    if body.description.is_none() && body.revoked.is_none() && body.disabled.is_none() {
        return Err(ApiError::validation("nothing to change: give description, disabled and/or revoked"));
    }
    let (mut token, owner) = load_token(api, req).await?;
    policy::may_access_token(caller, &token)?;
    let now = api.clock.now();
    let status = token.status(now, owner.as_ref());
    if body.revoked == Some(false) && status == CredentialStatus::Revoked {
        return Err(ApiError::validation("revoked: a revoked token cannot be un-revoked"));
    }
    if let Some(raw) = body.description.as_deref() {
        let description = super::lifecycle::parse_description(raw)?;
        token = super::lifecycle::edit_description(api, req, &token, owner.as_ref(), description.as_ref()).await?;
    }
    if let Some(disabled) = body.disabled {
        token = super::lifecycle::set_disabled(api, req, token, owner.as_ref(), disabled).await?;
    }
    if body.revoked == Some(true) {
        token =
            api.store.revoke_credential(caller.organization_id, token.id, revocation(api), &audit(api, req)).await?;
        tracing::info!(request_id = %req.request_id, credential_id = %token.id, "access token revoked");
    }
    Ok(ApiResponse::json(200, &views::credential(&token, now, owner.as_ref())))
}

/// The token and its owner (whose existence decides whether it is revoked).
async fn load_token(api: &Api, req: &ApiRequest) -> Result<(CredentialRecord, Option<Principal>), ApiError> {
    let caller = input::caller(req)?;
    let id = super::credentials::parse_credential_id(input::path_param(req, "token_id")?)?;
    let token = api.store.get_credential(caller.organization_id, id).await?.ok_or(ApiError::NotFound)?;
    if token.kind != CredentialKind::AccessToken {
        return Err(ApiError::NotFound);
    }
    let owner = api.store.get_principals(caller.organization_id, &[token.owner_id]).await?.into_iter().next();
    Ok((token, owner))
}

/// A user by id or email, within the organization.
async fn find_user(api: &Api, org: crate::domain::OrganizationId, reference: &str) -> Result<Option<User>, ApiError> {
    if reference.contains('@') {
        let email = Email::parse(reference)?;
        Ok(api.store.find_user_by_email(org, &email).await?)
    } else {
        match PrincipalId::from_str(reference) {
            Ok(id) => Ok(api.store.get_user(org, id).await?),
            Err(_) => Err(ApiError::validation("user must be a user id or an email")),
        }
    }
}

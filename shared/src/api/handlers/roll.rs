//! `POST /api-keys/{key_id}/rotate` (SPEC section 10): rolling one key. The successor has
//! the same service account, description, scopes and lifespan; the old key alone keeps
//! working until the grace ends; its siblings are untouched.

use super::*;
use crate::domain::{CredentialStatus, Principal};
use crate::store::StoreError;

pub async fn roll_api_key(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let caller = input::caller(req)?;
    policy::may_issue_api_keys(caller)?;
    let body: wire::Rotate = input::body(req)?;
    let revocation = rotation_revocation(api, body.grace_period_seconds)?;
    let id = super::credentials::parse_credential_id(input::path_param(req, "key_id")?)?;
    let org = caller.organization_id;
    let org_policy = super::service_accounts::organization_policy(api, org).await?;
    for _ in 0..EPOCH_RETRIES {
        let old = api.store.get_credential(org, id).await?.ok_or(ApiError::NotFound)?;
        if old.kind != CredentialKind::ApiKey {
            return Err(ApiError::NotFound);
        }
        let account = api.store.get_service_account(org, old.owner_id).await?.ok_or(ApiError::NotFound)?;
        let owner = Principal::ServiceAccount(account.clone());
        let now = api.clock.now();
        if old.status(now, Some(&owner)) != CredentialStatus::Active || old.superseded_until.is_some() {
            return Err(ApiError::Conflict("only an active key that was not rolled already can be rolled".into()));
        }
        policy::may_grant_scopes(caller, old.scopes.as_ref())?;
        // The same lifespan, counted from now, within the organization's api_key_max_days
        // (cut to it: inherited, not asked for) and the caller's own expiry (SPEC section 7).
        let lifespan = org_policy.api_key_lifespan(old.expires_at.map(|e| e - old.created_at), false)?;
        let expires_at = policy::bound_expiry(caller, lifespan.map(|l| now + l), true).map_err(ApiError::validation)?;
        let (token, record) = mint_at(
            api,
            NewCredential {
                organization_id: org,
                kind: CredentialKind::ApiKey,
                owner_id: account.id,
                owner_email: &account.email,
                epoch: account.api_key_epoch,
                created_by: Some(caller.id),
                expires_at,
                description: old.description.clone(),
                scopes: old.scopes.clone(),
                allowed_ip_ranges: policy::bound_ranges(caller, None, Some(&old.allowed_ip_ranges))
                    .map_err(ApiError::validation)?,
            },
            now,
        )?;
        match api.store.roll_credential(&old, &record, revocation, &audit(api, req)).await {
            Ok(()) => {
                tracing::info!(request_id = %req.request_id, credential_id = %old.id, new_credential_id = %record.id, "API key rolled");
                let key = views::credential(&record, now, Some(&owner));
                return Ok(ApiResponse::json(200, &wire::IssuedApiKey { api_key: token.expose().to_string(), key }));
            }
            Err(StoreError::Contention) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Contention.into())
}

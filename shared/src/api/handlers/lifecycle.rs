//! Disable and enable (SPEC section 10): `PATCH /api-keys/{key_id}` `{disabled?,
//! description?}`, and the `disabled` of `PATCH /tokens/{token_id}` (tokens.rs). The rules are
//! the domain's (`CredentialRecord::with_disabled`, `policy::may_enable`); the store writes
//! the change conditioned on the credential as read.

use super::*;
use crate::domain::{CredentialStatus, DisableRefusal, DisabledChange, Principal};
use crate::store::StoreError;

pub async fn update_api_key(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let caller = input::caller(req)?;
    policy::may_change_api_keys(caller)?;
    let body: wire::UpdateApiKey = input::body(req)?;
    if body.description.is_none() && body.disabled.is_none() {
        return Err(ApiError::validation("nothing to change: give description and/or disabled"));
    }
    let description = body.description.as_deref().map(parse_description).transpose()?;
    let id = super::credentials::parse_credential_id(input::path_param(req, "key_id")?)?;
    let org = caller.organization_id;
    let mut key = api.store.get_credential(org, id).await?.ok_or(ApiError::NotFound)?;
    if key.kind != CredentialKind::ApiKey {
        return Err(ApiError::NotFound);
    }
    let owner = api.store.get_principals(org, &[key.owner_id]).await?.into_iter().next();
    if let Some(description) = description {
        key = edit_description(api, req, &key, owner.as_ref(), description.as_ref()).await?;
    }
    if let Some(disabled) = body.disabled {
        key = set_disabled(api, req, key, owner.as_ref(), disabled).await?;
    }
    tracing::info!(request_id = %req.request_id, credential_id = %key.id, "API key updated");
    Ok(ApiResponse::json(200, &views::credential(&key, api.clock.now(), owner.as_ref())))
}

/// `""` clears a description.
pub(super) fn parse_description(raw: &str) -> Result<Option<Description>, ApiError> {
    Ok(if raw.is_empty() { None } else { Some(Description::parse(raw)?) })
}

/// A live (active or disabled) credential's description; a revoked or expired one's is final.
pub(super) async fn edit_description(
    api: &Api,
    req: &ApiRequest,
    credential: &CredentialRecord,
    owner: Option<&Principal>,
    description: Option<&Description>,
) -> Result<CredentialRecord, ApiError> {
    let status = credential.status(api.clock.now(), owner);
    if !matches!(status, CredentialStatus::Active | CredentialStatus::Disabled) {
        return Err(ApiError::Conflict(format!(
            "the credential is {}; only a live credential's description can be edited",
            if status == CredentialStatus::Revoked { "revoked" } else { "expired" }
        )));
    }
    Ok(api
        .store
        .set_credential_description(credential.organization_id, credential.id, description, &audit(api, req))
        .await?)
}

/// Disables (`true`) or enables (`false`) `credential` for the caller: revoked stays final
/// (409), and what an OWNER other than its holder disabled only such an OWNER with a
/// persistent credential enables. Judged on the credential as read, written on condition it
/// is still so; read and judged again when a concurrent change won.
pub(super) async fn set_disabled(
    api: &Api,
    req: &ApiRequest,
    credential: CredentialRecord,
    owner: Option<&Principal>,
    disabled: bool,
) -> Result<CredentialRecord, ApiError> {
    let caller = input::caller(req)?;
    let mut before = credential;
    for _ in 0..EPOCH_RETRIES {
        let now = api.clock.now();
        let revoked = before.status(now, owner) == CredentialStatus::Revoked;
        if !disabled && !revoked {
            policy::may_enable(caller, &before)?;
        }
        let after = match before.with_disabled(DisabledChange { disabled, by: caller.id, at: now }, revoked) {
            Ok(Some(after)) => after,
            Ok(None) => return Ok(before),
            Err(refusal @ DisableRefusal::Revoked) => return Err(ApiError::Conflict(refusal.to_string())),
        };
        match api.store.set_credential_disabled(&before, &after, &audit(api, req)).await {
            Ok(written) => {
                tracing::info!(request_id = %req.request_id, credential_id = %written.id, disabled, "credential disabled flag set");
                return Ok(written);
            }
            Err(StoreError::Contention) => {
                before =
                    api.store.get_credential(before.organization_id, before.id).await?.ok_or(ApiError::NotFound)?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Contention.into())
}

//! Credentials across the organization: `GET /api-keys`, `DELETE /api-keys/{key_id}`, and
//! the listing logic shared with `/tokens`.

use super::*;
use crate::api::cursor;
use crate::domain::{OrganizationId, Principal};
use crate::store::{CredentialFilter, PageRequest};
use std::str::FromStr;

pub async fn list_api_keys(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    let caller = input::caller(req)?;
    let org = caller.organization_id;
    let include_inactive = input::query_bool(req, "show_inactive")?;
    let last_six = input::query(req, "last_six").map(parse_last_six).transpose()?;
    let owner = match input::query(req, "service_account_email") {
        None => None,
        Some(raw) => {
            let email = Email::parse(raw)?;
            let name = service_accounts::parse_ref(email.as_str(), org, &api.config.service_account_domain);
            match name {
                Some(name) => match api.store.find_service_account_by_name(org, &name).await? {
                    Some(account) => Some(account.id),
                    // An email that names no account of ours: an empty list, like any filter.
                    None => return empty_list(req),
                },
                None => return empty_list(req),
            }
        }
    };
    let list = format!(
        "api_keys|{}|{}|{include_inactive}",
        owner.map(|o| o.to_string()).unwrap_or_default(),
        last_six.as_deref().unwrap_or("")
    );
    let filter =
        CredentialFilter { kind: CredentialKind::ApiKey, owner, last_six, include_inactive, now: api.clock.now() };
    list_credentials(api, req, org, &list, filter).await
}

pub async fn revoke_api_key(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    let caller = input::caller(req)?;
    policy::may_revoke_api_keys(caller)?;
    let id = parse_credential_id(input::path_param(req, "key_id")?)?;
    let key = api.store.get_credential(caller.organization_id, id).await?.ok_or(ApiError::NotFound)?;
    if key.kind != CredentialKind::ApiKey {
        return Err(ApiError::NotFound);
    }
    api.store.revoke_credential(caller.organization_id, id, revocation(api), &audit(api, req)).await?;
    tracing::info!(request_id = %req.request_id, credential_id = %id, "API key revoked");
    Ok(ApiResponse::no_content())
}

/// One page of credentials, each with its status judged against its owner as it is now
/// (one extra round trip for the page's owners: epoch revocation and removed owners are
/// decided there, not by the housekeeping that marks items later).
pub(super) async fn list_credentials(
    api: &Api,
    req: &ApiRequest,
    org: OrganizationId,
    list: &str,
    filter: CredentialFilter,
) -> Result<ApiResponse, ApiError> {
    let params = input::list_params(req)?;
    let after = params.cursor.as_deref().map(|c| cursor::decode(c, org, list)).transpose()?;
    let page = api.store.list_credentials(org, &filter, &PageRequest { max_items: params.max_items, after }).await?;
    let mut owner_ids: Vec<PrincipalId> = page.items.iter().map(|c| c.owner_id).collect();
    owner_ids.sort();
    owner_ids.dedup();
    let owners = if owner_ids.is_empty() { Vec::new() } else { api.store.get_principals(org, &owner_ids).await? };
    let owner_of = |id: PrincipalId| -> Option<&Principal> { owners.iter().find(|p| p.id() == id) };
    let items = page
        .items
        .iter()
        .map(|c| views::credential(c, filter.now, owner_of(c.owner_id)))
        .filter(|c| filter.include_inactive || views::is_live(c))
        .collect();
    Ok(ApiResponse::json(200, &wire::List { items, next_cursor: page.next.map(|p| cursor::encode(org, list, &p)) }))
}

/// The answer of a filter that names nothing: no items, but the list's own parameters are
/// checked like any list's (a list that holds nothing has handed out no cursor).
pub(super) fn empty_list(req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    if input::list_params(req)?.cursor.is_some() {
        return Err(ApiError::validation("cursor is not valid for this list"));
    }
    Ok(ApiResponse::json(200, &wire::List::<wire::CredentialInfo> { items: Vec::new(), next_cursor: None }))
}

/// An id that is not a UUID cannot name anything: 404.
pub(super) fn parse_credential_id(raw: &str) -> Result<CredentialId, ApiError> {
    CredentialId::from_str(raw).map_err(|_| ApiError::NotFound)
}

fn parse_last_six(raw: &str) -> Result<String, ApiError> {
    if raw.len() == 6 && raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(raw.to_string())
    } else {
        Err(ApiError::validation("last_six must be the last six characters of a key"))
    }
}

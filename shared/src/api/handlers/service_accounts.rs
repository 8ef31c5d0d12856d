//! `/service-accounts` and their API keys.

use super::*;
use crate::api::cursor;
use crate::domain::{OrganizationId, PermissionLevel, Principal, ServiceAccount, ServiceAccountName};
use crate::store::{CredentialFilter, PageRequest, StoreError};
use std::str::FromStr;

const LIST: &str = "service_accounts";

pub async fn create(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let caller = input::caller(req)?;
    policy::may_create_service_account(caller)?;
    let body: wire::CreateServiceAccount = input::body(req)?;
    let name = ServiceAccountName::parse(&body.name)?;
    let permission_level =
        body.permission_level.as_deref().map(PermissionLevel::from_str).transpose()?.unwrap_or_default();
    let account = ServiceAccount {
        id: PrincipalId::new_random(),
        organization_id: caller.organization_id,
        email: name.email(caller.organization_id, &api.config.service_account_domain),
        name,
        permission_level,
        created_at: api.clock.now(),
        created_by: Some(caller.id),
        api_key_epoch: 0,
        suspended: false,
        api_key_grace_until: None,
    };
    // A scoped creator's first key carries the creator's scopes (SPEC section 9).
    let scopes = caller.credential.scopes.clone();
    let (token, record) = mint(api, api_key_for(&account, account.api_key_epoch, caller.id, scopes))?;
    api.store.create_service_account(&account, &record, &audit(api, req)).await?;
    tracing::info!(request_id = %req.request_id, service_account_id = %account.id, credential_id = %record.id, "service account created");
    Ok(ApiResponse::json(
        201,
        &wire::CreatedServiceAccount {
            service_account: views::service_account(&account),
            api_key: token.expose().to_string(),
        },
    ))
}

pub async fn list(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    let caller = input::caller(req)?;
    let params = input::list_params(req)?;
    let after = params.cursor.as_deref().map(|c| cursor::decode(c, caller.organization_id, LIST)).transpose()?;
    let page = api
        .store
        .list_service_accounts(caller.organization_id, &PageRequest { max_items: params.max_items, after })
        .await?;
    Ok(ApiResponse::json(
        200,
        &wire::List {
            items: page.items.iter().map(views::service_account).collect(),
            next_cursor: page.next.map(|p| cursor::encode(caller.organization_id, LIST, &p)),
        },
    ))
}

pub async fn get(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    let account = resolve(api, req).await?;
    Ok(ApiResponse::json(200, &views::service_account(&account)))
}

/// `PATCH /service-accounts/{ref}` `{suspended}` (SPEC section 10).
pub async fn update(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let caller = input::caller(req)?;
    policy::may_suspend_service_account(caller)?;
    let body: wire::UpdateServiceAccount = input::body(req)?;
    let suspended = body.suspended.ok_or_else(|| ApiError::validation("nothing to change: give suspended"))?;
    let account = resolve(api, req).await?;
    let account = api
        .store
        .set_service_account_suspended(account.organization_id, account.id, suspended, &audit(api, req))
        .await?;
    tracing::info!(request_id = %req.request_id, service_account_id = %account.id, suspended, "service account updated");
    Ok(ApiResponse::json(200, &views::service_account(&account)))
}

pub async fn delete(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    policy::may_delete_service_account(input::caller(req)?)?;
    let account = resolve(api, req).await?;
    api.store.delete_service_account(account.organization_id, account.id, revocation(api), &audit(api, req)).await?;
    tracing::info!(request_id = %req.request_id, service_account_id = %account.id, "service account deleted");
    Ok(ApiResponse::no_content())
}

pub async fn create_api_key(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let caller = input::caller(req)?;
    policy::may_issue_api_keys(caller)?;
    let body: wire::IssueApiKey = input::body(req)?;
    if body.grace_period_seconds.is_some() {
        return Err(ApiError::validation("grace_period_seconds: only a rotation takes one"));
    }
    let scopes = parse_scopes(body.scopes.as_deref())?;
    policy::may_grant_scopes(caller, scopes.as_ref())?;
    for _ in 0..EPOCH_RETRIES {
        let account = resolve(api, req).await?;
        let (token, record) = mint(api, api_key_for(&account, account.api_key_epoch, caller.id, scopes.clone()))?;
        match api.store.issue_credential(&record, &audit(api, req)).await {
            Ok(()) => {
                tracing::info!(request_id = %req.request_id, service_account_id = %account.id, credential_id = %record.id, "API key created");
                let owner = Principal::ServiceAccount(account);
                let key = views::credential(&record, api.clock.now(), Some(&owner));
                return Ok(ApiResponse::json(201, &wire::IssuedApiKey { api_key: token.expose().to_string(), key }));
            }
            Err(StoreError::Contention) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Contention.into())
}

pub async fn rotate_api_keys(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let caller = input::caller(req)?;
    policy::may_issue_api_keys(caller)?;
    let body: wire::IssueApiKey = input::body(req)?;
    let revocation = rotation_revocation(api, body.grace_period_seconds)?;
    let named = parse_scopes(body.scopes.as_deref())?;
    if let Some(scopes) = &named {
        policy::may_grant_scopes(caller, Some(scopes))?;
    }
    for _ in 0..EPOCH_RETRIES {
        let mut account = resolve(api, req).await?;
        // A rotation that names no scopes keeps those of the newest key it replaces (SPEC
        // section 7), so it never silently widens a key.
        let scopes = match &named {
            Some(scopes) => Some(scopes.clone()),
            None => {
                let inherited = newest_live_key_scopes(api, &account).await?;
                policy::may_grant_scopes(caller, inherited.as_ref())?;
                inherited
            }
        };
        let (token, record) = mint(api, api_key_for(&account, account.api_key_epoch + 1, caller.id, scopes))?;
        match api.store.rotate_credentials(&record, revocation, &audit(api, req)).await {
            Ok(()) => {
                tracing::info!(request_id = %req.request_id, service_account_id = %account.id, credential_id = %record.id, "API keys rotated");
                account.api_key_epoch = record.epoch;
                let owner = Principal::ServiceAccount(account);
                let key = views::credential(&record, api.clock.now(), Some(&owner));
                return Ok(ApiResponse::json(200, &wire::IssuedApiKey { api_key: token.expose().to_string(), key }));
            }
            Err(StoreError::Contention) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Contention.into())
}

pub async fn revoke_api_keys(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    policy::may_revoke_api_keys(input::caller(req)?)?;
    let account = resolve(api, req).await?;
    api.store
        .revoke_all_credentials(
            account.organization_id,
            account.id,
            CredentialKind::ApiKey,
            revocation(api),
            false,
            &audit(api, req),
        )
        .await?;
    tracing::info!(request_id = %req.request_id, service_account_id = %account.id, "API keys revoked");
    Ok(ApiResponse::no_content())
}

pub async fn list_api_keys(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    let account = resolve(api, req).await?;
    let include_inactive = input::query_bool(req, "show_inactive")?;
    let params = input::list_params(req)?;
    let list = format!("sa_api_keys|{}|{include_inactive}", account.id);
    let org = account.organization_id;
    let after = params.cursor.as_deref().map(|c| cursor::decode(c, org, &list)).transpose()?;
    let now = api.clock.now();
    let filter = CredentialFilter {
        kind: CredentialKind::ApiKey,
        owner: Some(account.id),
        last_six: None,
        include_inactive,
        now,
    };
    let page = api.store.list_credentials(org, &filter, &PageRequest { max_items: params.max_items, after }).await?;
    let owner = Principal::ServiceAccount(account);
    let items = page
        .items
        .iter()
        .map(|c| views::credential(c, now, Some(&owner)))
        .filter(|c| include_inactive || c.status == "active")
        .collect();
    Ok(ApiResponse::json(200, &wire::List { items, next_cursor: page.next.map(|p| cursor::encode(org, &list, &p)) }))
}

/// The scopes of the account's newest live key (`None`: it is unscoped, or there is none,
/// which a rotation then replaces by an unscoped key as before scopes existed).
async fn newest_live_key_scopes(api: &Api, account: &ServiceAccount) -> Result<Option<Scopes>, ApiError> {
    let now = api.clock.now();
    let filter = CredentialFilter {
        kind: CredentialKind::ApiKey,
        owner: Some(account.id),
        last_six: None,
        include_inactive: false,
        now,
    };
    let page = api
        .store
        .list_credentials(account.organization_id, &filter, &PageRequest { max_items: 100, after: None })
        .await?;
    let owner = Principal::ServiceAccount(account.clone());
    let newest = page
        .items
        .into_iter()
        .filter(|k| k.status(now, Some(&owner)) == crate::domain::CredentialStatus::Active)
        // The latest creation time; on a tie the first listed (lists are newest first).
        .reduce(|newest, k| if k.created_at > newest.created_at { k } else { newest });
    Ok(newest.and_then(|k| k.scopes))
}

fn api_key_for(account: &ServiceAccount, epoch: u64, by: PrincipalId, scopes: Option<Scopes>) -> NewCredential<'_> {
    NewCredential {
        organization_id: account.organization_id,
        kind: CredentialKind::ApiKey,
        owner_id: account.id,
        owner_email: &account.email,
        epoch,
        created_by: Some(by),
        expires_at: None,
        description: None,
        scopes,
    }
}

/// `{ref}`: a service account's name, or its email (which must be in the caller's
/// organization's service-account domain). Anything else names nothing: 404.
async fn resolve(api: &Api, req: &ApiRequest) -> Result<ServiceAccount, ApiError> {
    let caller = input::caller(req)?;
    let raw = input::path_param(req, "ref")?;
    let name = parse_ref(raw, caller.organization_id, &api.config.service_account_domain).ok_or(ApiError::NotFound)?;
    api.store.find_service_account_by_name(caller.organization_id, &name).await?.ok_or(ApiError::NotFound)
}

pub(super) fn parse_ref(raw: &str, org: OrganizationId, domain: &str) -> Option<ServiceAccountName> {
    if raw.contains('@') {
        let email = Email::parse(raw).ok()?;
        let name = ServiceAccountName::parse(email.local_part()).ok()?;
        (name.email(org, domain) == email).then_some(name)
    } else {
        ServiceAccountName::parse(raw).ok()
    }
}

//! `/service-accounts` and their API keys.

use super::*;
use crate::api::cursor;
use crate::domain::{LifespanDays, OrganizationId, PermissionLevel, Principal, ServiceAccount, ServiceAccountName};
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
    // A scoped creator's first key carries the creator's scopes (SPEC section 9), and an
    // expiring creator's expires with it (section 7).
    let scopes = caller.credential.scopes.clone();
    // The organization's api_key_max_days gives the first key an expiry (SPEC section 11).
    let lifespan = organization_policy(api, caller.organization_id).await?.api_key_lifespan(None, false)?;
    let expires_at = lifespan.map(|l| account.created_at + l);
    let expires_at = policy::bound_expiry(caller, expires_at, true).map_err(ApiError::validation)?;
    let allowed_ip_ranges = policy::bound_ranges(caller, None, None).map_err(ApiError::validation)?;
    let shape = KeyShape { description: None, expires_at, scopes, allowed_ip_ranges };
    // Made at the account's creation time, which its expiry was counted from.
    let (token, record) =
        mint_at(api, api_key_for(&account, account.api_key_epoch, caller.id, shape), account.created_at)?;
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
    let named = NamedShape::parse(&body)?;
    let allowed_ip_ranges =
        policy::bound_ranges(caller, named.allowed_ip_ranges.clone(), None).map_err(ApiError::validation)?;
    let org_policy = organization_policy(api, caller.organization_id).await?;
    let lifespan = org_policy.api_key_lifespan(named.lifespan.map(|d| d.duration()), true)?;
    for _ in 0..EPOCH_RETRIES {
        let account = resolve(api, req).await?;
        let now = api.clock.now();
        let expires_at = lifespan.map(|l| now + l);
        let expires_at =
            policy::bound_expiry(caller, expires_at, named.lifespan.is_none()).map_err(ApiError::validation)?;
        let shape = KeyShape {
            description: named.description.clone().flatten(),
            expires_at,
            scopes: scopes.clone(),
            allowed_ip_ranges: allowed_ip_ranges.clone(),
        };
        let (token, record) = mint_at(api, api_key_for(&account, account.api_key_epoch, caller.id, shape), now)?;
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
    let named_shape = NamedShape::parse(&body)?;
    let org_policy = organization_policy(api, caller.organization_id).await?;
    for _ in 0..EPOCH_RETRIES {
        let mut account = resolve(api, req).await?;
        // A rotation that names no scopes, description or lifespan keeps those of the newest
        // key it replaces (SPEC section 7; the lifespan as a duration), so it never silently
        // widens a key.
        let newest = newest_live_key(api, &account).await?;
        let scopes = match &named {
            Some(scopes) => Some(scopes.clone()),
            None => {
                let inherited = newest.as_ref().and_then(|k| k.scopes.clone());
                policy::may_grant_scopes(caller, inherited.as_ref())?;
                inherited
            }
        };
        let now = api.clock.now();
        let lifespan = match named_shape.lifespan {
            Some(days) => Some(days.duration()),
            None => newest.as_ref().and_then(|k| k.expires_at.map(|e| e - k.created_at)),
        };
        let lifespan = org_policy.api_key_lifespan(lifespan, named_shape.lifespan.is_some())?;
        let expires_at = policy::bound_expiry(caller, lifespan.map(|l| now + l), named_shape.lifespan.is_none())
            .map_err(ApiError::validation)?;
        let description = match &named_shape.description {
            Some(named) => named.clone(),
            None => newest.as_ref().and_then(|k| k.description.clone()),
        };
        let allowed_ip_ranges = policy::bound_ranges(
            caller,
            named_shape.allowed_ip_ranges.clone(),
            newest.as_ref().map(|k| &k.allowed_ip_ranges),
        )
        .map_err(ApiError::validation)?;
        let shape = KeyShape { description, expires_at, scopes, allowed_ip_ranges };
        let (token, record) = mint_at(api, api_key_for(&account, account.api_key_epoch + 1, caller.id, shape), now)?;
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
        .filter(|c| include_inactive || views::is_live(c))
        .collect();
    Ok(ApiResponse::json(200, &wire::List { items, next_cursor: page.next.map(|p| cursor::encode(org, &list, &p)) }))
}

/// The account's newest live (active or disabled) key, whose scopes, description and
/// lifespan a rotation keeps when it names none (`None`: there is none, which a rotation then
/// replaces by an unscoped key without expiry, as before these existed).
async fn newest_live_key(api: &Api, account: &ServiceAccount) -> Result<Option<CredentialRecord>, ApiError> {
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
    Ok(page
        .items
        .into_iter()
        .filter(|k| {
            matches!(
                k.status(now, Some(&owner)),
                crate::domain::CredentialStatus::Active | crate::domain::CredentialStatus::Disabled
            )
        })
        // The latest creation time; on a tie the first listed (lists are newest first).
        .reduce(|newest, k| if k.created_at > newest.created_at { k } else { newest }))
}

/// What the body of a key's creation or rotation names: a description (`Some(None)`: `""`,
/// none) and a lifespan (1–3650 days).
struct NamedShape {
    description: Option<Option<Description>>,
    lifespan: Option<LifespanDays>,
    allowed_ip_ranges: Option<crate::domain::IpRanges>,
}

impl NamedShape {
    fn parse(body: &wire::IssueApiKey) -> Result<Self, ApiError> {
        let description = body.description.as_deref().map(super::lifecycle::parse_description).transpose()?;
        let lifespan =
            body.lifespan_days.map(|d| LifespanDays::parse(d, LifespanDays::API_KEY_MAX_DAYS)).transpose()?;
        let allowed_ip_ranges = parse_credential_ranges(body.allowed_ip_ranges.as_deref())?;
        Ok(Self { description, lifespan, allowed_ip_ranges })
    }
}

/// A new key's description, expiry and scopes.
struct KeyShape {
    description: Option<Description>,
    expires_at: Option<crate::clock::Timestamp>,
    scopes: Option<Scopes>,
    allowed_ip_ranges: crate::domain::IpRanges,
}

fn api_key_for(account: &ServiceAccount, epoch: u64, by: PrincipalId, shape: KeyShape) -> NewCredential<'_> {
    NewCredential {
        organization_id: account.organization_id,
        kind: CredentialKind::ApiKey,
        owner_id: account.id,
        owner_email: &account.email,
        epoch,
        created_by: Some(by),
        expires_at: shape.expires_at,
        description: shape.description,
        scopes: shape.scopes,
        allowed_ip_ranges: shape.allowed_ip_ranges,
    }
}

/// The caller's organization's policy (it bounds new keys' lifetimes).
pub(super) async fn organization_policy(
    api: &Api,
    org: OrganizationId,
) -> Result<crate::domain::OrganizationPolicy, ApiError> {
    Ok(api.store.get_organization(org).await?.ok_or(ApiError::Unauthorized)?.policy)
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

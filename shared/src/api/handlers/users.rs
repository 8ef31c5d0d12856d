//! `/users` and CLI tokens.

use super::*;
use crate::domain::{PermissionLevel, Role, Roles, User, parse_display_name};
use crate::store::{PageRequest, StoreError, UserUpdate};
use std::str::FromStr;
use std::sync::Arc;

const LIST: &str = "users";

pub async fn list(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    let caller = input::caller(req)?;
    let params = input::list_params(req)?;
    let after =
        params.cursor.as_deref().map(|c| super::super::cursor::decode(c, caller.organization_id, LIST)).transpose()?;
    let page =
        api.store.list_users(caller.organization_id, &PageRequest { max_items: params.max_items, after }).await?;
    Ok(ApiResponse::json(
        200,
        &wire::List {
            items: page.items.iter().map(views::user).collect(),
            next_cursor: page.next.map(|p| super::super::cursor::encode(caller.organization_id, LIST, &p)),
        },
    ))
}

pub async fn get(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    let caller = input::caller(req)?;
    let user = load_user(api, caller.organization_id, input::path_param(req, "user_id")?).await?;
    Ok(ApiResponse::json(200, &views::user(&user)))
}

pub async fn create(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let caller = input::caller(req)?;
    // The new user comes with its first CLI token.
    policy::may_create_user(caller)?;
    // CLI tokens never expire: an expiring caller makes none (SPEC section 7).
    policy::may_issue_unexpiring(caller).map_err(ApiError::validation)?;
    let body: wire::CreateUser = input::body(req)?;
    let email = Email::parse(&body.email)?;
    if email.is_in_service_account_domain(&api.config.service_account_domain) {
        return Err(ApiError::validation("email: addresses in the service-account domain are reserved"));
    }
    let name = parse_display_name(body.name.as_deref().unwrap_or(""))?;
    let permission_level =
        body.permission_level.as_deref().map(PermissionLevel::from_str).transpose()?.unwrap_or_default();
    let roles = parse_roles(body.roles.as_deref())?.unwrap_or_default();
    let mut user = User::new(caller.organization_id, email, permission_level, api.clock.now());
    user.name = name;
    user.roles = roles;
    user.created_by = Some(caller.id);
    let (token, record) = mint(
        api,
        NewCredential {
            organization_id: user.organization_id,
            kind: CredentialKind::CliToken,
            owner_id: user.id,
            owner_email: &user.email,
            epoch: 0,
            created_by: Some(caller.id),
            expires_at: None,
            description: None,
            scopes: None,
            allowed_ip_ranges: policy::bound_ranges(caller, None, None).map_err(ApiError::validation)?,
        },
    )?;
    api.store.create_user(&user, &record, &audit(api, req)).await?;
    tracing::info!(request_id = %req.request_id, user_id = %user.id, "user created");
    Ok(ApiResponse::json(201, &wire::CreatedUser { user: views::user(&user), cli_token: token.expose().to_string() }))
}

pub async fn update(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let caller = input::caller(req)?;
    let body: wire::UpdateUser = input::body(req)?;
    let id = parse_user_id(input::path_param(req, "user_id")?)?;
    let update = UserUpdate {
        permission_level: body.permission_level.as_deref().map(PermissionLevel::from_str).transpose()?,
        roles: parse_roles(body.roles.as_deref())?,
        suspended: body.suspended,
        at: api.clock.now(),
    };
    if update.is_empty() {
        return Err(ApiError::validation("nothing to change: give permission_level, roles and/or suspended"));
    }
    // Judged by the store on the user as it holds it, in the same atomic write.
    let judge = caller.clone();
    let check = Arc::new(move |before: &User, after: &User| policy::may_change_user(&judge, before, after));
    let user = api.store.update_user(caller.organization_id, id, &update, check, &audit(api, req)).await?;
    tracing::info!(request_id = %req.request_id, user_id = %user.id, "user updated");
    Ok(ApiResponse::json(200, &views::user(&user)))
}

pub async fn delete(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    let caller = input::caller(req)?;
    policy::may_remove_user(caller)?;
    let id = parse_user_id(input::path_param(req, "user_id")?)?;
    api.store.delete_user(caller.organization_id, id, revocation(api), &audit(api, req)).await?;
    tracing::info!(request_id = %req.request_id, user_id = %id, "user removed");
    Ok(ApiResponse::no_content())
}

pub async fn rotate_own_cli_tokens(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let caller = input::caller(req)?;
    policy::may_rotate_own_cli_tokens(caller)?;
    // CLI tokens never expire: an expiring caller makes none (SPEC section 7).
    policy::may_issue_unexpiring(caller).map_err(ApiError::validation)?;
    let body: wire::Rotate = input::body(req)?;
    let revocation = rotation_revocation(api, body.grace_period_seconds)?;
    let me = api.store.get_user(caller.organization_id, caller.id).await?.ok_or(ApiError::NotFound)?;
    rotate_cli_tokens(api, req, me, caller.id, revocation).await
}

pub async fn revoke_own_cli_tokens(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    let caller = input::caller(req)?;
    policy::may_manage_own_cli_tokens(caller)?;
    api.store
        .revoke_all_credentials(
            caller.organization_id,
            caller.id,
            CredentialKind::CliToken,
            revocation(api),
            true,
            &audit(api, req),
        )
        .await?;
    tracing::info!(request_id = %req.request_id, user_id = %caller.id, "own CLI tokens revoked");
    Ok(ApiResponse::no_content())
}

pub async fn rotate_user_cli_tokens(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let caller = input::caller(req)?;
    let body: wire::Rotate = input::body(req)?;
    let revocation = rotation_revocation(api, body.grace_period_seconds)?;
    let target = load_user(api, caller.organization_id, input::path_param(req, "user_id")?).await?;
    policy::may_rotate_cli_tokens_of(caller, &target)?;
    // CLI tokens never expire: an expiring caller makes none (SPEC section 7).
    policy::may_issue_unexpiring(caller).map_err(ApiError::validation)?;
    rotate_cli_tokens(api, req, target, caller.id, revocation).await
}

/// Rotates `user`'s CLI tokens, as read by the caller; on contention (another rotation
/// won) the user is read again for its new epoch.
async fn rotate_cli_tokens(
    api: &Api,
    req: &ApiRequest,
    mut user: User,
    by: PrincipalId,
    revocation: crate::domain::Revocation,
) -> Result<ApiResponse, ApiError> {
    let org = user.organization_id;
    // A ranged caller's ranges go with what it makes (SPEC section 7).
    let allowed_ip_ranges = policy::bound_ranges(input::caller(req)?, None, None).map_err(ApiError::validation)?;
    for _ in 0..EPOCH_RETRIES {
        let (token, record) = mint(
            api,
            NewCredential {
                organization_id: org,
                kind: CredentialKind::CliToken,
                owner_id: user.id,
                owner_email: &user.email,
                epoch: user.cli_token_epoch + 1,
                created_by: Some(by),
                expires_at: None,
                description: None,
                scopes: None,
                allowed_ip_ranges: allowed_ip_ranges.clone(),
            },
        )?;
        match api.store.rotate_credentials(&record, revocation, &audit(api, req)).await {
            Ok(()) => {
                tracing::info!(request_id = %req.request_id, user_id = %user.id, credential_id = %record.id, "CLI tokens rotated");
                return Ok(ApiResponse::json(200, &wire::IssuedCliToken { cli_token: token.expose().to_string() }));
            }
            Err(StoreError::Contention) => {
                user = api.store.get_user(org, user.id).await?.ok_or(ApiError::NotFound)?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Contention.into())
}

/// A user addressed by id within the caller's organization; anything else is 404.
pub(super) async fn load_user(api: &Api, org: crate::domain::OrganizationId, raw_id: &str) -> Result<User, ApiError> {
    let id = parse_user_id(raw_id)?;
    api.store.get_user(org, id).await?.ok_or(ApiError::NotFound)
}

/// An id that is not a UUID cannot name anything: 404, like an unknown one.
fn parse_user_id(raw: &str) -> Result<PrincipalId, ApiError> {
    PrincipalId::from_str(raw).map_err(|_| ApiError::NotFound)
}

/// Roles are a set: naming one twice is a mistake worth telling the caller about.
fn parse_roles(raw: Option<&[String]>) -> Result<Option<Roles>, ApiError> {
    let Some(names) = raw else { return Ok(None) };
    let roles = names.iter().map(|n| Role::from_str(n)).collect::<Result<Vec<_>, _>>()?;
    let set = Roles::new(roles.iter().copied());
    if set.iter().count() != roles.len() {
        return Err(ApiError::validation("roles: each role may appear once"));
    }
    Ok(Some(set))
}

//! `GET /organization` and `PATCH /organization` (SPEC section 11): the organization and its
//! policy. Reading is for any member; changing it needs an OWNER with a persistent credential,
//! and a change that would shut out the request's own address is 409.

use super::*;
use crate::domain::PolicyChange;
use std::net::IpAddr;
use std::sync::Arc;

pub async fn get(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    let caller = input::caller(req)?;
    let org = api.store.get_organization(caller.organization_id).await?.ok_or(ApiError::NotFound)?;
    Ok(ApiResponse::json(200, &views::organization(&org, api.config.access_token_max_days)))
}

pub async fn update(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let caller = input::caller(req)?;
    policy::may_change_organization_policy(caller)?;
    let body: wire::UpdateOrganization = input::body(req)?;
    let p = &body.policy;
    let change = PolicyChange::parse(
        p.access_token_max_days,
        p.api_key_max_days,
        p.allowed_ip_ranges.as_deref(),
        api.config.access_token_max_days,
    )?;
    if change.is_empty() {
        return Err(ApiError::validation(
            "nothing to change: give policy.access_token_max_days, api_key_max_days and/or allowed_ip_ranges",
        ));
    }
    // Judged by the store on the policy the change would leave, in the same atomic write.
    let source_ip: Option<IpAddr> = req.source_ip.as_deref().and_then(|ip| ip.parse().ok());
    let check = Arc::new(move |after: &crate::domain::OrganizationPolicy| {
        policy::keeps_the_caller_in(after, source_ip.as_ref())
    });
    let org = api.store.update_organization_policy(caller.organization_id, &change, check, &audit(api, req)).await?;
    tracing::info!(request_id = %req.request_id, organization_id = %org.id, "organization policy updated");
    Ok(ApiResponse::json(200, &views::organization(&org, api.config.access_token_max_days)))
}

//! `POST /verify` (SPEC section 9): a token → whether it is valid, for services that are not
//! behind API Gateway. It decides with the authorizer's own function
//! ([`Authorizer::decide`]), so it costs the same one read, records `last_used_at` the same
//! way, and can never judge a token differently from the authorizer.

use super::*;
use crate::auth::{Authorizer, Decision, Organizations, VerifyCode};
use std::net::IpAddr;
use std::sync::Arc;

pub async fn verify(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    let caller = input::caller(req)?;
    // OWNER is the route's gate, `latchkey:verify` its scope (both checked in dispatch).
    policy::require_owner(caller)?;
    let body: wire::VerifyRequest = input::body(req)?;
    if let Some(ip) = body.source_ip.as_deref() {
        // Validated now; used once organization IP ranges exist (SPEC section 11), when a
        // missing `source_ip` under ranges will be `ip_not_allowed`.
        ip.parse::<IpAddr>().map_err(|_| ApiError::validation("source_ip must be an IPv4 or IPv6 address"))?;
    }
    let authorizer = Authorizer::new(api.store.clone(), Arc::clone(&api.clock));
    let own = [caller.organization_id];
    // The address the token was presented from (the body's) is its `last_used_ip`.
    let from = body.source_ip.as_deref();
    let decision = authorizer.decide_from(&body.token, Organizations::Only(&own), from).await.map_err(|failure| {
        tracing::error!(request_id = %req.request_id, error = %failure, "verify failed closed");
        ApiError::from(failure.0)
    })?;
    let verification = match decision {
        Decision::Allow(verified) => wire::Verification {
            valid: true,
            code: VerifyCode::Valid.as_str().into(),
            principal: Some(views::principal(&verified)),
            credential: Some(views::caller_credential(&verified)),
        },
        Decision::Deny(denial) => {
            tracing::info!(
                request_id = %req.request_id,
                reason = denial.reason.as_str(),
                credential_id = denial.credential_id.map(|id| id.to_string()).unwrap_or_default(),
                "verify: token not valid"
            );
            wire::Verification {
                valid: false,
                code: VerifyCode::of(denial.reason).as_str().into(),
                principal: None,
                credential: None,
            }
        }
    };
    Ok(ApiResponse::json(200, &verification))
}

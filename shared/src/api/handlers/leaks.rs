//! The two public leak endpoints (SPEC section 12). Both read their bodies through
//! `crate::leaks` (pure: limits, checksum, duplicates once, ten per owner, GitHub's signature
//! first) and revoke each candidate through `CredentialStore::revoke_leaked`, which reads the
//! credential first and its owner only on a hash match. Their bodies hold other people's
//! tokens: nothing of a body is logged, only counts.

use super::{audit, revocation};
use crate::api::{Api, ApiError, ApiRequest, ApiResponse};
use crate::credential::Token;
use crate::domain::{AuditContext, Revocation};
use crate::leaks::{LeakReport, MatchedTokens};
use latchkey_wire as wire;

/// `POST /credentials/revoke`: always 202 `{received}`, whatever matched.
pub async fn revoke(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    if req.body.len() > req.route.route().max_body_bytes {
        return Err(ApiError::PayloadTooLarge);
    }
    let report = LeakReport::parse_body(&req.body)?;
    let (audit, revocation) = (audit(api, req), revocation(api));
    let candidates = report.candidates();
    let mut revoked = 0usize;
    for token in candidates.tokens() {
        if revoke_one(api, token, revocation, &audit).await? {
            revoked += 1;
        }
    }
    tracing::info!(
        request_id = %req.request_id,
        received = report.received(),
        looked_up = candidates.tokens().len(),
        malformed = candidates.malformed(),
        duplicates = candidates.duplicates(),
        over_owner_cap = candidates.over_owner_cap(),
        revoked,
        "leak report"
    );
    Ok(ApiResponse::json(202, &wire::RevokeCredentialsReceipt { received: report.received() }))
}

/// `POST /credentials/github-secret-scanning`: the signature first (401, nothing read or
/// changed), then GitHub's array, then its labelled answer.
pub async fn github(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    if req.body.len() > req.route.route().max_body_bytes {
        return Err(ApiError::PayloadTooLarge);
    }
    let headers = &req.signature_headers;
    let verified = api
        .config
        .github_secret_scanning_keys
        .verify(headers.key_identifier.as_deref(), headers.signature.as_deref(), &req.body)
        .map_err(|e| {
            tracing::warn!(request_id = %req.request_id, reason = %e, "GitHub secret-scanning message refused");
            ApiError::BadSignature(e)
        })?;
    let message = verified.parse()?;
    let (audit, revocation) = (audit(api, req), revocation(api));
    let mut matched = MatchedTokens::new();
    for token in message.candidates().tokens() {
        if revoke_one(api, token, revocation, &audit).await? {
            matched.insert(token);
        }
    }
    tracing::info!(
        request_id = %req.request_id,
        matches = message.matches().len(),
        revoked = matched.len(),
        "GitHub secret-scanning message"
    );
    Ok(ApiResponse::json(200, &message.answer(&matched)))
}

/// One well-formed token: whether the store revoked a credential for it.
async fn revoke_one(api: &Api, token: &Token, revocation: Revocation, audit: &AuditContext) -> Result<bool, ApiError> {
    let locator = token.locator();
    let revoked =
        api.store.revoke_leaked(locator.owner_id, locator.credential_id, &token.hash(), revocation, audit).await?;
    Ok(revoked.is_some())
}

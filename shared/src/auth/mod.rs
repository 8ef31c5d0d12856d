//! The authorizer's decision: a presented `Authorization` header → a [`Caller`], a denial,
//! or a failure. Shared by the Lambda authorizer and the local server, so both decide the
//! same way.
//!
//! Cost: a malformed token or a bad checksum is denied with no store access; a well-formed
//! one costs exactly one strongly consistent round trip (credential + owner), plus at most
//! one conditional `last_used_at` write per credential per minute.

pub mod context;

use crate::clock::Clock;
use crate::credential::Token;
use crate::domain::{Caller, CredentialStatus};
use crate::store::{Store, StoreError};
use chrono::Duration;
use std::sync::Arc;

/// `last_used_at` is recorded at most this often per credential.
pub const LAST_USED_INTERVAL_SECONDS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow(Caller),
    /// Invalid, revoked or expired: API Gateway answers 401.
    Deny(DenyReason),
}

/// Why a request was denied: for logs and tests only; callers all see the same 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    MissingHeader,
    NotBearer,
    Malformed,
    UnknownCredential,
    WrongSecret,
    Revoked,
    Expired,
}

impl DenyReason {
    /// Whether the presented string could be a credential of ours at all. Garbage is refused
    /// before any store access and logged only at debug: a flood of it must not turn into a
    /// flood of log lines (each one costs CPU at 128 MB and CloudWatch money); the gateway's
    /// access log still counts the 401s.
    pub fn is_noise(self) -> bool {
        matches!(self, DenyReason::MissingHeader | DenyReason::NotBearer | DenyReason::Malformed)
    }
}

/// The store failed: never an allow, never a 401 (a client would discard a good token).
#[derive(Debug, thiserror::Error)]
#[error("authorizer failure: {0}")]
pub struct AuthFailure(#[from] pub StoreError);

pub struct Authorizer {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Authorizer {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    pub async fn authorize(&self, authorization: Option<&str>) -> Result<Decision, AuthFailure> {
        let token = match bearer_token(authorization) {
            Ok(t) => t,
            Err(reason) => return Ok(Decision::Deny(reason)),
        };
        let token = match Token::parse(token) {
            Ok(t) => t,
            Err(_) => return Ok(Decision::Deny(DenyReason::Malformed)),
        };
        let locator = token.locator();
        let (credential, owner) =
            self.store.lookup_credential_and_owner(locator.owner_id, locator.credential_id).await?;
        let (Some(credential), Some(owner)) = (credential, owner) else {
            return Ok(Decision::Deny(DenyReason::UnknownCredential));
        };
        // The locator only addresses; everything it claims is checked against the items.
        if credential.kind != locator.kind
            || credential.owner_id != owner.id()
            || credential.organization_id != owner.organization_id()
        {
            return Ok(Decision::Deny(DenyReason::UnknownCredential));
        }
        if !token.matches(&credential.secret_hash) {
            return Ok(Decision::Deny(DenyReason::WrongSecret));
        }
        let now = self.clock.now();
        match credential.status(now, Some(&owner)) {
            CredentialStatus::Active => {}
            CredentialStatus::Revoked => return Ok(Decision::Deny(DenyReason::Revoked)),
            CredentialStatus::Expired => return Ok(Decision::Deny(DenyReason::Expired)),
        }
        let throttle = now - Duration::seconds(LAST_USED_INTERVAL_SECONDS);
        if credential.last_used_at.is_none_or(|t| t <= throttle) {
            // Bookkeeping must not turn a good credential away: a failure is only logged.
            if let Err(e) = self.store.record_last_used(credential.id, now, throttle).await {
                tracing::warn!(credential_id = %credential.id, error = %e, "could not record last_used_at");
            }
        }
        Ok(Decision::Allow(Caller::from_principal(&owner, &credential)))
    }
}

/// `Bearer <token>`: the scheme is case-insensitive (RFC 9110), the token is not.
fn bearer_token(header: Option<&str>) -> Result<&str, DenyReason> {
    let header = header.ok_or(DenyReason::MissingHeader)?.trim();
    let (scheme, rest) = header.split_once(' ').ok_or(DenyReason::NotBearer)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(DenyReason::NotBearer);
    }
    let token = rest.trim_start();
    if token.is_empty() { Err(DenyReason::Malformed) } else { Ok(token) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer_token(None), Err(DenyReason::MissingHeader));
        assert_eq!(bearer_token(Some("Basic abc")), Err(DenyReason::NotBearer));
        assert_eq!(bearer_token(Some("Bearer")), Err(DenyReason::NotBearer));
        assert_eq!(bearer_token(Some("Bearer ")), Err(DenyReason::NotBearer));
        assert_eq!(bearer_token(Some("bearer abc")), Ok("abc"));
        assert_eq!(bearer_token(Some("Bearer  abc ")), Ok("abc"));
    }
}

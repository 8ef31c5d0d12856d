//! The authorizer's decision: a presented `Authorization` header → a [`Caller`], a denial,
//! or a failure. Shared by the Lambda authorizer and the local server, so both decide the
//! same way.
//!
//! Cost: a malformed token or a bad checksum is denied with no store access; a well-formed
//! one costs exactly one strongly consistent round trip (credential + owner + a copy of the
//! organization's policy; a v1 token, which does not name its organization, a second read
//! for the policy) and one constant-time compare, whatever exists: an unknown credential, an unknown owner and a
//! wrong secret cost the same, so timing does not tell which ids exist. An allow adds at
//! most one conditional `last_used_at` write per credential per minute, bounded in time.

pub mod context;
mod denial;
mod verify_code;

pub use denial::{Denial, DenyReason, log_denial};
pub use verify_code::VerifyCode;

use crate::clock::Clock;
use crate::credential::Token;
use crate::domain::{Caller, CredentialStatus, OrganizationId, SecretHash, last_use_cutoff};
use crate::logging::ErrorChain;
use crate::store::{CredentialLookup, StoreError};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// `last_used_at` is recorded at most this often per credential (the domain's throttle).
pub use crate::domain::LAST_USED_INTERVAL_SECONDS;

/// How long the `last_used_at` write may take before the request is allowed without it:
/// bookkeeping must never turn a valid credential into a 503.
pub const LAST_USED_WRITE_LIMIT: std::time::Duration = std::time::Duration::from_millis(300);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow(Caller),
    /// Invalid, revoked or expired: API Gateway answers 401.
    Deny(Denial),
}

/// The store failed: never an allow, never a 401 (a client would discard a good token). The
/// store error is the source (log it with `logging::ErrorChain`).
#[derive(Debug, thiserror::Error)]
#[error("authorizer failure")]
pub struct AuthFailure(#[from] pub StoreError);

pub struct Authorizer {
    /// The authorizer's whole view of the store: a lookup and the `last_used_at` write.
    store: Arc<dyn CredentialLookup>,
    clock: Arc<dyn Clock>,
    /// What a token is compared with when no item of the locator's pair backs it, in the
    /// same constant-time compare as a real hash. No token is known to hash to all zeros,
    /// and a match with the stand-in is refused anyway.
    stand_in: SecretHash,
    comparisons: AtomicU64,
}

impl Authorizer {
    pub fn new(store: Arc<dyn CredentialLookup>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock, stand_in: SecretHash::from_digest([0; 32]), comparisons: AtomicU64::new(0) }
    }

    /// Secret comparisons made so far: one per well-formed token, none for garbage. A relaxed
    /// atomic counter, so tests can check the work done at no cost worth naming in production.
    pub fn secret_comparisons(&self) -> u64 {
        self.comparisons.load(Ordering::Relaxed)
    }

    /// The `Authorization` header → a decision, for any organization's credential.
    pub async fn authorize(&self, authorization: Option<&str>) -> Result<Decision, AuthFailure> {
        self.authorize_for(authorization, Organizations::Any).await
    }

    /// The `Authorization` header → a decision, accepting only `organizations`' credentials.
    pub async fn authorize_for(
        &self,
        authorization: Option<&str>,
        organizations: Organizations<'_>,
    ) -> Result<Decision, AuthFailure> {
        self.authorize_from(authorization, organizations, None).await
    }

    /// [`Authorizer::authorize_for`] for a request from `source_ip` (API Gateway's
    /// `requestContext.identity.sourceIp`; `serve`'s peer), which the `last_used_at` write
    /// records as `last_used_ip`.
    pub async fn authorize_from(
        &self,
        authorization: Option<&str>,
        organizations: Organizations<'_>,
        source_ip: Option<&str>,
    ) -> Result<Decision, AuthFailure> {
        match bearer_token(authorization) {
            Ok(token) => self.decide_from(token, organizations, source_ip).await,
            Err(reason) => Ok(Decision::Deny(Denial::noise(reason))),
        }
    }

    /// The one decision on a presented token, shared by the authorizer (through
    /// [`Authorizer::authorize`]) and `POST /verify`: allow with the caller, or deny with the
    /// reason. A credential of an organization that `organizations` does not accept is
    /// denied right after the secret compare, before its status is looked at (so nothing
    /// about it is told) and before any `last_used_at` write.
    pub async fn decide(&self, token: &str, organizations: Organizations<'_>) -> Result<Decision, AuthFailure> {
        self.decide_from(token, organizations, None).await
    }

    /// [`Authorizer::decide`] for a token presented from `source_ip` (recorded as
    /// `last_used_ip` when it is an IP address; anything else records none).
    pub async fn decide_from(
        &self,
        token: &str,
        organizations: Organizations<'_>,
        source_ip: Option<&str>,
    ) -> Result<Decision, AuthFailure> {
        // Parsed, so only an address (in its canonical form) is ever stored.
        let ip = source_ip.and_then(|ip| ip.trim().parse::<std::net::IpAddr>().ok());
        let source_ip = ip.map(|ip| ip.to_string());
        let token = match Token::parse(token) {
            Ok(t) => t,
            Err(_) => return Ok(Decision::Deny(Denial::noise(DenyReason::Malformed))),
        };
        let locator = token.locator();
        let deny = |reason| Ok(Decision::Deny(Denial::of(locator.credential_id, reason)));
        let read =
            self.store.read_for_authorization(locator.organization_id, locator.owner_id, locator.credential_id).await?;
        // The locator only addresses; everything it claims is checked against the items.
        let found = match (read.credential, read.owner) {
            (Some(credential), Some(owner))
                if credential.kind == locator.kind
                    && credential.owner_id == owner.id()
                    && credential.organization_id == owner.organization_id()
                    && locator.organization_id.is_none_or(|org| org == credential.organization_id) =>
            {
                Some((credential, owner))
            }
            _ => None,
        };
        // Exactly one compare, whatever was found, before anything branches on it.
        let matched = self.compare(&token, found.as_ref().map(|(credential, _)| &credential.secret_hash));
        let Some((credential, owner)) = found else {
            return deny(DenyReason::UnknownCredential);
        };
        if !matched {
            return deny(DenyReason::WrongSecret);
        }
        if !organizations.accepts(credential.organization_id) {
            return deny(DenyReason::OtherOrganization);
        }
        let now = self.clock.now();
        match credential.status(now, Some(&owner)) {
            CredentialStatus::Active => {}
            CredentialStatus::Revoked => return deny(DenyReason::Revoked),
            CredentialStatus::Expired => return deny(DenyReason::Expired),
            CredentialStatus::Disabled => return deny(DenyReason::Disabled),
        }
        // Read on the owner item fetched with the credential: no extra round trip.
        if owner.is_suspended() {
            return deny(DenyReason::Suspended);
        }
        // The organization's policy, read in the same round trip (v2; a v1 token's second
        // read). Its absence is a broken table, never "no policy" (SPEC section 11).
        let policy = match read.policy {
            Some((org, policy)) if org == credential.organization_id => policy,
            _ => {
                return Err(AuthFailure(StoreError::internal(format!(
                    "no policy copy of organization {}",
                    credential.organization_id
                ))));
            }
        };
        if !policy.allowed_ip_ranges.admits(ip.as_ref()) || !credential.allowed_ip_ranges.admits(ip.as_ref()) {
            return deny(DenyReason::IpNotAllowed);
        }
        let throttle = last_use_cutoff(now);
        if credential.last_use_is_due(throttle) {
            // Bookkeeping must not turn a good credential away: bounded, and a failure or a
            // timeout is only logged.
            let write = self.store.record_last_used(credential.id, now, throttle, source_ip.as_deref());
            match tokio::time::timeout(LAST_USED_WRITE_LIMIT, write).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::warn!(credential_id = %credential.id, error = %ErrorChain(&e), "could not record last_used_at")
                }
                Err(_) => tracing::warn!(
                    credential_id = %credential.id,
                    limit_ms = LAST_USED_WRITE_LIMIT.as_millis() as u64,
                    "last_used_at write timed out; allowed without it"
                ),
            }
        }
        let mut caller = Caller::from_principal(&owner, &credential);
        // A graced credential (a rotation replaced it) expires when its grace ends.
        caller.credential.expires_at = credential.effective_expires_at(now, Some(&owner));
        Ok(Decision::Allow(caller))
    }

    /// The one constant-time compare of a request: against `stored`, or the stand-in.
    fn compare(&self, token: &Token, stored: Option<&SecretHash>) -> bool {
        self.comparisons.fetch_add(1, Ordering::Relaxed);
        token.matches(stored.unwrap_or(&self.stand_in))
    }
}

/// Whose credentials a decision accepts.
#[derive(Debug, Clone, Copy)]
pub enum Organizations<'a> {
    /// Every organization's (latchkey's own API).
    Any,
    /// Only these (a protected API's `latchkeyOrganizations`; `/verify`: the caller's own).
    Only(&'a [OrganizationId]),
}

impl Organizations<'_> {
    pub fn accepts(&self, organization: OrganizationId) -> bool {
        match self {
            Organizations::Any => true,
            Organizations::Only(list) => list.contains(&organization),
        }
    }
}

/// A protected API's stage variable `latchkeyOrganizations`: comma-separated organization
/// ids (`None` or blank: every organization). An entry that is not an id matches nothing,
/// so a typo shuts out rather than lets in.
pub fn parse_organization_list(raw: Option<&str>) -> Option<Vec<OrganizationId>> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty())?;
    Some(raw.split(',').filter_map(|id| id.trim().parse().ok()).collect())
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

    #[test]
    fn organization_lists() {
        let a = OrganizationId::new_random();
        assert_eq!(parse_organization_list(None), None);
        assert_eq!(parse_organization_list(Some(" ")), None);
        assert_eq!(parse_organization_list(Some(&format!("{a}, nope"))), Some(vec![a]));
        assert_eq!(parse_organization_list(Some("typo")), Some(vec![]));
        assert!(Organizations::Only(&[a]).accepts(a));
        assert!(!Organizations::Only(&[]).accepts(a));
        assert!(Organizations::Any.accepts(a));
    }
}

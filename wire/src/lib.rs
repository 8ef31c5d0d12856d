//! The JSON shapes of the latchkey HTTP API (SPEC section 3), shared by the server (which
//! validates requests into domain types) and the SDK. Plain data, no rules.
//!
//! Request types reject unknown fields; response types are what the server writes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

mod leaks;
pub use leaks::{RevokeCredentialsReceipt, RevokeCredentialsRequest};

pub type Timestamp = DateTime<Utc>;

// ---- responses ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
}

/// `GET /me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub principal_type: String,
    pub id: Uuid,
    pub email: String,
    pub organization_id: Uuid,
    pub permission_level: String,
    pub roles: Vec<String>,
    pub credential: MeCredential,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeCredential {
    pub id: Uuid,
    pub kind: String,
    pub last_six: String,
    pub expires_at: Option<Timestamp>,
    /// The credential's scopes; null: unscoped (the principal's whole power).
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub permission_level: String,
    pub roles: Vec<String>,
    pub created_at: Timestamp,
    pub created_by: Option<Uuid>,
    /// Read-only: when the user first became OWNER (never cleared by a demotion); null for a
    /// user who never was one. Such a user's credentials are its own (SPEC section 7).
    #[serde(default)]
    pub owner_since: Option<Timestamp>,
    /// Suspended: none of its credentials is accepted until it is unsuspended (SPEC section 10).
    #[serde(default)]
    pub suspended: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAccount {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub permission_level: String,
    pub created_at: Timestamp,
    pub created_by: Option<Uuid>,
    /// Suspended: none of its keys is accepted until it is unsuspended (SPEC section 10).
    #[serde(default)]
    pub suspended: bool,
}

/// Key metadata and `token_info`: one shape for every kind of credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialInfo {
    pub id: Uuid,
    /// `cli_token`, `api_key` or `access_token`.
    pub kind: String,
    pub owner_id: Uuid,
    pub owner_email: String,
    pub description: Option<String>,
    pub last_six: String,
    pub created_at: Timestamp,
    pub created_by: Option<Uuid>,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    /// Why it stopped: `revoked`, `revoked_all`, `rotated`, `owner_removed` or `leaked`;
    /// null while it is not revoked.
    #[serde(default)]
    pub revoked_reason: Option<String>,
    pub last_used_at: Option<Timestamp>,
    /// The source IP of the request that last wrote `last_used_at`.
    #[serde(default)]
    pub last_used_ip: Option<String>,
    /// When it was disabled, and by whom (a principal id); null while enabled.
    #[serde(default)]
    pub disabled_at: Option<Timestamp>,
    #[serde(default)]
    pub disabled_by: Option<Uuid>,
    /// The credential's scopes; null: unscoped.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// Where it may be used from besides the organization's ranges; empty: anywhere those allow.
    #[serde(default)]
    pub allowed_ip_ranges: Vec<String>,
    /// `active`, `disabled`, `revoked` or `expired`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct List<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// `GET /organization`, `PATCH /organization` → 200 (SPEC section 11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub created_at: Timestamp,
    pub policy: OrganizationPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationPolicy {
    /// New access tokens expire within this many days (the service's maximum when the
    /// organization set none).
    pub access_token_max_days: u32,
    /// New API keys expire within this many days; null: they may never expire.
    pub api_key_max_days: Option<u32>,
    /// CIDR blocks (canonical); empty: any address.
    pub allowed_ip_ranges: Vec<String>,
}

/// One audit event (`GET /audit-events`, `GET /audit-events/{event_id}`): who did what to
/// whom, when and from where (SPEC section 8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: Uuid,
    pub time: Timestamp,
    pub organization_id: Uuid,
    pub action: String,
    pub actor: AuditActor,
    pub target: AuditTarget,
    pub request: AuditRequest,
    /// What changed, per action; for an update, `before` and `after` of each changed field.
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditActor {
    /// `user`, `service_account`, `operator` or `anonymous`.
    #[serde(rename = "type")]
    pub actor_type: String,
    pub id: Option<Uuid>,
    pub email: Option<String>,
    pub credential_id: Option<Uuid>,
    pub credential_kind: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditTarget {
    /// `organization`, `user`, `service_account` or `credential`.
    #[serde(rename = "type")]
    pub target_type: String,
    pub id: Uuid,
    /// An email, a name, or a credential's `…last_six`.
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRequest {
    pub id: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
}

/// `POST /users` → 201.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedUser {
    pub user: User,
    pub cli_token: String,
}

/// CLI-token rotation → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCliToken {
    pub cli_token: String,
}

/// `POST /service-accounts` → 201.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedServiceAccount {
    pub service_account: ServiceAccount,
    pub api_key: String,
}

/// A new API key (create or rotate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedApiKey {
    pub api_key: String,
    pub key: CredentialInfo,
}

/// `POST /tokens` → 201.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedAccessToken {
    pub token_info: CredentialInfo,
    pub token: String,
}

/// RFC 9457 problem details, with a stable snake_case `code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    /// With `insufficient_scope`: the scope the route needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_scope: Option<String>,
}

// ---- requests ----------------------------------------------------------------------------

/// For optional request fields: absent means "not given", but an explicit `null` is refused
/// like any other value of the wrong type (the OpenAPI document types these fields as
/// strings, integers or booleans, never null).
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// For optional request fields where `null` means something (`api_key_max_days: null`: no
/// limit): absent is `None`, null is `Some(None)`.
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `PATCH /organization`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganization {
    pub policy: UpdatePolicy,
}

/// Any subset of the policy; each field given replaces the stored one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdatePolicy {
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub access_token_max_days: Option<i64>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub api_key_max_days: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub allowed_ip_ranges: Option<Vec<String>>,
}

/// A route whose table row shows no body accepts an empty body or `{}`, nothing else.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub email: String,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub permission_level: Option<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub permission_level: Option<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub suspended: Option<bool>,
}

/// `PATCH /service-accounts/{ref}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateServiceAccount {
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub suspended: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateServiceAccount {
    pub name: String,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub permission_level: Option<String>,
}

/// `POST /service-accounts/{ref}/api-keys` and `.../api-keys/rotate`: an optional body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueApiKey {
    /// Absent or null: unscoped (a rotation: the newest replaced key's scopes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Absent: none (a rotation: the newest replaced key's).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// 1–3650; absent: the key never expires (a rotation: the newest replaced key's lifespan).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub lifespan_days: Option<i64>,
    /// At most 20 CIDRs the key may be used from, within the creator's own; absent: the
    /// creator's own ranges (a rotation: the newest replaced key's).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub allowed_ip_ranges: Option<Vec<String>>,
    /// Rotations only (SPEC section 10): how long the replaced keys keep working, 0–86400
    /// seconds (default 0). Refused on a creation.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub grace_period_seconds: Option<i64>,
}

/// `POST /users/me/cli-tokens/rotate`, `POST /users/{id}/cli-tokens/rotate`, and
/// `POST /api-keys/{id}/rotate`: an optional body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rotate {
    /// How long the replaced credentials keep working, 0–86400 seconds (default 0).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub grace_period_seconds: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAccessToken {
    /// A user's id or email; omitted: the caller.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub lifespan_days: Option<i64>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Absent or null: unscoped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// At most 20 CIDRs the token may be used from, within the creator's own; absent: the
    /// creator's own ranges (SPEC section 11).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub allowed_ip_ranges: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccessToken {
    /// A new description; `""` clears it.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Only `true` is meaningful: revocation cannot be undone.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub revoked: Option<bool>,
    /// `true` disables the token, `false` enables it again.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// `PATCH /api-keys/{key_id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateApiKey {
    /// A new description; `""` clears it.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `true` disables the key, `false` enables it again.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// `POST /verify`. Its `Debug` never shows the token.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub token: String,
    /// The IP address the token was presented from, for organization IP ranges.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
}

impl std::fmt::Debug for VerifyRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyRequest").field("token", &"<redacted>").field("source_ip", &self.source_ip).finish()
    }
}

/// `POST /verify` → 200.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub valid: bool,
    /// `valid`, `malformed`, `not_found`, `revoked`, `expired`, `disabled` or `ip_not_allowed`.
    pub code: String,
    /// When valid: the credential's principal, as `/me` shows it.
    pub principal: Option<VerifiedPrincipal>,
    /// When valid: the credential.
    pub credential: Option<MeCredential>,
}

/// The principal of a verified credential: `/me`'s fields without `credential`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedPrincipal {
    pub principal_type: String,
    pub id: Uuid,
    pub email: String,
    pub organization_id: Uuid,
    pub permission_level: String,
    pub roles: Vec<String>,
}

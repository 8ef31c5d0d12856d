//! The audit log's model (SPEC section 8): who did what to whom, when and from where.
//!
//! An [`AuditEvent`] is written in the same atomic write as the change it records; the stores
//! receive an [`AuditContext`] (actor, request, time) with every change and build the events
//! with the builders in `events.rs`, which are the one place that decides which events a
//! change writes. Events never hold a plaintext credential: `last_six` at most.

mod action;
mod events;
mod filter;

pub use action::AuditAction;
pub use filter::AuditFilter;

use super::{CredentialId, CredentialKind, DomainError, Email, OrganizationId, PrincipalId, PrincipalType};
use crate::clock::Timestamp;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use uuid::Uuid;

/// Default of `AUDIT_RETENTION_DAYS`.
pub const DEFAULT_RETENTION_DAYS: i64 = 400;

/// An event's id: a UUIDv7, so ids sort like the times they were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AuditEventId(pub Uuid);

impl AuditEventId {
    /// A new id for an event at `at`. Ids made by one process never repeat and increase, even
    /// within one millisecond or under a clock that stands still (tests): uuid's v7 context
    /// keeps a counter.
    pub fn new(at: Timestamp) -> Self {
        static CONTEXT: Mutex<Option<uuid::ContextV7>> = Mutex::new(None);
        let mut guard = CONTEXT.lock().unwrap_or_else(|p| p.into_inner());
        let context = guard.get_or_insert_with(uuid::ContextV7::new);
        let secs = u64::try_from(at.timestamp()).unwrap_or(0);
        let ts = uuid::Timestamp::from_unix(&*context, secs, at.timestamp_subsec_nanos());
        Self(Uuid::new_v7(ts))
    }

    /// The lowest id an event made at or after `at` can have (for range bounds).
    pub fn floor(at: Timestamp) -> Self {
        let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        Self(uuid::Builder::from_unix_timestamp_millis(millis, &[0; 10]).into_uuid())
    }
}

impl fmt::Display for AuditEventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl FromStr for AuditEventId {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || DomainError::invalid("event_id", "must be a UUID");
        if s.len() != 36 {
            return Err(invalid());
        }
        Uuid::parse_str(s).map(Self).map_err(|_| invalid())
    }
}

/// Who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorType {
    User,
    ServiceAccount,
    /// `bootstrap` and `recover`.
    Operator,
    /// A public endpoint's caller (leak reports).
    Anonymous,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    #[serde(rename = "type")]
    pub actor_type: ActorType,
    pub id: Option<PrincipalId>,
    pub email: Option<Email>,
    pub credential_id: Option<CredentialId>,
    pub credential_kind: Option<CredentialKind>,
}

impl Actor {
    pub fn operator() -> Self {
        Self::nobody(ActorType::Operator)
    }
    pub fn anonymous() -> Self {
        Self::nobody(ActorType::Anonymous)
    }
    fn nobody(actor_type: ActorType) -> Self {
        Self { actor_type, id: None, email: None, credential_id: None, credential_kind: None }
    }
    /// The caller the authorizer established, with the credential it used.
    pub fn caller(caller: &super::Caller) -> Self {
        Self {
            actor_type: match caller.principal_type {
                PrincipalType::User => ActorType::User,
                PrincipalType::ServiceAccount => ActorType::ServiceAccount,
            },
            id: Some(caller.id),
            email: Some(caller.email.clone()),
            credential_id: Some(caller.credential.id),
            credential_kind: Some(caller.credential.kind),
        }
    }
}

/// What was acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetType {
    Organization,
    User,
    ServiceAccount,
    Credential,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    #[serde(rename = "type")]
    pub target_type: TargetType,
    pub id: Uuid,
    /// An email, a name, or a credential's `…last_six`.
    pub label: Option<String>,
}

/// Where the request came from. Every field is optional: an operator action has no request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestMeta {
    pub id: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Longest user agent kept; the rest is cut (a header is the caller's to fill).
pub const MAX_USER_AGENT_CHARS: usize = 256;

impl RequestMeta {
    /// From what the adapter saw. The user agent is the caller's text: control and format
    /// characters are dropped and it is cut to [`MAX_USER_AGENT_CHARS`], so an event renders
    /// as what it is.
    pub fn new(id: Option<String>, source_ip: Option<String>, user_agent: Option<&str>) -> Self {
        let user_agent = user_agent
            .map(|ua| {
                ua.chars()
                    .filter(|c| !c.is_control() && !super::text::is_format_character(*c))
                    .take(MAX_USER_AGENT_CHARS)
                    .collect::<String>()
            })
            .filter(|ua| !ua.is_empty());
        Self { id, source_ip, user_agent }
    }
}

/// One audit event (SPEC section 8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: AuditEventId,
    pub time: Timestamp,
    pub organization_id: OrganizationId,
    pub action: AuditAction,
    pub actor: Actor,
    pub target: Target,
    pub request: RequestMeta,
    /// What changed, per action; for an update, `before` and `after` of each changed field.
    pub details: serde_json::Value,
    /// When the store may purge it (the table's TTL): `time` + the retention period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purge_at: Option<Timestamp>,
}

/// Who is changing something, from where, and when: what every change hands its store, which
/// builds the change's events from it (`events.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    pub actor: Actor,
    pub request: RequestMeta,
    pub at: Timestamp,
    /// How long events are kept (`AUDIT_RETENTION_DAYS`).
    pub retention: Duration,
}

impl AuditContext {
    pub fn new(actor: Actor, request: RequestMeta, at: Timestamp, retention: Duration) -> Self {
        Self { actor, request, at, retention }
    }

    /// An event of this context.
    pub fn event(
        &self,
        organization_id: OrganizationId,
        action: AuditAction,
        target: Target,
        details: serde_json::Value,
    ) -> AuditEvent {
        AuditEvent {
            id: AuditEventId::new(self.at),
            time: self.at,
            organization_id,
            action,
            actor: self.actor.clone(),
            target,
            request: self.request.clone(),
            details,
            purge_at: Some(self.at + self.retention),
        }
    }

    /// The operator's context (bootstrap, recover): no request.
    pub fn operator(at: Timestamp, retention: Duration) -> Self {
        Self::new(Actor::operator(), RequestMeta::default(), at, retention)
    }
}

#[cfg(test)]
mod tests;

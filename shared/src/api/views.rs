//! Domain values → the wire shapes of SPEC section 3.

use crate::clock::Timestamp;
use crate::domain::{Caller, CredentialRecord, Principal, Scopes, ServiceAccount, User};
use latchkey_wire as wire;

pub fn user(u: &User) -> wire::User {
    wire::User {
        id: u.id.as_uuid(),
        email: u.email.to_string(),
        name: u.name.clone(),
        permission_level: u.permission_level.as_str().into(),
        roles: u.roles.iter().map(|r| r.as_str().to_string()).collect(),
        created_at: u.created_at,
        created_by: u.created_by.map(|p| p.as_uuid()),
        owner_since: u.owner_since,
        suspended: u.suspended,
    }
}

pub fn service_account(s: &ServiceAccount) -> wire::ServiceAccount {
    wire::ServiceAccount {
        id: s.id.as_uuid(),
        name: s.name.to_string(),
        email: s.email.to_string(),
        permission_level: s.permission_level.as_str().into(),
        created_at: s.created_at,
        created_by: s.created_by.map(|p| p.as_uuid()),
        suspended: s.suspended,
    }
}

/// `owner`: the credential's owner as it is now (`None`: gone), which decides epoch revocation.
pub fn credential(c: &CredentialRecord, now: Timestamp, owner: Option<&Principal>) -> wire::CredentialInfo {
    let status = match c.status(now, owner) {
        crate::domain::CredentialStatus::Active => "active",
        crate::domain::CredentialStatus::Revoked => "revoked",
        crate::domain::CredentialStatus::Expired => "expired",
    };
    wire::CredentialInfo {
        id: c.id.as_uuid(),
        kind: c.kind.as_str().into(),
        owner_id: c.owner_id.as_uuid(),
        owner_email: c.owner_email.to_string(),
        description: c.description.as_ref().map(|d| d.as_str().to_string()),
        last_six: c.last_six.clone(),
        created_at: c.created_at,
        created_by: c.created_by.map(|p| p.as_uuid()),
        expires_at: c.effective_expires_at(now, owner),
        // A rolled key's revocation is its successor's grace end, once passed.
        revoked_at: c.revoked_at.or(c.superseded_until.filter(|at| *at <= now)),
        last_used_at: c.last_used_at,
        scopes: c.scopes.as_ref().map(Scopes::to_vec),
        status: status.into(),
    }
}

pub fn me(c: &Caller) -> wire::Me {
    let p = principal(c);
    wire::Me {
        principal_type: p.principal_type,
        id: p.id,
        email: p.email,
        organization_id: p.organization_id,
        permission_level: p.permission_level,
        roles: p.roles,
        credential: caller_credential(c),
    }
}

/// `/me`'s principal without its credential (what `/verify` shows).
pub fn principal(c: &Caller) -> wire::VerifiedPrincipal {
    wire::VerifiedPrincipal {
        principal_type: c.principal_type.as_str().into(),
        id: c.id.as_uuid(),
        email: c.email.to_string(),
        organization_id: c.organization_id.as_uuid(),
        permission_level: c.permission_level.as_str().into(),
        roles: c.roles.iter().map(|r| r.as_str().to_string()).collect(),
    }
}

pub fn caller_credential(c: &Caller) -> wire::MeCredential {
    wire::MeCredential {
        id: c.credential.id.as_uuid(),
        kind: c.credential.kind.as_str().into(),
        last_six: c.credential.last_six.clone(),
        expires_at: c.credential.expires_at,
        scopes: c.credential.scopes.as_ref().map(Scopes::to_vec),
    }
}

/// The serde name of a unit enum value (`ActorType::ServiceAccount` → `service_account`).
fn serde_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

pub fn audit_event(e: &crate::domain::AuditEvent) -> wire::AuditEvent {
    wire::AuditEvent {
        id: e.id.0,
        time: e.time,
        organization_id: e.organization_id.as_uuid(),
        action: e.action.as_str().to_string(),
        actor: wire::AuditActor {
            actor_type: serde_name(&e.actor.actor_type),
            id: e.actor.id.map(|id| id.as_uuid()),
            email: e.actor.email.as_ref().map(|m| m.to_string()),
            credential_id: e.actor.credential_id.map(|id| id.as_uuid()),
            credential_kind: e.actor.credential_kind.map(|k| k.as_str().to_string()),
        },
        target: wire::AuditTarget {
            target_type: serde_name(&e.target.target_type),
            id: e.target.id,
            label: e.target.label.clone(),
        },
        request: wire::AuditRequest {
            id: e.request.id.clone(),
            source_ip: e.request.source_ip.clone(),
            user_agent: e.request.user_agent.clone(),
        },
        details: e.details.clone(),
    }
}

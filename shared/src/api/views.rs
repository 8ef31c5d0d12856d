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
        crate::domain::CredentialStatus::Disabled => "disabled",
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
        revoked_reason: c.revoked_reason(now, owner).map(|r| r.as_str().to_string()),
        last_used_at: c.last_used_at,
        last_used_ip: c.lifecycle.last_used_ip.clone(),
        disabled_at: c.lifecycle.disabled_at,
        disabled_by: c.lifecycle.disabled_by.map(|p| p.as_uuid()),
        scopes: c.scopes.as_ref().map(Scopes::to_vec),
        allowed_ip_ranges: c.allowed_ip_ranges.to_strings(),
        status: status.into(),
    }
}

/// Whether a default listing shows it: active or disabled (not revoked, not expired).
pub fn is_live(c: &wire::CredentialInfo) -> bool {
    c.status == "active" || c.status == "disabled"
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

pub fn organization(o: &crate::domain::Organization, service_max_days: u32) -> wire::Organization {
    wire::Organization {
        id: o.id.as_uuid(),
        name: o.name.as_str().to_string(),
        created_at: o.created_at,
        policy: wire::OrganizationPolicy {
            access_token_max_days: o.policy.access_token_max_days(service_max_days),
            api_key_max_days: o.policy.api_key_max_days,
            allowed_ip_ranges: o.policy.allowed_ip_ranges.iter().map(|r| r.to_string()).collect(),
        },
    }
}

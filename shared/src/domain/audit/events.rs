//! Which events each change writes, and what they say: the one place this is decided. Both
//! stores call these builders inside their atomic writes, with the records as they read and
//! write them; a builder that returns `None` means the change changed nothing, and then no
//! event is written (SPEC section 8: a request that changes nothing writes no event).

use super::{AuditAction, AuditContext, AuditEvent, Target, TargetType};
use crate::clock::Timestamp;
use crate::domain::{
    CredentialKind, CredentialRecord, Organization, OrganizationId, OrganizationPolicy, Principal, PrincipalType,
    ServiceAccount, User,
};
use serde_json::{Map, Value, json};

/// A credential as events name it: `…last_six`, never more.
pub fn credential_label(last_six: &str) -> String {
    format!("…{last_six}")
}

fn credential_target(credential: &CredentialRecord) -> Target {
    Target {
        target_type: TargetType::Credential,
        id: credential.id.0,
        label: Some(credential_label(&credential.last_six)),
    }
}

fn user_target(user: &User) -> Target {
    Target { target_type: TargetType::User, id: user.id.0, label: Some(user.email.to_string()) }
}

fn service_account_target(account: &ServiceAccount) -> Target {
    Target { target_type: TargetType::ServiceAccount, id: account.id.0, label: Some(account.name.to_string()) }
}

fn principal_target(principal: &Principal) -> Target {
    match principal {
        Principal::User(u) => user_target(u),
        Principal::ServiceAccount(s) => service_account_target(s),
    }
}

/// The owner of `credential`, as far as the credential itself tells (its id and email),
/// labelled as [`principal_target`] labels it: a user by its email, a service account by its
/// name (the local part of the email the organization gave it).
fn owner_target(credential: &CredentialRecord) -> Target {
    let email = credential.owner_email.to_string();
    let (target_type, label) = match credential.kind.holder() {
        PrincipalType::User => (TargetType::User, email),
        PrincipalType::ServiceAccount => {
            let name = email.split_once('@').map_or(email.as_str(), |(name, _)| name).to_string();
            (TargetType::ServiceAccount, name)
        }
    };
    Target { target_type, id: credential.owner_id.0, label: Some(label) }
}

fn credential_details(credential: &CredentialRecord) -> Value {
    json!({
        "kind": credential.kind,
        "owner_id": credential.owner_id,
        "owner_email": credential.owner_email,
        "last_six": credential.last_six,
        "expires_at": credential.expires_at,
        "scopes": credential.scopes,
        "description": credential.description,
    })
}

/// `{field: {before, after}}` of each field whose value differs; `None` when none does.
fn changes(fields: &[(&str, Value, Value)]) -> Option<Value> {
    let mut out = Map::new();
    for (name, before, after) in fields {
        if before != after {
            out.insert((*name).to_string(), json!({ "before": before, "after": after }));
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

impl AuditContext {
    /// `bootstrap`: the organization, its first owner, and that owner's first CLI token.
    pub fn organization_created(
        &self,
        org: &Organization,
        owner: &User,
        first_token: &CredentialRecord,
    ) -> Vec<AuditEvent> {
        let target =
            Target { target_type: TargetType::Organization, id: org.id.0, label: Some(org.name.as_str().to_string()) };
        let details = json!({ "name": org.name, "owner_id": owner.id, "owner_email": owner.email });
        let mut events = vec![self.event(org.id, AuditAction::OrganizationCreated, target, details)];
        events.extend(self.user_created(owner, first_token));
        events
    }

    /// A change of the organization's policy; `None` when nothing differs.
    pub fn organization_policy_updated(
        &self,
        org: OrganizationId,
        before: &OrganizationPolicy,
        after: &OrganizationPolicy,
    ) -> Option<AuditEvent> {
        let details = changes(&[
            ("access_token_max_days", json!(before.access_token_max_days), json!(after.access_token_max_days)),
            ("api_key_max_days", json!(before.api_key_max_days), json!(after.api_key_max_days)),
            ("allowed_ip_ranges", json!(before.allowed_ip_ranges), json!(after.allowed_ip_ranges)),
        ])?;
        let target = Target { target_type: TargetType::Organization, id: org.0, label: None };
        Some(self.event(org, AuditAction::OrganizationPolicyUpdated, target, details))
    }

    /// A user and its first CLI token: both `*.created` events.
    pub fn user_created(&self, user: &User, first_token: &CredentialRecord) -> Vec<AuditEvent> {
        let details = json!({
            "email": user.email,
            "name": user.name,
            "permission_level": user.permission_level,
            "roles": user.roles,
        });
        vec![
            self.event(user.organization_id, AuditAction::UserCreated, user_target(user), details),
            self.credential_created(first_token),
        ]
    }

    /// A change of level or roles; `None` when `after` has the values of `before`.
    pub fn user_updated(&self, before: &User, after: &User) -> Option<AuditEvent> {
        let details = changes(&[
            ("permission_level", json!(before.permission_level), json!(after.permission_level)),
            ("roles", json!(before.roles), json!(after.roles)),
            ("suspended", json!(before.suspended), json!(after.suspended)),
        ])?;
        Some(self.event(after.organization_id, AuditAction::UserUpdated, user_target(after), details))
    }

    /// A suspension or its end (SPEC section 10); `None` when nothing differs.
    pub fn service_account_updated(&self, before: &ServiceAccount, after: &ServiceAccount) -> Option<AuditEvent> {
        let details = changes(&[("suspended", json!(before.suspended), json!(after.suspended))])?;
        Some(self.event(
            after.organization_id,
            AuditAction::ServiceAccountUpdated,
            service_account_target(after),
            details,
        ))
    }

    pub fn user_removed(&self, user: &User) -> AuditEvent {
        let details = json!({ "email": user.email, "permission_level": user.permission_level });
        self.event(user.organization_id, AuditAction::UserRemoved, user_target(user), details)
    }

    /// A service account and its first API key: both `*.created` events.
    pub fn service_account_created(&self, account: &ServiceAccount, first_key: &CredentialRecord) -> Vec<AuditEvent> {
        let details =
            json!({ "name": account.name, "email": account.email, "permission_level": account.permission_level });
        vec![
            self.event(
                account.organization_id,
                AuditAction::ServiceAccountCreated,
                service_account_target(account),
                details,
            ),
            self.credential_created(first_key),
        ]
    }

    pub fn service_account_deleted(&self, account: &ServiceAccount) -> AuditEvent {
        let details = json!({ "name": account.name, "email": account.email });
        self.event(
            account.organization_id,
            AuditAction::ServiceAccountDeleted,
            service_account_target(account),
            details,
        )
    }

    pub fn credential_created(&self, credential: &CredentialRecord) -> AuditEvent {
        self.event(
            credential.organization_id,
            AuditAction::CredentialCreated,
            credential_target(credential),
            credential_details(credential),
        )
    }

    /// A rotation of the owner's credentials of `new`'s kind, `new` being the one it issued.
    /// The target is the owner. The operator's rotation is `recover`: `organization.recovered`.
    /// `grace_until`: until when the replaced generation keeps working (`None`: it stopped).
    pub fn credentials_rotated(&self, new: &CredentialRecord, grace_until: Option<Timestamp>) -> AuditEvent {
        let details = json!({
            "kind": new.kind,
            "owner_id": new.owner_id,
            "new_credential_id": new.id,
            "new_last_six": new.last_six,
            "grace_until": grace_until,
        });
        if self.actor.actor_type == super::ActorType::Operator {
            let target = Target { target_type: TargetType::Organization, id: new.organization_id.0, label: None };
            let details = json!({
                "user_id": new.owner_id,
                "email": new.owner_email,
                "new_credential_id": new.id,
                "new_last_six": new.last_six,
            });
            return self.event(new.organization_id, AuditAction::OrganizationRecovered, target, details);
        }
        self.event(new.organization_id, AuditAction::CredentialRotated, owner_target(new), details)
    }

    /// Every credential of `kind` held by `owner` revoked at once; the target is the owner.
    pub fn credentials_revoked_all(&self, owner: &Principal, kind: CredentialKind) -> AuditEvent {
        self.event(
            owner.organization_id(),
            AuditAction::CredentialRevokedAll,
            principal_target(owner),
            json!({ "kind": kind }),
        )
    }

    /// One credential revoked; `None` if it was revoked already (its first revocation stands).
    pub fn credential_revoked(&self, before: &CredentialRecord) -> Option<AuditEvent> {
        if before.revoked_at.is_some() {
            return None;
        }
        let details = json!({ "kind": before.kind, "owner_id": before.owner_id, "owner_email": before.owner_email });
        Some(self.event(before.organization_id, AuditAction::CredentialRevoked, credential_target(before), details))
    }

    /// A credential revoked because its token was reported leaked (SPEC section 12): in its
    /// organization, whoever reported it (the actor is anonymous).
    pub fn credential_leak_reported(&self, credential: &CredentialRecord) -> AuditEvent {
        let details = json!({
            "kind": credential.kind,
            "owner_id": credential.owner_id,
            "owner_email": credential.owner_email,
        });
        self.event(
            credential.organization_id,
            AuditAction::CredentialLeakReported,
            credential_target(credential),
            details,
        )
    }

    /// An edit of a credential's metadata; `None` when nothing differs.
    pub fn credential_updated(&self, before: &CredentialRecord, after: &CredentialRecord) -> Option<AuditEvent> {
        let disabled = |c: &CredentialRecord| c.lifecycle.disabled_at.is_some();
        let mut details = changes(&[
            ("description", json!(before.description), json!(after.description)),
            ("disabled", json!(disabled(before)), json!(disabled(after))),
            ("disabled_by", json!(before.lifecycle.disabled_by), json!(after.lifecycle.disabled_by)),
        ])?;
        if let Value::Object(map) = &mut details {
            map.insert("kind".into(), json!(after.kind));
        }
        Some(self.event(after.organization_id, AuditAction::CredentialUpdated, credential_target(after), details))
    }

    /// The expiry notice of a credential that expires soon (written once per credential).
    pub fn credential_expiring(&self, credential: &CredentialRecord) -> AuditEvent {
        self.event(
            credential.organization_id,
            AuditAction::CredentialExpiring,
            credential_target(credential),
            credential_details(credential),
        )
    }
}

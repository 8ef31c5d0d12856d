//! The caller as API Gateway authorizer context: flat string values only (`roles` joined
//! by `,`, an absent expiry as the empty string). The authorizer writes it; endpoint
//! functions read it back and trust it.

use crate::domain::{Caller, CallerCredential, Email, Roles};
use std::str::FromStr;

pub const KEYS: [&str; 10] = [
    "principal_type",
    "principal_id",
    "email",
    "organization_id",
    "permission_level",
    "roles",
    "credential_id",
    "credential_kind",
    "credential_last_six",
    "credential_expires_at",
];

pub fn to_context(c: &Caller) -> Vec<(&'static str, String)> {
    vec![
        ("principal_type", c.principal_type.as_str().to_string()),
        ("principal_id", c.id.to_string()),
        ("email", c.email.to_string()),
        ("organization_id", c.organization_id.to_string()),
        ("permission_level", c.permission_level.as_str().to_string()),
        ("roles", c.roles.joined()),
        ("credential_id", c.credential.id.to_string()),
        ("credential_kind", c.credential.kind.as_str().to_string()),
        ("credential_last_six", c.credential.last_six.clone()),
        ("credential_expires_at", c.credential.expires_at.map(|t| t.to_rfc3339()).unwrap_or_default()),
    ]
}

#[derive(Debug, thiserror::Error)]
#[error("authorizer context is missing or malformed: {0}")]
pub struct ContextError(&'static str);

/// Reads the caller back from context values; `get` looks a key up.
pub fn from_context<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Caller, ContextError> {
    let field = |k: &'static str| get(k).ok_or(ContextError(k));
    let expires = field("credential_expires_at")?;
    Ok(Caller {
        principal_type: FromStr::from_str(field("principal_type")?).map_err(|_| ContextError("principal_type"))?,
        id: FromStr::from_str(field("principal_id")?).map_err(|_| ContextError("principal_id"))?,
        email: Email::parse(field("email")?).map_err(|_| ContextError("email"))?,
        organization_id: FromStr::from_str(field("organization_id")?).map_err(|_| ContextError("organization_id"))?,
        permission_level: FromStr::from_str(field("permission_level")?)
            .map_err(|_| ContextError("permission_level"))?,
        roles: Roles::parse_joined(field("roles")?).map_err(|_| ContextError("roles"))?,
        credential: CallerCredential {
            id: FromStr::from_str(field("credential_id")?).map_err(|_| ContextError("credential_id"))?,
            kind: FromStr::from_str(field("credential_kind")?).map_err(|_| ContextError("credential_kind"))?,
            last_six: field("credential_last_six")?.to_string(),
            expires_at: if expires.is_empty() {
                None
            } else {
                Some(
                    chrono::DateTime::parse_from_rfc3339(expires)
                        .map_err(|_| ContextError("credential_expires_at"))?
                        .with_timezone(&chrono::Utc),
                )
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;

    #[test]
    fn round_trip() {
        let caller = Caller {
            principal_type: PrincipalType::User,
            id: PrincipalId::new_random(),
            email: Email::parse("a@example.com").unwrap(),
            organization_id: OrganizationId::new_random(),
            permission_level: PermissionLevel::Owner,
            roles: Roles::new([Role::TokenCreator]),
            credential: CallerCredential {
                id: CredentialId::new_random(),
                kind: CredentialKind::AccessToken,
                last_six: "abcdef".into(),
                expires_at: Some(crate::clock::truncate(chrono::Utc::now())),
            },
        };
        let ctx = to_context(&caller);
        let back = from_context(|k| ctx.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str())).unwrap();
        assert_eq!(back, caller);
        assert!(from_context(|_| None).is_err());
    }
}

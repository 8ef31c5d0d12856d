//! The caller as API Gateway authorizer context: flat string values only (`roles` joined
//! by `,`, an absent expiry as the empty string, `scopes` joined by spaces beside `scoped`
//! = `true`/`false`, so an unscoped credential and one with no scopes differ; the
//! credential's `allowed_ip_ranges` joined by spaces). The
//! authorizer writes it; endpoint functions (latchkey's and a protected API's) read it back
//! and trust it.

use crate::domain::{Caller, CallerCredential, Email, IpRanges, Roles, Scopes};
use std::str::FromStr;

pub const KEYS: [&str; 13] = [
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
    "scoped",
    "scopes",
    "allowed_ip_ranges",
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
        ("scoped", c.credential.scopes.is_some().to_string()),
        ("scopes", c.credential.scopes.as_ref().map(Scopes::joined).unwrap_or_default()),
        ("allowed_ip_ranges", c.credential.allowed_ip_ranges.joined()),
    ]
}

#[derive(Debug, thiserror::Error)]
#[error("authorizer context is missing or malformed: {0}")]
pub struct ContextError(&'static str);

/// Reads the caller back from context values; `get` looks a key up.
pub fn from_context<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Caller, ContextError> {
    let field = |k: &'static str| get(k).ok_or(ContextError(k));
    let expires = field("credential_expires_at")?;
    let scopes = match (field("scoped")?, field("scopes")?) {
        ("false", "") => None,
        ("true", joined) => Some(Scopes::parse_joined(joined).map_err(|_| ContextError("scopes"))?),
        // Fail closed: what is neither unscoped nor a valid scope list is refused.
        _ => return Err(ContextError("scoped")),
    };
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
            scopes,
            // Absent in the context of an authorizer older than ranges: none of its own.
            allowed_ip_ranges: match get("allowed_ip_ranges") {
                None => IpRanges::default(),
                Some(joined) => IpRanges::parse_joined(joined).map_err(|_| ContextError("allowed_ip_ranges"))?,
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
                scopes: None,
                allowed_ip_ranges: crate::domain::IpRanges::parse(&["10.0.0.0/8", "2001:db8::/32"], 20).unwrap(),
            },
        };
        let back_of = |caller: &Caller| {
            let ctx = to_context(caller);
            from_context(|k| ctx.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str()))
        };
        assert_eq!(back_of(&caller).unwrap(), caller);
        assert!(from_context(|_| None).is_err());
        // Unscoped, no scopes at all, and some scopes all survive the trip, distinctly.
        let mut scoped = caller.clone();
        for scopes in [Scopes::default(), Scopes::parse(&["orders:read", "latchkey:read"]).unwrap()] {
            scoped.credential.scopes = Some(scopes);
            assert_eq!(back_of(&scoped).unwrap(), scoped);
        }
        let ctx = to_context(&scoped);
        assert_eq!(ctx.iter().find(|(k, _)| *k == "scopes").unwrap().1, "latchkey:read orders:read");
        // A context that claims unscoped but lists scopes is refused, not read as unscoped.
        let tampered = |k: &str| match k {
            "scoped" => Some("false"),
            k => ctx.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str()),
        };
        assert!(from_context(tampered).is_err());
    }
}

//! Validated value types. Each constructor is the only way in, so a value that exists is valid.

use super::text::refuse_format_characters;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// Why a value was refused. Messages name the rule, never echo more than the caller sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}

impl DomainError {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        DomainError::Invalid { field, reason: reason.into() }
    }
}

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                // Only the canonical hyphenated form: one spelling per id keeps keys unique.
                if s.len() != 36 {
                    return Err(DomainError::invalid(stringify!($name), "must be a UUID"));
                }
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| DomainError::invalid(stringify!($name), "must be a UUID"))
            }
        }
    };
}

id_type!(
    /// An organization's id.
    OrganizationId
);
id_type!(
    /// A user's or a service account's id (UUID v4, never reused).
    PrincipalId
);
id_type!(
    /// A credential's id: CLI token, API key or access token.
    CredentialId
);

/// An organization's name: 1–100 printable characters, unique case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct OrganizationName(String);

impl OrganizationName {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(DomainError::invalid("organization", "must be 1 to 100 characters"));
        }
        if name.chars().any(|c| c.is_control()) {
            return Err(DomainError::invalid("organization", "must not contain control characters"));
        }
        refuse_format_characters("organization", name)?;
        Ok(Self(name.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The form uniqueness is decided on.
    pub fn unique_key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl<'de> Deserialize<'de> for OrganizationName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An email address, trimmed and lower-cased once on the way in and stored so.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let email = raw.trim().to_lowercase();
        let bad = || DomainError::invalid("email", "must be an email address like name@example.com");
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = email.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || local.len() > 64
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
            || local.contains(['<', '>', '"', '\'', '\\', ',', ';', ':', '(', ')', '[', ']'])
            || !domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(bad());
        }
        refuse_format_characters("email", &email)?;
        Ok(Self(email))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map(|(_, d)| d).unwrap_or("")
    }
    pub fn local_part(&self) -> &str {
        self.0.split_once('@').map(|(l, _)| l).unwrap_or("")
    }
    /// Whether this address lies in the service-account email domain (any organization's).
    pub fn is_in_service_account_domain(&self, service_account_domain: &str) -> bool {
        let d = self.domain();
        let sa = service_account_domain.to_ascii_lowercase();
        d == sa || d.ends_with(&format!(".{sa}"))
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A service account's name: 1–63 characters of `a-z0-9-`, starting with a letter, not
/// ending with `-` (it becomes the local part of the account's email).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ServiceAccountName(String);

impl ServiceAccountName {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let bad = |why: &str| DomainError::invalid("name", why.to_string());
        if raw.is_empty() || raw.len() > 63 {
            return Err(bad("must be 1 to 63 characters"));
        }
        if !raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(bad("may contain only lower-case letters, digits and '-'"));
        }
        if !raw.as_bytes()[0].is_ascii_lowercase() {
            return Err(bad("must start with a letter"));
        }
        if raw.ends_with('-') {
            return Err(bad("must not end with '-'"));
        }
        Ok(Self(raw.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// `<name>@org-<organization-id>.<domain>`.
    pub fn email(&self, organization: OrganizationId, service_account_domain: &str) -> Email {
        Email(format!("{}@org-{}.{}", self.0, organization, service_account_domain.to_ascii_lowercase()))
    }
}

impl fmt::Display for ServiceAccountName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ServiceAccountName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PermissionLevel {
    Owner,
    #[default]
    Collaborator,
}

impl PermissionLevel {
    pub fn as_str(&self) -> &'static str {
        match self {
            PermissionLevel::Owner => "OWNER",
            PermissionLevel::Collaborator => "COLLABORATOR",
        }
    }
}

impl FromStr for PermissionLevel {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "OWNER" => Ok(Self::Owner),
            "COLLABORATOR" => Ok(Self::Collaborator),
            _ => Err(DomainError::invalid("permission_level", "must be OWNER or COLLABORATOR")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    TokenCreator,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::TokenCreator => "TokenCreator",
        }
    }
}

impl FromStr for Role {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "TokenCreator" => Ok(Self::TokenCreator),
            _ => Err(DomainError::invalid("roles", "the only role is TokenCreator")),
        }
    }
}

/// A set of roles; serialized as a sorted JSON array.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Roles(BTreeSet<Role>);

impl Roles {
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Self {
        Self(roles.into_iter().collect())
    }
    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }
    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }
    /// Flat form for authorizer context: names joined by `,`.
    pub fn joined(&self) -> String {
        self.0.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
    }
    pub fn parse_joined(s: &str) -> Result<Self, DomainError> {
        s.split(',').filter(|p| !p.is_empty()).map(Role::from_str).collect::<Result<_, _>>().map(Self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalType {
    User,
    ServiceAccount,
}

impl PrincipalType {
    pub fn as_str(&self) -> &'static str {
        match self {
            PrincipalType::User => "user",
            PrincipalType::ServiceAccount => "service_account",
        }
    }
}

impl FromStr for PrincipalType {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "user" => Ok(Self::User),
            "service_account" => Ok(Self::ServiceAccount),
            _ => Err(DomainError::invalid("principal_type", "unknown")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    CliToken,
    ApiKey,
    AccessToken,
}

impl CredentialKind {
    pub const ALL: [CredentialKind; 3] = [Self::CliToken, Self::ApiKey, Self::AccessToken];

    pub fn as_str(&self) -> &'static str {
        match self {
            CredentialKind::CliToken => "cli_token",
            CredentialKind::ApiKey => "api_key",
            CredentialKind::AccessToken => "access_token",
        }
    }
    /// The letter in the token prefix `lk<letter>_`.
    pub fn prefix_letter(&self) -> char {
        match self {
            CredentialKind::CliToken => 'u',
            CredentialKind::ApiKey => 's',
            CredentialKind::AccessToken => 'a',
        }
    }
    pub fn from_prefix_letter(c: char) -> Option<Self> {
        match c {
            'u' => Some(Self::CliToken),
            's' => Some(Self::ApiKey),
            'a' => Some(Self::AccessToken),
            _ => None,
        }
    }
    /// Credentials that never expire: an access-token caller may not mint these.
    pub fn never_expires(&self) -> bool {
        !matches!(self, CredentialKind::AccessToken)
    }
}

impl FromStr for CredentialKind {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cli_token" => Ok(Self::CliToken),
            "api_key" => Ok(Self::ApiKey),
            "access_token" => Ok(Self::AccessToken),
            _ => Err(DomainError::invalid("kind", "unknown credential kind")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialStatus {
    Active,
    Revoked,
    Expired,
}

/// SHA-256 of a whole token; kept as lower-case hex in both stores.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretHash(String);

impl SecretHash {
    pub fn from_digest(digest: [u8; 32]) -> Self {
        Self(hex::encode(digest))
    }
    pub fn to_bytes(&self) -> Option<[u8; 32]> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(&self.0, &mut out).ok()?;
        Some(out)
    }
    pub fn as_hex(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretHash {
    // A hash is not the secret, but there is no reason for it to travel into logs either.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHash(..)")
    }
}

/// A credential's free-text description: at most 256 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Description(String);

impl Description {
    pub const MAX_CHARS: usize = 256;
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(DomainError::invalid("description", "must be at most 256 characters"));
        }
        if raw.chars().any(|c| c.is_control()) {
            return Err(DomainError::invalid("description", "must not contain control characters"));
        }
        refuse_format_characters("description", raw)?;
        Ok(Self(raw.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Description {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A display name for a user: at most 100 characters, no control or format characters.
pub fn parse_display_name(raw: &str) -> Result<String, DomainError> {
    let name = raw.trim();
    if name.chars().count() > 100 || name.chars().any(|c| c.is_control()) {
        return Err(DomainError::invalid("name", "must be at most 100 characters, no control characters"));
    }
    refuse_format_characters("name", name)?;
    Ok(name.to_string())
}

/// An access token's lifespan in whole days, within the configured bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifespanDays(u32);

impl LifespanDays {
    pub fn parse(days: i64, max_days: u32) -> Result<Self, DomainError> {
        if days < 1 || days > i64::from(max_days) {
            return Err(DomainError::invalid("lifespan_days", format!("must be a whole number from 1 to {max_days}")));
        }
        Ok(Self(days as u32))
    }
    pub fn days(&self) -> u32 {
        self.0
    }
    pub fn duration(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_account_names_follow_the_rules() {
        for ok in ["a", "ci-bot", "a1-b2", &"a".repeat(63)] {
            assert!(ServiceAccountName::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1abc", "-abc", "abc-", "ABC", "a_b", "a b", &"a".repeat(64), "é"] {
            assert!(ServiceAccountName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        let e = Email::parse("  Alice@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "alice@example.com");
        for bad in ["", "a", "a@b", "@b.c", "a@.c", "a@b.", "a b@c.d", "a@b@c.d", "<a>@b.c"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn service_account_email_is_derived_and_in_the_reserved_domain() {
        let org = OrganizationId(Uuid::nil());
        let name = ServiceAccountName::parse("ci-bot").unwrap();
        let email = name.email(org, "serviceaccount.com");
        assert_eq!(email.as_str(), "ci-bot@org-00000000-0000-0000-0000-000000000000.serviceaccount.com");
        assert!(email.is_in_service_account_domain("serviceaccount.com"));
        assert!(!Email::parse("a@example.com").unwrap().is_in_service_account_domain("serviceaccount.com"));
    }

    #[test]
    fn lifespan_bounds() {
        assert!(LifespanDays::parse(0, 365).is_err());
        assert!(LifespanDays::parse(366, 365).is_err());
        assert!(LifespanDays::parse(-1, 365).is_err());
        assert_eq!(LifespanDays::parse(365, 365).unwrap().days(), 365);
    }

    #[test]
    fn roles_round_trip_through_flat_context() {
        let r = Roles::new([Role::TokenCreator]);
        assert_eq!(Roles::parse_joined(&r.joined()).unwrap(), r);
        assert_eq!(Roles::parse_joined("").unwrap(), Roles::default());
        assert!(Roles::parse_joined("Admin").is_err());
    }
}

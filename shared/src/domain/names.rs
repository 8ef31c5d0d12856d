//! Names and emails: validated text. Each constructor is the only way in, so a value that
//! exists is valid.

use super::text::refuse_format_characters;
use super::{DomainError, OrganizationId};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

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

/// A display name for a user: at most 100 characters, no control or format characters.
pub fn parse_display_name(raw: &str) -> Result<String, DomainError> {
    let name = raw.trim();
    if name.chars().count() > 100 || name.chars().any(|c| c.is_control()) {
        return Err(DomainError::invalid("name", "must be at most 100 characters, no control characters"));
    }
    refuse_format_characters("name", name)?;
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;
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
}

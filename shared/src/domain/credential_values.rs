//! The values of credentials: kinds, status, the stored hash, descriptions, lifespans.

use super::DomainError;
use super::text::refuse_format_characters;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::str::FromStr;

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
    /// Switched off, not revoked: works again once enabled (SPEC section 10).
    Disabled,
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

/// A credential's lifespan in whole days, within the bounds of its kind (access tokens: the
/// configured ones; API keys: [`LifespanDays::API_KEY_MAX_DAYS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifespanDays(u32);

impl LifespanDays {
    /// An API key's longest lifespan (SPEC section 10; section 11's policy may lower it).
    pub const API_KEY_MAX_DAYS: u32 = 3650;

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
    fn lifespan_bounds() {
        assert!(LifespanDays::parse(0, 365).is_err());
        assert!(LifespanDays::parse(366, 365).is_err());
        assert!(LifespanDays::parse(-1, 365).is_err());
        assert_eq!(LifespanDays::parse(365, 365).unwrap().days(), 365);
    }
}

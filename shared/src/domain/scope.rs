//! Scopes (SPEC section 9): what a credential may do, narrower than its principal's power.
//!
//! A [`Scope`] is one validated name; [`Scopes`] is a credential's set of them, with the
//! limits (at most [`MAX_SCOPES`], no repeats). A credential without a set is *unscoped*
//! (its principal's whole power); an empty set can call only the routes that need no scope.
//! Scopes that start with [`RESERVED_PREFIX`] are latchkey's own and must be one of
//! [`RESERVED`]; any other is the organization's own, kept and handed on untouched.

use super::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// The prefix of latchkey's own scopes.
pub const RESERVED_PREFIX: &str = "latchkey:";
/// Every GET of the API but the audit log.
pub const READ: &str = "latchkey:read";
/// GET of the audit log.
pub const AUDIT: &str = "latchkey:audit";
/// Changes to users and their CLI tokens.
pub const USERS: &str = "latchkey:users";
/// Changes to service accounts and API keys.
pub const SERVICE_ACCOUNTS: &str = "latchkey:service-accounts";
/// POST and PATCH `/tokens`.
pub const TOKENS: &str = "latchkey:tokens";
/// PATCH `/organization`.
pub const POLICY: &str = "latchkey:policy";
/// POST `/verify`.
pub const VERIFY: &str = "latchkey:verify";
/// latchkey's own scopes: a `latchkey:` scope not in this list is refused.
pub const RESERVED: [&str; 7] = [READ, AUDIT, USERS, SERVICE_ACCOUNTS, TOKENS, POLICY, VERIFY];

/// At most this many scopes on one credential.
pub const MAX_SCOPES: usize = 32;
/// At most this many characters in one scope.
pub const MAX_SCOPE_LEN: usize = 64;

/// One scope: `^[a-z][a-z0-9_.:-]{0,63}$`, and a known one if it starts with `latchkey:`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Scope(String);

impl Scope {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        // The pattern is small enough to check by hand; a regex crate would add a dependency
        // to every function binary for one character class.
        let mut chars = raw.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.:-".contains(c));
        if !first_ok || !rest_ok || raw.len() > MAX_SCOPE_LEN {
            let shown: String = raw.chars().take(MAX_SCOPE_LEN).collect();
            return Err(DomainError::invalid(
                "scopes",
                format!(
                    "{shown:?} is not a scope: 1 to {MAX_SCOPE_LEN} characters of a-z 0-9 _ . : -, starting with a letter"
                ),
            ));
        }
        if raw.starts_with(RESERVED_PREFIX) && !RESERVED.contains(&raw) {
            return Err(DomainError::invalid(
                "scopes",
                format!("{raw:?} is not one of latchkey's scopes ({})", RESERVED.join(", ")),
            ));
        }
        Ok(Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A credential's scopes: a set of at most [`MAX_SCOPES`], kept sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Scopes(BTreeSet<Scope>);

impl Scopes {
    /// From a request: each scope valid, none repeated (a repeat is a mistake worth telling
    /// the caller about), at most [`MAX_SCOPES`].
    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, DomainError> {
        if raw.len() > MAX_SCOPES {
            return Err(DomainError::invalid("scopes", format!("at most {MAX_SCOPES} scopes")));
        }
        let mut set = BTreeSet::new();
        for s in raw {
            let scope = Scope::parse(s.as_ref())?;
            if !set.insert(scope) {
                return Err(DomainError::invalid("scopes", "each scope may appear once"));
            }
        }
        Ok(Self(set))
    }

    /// From the authorizer context: space-separated (the empty string: no scopes).
    pub fn parse_joined(joined: &str) -> Result<Self, DomainError> {
        let parts: Vec<&str> = joined.split(' ').filter(|s| !s.is_empty()).collect();
        Self::parse(&parts)
    }

    /// Space-separated, as the authorizer context carries them.
    pub fn joined(&self) -> String {
        self.iter().collect::<Vec<_>>().join(" ")
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.0.iter().any(|s| s.as_str() == scope)
    }

    pub fn is_subset_of(&self, other: &Scopes) -> bool {
        self.0.is_subset(&other.0)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(Scope::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }
}

impl TryFrom<Vec<String>> for Scopes {
    type Error = DomainError;
    fn try_from(raw: Vec<String>) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Scopes> for Vec<String> {
    fn from(s: Scopes) -> Self {
        s.to_vec()
    }
}

/// Whether a credential with `scopes` (`None`: unscoped) may call a route that needs
/// `required` (`None`: no scope needed).
pub fn allows(scopes: Option<&Scopes>, required: Option<&str>) -> bool {
    match (scopes, required) {
        (None, _) | (_, None) => true,
        (Some(held), Some(required)) => held.contains(required),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_and_reserved_names() {
        for ok in ["orders:read", "a", "latchkey:read", "x.y_z-1:2", &"a".repeat(64)] {
            assert!(Scope::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Orders", "1abc", "a b", "a/b", "latchkey:admin", "latchkey:", &"a".repeat(65), "é"] {
            assert!(Scope::parse(bad).is_err(), "{bad:?}");
        }
        for reserved in RESERVED {
            assert!(Scope::parse(reserved).is_ok());
        }
    }

    #[test]
    fn limits_and_repeats() {
        let many: Vec<String> = (0..33).map(|i| format!("s{i}")).collect();
        assert!(Scopes::parse(&many).is_err());
        assert!(Scopes::parse(&many[..32]).is_ok());
        assert!(Scopes::parse(&["a", "a"]).is_err());
        assert!(Scopes::parse::<&str>(&[]).unwrap().is_empty());
    }

    #[test]
    fn subsets_joining_and_checks() {
        let big = Scopes::parse(&["orders:read", READ]).unwrap();
        let small = Scopes::parse(&["orders:read"]).unwrap();
        assert!(small.is_subset_of(&big) && !big.is_subset_of(&small));
        assert_eq!(Scopes::parse_joined(&big.joined()).unwrap(), big);
        assert_eq!(Scopes::parse_joined("").unwrap(), Scopes::default());
        assert!(allows(None, Some(READ)));
        assert!(allows(Some(&Scopes::default()), None));
        assert!(!allows(Some(&Scopes::default()), Some(READ)));
        assert!(allows(Some(&big), Some(READ)) && !allows(Some(&small), Some(READ)));
        // A stored set is validated on the way back too.
        assert!(serde_json::from_str::<Scopes>(r#"["latchkey:nope"]"#).is_err());
        assert_eq!(serde_json::to_string(&small).unwrap(), r#"["orders:read"]"#);
    }
}

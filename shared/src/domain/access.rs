//! Levels, roles and principal types: what a member may do, and what kind of member it is.

use super::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::str::FromStr;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_flat_context() {
        let r = Roles::new([Role::TokenCreator]);
        assert_eq!(Roles::parse_joined(&r.joined()).unwrap(), r);
        assert_eq!(Roles::parse_joined("").unwrap(), Roles::default());
        assert!(Roles::parse_joined("Admin").is_err());
    }
}

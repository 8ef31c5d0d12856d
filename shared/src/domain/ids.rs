//! The ids: UUIDs, in one spelling each. Each constructor is the only way in, so an id that
//! exists is valid.

use super::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

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

//! The audit actions: stable names, part of the API (SPEC section 8).

use crate::domain::DomainError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

macro_rules! actions {
    ($( $(#[$m:meta])* $variant:ident = $name:literal, )+) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum AuditAction {
            $( $(#[$m])* $variant, )+
        }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[ $( AuditAction::$variant, )+ ];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $( AuditAction::$variant => $name, )+
                }
            }
        }

        impl FromStr for AuditAction {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $name => Ok(AuditAction::$variant), )+
                    _ => Err(DomainError::invalid("action", "not a known audit action")),
                }
            }
        }
    };
}

actions! {
    OrganizationCreated = "organization.created",
    OrganizationRecovered = "organization.recovered",
    OrganizationPolicyUpdated = "organization.policy_updated",
    UserCreated = "user.created",
    UserUpdated = "user.updated",
    UserRemoved = "user.removed",
    ServiceAccountCreated = "service_account.created",
    ServiceAccountUpdated = "service_account.updated",
    ServiceAccountDeleted = "service_account.deleted",
    CredentialCreated = "credential.created",
    /// Target: the owner (user or service account).
    CredentialRotated = "credential.rotated",
    CredentialRevoked = "credential.revoked",
    /// Target: the owner.
    CredentialRevokedAll = "credential.revoked_all",
    CredentialUpdated = "credential.updated",
    CredentialLeakReported = "credential.leak_reported",
    /// The one event about time passing: written by the expiry-notice job.
    CredentialExpiring = "credential.expiring",
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AuditAction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AuditAction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

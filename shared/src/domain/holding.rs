//! Who holds which credential kind, under which epoch (SPEC section 2): the one definition of
//! the rule, used by `CredentialRecord::status` and by both stores (the DynamoDB store builds
//! its conditions from it, the SQLite store checks it on the rows it read).
//!
//! | kind | holder | epoch (on the holder's record) |
//! |---|---|---|
//! | CLI token | user | `cli_token_epoch` |
//! | access token | user | none: revoked one by one, or with their holder |
//! | API key | service account | `api_key_epoch` |

use super::{CredentialKind, Principal, PrincipalType};

/// An owner's epoch for one credential kind: bumping it revokes every credential of that
/// kind the owner holds (a credential records the epoch it was issued under).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Epoch {
    /// `User::cli_token_epoch`.
    CliToken,
    /// `ServiceAccount::api_key_epoch`.
    ApiKey,
}

impl Epoch {
    /// The field of the holder's record that keeps this epoch: its serde name, so also the
    /// stored attribute (DynamoDB) and the body's JSON key (SQLite).
    pub const fn field(self) -> &'static str {
        match self {
            Epoch::CliToken => "cli_token_epoch",
            Epoch::ApiKey => "api_key_epoch",
        }
    }
}

impl CredentialKind {
    /// The type of principal that may hold credentials of this kind.
    pub fn holder(self) -> PrincipalType {
        match self {
            CredentialKind::CliToken | CredentialKind::AccessToken => PrincipalType::User,
            CredentialKind::ApiKey => PrincipalType::ServiceAccount,
        }
    }

    /// The holder's epoch that revokes this kind in bulk; `None` for access tokens.
    pub fn epoch(self) -> Option<Epoch> {
        match self {
            CredentialKind::CliToken => Some(Epoch::CliToken),
            CredentialKind::ApiKey => Some(Epoch::ApiKey),
            CredentialKind::AccessToken => None,
        }
    }
}

impl PrincipalType {
    /// Every kind a principal of this type may hold (what its removal revokes), in
    /// [`CredentialKind::ALL`]'s order.
    pub fn kinds_held(self) -> Vec<CredentialKind> {
        CredentialKind::ALL.into_iter().filter(|kind| kind.holder() == self).collect()
    }
}

impl Principal {
    /// Whether this principal may hold credentials of `kind`.
    pub fn may_hold(&self, kind: CredentialKind) -> bool {
        self.principal_type() == kind.holder()
    }

    /// The value of `epoch` on this principal, when its record has that epoch.
    pub fn epoch_value(&self, epoch: Epoch) -> Option<u64> {
        match (self, epoch) {
            (Principal::User(u), Epoch::CliToken) => Some(u.cli_token_epoch),
            (Principal::ServiceAccount(s), Epoch::ApiKey) => Some(s.api_key_epoch),
            _ => None,
        }
    }

    /// The epoch credentials of `kind` are current under, or `None` when this principal
    /// cannot hold that kind at all. Kinds without an epoch (access tokens) are all issued,
    /// and stay current, under 0.
    pub fn epoch_for(&self, kind: CredentialKind) -> Option<u64> {
        if !self.may_hold(kind) {
            return None;
        }
        match kind.epoch() {
            Some(epoch) => self.epoch_value(epoch),
            None => Some(0),
        }
    }

    /// Whether a credential of `kind` issued under `epoch` would be current for this owner:
    /// it may hold the kind, and the kind's epoch (if it has one) is still `epoch`.
    pub fn is_current_epoch(&self, kind: CredentialKind, epoch: u64) -> bool {
        self.may_hold(kind) && kind.epoch().is_none_or(|e| self.epoch_value(e) == Some(epoch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, OrganizationId, PermissionLevel, PrincipalId, ServiceAccount, User};
    use chrono::Utc;

    fn user(epoch: u64) -> Principal {
        let mut u = User::new(
            OrganizationId::new_random(),
            Email::parse("a@example.com").unwrap(),
            PermissionLevel::Collaborator,
            Utc::now(),
        );
        u.cli_token_epoch = epoch;
        Principal::User(u)
    }

    fn service_account(epoch: u64) -> Principal {
        Principal::ServiceAccount(ServiceAccount {
            id: PrincipalId::new_random(),
            organization_id: OrganizationId::new_random(),
            name: crate::domain::ServiceAccountName::parse("bot").unwrap(),
            email: Email::parse("bot@example.com").unwrap(),
            permission_level: PermissionLevel::Collaborator,
            created_at: Utc::now(),
            created_by: None,
            api_key_epoch: epoch,
            suspended: false,
            api_key_grace_until: None,
        })
    }

    #[test]
    fn every_kind_has_one_holder_and_at_most_one_epoch() {
        assert_eq!(CredentialKind::CliToken.holder(), PrincipalType::User);
        assert_eq!(CredentialKind::AccessToken.holder(), PrincipalType::User);
        assert_eq!(CredentialKind::ApiKey.holder(), PrincipalType::ServiceAccount);
        assert_eq!(CredentialKind::CliToken.epoch(), Some(Epoch::CliToken));
        assert_eq!(CredentialKind::ApiKey.epoch(), Some(Epoch::ApiKey));
        assert_eq!(CredentialKind::AccessToken.epoch(), None);
        assert_eq!(PrincipalType::User.kinds_held(), vec![CredentialKind::CliToken, CredentialKind::AccessToken]);
        assert_eq!(PrincipalType::ServiceAccount.kinds_held(), vec![CredentialKind::ApiKey]);
    }

    #[test]
    fn an_epochs_field_is_the_field_of_its_holders_stored_form() {
        // The stores address the epoch by this name: it must be what serde writes.
        for (principal, epoch) in [(user(7), Epoch::CliToken), (service_account(7), Epoch::ApiKey)] {
            let stored = serde_json::to_value(&principal).unwrap();
            assert_eq!(stored.get(epoch.field()), Some(&serde_json::json!(7)), "{}", epoch.field());
            assert_eq!(principal.epoch_value(epoch), Some(7));
        }
        assert_eq!(user(7).epoch_value(Epoch::ApiKey), None);
        assert_eq!(service_account(7).epoch_value(Epoch::CliToken), None);
    }

    #[test]
    fn epochs_per_holder_and_kind() {
        let (u, sa) = (user(3), service_account(5));
        assert_eq!(u.epoch_for(CredentialKind::CliToken), Some(3));
        assert_eq!(u.epoch_for(CredentialKind::AccessToken), Some(0));
        assert_eq!(u.epoch_for(CredentialKind::ApiKey), None);
        assert_eq!(sa.epoch_for(CredentialKind::ApiKey), Some(5));
        assert_eq!(sa.epoch_for(CredentialKind::CliToken), None);
        assert_eq!(sa.epoch_for(CredentialKind::AccessToken), None);

        assert!(u.is_current_epoch(CredentialKind::CliToken, 3));
        assert!(!u.is_current_epoch(CredentialKind::CliToken, 2));
        assert!(u.is_current_epoch(CredentialKind::AccessToken, 0));
        assert!(!u.is_current_epoch(CredentialKind::ApiKey, 0));
        assert!(sa.is_current_epoch(CredentialKind::ApiKey, 5));
        assert!(!sa.is_current_epoch(CredentialKind::AccessToken, 0));
    }
}

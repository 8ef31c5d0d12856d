//! Who is an owner, and who was (SPEC sections 1 and 7): `owner_since`, which keeps a
//! former owner's credentials its own, and the live owners the last-owner guard counts
//! (OWNER users who hold a live CLI token, so that the organization can always be entered).
//! Both stores apply these rules through the functions here, never their own copies.

use super::{Email, OrganizationId};
use super::{PermissionLevel, PrincipalId, Roles, ServiceAccount, User};
use crate::clock::Timestamp;

/// serde default of `User::cli_token_live` for records written before it existed.
pub(super) fn live_unless_recorded() -> bool {
    true
}

impl User {
    /// A new member with its first CLI token (issued in the same write, so its CLI token is
    /// live): `owner_since` is its creation time when it starts as OWNER. Name and roles
    /// empty, no creator (set them on the value).
    pub fn new(
        organization_id: OrganizationId,
        email: Email,
        permission_level: PermissionLevel,
        created_at: Timestamp,
    ) -> Self {
        let mut user = User {
            id: PrincipalId::new_random(),
            organization_id,
            email,
            name: String::new(),
            permission_level,
            roles: Roles::default(),
            created_at,
            created_by: None,
            cli_token_epoch: 0,
            owner_since: None,
            cli_token_live: true,
            suspended: false,
            cli_token_grace_until: None,
        };
        user.record_ownership(permission_level, created_at);
        user
    }

    /// Is or has ever been an OWNER: no other principal may rotate its CLI tokens or create
    /// access tokens for it, and lowering its level or roles needs a persistent credential.
    /// (The level counts too, for a record that predates `owner_since`.)
    pub fn has_been_owner(&self) -> bool {
        self.owner_since.is_some() || self.permission_level == PermissionLevel::Owner
    }

    /// An OWNER who can sign in with a CLI token, and is not suspended: what the last-owner
    /// guard counts (a suspended owner is gone until it is unsuspended).
    pub fn is_live_owner(&self) -> bool {
        self.permission_level == PermissionLevel::Owner && self.cli_token_live && !self.suspended
    }

    /// The user with its suspension set to `suspended` (`None`: unchanged).
    pub fn with_suspension(&self, suspended: Option<bool>) -> User {
        User { suspended: suspended.unwrap_or(self.suspended), ..self.clone() }
    }

    /// The user after a change of level and/or roles made at `at`. `owner_since` is written
    /// with any such change when the user is or becomes OWNER and lacks it, so no demotion
    /// can lose it; it is never cleared or moved.
    pub fn with_changes(&self, level: Option<PermissionLevel>, roles: Option<Roles>, at: Timestamp) -> User {
        let mut after = self.clone();
        if let Some(level) = level {
            after.permission_level = level;
        }
        if let Some(roles) = roles {
            after.roles = roles;
        }
        after.record_ownership(self.permission_level, at);
        after.record_ownership(after.permission_level, at);
        after
    }

    /// The user after all its CLI tokens were revoked (epoch bump): none is live.
    pub fn with_cli_tokens_revoked(&self) -> User {
        User {
            cli_token_epoch: self.cli_token_epoch + 1,
            cli_token_live: false,
            cli_token_grace_until: None,
            ..self.clone()
        }
    }

    /// The user after a rotation issued one new CLI token under `epoch`: it is live.
    pub fn with_cli_tokens_rotated(&self, epoch: u64) -> User {
        User { cli_token_epoch: epoch, cli_token_live: true, ..self.clone() }
    }

    /// The one-time backfill of a record that predates these fields: `owner_since` for an
    /// OWNER that lacks it (the backfill's time: owner at least since then), and whether its
    /// CLI token is live as the stored credentials say (`holds_live_cli_token`).
    pub fn backfilled(&self, holds_live_cli_token: bool, at: Timestamp) -> User {
        let mut after = User { cli_token_live: holds_live_cli_token, ..self.clone() };
        after.record_ownership(after.permission_level, at);
        after
    }

    fn record_ownership(&mut self, level: PermissionLevel, at: Timestamp) {
        if level == PermissionLevel::Owner && self.owner_since.is_none() {
            self.owner_since = Some(at);
        }
    }
}

impl ServiceAccount {
    /// The account with its suspension set to `suspended` (`None`: unchanged).
    pub fn with_suspension(&self, suspended: Option<bool>) -> ServiceAccount {
        ServiceAccount { suspended: suspended.unwrap_or(self.suspended), ..self.clone() }
    }
}

/// How a write changes the number of live owners of the user's organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveOwnerChange {
    Gained,
    Lost,
    Unchanged,
}

impl LiveOwnerChange {
    /// The change a write makes that turns `before` into `after` (`None`: the user does not
    /// exist on that side: created, or removed). A `Lost` that would leave no live owner
    /// is what the last-owner guard refuses.
    pub fn of(before: Option<&User>, after: Option<&User>) -> Self {
        match (before.is_some_and(User::is_live_owner), after.is_some_and(User::is_live_owner)) {
            (false, true) => LiveOwnerChange::Gained,
            (true, false) => LiveOwnerChange::Lost,
            _ => LiveOwnerChange::Unchanged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;
    use chrono::{Duration, Utc};

    fn member(level: PermissionLevel) -> User {
        User::new(OrganizationId::new_random(), Email::parse("a@example.com").unwrap(), level, Utc::now())
    }

    #[test]
    fn owners_are_owners_since_their_creation_and_collaborators_never_were() {
        let owner = member(PermissionLevel::Owner);
        assert_eq!(owner.owner_since, Some(owner.created_at));
        assert!(owner.has_been_owner() && owner.is_live_owner());
        let collab = member(PermissionLevel::Collaborator);
        assert_eq!(collab.owner_since, None);
        assert!(!collab.has_been_owner() && !collab.is_live_owner());
    }

    #[test]
    fn owner_since_is_set_once_and_never_cleared() {
        let collab = member(PermissionLevel::Collaborator);
        let t1 = collab.created_at + Duration::days(1);
        let roles_only = collab.with_changes(None, Some(Roles::new([Role::TokenCreator])), t1);
        assert_eq!(roles_only.owner_since, None);
        let promoted = collab.with_changes(Some(PermissionLevel::Owner), None, t1);
        assert_eq!(promoted.owner_since, Some(t1));
        let demoted = promoted.with_changes(Some(PermissionLevel::Collaborator), None, t1 + Duration::days(1));
        assert_eq!(demoted.owner_since, Some(t1));
        assert!(demoted.has_been_owner() && !demoted.is_live_owner());
        let again = demoted.with_changes(Some(PermissionLevel::Owner), None, t1 + Duration::days(2));
        assert_eq!(again.owner_since, Some(t1));
    }

    #[test]
    fn a_demotion_of_an_owner_without_owner_since_records_it() {
        let mut legacy = member(PermissionLevel::Owner);
        legacy.owner_since = None;
        let at = legacy.created_at + Duration::days(3);
        let demoted = legacy.with_changes(Some(PermissionLevel::Collaborator), None, at);
        assert_eq!(demoted.owner_since, Some(at));
    }

    #[test]
    fn live_owners_come_and_go_with_level_and_cli_tokens() {
        let owner = member(PermissionLevel::Owner);
        let revoked = owner.with_cli_tokens_revoked();
        assert_eq!((revoked.cli_token_epoch, revoked.cli_token_live), (1, false));
        assert_eq!(LiveOwnerChange::of(Some(&owner), Some(&revoked)), LiveOwnerChange::Lost);
        let rotated = revoked.with_cli_tokens_rotated(2);
        assert_eq!(LiveOwnerChange::of(Some(&revoked), Some(&rotated)), LiveOwnerChange::Gained);
        assert_eq!(LiveOwnerChange::of(None, Some(&owner)), LiveOwnerChange::Gained);
        assert_eq!(LiveOwnerChange::of(Some(&owner), None), LiveOwnerChange::Lost);
        // An owner who cannot sign in leaves nothing when demoted or removed.
        let demoted = revoked.with_changes(Some(PermissionLevel::Collaborator), None, Utc::now());
        assert_eq!(LiveOwnerChange::of(Some(&revoked), Some(&demoted)), LiveOwnerChange::Unchanged);
        assert_eq!(LiveOwnerChange::of(Some(&revoked), None), LiveOwnerChange::Unchanged);
        let collab = member(PermissionLevel::Collaborator);
        assert_eq!(LiveOwnerChange::of(Some(&collab), None), LiveOwnerChange::Unchanged);
    }

    #[test]
    fn a_suspended_owner_is_not_a_live_owner() {
        let owner = member(PermissionLevel::Owner);
        let suspended = owner.with_suspension(Some(true));
        assert!(suspended.suspended && !suspended.is_live_owner());
        assert_eq!(LiveOwnerChange::of(Some(&owner), Some(&suspended)), LiveOwnerChange::Lost);
        assert_eq!(LiveOwnerChange::of(Some(&suspended), Some(&owner)), LiveOwnerChange::Gained);
        assert_eq!(suspended.with_suspension(None), suspended);
        // Rotating a suspended owner's CLI tokens gives it no live owner back.
        let rotated = suspended.with_cli_tokens_revoked().with_cli_tokens_rotated(2);
        assert_eq!(
            LiveOwnerChange::of(Some(&suspended.with_cli_tokens_revoked()), Some(&rotated)),
            LiveOwnerChange::Unchanged
        );
        let collab = member(PermissionLevel::Collaborator).with_suspension(Some(true));
        assert_eq!(
            LiveOwnerChange::of(Some(&collab), Some(&collab.with_suspension(Some(false)))),
            LiveOwnerChange::Unchanged
        );
    }

    #[test]
    fn records_without_the_new_fields_read_as_live_and_without_owner_since() {
        let mut value = serde_json::to_value(member(PermissionLevel::Owner)).unwrap();
        let object = value.as_object_mut().unwrap();
        object.remove("owner_since");
        object.remove("cli_token_live");
        let legacy: User = serde_json::from_value(value).unwrap();
        assert_eq!((legacy.owner_since, legacy.cli_token_live), (None, true));
        assert!(legacy.has_been_owner());
        let at = Utc::now();
        let filled = legacy.backfilled(false, at);
        assert_eq!((filled.owner_since, filled.cli_token_live), (Some(at), false));
    }
}

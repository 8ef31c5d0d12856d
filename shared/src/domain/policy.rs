//! Who may do what (SPEC sections 1 and 7). Every handler asks here; nothing is decided twice.
//!
//! A denial is either `Forbidden` (the caller may see the object but not do this) or
//! `NotFound` (the caller may not even learn the object exists).

use super::{Caller, CredentialKind, CredentialRecord, PermissionLevel, PrincipalType, Role, Scopes, User};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
}

pub type Decision = Result<(), Denial>;

pub fn require_owner(caller: &Caller) -> Decision {
    if caller.is_owner() { Ok(()) } else { Err(Denial::Forbidden("this action needs the OWNER permission level")) }
}

/// Routes under `/users/me/...` and access tokens for oneself are for humans only.
pub fn require_user(caller: &Caller) -> Decision {
    if caller.is_user() { Ok(()) } else { Err(Denial::Forbidden("service accounts cannot use this route")) }
}

/// Identity (creating, revoking or rotating credentials; removing members) is out of an
/// access token's reach (SPEC section 7): a stolen access token must not mint a successor
/// that survives its revocation, lock anyone out, or remove anyone.
fn require_identity_power(caller: &Caller) -> Decision {
    if caller.is_access_token() {
        Err(Denial::Forbidden(
            "a caller authenticated by an access token cannot create, revoke or rotate credentials, nor remove \
             members; use a CLI token or an API key",
        ))
    } else {
        Ok(())
    }
}

/// A credential never makes a wider one (SPEC sections 7 and 9): a scoped caller creates
/// only credentials whose scopes are a subset of its own, never an unscoped one; an
/// unscoped caller creates any. `requested`: the new credential's scopes (`None`: unscoped).
pub fn may_grant_scopes(caller: &Caller, requested: Option<&Scopes>) -> Decision {
    match (&caller.credential.scopes, requested) {
        (None, _) => Ok(()),
        (Some(_), None) => Err(Denial::Forbidden("a scoped credential cannot create an unscoped one; name its scopes")),
        (Some(own), Some(requested)) if requested.is_subset_of(own) => Ok(()),
        (Some(_), Some(_)) => {
            Err(Denial::Forbidden("a credential can only be given scopes that the credential creating it holds"))
        }
    }
}

/// CLI tokens are always unscoped, so a scoped caller can never create one (a new user's
/// first token, a rotation): that would widen it.
pub fn may_issue_cli_tokens(caller: &Caller) -> Decision {
    require_identity_power(caller)?;
    if caller.is_scoped() {
        return Err(Denial::Forbidden("a scoped credential cannot create CLI tokens, which are always unscoped"));
    }
    Ok(())
}

/// `POST /users`: a new member comes with its first CLI token.
pub fn may_create_user(caller: &Caller) -> Decision {
    require_owner(caller)?;
    may_issue_cli_tokens(caller)
}

/// `DELETE /users/{id}` (a former owner included: removal stays allowed).
pub fn may_remove_user(caller: &Caller) -> Decision {
    require_owner(caller)?;
    require_identity_power(caller)
}

/// `POST /service-accounts`: a new account comes with its first API key.
pub fn may_create_service_account(caller: &Caller) -> Decision {
    require_owner(caller)?;
    require_identity_power(caller)
}

/// `DELETE /service-accounts/{ref}`.
pub fn may_delete_service_account(caller: &Caller) -> Decision {
    require_owner(caller)?;
    require_identity_power(caller)
}

/// Creating or rotating a service account's API keys.
pub fn may_issue_api_keys(caller: &Caller) -> Decision {
    require_owner(caller)?;
    require_identity_power(caller)
}

/// Revoking one API key or all of a service account's.
pub fn may_revoke_api_keys(caller: &Caller) -> Decision {
    require_owner(caller)?;
    require_identity_power(caller)
}

/// Rotating or revoking one's own CLI tokens.
pub fn may_manage_own_cli_tokens(caller: &Caller) -> Decision {
    require_user(caller)?;
    require_identity_power(caller)
}

/// An OWNER acting on another user's credentials (rotate CLI tokens, create access tokens):
/// never on a user who is or has ever been an OWNER, whose credentials are its own for life
/// (otherwise an owner could demote another, take its credentials, and promote it back).
pub fn may_manage_credentials_of(caller: &Caller, target: &User) -> Decision {
    require_owner(caller)?;
    if target.id != caller.id && target.has_been_owner() {
        return Err(Denial::Forbidden("an owner's credentials are its own, also after a demotion"));
    }
    Ok(())
}

/// `POST /users/{id}/cli-tokens/rotate`.
pub fn may_rotate_cli_tokens_of(caller: &Caller, target: &User) -> Decision {
    may_issue_cli_tokens(caller)?;
    may_manage_credentials_of(caller, target)
}

/// `POST /users/me/cli-tokens/rotate`.
pub fn may_rotate_own_cli_tokens(caller: &Caller) -> Decision {
    may_manage_own_cli_tokens(caller)?;
    may_issue_cli_tokens(caller)
}

/// Creating access tokens at all, before the target is known (an access token creates none).
pub fn may_create_access_tokens(caller: &Caller) -> Decision {
    require_identity_power(caller)
}

/// Creating an access token for `target` (which may be the caller itself).
pub fn may_create_access_token_for(caller: &Caller, target: &User) -> Decision {
    may_create_access_tokens(caller)?;
    require_user(caller).or_else(|e| if caller.is_owner() { Ok(()) } else { Err(e) })?;
    if target.id == caller.id {
        if caller.roles.contains(Role::TokenCreator) || caller.is_owner() {
            Ok(())
        } else {
            Err(Denial::Forbidden("creating access tokens needs the TokenCreator role"))
        }
    } else {
        may_manage_credentials_of(caller, target)
    }
}

/// `PATCH /users/{id}`, judged on the user as the store holds it (`before`) and as the
/// change would leave it (`after`). Raising anyone's power (level OWNER, a role added)
/// needs a persistent credential, and so does any change to an owner's or a former
/// owner's level or roles; lowering the power of a user who never was an owner is within
/// an access token's rights. A change that changes nothing is allowed.
pub fn may_change_user(caller: &Caller, before: &User, after: &User) -> Decision {
    require_owner(caller)?;
    if caller.is_persistent() {
        return Ok(());
    }
    if after.suspended != before.suspended {
        return Err(SUSPENSION_NEEDS_PERSISTENCE);
    }
    let raises = (after.permission_level == PermissionLevel::Owner
        && before.permission_level != PermissionLevel::Owner)
        || after.roles.iter().any(|role| !before.roles.contains(role));
    if raises {
        return Err(Denial::Forbidden(
            "raising a member's power needs a persistent credential (a CLI token or an API key without expiry)",
        ));
    }
    let changes = after.permission_level != before.permission_level || after.roles != before.roles;
    if changes && before.has_been_owner() {
        return Err(Denial::Forbidden(
            "changing the level or roles of an owner or a former owner needs a persistent credential",
        ));
    }
    Ok(())
}

const SUSPENSION_NEEDS_PERSISTENCE: Denial = Denial::Forbidden(
    "suspending or unsuspending a member needs a persistent credential (a CLI token or an API key without expiry)",
);

/// `PATCH /service-accounts/{ref}` (suspension, SPEC section 10): an OWNER with a
/// persistent credential.
pub fn may_suspend_service_account(caller: &Caller) -> Decision {
    require_owner(caller)?;
    if caller.is_persistent() { Ok(()) } else { Err(SUSPENSION_NEEDS_PERSISTENCE) }
}

/// Reading, editing or revoking an access token: its owner, or an OWNER; anyone else is
/// told it does not exist.
pub fn may_access_token(caller: &Caller, token: &CredentialRecord) -> Decision {
    if token.organization_id != caller.organization_id || token.kind != CredentialKind::AccessToken {
        return Err(Denial::NotFound);
    }
    if token.owner_id == caller.id || caller.is_owner() { Ok(()) } else { Err(Denial::NotFound) }
}

/// Listing access tokens: one's own always; anyone's for an OWNER.
pub fn may_list_tokens_of(caller: &Caller, owner_is_caller: bool) -> Decision {
    if owner_is_caller { require_user(caller) } else { require_owner(caller) }
}

/// The principal type a caller must be for user-only routes, for documentation and tests.
pub fn user_only(principal_type: PrincipalType) -> bool {
    principal_type == PrincipalType::User
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use chrono::Utc;

    fn caller(level: PermissionLevel, roles: Roles, kind: CredentialKind, pt: PrincipalType) -> Caller {
        Caller {
            principal_type: pt,
            id: PrincipalId::new_random(),
            email: Email::parse("a@example.com").unwrap(),
            organization_id: OrganizationId::new_random(),
            permission_level: level,
            roles,
            credential: CallerCredential {
                id: CredentialId::new_random(),
                kind,
                last_six: "abcdef".into(),
                expires_at: None,
                scopes: None,
            },
        }
    }

    fn user(c: &Caller, level: PermissionLevel) -> User {
        User::new(c.organization_id, Email::parse("b@example.com").unwrap(), level, Utc::now())
    }

    #[test]
    fn owners_cannot_touch_other_owners_credentials() {
        let c = caller(PermissionLevel::Owner, Roles::default(), CredentialKind::CliToken, PrincipalType::User);
        assert!(may_manage_credentials_of(&c, &user(&c, PermissionLevel::Collaborator)).is_ok());
        assert!(may_manage_credentials_of(&c, &user(&c, PermissionLevel::Owner)).is_err());
        // A demoted owner stays protected.
        let former =
            user(&c, PermissionLevel::Owner).with_changes(Some(PermissionLevel::Collaborator), None, Utc::now());
        assert!(may_manage_credentials_of(&c, &former).is_err());
        assert!(may_rotate_cli_tokens_of(&c, &former).is_err());
        assert!(may_create_access_token_for(&c, &former).is_err());
    }

    #[test]
    fn token_creator_role_gates_self_service() {
        let mut c =
            caller(PermissionLevel::Collaborator, Roles::default(), CredentialKind::CliToken, PrincipalType::User);
        let mut me = user(&c, PermissionLevel::Collaborator);
        me.id = c.id;
        assert!(may_create_access_token_for(&c, &me).is_err());
        c.roles = Roles::new([Role::TokenCreator]);
        assert!(may_create_access_token_for(&c, &me).is_ok());
        let other = user(&c, PermissionLevel::Collaborator);
        assert!(may_create_access_token_for(&c, &other).is_err());
    }

    #[test]
    fn access_token_callers_never_touch_identity() {
        let mut c = caller(PermissionLevel::Owner, Roles::default(), CredentialKind::AccessToken, PrincipalType::User);
        c.credential.expires_at = Some(Utc::now());
        assert!(!c.is_persistent());
        let collab = user(&c, PermissionLevel::Collaborator);
        let mut me = user(&c, PermissionLevel::Owner);
        me.id = c.id;
        for decision in [
            may_create_user(&c),
            may_remove_user(&c),
            may_create_service_account(&c),
            may_delete_service_account(&c),
            may_issue_api_keys(&c),
            may_revoke_api_keys(&c),
            may_manage_own_cli_tokens(&c),
            may_rotate_cli_tokens_of(&c, &collab),
            may_create_access_token_for(&c, &collab),
            may_create_access_token_for(&c, &me),
        ] {
            assert!(matches!(decision, Err(Denial::Forbidden(_))), "{decision:?}");
        }
        let persistent =
            caller(PermissionLevel::Owner, Roles::default(), CredentialKind::CliToken, PrincipalType::User);
        assert!(persistent.is_persistent());
        assert!(may_remove_user(&persistent).is_ok() && may_rotate_cli_tokens_of(&persistent, &collab).is_ok());
    }

    #[test]
    fn an_access_token_lowers_power_only_of_users_that_never_were_owners() {
        let mut c = caller(PermissionLevel::Owner, Roles::default(), CredentialKind::AccessToken, PrincipalType::User);
        c.credential.expires_at = Some(Utc::now());
        let now = Utc::now();
        let mut creator = user(&c, PermissionLevel::Collaborator);
        creator.roles = Roles::new([Role::TokenCreator]);
        let change = |u: &User, level, roles| u.with_changes(level, roles, now);
        // Raising: refused.
        let plain = user(&c, PermissionLevel::Collaborator);
        assert!(may_change_user(&c, &plain, &change(&plain, Some(PermissionLevel::Owner), None)).is_err());
        let add_role = change(&plain, None, Some(Roles::new([Role::TokenCreator])));
        assert!(may_change_user(&c, &plain, &add_role).is_err());
        // Lowering a never-owner: allowed; a no-op: allowed.
        assert!(may_change_user(&c, &creator, &change(&creator, None, Some(Roles::default()))).is_ok());
        assert!(may_change_user(&c, &plain, &change(&plain, Some(PermissionLevel::Collaborator), None)).is_ok());
        // Lowering an owner or a former owner: refused.
        let owner = user(&c, PermissionLevel::Owner);
        assert!(may_change_user(&c, &owner, &change(&owner, Some(PermissionLevel::Collaborator), None)).is_err());
        let mut former = change(&owner, Some(PermissionLevel::Collaborator), None);
        former.roles = Roles::new([Role::TokenCreator]);
        assert!(may_change_user(&c, &former, &change(&former, None, Some(Roles::default()))).is_err());
        // A persistent credential may do all of it.
        let persistent = caller(PermissionLevel::Owner, Roles::default(), CredentialKind::ApiKey, PrincipalType::User);
        assert!(may_change_user(&persistent, &plain, &change(&plain, Some(PermissionLevel::Owner), None)).is_ok());
        assert!(
            may_change_user(&persistent, &owner, &change(&owner, Some(PermissionLevel::Collaborator), None)).is_ok()
        );
    }

    #[test]
    fn scoped_credentials_make_nothing_wider() {
        let scopes = |s: &[&str]| Scopes::parse(s).unwrap();
        let mut c = caller(PermissionLevel::Owner, Roles::default(), CredentialKind::ApiKey, PrincipalType::User);
        let collab = user(&c, PermissionLevel::Collaborator);
        assert!(may_grant_scopes(&c, None).is_ok() && may_grant_scopes(&c, Some(&scopes(&["a"]))).is_ok());
        assert!(c.is_persistent());
        c.credential.scopes = Some(scopes(&["a", "latchkey:users"]));
        assert!(!c.is_persistent(), "a scoped credential is not persistent");
        assert!(may_grant_scopes(&c, Some(&scopes(&["a"]))).is_ok());
        assert!(may_grant_scopes(&c, Some(&scopes(&[]))).is_ok());
        assert!(may_grant_scopes(&c, Some(&scopes(&["a", "b"]))).is_err());
        assert!(may_grant_scopes(&c, None).is_err());
        assert!(may_create_user(&c).is_err());
        assert!(may_rotate_cli_tokens_of(&c, &collab).is_err());
        assert!(may_issue_cli_tokens(&c).is_err());
    }

    #[test]
    fn service_accounts_are_refused_user_routes() {
        let c = caller(PermissionLevel::Owner, Roles::default(), CredentialKind::ApiKey, PrincipalType::ServiceAccount);
        assert!(require_user(&c).is_err());
        assert!(may_manage_own_cli_tokens(&c).is_err());
    }
}

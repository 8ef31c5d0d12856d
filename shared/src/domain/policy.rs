//! Who may do what (SPEC section 1). Every handler asks here; nothing is decided twice.
//!
//! A denial is either `Forbidden` (the caller may see the object but not do this) or
//! `NotFound` (the caller may not even learn the object exists).

use super::{Caller, CredentialKind, CredentialRecord, PermissionLevel, PrincipalType, Role, User};

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

/// No credential outlives the one that made it: an access-token caller cannot mint
/// credentials that never expire, nor revoke CLI tokens.
pub fn require_non_expiring_credential(caller: &Caller) -> Decision {
    if caller.credential.kind == CredentialKind::AccessToken {
        Err(Denial::Forbidden("a caller authenticated by an access token cannot do this; use a CLI token or API key"))
    } else {
        Ok(())
    }
}

/// Rotating or revoking one's own CLI tokens.
pub fn may_manage_own_cli_tokens(caller: &Caller) -> Decision {
    require_user(caller)?;
    require_non_expiring_credential(caller)
}

/// An OWNER acting on another user's credentials (rotate CLI tokens, create access tokens):
/// never on another OWNER, whose credentials are its own.
pub fn may_manage_credentials_of(caller: &Caller, target: &User) -> Decision {
    require_owner(caller)?;
    if target.id != caller.id && target.permission_level == PermissionLevel::Owner {
        return Err(Denial::Forbidden("an owner's credentials are its own"));
    }
    Ok(())
}

/// Creating an access token for `target` (which may be the caller itself).
pub fn may_create_access_token_for(caller: &Caller, target: &User) -> Decision {
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
            },
        }
    }

    fn user(c: &Caller, level: PermissionLevel) -> User {
        User {
            id: PrincipalId::new_random(),
            organization_id: c.organization_id,
            email: Email::parse("b@example.com").unwrap(),
            name: String::new(),
            permission_level: level,
            roles: Roles::default(),
            created_at: Utc::now(),
            created_by: None,
            cli_token_epoch: 0,
        }
    }

    #[test]
    fn owners_cannot_touch_other_owners_credentials() {
        let c = caller(PermissionLevel::Owner, Roles::default(), CredentialKind::CliToken, PrincipalType::User);
        assert!(may_manage_credentials_of(&c, &user(&c, PermissionLevel::Collaborator)).is_ok());
        assert!(may_manage_credentials_of(&c, &user(&c, PermissionLevel::Owner)).is_err());
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
    fn access_token_callers_cannot_mint_forever_credentials() {
        let c = caller(PermissionLevel::Owner, Roles::default(), CredentialKind::AccessToken, PrincipalType::User);
        assert!(require_non_expiring_credential(&c).is_err());
        assert!(may_manage_own_cli_tokens(&c).is_err());
    }

    #[test]
    fn service_accounts_are_refused_user_routes() {
        let c = caller(PermissionLevel::Owner, Roles::default(), CredentialKind::ApiKey, PrincipalType::ServiceAccount);
        assert!(require_user(&c).is_err());
        assert!(may_manage_own_cli_tokens(&c).is_err());
    }
}

//! Who may do what (SPEC sections 1 and 7). Every handler asks here; nothing is decided twice.
//!
//! A denial is either `Forbidden` (the caller may see the object but not do this) or
//! `NotFound` (the caller may not even learn the object exists).

use super::{Caller, CredentialKind, CredentialRecord, IpRanges, PermissionLevel, PrincipalType, Role, Scopes, User};
use crate::clock::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    /// The change contradicts the state it would act on (409): e.g. an IP policy that would
    /// shut out the caller's own address (SPEC section 11).
    #[error("{0}")]
    Conflict(&'static str),
}

pub type Decision = Result<(), Denial>;

/// Changing the organization's policy (SPEC sections 7 and 11): an OWNER with a persistent
/// credential (unscoped, no expiry: never an access token).
pub fn may_change_organization_policy(caller: &Caller) -> Decision {
    require_owner(caller)?;
    if !caller.is_persistent() {
        return Err(Denial::Forbidden(
            "changing the organization's policy needs a persistent credential (a CLI token or an unscoped API key \
             without expiry)",
        ));
    }
    Ok(())
}

/// A policy must not shut out the address of the request that sets it (409): an egress
/// address outside the new ranges would lock its author out from the next request.
pub fn keeps_the_caller_in(policy: &super::OrganizationPolicy, source_ip: Option<&std::net::IpAddr>) -> Decision {
    if policy.allowed_ip_ranges.admits(source_ip) {
        Ok(())
    } else {
        Err(Denial::Conflict(
            "allowed_ip_ranges would shut out this request's own source address; include it, or clear the ranges",
        ))
    }
}

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

/// A credential never makes a wider one (SPEC section 7): whatever `caller` creates expires
/// no later than the caller's own credential. `requested`: the new credential's expiry
/// (`None`: never); `may_cap`: the caller named no lifespan, so the expiry is brought down to
/// the caller's own instead of refused. `Err`: why it is refused (a 400).
pub fn bound_expiry(caller: &Caller, requested: Option<Timestamp>, may_cap: bool) -> Result<Option<Timestamp>, String> {
    let Some(own) = caller.credential.expires_at else { return Ok(requested) };
    match requested {
        Some(at) if at <= own => Ok(Some(at)),
        _ if may_cap => Ok(Some(own)),
        _ => Err(format!(
            "lifespan_days: a credential cannot outlive the credential that creates it (which expires at {})",
            own.to_rfc3339()
        )),
    }
}

/// A credential never makes a wider one (SPEC section 7), for IP ranges: what `caller`
/// creates may be used only from within the caller's own credential's ranges. `named`: the
/// ranges the request asked for; `inherited`: a rotation's newest replaced key's. Neither:
/// the caller's own are copied. `Err`: why it is refused (a 400).
pub fn bound_ranges(
    caller: &Caller,
    named: Option<IpRanges>,
    inherited: Option<&IpRanges>,
) -> Result<IpRanges, String> {
    let own = &caller.credential.allowed_ip_ranges;
    let ranges = match (named, inherited) {
        (Some(named), _) => named,
        (None, Some(inherited)) if !inherited.is_empty() => inherited.clone(),
        (None, _) => own.clone(),
    };
    if ranges.within(own) {
        Ok(ranges)
    } else {
        Err(format!(
            "allowed_ip_ranges: a credential must stay within the ranges of the credential that creates it ({})",
            own.joined()
        ))
    }
}

/// CLI tokens never expire, so only a caller whose own credential never expires issues one
/// (a new user's first token, a rotation): SPEC section 7.
pub fn may_issue_unexpiring(caller: &Caller) -> Result<(), String> {
    bound_expiry(caller, None, false).map(|_| ())
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

/// Disabling or enabling an API key, or editing its description (`PATCH /api-keys/{id}`):
/// identity, beyond an access token (SPEC section 7).
pub fn may_change_api_keys(caller: &Caller) -> Decision {
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

/// Whether `caller` may enable `credential` (SPEC section 10): what its holder disabled
/// itself, anyone who may change the flag; what an OWNER other than the holder disabled, only
/// an OWNER other than the holder with a persistent credential.
pub fn may_enable(caller: &Caller, credential: &CredentialRecord) -> Result<(), Denial> {
    if !credential.disabled_by_other() {
        return Ok(());
    }
    if caller.id == credential.owner_id {
        return Err(Denial::Forbidden(
            "an owner disabled this credential; its holder cannot enable it again (another OWNER can)",
        ));
    }
    if !caller.is_owner() || !caller.is_persistent() {
        return Err(Denial::Forbidden(
            "enabling a credential that an owner disabled needs an OWNER's persistent credential (a CLI token or \
             an unscoped API key without expiry)",
        ));
    }
    Ok(())
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
                allowed_ip_ranges: Default::default(),
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
    fn only_another_persistent_owner_ends_an_investigation() {
        let mut c = caller(PermissionLevel::Owner, Roles::default(), CredentialKind::CliToken, PrincipalType::User);
        let holder = user(&c, PermissionLevel::Collaborator);
        let mut key = crate::domain::CredentialRecord {
            id: crate::domain::CredentialId::new_random(),
            organization_id: c.organization_id,
            kind: CredentialKind::AccessToken,
            owner_id: holder.id,
            owner_email: holder.email.clone(),
            secret_hash: crate::domain::SecretHash::from_digest([1; 32]),
            last_six: "abcdef".into(),
            epoch: 0,
            description: None,
            created_at: Utc::now(),
            created_by: None,
            expires_at: None,
            revoked_at: None,
            last_used_at: None,
            purge_at: None,
            scopes: None,
            lifecycle: Default::default(),
            superseded_until: None,
            allowed_ip_ranges: Default::default(),
        };
        assert!(may_enable(&c, &key).is_ok(), "not disabled");
        key.lifecycle.disabled_at = Some(Utc::now());
        key.lifecycle.disabled_by = Some(holder.id);
        let mut as_holder = c.clone();
        as_holder.id = holder.id;
        as_holder.permission_level = PermissionLevel::Collaborator;
        assert!(may_enable(&as_holder, &key).is_ok(), "what the holder disabled, it enables");
        key.lifecycle.disabled_by = Some(c.id);
        assert!(may_enable(&as_holder, &key).is_err(), "the holder cannot undo an owner's disable");
        as_holder.permission_level = PermissionLevel::Owner;
        assert!(may_enable(&as_holder, &key).is_err(), "not even as an OWNER");
        assert!(may_enable(&c, &key).is_ok());
        c.credential.expires_at = Some(Utc::now());
        assert!(may_enable(&c, &key).is_err(), "an expiring credential is not persistent");
    }

    #[test]
    fn service_accounts_are_refused_user_routes() {
        let c = caller(PermissionLevel::Owner, Roles::default(), CredentialKind::ApiKey, PrincipalType::ServiceAccount);
        assert!(require_user(&c).is_err());
        assert!(may_manage_own_cli_tokens(&c).is_err());
    }
}

use super::*;
use crate::domain::{
    CredentialId, CredentialKind, CredentialStatus, Email, OrganizationId, PermissionLevel, Principal, SecretHash, User,
};
use chrono::{Duration, Utc};

fn holder() -> User {
    User::new(
        OrganizationId::new_random(),
        Email::parse("h@example.com").unwrap(),
        PermissionLevel::Collaborator,
        Utc::now(),
    )
}

fn token_of(user: &User) -> CredentialRecord {
    CredentialRecord {
        id: CredentialId::new_random(),
        organization_id: user.organization_id,
        kind: CredentialKind::AccessToken,
        owner_id: user.id,
        owner_email: user.email.clone(),
        secret_hash: SecretHash::from_digest([7; 32]),
        last_six: "abc123".into(),
        epoch: 0,
        description: None,
        created_at: Utc::now(),
        created_by: None,
        expires_at: Some(Utc::now() + Duration::days(1)),
        revoked_at: None,
        last_used_at: None,
        purge_at: None,
        scopes: None,
        lifecycle: Lifecycle::default(),
        superseded_until: None,
        allowed_ip_ranges: Default::default(),
    }
}

fn change(disabled: bool, by: PrincipalId) -> DisabledChange {
    DisabledChange { disabled, by, at: Utc::now() }
}

#[test]
fn disabled_shows_unless_revoked_or_expired() {
    let user = holder();
    let owner = Principal::User(user.clone());
    let token = token_of(&user).with_disabled(change(true, user.id), false).unwrap().unwrap();
    let now = Utc::now();
    assert_eq!(token.status(now, Some(&owner)), CredentialStatus::Disabled);
    assert_eq!(token.status(now + Duration::days(2), Some(&owner)), CredentialStatus::Expired);
    assert_eq!(token.status(now, None), CredentialStatus::Revoked, "its owner is gone");
    let enabled = token.with_disabled(change(false, user.id), false).unwrap().unwrap();
    assert_eq!(enabled.status(now, Some(&owner)), CredentialStatus::Active);
    assert_eq!((enabled.lifecycle.disabled_at, enabled.lifecycle.disabled_by), (None, None));
}

#[test]
fn revoked_stays_final() {
    let user = holder();
    let mut token = token_of(&user);
    assert_eq!(token.with_disabled(change(true, user.id), true), Err(DisableRefusal::Revoked));
    crate::domain::Revocation::new(Utc::now(), Duration::days(1)).apply(&mut token);
    assert_eq!(token.with_disabled(change(false, user.id), false), Err(DisableRefusal::Revoked));
}

#[test]
fn a_holder_cannot_turn_an_owners_disable_into_its_own() {
    let user = holder();
    let other = PrincipalId::new_random();
    let by_owner = token_of(&user).with_disabled(change(true, other), false).unwrap().unwrap();
    assert!(by_owner.disabled_by_other());
    assert_eq!(by_owner.with_disabled(change(true, user.id), false), Ok(None), "the owner's disable stays");
    // An owner's disable over the holder's own makes it an investigation.
    let by_holder = token_of(&user).with_disabled(change(true, user.id), false).unwrap().unwrap();
    assert!(!by_holder.disabled_by_other());
    let escalated = by_holder.with_disabled(change(true, other), false).unwrap().unwrap();
    assert!(escalated.disabled_by_other());
    assert_eq!(token_of(&user).with_disabled(change(false, user.id), false), Ok(None), "enabling an enabled one");
}

#[test]
fn why_it_stopped() {
    let user = holder();
    let owner = Principal::User(user.clone());
    let now = Utc::now();
    let mut token = token_of(&user);
    assert_eq!(token.revoked_reason(now, Some(&owner)), None);
    assert_eq!(token.revoked_reason(now, None), Some(RevokedReason::OwnerRemoved), "not swept yet");
    token.revoked_at = Some(now);
    assert_eq!(token.revoked_reason(now, Some(&owner)), Some(RevokedReason::Revoked), "written before reasons");
    crate::domain::Revocation::new(now, Duration::days(1)).because(RevokedReason::Leaked).apply(&mut token);
    assert_eq!(token.revoked_reason(now, Some(&owner)), Some(RevokedReason::Leaked));
    // A CLI token an epoch bump revoked: the user tells a rotation from a revoke-all.
    let mut cli = token_of(&user);
    cli.kind = CredentialKind::CliToken;
    cli.expires_at = None;
    let rotated = User { cli_token_epoch: 1, ..user.clone() };
    assert_eq!(cli.revoked_reason(now, Some(&Principal::User(rotated.clone()))), Some(RevokedReason::Rotated));
    let revoked_all = User { cli_token_live: false, ..rotated };
    assert_eq!(cli.revoked_reason(now, Some(&Principal::User(revoked_all))), Some(RevokedReason::RevokedAll));
}

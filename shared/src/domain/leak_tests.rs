use super::*;
use crate::domain::audit::{Actor, RequestMeta};
use crate::domain::{CredentialKind, Email, OrganizationId, PermissionLevel};
use chrono::{Duration, Utc};

fn context() -> AuditContext {
    let request = RequestMeta::new(Some("req-1".into()), Some("203.0.113.7".into()), None);
    AuditContext::new(Actor::anonymous(), request, Utc::now(), Duration::days(400))
}

fn owner() -> User {
    User::new(OrganizationId::new_random(), Email::parse("o@example.com").unwrap(), PermissionLevel::Owner, Utc::now())
}

fn cli_token_of(user: &User) -> CredentialRecord {
    CredentialRecord {
        id: CredentialId::new_random(),
        organization_id: user.organization_id,
        kind: CredentialKind::CliToken,
        owner_id: user.id,
        owner_email: user.email.clone(),
        secret_hash: SecretHash::from_digest([7; 32]),
        last_six: "abc123".into(),
        epoch: user.cli_token_epoch,
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
    }
}

fn revocation() -> Revocation {
    Revocation::new(Utc::now(), Duration::days(90))
}

#[test]
fn only_the_stored_hash_and_the_named_credential_match() {
    let user = owner();
    let token = cli_token_of(&user);
    assert!(LeakMatch::of(&token, user.id, token.id, &token.secret_hash).is_some());
    let wrong = SecretHash::from_digest([8; 32]);
    assert!(LeakMatch::of(&token, user.id, token.id, &wrong).is_none());
    assert!(LeakMatch::of(&token, PrincipalId::new_random(), token.id, &token.secret_hash).is_none());
    assert!(LeakMatch::of(&token, user.id, CredentialId::new_random(), &token.secret_hash).is_none());
}

#[test]
fn a_live_owner_s_cli_token_leaks_unguarded_and_takes_its_liveness() {
    let user = owner();
    let token = cli_token_of(&user);
    let owner = Principal::User(user.clone());
    let found = LeakMatch::of(&token, user.id, token.id, &token.secret_hash).unwrap();
    let writes = found.revocation(Some(&owner), revocation(), Utc::now(), &context()).unwrap();
    assert!(writes.credential.revoked_at.is_some() && writes.credential.purge_at.is_some());
    assert_eq!(writes.user_before.as_ref(), Some(&user));
    assert!(!writes.user_after.as_ref().unwrap().cli_token_live);
    assert_eq!(writes.live_owner_change, LiveOwnerChange::Lost);
    assert_eq!(writes.event.action, crate::domain::AuditAction::CredentialLeakReported);
    assert_eq!(writes.event.organization_id, user.organization_id);
    assert_eq!(writes.event.actor, Actor::anonymous());
    assert_eq!(writes.event.request.source_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(writes.event.target.id, token.id.0);
}

#[test]
fn other_kinds_leave_the_owner_alone_and_dead_credentials_are_left_as_they_are() {
    let user = owner();
    let owner = Principal::User(user.clone());
    let mut access = cli_token_of(&user);
    access.kind = CredentialKind::AccessToken;
    let found = LeakMatch::of(&access, user.id, access.id, &access.secret_hash).unwrap();
    let writes = found.revocation(Some(&owner), revocation(), Utc::now(), &context()).unwrap();
    assert_eq!((writes.user_before, writes.user_after), (None, None));
    assert_eq!(writes.live_owner_change, LiveOwnerChange::Unchanged);

    let mut revoked = cli_token_of(&user);
    revoked.revoked_at = Some(Utc::now());
    let found = LeakMatch::of(&revoked, user.id, revoked.id, &revoked.secret_hash).unwrap();
    assert!(found.revocation(Some(&owner), revocation(), Utc::now(), &context()).is_none());
    let mut expired = cli_token_of(&user);
    expired.expires_at = Some(Utc::now() - Duration::seconds(1));
    let found = LeakMatch::of(&expired, user.id, expired.id, &expired.secret_hash).unwrap();
    assert!(found.revocation(Some(&owner), revocation(), Utc::now(), &context()).is_none());
    let token = cli_token_of(&user);
    let found = LeakMatch::of(&token, user.id, token.id, &token.secret_hash).unwrap();
    assert!(found.revocation(None, revocation(), Utc::now(), &context()).is_none(), "owner gone: revoked");
    let older = User { cli_token_epoch: 1, ..user };
    assert!(found.revocation(Some(&Principal::User(older)), revocation(), Utc::now(), &context()).is_none());
}

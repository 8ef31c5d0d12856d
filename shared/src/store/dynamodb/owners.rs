//! The table's side of SPEC section 7's ownership rules. The organization item's
//! `owner_count` counts live owners (`User::is_live_owner`: OWNER users who hold a live CLI
//! token); every write that changes whether a user is one carries, in the same transaction,
//! the matching change of that count (`LiveOwnerChange`), and a loss is conditioned on
//! `owner_count > 1`: two concurrent actions that would each leave the other as the last
//! live owner touch the same item, and only one passes. User writes are conditioned on the
//! user as read (level, roles, `owner_since`, liveness), so the count change and the
//! caller's check were decided on what is written over.

use super::*;
use crate::domain::LiveOwnerChange;
use crate::store::{UserChangeCheck, UserUpdate};

const LEVEL: &str = "permission_level";
const ROLES: &str = "roles";
pub(super) const OWNER_SINCE: &str = "owner_since";
pub(super) const LIVE: &str = "cli_token_live";
pub(super) const CLI_EPOCH: &str = Epoch::CliToken.field();
/// `User::suspended` / `ServiceAccount::suspended` (absent: not suspended).
pub(super) const SUSPENDED: &str = "suspended";

/// The user item still holds `user` as read: level, roles, `owner_since`, liveness and
/// suspension (placeholders `#u_*`, `:u_*`).
pub(super) fn user_as_read(user: &User) -> StoreResult<Expr> {
    let level_and_roles = Expr::new("#u_level = :u_level AND #u_roles = :u_roles")
        .name("#u_level", LEVEL)
        .name("#u_roles", ROLES)
        .value(":u_level", attribute(&user.permission_level)?)
        .value(":u_roles", attribute(&user.roles)?);
    let since = match &user.owner_since {
        Some(t) => Expr::new("#u_since = :u_since").name("#u_since", OWNER_SINCE).value(":u_since", attribute(t)?),
        None => Expr::new("attribute_not_exists(#u_since)").name("#u_since", OWNER_SINCE),
    };
    Ok(level_and_roles.and(since).and(live_as_read(user.cli_token_live)).and(suspended_as_read(user.suspended)))
}

/// Suspension as read: an item without the attribute reads as not suspended (placeholders
/// `#u_susp`, `:u_susp`).
pub(super) fn suspended_as_read(suspended: bool) -> Expr {
    let expr = if suspended {
        Expr::new("#u_susp = :u_susp")
    } else {
        Expr::new("#u_susp = :u_susp OR attribute_not_exists(#u_susp)")
    };
    expr.name("#u_susp", SUSPENDED).value(":u_susp", AttributeValue::Bool(suspended))
}

/// Liveness as read: an item without the attribute reads as live (`User::cli_token_live`).
fn live_as_read(live: bool) -> Expr {
    if live {
        Expr::new("#u_live = :u_live OR attribute_not_exists(#u_live)")
            .name("#u_live", LIVE)
            .value(":u_live", AttributeValue::Bool(true))
    } else {
        Expr::new("#u_live = :u_live").name("#u_live", LIVE).value(":u_live", AttributeValue::Bool(false))
    }
}

/// `owner_count - 1`. `guarded` (the last-owner guard): refused unless another live owner
/// stays; otherwise (an operator's action) refused only below zero, which a consistent count
/// never reaches.
fn one_live_owner_fewer(org: OrganizationId, guarded: bool) -> (Item, Expr, Expr) {
    let floor = if guarded { 1 } else { 0 };
    (
        organization_key(org),
        Expr::new("SET #owners = #owners - :one").name("#owners", OWNER_COUNT).value(":one", n(1)),
        Expr::new("#owners > :floor").name("#owners", OWNER_COUNT).value(":floor", n(floor)),
    )
}

fn one_live_owner_more(org: OrganizationId) -> (Item, Expr, Expr) {
    (
        organization_key(org),
        Expr::new("ADD #owners :one").name("#owners", OWNER_COUNT).value(":one", n(1)),
        Expr::new("attribute_exists(#pk)").name("#pk", PK),
    )
}

impl DynamoDbStore {
    /// The organization-item step a `change` needs, if any (`guarded`: see
    /// [`one_live_owner_fewer`]).
    pub(super) fn live_owner_steps(
        &self,
        org: OrganizationId,
        change: LiveOwnerChange,
        guarded: bool,
    ) -> StoreResult<Vec<(TransactWriteItem, OnConditionFailed)>> {
        Ok(match change {
            LiveOwnerChange::Gained => {
                let (key, update, condition) = one_live_owner_more(org);
                vec![(self.tx_update(key, update, condition)?, OnConditionFailed::NotFound)]
            }
            LiveOwnerChange::Lost => {
                let (key, update, condition) = one_live_owner_fewer(org, guarded);
                vec![(self.tx_update(key, update, condition)?, OnConditionFailed::LastOwner)]
            }
            LiveOwnerChange::Unchanged => Vec::new(),
        })
    }

    async fn user_in(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<User>> {
        Ok(match self.get_principal_in(org, id).await? {
            Some(Principal::User(u)) => Some(u),
            _ => None,
        })
    }

    /// `UserStore::update_user`: GetItem, the check, then one transaction conditioned on the
    /// user as read (re-read and retried when it moved).
    pub(super) async fn update_user_checked(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        update: &UserUpdate,
        check: &UserChangeCheck,
        audit: &AuditContext,
    ) -> StoreResult<User> {
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let before = self.user_in(org, id).await?.ok_or(StoreError::NotFound)?;
            let after = update.apply(&before);
            check(&before, &after).map_err(StoreError::Denied)?;
            if after == before {
                return Ok(before);
            }
            let mut set = Expr::new("SET #level = :level, #roles = :roles, #suspended = :suspended")
                .name("#level", LEVEL)
                .name("#roles", ROLES)
                .name("#suspended", SUSPENDED)
                .value(":level", attribute(&after.permission_level)?)
                .value(":roles", attribute(&after.roles)?)
                .value(":suspended", AttributeValue::Bool(after.suspended));
            if let Some(since) = after.owner_since.filter(|_| before.owner_since.is_none()) {
                set.text.push_str(", #since = :since");
                set = set.name("#since", OWNER_SINCE).value(":since", attribute(&since)?);
            }
            let user_step = self.tx_update(principal_key(id), set, in_organization(org).and(user_as_read(&before)?))?;
            let mut steps = vec![(user_step, OnConditionFailed::Reread)];
            steps.extend(self.live_owner_steps(org, LiveOwnerChange::of(Some(&before), Some(&after)), true)?);
            if let Some(event) = audit.user_updated(&before, &after) {
                steps.extend(self.tx_audit(&[event])?);
            }
            match self.transact(steps).await? {
                Ok(()) => return Ok(after),
                Err(OnConditionFailed::Reread) => continue,
                Err(other) => return Err(step_error(other)),
            }
        }
        Err(StoreError::Contention)
    }

    /// `UserStore::delete_user`: the user item and its email guard go, and a live owner's count
    /// with them (guarded), in one transaction conditioned on the user as read.
    pub(super) async fn delete_user_guarded(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let revocation = revocation.because(RevokedReason::OwnerRemoved);
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let user = self.user_in(org, id).await?.ok_or(StoreError::NotFound)?;
            let mut steps = vec![
                (
                    self.tx_delete(principal_key(id), Some(in_organization(org).and(user_as_read(&user)?)))?,
                    OnConditionFailed::Reread,
                ),
                (self.tx_delete(guard_key(email_guard_pk(org, &user.email)), None)?, OnConditionFailed::Reread),
            ];
            steps.extend(self.live_owner_steps(org, LiveOwnerChange::of(Some(&user), None), true)?);
            let task = SweepTask::all_credentials_of(org, id, &PrincipalType::User.kinds_held(), revocation);
            steps.push(self.tx_record_sweep(&task)?);
            steps.extend(self.tx_audit(&[audit.user_removed(&user)])?);
            match self.transact(steps).await? {
                Ok(()) => {
                    // The user item is gone, so its credentials fail already; this is housekeeping.
                    self.sweep(&task).await;
                    return Ok(());
                }
                Err(OnConditionFailed::Reread) => continue,
                Err(other) => return Err(step_error(other)),
            }
        }
        Err(StoreError::Contention)
    }

    /// `CredentialStore::revoke_all_credentials` for CLI tokens: the epoch bump clears liveness, and
    /// a live owner's count goes with it (guarded when `keep_an_owner`).
    pub(super) async fn revoke_all_cli_tokens(
        &self,
        org: OrganizationId,
        owner: PrincipalId,
        revocation: Revocation,
        keep_an_owner: bool,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let user = self.user_in(org, owner).await?.ok_or(StoreError::NotFound)?;
            let event = audit.credentials_revoked_all(&Principal::User(user.clone()), CredentialKind::CliToken);
            let after = user.with_cli_tokens_revoked();
            let update = super::credentials::grace_update(
                Expr::new("SET #epoch = :next, #live = :live")
                    .name("#epoch", CLI_EPOCH)
                    .name("#live", LIVE)
                    .value(":next", n(after.cli_token_epoch))
                    .value(":live", AttributeValue::Bool(after.cli_token_live)),
                Epoch::CliToken,
                None,
            )?;
            let condition = in_organization(org)
                .and(
                    Expr::new("#epoch = :current").name("#epoch", CLI_EPOCH).value(":current", n(user.cli_token_epoch)),
                )
                .and(user_as_read(&user)?);
            let mut steps = vec![(self.tx_update(principal_key(owner), update, condition)?, OnConditionFailed::Reread)];
            steps.extend(self.live_owner_steps(org, LiveOwnerChange::of(Some(&user), Some(&after)), keep_an_owner)?);
            let task =
                SweepTask::after_epoch_bump(org, owner, CredentialKind::CliToken, after.cli_token_epoch, revocation);
            steps.push(self.tx_record_sweep(&task)?);
            steps.extend(self.tx_audit(&[event])?);
            match self.transact(steps).await? {
                Ok(()) => {
                    self.sweep(&task).await;
                    return Ok(());
                }
                Err(OnConditionFailed::Reread) => continue,
                Err(other) => return Err(step_error(other)),
            }
        }
        Err(StoreError::Contention)
    }

    /// `CredentialStore::rotate_credentials` for CLI tokens: the epoch bump and the new token in one
    /// transaction, which also records the user's CLI token as live. In the usual case (the
    /// user is not an OWNER without a live token) no count changes and no read is needed;
    /// otherwise the user is read and the rotation sent again with the count's increment.
    /// `task` is the sweep the rotation owes, recorded in its transaction, with `audit`'s event;
    /// the older tokens work until `grace_until` (`None`: they stop at once).
    pub(super) async fn rotate_cli_tokens(
        &self,
        credential: &CredentialRecord,
        task: &SweepTask,
        grace_until: Option<crate::clock::Timestamp>,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let event = audit.credentials_rotated(credential, grace_until);
        let rotation = Rotation { credential, task, event: &event, grace_until };
        let previous = credential
            .epoch
            .checked_sub(1)
            .ok_or_else(|| StoreError::internal("a rotated credential's epoch must follow an existing one"))?;
        let no_count_change = Expr::new("#r_level <> :r_owner OR #r_live = :r_live OR attribute_not_exists(#r_live)")
            .name("#r_level", LEVEL)
            .name("#r_live", LIVE)
            .value(":r_owner", attribute(&PermissionLevel::Owner)?)
            .value(":r_live", AttributeValue::Bool(true));
        match self.try_rotate_cli_tokens(&rotation, previous, no_count_change, LiveOwnerChange::Unchanged).await? {
            Ok(()) => return Ok(()),
            Err(OnConditionFailed::OwnerCheck) => {}
            Err(other) => return Err(step_error(other)),
        }
        // Why: the user is gone or foreign, its epoch moved, or it is an owner regaining a
        // live CLI token.
        // Read, the count's change is the domain's, on the user as read (a suspended owner
        // regains nothing), and the rotation is conditioned on that user.
        match self.user_in(credential.organization_id, credential.owner_id).await? {
            Some(user) if user.cli_token_epoch == previous => {
                let change = LiveOwnerChange::of(Some(&user), Some(&user.with_cli_tokens_rotated(credential.epoch)));
                match self.try_rotate_cli_tokens(&rotation, previous, user_as_read(&user)?, change).await? {
                    Ok(()) => Ok(()),
                    Err(OnConditionFailed::OwnerCheck) => Err(StoreError::Contention),
                    Err(other) => Err(step_error(other)),
                }
            }
            Some(_) => Err(StoreError::Contention),
            None => Err(StoreError::NotFound),
        }
    }

    async fn try_rotate_cli_tokens(
        &self,
        rotation: &Rotation<'_>,
        previous: u64,
        user_condition: Expr,
        change: LiveOwnerChange,
    ) -> StoreResult<Result<(), OnConditionFailed>> {
        let Rotation { credential, task, event, grace_until } = *rotation;
        let org = credential.organization_id;
        let owner_step = self.tx_update(
            principal_key(credential.owner_id),
            super::credentials::grace_update(
                Expr::new("SET #epoch = :epoch, #live = :live")
                    .name("#epoch", CLI_EPOCH)
                    .name("#live", LIVE)
                    .value(":epoch", n(credential.epoch))
                    .value(":live", AttributeValue::Bool(true)),
                Epoch::CliToken,
                grace_until,
            )?,
            in_organization(org)
                .and(may_hold(CredentialKind::CliToken))
                .and(Expr::new("#epoch = :previous").name("#epoch", CLI_EPOCH).value(":previous", n(previous)))
                .and(user_condition),
        )?;
        let mut steps = vec![
            (owner_step, OnConditionFailed::OwnerCheck),
            (self.tx_create(credential_item(credential)?)?, OnConditionFailed::DuplicateId),
        ];
        steps.extend(self.live_owner_steps(org, change, false)?);
        steps.push(self.tx_record_sweep(task)?);
        steps.extend(self.tx_audit(std::slice::from_ref(event))?);
        self.transact(steps).await
    }
}

/// A CLI-token rotation's writes: the new token, the sweep it owes, its audit event.
#[derive(Clone, Copy)]
struct Rotation<'a> {
    credential: &'a CredentialRecord,
    task: &'a SweepTask,
    event: &'a crate::domain::AuditEvent,
    grace_until: Option<crate::clock::Timestamp>,
}

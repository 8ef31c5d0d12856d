//! The embedded store's side of SPEC section 7's ownership rules: the last-owner guard
//! (counted in the write transaction, which holds SQLite's write lock, so two concurrent
//! actions cannot both pass it), user changes judged on the stored row, and the one-time
//! backfill of `owner_since` and `cli_token_live`. The rules themselves are the domain's
//! (`User::with_changes`, `User::is_live_owner`, `LiveOwnerChange`).

use super::{DbResultExt, bodies, load_user, update_user_row};
use crate::clock::Timestamp;
use crate::domain::{
    AuditContext, CredentialKind, LiveOwnerChange, OrganizationId, PermissionLevel, PrincipalId, User,
};
use crate::store::{StoreError, StoreResult, UserChangeCheck, UserUpdate};
use rusqlite::{OptionalExtension, Transaction, params};

/// How many OWNER users of `org` hold a live CLI token.
fn live_owner_count(tx: &Transaction<'_>, org: OrganizationId) -> StoreResult<usize> {
    let owners: Vec<User> = bodies(
        tx,
        "SELECT body FROM users WHERE organization_id = ?1 AND permission_level = ?2",
        params![org.to_string(), PermissionLevel::Owner.as_str()],
    )?;
    Ok(owners.iter().filter(|u| u.is_live_owner()).count())
}

/// Refuses (`LastOwner`) a write that turns `before` into `after` (`None`: removed) when it
/// takes away the organization's last live owner.
pub(super) fn keep_a_live_owner(tx: &Transaction<'_>, before: &User, after: Option<&User>) -> StoreResult<()> {
    if LiveOwnerChange::of(Some(before), after) == LiveOwnerChange::Lost
        && live_owner_count(tx, before.organization_id)? <= 1
    {
        return Err(StoreError::LastOwner);
    }
    Ok(())
}

/// `UserStore::update_user` inside the write transaction.
pub(super) fn update_user(
    tx: &Transaction<'_>,
    org: OrganizationId,
    id: PrincipalId,
    update: &UserUpdate,
    check: &UserChangeCheck,
    audit: &AuditContext,
) -> StoreResult<User> {
    let before = load_user(tx, org, id)?.ok_or(StoreError::NotFound)?;
    let after = update.apply(&before);
    check(&before, &after).map_err(StoreError::Denied)?;
    keep_a_live_owner(tx, &before, Some(&after))?;
    if after != before {
        update_user_row(tx, &after)?;
    }
    if let Some(event) = audit.user_updated(&before, &after) {
        super::audit::insert_events(tx, &[event])?;
    }
    Ok(after)
}

/// Whether `user` holds a CLI token under its current epoch that was not revoked one by one.
fn holds_live_cli_token(tx: &Transaction<'_>, user: &User) -> StoreResult<bool> {
    let epoch = super::epoch_column(user.cli_token_epoch)?;
    let found: Option<i64> = tx
        .query_row(
            "SELECT 1 FROM credentials
             WHERE owner_id = ?1 AND kind = ?2 AND epoch = ?3 AND revoked_at IS NULL LIMIT 1",
            params![user.id.to_string(), CredentialKind::CliToken.as_str(), epoch],
            |row| row.get(0),
        )
        .optional()
        .db()?;
    Ok(found.is_some())
}

/// `Housekeeping::backfill_identity`, in one write transaction (also run by the schema migration
/// at open): users whose row lacks `cli_token_live`, and OWNERs without `owner_since`.
pub(super) fn backfill(tx: &Transaction<'_>, now: Timestamp) -> StoreResult<usize> {
    let mut stmt = tx
        .prepare(
            "SELECT body, json_extract(body, '$.cli_token_live') IS NULL FROM users
             WHERE json_extract(body, '$.cli_token_live') IS NULL
                OR (permission_level = ?1 AND json_extract(body, '$.owner_since') IS NULL)",
        )
        .db()?;
    let rows = stmt
        .query_map(params![PermissionLevel::Owner.as_str()], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, bool>(1)?))
        })
        .db()?
        .collect::<Result<Vec<_>, _>>()
        .db()?;
    drop(stmt);
    let mut changed = 0;
    for (body, liveness_unrecorded) in rows {
        let user: User = super::from_body(&body)?;
        let live = if liveness_unrecorded { holds_live_cli_token(tx, &user)? } else { user.cli_token_live };
        // Written whole: the row must now record liveness even when the value is unchanged.
        update_user_row(tx, &user.backfilled(live, now))?;
        changed += 1;
    }
    Ok(changed)
}

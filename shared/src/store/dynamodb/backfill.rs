//! The one-time backfill of user items written before `owner_since` and `cli_token_live`
//! existed (`Housekeeping::backfill_identity`; `latchkey serve` and the operator actions run it):
//! every OWNER gets `owner_since`, and a user without a recorded liveness gets it from its
//! stored CLI tokens; an OWNER found without a live CLI token leaves the organization's
//! live-owner count in the same transaction (the count counted it, as every OWNER, before).
//!
//! A Scan, once: a marker item records completion, and later runs cost one GetItem. Each
//! user is written conditionally on the item as read (its epoch included), so a concurrent
//! request wins and the user is read again; nothing is overwritten blindly.

use super::owners::{CLI_EPOCH, LIVE, OWNER_SINCE, user_as_read};
use super::*;
use crate::domain::LiveOwnerChange;

/// The marker of this upgrade's completion.
const MARKER: &str = "backfill-identity-v1";

impl DynamoDbStore {
    pub(super) async fn backfill_users(&self, now: Timestamp) -> StoreResult<usize> {
        if self.get_item(marker_key(MARKER)).await?.is_some() {
            return Ok(0);
        }
        let filter = Expr::new(
            "#sk = :principal AND #type = :user \
             AND (attribute_not_exists(#live) OR (#level = :owner AND attribute_not_exists(#since)))",
        )
        .name("#sk", SK)
        .name("#type", PRINCIPAL_TYPE)
        .name("#live", LIVE)
        .name("#level", "permission_level")
        .name("#since", OWNER_SINCE)
        .value(":principal", s(SK_PRINCIPAL))
        .value(":user", s(PrincipalType::User.as_str()))
        .value(":owner", attribute(&PermissionLevel::Owner)?);
        let mut changed = 0;
        let mut start = None;
        loop {
            let (items, next) = self.scan_once(&filter, start.take(), None, true).await?;
            for item in items {
                if let Principal::User(user) = decode_principal(item)? {
                    changed += usize::from(self.backfill_user(user, now).await?);
                }
            }
            match next {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        self.mark_upgrade_done(MARKER, now).await?;
        if changed > 0 {
            tracing::info!(users = changed, "backfilled owner_since and CLI-token liveness");
        }
        Ok(changed)
    }

    /// Records that the one-time upgrade `name` ran to its end (its marker item).
    pub(super) async fn mark_upgrade_done(&self, name: &str, now: Timestamp) -> StoreResult<()> {
        let mut marker = marker_key(name);
        marker.insert("completed_at".into(), timestamp_attribute(&now)?);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(marker))
            .send()
            .await
            .map_err(|e| classify("PutItem", e))?;
        Ok(())
    }

    /// Backfills one user; re-read when a concurrent write got there first. Whether it
    /// changed the item.
    async fn backfill_user(&self, mut user: User, now: Timestamp) -> StoreResult<bool> {
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let raw = self.get_item(principal_key(user.id)).await?;
            let Some(raw) = raw else { return Ok(false) };
            let liveness_unrecorded = !raw.contains_key(LIVE);
            user = match decode_principal(raw)? {
                Principal::User(u) => u,
                Principal::ServiceAccount(_) => return Ok(false),
            };
            let live = if liveness_unrecorded { self.holds_live_cli_token(&user).await? } else { user.cli_token_live };
            let after = user.backfilled(live, now);
            if !liveness_unrecorded && after == user {
                return Ok(false);
            }
            let mut set = Expr::new("SET #live = :live").name("#live", LIVE).value(":live", AttributeValue::Bool(live));
            if let Some(since) = after.owner_since.filter(|_| user.owner_since.is_none()) {
                set.text.push_str(", #since = :since");
                set = set.name("#since", OWNER_SINCE).value(":since", attribute(&since)?);
            }
            let mut condition = in_organization(user.organization_id)
                .and(Expr::new("#epoch = :epoch").name("#epoch", CLI_EPOCH).value(":epoch", n(user.cli_token_epoch)))
                .and(user_as_read(&user)?);
            if liveness_unrecorded {
                condition = condition.and(Expr::new("attribute_not_exists(#live)").name("#live", LIVE));
            }
            let mut steps = vec![(self.tx_update(principal_key(user.id), set, condition)?, OnConditionFailed::Reread)];
            let change = LiveOwnerChange::of(Some(&user), Some(&after));
            steps.extend(self.live_owner_steps(user.organization_id, change, false)?);
            match self.transact(steps).await? {
                Ok(()) => return Ok(true),
                Err(OnConditionFailed::Reread) => continue,
                Err(other) => {
                    let error = step_error(other);
                    tracing::warn!(user_id = %user.id, error = %crate::logging::ErrorChain(&error), "could not backfill a user");
                    return Ok(false);
                }
            }
        }
        tracing::warn!(user_id = %user.id, "could not backfill a user: it kept changing");
        Ok(false)
    }

    /// Whether `user` holds a CLI token under its current epoch that was not revoked one by
    /// one (the index is eventually consistent: enough for records that predate this).
    async fn holds_live_cli_token(&self, user: &User) -> StoreResult<bool> {
        let filter = Expr::new("#epoch = :epoch AND attribute_not_exists(#revoked)")
            .name("#epoch", "epoch")
            .name("#revoked", "revoked_at")
            .value(":epoch", n(user.cli_token_epoch));
        let query = IndexQuery {
            partition: credentials_index_pk(user.organization_id, CredentialKind::CliToken),
            sort_prefix: Some(credentials_of_owner_prefix(user.id)),
            filter: Some(filter),
            newest_first: true,
            start_after: None,
        };
        let (items, _) = self.query_index_page(&query, 1).await?;
        Ok(!items.is_empty())
    }
}

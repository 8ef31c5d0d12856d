//! Sweeps: the housekeeping after a revocation that already took effect (an epoch bump, an
//! owner item deleted), writing `revoked_at`, `purge_at` and the TTL on each credential it
//! revoked. See [`SweepTask`].
//!
//! - The task is recorded as an item (`SWEEP#<task key>`, listed in the `SWEEPS` index
//!   partition) inside the revocation's own transaction: a revocation never happens without
//!   the sweep it owes, whatever fails afterwards.
//! - Each credential is marked by its own conditional UpdateItem: it must still exist,
//!   belong to the owner, be of a swept kind, be unrevoked and (for an epoch sweep) be older
//!   than the bump. Nothing is rewritten whole from the index's (eventually consistent) copy,
//!   so a concurrent `last_used_at` write or a first revocation is never overwritten.
//! - When every credential is marked, the task leaves the index (its index attributes
//!   removed, a TTL set); if the sweep fails halfway, the task stays listed and the next
//!   [`Housekeeping::complete_pending_sweeps`](crate::store::Housekeeping::complete_pending_sweeps) finishes
//!   it (the marked ones no longer match, so it resumes where it stopped).

use super::items::{Item, ttl_seconds};
use super::keys::*;
use super::requests::{Expr, OnConditionFailed, classify, is_condition_failure};
use super::{DynamoDbStore, IndexQuery, attribute, revocation_update};
use crate::clock::sortable;
use crate::domain::{CredentialId, SweepTask};
use crate::store::{StoreError, StoreResult};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

/// The index partition that lists pending sweeps. One partition for the whole table: a
/// sweep is owed only by revoke-alls, rotations and removals, a few a second at most.
const PENDING_SWEEPS: &str = "SWEEPS";
const SK_SWEEP: &str = "S";

fn sweep_key(task: &SweepTask) -> Item {
    key(format!("SWEEP#{}", task.key()), SK_SWEEP)
}

fn sweep_item(task: &SweepTask) -> StoreResult<Item> {
    let mut item: Item = serde_dynamo::aws_sdk_dynamodb_1::to_item(task)
        .map_err(|e| StoreError::internal_from("cannot encode a sweep task", e))?;
    item.retain(|_, v| !matches!(v, AttributeValue::Null(_)));
    item.extend(sweep_key(task));
    item.insert(GSI1_PK.into(), s(PENDING_SWEEPS));
    item.insert(GSI1_SK.into(), s(format!("{}#{}", sortable(&task.revoked_at), task.key())));
    Ok(item)
}

fn decode_sweep(item: Item) -> StoreResult<SweepTask> {
    serde_dynamo::aws_sdk_dynamodb_1::from_item(item)
        .map_err(|e| StoreError::internal_from("corrupt sweep task item", e))
}

impl DynamoDbStore {
    /// The transaction step that records `task` beside the revocation that owes it.
    pub(super) fn tx_record_sweep(&self, task: &SweepTask) -> StoreResult<(TransactWriteItem, OnConditionFailed)> {
        Ok((self.tx_create(sweep_item(task)?)?, OnConditionFailed::DuplicateId))
    }

    /// Carries out a recorded task right after its revocation. The revocation stands
    /// whatever happens here, so a failure is only logged: the task stays pending.
    pub(super) async fn sweep(&self, task: &SweepTask) {
        match self.run_sweep(task).await {
            Ok(count) => tracing::debug!(owner = %task.owner_id, count, "marked credentials revoked"),
            Err(error) => tracing::warn!(
                owner = %task.owner_id,
                error = %crate::logging::ErrorChain(&error),
                "sweep left pending (the credentials are revoked already; only their purge time is late)"
            ),
        }
    }

    /// Marks every credential `task` covers, then retires the task. Returns how many
    /// credentials this run marked.
    pub(super) async fn run_sweep(&self, task: &SweepTask) -> StoreResult<usize> {
        let marked = self.mark_covered(task).await?;
        self.retire_sweep(task).await?;
        Ok(marked)
    }

    /// Marks what `task` covers without recording or retiring a task: for revocations whose
    /// marking *is* the revocation (access tokens have no epoch), inside the request.
    pub(super) async fn mark_covered(&self, task: &SweepTask) -> StoreResult<usize> {
        let mut marked = 0;
        for kind in &task.kinds {
            let mut filter = Expr::new("attribute_not_exists(#revoked)").name("#revoked", "revoked_at");
            if let Some(epoch) = task.below_epoch {
                filter = filter.and(Expr::new("#epoch < :epoch").name("#epoch", "epoch").value(":epoch", n(epoch)));
            }
            let query = IndexQuery {
                partition: credentials_index_pk(task.organization_id, *kind),
                sort_prefix: Some(credentials_of_owner_prefix(task.owner_id)),
                filter: Some(filter),
                newest_first: false,
                start_after: None,
            };
            for item in self.query_index_all(&query).await? {
                let id: CredentialId = string_id(&item)?;
                if self.mark_one(task, id).await? {
                    marked += 1;
                }
            }
        }
        Ok(marked)
    }

    /// One conditional UpdateItem: `false` when the item no longer matches (gone, revoked
    /// meanwhile, of a newer epoch): nothing to do there.
    async fn mark_one(&self, task: &SweepTask, id: CredentialId) -> StoreResult<bool> {
        let update = revocation_update(&task.revocation())?;
        let kinds: Vec<String> = (0..task.kinds.len()).map(|i| format!(":kind{i}")).collect();
        let mut condition = Expr::new(format!(
            "attribute_exists(#pk) AND #org = :org AND #owner = :owner AND attribute_not_exists(#revoked) AND #kind IN ({})",
            kinds.join(", ")
        ))
        .name("#pk", PK)
        .name("#org", "organization_id")
        .name("#owner", "owner_id")
        .name("#revoked", "revoked_at")
        .name("#kind", "kind")
        .value(":org", s(task.organization_id.to_string()))
        .value(":owner", s(task.owner_id.to_string()));
        for (placeholder, kind) in kinds.iter().zip(&task.kinds) {
            condition = condition.value(placeholder, attribute(kind)?);
        }
        if let Some(epoch) = task.below_epoch {
            condition = condition.and(Expr::new("#epoch < :epoch").name("#epoch", "epoch").value(":epoch", n(epoch)));
        }
        self.conditional_update(credential_key(id), update, condition).await
    }

    /// Takes a finished task out of the pending list; TTL purges it with the credentials.
    async fn retire_sweep(&self, task: &SweepTask) -> StoreResult<()> {
        let update = Expr::new("REMOVE #ipk, #isk SET #ttl = :ttl")
            .name("#ipk", GSI1_PK)
            .name("#isk", GSI1_SK)
            .name("#ttl", TTL)
            .value(":ttl", n(ttl_seconds(&task.purge_at)));
        let condition = Expr::new("attribute_exists(#pk)").name("#pk", PK);
        // `false`: never recorded (an unrecorded marking) or purged: nothing pending.
        self.conditional_update(sweep_key(task), update, condition).await.map(|_| ())
    }

    /// One UpdateItem under `condition`: `false` when the condition does not hold.
    async fn conditional_update(&self, key: Item, update: Expr, condition: Expr) -> StoreResult<bool> {
        let (names, values) = Expr::merged_placeholders(&[&update, &condition]);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(update.text)
            .condition_expression(condition.text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e) => Ok(false),
            Err(e) => Err(classify("UpdateItem", e)),
        }
    }

    /// Every pending task, oldest first, each carried out; stops at the first failure
    /// (the rest stay pending for the next run).
    /// Tasks not due at `now` (a graced rotation's, due when its grace ends) stay pending.
    pub(super) async fn complete_pending(&self, now: crate::clock::Timestamp) -> StoreResult<usize> {
        let query = IndexQuery {
            partition: PENDING_SWEEPS.to_string(),
            sort_prefix: None,
            filter: None,
            newest_first: false,
            start_after: None,
        };
        let tasks = self.query_index_all(&query).await?;
        let mut count = 0;
        for item in tasks {
            let task = decode_sweep(item)?;
            if !task.is_due(now) {
                continue;
            }
            self.run_sweep(&task).await?;
            count += 1;
        }
        Ok(count)
    }
}

fn string_id(item: &Item) -> StoreResult<CredentialId> {
    match item.get("id") {
        Some(AttributeValue::S(id)) => id.parse().map_err(|_| StoreError::internal("corrupt credential item: bad id")),
        _ => Err(StoreError::internal("corrupt credential item: no id")),
    }
}

//! TransactWriteItems: the builders of its items, and `transact`, which sends them and reads
//! a cancellation back as the meaning of the step whose condition failed.

use super::*;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};

impl DynamoDbStore {
    pub(super) fn tx_put(&self, item: Item, condition: Expr) -> StoreResult<TransactWriteItem> {
        let (names, values) = Expr::merged_placeholders(&[&condition]);
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition.text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// A Put guarded by `attribute_not_exists(pk)`: creates, never overwrites.
    pub(super) fn tx_create(&self, item: Item) -> StoreResult<TransactWriteItem> {
        self.tx_put(item, not_exists())
    }

    pub(super) fn tx_update(&self, key: Item, update: Expr, condition: Expr) -> StoreResult<TransactWriteItem> {
        let (names, values) = Expr::merged_placeholders(&[&update, &condition]);
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(update.text)
            .condition_expression(condition.text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    pub(super) fn tx_delete(&self, key: Item, condition: Option<Expr>) -> StoreResult<TransactWriteItem> {
        let condition = condition.unwrap_or_default();
        let (names, values) = Expr::merged_placeholders(&[&condition]);
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .set_condition_expression((!condition.text.is_empty()).then_some(condition.text))
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    pub(super) fn tx_check(&self, key: Item, condition: Expr) -> StoreResult<TransactWriteItem> {
        let (names, values) = Expr::merged_placeholders(&[&condition]);
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression(condition.text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// Runs `steps` as one TransactWriteItems. `Ok(Err(meaning))` when the condition of a
    /// step failed (the meaning of the first failing one). A transaction cancelled only by
    /// a concurrent transaction is sent again (its conditions are evaluated afresh), a few
    /// times, then reported as `Contention`.
    pub(super) async fn transact(
        &self,
        steps: Vec<(TransactWriteItem, OnConditionFailed)>,
    ) -> StoreResult<Result<(), OnConditionFailed>> {
        let (items, meanings): (Vec<_>, Vec<_>) = steps.into_iter().unzip();
        for attempt in 0..=TRANSACTION_CONFLICT_RETRIES {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            let sent = self.client.transact_write_items().set_transact_items(Some(items.clone())).send().await;
            let err = match sent {
                Ok(_) => return Ok(Ok(())),
                Err(err) => err,
            };
            let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = err.as_service_error() else {
                return Err(classify("TransactWriteItems", err));
            };
            match read_cancellation(cancelled.cancellation_reasons().iter().map(|r| r.code())) {
                Cancellation::ConditionFailed(index) => {
                    let meaning = meanings.get(index).copied().ok_or_else(|| {
                        StoreError::internal("TransactWriteItems: cancellation reason for an unknown item")
                    })?;
                    return Ok(Err(meaning));
                }
                Cancellation::Conflict => continue,
                Cancellation::Throttled => {
                    return Err(StoreError::unavailable("TransactWriteItems: throttled"));
                }
                Cancellation::Other(codes) => {
                    return Err(StoreError::internal(format!("TransactWriteItems cancelled: {codes}")));
                }
            }
        }
        Err(StoreError::Contention)
    }
}

pub(super) fn step_error(meaning: OnConditionFailed) -> StoreError {
    match meaning {
        OnConditionFailed::Conflict(what) => StoreError::Conflict(what),
        OnConditionFailed::NotFound => StoreError::NotFound,
        OnConditionFailed::LastOwner => StoreError::LastOwner,
        OnConditionFailed::Reread | OnConditionFailed::OwnerCheck => StoreError::Contention,
        OnConditionFailed::DuplicateId => StoreError::internal("a newly generated id exists already"),
    }
}

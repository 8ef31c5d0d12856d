//! [`Housekeeping`] on the table: the sweeps (`sweep.rs`) and the upgrades (`backfill.rs`).

use super::*;

#[async_trait]
impl Housekeeping for DynamoDbStore {
    async fn complete_pending_sweeps(&self, now: Timestamp) -> StoreResult<usize> {
        self.complete_pending(now).await
    }

    async fn backfill_identity(&self, now: Timestamp) -> StoreResult<usize> {
        self.backfill_users(now).await
    }

    async fn record_expiry_notices(&self, within: chrono::Duration, audit: &AuditContext) -> StoreResult<usize> {
        self.expiry_notices(within, audit).await
    }
}

//! [`Housekeeping`] on the table: the sweeps (`sweep.rs`) and the upgrades (`backfill.rs`).

use super::*;

#[async_trait]
impl Housekeeping for DynamoDbStore {
    async fn complete_pending_sweeps(&self, now: Timestamp) -> StoreResult<usize> {
        self.complete_pending(now).await
    }

    async fn backfill_identity(&self, now: Timestamp) -> StoreResult<usize> {
        // The upgrades' one-time backfills: users' owner fields, organizations' policy copies.
        let users = self.backfill_users(now).await?;
        self.backfill_policy_copies(now).await?;
        Ok(users)
    }

    async fn record_expiry_notices(&self, within: chrono::Duration, audit: &AuditContext) -> StoreResult<usize> {
        self.expiry_notices(within, audit).await
    }
}

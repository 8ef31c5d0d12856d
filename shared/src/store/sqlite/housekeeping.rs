//! [`Housekeeping`] on SQLite (the sweeps are in `sweep.rs`, the backfill in `owners.rs`),
//! and the purge that stands in for the table's TTL.

use super::*;

impl SqliteStore {
    /// Deletes credentials whose purge time has passed: the embedded store's counterpart of
    /// the DynamoDB table's TTL (expiry or revocation + retention). `latchkey serve` runs it
    /// at start and hourly. Returns how many rows went.
    pub async fn purge_expired(&self, now: Timestamp) -> StoreResult<usize> {
        self.write(move |tx| {
            let credentials = tx
                .execute(
                    "DELETE FROM credentials WHERE purge_at IS NOT NULL AND purge_at <= ?1",
                    params![sortable(&now)],
                )
                .db()?;
            Ok(credentials + Self::purge_audit_events(tx, now)?)
        })
        .await
    }
}

#[async_trait]
impl Housekeeping for SqliteStore {
    async fn complete_pending_sweeps(&self, now: Timestamp) -> StoreResult<usize> {
        self.complete_pending(now).await
    }

    async fn backfill_identity(&self, now: Timestamp) -> StoreResult<usize> {
        self.write(move |tx| owners::backfill(tx, now)).await
    }

    async fn record_expiry_notices(&self, within: chrono::Duration, audit: &AuditContext) -> StoreResult<usize> {
        self.expiry_notices(within, audit).await
    }
}

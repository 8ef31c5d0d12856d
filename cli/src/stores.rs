//! Which store a command uses: the embedded SQLite store in a data directory by default,
//! DynamoDB when `--dynamodb` is given or `DYNAMODB_ENDPOINT` is set (table created if
//! missing).

use latchkey::config::Config;
use latchkey::store::Store;
use latchkey::store::dynamodb::DynamoDbStore;
use latchkey::store::sqlite::SqliteStore;
use std::path::Path;
use std::sync::Arc;

/// How often a long-running `serve` purges credentials past their purge time from the
/// embedded store (DynamoDB's TTL does this for the table).
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Opens the store. With `housekeeping` (for `serve`), the embedded store is also purged of
/// credentials past their purge time, now and then hourly, in the background.
pub async fn open(
    config: &Config,
    data_dir: &Path,
    force_dynamodb: bool,
    housekeeping: bool,
) -> Result<Arc<dyn Store>, String> {
    if force_dynamodb || config.dynamodb_endpoint.is_some() {
        let store = DynamoDbStore::from_config(config).await.map_err(|e| format!("DynamoDB: {e}"))?;
        store.create_table_if_missing().await.map_err(|e| format!("DynamoDB table {}: {e}", config.table_name))?;
        if housekeeping {
            // `serve`'s start: the one-time backfill of user records (the embedded store does
            // it when it opens). A failure is logged; the next start tries again.
            use latchkey::clock::{Clock, SystemClock};
            if let Err(error) = store.backfill_identity(SystemClock.now()).await {
                tracing::warn!(%error, "the owner_since / CLI-token liveness backfill did not complete");
            }
        }
        Ok(Arc::new(store))
    } else {
        let store = SqliteStore::open(data_dir).map_err(|e| format!("data directory {}: {e}", data_dir.display()))?;
        if housekeeping {
            tokio::spawn(purge_forever(store.clone()));
        }
        Ok(Arc::new(store))
    }
}

async fn purge_forever(store: SqliteStore) {
    use latchkey::clock::{Clock, SystemClock};
    let mut every = tokio::time::interval(PURGE_EVERY);
    loop {
        every.tick().await;
        match store.purge_expired(SystemClock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "purged credentials past their purge time"),
            Err(e) => tracing::warn!(error = %e, "purging the embedded store failed"),
        }
    }
}

//! Which store a command uses: the embedded SQLite store in a data directory by default,
//! DynamoDB when `--dynamodb` is given or `DYNAMODB_ENDPOINT` is set (table created if
//! missing).

use latchkey::config::Config;
use latchkey::logging::ErrorChain;
use latchkey::store::dynamodb::DynamoDbStore;
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Housekeeping, Store};
use std::path::Path;
use std::sync::Arc;

/// How often a long-running `serve` does its housekeeping: pending sweeps finished and the
/// expiry notices written (`credential.expiring`, SPEC section 8; the deployed function runs
/// daily) on both stores, and, on the embedded store, credentials and audit events past their
/// purge time deleted (DynamoDB's TTL does that for the table).
const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Opens the store. With `housekeeping` (for `serve`), housekeeping runs now and then hourly,
/// in the background.
pub async fn open(
    config: &Config,
    data_dir: &Path,
    force_dynamodb: bool,
    housekeeping: bool,
) -> Result<Arc<dyn Store>, String> {
    let (store, embedded): (Arc<dyn Store>, Option<SqliteStore>) = if force_dynamodb
        || config.dynamodb_endpoint.is_some()
    {
        let store = DynamoDbStore::from_config(config).await.map_err(|e| format!("DynamoDB: {}", ErrorChain(&e)))?;
        store
            .create_table_if_missing()
            .await
            .map_err(|e| format!("DynamoDB table {}: {}", config.table_name, ErrorChain(&e)))?;
        if housekeeping {
            // `serve`'s start: the one-time backfill of user records (the embedded store does
            // it when it opens). A failure is logged; the next start tries again.
            use latchkey::clock::{Clock, SystemClock};
            if let Err(error) = store.backfill_identity(SystemClock.now()).await {
                let error = ErrorChain(&error);
                tracing::warn!(%error, "the owner_since / CLI-token liveness backfill did not complete");
            }
        }
        (Arc::new(store), None)
    } else {
        let store = SqliteStore::open(data_dir)
            .map_err(|e| format!("data directory {}: {}", data_dir.display(), ErrorChain(&e)))?;
        (Arc::new(store.clone()), Some(store))
    };
    if housekeeping {
        tokio::spawn(housekeeping_forever(Arc::clone(&store), embedded, config.clone()));
    }
    Ok(store)
}

async fn housekeeping_forever(store: Arc<dyn Store>, embedded: Option<SqliteStore>, config: Config) {
    use latchkey::clock::{Clock, SystemClock};
    use latchkey::lambda::housekeeping::ScheduledJob;
    let mut every = tokio::time::interval(HOUSEKEEPING_EVERY);
    loop {
        every.tick().await;
        match store.complete_pending_sweeps(SystemClock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sweeps = n, "finished pending sweeps"),
            Err(e) => {
                tracing::warn!(error = %ErrorChain(&e), "finishing pending sweeps failed; the next run resumes them")
            }
        }
        match ScheduledJob::ExpiryNotices.run(store.as_ref(), &SystemClock, &config).await {
            Ok(done) => tracing::debug!(%done, "expiry notices written"),
            Err(e) => tracing::warn!(error = %ErrorChain(&e), "writing expiry notices failed; the next run retries"),
        }
        if let Some(embedded) = &embedded {
            match embedded.purge_expired(SystemClock.now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "purged credentials past their purge time"),
                Err(e) => tracing::warn!(error = %ErrorChain(&e), "purging the embedded store failed"),
            }
        }
    }
}

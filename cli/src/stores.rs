//! Which store a command uses: the embedded SQLite store in a data directory by default,
//! DynamoDB when `--dynamodb` is given or `DYNAMODB_ENDPOINT` is set (table created if
//! missing).

use latchkey::config::Config;
use latchkey::store::Store;
use latchkey::store::dynamodb::DynamoDbStore;
use latchkey::store::sqlite::SqliteStore;
use std::path::Path;
use std::sync::Arc;

pub async fn open(config: &Config, data_dir: &Path, force_dynamodb: bool) -> Result<Arc<dyn Store>, String> {
    if force_dynamodb || config.dynamodb_endpoint.is_some() {
        let store = DynamoDbStore::from_config(config).await.map_err(|e| format!("DynamoDB: {e}"))?;
        store.create_table_if_missing().await.map_err(|e| format!("DynamoDB table {}: {e}", config.table_name))?;
        Ok(Arc::new(store))
    } else {
        let store = SqliteStore::open(data_dir).map_err(|e| format!("data directory {}: {e}", data_dir.display()))?;
        Ok(Arc::new(store))
    }
}

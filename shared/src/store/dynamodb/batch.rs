//! BatchGetItem, with its bounded retry of unprocessed keys.

use super::*;
use aws_sdk_dynamodb::types::KeysAndAttributes;

impl DynamoDbStore {
    /// Strongly consistent BatchGetItem of `keys` (one request per 100 keys), retrying
    /// unprocessed keys a bounded number of times.
    pub(super) async fn batch_get(&self, keys: Vec<Item>) -> StoreResult<Vec<Item>> {
        let mut found = Vec::with_capacity(keys.len());
        for chunk in chunks(keys, BATCH_GET_LIMIT) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk))
                    .consistent_read(true)
                    .build()
                    .map_err(build_error)?,
            );
            let mut attempt = 0;
            while let Some(request) = pending.take() {
                if attempt > 0 {
                    if attempt > BATCH_RETRIES {
                        return Err(StoreError::unavailable("BatchGetItem: keys left unprocessed after retries"));
                    }
                    tokio::time::sleep(backoff(attempt)).await;
                }
                attempt += 1;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|e| classify("BatchGetItem", e))?;
                if let Some(mut responses) = out.responses {
                    found.extend(responses.remove(&self.table).unwrap_or_default());
                }
                pending = out.unprocessed_keys.and_then(|mut u| u.remove(&self.table)).filter(|k| !k.keys().is_empty());
            }
        }
        Ok(found)
    }
}

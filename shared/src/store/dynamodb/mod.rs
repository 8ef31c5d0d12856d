//! DynamoDB implementation of [`crate::store::Store`] (placeholder; implemented next).

// Temporary stand-in so the adapters compile while the real store is written.
use crate::config::Config;
use crate::store::StoreError;
pub struct DynamoDbStore;
impl DynamoDbStore {
    pub async fn from_config(_cfg: &Config) -> Result<Self, StoreError> {
        Err(StoreError::Internal("not yet".into()))
    }
}

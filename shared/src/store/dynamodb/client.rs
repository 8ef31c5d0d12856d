//! Building the DynamoDB client: retries and timeouts, region and credentials.

use super::*;
use std::time::Duration;

/// Retries and timeouts of every DynamoDB client latchkey builds, chosen to fit inside an
/// API Gateway / Lambda budget: at most 3 attempts, connect 2 s, 3 s per attempt, 8 s in all.
pub fn request_limits()
-> (aws_sdk_dynamodb::config::retry::RetryConfig, aws_sdk_dynamodb::config::timeout::TimeoutConfig) {
    let timeouts = aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(8))
        .build();
    (aws_sdk_dynamodb::config::retry::RetryConfig::standard().with_max_attempts(3), timeouts)
}

impl DynamoDbStore {
    /// Builds the client from the environment (region, credentials) and `cfg`. Retries and
    /// timeouts are chosen to fit inside an API Gateway / Lambda budget: at most 3 attempts,
    /// 3 s each, 8 s in all, so a stuck call fails (503) before the Lambda is killed.
    pub async fn from_config(cfg: &Config) -> Result<Self, StoreError> {
        use aws_config::BehaviorVersion;
        use aws_config::meta::region::RegionProviderChain;

        let (retries, timeouts) = request_limits();
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retries).timeout_config(timeouts);
        if let Some(endpoint) = &cfg.dynamodb_endpoint {
            // An emulator ignores the region, but the SDK refuses to sign without one.
            loader = loader.endpoint_url(endpoint).region(RegionProviderChain::default_provider().or_else("us-east-1"));
        }
        let sdk_config = loader.load().await;
        if sdk_config.region().is_none() {
            return Err(StoreError::internal("no AWS region configured (set AWS_REGION)"));
        }
        Ok(Self::new(Client::new(&sdk_config), cfg.table_name.clone()))
    }
}

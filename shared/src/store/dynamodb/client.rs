//! The one place latchkey builds a DynamoDB client: behaviour version, region, credentials,
//! retries and timeouts, and the emulator endpoint of the configuration. Where region and
//! credentials come from is the caller's choice:
//!
//! - [`environment_client`]: the environment only, as the Lambda functions need (no profile
//!   files, no instance metadata service: nothing to look up at a cold start).
//! - [`DynamoDbStore::from_config`]: the SDK's default chains (environment, profile files,
//!   web identity, container and instance credentials), for the `latchkey` command.

use super::*;
use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::meta::region::ProvideRegion;
use aws_sdk_dynamodb::config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::config::{ProvideCredentials, retry::RetryConfig, timeout::TimeoutConfig};
use std::time::Duration;

/// Retries and timeouts of every DynamoDB client latchkey builds, chosen to fit inside an
/// API Gateway / Lambda budget: at most 3 attempts, connect 2 s, 3 s per attempt, 8 s in all,
/// so a stuck call fails (503) before the Lambda is killed.
pub fn request_limits() -> (RetryConfig, TimeoutConfig) {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(8))
        .build();
    (RetryConfig::standard().with_max_attempts(3), timeouts)
}

/// Against an emulator (an explicit endpoint): one attempt may take the whole operation's
/// time. A retried TransactWriteItems is idempotent on DynamoDB (the SDK sends a
/// `ClientRequestToken`, and DynamoDB answers a repeat with the first outcome), but emulators
/// ignore the token: moto sometimes stalls for seconds, the 3 s attempt timeout retries a
/// transaction whose first attempt landed, and the retry fails its own conditions ("a newly
/// generated id exists already"). Throttling and 5xx are still retried.
fn emulator_timeouts(timeouts: &TimeoutConfig) -> TimeoutConfig {
    let whole = timeouts.operation_timeout().unwrap_or(Duration::from_secs(8));
    let mut builder = TimeoutConfig::builder().operation_attempt_timeout(whole).operation_timeout(whole);
    if let Some(connect) = timeouts.connect_timeout() {
        builder = builder.connect_timeout(connect);
    }
    builder.build()
}

/// Builds the client from `region` and `credentials`, with [`request_limits`] and
/// `config.dynamodb_endpoint`. Without a region, an emulator endpoint gets `us-east-1` (it
/// ignores the region, but the SDK refuses to sign without one); otherwise that is an error.
pub fn build_client(
    config: &Config,
    region: Option<String>,
    credentials: impl ProvideCredentials + 'static,
) -> StoreResult<Client> {
    let region = match (region.filter(|r| !r.is_empty()), &config.dynamodb_endpoint) {
        (Some(region), _) => region,
        (None, Some(_)) => "us-east-1".to_string(),
        (None, None) => return Err(StoreError::internal("no AWS region configured (set AWS_REGION)")),
    };
    let (retries, mut timeouts) = request_limits();
    if config.dynamodb_endpoint.is_some() {
        timeouts = emulator_timeouts(&timeouts);
    }
    let mut builder = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(credentials)
        .retry_config(retries)
        .timeout_config(timeouts);
    if let Some(endpoint) = &config.dynamodb_endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    Ok(Client::from_conf(builder.build()))
}

/// The client of a Lambda function, from the environment only: region `AWS_REGION` (or
/// `AWS_DEFAULT_REGION`) as `env` reads it, credentials `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (the function's role, set by Lambda).
pub fn environment_client(config: &Config, env: impl Fn(&str) -> Option<String>) -> StoreResult<Client> {
    let region = ["AWS_REGION", "AWS_DEFAULT_REGION"].iter().find_map(|name| env(name).filter(|v| !v.is_empty()));
    build_client(config, region, EnvironmentVariableCredentialsProvider::new())
}

impl DynamoDbStore {
    /// A store on `cfg.table_name`, its client's region and credentials found by the SDK's
    /// default chains (see the module's documentation).
    pub async fn from_config(cfg: &Config) -> Result<Self, StoreError> {
        let region = aws_config::default_provider::region::default_provider().region().await;
        let credentials = aws_config::default_provider::credentials::default_provider().await;
        let client = build_client(cfg, region.map(|r| r.to_string()), credentials)?;
        Ok(Self::new(client, cfg.table_name.clone()).with_policy_copies(cfg.org_policy_copies))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| vars.get(name).cloned()
    }

    fn region_of(client: &Client) -> Option<String> {
        client.config().region().map(|r| r.to_string())
    }

    #[test]
    fn the_environment_names_the_region() {
        let aws = Config::default();
        let client = environment_client(&aws, lookup(&[("AWS_REGION", "eu-west-1")])).unwrap();
        assert_eq!(region_of(&client).as_deref(), Some("eu-west-1"));
        let fallback = lookup(&[("AWS_REGION", ""), ("AWS_DEFAULT_REGION", "eu-north-1")]);
        assert_eq!(region_of(&environment_client(&aws, fallback).unwrap()).as_deref(), Some("eu-north-1"));
        let err = environment_client(&aws, lookup(&[])).unwrap_err();
        assert!(err.to_string().contains("no AWS region configured"), "{err}");

        let emulator = Config { dynamodb_endpoint: Some("http://127.0.0.1:8000".into()), ..Config::default() };
        assert_eq!(region_of(&environment_client(&emulator, lookup(&[])).unwrap()).as_deref(), Some("us-east-1"));
    }

    #[test]
    fn every_client_has_the_request_limits() {
        let client = environment_client(&Config::default(), lookup(&[("AWS_REGION", "us-east-1")])).unwrap();
        let config = client.config();
        assert_eq!(config.retry_config().map(|r| r.max_attempts()), Some(3));
        let timeouts = config.timeout_config().expect("timeouts");
        assert_eq!(timeouts.connect_timeout(), Some(Duration::from_secs(2)));
        assert_eq!(timeouts.operation_attempt_timeout(), Some(Duration::from_secs(3)));
        assert_eq!(timeouts.operation_timeout(), Some(Duration::from_secs(8)));
        // An emulator's attempt may take the operation's whole time (no retry of a transaction
        // whose first attempt landed); connect stays bounded.
        let emulator = emulator_timeouts(timeouts);
        assert_eq!(emulator.operation_attempt_timeout(), Some(Duration::from_secs(8)));
        assert_eq!(emulator.connect_timeout(), Some(Duration::from_secs(2)));
    }
}

//! The EventBridge client: the DynamoDB client's retries and timeouts
//! ([`crate::store::dynamodb::request_limits`]); region and credentials from the environment
//! (the `events` function) or the SDK's default chains (`latchkey audit replay`). An emulator
//! is named the SDK's own way, `AWS_ENDPOINT_URL_EVENTBRIDGE` or `AWS_ENDPOINT_URL`, read here
//! because latchkey builds its clients itself rather than through `aws_config`'s loader.

use crate::store::StoreError;
use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::meta::region::ProvideRegion;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::config::{BehaviorVersion, ProvideCredentials, Region};

/// The endpoint `env` names for EventBridge, if any (the service's variable first).
pub fn endpoint_from(env: impl Fn(&str) -> Option<String>) -> Option<String> {
    ["AWS_ENDPOINT_URL_EVENTBRIDGE", "AWS_ENDPOINT_URL"].iter().find_map(|name| env(name).filter(|v| !v.is_empty()))
}

fn build(
    region: Option<String>,
    endpoint: Option<String>,
    credentials: impl ProvideCredentials + 'static,
) -> Result<Client, StoreError> {
    let region = match (region.filter(|r| !r.is_empty()), &endpoint) {
        (Some(region), _) => region,
        (None, Some(_)) => "us-east-1".to_string(),
        (None, None) => return Err(StoreError::internal("no AWS region configured (set AWS_REGION)")),
    };
    let (retries, timeouts) = crate::store::dynamodb::request_limits();
    let mut builder = aws_sdk_eventbridge::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(credentials)
        .retry_config(retries)
        .timeout_config(timeouts);
    if let Some(endpoint) = endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    Ok(Client::from_conf(builder.build()))
}

/// The `events` function's client, from the environment only (as Lambda sets it).
pub fn environment_client(env: impl Fn(&str) -> Option<String>) -> Result<Client, StoreError> {
    let region = ["AWS_REGION", "AWS_DEFAULT_REGION"].iter().find_map(|name| env(name).filter(|v| !v.is_empty()));
    build(region, endpoint_from(&env), EnvironmentVariableCredentialsProvider::new())
}

/// The operator's client (`latchkey audit replay`): the SDK's default chains.
pub async fn from_default_chains(env: impl Fn(&str) -> Option<String>) -> Result<Client, StoreError> {
    let region = aws_config::default_provider::region::default_provider().region().await;
    let credentials = aws_config::default_provider::credentials::default_provider().await;
    build(region.map(|r| r.to_string()), endpoint_from(&env), credentials)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_endpoint_wins_over_the_general_one() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        assert_eq!(endpoint_from(vars(&[])), None);
        assert_eq!(endpoint_from(vars(&[("AWS_ENDPOINT_URL", "http://a")])).as_deref(), Some("http://a"));
        let both = vars(&[("AWS_ENDPOINT_URL", "http://a"), ("AWS_ENDPOINT_URL_EVENTBRIDGE", "http://b")]);
        assert_eq!(endpoint_from(both).as_deref(), Some("http://b"));
        assert_eq!(endpoint_from(vars(&[("AWS_ENDPOINT_URL_EVENTBRIDGE", "")])), None);
    }
}

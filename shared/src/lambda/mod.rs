//! AWS Lambda adapters: the only place API Gateway event types meet the api and auth
//! layers. Each function binary calls one of [`http::serve_route`],
//! [`authorizer::serve_authorizer`], [`operator::serve_operator`] or
//! [`housekeeping::serve_housekeeping`] (or, with feature `events`, `events::serve_events`).
//!
//! Configuration and the DynamoDB client are built once per cold start, outside the
//! handler; the handler itself only converts events.

pub mod authorizer;
mod authorizer_event;
#[cfg(feature = "events")]
pub mod events;
pub mod housekeeping;
pub mod http;
pub mod operator;

use crate::api::Api;
use crate::clock::SystemClock;
use crate::config::Config;
use crate::store::Store;
use crate::store::dynamodb::{self, DynamoDbStore};
use std::sync::Arc;

pub type Error = lambda_runtime::Error;

/// Time kept back from the invocation deadline to answer in: a handler that runs out of
/// time returns a 503 (or, for the authorizer, a failure) instead of being killed by the
/// Lambda timeout, which the gateway would turn into an unhelpful 502/504.
const ANSWER_MARGIN: std::time::Duration = std::time::Duration::from_millis(500);

/// Deadlines before this (2001-09-09 as epoch milliseconds) are not times at all: see
/// [`time_budget`].
const EARLIEST_REAL_DEADLINE: std::time::Duration = std::time::Duration::from_secs(1_000_000_000);

/// How long the handler may run: until the invocation's deadline, less the margin.
///
/// Lambda's `Lambda-Runtime-Deadline-Ms` is an absolute time (epoch milliseconds).
/// cargo-lambda's emulator (`cargo lambda watch`, 1.9) sends the function's *timeout*
/// there instead (600000, i.e. 1970-01-01T00:10:00Z): read as a time, that deadline passed
/// decades ago and every invocation would give up at once. Such a value is read as what it
/// is, a duration from now. A real deadline that has passed still leaves no time at all.
pub(crate) fn time_budget(deadline: std::time::SystemTime) -> std::time::Duration {
    budget_at(deadline, std::time::SystemTime::now())
}

fn budget_at(deadline: std::time::SystemTime, now: std::time::SystemTime) -> std::time::Duration {
    let remaining = match deadline.duration_since(std::time::UNIX_EPOCH) {
        Ok(since_epoch) if since_epoch < EARLIEST_REAL_DEADLINE => since_epoch,
        _ => deadline.duration_since(now).unwrap_or_default(),
    };
    remaining.saturating_sub(ANSWER_MARGIN)
}

/// Configuration, store and clock for one cold start.
///
/// Lambda's init phase runs at full CPU, the invoke phase at the function's memory-sized
/// share of it, so everything that can be done once is done here: the configuration is
/// read, the DynamoDB client built (region and credentials from the variables Lambda
/// sets: no profile files, no instance metadata), and its connection opened (TCP and TLS
/// handshakes) with one cheap `DescribeTable` call.
///
/// `uses_store`: false for functions that never touch the table (health, console, `/me`),
/// which have no table permissions and so skip the `DescribeTable`.
pub async fn init(uses_store: bool) -> Result<(Arc<dyn Store>, Arc<SystemClock>, Config), Error> {
    crate::logging::init_json();
    let config = Config::from_env()?;
    let env = |name: &str| match std::env::var(name).ok() {
        // A function that never touches the table must not need a region (an emulator may
        // set none); its client is never used.
        None if !uses_store && name == "AWS_REGION" => Some("us-east-1".to_string()),
        value => value,
    };
    // The environment only: region and credentials from the variables Lambda sets.
    let store = DynamoDbStore::new(dynamodb::environment_client(&config, env)?, config.table_name.clone())
        .with_policy_copies(config.org_policy_copies);
    if uses_store {
        open_connection(&store).await;
    }
    Ok((Arc::new(store), Arc::new(SystemClock), config))
}

/// Opens the client's connection to DynamoDB during init with `DescribeTable` (the
/// function's role needs `dynamodb:DescribeTable` on the table). A failure is only logged:
/// the first request opens the connection instead, and reports any real problem.
async fn open_connection(store: &DynamoDbStore) {
    let started = std::time::Instant::now();
    // Best effort, so bounded well below the SDK's own 8 s: a DynamoDB that does not answer
    // must not hold the whole init phase.
    let call = store.client().describe_table().table_name(store.table_name()).send();
    let result = tokio::time::timeout(std::time::Duration::from_secs(2), call).await;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    match result {
        Ok(Ok(_)) => tracing::info!(elapsed_ms, "DynamoDB connection opened"),
        Err(_) => tracing::warn!(elapsed_ms, "DynamoDB did not answer during init"),
        Ok(Err(e)) => tracing::warn!(
            elapsed_ms,
            error = %aws_sdk_dynamodb::error::DisplayErrorContext(&e),
            "could not open the DynamoDB connection during init"
        ),
    }
}

pub async fn init_api(uses_store: bool) -> Result<Arc<Api>, Error> {
    let (store, clock, config) = init(uses_store).await?;
    Ok(Arc::new(Api::new(store, clock, config)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    #[test]
    fn a_real_deadline_leaves_its_remaining_time_less_the_margin() {
        let now = UNIX_EPOCH + Duration::from_secs(1_796_137_000);
        assert_eq!(budget_at(now + Duration::from_secs(3), now), Duration::from_millis(2500));
        assert_eq!(budget_at(now - Duration::from_secs(1), now), Duration::ZERO, "a passed deadline leaves nothing");
        assert_eq!(budget_at(now + Duration::from_millis(200), now), Duration::ZERO);
    }

    #[test]
    fn an_emulators_timeout_in_the_deadline_header_is_read_as_a_duration() {
        let now = SystemTime::now();
        // cargo lambda watch sends `Lambda-Runtime-Deadline-Ms: 600000`.
        let deadline = UNIX_EPOCH + Duration::from_millis(600_000);
        assert_eq!(budget_at(deadline, now), Duration::from_millis(599_500));
    }
}

//! AWS Lambda adapters: the only place API Gateway event types meet the api and auth
//! layers. Each function binary calls one of [`http::serve_route`],
//! [`authorizer::serve_authorizer`] or [`operator::serve_operator`].
//!
//! Configuration and the DynamoDB client are built once per cold start, outside the
//! handler; the handler itself only converts events.

pub mod authorizer;
pub mod http;
pub mod operator;

use crate::api::Api;
use crate::clock::SystemClock;
use crate::config::Config;
use crate::store::Store;
use crate::store::dynamodb::DynamoDbStore;
use std::sync::Arc;

pub type Error = lambda_runtime::Error;

/// Time kept back from the invocation deadline to answer in: a handler that runs out of
/// time returns a 503 (or, for the authorizer, a failure) instead of being killed by the
/// Lambda timeout, which the gateway would turn into an unhelpful 502/504.
const ANSWER_MARGIN: std::time::Duration = std::time::Duration::from_millis(500);

/// How long the handler may run: until the invocation's deadline, less the margin.
pub(crate) fn time_budget(deadline: std::time::SystemTime) -> std::time::Duration {
    deadline
        .duration_since(std::time::SystemTime::now())
        .unwrap_or_default()
        .saturating_sub(ANSWER_MARGIN)
}

/// Configuration, store and clock for one cold start.
pub async fn init() -> Result<(Arc<dyn Store>, Arc<SystemClock>, Config), Error> {
    crate::logging::init_json();
    let config = Config::from_env()?;
    let store = DynamoDbStore::from_config(&config).await?;
    Ok((Arc::new(store), Arc::new(SystemClock), config))
}

pub async fn init_api() -> Result<Arc<Api>, Error> {
    let (store, clock, config) = init().await?;
    Ok(Arc::new(Api::new(store, clock, config)))
}

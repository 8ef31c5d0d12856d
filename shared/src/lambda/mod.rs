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

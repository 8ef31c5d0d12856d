//! The bootstrap and recover functions: plain Lambda functions with no API route, invoked
//! by an operator (`sam remote invoke`) with `{"organization", "owner_email"}`.

use super::Error;
pub use crate::operator::OperatorAction;
use crate::operator::OperatorRequest;
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;

pub async fn serve_operator(action: OperatorAction) -> Result<(), Error> {
    let (store, clock, config) = super::init(true).await?;
    let shared = Arc::new((store, clock, config));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<OperatorRequest>| {
        let shared = Arc::clone(&shared);
        async move {
            let (store, clock, config) = &*shared;
            crate::operator::run(action, store.as_ref(), clock.as_ref(), config, &event.payload).await.map_err(|e| {
                let error = crate::logging::ErrorChain(&e).to_string();
                tracing::warn!(%error, "operator action refused");
                Error::from(error)
            })
        }
    }))
    .await
}

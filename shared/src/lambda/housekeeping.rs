//! The scheduled housekeeping function: an EventBridge schedule invokes it (a Scheduled
//! Event), and it finishes the sweeps that a failure left pending
//! ([`crate::store::Housekeeping::complete_pending_sweeps`]): the AWS counterpart of what
//! `latchkey serve` runs at start and hourly. No API route, no caller but the schedule.

use super::Error;
use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::{Value, json};

pub async fn serve_housekeeping() -> Result<(), Error> {
    let (store, _clock, _config) = super::init(true).await?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<EventBridgeEvent<Value>>| {
        let store = std::sync::Arc::clone(&store);
        async move {
            let budget = super::time_budget(event.context.deadline());
            let started = std::time::Instant::now();
            match tokio::time::timeout(budget, store.complete_pending_sweeps()).await {
                Ok(Ok(sweeps)) => {
                    let elapsed_ms = started.elapsed().as_millis() as u64;
                    tracing::info!(sweeps, elapsed_ms, schedule = event.payload.id.as_deref(), "housekeeping done");
                    Ok::<Value, Error>(json!({ "sweeps": sweeps }))
                }
                // What is left stays pending; the next scheduled run resumes it.
                Ok(Err(e)) => {
                    let error = crate::logging::ErrorChain(&e).to_string();
                    tracing::warn!(%error, "housekeeping stopped; the next run resumes it");
                    Err(Error::from(format!("housekeeping stopped: {error}")))
                }
                Err(_) => {
                    tracing::warn!("housekeeping ran out of time; the next run resumes it");
                    Err(Error::from("housekeeping ran out of time"))
                }
            }
        }
    }))
    .await
}

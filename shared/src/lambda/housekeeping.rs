//! The scheduled functions: an EventBridge schedule invokes them (a Scheduled Event), no API
//! route, no caller but the schedule. The AWS counterparts of what `latchkey serve` runs at
//! start and hourly.
//!
//! - housekeeping (hourly) finishes the sweeps a failure left pending
//!   ([`crate::store::Housekeeping::complete_pending_sweeps`]);
//! - expiry-notices (daily) writes the `credential.expiring` events
//!   ([`crate::store::Housekeeping::record_expiry_notices`], SPEC section 8).

use super::Error;
use crate::clock::Clock;
use crate::config::Config;
use crate::domain::AuditContext;
use crate::store::{Store, StoreResult};
use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::{Value, json};
use std::sync::Arc;

/// Which scheduled job a function binary runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduledJob {
    Housekeeping,
    ExpiryNotices,
}

impl ScheduledJob {
    fn name(self) -> &'static str {
        match self {
            ScheduledJob::Housekeeping => "housekeeping",
            ScheduledJob::ExpiryNotices => "expiry notices",
        }
    }

    /// Runs the job once; returns what it did, for the log and the invocation's answer.
    pub async fn run(self, store: &dyn Store, clock: &dyn Clock, config: &Config) -> StoreResult<Value> {
        Ok(match self {
            ScheduledJob::Housekeeping => json!({ "sweeps": store.complete_pending_sweeps(clock.now()).await? }),
            ScheduledJob::ExpiryNotices => {
                let audit = AuditContext::operator(clock.now(), config.audit_retention());
                json!({ "notices": store.record_expiry_notices(config.expiry_notice_window(), &audit).await? })
            }
        })
    }
}

pub async fn serve_housekeeping() -> Result<(), Error> {
    serve_scheduled(ScheduledJob::Housekeeping).await
}

pub async fn serve_scheduled(job: ScheduledJob) -> Result<(), Error> {
    let (store, clock, config) = super::init(true).await?;
    let config = Arc::new(config);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<EventBridgeEvent<Value>>| {
        let (store, clock, config) = (Arc::clone(&store), Arc::clone(&clock), Arc::clone(&config));
        async move {
            let budget = super::time_budget(event.context.deadline());
            let started = std::time::Instant::now();
            match tokio::time::timeout(budget, job.run(&*store, &*clock, &config)).await {
                Ok(Ok(done)) => {
                    let elapsed_ms = started.elapsed().as_millis() as u64;
                    tracing::info!(job = job.name(), %done, elapsed_ms, schedule = event.payload.id.as_deref(), "scheduled job done");
                    Ok::<Value, Error>(done)
                }
                // What is left stays pending; the next scheduled run resumes it.
                Ok(Err(e)) => {
                    let error = crate::logging::ErrorChain(&e).to_string();
                    tracing::warn!(job = job.name(), %error, "scheduled job stopped; the next run resumes it");
                    Err(Error::from(format!("{} stopped: {error}", job.name())))
                }
                Err(_) => {
                    tracing::warn!(job = job.name(), "scheduled job ran out of time; the next run resumes it");
                    Err(Error::from(format!("{} ran out of time", job.name())))
                }
            }
        }
    }))
    .await
}

//! The `events` function: fed by the table's stream through an event source mapping whose
//! filter admits only INSERTs of audit items (template.yaml), it publishes each audit event
//! to the bus `EVENT_BUS_NAME` ([`crate::events::Publisher`]) and answers a partial batch
//! response naming the records it could not publish or read, so Lambda retries from the
//! first of them (and, after the mapping's retries, sends the batch's metadata to the
//! dead-letter queue; `latchkey audit replay` publishes a window again).

use super::Error;
use crate::events::Publisher;
use crate::store::dynamodb::audit_event_in_image;
use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use lambda_runtime::{LambdaEvent, service_fn};
use std::collections::HashMap;
use std::sync::Arc;

/// Publishes the audit events of one stream batch; the answer names (by sequence number)
/// each record that was not published: undecodable, refused by EventBridge, too large.
/// Records that hold no audit event (another item, a MODIFY or REMOVE the filter let
/// through) are done.
pub async fn handle(publisher: &Publisher, event: Event) -> DynamoDbEventResponse {
    let mut failed: Vec<String> = Vec::new();
    let mut events = Vec::with_capacity(event.records.len());
    for record in event.records {
        // A record without a sequence number cannot be named: an empty identifier makes
        // Lambda retry the whole batch, which is the safe answer.
        let sequence = record.change.sequence_number.clone().unwrap_or_default();
        match audit_event_of(&record) {
            Ok(Some(e)) => events.push((sequence, e)),
            Ok(None) => {}
            Err(error) => {
                let error = crate::logging::ErrorChain(&error).to_string();
                tracing::warn!(sequence_number = %sequence, %error, "stream record not read");
                failed.push(sequence);
            }
        }
    }
    let published = events.len();
    failed.extend(publisher.publish(&events).await);
    tracing::info!(published = published - failed.len().min(published), failed = failed.len(), "stream batch done");
    let mut response = DynamoDbEventResponse::default();
    response.batch_item_failures = failed
        .into_iter()
        .map(|sequence| {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = Some(sequence);
            failure
        })
        .collect();
    response
}

fn audit_event_of(record: &EventRecord) -> crate::store::StoreResult<Option<crate::domain::AuditEvent>> {
    if record.event_name != "INSERT" {
        return Ok(None);
    }
    let image: HashMap<String, aws_sdk_dynamodb::types::AttributeValue> = record.change.new_image.clone().into();
    audit_event_in_image(&image)
}

/// The function's main: the publisher built once per cold start.
pub async fn serve_events() -> Result<(), Error> {
    crate::logging::init_json();
    let env = |name: &str| std::env::var(name).ok();
    let bus = env("EVENT_BUS_NAME").filter(|b| !b.is_empty()).ok_or("EVENT_BUS_NAME is not set")?;
    let publisher = Arc::new(Publisher::new(crate::events::environment_client(env)?, bus));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let publisher = Arc::clone(&publisher);
        async move { Ok::<_, Error>(handle(&publisher, event.payload).await) }
    }))
    .await
}

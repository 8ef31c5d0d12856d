//! An EventBridge bus on moto with a rule that delivers every `latchkey` event to an SQS
//! queue, and reading that queue: where the events tests see what was published.

use aws_sdk_eventbridge::config::{BehaviorVersion, Credentials, Region};
use serde_json::Value;
use std::time::Duration;

/// A bus, its rule (`source: latchkey`) and the queue the rule targets.
pub struct BusToQueue {
    pub bus: String,
    pub events: aws_sdk_eventbridge::Client,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

fn credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "tests")
}

/// The emulator all the tests use (moto serves every service on one port).
pub fn moto_endpoint() -> String {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").ok().filter(|e| !e.is_empty());
    endpoint.expect("set DYNAMODB_ENDPOINT (moto) or run scripts/test")
}

impl BusToQueue {
    /// Creates a fresh bus, queue and rule on `endpoint`.
    pub async fn create(endpoint: &str) -> BusToQueue {
        let events = aws_sdk_eventbridge::Client::from_conf(
            aws_sdk_eventbridge::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .credentials_provider(credentials())
                .endpoint_url(endpoint)
                .build(),
        );
        let sqs = aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::Config::builder()
                .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
                .region(aws_sdk_sqs::config::Region::new("us-east-1"))
                .credentials_provider(aws_sdk_sqs::config::Credentials::new("testing", "testing", None, None, "tests"))
                .endpoint_url(endpoint)
                .build(),
        );
        let name = format!("latchkey-events-{}", uuid::Uuid::new_v4());
        events.create_event_bus().name(&name).send().await.expect("CreateEventBus");
        let queue_url =
            sqs.create_queue().queue_name(&name).send().await.expect("CreateQueue").queue_url.expect("queue url");
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("GetQueueAttributes");
        let queue_arn = attributes
            .attributes()
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
            .expect("QueueArn")
            .clone();
        // The rule a consumer adds (docs/deploy.md): every latchkey event on the bus.
        events
            .put_rule()
            .name("all-latchkey-events")
            .event_bus_name(&name)
            .event_pattern(r#"{"source":["latchkey"]}"#)
            .send()
            .await
            .expect("PutRule");
        let target = aws_sdk_eventbridge::types::Target::builder().id("queue").arn(queue_arn).build().expect("target");
        events
            .put_targets()
            .rule("all-latchkey-events")
            .event_bus_name(&name)
            .targets(target)
            .send()
            .await
            .expect("PutTargets");
        BusToQueue { bus: name, events, sqs, queue_url }
    }

    /// Every event the queue holds (EventBridge's envelope: `source`, `detail-type`,
    /// `detail`, ...), read until `expected` arrived and then once more (a duplicate would
    /// show), or until ten seconds passed.
    pub async fn received(&self, expected: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut out = Vec::new();
        let mut extra_read = false;
        loop {
            let got = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(if out.len() >= expected { 1 } else { 0 })
                .send()
                .await
                .expect("ReceiveMessage");
            for m in got.messages() {
                let body = m.body().expect("body");
                out.push(serde_json::from_str(body).expect("an EventBridge event"));
                let receipt = m.receipt_handle().expect("receipt handle");
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(receipt)
                    .send()
                    .await
                    .expect("delete");
            }
            if out.len() >= expected && got.messages().is_empty() {
                if extra_read {
                    return out;
                }
                extra_read = true;
            }
            if tokio::time::Instant::now() > deadline {
                return out;
            }
            if got.messages().is_empty() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

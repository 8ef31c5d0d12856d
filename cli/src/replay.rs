//! `latchkey audit replay --since T --until T`: publishes the audit events of a time window
//! to the bus again (SPEC section 8), with the `events` function's own publisher: for what
//! the stream mapping's dead-letter queue cannot restore (it holds only batch metadata, and
//! stream records expire after 24 hours). An operator's command on DynamoDB.

use latchkey::clock::Timestamp;
use latchkey::config::Config;
use latchkey::events::Publisher;
use latchkey::logging::ErrorChain;
use latchkey::store::dynamodb::DynamoDbStore;
use latchkey::store::{AuditStore, PageRequest};

#[derive(clap::Args, Clone, Debug)]
pub struct ReplayArgs {
    /// Start of the window (inclusive), RFC 3339.
    #[arg(long)]
    pub since: Timestamp,
    /// End of the window (exclusive), RFC 3339.
    #[arg(long)]
    pub until: Timestamp,
    /// The bus (the stack's EventBusName output).
    #[arg(long, env = "EVENT_BUS_NAME")]
    pub event_bus: String,
}

/// What a replay did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Replayed {
    pub published: usize,
    pub failed: usize,
}

/// Publishes every audit event with `since <= time < until`; a failure to read stops it,
/// entries EventBridge refuses are counted (and logged) and the rest go on.
pub async fn run(args: &ReplayArgs, config: &Config) -> Result<Replayed, String> {
    if args.since >= args.until {
        return Err("--since must be before --until".into());
    }
    let store = DynamoDbStore::from_config(config).await.map_err(|e| format!("DynamoDB: {}", ErrorChain(&e)))?;
    let client = latchkey::events::from_default_chains(|name| std::env::var(name).ok())
        .await
        .map_err(|e| format!("EventBridge: {}", ErrorChain(&e)))?;
    let publisher = Publisher::new(client, args.event_bus.clone());
    let mut done = Replayed::default();
    let mut after = None;
    loop {
        let page = store
            .audit_events_between(args.since, args.until, &PageRequest { max_items: 100, after })
            .await
            .map_err(|e| format!("reading the audit log: {}", ErrorChain(&e)))?;
        let events: Vec<(String, _)> = page.items.into_iter().map(|e| (e.id.to_string(), e)).collect();
        let failed = publisher.publish(&events).await;
        done.failed += failed.len();
        done.published += events.len() - failed.len();
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(done),
        }
    }
}

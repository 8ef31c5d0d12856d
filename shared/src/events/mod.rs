//! Audit events leave the table (SPEC section 8): each event becomes one EventBridge entry,
//! source `latchkey`, detail-type its action, detail its wire shape (what
//! `GET /audit-events/{id}` answers). One publisher for the `events` function (fed by the
//! table's stream) and for `latchkey audit replay` (fed by the table itself).
//!
//! Delivery is at least once: a retried stream batch or a replay publishes an event again,
//! so consumers deduplicate by the detail's `id`.

mod client;
mod entry;

pub use client::{endpoint_from, environment_client, from_default_chains};
pub use entry::{EntryError, MAX_REQUEST_BYTES, SOURCE, entry_size};

use crate::domain::AuditEvent;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

/// PutEvents takes at most this many entries per call.
pub const MAX_ENTRIES_PER_CALL: usize = 10;

/// Publishes audit events to one bus.
#[derive(Clone, Debug)]
pub struct Publisher {
    client: Client,
    bus: String,
}

impl Publisher {
    pub fn new(client: Client, bus: impl Into<String>) -> Self {
        Publisher { client, bus: bus.into() }
    }

    pub fn bus(&self) -> &str {
        &self.bus
    }

    /// Publishes `events` (each with the caller's key: a stream record's sequence number, an
    /// event id) in calls of at most [`MAX_ENTRIES_PER_CALL`] entries and
    /// [`MAX_REQUEST_BYTES`]; returns the keys of the events that were not published, in
    /// their order: an entry EventBridge failed (`ErrorCode`), an event too large to ever be
    /// accepted, every entry of a call that failed as a whole.
    pub async fn publish<K: Clone>(&self, events: &[(K, AuditEvent)]) -> Vec<K> {
        let mut failed = Vec::new();
        let mut batch: Vec<(K, PutEventsRequestEntry)> = Vec::new();
        let mut batch_bytes = 0;
        for (key, event) in events {
            let (entry, size) = match entry::entry(event, &self.bus) {
                Ok(built) => built,
                Err(error) => {
                    tracing::warn!(event_id = %event.id, action = event.action.as_str(), %error, "audit event not published");
                    failed.push(key.clone());
                    continue;
                }
            };
            if batch.len() == MAX_ENTRIES_PER_CALL || batch_bytes + size > MAX_REQUEST_BYTES {
                failed.extend(self.put(std::mem::take(&mut batch)).await);
                batch_bytes = 0;
            }
            batch.push((key.clone(), entry));
            batch_bytes += size;
        }
        if !batch.is_empty() {
            failed.extend(self.put(batch).await);
        }
        failed
    }

    /// One PutEvents call; the keys of the entries it did not accept.
    async fn put<K>(&self, batch: Vec<(K, PutEventsRequestEntry)>) -> Vec<K> {
        let (keys, entries): (Vec<K>, Vec<PutEventsRequestEntry>) = batch.into_iter().unzip();
        let sent = entries.len();
        match self.client.put_events().set_entries(Some(entries)).send().await {
            Ok(out) => {
                let results = out.entries();
                if out.failed_entry_count() == 0 && results.len() == sent {
                    return Vec::new();
                }
                // Result i answers entry i; a missing result is a failure too.
                keys.into_iter()
                    .enumerate()
                    .filter(|(i, _)| {
                        let result = results.get(*i);
                        let code = result.and_then(|r| r.error_code());
                        let refused = result.is_none() || code.is_some() || result.and_then(|r| r.event_id()).is_none();
                        if refused {
                            tracing::warn!(
                                error_code = code.unwrap_or("no result"),
                                error_message = result.and_then(|r| r.error_message()).unwrap_or_default(),
                                "EventBridge refused an audit event"
                            );
                        }
                        refused
                    })
                    .map(|(_, k)| k)
                    .collect()
            }
            Err(e) => {
                let error = aws_sdk_eventbridge::error::DisplayErrorContext(&e);
                tracing::warn!(%error, entries = sent, "PutEvents failed");
                keys
            }
        }
    }
}

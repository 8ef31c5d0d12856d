//! One audit event → one PutEvents entry, and the entry's size as EventBridge counts it.

use crate::domain::AuditEvent;
use aws_sdk_eventbridge::primitives::DateTime;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

/// The entries' source.
pub const SOURCE: &str = "latchkey";

/// EventBridge's limit on a PutEvents request (256 KiB), counted over its entries: an entry
/// larger than this can never be published, and a call's entries must fit in it together.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// EventBridge counts 14 bytes for an entry's `Time`.
const TIME_BYTES: usize = 14;

#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    #[error("the event is {size} bytes as an EventBridge entry, over the {MAX_REQUEST_BYTES}-byte limit")]
    TooLarge { size: usize },
    #[error("cannot encode the event")]
    Encode(#[source] serde_json::Error),
}

/// The size EventBridge counts for an entry: the UTF-8 bytes of its source, detail-type and
/// detail, and 14 for its time (it has no resources).
pub fn entry_size(detail_type: &str, detail: &str) -> usize {
    SOURCE.len() + detail_type.len() + detail.len() + TIME_BYTES
}

/// The entry of `event` on `bus`, with its size; an event over [`MAX_REQUEST_BYTES`] is
/// refused here (EventBridge would refuse the whole call that holds it).
pub(super) fn entry(event: &AuditEvent, bus: &str) -> Result<(PutEventsRequestEntry, usize), EntryError> {
    let detail = serde_json::to_string(&crate::api::audit_event_view(event)).map_err(EntryError::Encode)?;
    let detail_type = event.action.as_str();
    let size = entry_size(detail_type, &detail);
    if size > MAX_REQUEST_BYTES {
        return Err(EntryError::TooLarge { size });
    }
    let time = DateTime::from_millis(event.time.timestamp_millis());
    let entry = PutEventsRequestEntry::builder()
        .source(SOURCE)
        .detail_type(detail_type)
        .detail(detail)
        .event_bus_name(bus)
        .time(time)
        .build();
    Ok((entry, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_counts_source_detail_type_detail_and_time() {
        assert_eq!(entry_size("user.created", "{}"), 8 + 12 + 2 + 14);
        // UTF-8 bytes, not chars.
        assert_eq!(entry_size("a", "é"), 8 + 1 + 2 + 14);
    }
}

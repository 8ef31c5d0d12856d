//! The audit log (`GET /audit-events`, `GET /audit-events/{event_id}`; OWNER, and a scoped
//! credential needs `latchkey:audit`): who changed what, when and from where, newest first.

use crate::{Client, Result};
use latchkey_wire::{AuditEvent, List, Timestamp};
use uuid::Uuid;

/// Filters of `GET /audit-events`; every one left `None` is not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditEventFilter {
    /// One action name, e.g. `user.created` (an unknown name is a 400).
    pub action: Option<String>,
    /// Only events whose actor has this id (a user or a service account).
    pub actor_id: Option<Uuid>,
    /// Only events whose target has this id (organization, user, service account or credential).
    pub target_id: Option<Uuid>,
    /// Events at or after this time.
    pub since: Option<Timestamp>,
    /// Events before this time.
    pub until: Option<Timestamp>,
}

impl AuditEventFilter {
    /// The query parameters this filter sends, in a fixed order.
    pub(crate) fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        if let Some(action) = &self.action {
            query.push(("action", action.clone()));
        }
        if let Some(actor_id) = self.actor_id {
            query.push(("actor_id", actor_id.to_string()));
        }
        if let Some(target_id) = self.target_id {
            query.push(("target_id", target_id.to_string()));
        }
        if let Some(since) = &self.since {
            query.push(("since", rfc3339(since)));
        }
        if let Some(until) = &self.until {
            query.push(("until", rfc3339(until)));
        }
        query
    }
}

/// Which page of a list: its size (1–100; the server's default is 20) and the previous
/// page's `next_cursor` (none for the first page).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub max_items: Option<u32>,
    pub cursor: Option<String>,
}

impl PageRequest {
    /// The first page of `max_items` items.
    pub fn first(max_items: u32) -> Self {
        PageRequest { max_items: Some(max_items), cursor: None }
    }
}

fn rfc3339(time: &Timestamp) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

impl Client {
    /// `GET /audit-events`: one page of the organization's audit events, newest first. Pass
    /// the answer's `next_cursor` (with the same filter) in `page.cursor` for the next one.
    pub async fn list_audit_events(&self, filter: &AuditEventFilter, page: &PageRequest) -> Result<List<AuditEvent>> {
        self.page("/audit-events", &filter.query(), page.max_items, page.cursor.as_deref()).await
    }

    /// Up to `limit` audit events matching `filter` (all when `None`), newest first,
    /// following cursors.
    pub async fn list_all_audit_events(
        &self,
        filter: &AuditEventFilter,
        limit: Option<usize>,
    ) -> Result<Vec<AuditEvent>> {
        self.collect("/audit-events", &filter.query(), limit).await
    }

    /// `GET /audit-events/{event_id}`: one event (another organization's is not found).
    pub async fn get_audit_event(&self, event_id: Uuid) -> Result<AuditEvent> {
        self.get(&format!("/audit-events/{event_id}"), &[]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::query_string;
    use chrono::TimeZone;

    #[test]
    fn an_empty_filter_sends_nothing() {
        assert!(AuditEventFilter::default().query().is_empty());
    }

    #[test]
    fn every_filter_is_sent_under_the_api_name_with_utc_times() {
        let actor = Uuid::from_u128(1);
        let target = Uuid::from_u128(2);
        let filter = AuditEventFilter {
            action: Some("credential.revoked".into()),
            actor_id: Some(actor),
            target_id: Some(target),
            since: Some(chrono::Utc.with_ymd_and_hms(2026, 1, 31, 12, 0, 0).unwrap()),
            until: Some(chrono::Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap()),
        };
        assert_eq!(
            query_string(&filter.query()),
            format!(
                "action=credential.revoked&actor_id={actor}&target_id={target}\
                 &since=2026-01-31T12%3A00%3A00Z&until=2026-02-01T00%3A00%3A00Z"
            )
        );
    }

    #[test]
    fn the_first_page_has_no_cursor() {
        assert_eq!(PageRequest::first(5), PageRequest { max_items: Some(5), cursor: None });
    }
}

//! What `GET /audit-events` selects.

use super::{AuditAction, AuditEvent};
use crate::clock::Timestamp;
use uuid::Uuid;

/// Filters of an audit-event list; every one given must hold. Both stores apply them, and
/// [`AuditFilter::admits`] is their meaning (the conformance suite checks the stores against it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub action: Option<AuditAction>,
    pub actor_id: Option<Uuid>,
    pub target_id: Option<Uuid>,
    /// Inclusive.
    pub since: Option<Timestamp>,
    /// Exclusive.
    pub until: Option<Timestamp>,
}

impl AuditFilter {
    pub fn admits(&self, event: &AuditEvent) -> bool {
        self.action.is_none_or(|a| a == event.action)
            && self.actor_id.is_none_or(|a| event.actor.id.map(|id| id.0) == Some(a))
            && self.target_id.is_none_or(|t| event.target.id == t)
            && self.since.is_none_or(|s| event.time >= s)
            && self.until.is_none_or(|u| event.time < u)
    }
}

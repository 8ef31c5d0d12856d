//! Audit events as the table's stream carries them (the `events` function): a stream
//! record's new image is an item of this layout, so reading it back belongs here.

use super::audit::decode_audit_event;
use super::*;
use crate::domain::AuditEvent;

/// The audit event a stream record's new image holds: `None` for any other item (an audit
/// copy, a credential, ...), an error for an audit item that cannot be read.
pub fn audit_event_in_image(image: &Item) -> StoreResult<Option<AuditEvent>> {
    match image.get(ITEM_TYPE) {
        Some(AttributeValue::S(t)) if t == AUDIT_EVENT_ITEM => decode_audit_event(image).map(Some),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{Target, TargetType};
    use crate::domain::{AuditAction, AuditContext};

    fn event() -> AuditEvent {
        let audit = AuditContext::operator(chrono::Utc::now(), chrono::Duration::days(400));
        let target =
            Target { target_type: TargetType::Organization, id: uuid::Uuid::now_v7(), label: Some("acme".into()) };
        audit.event(OrganizationId::new_random(), AuditAction::OrganizationCreated, target, serde_json::json!({}))
    }

    #[test]
    fn only_the_primary_audit_item_is_an_event() {
        let e = event();
        let primary = super::super::audit::audit_item(&e, &AuditPartition::All).unwrap();
        assert_eq!(audit_event_in_image(&primary).unwrap(), Some(e.clone()));
        let copy = super::super::audit::audit_item(&e, &AuditPartition::Target(e.target.id.to_string())).unwrap();
        assert_eq!(audit_event_in_image(&copy).unwrap(), None);
        assert_eq!(audit_event_in_image(&Item::new()).unwrap(), None);
        let mut corrupt = primary;
        corrupt.insert(AUDIT_BODY.into(), s("{not json"));
        assert!(audit_event_in_image(&corrupt).is_err());
    }
}

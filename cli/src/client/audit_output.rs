//! How `latchkey audit` prints events for people: who, what, to whom, from where; labels
//! (emails, names, `…last_six`) rather than bare ids wherever the event has one.

use super::output::{Table, print_details, time};
use latchkey_sdk::wire::{AuditActor, AuditEvent, AuditTarget};

pub fn print_audit_events(events: &[AuditEvent]) {
    let mut table = Table::new(&["TIME", "ACTION", "ACTOR", "TARGET", "SOURCE IP", "ID"]);
    for event in events {
        table.push(vec![
            time(&event.time),
            event.action.clone(),
            actor(&event.actor),
            target(&event.target),
            or_dash(event.request.source_ip.as_deref()),
            event.id.to_string(),
        ]);
    }
    table.print();
}

pub fn print_audit_event(event: &AuditEvent) {
    let credential = match (&event.actor.credential_kind, event.actor.credential_id) {
        (Some(kind), Some(id)) => format!("{kind} {id}"),
        (Some(kind), None) => kind.clone(),
        (None, Some(id)) => id.to_string(),
        (None, None) => "-".to_string(),
    };
    let actor_id = event.actor.id.map_or_else(String::new, |id| format!(", {id}"));
    // Compact JSON keeps the details on one line, and the table escapes control characters.
    let details = serde_json::to_string(&event.details).unwrap_or_else(|_| "-".to_string());
    print_details(&[
        ("ID", event.id.to_string()),
        ("Time", time(&event.time)),
        ("Action", event.action.clone()),
        ("Actor", format!("{} ({}{actor_id})", actor(&event.actor), event.actor.actor_type)),
        ("Credential", credential),
        ("Target", format!("{} ({}, {})", target(&event.target), event.target.target_type, event.target.id)),
        ("Request ID", or_dash(event.request.id.as_deref())),
        ("Source IP", or_dash(event.request.source_ip.as_deref())),
        ("User agent", or_dash(event.request.user_agent.as_deref())),
        ("Details", details),
    ]);
}

/// The actor's email; an actor without one (the operator, an anonymous leak report) by its type.
fn actor(actor: &AuditActor) -> String {
    actor.email.clone().filter(|e| !e.is_empty()).unwrap_or_else(|| actor.actor_type.clone())
}

/// The target's label (an email, a name or `…last_six`); its type and id when it has none.
fn target(target: &AuditTarget) -> String {
    target.label.clone().filter(|l| !l.is_empty()).unwrap_or_else(|| format!("{} {}", target.target_type, target.id))
}

fn or_dash(value: Option<&str>) -> String {
    value.filter(|v| !v.is_empty()).unwrap_or("-").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn actors_and_targets_show_their_labels_else_their_kind() {
        let operator = AuditActor {
            actor_type: "operator".into(),
            id: None,
            email: None,
            credential_id: None,
            credential_kind: None,
        };
        assert_eq!(actor(&operator), "operator");
        let owner = AuditActor { actor_type: "user".into(), email: Some("admin@acme.com".into()), ..operator };
        assert_eq!(actor(&owner), "admin@acme.com");
        let id = Uuid::from_u128(7);
        let key = AuditTarget { target_type: "credential".into(), id, label: Some("…a1B2c3".into()) };
        assert_eq!(target(&key), "…a1B2c3");
        assert_eq!(target(&AuditTarget { label: None, ..key }), format!("credential {id}"));
    }
}

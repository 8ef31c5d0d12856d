//! `latchkey audit ...` (OWNER; a scoped credential needs `latchkey:audit`): the
//! organization's audit log, newest first.

use super::Context;
use super::audit_output::{print_audit_event, print_audit_events};
use super::failure::Failure;
use super::output::print_json;
use clap::Subcommand;
use latchkey_sdk::AuditEventFilter;
use latchkey_sdk::wire::Timestamp;
use uuid::Uuid;

/// How many events `audit list` shows when neither `--max-items` nor `--all` is given.
const DEFAULT_MAX_ITEMS: u32 = 20;

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// List audit events, newest first (the last 20 unless --max-items or --all).
    #[command(
        after_help = "Examples:\n  latchkey audit list --action credential.revoked --since 2026-01-01T00:00:00Z\n  latchkey audit list --actor 3c9e... --all --output json"
    )]
    List {
        /// Only this action, e.g. user.created or credential.revoked.
        #[arg(long)]
        action: Option<String>,
        /// Only events by this actor (a user's or service account's id).
        #[arg(long = "actor", value_name = "ID")]
        actor_id: Option<Uuid>,
        /// Only events about this target (an organization, user, service account or credential id).
        #[arg(long = "target", value_name = "ID")]
        target_id: Option<Uuid>,
        /// Events at or after this time (RFC 3339, e.g. 2026-01-31T12:00:00Z, or a date: 2026-01-31).
        #[arg(long, value_parser = parse_time, value_name = "TIME")]
        since: Option<Timestamp>,
        /// Events before this time (RFC 3339, or a date meaning its midnight UTC).
        #[arg(long, value_parser = parse_time, value_name = "TIME")]
        until: Option<Timestamp>,
        /// Show at most this many events.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..), conflicts_with = "all")]
        max_items: Option<u32>,
        /// Show every matching event (all pages).
        #[arg(long)]
        all: bool,
    },
    /// Show one audit event in full (its details included).
    #[command(after_help = "Example:\n  latchkey audit get 01942f3e-...")]
    Get {
        /// The event's id (see `audit list`).
        event_id: Uuid,
    },
    /// Operator: publish the audit events of a window to the EventBridge bus again (DynamoDB;
    /// a dead-letter queue holds only batch metadata, stream records expire after 24 hours).
    ///
    /// Example: latchkey audit replay --since 2025-01-01T00:00:00Z --until 2025-01-02T00:00:00Z --event-bus latchkey-audit-events
    Replay(latchkey_cli::replay::ReplayArgs),
}

pub async fn run(context: &Context, command: AuditCommand) -> Result<(), Failure> {
    let session = context.session()?;
    let client = &session.client;
    match command {
        AuditCommand::List { action, actor_id, target_id, since, until, max_items, all } => {
            let filter = AuditEventFilter { action, actor_id, target_id, since, until };
            let limit = (!all).then(|| max_items.unwrap_or(DEFAULT_MAX_ITEMS) as usize);
            // One more than shown tells whether there is more to see.
            let mut events = client.list_all_audit_events(&filter, limit.map(|l| l + 1)).await?;
            let more = limit.is_some_and(|l| events.len() > l);
            if let Some(limit) = limit {
                events.truncate(limit);
            }
            if context.json() {
                print_json(&events);
            } else {
                print_audit_events(&events);
            }
            if more {
                eprintln!("latchkey: more events match; use --max-items N or --all to see them");
            }
        }
        // An operator's command, not a client's: `main` runs it before any client command.
        AuditCommand::Replay(_) => {
            return Err(Failure::Other(
                "audit replay is an operator command; run it as `latchkey audit replay`".into(),
            ));
        }
        AuditCommand::Get { event_id } => {
            let event = client.get_audit_event(event_id).await?;
            if context.json() {
                print_json(&event);
            } else {
                print_audit_event(&event);
            }
        }
    }
    Ok(())
}

/// An RFC 3339 time, or a bare `YYYY-MM-DD` meaning that day's midnight UTC.
fn parse_time(raw: &str) -> Result<Timestamp, String> {
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Ok(time.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|midnight| midnight.and_utc())
        .ok_or_else(|| format!("{raw:?} is not an RFC 3339 time (2026-01-31T12:00:00Z) or a date (2026-01-31)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_or_a_date() {
        assert_eq!(parse_time("2026-01-31T13:00:00+01:00").unwrap().to_rfc3339(), "2026-01-31T12:00:00+00:00");
        assert_eq!(parse_time("2026-01-31").unwrap().to_rfc3339(), "2026-01-31T00:00:00+00:00");
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("2026-02-30").is_err());
    }
}

//! `GET /audit-events` and `GET /audit-events/{event_id}` (SPEC section 8): OWNER only (the
//! route's gate), a scoped credential needs `latchkey:audit`; another organization's events
//! are not found.

use super::*;
use crate::api::cursor;
use crate::domain::{AuditAction, AuditEventId, AuditFilter};
use crate::store::PageRequest;
use std::str::FromStr;
use uuid::Uuid;

pub async fn list(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    let caller = input::caller(req)?;
    let org = caller.organization_id;
    let params = input::list_params(req)?;
    let filter = AuditFilter {
        action: input::query(req, "action").map(AuditAction::from_str).transpose()?,
        actor_id: input::query(req, "actor_id").map(|v| parse_uuid("actor_id", v)).transpose()?,
        target_id: input::query(req, "target_id").map(|v| parse_uuid("target_id", v)).transpose()?,
        since: input::query(req, "since").map(|v| parse_time("since", v)).transpose()?,
        until: input::query(req, "until").map(|v| parse_time("until", v)).transpose()?,
    };
    if let (Some(since), Some(until)) = (filter.since, filter.until)
        && since >= until
    {
        return Err(ApiError::validation("since must be before until"));
    }
    // The cursor belongs to this list with these filters: another list's is refused.
    let list = list_key(&filter);
    let after = params.cursor.as_deref().map(|c| cursor::decode(c, org, &list)).transpose()?;
    let page = api.store.list_audit_events(org, &filter, &PageRequest { max_items: params.max_items, after }).await?;
    Ok(ApiResponse::json(
        200,
        &wire::List {
            items: page.items.iter().map(views::audit_event).collect(),
            next_cursor: page.next.map(|p| cursor::encode(org, &list, &p)),
        },
    ))
}

pub async fn get(api: &Api, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    let caller = input::caller(req)?;
    // An id that is not a UUID names nothing: 404, like an unknown one.
    let id = AuditEventId::from_str(input::path_param(req, "event_id")?).map_err(|_| ApiError::NotFound)?;
    let event = api.store.get_audit_event(caller.organization_id, id).await?.ok_or(ApiError::NotFound)?;
    Ok(ApiResponse::json(200, &views::audit_event(&event)))
}

fn list_key(filter: &AuditFilter) -> String {
    let show = |v: Option<String>| v.unwrap_or_default();
    format!(
        "audit|a={}|actor={}|target={}|since={}|until={}",
        show(filter.action.map(|a| a.as_str().to_string())),
        show(filter.actor_id.map(|u| u.to_string())),
        show(filter.target_id.map(|u| u.to_string())),
        show(filter.since.as_ref().map(crate::clock::sortable)),
        show(filter.until.as_ref().map(crate::clock::sortable)),
    )
}

fn parse_uuid(name: &str, raw: &str) -> Result<Uuid, ApiError> {
    if raw.len() != 36 {
        return Err(ApiError::validation(format!("{name} must be a UUID")));
    }
    Uuid::parse_str(raw).map_err(|_| ApiError::validation(format!("{name} must be a UUID")))
}

fn parse_time(name: &str, raw: &str) -> Result<Timestamp, ApiError> {
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| crate::clock::truncate(t.with_timezone(&chrono::Utc)))
        .map_err(|_| ApiError::validation(format!("{name} must be an RFC 3339 time, e.g. 2026-01-31T12:00:00Z")))
}

//! The audit log on SQLite: `audit_events` rows written inside the transaction of the change
//! they record ([`insert_events`]), read by [`AuditStore`]; and the expiry notices.

use super::*;
use crate::domain::{AuditContext, AuditEvent, AuditEventId, AuditFilter, CredentialStatus};

/// Writes `events` in the caller's transaction: they commit with the change, or not at all.
pub(super) fn insert_events(tx: &Transaction<'_>, events: &[AuditEvent]) -> StoreResult<()> {
    for event in events {
        tx.execute(
            "INSERT INTO audit_events (id, organization_id, time, action, actor_id, target_id, purge_at, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                event.id.to_string(),
                event.organization_id.to_string(),
                sortable(&event.time),
                event.action.as_str(),
                event.actor.id.map(|id| id.to_string()),
                event.target.id.to_string(),
                event.purge_at.as_ref().map(sortable),
                to_body(event)?,
            ],
        )
        .db()?;
    }
    Ok(())
}

fn event_bodies(tx: &Transaction<'_>, sql: &str, params: &[&dyn rusqlite::ToSql]) -> StoreResult<Vec<AuditEvent>> {
    bodies(tx, sql, params)
}

fn parse_position(after: Option<&String>) -> StoreResult<Option<String>> {
    after
        .map(|p| p.parse::<AuditEventId>().map(|id| id.to_string()).map_err(|_| StoreError::InvalidPosition))
        .transpose()
}

#[async_trait]
impl crate::store::AuditStore for SqliteStore {
    async fn get_audit_event(&self, org: OrganizationId, id: AuditEventId) -> StoreResult<Option<AuditEvent>> {
        self.read(move |tx| {
            let mut found = event_bodies(
                tx,
                "SELECT body FROM audit_events WHERE id = ?1 AND organization_id = ?2",
                params![id.to_string(), org.to_string()],
            )?;
            Ok(found.pop())
        })
        .await
    }

    async fn list_audit_events(
        &self,
        org: OrganizationId,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEvent>> {
        let after = parse_position(page.after.as_ref())?;
        let (limit, max_items) = (fetch_limit(page), page.max_items);
        let filter = filter.clone();
        self.read(move |tx| {
            let events = event_bodies(
                tx,
                "SELECT body FROM audit_events
                 WHERE organization_id = ?1
                   AND (?2 IS NULL OR action = ?2)
                   AND (?3 IS NULL OR actor_id = ?3)
                   AND (?4 IS NULL OR target_id = ?4)
                   AND (?5 IS NULL OR time >= ?5)
                   AND (?6 IS NULL OR time < ?6)
                   AND (?7 IS NULL OR id < ?7)
                 ORDER BY id DESC LIMIT ?8",
                params![
                    org.to_string(),
                    filter.action.map(|a| a.as_str()),
                    filter.actor_id.map(|a| a.to_string()),
                    filter.target_id.map(|t| t.to_string()),
                    filter.since.as_ref().map(sortable),
                    filter.until.as_ref().map(sortable),
                    after,
                    limit,
                ],
            )?;
            Ok(page_of(events, max_items, |e| e.id.to_string()))
        })
        .await
    }

    async fn audit_events_between(
        &self,
        since: Timestamp,
        until: Timestamp,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEvent>> {
        let after = parse_position(page.after.as_ref())?;
        let (limit, max_items) = (fetch_limit(page), page.max_items);
        self.read(move |tx| {
            let events = event_bodies(
                tx,
                "SELECT body FROM audit_events
                 WHERE time >= ?1 AND time < ?2 AND (?3 IS NULL OR id > ?3)
                 ORDER BY id LIMIT ?4",
                params![sortable(&since), sortable(&until), after, limit],
            )?;
            Ok(page_of(events, max_items, |e| e.id.to_string()))
        })
        .await
    }
}

impl SqliteStore {
    /// `Housekeeping::record_expiry_notices` on SQLite: one transaction per notice, so a
    /// failure keeps the notices already written (each with its mark).
    pub(super) async fn expiry_notices(&self, within: chrono::Duration, audit: &AuditContext) -> StoreResult<usize> {
        let (now, horizon) = (audit.at, audit.at + within);
        let due: Vec<CredentialRecord> = self
            .read(move |tx| {
                bodies(
                    tx,
                    "SELECT body FROM credentials
                     WHERE revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at > ?1 AND expires_at <= ?2
                       AND id NOT IN (SELECT credential_id FROM expiry_notices)
                     ORDER BY expires_at",
                    params![sortable(&now), sortable(&horizon)],
                )
            })
            .await?;
        let mut written = 0;
        for credential in due {
            let audit = audit.clone();
            let noticed = self
                .write(move |tx| {
                    let owner = load_principal(tx, credential.organization_id, credential.owner_id)?;
                    if credential.status(audit.at, owner.as_ref()) != CredentialStatus::Active {
                        return Ok(false);
                    }
                    let inserted = tx
                        .execute(
                            "INSERT OR IGNORE INTO expiry_notices (credential_id, noticed_at) VALUES (?1, ?2)",
                            params![credential.id.to_string(), sortable(&audit.at)],
                        )
                        .db()?;
                    if inserted == 0 {
                        return Ok(false);
                    }
                    insert_events(tx, &[audit.credential_expiring(&credential)])?;
                    Ok(true)
                })
                .await?;
            written += usize::from(noticed);
        }
        Ok(written)
    }

    /// Deletes audit events past their purge time (the table's TTL on DynamoDB).
    pub(super) fn purge_audit_events(tx: &Transaction<'_>, now: Timestamp) -> StoreResult<usize> {
        tx.execute("DELETE FROM audit_events WHERE purge_at IS NOT NULL AND purge_at <= ?1", params![sortable(&now)])
            .db()
    }
}

fn load_principal(tx: &Transaction<'_>, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<Principal>> {
    if let Some(user) = load_user(tx, org, id)? {
        return Ok(Some(Principal::User(user)));
    }
    Ok(load_service_account(tx, org, id)?.map(Principal::ServiceAccount))
}

//! The audit log on the table (layout: `infra/dynamodb-layout.md`, "Audit events").
//!
//! Each event is one primary item in its organization's `all` partitions and one copy in the
//! partitions of its action, its actor (when it has an id) and its target, all written as
//! `Put`s in the TransactWriteItems of the change they record ([`DynamoDbStore::tx_audit`]).
//! Every family is spread over [`AUDIT_SHARDS`] partitions by the event id, and every read
//! is a strongly consistent Query or GetItem of the table itself (no index): an event is
//! listed as soon as its change is acknowledged, and each filter is a key, never a scan.

use super::*;
use crate::domain::{AuditContext, AuditEvent, AuditEventId, AuditFilter};
use crate::store::AuditStore;

/// Round trips one shard's share of a list page may spend skipping filtered-out items.
const MAX_CALLS_PER_SHARD: u32 = 10;
/// Slack on the key range's upper bound: an id's time is never before its event's (uuid's
/// v7 context only ever moves forward), rarely a little after.
const UPPER_BOUND_SLACK_SECONDS: i64 = 1;

fn families(event: &AuditEvent) -> Vec<AuditPartition> {
    let mut out = vec![AuditPartition::All, AuditPartition::Action(event.action.as_str().to_string())];
    if let Some(actor) = event.actor.id {
        out.push(AuditPartition::Actor(actor.to_string()));
    }
    out.push(AuditPartition::Target(event.target.id.to_string()));
    out
}

pub(super) fn audit_item(event: &AuditEvent, family: &AuditPartition) -> StoreResult<Item> {
    let body =
        serde_json::to_string(event).map_err(|e| StoreError::internal_from("cannot encode an audit event", e))?;
    let shard = audit_shard(&event.id.0);
    let mut item = key(audit_pk(event.organization_id, family, shard), &event.id.to_string());
    let item_type = if *family == AuditPartition::All { AUDIT_EVENT_ITEM } else { AUDIT_COPY_ITEM };
    item.insert(ITEM_TYPE.into(), s(item_type));
    item.insert(AUDIT_BODY.into(), s(body));
    item.insert(TIME_US.into(), n(epoch_micros(&event.time)));
    item.insert("organization_id".into(), s(event.organization_id.to_string()));
    item.insert("action".into(), s(event.action.as_str()));
    if let Some(actor) = event.actor.id {
        item.insert("actor_id".into(), s(actor.to_string()));
    }
    item.insert("target_id".into(), s(event.target.id.to_string()));
    if let Some(purge_at) = &event.purge_at {
        item.insert(TTL.into(), n(ttl_seconds(purge_at)));
    }
    Ok(item)
}

pub(super) fn decode_audit_event(item: &Item) -> StoreResult<AuditEvent> {
    let body = string_attribute(item, AUDIT_BODY)?;
    serde_json::from_str(body).map_err(|e| StoreError::internal_from("corrupt audit item", e))
}

/// The partition family a filter is best served by (the most selective key it names); the
/// rest of the filter is a FilterExpression on that family's items.
fn family_for(filter: &AuditFilter) -> AuditPartition {
    if let Some(target) = filter.target_id {
        AuditPartition::Target(target.to_string())
    } else if let Some(actor) = filter.actor_id {
        AuditPartition::Actor(actor.to_string())
    } else if let Some(action) = filter.action {
        AuditPartition::Action(action.as_str().to_string())
    } else {
        AuditPartition::All
    }
}

fn filter_expression(filter: &AuditFilter) -> Option<Expr> {
    let mut expr = Expr::default();
    if let Some(action) = filter.action {
        expr = expr
            .and(Expr::new("#f_action = :f_action").name("#f_action", "action").value(":f_action", s(action.as_str())));
    }
    if let Some(actor) = filter.actor_id {
        expr = expr
            .and(Expr::new("#f_actor = :f_actor").name("#f_actor", "actor_id").value(":f_actor", s(actor.to_string())));
    }
    if let Some(target) = filter.target_id {
        expr = expr.and(
            Expr::new("#f_target = :f_target").name("#f_target", "target_id").value(":f_target", s(target.to_string())),
        );
    }
    if let Some(since) = &filter.since {
        expr = expr
            .and(Expr::new("#f_time >= :f_since").name("#f_time", TIME_US).value(":f_since", n(epoch_micros(since))));
    }
    if let Some(until) = &filter.until {
        expr = expr
            .and(Expr::new("#f_time < :f_until").name("#f_time", TIME_US).value(":f_until", n(epoch_micros(until))));
    }
    (!expr.text.is_empty()).then_some(expr)
}

impl DynamoDbStore {
    /// The transaction steps that write `events`: a Put per item, each guarded by
    /// `attribute_not_exists(pk)` (an event is never overwritten).
    pub(super) fn tx_audit(&self, events: &[AuditEvent]) -> StoreResult<Vec<(TransactWriteItem, OnConditionFailed)>> {
        let mut steps = Vec::with_capacity(events.len() * 4);
        for event in events {
            for family in families(event) {
                steps.push((self.tx_create(audit_item(event, &family)?)?, OnConditionFailed::DuplicateId));
            }
        }
        Ok(steps)
    }

    /// Up to `wanted` matching items of one shard, newest first, below `before` (exclusive)
    /// and at or above `lowest`.
    async fn query_audit_shard(
        &self,
        pk: String,
        lowest: Option<String>,
        before: Option<String>,
        filter: Option<&Expr>,
        wanted: usize,
    ) -> StoreResult<Vec<AuditEvent>> {
        let mut key_condition = Expr::new("#pk = :pk").name("#pk", PK).value(":pk", s(pk));
        match (&lowest, &before) {
            (Some(lo), Some(hi)) => {
                key_condition.text.push_str(" AND #sk BETWEEN :lo AND :hi");
                key_condition = key_condition.name("#sk", SK).value(":lo", s(lo.clone())).value(":hi", s(hi.clone()));
            }
            (Some(lo), None) => {
                key_condition.text.push_str(" AND #sk >= :lo");
                key_condition = key_condition.name("#sk", SK).value(":lo", s(lo.clone()));
            }
            (None, Some(hi)) => {
                key_condition.text.push_str(" AND #sk <= :hi");
                key_condition = key_condition.name("#sk", SK).value(":hi", s(hi.clone()));
            }
            (None, None) => {}
        }
        let (names, values) = match filter {
            Some(f) => Expr::merged_placeholders(&[&key_condition, f]),
            None => Expr::merged_placeholders(&[&key_condition]),
        };
        let mut found = Vec::new();
        let mut start = None;
        for _ in 0..MAX_CALLS_PER_SHARD {
            let limit = if filter.is_some() { wanted.max(100) } else { wanted };
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(key_condition.text.clone())
                .set_filter_expression(filter.map(|f| f.text.clone()))
                .set_expression_attribute_names(names.clone())
                .set_expression_attribute_values(values.clone())
                .scan_index_forward(false)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .limit(i32::try_from(limit.clamp(1, 1000)).unwrap_or(1000))
                .send()
                .await
                .map_err(|e| classify("Query", e))?;
            for item in out.items.unwrap_or_default() {
                let event = decode_audit_event(&item)?;
                // `BETWEEN` is inclusive; the position itself was on the previous page.
                if before.as_deref() != Some(&event.id.to_string()) {
                    found.push(event);
                }
            }
            if found.len() >= wanted {
                break;
            }
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        Ok(found)
    }

    /// `Housekeeping::record_expiry_notices` on the table: a Scan of credential items that
    /// expire within the window and have had no notice (a daily job; the cost is the table's
    /// credential items), then one transaction per notice: the credential's mark
    /// (`expiry_noticed_at`, conditioned on its absence and on the credential still not
    /// revoked) with the event.
    pub(super) async fn expiry_notices(&self, within: chrono::Duration, audit: &AuditContext) -> StoreResult<usize> {
        let (now, horizon) = (audit.at, audit.at + within);
        let filter = Expr::new(
            "#sk = :credential AND attribute_not_exists(#revoked) AND attribute_not_exists(#noticed) \
             AND #expires > :now AND #expires <= :horizon",
        )
        .name("#sk", SK)
        .name("#revoked", "revoked_at")
        .name("#noticed", EXPIRY_NOTICED_AT)
        .name("#expires", EXPIRES_AT_US)
        .value(":credential", s(SK_CREDENTIAL))
        .value(":now", n(epoch_micros(&now)))
        .value(":horizon", n(epoch_micros(&horizon)));
        let mut written = 0;
        let mut start = None;
        loop {
            let (items, next) = self.scan_once(&filter, start.take(), None, true).await?;
            for item in items {
                let credential = decode_credential(item)?;
                written += usize::from(self.notice_expiry(&credential, audit).await?);
            }
            match next {
                Some(key) => start = Some(key),
                None => return Ok(written),
            }
        }
    }

    async fn notice_expiry(&self, credential: &CredentialRecord, audit: &AuditContext) -> StoreResult<bool> {
        let owner = self.get_principal_in(credential.organization_id, credential.owner_id).await?;
        if credential.status(audit.at, owner.as_ref()) != crate::domain::CredentialStatus::Active {
            return Ok(false);
        }
        let mark = Expr::new("SET #noticed = :at")
            .name("#noticed", EXPIRY_NOTICED_AT)
            .value(":at", timestamp_attribute(&audit.at)?);
        let condition = in_organization(credential.organization_id).and(
            Expr::new("attribute_not_exists(#noticed) AND attribute_not_exists(#revoked)")
                .name("#noticed", EXPIRY_NOTICED_AT)
                .name("#revoked", "revoked_at"),
        );
        let mut steps =
            vec![(self.tx_update(credential_key(credential.id), mark, condition)?, OnConditionFailed::Reread)];
        steps.extend(self.tx_audit(&[audit.credential_expiring(credential)])?);
        match self.transact(steps).await? {
            Ok(()) => Ok(true),
            // Noticed by a concurrent run, revoked or purged meanwhile: nothing to say.
            Err(OnConditionFailed::Reread) => Ok(false),
            Err(other) => Err(step_error(other)),
        }
    }
}

#[async_trait]
impl AuditStore for DynamoDbStore {
    async fn get_audit_event(&self, org: OrganizationId, id: AuditEventId) -> StoreResult<Option<AuditEvent>> {
        let key = key(audit_pk(org, &AuditPartition::All, audit_shard(&id.0)), &id.to_string());
        let Some(item) = self.get_item(key).await? else { return Ok(None) };
        Ok(Some(decode_audit_event(&item)?).filter(|e| e.organization_id == org))
    }

    async fn list_audit_events(
        &self,
        org: OrganizationId,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEvent>> {
        let after = page
            .after
            .as_ref()
            .map(|p| p.parse::<AuditEventId>().map_err(|_| StoreError::InvalidPosition))
            .transpose()?;
        let lowest = filter.since.map(|t| AuditEventId::floor(t).to_string());
        let ceiling = filter
            .until
            .map(|t| AuditEventId::floor(t + chrono::Duration::seconds(UPPER_BOUND_SLACK_SECONDS)))
            .map(|id| id.to_string());
        let before = match (after.map(|a| a.to_string()), ceiling) {
            (Some(a), Some(c)) => Some(a.min(c)),
            (a, c) => a.or(c),
        };
        let family = family_for(filter);
        let expr = filter_expression(filter);
        let wanted = page.max_items + 1;
        let mut events = Vec::new();
        for shard in 0..AUDIT_SHARDS {
            let pk = audit_pk(org, &family, shard);
            events.extend(self.query_audit_shard(pk, lowest.clone(), before.clone(), expr.as_ref(), wanted).await?);
        }
        events.retain(|e| e.organization_id == org && filter.admits(e) && after.is_none_or(|a| e.id < a));
        events.sort_by_key(|e| std::cmp::Reverse(e.id));
        // At least one per page, whatever the caller asked (the API refuses 0 before this).
        let max_items = page.max_items.max(1);
        let next = (events.len() > max_items).then(|| events[max_items - 1].id.to_string());
        events.truncate(max_items);
        Ok(Page { items: events, next })
    }

    async fn audit_events_between(
        &self,
        since: Timestamp,
        until: Timestamp,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEvent>> {
        let start = page
            .after
            .as_ref()
            .map(|p| serde_json::from_str::<(String, String)>(p).map_err(|_| StoreError::InvalidPosition))
            .transpose()?
            .map(|(pk, sk)| key(pk, &sk));
        let filter = Expr::new("#type = :event AND #time >= :since AND #time < :until")
            .name("#type", ITEM_TYPE)
            .name("#time", TIME_US)
            .value(":event", s(AUDIT_EVENT_ITEM))
            .value(":since", n(epoch_micros(&since)))
            .value(":until", n(epoch_micros(&until)));
        let (items, last_evaluated) = self.scan_once(&filter, start, Some(page.max_items), false).await?;
        let items = items.iter().map(decode_audit_event).collect::<StoreResult<Vec<_>>>()?;
        let next = last_evaluated
            .map(|k| -> StoreResult<String> {
                let position = (string_attribute(&k, PK)?.to_string(), string_attribute(&k, SK)?.to_string());
                serde_json::to_string(&position).map_err(|e| StoreError::internal_from("cannot encode a position", e))
            })
            .transpose()?;
        Ok(Page { items, next })
    }
}

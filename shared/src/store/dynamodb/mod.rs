//! DynamoDB implementation of [`crate::store::Store`]: one table, one GSI, TTL purging.
//! The layout, and what each method costs in round trips, is in `infra/dynamodb-layout.md`.
//!
//! Uniqueness (organization names, emails, service-account names) is kept by guard items
//! created with `attribute_not_exists(pk)` in the same transaction as what they guard.
//! Bulk revocation bumps an epoch on the owner's item; marking the old credentials
//! revoked afterwards ("sweep") is housekeeping whose failures are logged, not returned.

mod backfill;
mod items;
mod keys;
mod owners;
mod requests;
mod sweep;
#[cfg(test)]
mod tests;

use crate::clock::Timestamp;
use crate::config::Config;
use crate::domain::{
    CredentialId, CredentialKind, CredentialRecord, Description, Email, Organization, OrganizationId, OrganizationName,
    PermissionLevel, Principal, PrincipalId, Revocation, ServiceAccount, ServiceAccountName, SweepTask, User,
};
use crate::store::{
    CredentialFilter, CredentialLookup, CredentialStore, Housekeeping, OrganizationStore, Page, PageRequest,
    ServiceAccountStore, StoreError, StoreResult, UserChangeCheck, UserStore, UserUpdate, position,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, KeysAndAttributes, Projection, ProjectionType, Put, ReturnValue, ScalarAttributeType, TableStatus,
    TimeToLiveSpecification, TransactWriteItem, Update,
};
use items::*;
use keys::*;
use requests::*;
use serde::Serialize;
use std::collections::HashSet;
use std::time::Duration;

/// How often an operation that read before writing re-reads when the state moved
/// underneath, before answering `Contention`.
const OPTIMISTIC_ATTEMPTS: u32 = 3;
/// Round trips one list page may spend skipping filtered-out items.
const MAX_QUERY_CALLS_PER_PAGE: u32 = 10;
/// Pages a sweep reads at most (each up to 1 MB); housekeeping must stay bounded.
const MAX_SWEEP_PAGES: u32 = 50;

/// The deployed store. Cheap to clone (the SDK client is shared).
#[derive(Debug, Clone)]
pub struct DynamoDbStore {
    client: Client,
    table: String,
}

/// Retries and timeouts of every DynamoDB client latchkey builds, chosen to fit inside an
/// API Gateway / Lambda budget: at most 3 attempts, connect 2 s, 3 s per attempt, 8 s in all.
pub fn request_limits()
-> (aws_sdk_dynamodb::config::retry::RetryConfig, aws_sdk_dynamodb::config::timeout::TimeoutConfig) {
    let timeouts = aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(8))
        .build();
    (aws_sdk_dynamodb::config::retry::RetryConfig::standard().with_max_attempts(3), timeouts)
}

impl DynamoDbStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    /// Builds the client from the environment (region, credentials) and `cfg`. Retries and
    /// timeouts are chosen to fit inside an API Gateway / Lambda budget: at most 3 attempts,
    /// 3 s each, 8 s in all, so a stuck call fails (503) before the Lambda is killed.
    pub async fn from_config(cfg: &Config) -> Result<Self, StoreError> {
        use aws_config::BehaviorVersion;
        use aws_config::meta::region::RegionProviderChain;

        let (retries, timeouts) = request_limits();
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retries).timeout_config(timeouts);
        if let Some(endpoint) = &cfg.dynamodb_endpoint {
            // An emulator ignores the region, but the SDK refuses to sign without one.
            loader = loader.endpoint_url(endpoint).region(RegionProviderChain::default_provider().or_else("us-east-1"));
        }
        let sdk_config = loader.load().await;
        if sdk_config.region().is_none() {
            return Err(StoreError::Internal("no AWS region configured (set AWS_REGION)".into()));
        }
        Ok(Self::new(Client::new(&sdk_config), cfg.table_name.clone()))
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// Creates the table (pk/sk, GSI `gsi1`, on-demand) if it does not exist, waits until
    /// it is ACTIVE, and enables TTL on `ttl`. Safe to run concurrently and repeatedly.
    pub async fn create_table_if_missing(&self) -> StoreResult<()> {
        let exists = match self.client.describe_table().table_name(&self.table).send().await {
            Ok(_) => true,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => false,
            Err(e) => return Err(classify("DescribeTable", e)),
        };
        if !exists {
            self.create_table().await?;
        }
        self.wait_until_active().await?;
        self.enable_ttl().await
    }

    async fn create_table(&self) -> StoreResult<()> {
        let string_attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build_error)
        };
        let key_element = |name: &str, key_type: KeyType| {
            KeySchemaElement::builder().attribute_name(name).key_type(key_type).build().map_err(build_error)
        };
        let index = GlobalSecondaryIndex::builder()
            .index_name(GSI1)
            .key_schema(key_element(GSI1_PK, KeyType::Hash)?)
            .key_schema(key_element(GSI1_SK, KeyType::Range)?)
            .projection(Projection::builder().projection_type(ProjectionType::All).build())
            .build()
            .map_err(build_error)?;
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(string_attribute(PK)?)
            .attribute_definitions(string_attribute(SK)?)
            .attribute_definitions(string_attribute(GSI1_PK)?)
            .attribute_definitions(string_attribute(GSI1_SK)?)
            .key_schema(key_element(PK, KeyType::Hash)?)
            .key_schema(key_element(SK, KeyType::Range)?)
            .global_secondary_indexes(index)
            .send()
            .await;
        match created {
            Ok(_) => Ok(()),
            // Someone else created it between our describe and create.
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_in_use_exception()) => Ok(()),
            Err(e) => Err(classify("CreateTable", e)),
        }
    }

    /// Polls every 100 ms (the SDK's waiter polls every 20 s) for at most a minute.
    async fn wait_until_active(&self) -> StoreResult<()> {
        for _ in 0..600 {
            let described = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(|e| classify("DescribeTable", e))?;
            let table = described.table();
            let table_active = table.and_then(|t| t.table_status()) == Some(&TableStatus::Active);
            let indexes_active = table
                .map(|t| t.global_secondary_indexes())
                .unwrap_or_default()
                .iter()
                .all(|i| i.index_status().is_none_or(|s| s.as_str() == "ACTIVE"));
            if table_active && indexes_active {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(StoreError::Unavailable(format!("table {} did not become ACTIVE within a minute", self.table)))
    }

    async fn enable_ttl(&self) -> StoreResult<()> {
        let spec = TimeToLiveSpecification::builder().attribute_name(TTL).enabled(true).build().map_err(build_error)?;
        match self.client.update_time_to_live().table_name(&self.table).time_to_live_specification(spec).send().await {
            Ok(_) => Ok(()),
            // "TimeToLive is already enabled": the desired state.
            Err(e)
                if e.as_service_error().is_some_and(|s| {
                    s.code() == Some("ValidationException")
                        && s.message().is_some_and(|m| m.to_ascii_lowercase().contains("already enabled"))
                }) =>
            {
                Ok(())
            }
            Err(e) => Err(classify("UpdateTimeToLive", e)),
        }
    }

    // ---- single-item reads -------------------------------------------------------------

    /// A strongly consistent GetItem.
    async fn get_item(&self, key: Item) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| classify("GetItem", e))?;
        Ok(out.item)
    }

    async fn get_principal(&self, id: PrincipalId) -> StoreResult<Option<Principal>> {
        self.get_item(principal_key(id)).await?.map(decode_principal).transpose()
    }

    /// The principal `id` if it belongs to `org` (tenant isolation: a foreign one is absent).
    async fn get_principal_in(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<Principal>> {
        Ok(self.get_principal(id).await?.filter(|p| p.organization_id() == org))
    }

    async fn get_guard_target<T: std::str::FromStr>(&self, guard_pk: String) -> StoreResult<Option<T>> {
        self.get_item(guard_key(guard_pk)).await?.map(|item| guard_target(&item)).transpose()
    }

    // ---- batches -------------------------------------------------------------------------

    /// Strongly consistent BatchGetItem of `keys` (one request per 100 keys), retrying
    /// unprocessed keys a bounded number of times.
    async fn batch_get(&self, keys: Vec<Item>) -> StoreResult<Vec<Item>> {
        let mut found = Vec::with_capacity(keys.len());
        for chunk in chunks(keys, BATCH_GET_LIMIT) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk))
                    .consistent_read(true)
                    .build()
                    .map_err(build_error)?,
            );
            let mut attempt = 0;
            while let Some(request) = pending.take() {
                if attempt > 0 {
                    if attempt > BATCH_RETRIES {
                        return Err(StoreError::Unavailable(
                            "BatchGetItem: keys left unprocessed after retries".into(),
                        ));
                    }
                    tokio::time::sleep(backoff(attempt)).await;
                }
                attempt += 1;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|e| classify("BatchGetItem", e))?;
                if let Some(mut responses) = out.responses {
                    found.extend(responses.remove(&self.table).unwrap_or_default());
                }
                pending = out.unprocessed_keys.and_then(|mut u| u.remove(&self.table)).filter(|k| !k.keys().is_empty());
            }
        }
        Ok(found)
    }

    // ---- transactions ----------------------------------------------------------------------

    fn tx_put(&self, item: Item, condition: Expr) -> StoreResult<TransactWriteItem> {
        let (names, values) = Expr::merged_placeholders(&[&condition]);
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition.text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// A Put guarded by `attribute_not_exists(pk)`: creates, never overwrites.
    fn tx_create(&self, item: Item) -> StoreResult<TransactWriteItem> {
        self.tx_put(item, not_exists())
    }

    fn tx_update(&self, key: Item, update: Expr, condition: Expr) -> StoreResult<TransactWriteItem> {
        let (names, values) = Expr::merged_placeholders(&[&update, &condition]);
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(update.text)
            .condition_expression(condition.text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    fn tx_delete(&self, key: Item, condition: Option<Expr>) -> StoreResult<TransactWriteItem> {
        let condition = condition.unwrap_or_default();
        let (names, values) = Expr::merged_placeholders(&[&condition]);
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .set_condition_expression((!condition.text.is_empty()).then_some(condition.text))
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    fn tx_check(&self, key: Item, condition: Expr) -> StoreResult<TransactWriteItem> {
        let (names, values) = Expr::merged_placeholders(&[&condition]);
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression(condition.text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// Runs `steps` as one TransactWriteItems. `Ok(Err(meaning))` when the condition of a
    /// step failed (the meaning of the first failing one). A transaction cancelled only by
    /// a concurrent transaction is sent again (its conditions are evaluated afresh), a few
    /// times, then reported as `Contention`.
    async fn transact(
        &self,
        steps: Vec<(TransactWriteItem, OnConditionFailed)>,
    ) -> StoreResult<Result<(), OnConditionFailed>> {
        let (items, meanings): (Vec<_>, Vec<_>) = steps.into_iter().unzip();
        for attempt in 0..=TRANSACTION_CONFLICT_RETRIES {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            let sent = self.client.transact_write_items().set_transact_items(Some(items.clone())).send().await;
            let err = match sent {
                Ok(_) => return Ok(Ok(())),
                Err(err) => err,
            };
            let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = err.as_service_error() else {
                return Err(classify("TransactWriteItems", err));
            };
            match read_cancellation(cancelled.cancellation_reasons().iter().map(|r| r.code())) {
                Cancellation::ConditionFailed(index) => {
                    let meaning = meanings.get(index).copied().ok_or_else(|| {
                        StoreError::Internal("TransactWriteItems: cancellation reason for an unknown item".into())
                    })?;
                    return Ok(Err(meaning));
                }
                Cancellation::Conflict => continue,
                Cancellation::Throttled => {
                    return Err(StoreError::Unavailable("TransactWriteItems: throttled".into()));
                }
                Cancellation::Other(codes) => {
                    return Err(StoreError::Internal(format!("TransactWriteItems cancelled: {codes}")));
                }
            }
        }
        Err(StoreError::Contention)
    }

    // ---- credentials' owners -----------------------------------------------------------------

    /// Why an owner condition failed: the owner is gone, foreign or cannot hold this kind
    /// (`NotFound`), or its epoch moved (`Contention`).
    async fn owner_failure(&self, credential: &CredentialRecord) -> StoreError {
        match self.get_principal_in(credential.organization_id, credential.owner_id).await {
            Ok(Some(owner)) if owner.epoch_for(credential.kind).is_some() => StoreError::Contention,
            Ok(_) => StoreError::NotFound,
            Err(e) => e,
        }
    }

    // ---- lists ------------------------------------------------------------------------------

    /// One Query of `gsi1`. Eventually consistent (GSIs cannot be read consistently):
    /// lists only, never a by-id read.
    async fn query_index_once(
        &self,
        query: &IndexQuery,
        start: Option<Item>,
        limit: usize,
    ) -> StoreResult<(Vec<Item>, Option<Item>)> {
        let mut key_condition =
            Expr::new("#ipk = :ipk").name("#ipk", GSI1_PK).value(":ipk", s(query.partition.clone()));
        if let Some(prefix) = &query.sort_prefix {
            key_condition.text.push_str(" AND begins_with(#isk, :isk)");
            key_condition = key_condition.name("#isk", GSI1_SK).value(":isk", s(prefix.clone()));
        }
        let (names, values) = match &query.filter {
            Some(filter) => Expr::merged_placeholders(&[&key_condition, filter]),
            None => Expr::merged_placeholders(&[&key_condition]),
        };
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression(key_condition.text)
            .set_filter_expression(query.filter.as_ref().map(|f| f.text.clone()))
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .scan_index_forward(!query.newest_first)
            .set_exclusive_start_key(start)
            .limit(i32::try_from(limit.clamp(1, 1000)).unwrap_or(1000))
            .send()
            .await
            .map_err(|e| classify("Query", e))?;
        Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
    }

    /// Up to `max_items` matching items after `query.start_after`, and the position to
    /// continue from when more may follow. Limit applies before the filter in DynamoDB, so
    /// this queries until it holds one item more than asked (proof that more follow) or
    /// the index is exhausted. If the round-trip budget runs out first, the page is short
    /// and `next` is the position of the last item *examined*, so the next page does not
    /// examine the filtered-out ones again.
    async fn query_index_page(&self, query: &IndexQuery, max_items: usize) -> StoreResult<(Vec<Item>, Option<String>)> {
        let wanted = max_items + 1;
        let mut collected: Vec<Item> = Vec::with_capacity(wanted);
        let mut start = query.start_after.clone();
        for _ in 0..MAX_QUERY_CALLS_PER_PAGE {
            let remaining = wanted - collected.len();
            // With a filter, read more per call: most of what is read may be dropped.
            let limit = if query.filter.is_some() { remaining.max(100) } else { remaining };
            let (items, last_evaluated) = self.query_index_once(query, start.take(), limit).await?;
            collected.extend(items);
            if collected.len() >= wanted {
                collected.truncate(max_items);
                let next =
                    collected.last().map(|item| string_attribute(item, GSI1_SK).map(str::to_string)).transpose()?;
                return Ok((collected, next));
            }
            match last_evaluated {
                None => return Ok((collected, None)),
                Some(key) => start = Some(key),
            }
        }
        let next = start.as_ref().map(|key| string_attribute(key, GSI1_SK).map(str::to_string)).transpose()?;
        Ok((collected, next))
    }

    /// Every matching item (bounded by [`MAX_SWEEP_PAGES`]), for housekeeping.
    async fn query_index_all(&self, query: &IndexQuery) -> StoreResult<Vec<Item>> {
        let mut all = Vec::new();
        let mut start = None;
        for _ in 0..MAX_SWEEP_PAGES {
            let (items, last_evaluated) = self.query_index_once(query, start.take(), 1000).await?;
            all.extend(items);
            match last_evaluated {
                None => return Ok(all),
                Some(key) => start = Some(key),
            }
        }
        Err(StoreError::Unavailable("too many credentials to sweep in one go".into()))
    }

    async fn list_principals(
        &self,
        partition: String,
        newest_first: bool,
        page: &PageRequest,
    ) -> StoreResult<(Vec<Principal>, Option<String>)> {
        let start_after = match &page.after {
            None => None,
            Some(after) => {
                let id = position::parse_principal(after)?;
                Some(index_start_key(principal_key(id), &partition, after))
            }
        };
        let query = IndexQuery { partition, sort_prefix: None, filter: None, newest_first, start_after };
        let (items, next) = self.query_index_page(&query, page.max_items).await?;
        let principals = items.into_iter().map(decode_principal).collect::<StoreResult<Vec<_>>>()?;
        Ok((principals, next))
    }

    /// Revokes all access tokens of a user one by one: they have no epoch, so here the
    /// marking is the revocation itself, done within the request.
    async fn revoke_all_access_tokens(
        &self,
        org: OrganizationId,
        owner: PrincipalId,
        revocation: &Revocation,
    ) -> StoreResult<()> {
        match self.get_principal_in(org, owner).await? {
            Some(Principal::User(_)) => {
                let task = SweepTask::all_credentials_of(org, owner, &[CredentialKind::AccessToken], *revocation);
                self.mark_covered(&task).await.map(|_| ())
            }
            _ => Err(StoreError::NotFound),
        }
    }

    /// An UpdateItem on a credential of `org` returning the new record; `None` when the
    /// credential is missing, foreign, or `extra_condition` is false.
    async fn update_credential(
        &self,
        org: OrganizationId,
        id: CredentialId,
        update: Expr,
        extra_condition: Option<Expr>,
    ) -> StoreResult<Option<CredentialRecord>> {
        let mut condition = in_organization(org);
        if let Some(extra) = extra_condition {
            condition = condition.and(extra);
        }
        let (names, values) = Expr::merged_placeholders(&[&update, &condition]);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(credential_key(id)))
            .update_expression(update.text)
            .condition_expression(condition.text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => out
                .attributes
                .map(decode_credential)
                .transpose()?
                .map(Some)
                .ok_or_else(|| StoreError::Internal("UpdateItem returned no attributes".into())),
            Err(e) if is_condition_failure(&e) => Ok(None),
            Err(e) => Err(classify("UpdateItem", e)),
        }
    }
}

/// A query of `gsi1`.
#[derive(Debug, Clone)]
struct IndexQuery {
    /// The `gsi1pk` value.
    partition: String,
    /// `begins_with(gsi1sk, ..)`.
    sort_prefix: Option<String>,
    filter: Option<Expr>,
    newest_first: bool,
    start_after: Option<Item>,
}

/// ExclusiveStartKey for a GSI query: the table key and the index key of the position.
fn index_start_key(mut table_key: Item, partition: &str, position: &str) -> Item {
    table_key.insert(GSI1_PK.into(), s(partition));
    table_key.insert(GSI1_SK.into(), s(position));
    table_key
}

fn not_exists() -> Expr {
    Expr::new("attribute_not_exists(#pk)").name("#pk", PK)
}

/// The item exists and belongs to `org` (principals and credentials carry `organization_id`).
fn in_organization(org: OrganizationId) -> Expr {
    Expr::new("attribute_exists(#pk) AND #org = :org")
        .name("#pk", PK)
        .name("#org", "organization_id")
        .value(":org", s(org.to_string()))
}

/// The serde form of one value, as stored in the items' bodies.
fn attribute<T: Serialize>(value: &T) -> StoreResult<AttributeValue> {
    serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(value)
        .map_err(|e| StoreError::Internal(format!("cannot encode value: {e}")))
}

fn timestamp_attribute(t: &Timestamp) -> StoreResult<AttributeValue> {
    attribute(t)
}

fn step_error(meaning: OnConditionFailed) -> StoreError {
    match meaning {
        OnConditionFailed::Conflict(what) => StoreError::Conflict(what),
        OnConditionFailed::NotFound => StoreError::NotFound,
        OnConditionFailed::LastOwner => StoreError::LastOwner,
        OnConditionFailed::Reread | OnConditionFailed::OwnerCheck => StoreError::Contention,
        OnConditionFailed::DuplicateId => StoreError::Internal("a newly generated id exists already".into()),
    }
}

#[async_trait]
impl OrganizationStore for DynamoDbStore {
    async fn create_organization(
        &self,
        org: &Organization,
        owner: &User,
        first_token: &CredentialRecord,
    ) -> StoreResult<()> {
        let owner_count = u64::from(owner.is_live_owner());
        let steps = vec![
            (self.tx_create(organization_item(org, owner_count)?)?, OnConditionFailed::DuplicateId),
            (
                self.tx_create(guard_item(organization_name_guard_pk(&org.name), org.id))?,
                OnConditionFailed::Conflict("organization"),
            ),
            (self.tx_create(principal_item(&Principal::User(owner.clone()))?)?, OnConditionFailed::DuplicateId),
            (
                self.tx_create(guard_item(email_guard_pk(owner.organization_id, &owner.email), owner.id))?,
                OnConditionFailed::Conflict("email"),
            ),
            (self.tx_create(credential_item(first_token)?)?, OnConditionFailed::DuplicateId),
        ];
        self.transact(steps).await?.map_err(step_error)
    }

    async fn find_organization_by_name(&self, name: &OrganizationName) -> StoreResult<Option<Organization>> {
        let Some(org) = self.get_guard_target::<OrganizationId>(organization_name_guard_pk(name)).await? else {
            return Ok(None);
        };
        self.get_item(organization_key(org)).await?.map(decode_organization).transpose()
    }
}

#[async_trait]
impl UserStore for DynamoDbStore {
    async fn create_user(&self, user: &User, first_token: &CredentialRecord) -> StoreResult<()> {
        let mut steps = vec![
            (self.tx_create(principal_item(&Principal::User(user.clone()))?)?, OnConditionFailed::DuplicateId),
            (
                self.tx_create(guard_item(email_guard_pk(user.organization_id, &user.email), user.id))?,
                OnConditionFailed::Conflict("email"),
            ),
            (self.tx_create(credential_item(first_token)?)?, OnConditionFailed::DuplicateId),
        ];
        let change = crate::domain::LiveOwnerChange::of(None, Some(user));
        steps.extend(self.live_owner_steps(user.organization_id, change, true)?);
        self.transact(steps).await?.map_err(step_error)
    }

    async fn get_user(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<User>> {
        Ok(match self.get_principal_in(org, id).await? {
            Some(Principal::User(u)) => Some(u),
            _ => None,
        })
    }

    async fn find_user_by_email(&self, org: OrganizationId, email: &Email) -> StoreResult<Option<User>> {
        match self.get_guard_target::<PrincipalId>(email_guard_pk(org, email)).await? {
            Some(id) => self.get_user(org, id).await,
            None => Ok(None),
        }
    }

    async fn list_users(&self, org: OrganizationId, page: &PageRequest) -> StoreResult<Page<User>> {
        let (principals, next) = self.list_principals(users_index_pk(org), false, page).await?;
        let items = principals
            .into_iter()
            .map(|p| match p {
                Principal::User(u) if u.organization_id == org => Ok(u),
                _ => Err(StoreError::Internal("a non-user item in the users index".into())),
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page { items, next })
    }

    async fn update_user(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        update: &UserUpdate,
        check: UserChangeCheck,
    ) -> StoreResult<User> {
        self.update_user_checked(org, id, update, &check).await
    }

    async fn delete_user(&self, org: OrganizationId, id: PrincipalId, revocation: Revocation) -> StoreResult<()> {
        self.delete_user_guarded(org, id, revocation).await
    }
}

#[async_trait]
impl ServiceAccountStore for DynamoDbStore {
    async fn create_service_account(&self, account: &ServiceAccount, first_key: &CredentialRecord) -> StoreResult<()> {
        let steps = vec![
            (
                self.tx_create(principal_item(&Principal::ServiceAccount(account.clone()))?)?,
                OnConditionFailed::DuplicateId,
            ),
            (
                self.tx_create(guard_item(
                    service_account_name_guard_pk(account.organization_id, &account.name),
                    account.id,
                ))?,
                OnConditionFailed::Conflict("service account"),
            ),
            (self.tx_create(credential_item(first_key)?)?, OnConditionFailed::DuplicateId),
        ];
        self.transact(steps).await?.map_err(step_error)
    }

    async fn get_service_account(&self, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<ServiceAccount>> {
        Ok(match self.get_principal_in(org, id).await? {
            Some(Principal::ServiceAccount(a)) => Some(a),
            _ => None,
        })
    }

    async fn find_service_account_by_name(
        &self,
        org: OrganizationId,
        name: &ServiceAccountName,
    ) -> StoreResult<Option<ServiceAccount>> {
        match self.get_guard_target::<PrincipalId>(service_account_name_guard_pk(org, name)).await? {
            Some(id) => self.get_service_account(org, id).await,
            None => Ok(None),
        }
    }

    async fn list_service_accounts(
        &self,
        org: OrganizationId,
        page: &PageRequest,
    ) -> StoreResult<Page<ServiceAccount>> {
        let (principals, next) = self.list_principals(service_accounts_index_pk(org), true, page).await?;
        let items = principals
            .into_iter()
            .map(|p| match p {
                Principal::ServiceAccount(a) if a.organization_id == org => Ok(a),
                _ => Err(StoreError::Internal("a non-service-account item in the service accounts index".into())),
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page { items, next })
    }

    async fn delete_service_account(
        &self,
        org: OrganizationId,
        id: PrincipalId,
        revocation: Revocation,
    ) -> StoreResult<()> {
        let account = self.get_service_account(org, id).await?.ok_or(StoreError::NotFound)?;
        let task = SweepTask::all_credentials_of(org, id, &[CredentialKind::ApiKey], revocation);
        let steps = vec![
            (self.tx_delete(principal_key(id), Some(in_organization(org)))?, OnConditionFailed::NotFound),
            (
                self.tx_delete(guard_key(service_account_name_guard_pk(org, &account.name)), None)?,
                OnConditionFailed::NotFound,
            ),
            self.tx_record_sweep(&task)?,
        ];
        self.transact(steps).await?.map_err(step_error)?;
        self.sweep(&task).await;
        Ok(())
    }
}

#[async_trait]
impl CredentialStore for DynamoDbStore {
    async fn issue_credential(&self, credential: &CredentialRecord) -> StoreResult<()> {
        let mut owner_condition = in_organization(credential.organization_id).and(
            Expr::new("#type = :type").name("#type", "principal_type").value(":type", s(holder_type(credential.kind))),
        );
        if let Some(epoch_attr) = epoch_attribute(credential.kind) {
            owner_condition = owner_condition
                .and(Expr::new("#epoch = :epoch").name("#epoch", epoch_attr).value(":epoch", n(credential.epoch)));
        }
        let steps = vec![
            (self.tx_check(principal_key(credential.owner_id), owner_condition)?, OnConditionFailed::OwnerCheck),
            (self.tx_create(credential_item(credential)?)?, OnConditionFailed::DuplicateId),
        ];
        match self.transact(steps).await? {
            Ok(()) => Ok(()),
            Err(OnConditionFailed::OwnerCheck) => Err(self.owner_failure(credential).await),
            Err(other) => Err(step_error(other)),
        }
    }

    async fn rotate_credentials(&self, credential: &CredentialRecord, revocation: Revocation) -> StoreResult<()> {
        if credential.kind == CredentialKind::CliToken {
            let task = SweepTask::after_epoch_bump(
                credential.organization_id,
                credential.owner_id,
                credential.kind,
                credential.epoch,
                revocation,
            );
            self.rotate_cli_tokens(credential, &task).await?;
            self.sweep(&task).await;
            return Ok(());
        }
        let epoch_attr = epoch_attribute(credential.kind)
            .ok_or_else(|| StoreError::Internal("access tokens have no epoch to rotate".into()))?;
        let previous = credential
            .epoch
            .checked_sub(1)
            .ok_or_else(|| StoreError::Internal("a rotated credential's epoch must follow an existing one".into()))?;
        let owner_step = self.tx_update(
            principal_key(credential.owner_id),
            Expr::new("SET #epoch = :epoch").name("#epoch", epoch_attr).value(":epoch", n(credential.epoch)),
            in_organization(credential.organization_id).and(
                Expr::new("#type = :type AND #epoch = :previous")
                    .name("#type", "principal_type")
                    .name("#epoch", epoch_attr)
                    .value(":type", s(holder_type(credential.kind)))
                    .value(":previous", n(previous)),
            ),
        )?;
        let task = SweepTask::after_epoch_bump(
            credential.organization_id,
            credential.owner_id,
            credential.kind,
            credential.epoch,
            revocation,
        );
        let steps = vec![
            (owner_step, OnConditionFailed::OwnerCheck),
            (self.tx_create(credential_item(credential)?)?, OnConditionFailed::DuplicateId),
            self.tx_record_sweep(&task)?,
        ];
        match self.transact(steps).await? {
            Ok(()) => {}
            Err(OnConditionFailed::OwnerCheck) => return Err(self.owner_failure(credential).await),
            Err(other) => return Err(step_error(other)),
        }
        self.sweep(&task).await;
        Ok(())
    }

    async fn revoke_all_credentials(
        &self,
        org: OrganizationId,
        owner: PrincipalId,
        kind: CredentialKind,
        revocation: Revocation,
        keep_an_owner: bool,
    ) -> StoreResult<()> {
        let Some(epoch_attr) = epoch_attribute(kind) else {
            return self.revoke_all_access_tokens(org, owner, &revocation).await;
        };
        if kind == CredentialKind::CliToken {
            return self.revoke_all_cli_tokens(org, owner, revocation, keep_an_owner).await;
        }
        // API keys: a service account counts in no last-owner guard.
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let principal = self.get_principal_in(org, owner).await?.ok_or(StoreError::NotFound)?;
            let current = principal.epoch_for(kind).ok_or(StoreError::NotFound)?;
            let next = current + 1;
            // Conditioned on the epoch read, so we know which one we set.
            let condition = in_organization(org)
                .and(Expr::new("#epoch = :current").name("#epoch", epoch_attr).value(":current", n(current)));
            let owner_step = self.tx_update(
                principal_key(owner),
                Expr::new("SET #epoch = :next").name("#epoch", epoch_attr).value(":next", n(next)),
                condition,
            )?;
            let task = SweepTask::after_epoch_bump(org, owner, kind, next, revocation);
            let steps = vec![(owner_step, OnConditionFailed::Reread), self.tx_record_sweep(&task)?];
            match self.transact(steps).await? {
                Ok(()) => {
                    self.sweep(&task).await;
                    return Ok(());
                }
                Err(OnConditionFailed::Reread) => continue,
                Err(other) => return Err(step_error(other)),
            }
        }
        Err(StoreError::Contention)
    }

    async fn revoke_credential(
        &self,
        org: OrganizationId,
        id: CredentialId,
        revocation: Revocation,
    ) -> StoreResult<CredentialRecord> {
        let update = Expr::new("SET #revoked = :revoked, #purge = :purge, #ttl = :ttl")
            .name("#revoked", "revoked_at")
            .name("#purge", "purge_at")
            .name("#ttl", TTL)
            .value(":revoked", timestamp_attribute(&revocation.at)?)
            .value(":purge", timestamp_attribute(&revocation.purge_at)?)
            .value(":ttl", n(ttl_seconds(&revocation.purge_at)));
        let not_revoked = Expr::new("attribute_not_exists(#revoked)").name("#revoked", "revoked_at");
        if let Some(record) = self.update_credential(org, id, update, Some(not_revoked)).await? {
            return Ok(record);
        }
        // Missing, foreign, or revoked already (then its first revocation stands).
        match self.get_credential(org, id).await? {
            Some(record) if record.revoked_at.is_some() => Ok(record),
            Some(_) => Err(StoreError::Contention),
            None => Err(StoreError::NotFound),
        }
    }

    async fn get_credential(&self, org: OrganizationId, id: CredentialId) -> StoreResult<Option<CredentialRecord>> {
        Ok(self
            .get_item(credential_key(id))
            .await?
            .map(decode_credential)
            .transpose()?
            .filter(|c| c.organization_id == org))
    }

    async fn set_credential_description(
        &self,
        org: OrganizationId,
        id: CredentialId,
        description: Option<&Description>,
    ) -> StoreResult<CredentialRecord> {
        let update = match description {
            Some(d) => Expr::new("SET #description = :description")
                .name("#description", "description")
                .value(":description", attribute(d)?),
            None => Expr::new("REMOVE #description").name("#description", "description"),
        };
        self.update_credential(org, id, update, None).await?.ok_or(StoreError::NotFound)
    }

    async fn list_credentials(
        &self,
        org: OrganizationId,
        filter: &CredentialFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<CredentialRecord>> {
        let partition = credentials_index_pk(org, filter.kind);
        let start_after = match &page.after {
            None => None,
            Some(after) => {
                let (owner, id) = position::parse_credential(after)?;
                // A position outside the owner filter cannot come from this list.
                if filter.owner.is_some_and(|o| o != owner) {
                    return Err(StoreError::InvalidPosition);
                }
                Some(index_start_key(credential_key(id), &partition, after))
            }
        };
        let mut conditions = Expr::default();
        if let Some(last_six) = &filter.last_six {
            conditions = conditions.and(
                Expr::new("#last_six = :last_six")
                    .name("#last_six", "last_six")
                    .value(":last_six", s(last_six.clone())),
            );
        }
        if !filter.include_inactive {
            conditions = conditions.and(
                Expr::new("attribute_not_exists(#revoked) AND (attribute_not_exists(#expires) OR #expires > :now)")
                    .name("#revoked", "revoked_at")
                    .name("#expires", EXPIRES_AT_US)
                    .value(":now", n(epoch_micros(&filter.now))),
            );
        }
        let query = IndexQuery {
            partition,
            sort_prefix: filter.owner.map(credentials_of_owner_prefix),
            filter: (!conditions.text.is_empty()).then_some(conditions),
            newest_first: true,
            start_after,
        };
        let (items, next) = self.query_index_page(&query, page.max_items).await?;
        let items = items
            .into_iter()
            .map(decode_credential)
            .collect::<StoreResult<Vec<_>>>()?
            .into_iter()
            .filter(|c| c.organization_id == org)
            .collect();
        Ok(Page { items, next })
    }

    async fn get_principals(&self, org: OrganizationId, ids: &[PrincipalId]) -> StoreResult<Vec<Principal>> {
        let mut seen = HashSet::new();
        let keys: Vec<Item> = ids.iter().filter(|id| seen.insert(**id)).map(|id| principal_key(*id)).collect();
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let principals =
            self.batch_get(keys).await?.into_iter().map(decode_principal).collect::<StoreResult<Vec<_>>>()?;
        Ok(principals.into_iter().filter(|p| p.organization_id() == org).collect())
    }
}

#[async_trait]
impl Housekeeping for DynamoDbStore {
    async fn complete_pending_sweeps(&self) -> StoreResult<usize> {
        self.complete_pending().await
    }

    async fn backfill_identity(&self, now: Timestamp) -> StoreResult<usize> {
        self.backfill_users(now).await
    }
}

#[async_trait]
impl CredentialLookup for DynamoDbStore {
    async fn lookup_credential_and_owner(
        &self,
        owner: PrincipalId,
        credential: CredentialId,
    ) -> StoreResult<(Option<CredentialRecord>, Option<Principal>)> {
        let credential_pk_value = s(credential_pk(credential));
        let mut found_credential = None;
        let mut found_owner = None;
        for item in self.batch_get(vec![credential_key(credential), principal_key(owner)]).await? {
            if item.get(PK) == Some(&credential_pk_value) {
                found_credential = Some(decode_credential(item)?);
            } else {
                found_owner = Some(decode_principal(item)?);
            }
        }
        Ok((found_credential, found_owner))
    }

    async fn record_last_used(
        &self,
        credential: CredentialId,
        at: Timestamp,
        unless_used_since: Timestamp,
    ) -> StoreResult<()> {
        // Numbers, not the RFC 3339 strings: those do not compare like the times.
        let update = Expr::new("SET #last_used = :at, #last_used_us = :at_us")
            .name("#last_used", "last_used_at")
            .name("#last_used_us", LAST_USED_AT_US)
            .value(":at", timestamp_attribute(&at)?)
            .value(":at_us", n(epoch_micros(&at)));
        let condition =
            Expr::new("attribute_exists(#pk) AND (attribute_not_exists(#last_used_us) OR #last_used_us <= :since_us)")
                .name("#pk", PK)
                .name("#last_used_us", LAST_USED_AT_US)
                .value(":since_us", n(epoch_micros(&unless_used_since)));
        let (names, values) = Expr::merged_placeholders(&[&update, &condition]);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(credential_key(credential)))
            .update_expression(update.text)
            .condition_expression(condition.text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Ok(()),
            Err(e) => Err(classify("UpdateItem", e)),
        }
    }
}

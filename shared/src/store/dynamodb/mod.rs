//! DynamoDB implementation of [`crate::store::Store`]: one table, one GSI, TTL purging.
//! The layout, and what each method costs in round trips, is in `infra/dynamodb-layout.md`.
//!
//! Uniqueness (organization names, emails, service-account names) is kept by guard items
//! created with `attribute_not_exists(pk)` in the same transaction as what they guard.
//! Bulk revocation bumps an epoch on the owner's item; marking the old credentials
//! revoked afterwards ("sweep") is housekeeping whose failures are logged, not returned.

mod admin;
mod audit;
mod backfill;
mod batch;
mod client;
mod credentials;
mod housekeeping;
mod items;
mod keys;
mod leaks;
mod lookup;
mod organizations;
mod owners;
mod policy;
mod query;
mod requests;
mod roll;
mod service_accounts;
mod stream;
mod sweep;
#[cfg(test)]
mod tests;
mod transact;
mod users;

pub use client::{build_client, environment_client, request_limits};
pub use stream::audit_event_in_image;

use crate::clock::Timestamp;
use crate::config::Config;
use crate::domain::{
    AuditContext, CredentialId, CredentialKind, CredentialRecord, Description, Email, Epoch, Organization,
    OrganizationId, OrganizationName, PermissionLevel, Principal, PrincipalId, PrincipalType, Revocation,
    RevokedReason, ServiceAccount, ServiceAccountName, SweepTask, User,
};
use crate::store::{
    CredentialFilter, CredentialLookup, CredentialStore, Housekeeping, OrganizationStore, Page, PageRequest,
    ServiceAccountStore, StoreError, StoreResult, UserChangeCheck, UserStore, UserUpdate, position,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use items::*;
use keys::*;
use query::{IndexQuery, index_start_key};
use requests::*;
use serde::Serialize;
use transact::step_error;

/// How often an operation that read before writing re-reads when the state moved
/// underneath, before answering `Contention`.
const OPTIMISTIC_ATTEMPTS: u32 = 3;

/// The deployed store. Cheap to clone (the SDK client is shared).
#[derive(Debug, Clone)]
pub struct DynamoDbStore {
    client: Client,
    table: String,
    /// `ORG_POLICY_COPIES`: how many items carry each organization's policy (policy.rs).
    policy_copies: u32,
}

impl DynamoDbStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into(), policy_copies: Config::default().org_policy_copies }
    }

    /// This store with `copies` policy copies per organization (the table's fixed number).
    pub fn with_policy_copies(self, copies: u32) -> Self {
        Self { policy_copies: copies.max(1), ..self }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// This store (same table, same policy copies) through another client: the same client
    /// with an interceptor, in tests.
    pub fn with_client(&self, client: Client) -> Self {
        Self { client, ..self.clone() }
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

/// The principal item may hold credentials of `kind` (placeholders `#type`, `:type`): the
/// domain's rule, [`CredentialKind::holder`].
fn may_hold(kind: CredentialKind) -> Expr {
    Expr::new("#type = :type").name("#type", PRINCIPAL_TYPE).value(":type", s(kind.holder().as_str()))
}

/// The serde form of one value, as stored in the items' bodies.
fn attribute<T: Serialize>(value: &T) -> StoreResult<AttributeValue> {
    serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(value)
        .map_err(|e| StoreError::internal_from("cannot encode a value", e))
}

fn timestamp_attribute(t: &Timestamp) -> StoreResult<AttributeValue> {
    attribute(t)
}

/// `SET revoked_at, revoked_reason, purge_at, ttl`: what a revocation writes on a credential
/// item, whether one revoke or a sweep's marking.
fn revocation_update(revocation: &Revocation) -> StoreResult<Expr> {
    Ok(Expr::new("SET #revoked = :revoked, #reason = :reason, #purge = :purge, #ttl = :ttl")
        .name("#revoked", "revoked_at")
        .name("#reason", "revoked_reason")
        .name("#purge", "purge_at")
        .name("#ttl", TTL)
        .value(":reason", attribute(&revocation.reason)?)
        .value(":revoked", timestamp_attribute(&revocation.at)?)
        .value(":purge", timestamp_attribute(&revocation.purge_at)?)
        .value(":ttl", n(ttl_seconds(&revocation.purge_at))))
}

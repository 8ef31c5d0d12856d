//! The organization's policy as the authorizer reads it (SPEC section 11): `policy_copies`
//! identical items per organization (`OPOL#<org>#<n>` / `Y`), written in the same
//! transaction as the organization's creation and every policy change, and read one at
//! random in the authorizer's BatchGetItem. DynamoDB serves about 3,000 strongly consistent
//! reads a second per item; spread over the copies, no single item carries an
//! organization's whole traffic.
//!
//! Each copy carries the organization's `policy_version`; a copy is only ever replaced by
//! a newer version, so a slow writer never rolls one back. A copy that is missing is never
//! read as "no policy": the authorizer fails (503) instead.
//!
//! Older organizations get their copies from a one-time backfill (a Scan of organization
//! items, a marker item when done), run with the identity backfill.

use super::*;
use crate::domain::OrganizationPolicy;

/// The marker of the copies' backfill.
const MARKER: &str = "backfill-policy-copies-v1";

pub fn policy_copy_key(org: OrganizationId, copy: u32) -> Item {
    key(format!("OPOL#{org}#{copy}"), SK_POLICY_COPY)
}

fn policy_copy_item(org: OrganizationId, copy: u32, policy: &OrganizationPolicy, version: u64) -> StoreResult<Item> {
    let mut item = policy_copy_key(org, copy);
    item.insert("organization_id".into(), s(org.to_string()));
    item.insert(POLICY.into(), attribute(policy)?);
    item.insert(POLICY_VERSION.into(), n(version));
    Ok(item)
}

pub fn decode_policy_copy(item: &Item) -> StoreResult<(OrganizationId, OrganizationPolicy)> {
    let org = match item.get("organization_id") {
        Some(AttributeValue::S(raw)) => {
            raw.parse().map_err(|e| StoreError::internal_from("a policy copy's organization_id", e))?
        }
        _ => return Err(StoreError::internal("a policy copy without organization_id")),
    };
    let policy = match item.get(POLICY) {
        Some(value) => serde_dynamo::aws_sdk_dynamodb_1::from_attribute_value(value.clone())
            .map_err(|e| StoreError::internal_from("cannot decode a policy copy", e))?,
        None => OrganizationPolicy::default(),
    };
    Ok((org, policy))
}

impl DynamoDbStore {
    /// One copy of `org`'s policy, chosen at random: the key the authorizer reads.
    pub(super) fn any_policy_copy_key(&self, org: OrganizationId) -> Item {
        policy_copy_key(org, rand::random_range(0..self.policy_copies))
    }

    /// The Puts of every copy of `policy` at `version`, for the transaction that writes the
    /// organization's policy at that version.
    pub(super) fn tx_policy_copies(
        &self,
        org: OrganizationId,
        policy: &OrganizationPolicy,
        version: u64,
    ) -> StoreResult<Vec<(TransactWriteItem, OnConditionFailed)>> {
        (0..self.policy_copies)
            .map(|copy| {
                let newer_only = Expr::new("attribute_not_exists(#pk) OR #version < :version")
                    .name("#pk", PK)
                    .name("#version", POLICY_VERSION)
                    .value(":version", n(version));
                Ok((self.tx_put(policy_copy_item(org, copy, policy, version)?, newer_only)?, OnConditionFailed::Reread))
            })
            .collect()
    }

    /// The copies of every organization created before they existed: a Scan, once (a
    /// marker records completion). Each organization's copies are written conditioned on its
    /// policy version as read, so a concurrent policy change wins and is not rolled back.
    /// Returns how many organizations it wrote copies for.
    pub(super) async fn backfill_policy_copies(&self, now: Timestamp) -> StoreResult<usize> {
        if self.get_item(marker_key(MARKER)).await?.is_some() {
            return Ok(0);
        }
        let filter = Expr::new("#sk = :organization").name("#sk", SK).value(":organization", s(SK_ORGANIZATION));
        let mut written = 0;
        let mut start = None;
        loop {
            let (items, next) = self.scan_once(&filter, start.take(), None, true).await?;
            for item in items {
                let version = organization_policy_version(&item)?;
                let org = decode_organization(item)?;
                let as_read = match version {
                    0 => Expr::new("attribute_not_exists(#version)").name("#version", POLICY_VERSION),
                    v => Expr::new("#version = :read").name("#version", POLICY_VERSION).value(":read", n(v)),
                };
                let mut steps = vec![(
                    self.tx_check(
                        organization_key(org.id),
                        Expr::new("attribute_exists(#pk)").name("#pk", PK).and(as_read),
                    )?,
                    OnConditionFailed::Reread,
                )];
                steps.extend(self.tx_policy_copies(org.id, &org.policy, version)?);
                // A lost condition: the organization changed (its change wrote the copies),
                // is gone, or has its copies already.
                if self.transact(steps).await?.is_ok() {
                    written += 1;
                }
            }
            match next {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        self.mark_upgrade_done(MARKER, now).await?;
        if written > 0 {
            tracing::info!(organizations = written, "backfilled the organizations' policy copies");
        }
        Ok(written)
    }
}

/// The organization item's `policy_version` (0 before its first policy change).
pub fn organization_policy_version(item: &Item) -> StoreResult<u64> {
    item.get(POLICY_VERSION).map(|_| number_attribute(item, POLICY_VERSION)).transpose().map(|v| v.unwrap_or(0))
}

//! Items <-> domain types. The domain types' serde form is the item body (via
//! `serde_dynamo`); key, index, TTL and sortable attributes are added beside it and are
//! ignored on the way back.

use super::keys::*;
use crate::clock::Timestamp;
use crate::domain::{CredentialRecord, Organization, Principal};
use crate::store::{StoreError, StoreResult, position};
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

pub type Item = HashMap<String, AttributeValue>;

/// The serde form of `value` as an item, without `None` fields: an absent attribute (not a
/// NULL one) is what `attribute_not_exists(..)` conditions and filters test for.
fn body<T: Serialize>(what: &str, value: &T) -> StoreResult<Item> {
    let mut item: Item = serde_dynamo::aws_sdk_dynamodb_1::to_item(value)
        .map_err(|e| StoreError::internal_from(format!("cannot encode {what}"), e))?;
    item.retain(|_, v| !matches!(v, AttributeValue::Null(_)));
    Ok(item)
}

fn decode<T: DeserializeOwned>(what: &str, item: Item) -> StoreResult<T> {
    // The serde error (the source) names the field, never its value's content for our types.
    serde_dynamo::aws_sdk_dynamodb_1::from_item(item)
        .map_err(|e| StoreError::internal_from(format!("corrupt {what} item"), e))
}

/// Microseconds since the epoch: sorts and compares like the time it names.
pub fn epoch_micros(t: &Timestamp) -> i64 {
    t.timestamp_micros()
}

/// The TTL attribute's value: the purge time in whole epoch seconds.
pub fn ttl_seconds(purge_at: &Timestamp) -> i64 {
    purge_at.timestamp()
}

pub fn organization_item(org: &Organization, owner_count: u64) -> StoreResult<Item> {
    let mut item = body("organization", org)?;
    item.extend(organization_key(org.id));
    item.insert(OWNER_COUNT.into(), n(owner_count));
    Ok(item)
}

pub fn decode_organization(item: Item) -> StoreResult<Organization> {
    decode("organization", item)
}

pub fn principal_item(principal: &Principal) -> StoreResult<Item> {
    let mut item = body("principal", principal)?;
    item.extend(principal_key(principal.id()));
    let (index_pk, index_sk) = match principal {
        Principal::User(u) => (users_index_pk(u.organization_id), position::of_user(u)),
        Principal::ServiceAccount(a) => (service_accounts_index_pk(a.organization_id), position::of_service_account(a)),
    };
    item.insert(GSI1_PK.into(), s(index_pk));
    item.insert(GSI1_SK.into(), s(index_sk));
    Ok(item)
}

pub fn decode_principal(item: Item) -> StoreResult<Principal> {
    decode("principal", item)
}

pub fn credential_item(credential: &CredentialRecord) -> StoreResult<Item> {
    let mut item = body("credential", credential)?;
    item.extend(credential_key(credential.id));
    item.insert(GSI1_PK.into(), s(credentials_index_pk(credential.organization_id, credential.kind)));
    item.insert(GSI1_SK.into(), s(position::of_credential(credential)));
    if let Some(purge_at) = &credential.purge_at {
        item.insert(TTL.into(), n(ttl_seconds(purge_at)));
    }
    if let Some(expires_at) = &credential.expires_at {
        item.insert(EXPIRES_AT_US.into(), n(epoch_micros(expires_at)));
    }
    if let Some(last_used_at) = &credential.last_used_at {
        item.insert(LAST_USED_AT_US.into(), n(epoch_micros(last_used_at)));
    }
    Ok(item)
}

pub fn decode_credential(item: Item) -> StoreResult<CredentialRecord> {
    decode("credential", item)
}

pub fn guard_item(guard_pk: String, target: impl std::fmt::Display) -> Item {
    let mut item = guard_key(guard_pk);
    item.insert(GUARD_TARGET.into(), s(target.to_string()));
    item
}

pub fn guard_target<T: std::str::FromStr>(item: &Item) -> StoreResult<T> {
    match item.get(GUARD_TARGET) {
        Some(AttributeValue::S(id)) => id.parse().map_err(|_| StoreError::internal("corrupt guard item: bad target")),
        _ => Err(StoreError::internal("corrupt guard item: no target")),
    }
}

/// A Number attribute as a whole number (a missing or malformed one is a corrupt item).
pub fn number_attribute(item: &Item, name: &str) -> StoreResult<u64> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => {
            v.parse().map_err(|_| StoreError::internal(format!("corrupt item: {name} is not a count")))
        }
        _ => Err(StoreError::internal(format!("corrupt item: no {name}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use chrono::{Duration, TimeZone, Utc};

    fn credential(expires: bool) -> CredentialRecord {
        let created = Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap();
        let expires_at = expires.then(|| created + Duration::days(30));
        CredentialRecord {
            id: CredentialId::new_random(),
            organization_id: OrganizationId::new_random(),
            kind: CredentialKind::AccessToken,
            owner_id: PrincipalId::new_random(),
            owner_email: Email::parse("a@example.com").unwrap(),
            secret_hash: SecretHash::from_digest([7; 32]),
            last_six: "abcdef".into(),
            epoch: 0,
            description: None,
            created_at: created,
            created_by: None,
            expires_at,
            revoked_at: None,
            last_used_at: None,
            purge_at: CredentialRecord::purge_time_for_expiry(expires_at, Duration::days(90)),
            scopes: None,
            lifecycle: Default::default(),
            superseded_until: None,
            allowed_ip_ranges: Default::default(),
        }
    }

    #[test]
    fn ttl_is_the_purge_time_in_epoch_seconds() {
        let c = credential(true);
        let item = credential_item(&c).unwrap();
        let purge = c.expires_at.unwrap() + Duration::days(90);
        assert_eq!(item.get(TTL), Some(&AttributeValue::N(purge.timestamp().to_string())));
        assert_eq!(ttl_seconds(&Utc.timestamp_opt(1_700_000_000, 999_999_000).unwrap()), 1_700_000_000);
    }

    #[test]
    fn never_expiring_credentials_have_no_ttl_and_no_null_attributes() {
        let item = credential_item(&credential(false)).unwrap();
        assert!(!item.contains_key(TTL));
        assert!(!item.contains_key("revoked_at"));
        assert!(!item.contains_key(EXPIRES_AT_US));
        assert!(item.values().all(|v| !matches!(v, AttributeValue::Null(_))));
    }

    #[test]
    fn credential_items_round_trip() {
        let mut c = credential(true);
        c.description = Some(Description::parse("ci").unwrap());
        c.last_used_at = Some(c.created_at + Duration::microseconds(1500));
        let item = credential_item(&c).unwrap();
        assert_eq!(item.get(PK), Some(&s(format!("C#{}", c.id))));
        assert_eq!(item.get(GSI1_SK), Some(&s(position::of_credential(&c))));
        assert_eq!(decode_credential(item).unwrap(), c);
    }

    #[test]
    fn serde_timestamps_do_not_sort_but_micros_do() {
        // Why the *_us twins exist: chrono drops trailing zero fractions.
        let whole = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let later = whole + Duration::milliseconds(500);
        let as_json = |t: &Timestamp| serde_json::to_string(t).unwrap();
        assert!(as_json(&whole) > as_json(&later), "{} vs {}", as_json(&whole), as_json(&later));
        assert!(epoch_micros(&whole) < epoch_micros(&later));
    }

    #[test]
    fn principals_round_trip_with_their_tag() {
        let u = User {
            id: PrincipalId::new_random(),
            organization_id: OrganizationId::new_random(),
            email: Email::parse("b@example.com").unwrap(),
            name: "B".into(),
            permission_level: PermissionLevel::Owner,
            roles: Roles::new([Role::TokenCreator]),
            created_at: Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap(),
            created_by: None,
            cli_token_epoch: 3,
            owner_since: Some(Utc.with_ymd_and_hms(2025, 2, 3, 4, 5, 6).unwrap()),
            cli_token_live: false,
            suspended: true,
            cli_token_grace_until: None,
        };
        let p = Principal::User(u.clone());
        let item = principal_item(&p).unwrap();
        assert_eq!(item.get("principal_type"), Some(&s("user")));
        assert_eq!(item.get(GSI1_PK), Some(&s(users_index_pk(u.organization_id))));
        assert_eq!(decode_principal(item).unwrap(), p);
    }
}

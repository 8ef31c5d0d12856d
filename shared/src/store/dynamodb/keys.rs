//! Key and attribute names of the single table (layout: `infra/dynamodb-layout.md`).
//!
//! Every partition key starts with a short type prefix, so item types can never collide
//! and a raw item tells what it is.

use crate::domain::{
    CredentialId, CredentialKind, Email, OrganizationId, OrganizationName, PrincipalId, ServiceAccountName,
};
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
/// The table's TTL attribute: purge time in epoch seconds (not the API's `expires_at`).
pub const TTL: &str = "ttl";
/// On the organization item: how many of its USERS are live owners (`User::is_live_owner`:
/// OWNER with a live CLI token), the last-owner guard's count.
pub const OWNER_COUNT: &str = "owner_count";
/// On the organization item: its policy (SPEC section 11; absent: the default), and a counter
/// of its changes, which each change is conditioned on.
pub const POLICY: &str = "policy";
pub const POLICY_VERSION: &str = "policy_version";
/// On principal items: the tag of `Principal`'s serde form (`PrincipalType::as_str`), which
/// says whether the item may hold a credential kind (`CredentialKind::holder`).
pub const PRINCIPAL_TYPE: &str = "principal_type";
/// Uniqueness guards: the id of what they guard.
pub const GUARD_TARGET: &str = "target_id";
/// Sortable twins of RFC 3339 fields. chrono's serde form has a variable number of
/// fraction digits, so the strings do not compare like the times; conditions and filters
/// compare these Numbers (microseconds since the epoch) instead.
pub const EXPIRES_AT_US: &str = "expires_at_us";
pub const LAST_USED_AT_US: &str = "last_used_at_us";
/// On credential items: when the expiry notice was written (each credential gets one).
pub const EXPIRY_NOTICED_AT: &str = "expiry_noticed_at";

/// Sort-key values, one per item type.
pub const SK_ORGANIZATION: &str = "O";
pub const SK_PRINCIPAL: &str = "P";
pub const SK_CREDENTIAL: &str = "C";
pub const SK_GUARD: &str = "U";
pub const SK_MARKER: &str = "M";
/// The sort key of the organization's policy copies (`OPOL#<org>#<n>`, `dynamodb/policy.rs`).
pub const SK_POLICY_COPY: &str = "Y";

pub fn organization_pk(org: OrganizationId) -> String {
    format!("O#{org}")
}
pub fn principal_pk(id: PrincipalId) -> String {
    format!("P#{id}")
}
pub fn credential_pk(id: CredentialId) -> String {
    format!("C#{id}")
}
pub fn organization_name_guard_pk(name: &OrganizationName) -> String {
    format!("ORGNAME#{}", name.unique_key())
}
pub fn email_guard_pk(org: OrganizationId, email: &Email) -> String {
    format!("EMAIL#{org}#{email}")
}
pub fn service_account_name_guard_pk(org: OrganizationId, name: &ServiceAccountName) -> String {
    format!("SANAME#{org}#{name}")
}

/// How many partitions each audit-event family is spread over (the event id picks one): one
/// organization's audit writes are never bound to one partition's write limit.
pub const AUDIT_SHARDS: u8 = 4;
/// On audit items: `audit_event` on the primary item (what the table's stream forwards),
/// `audit_copy` on the copies that serve the filters.
pub const ITEM_TYPE: &str = "item_type";
pub const AUDIT_EVENT_ITEM: &str = "audit_event";
pub const AUDIT_COPY_ITEM: &str = "audit_copy";
/// On audit items: the whole event (its JSON), what reads and the stream decode.
pub const AUDIT_BODY: &str = "event";
pub const TIME_US: &str = "time_us";

/// Which family of audit partitions: every event is in `All`; the others hold copies of
/// the events with that action, actor or target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditPartition {
    All,
    Action(String),
    Actor(String),
    Target(String),
}

/// `AUDIT#<org>#<family>#<shard>`: every audit item's key starts with `AUDIT#` (the IAM deny on
/// updates and deletes names that prefix).
pub fn audit_pk(org: OrganizationId, family: &AuditPartition, shard: u8) -> String {
    match family {
        AuditPartition::All => format!("AUDIT#{org}#all#{shard}"),
        AuditPartition::Action(a) => format!("AUDIT#{org}#action={a}#{shard}"),
        AuditPartition::Actor(id) => format!("AUDIT#{org}#actor={id}#{shard}"),
        AuditPartition::Target(id) => format!("AUDIT#{org}#target={id}#{shard}"),
    }
}

/// The shard of an event: from its id's last (random) byte.
pub fn audit_shard(id: &uuid::Uuid) -> u8 {
    id.as_bytes()[15] % AUDIT_SHARDS
}

pub fn users_index_pk(org: OrganizationId) -> String {
    format!("ORG#{org}#USERS")
}
pub fn service_accounts_index_pk(org: OrganizationId) -> String {
    format!("ORG#{org}#SAS")
}
pub fn credentials_index_pk(org: OrganizationId, kind: CredentialKind) -> String {
    format!("ORG#{org}#CRED#{}", kind.as_str())
}
/// Prefix of every credential position of one owner (see `store::position::of_credential`).
pub fn credentials_of_owner_prefix(owner: PrincipalId) -> String {
    format!("{owner}#")
}

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}
pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// The primary key of an item.
pub fn key(pk: String, sk: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([(PK.to_string(), s(pk)), (SK.to_string(), s(sk))])
}
pub fn organization_key(org: OrganizationId) -> HashMap<String, AttributeValue> {
    key(organization_pk(org), SK_ORGANIZATION)
}
pub fn principal_key(id: PrincipalId) -> HashMap<String, AttributeValue> {
    key(principal_pk(id), SK_PRINCIPAL)
}
pub fn credential_key(id: CredentialId) -> HashMap<String, AttributeValue> {
    key(credential_pk(id), SK_CREDENTIAL)
}
pub fn guard_key(guard_pk: String) -> HashMap<String, AttributeValue> {
    key(guard_pk, SK_GUARD)
}
/// A marker item recording that a one-time table upgrade `name` completed.
pub fn marker_key(name: &str) -> HashMap<String, AttributeValue> {
    key(format!("META#{name}"), SK_MARKER)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn keys_carry_type_prefixes() {
        let org = OrganizationId(Uuid::nil());
        let id = PrincipalId(Uuid::nil());
        assert_eq!(organization_pk(org), "O#00000000-0000-0000-0000-000000000000");
        assert_eq!(principal_pk(id), "P#00000000-0000-0000-0000-000000000000");
        assert_eq!(credential_pk(CredentialId(Uuid::nil())), "C#00000000-0000-0000-0000-000000000000");
        let name = OrganizationName::parse("Acme Corp").unwrap();
        assert_eq!(organization_name_guard_pk(&name), "ORGNAME#acme corp");
        let email = Email::parse("a@example.com").unwrap();
        assert_eq!(email_guard_pk(org, &email), "EMAIL#00000000-0000-0000-0000-000000000000#a@example.com");
        let sa = ServiceAccountName::parse("ci-bot").unwrap();
        assert_eq!(service_account_name_guard_pk(org, &sa), "SANAME#00000000-0000-0000-0000-000000000000#ci-bot");
        assert_eq!(
            credentials_index_pk(org, CredentialKind::ApiKey),
            "ORG#00000000-0000-0000-0000-000000000000#CRED#api_key"
        );
        assert_eq!(users_index_pk(org), "ORG#00000000-0000-0000-0000-000000000000#USERS");
        assert_eq!(service_accounts_index_pk(org), "ORG#00000000-0000-0000-0000-000000000000#SAS");
        let k = principal_key(id);
        assert_eq!(k.get(SK), Some(&s("P")));
    }
}

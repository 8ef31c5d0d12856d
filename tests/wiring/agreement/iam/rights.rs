//! The reading of the code, as tables: the DynamoDB operations each store method sends, the
//! store methods each function calls, the rights besides the table's, and the items and
//! attributes the authorizer may address; `needs` turns them into a function's rights.

use super::*;

/// DynamoDB operations each method of the store traits (`Store` and the capabilities it
/// combines, shared/src/store/capabilities.rs) sends in the DynamoDB store.
/// A transaction (TransactWriteItems) is authorized by the actions of its items (PutItem,
/// UpdateItem, DeleteItem, ConditionCheckItem). Sweeps (marking the credentials an epoch
/// bump or a removal revoked) query the index and write each item with one conditional
/// UpdateItem. The revocations that owe a sweep record it (a PutItem) in their transaction.
pub(super) const STORE_METHODS: &[(&str, &[&str])] = &[
    ("create_organization", &["PutItem"]),
    ("find_organization_by_name", &["GetItem"]),
    ("get_organization", &["GetItem"]),
    // The organization item read, then the policy and its event in one transaction.
    ("update_organization_policy", &["GetItem", "UpdateItem", "PutItem"]),
    // The owner count on the organization item when the new user is an OWNER.
    ("create_user", &["PutItem", "UpdateItem"]),
    ("get_user", &["GetItem"]),
    ("find_user_by_email", &["GetItem"]),
    ("list_users", &["Query"]),
    // Every change writes its audit events (PutItem) in its transaction.
    ("update_user", &["GetItem", "UpdateItem", "PutItem"]),
    ("delete_user", &["GetItem", "DeleteItem", "UpdateItem", "PutItem", "Query"]),
    ("create_service_account", &["PutItem"]),
    ("get_service_account", &["GetItem"]),
    ("find_service_account_by_name", &["GetItem"]),
    ("list_service_accounts", &["Query"]),
    ("delete_service_account", &["GetItem", "DeleteItem", "PutItem", "Query", "UpdateItem"]),
    // Read, then the flag and its event in one transaction.
    ("set_service_account_suspended", &["GetItem", "UpdateItem", "PutItem"]),
    ("get_principals", &["BatchGetItem"]),
    // A condition check on the owner's epoch; a failed one reads the owner to tell why.
    ("issue_credential", &["ConditionCheckItem", "PutItem", "GetItem"]),
    ("rotate_credentials", &["UpdateItem", "PutItem", "GetItem", "Query"]),
    // The last-owner guard is a condition check on the organization item.
    ("revoke_all_credentials", &["GetItem", "UpdateItem", "ConditionCheckItem", "PutItem", "Query"]),
    // Read first (the event names the credential), then the revocation and its event.
    ("revoke_credential", &["GetItem", "UpdateItem", "PutItem"]),
    ("get_credential", &["GetItem"]),
    // The owner's epoch checked, the old key marked, the successor and its event stored.
    ("roll_credential", &["ConditionCheckItem", "UpdateItem", "PutItem", "GetItem"]),
    // A leak report: the credential read by id, its owner read on a hash match, then the
    // revocation, the owner as read (its liveness, or a condition check), the live-owner
    // count and the event in one transaction.
    ("revoke_leaked", &["GetItem", "UpdateItem", "ConditionCheckItem", "PutItem"]),
    ("set_credential_description", &["GetItem", "UpdateItem", "PutItem"]),
    // Conditioned on the record as read; a lost condition reads it again to tell why.
    ("set_credential_disabled", &["GetItem", "UpdateItem", "PutItem"]),
    ("list_credentials", &["Query"]),
    ("lookup_credential_and_owner", &["BatchGetItem"]),
    // A v1 token's policy copy is a second read (GetItem).
    ("read_for_authorization", &["BatchGetItem", "GetItem"]),
    ("record_last_used", &["UpdateItem"]),
    // The pending sweeps are listed in the index; each is run as above.
    ("complete_pending_sweeps", &["Query", "UpdateItem"]),
    // The one-time upgrade of user records: a marker read (and written when done), one
    // consistent Scan for the users to fix, per user a read, an index query and a transaction.
    ("backfill_identity", &["GetItem", "Scan", "Query", "UpdateItem", "PutItem", "ConditionCheckItem"]),
    // The daily notices: a Scan of expiring credentials, each owner read, then the mark
    // and the event in one transaction.
    ("record_expiry_notices", &["Scan", "GetItem", "UpdateItem", "PutItem"]),
    // The audit log is read from the table itself, strongly consistent (`Query@table`).
    ("get_audit_event", &["GetItem"]),
    ("list_audit_events", &["Query@table"]),
    // `latchkey audit replay`, an operator's command: no function calls it.
    ("audit_events_between", &["Scan"]),
];

/// The store methods each function's code calls. Functions that call none have no table
/// rights at all (and skip the init-time `DescribeTable`).
pub(super) const FUNCTION_CALLS: &[(&str, &[&str])] = &[
    ("health", &[]),
    ("me", &[]),
    ("console", &[]),
    ("users-list", &["list_users"]),
    ("users-create", &["create_user"]),
    ("users-get", &["get_user"]),
    ("users-update", &["update_user"]),
    ("users-delete", &["delete_user"]),
    ("cli-tokens-rotate-own", &["get_user", "rotate_credentials"]),
    ("cli-tokens-revoke-own", &["revoke_all_credentials"]),
    ("cli-tokens-rotate", &["get_user", "rotate_credentials"]),
    ("service-accounts-create", &["create_service_account", "get_organization"]),
    ("service-accounts-list", &["list_service_accounts"]),
    ("service-accounts-get", &["find_service_account_by_name"]),
    ("service-accounts-delete", &["find_service_account_by_name", "delete_service_account"]),
    ("service-accounts-update", &["find_service_account_by_name", "set_service_account_suspended"]),
    ("api-keys-create", &["find_service_account_by_name", "issue_credential", "get_organization"]),
    ("api-keys-list-for-account", &["find_service_account_by_name", "list_credentials"]),
    // A rotation that names no scopes reads the newest replaced key's.
    (
        "api-keys-rotate",
        &["find_service_account_by_name", "list_credentials", "rotate_credentials", "get_organization"],
    ),
    ("api-keys-revoke-all", &["find_service_account_by_name", "revoke_all_credentials"]),
    ("api-keys-list", &["find_service_account_by_name", "list_credentials", "get_principals"]),
    ("api-keys-revoke", &["get_credential", "revoke_credential"]),
    // The organization's policy bounds the token's lifetime.
    ("tokens-create", &["get_user", "find_user_by_email", "get_organization", "issue_credential"]),
    ("organization-get", &["get_organization"]),
    ("organization-update", &["update_organization_policy"]),
    ("api-keys-update", &["get_credential", "get_principals", "set_credential_description", "set_credential_disabled"]),
    ("api-keys-roll", &["get_organization", "get_credential", "get_service_account", "roll_credential"]),
    ("tokens-list", &["get_user", "find_user_by_email", "list_credentials", "get_principals"]),
    ("tokens-get", &["get_credential", "get_principals"]),
    (
        "tokens-update",
        &[
            "get_credential",
            "get_principals",
            "set_credential_description",
            "set_credential_disabled",
            "revoke_credential",
        ],
    ),
    ("authorizer", &["read_for_authorization", "record_last_used"]),
    // POST /verify decides with the authorizer's own function: the same calls.
    ("verify", &["read_for_authorization", "record_last_used"]),
    // Both run the one-time upgrade first (shared/src/operator.rs).
    ("bootstrap", &["backfill_identity", "find_organization_by_name", "create_organization"]),
    ("recover", &["backfill_identity", "find_organization_by_name", "find_user_by_email", "rotate_credentials"]),
    ("housekeeping", &["complete_pending_sweeps"]),
    ("expiry-notices", &["record_expiry_notices"]),
    ("audit-events-list", &["list_audit_events"]),
    ("audit-events-get", &["get_audit_event"]),
    // The two public leak endpoints (SPEC section 12): one call per candidate token.
    ("credentials-revoke-leaked", &["revoke_leaked"]),
    ("github-secret-scanning", &["revoke_leaked"]),
    // Fed by the stream; publishes to the bus, never addresses the table (EVENTS_RIGHTS).
    ("events", &[]),
];

/// Rights other than the table's: the events function puts events on the bus, nothing else.
pub(super) const EVENTS_RIGHTS: &[(&str, &str, &str)] = &[("events", "events:PutEvents", BUS)];
pub(super) const BUS: &str = "event-bus";

/// Where an action may be granted: Query reads the index `gsi1` (lists and sweeps never
/// query the table itself); everything else addresses the table.
pub(super) const TABLE: &str = "table";
pub(super) const INDEX: &str = "index/gsi1";

/// What the authorizer's `record_last_used` UpdateItem names: the key (`pk`, `sk`: IAM
/// evaluates `dynamodb:Attributes` over every attribute name in the request, the key's
/// included), `last_used_at` and `last_used_at_us` in the update expression, and `pk` and
/// `last_used_at_us` again in its condition (shared/src/store/dynamodb/lookup.rs, keys.rs).
pub(super) const LAST_USED_ATTRIBUTES: [&str; 5] = ["pk", "sk", "last_used_at", "last_used_at_us", "last_used_ip"];
/// Partition-key patterns of credential items (`C#<id>`) and principal items (`P#<id>`)
/// (shared/src/store/dynamodb/keys.rs): the only items the authorizer addresses.
pub(super) const CREDENTIAL_ITEMS: &str = "C#*";
pub(super) const PRINCIPAL_ITEMS: &str = "P#*";
/// Organization policy copies (`OPOL#<org>#<n>`, shared/src/store/dynamodb/policy.rs).
pub(super) const POLICY_COPIES: &str = "OPOL#*";

/// (action without the `dynamodb:` prefix, resource) pairs a function needs.
pub(super) fn needs(function: &str) -> BTreeSet<(String, String)> {
    let methods: BTreeMap<&str, &[&str]> = STORE_METHODS.iter().copied().collect();
    let calls = FUNCTION_CALLS.iter().find(|(f, _)| *f == function).map(|(_, c)| *c).unwrap_or_default();
    let mut needed = BTreeSet::new();
    for call in calls {
        for action in methods.get(call).copied().unwrap_or_default() {
            let (action, resource) = match action.split_once('@') {
                Some((action, "table")) => (action, TABLE),
                _ if *action == "Query" => (*action, INDEX),
                _ => (*action, TABLE),
            };
            needed.insert((action.to_string(), resource.to_string()));
        }
    }
    if !calls.is_empty() {
        // Init opens the connection with one DescribeTable (shared/src/lambda/mod.rs).
        needed.insert(("DescribeTable".to_string(), TABLE.to_string()));
    }
    needed
}

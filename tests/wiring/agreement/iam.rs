//! Least privilege, checked (SPEC section 7): every function's role grants exactly the
//! DynamoDB actions its code sends, on the resources they address, and nothing else: no
//! wildcard, no delete right (`DeleteItem`, `BatchWriteItem`) where nothing is deleted, and
//! the authorizer may change only the `last_used_*` attributes of credential items.
//!
//! The tables below are the reading of the code: which store methods each function calls
//! (shared/src/api/handlers/, shared/src/operator.rs, shared/src/auth/) and which DynamoDB
//! operations each method of the DynamoDB store sends (shared/src/store/dynamodb/). A change
//! to either is a change to these tables, and then to template.yaml.

use super::{ROUTELESS, SCHEDULED, STREAM, entries, get, get_str, load, logical_id, tag_of, untag};
use latchkey::api::ROUTES;
use serde_norway::Value;
use std::collections::{BTreeMap, BTreeSet};

/// DynamoDB operations each method of the store traits (`Store` and the capabilities it
/// combines, shared/src/store/capabilities.rs) sends in the DynamoDB store.
/// A transaction (TransactWriteItems) is authorized by the actions of its items (PutItem,
/// UpdateItem, DeleteItem, ConditionCheckItem). Sweeps (marking the credentials an epoch
/// bump or a removal revoked) query the index and write each item with one conditional
/// UpdateItem. The revocations that owe a sweep record it (a PutItem) in their transaction.
const STORE_METHODS: &[(&str, &[&str])] = &[
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
const FUNCTION_CALLS: &[(&str, &[&str])] = &[
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
const EVENTS_RIGHTS: &[(&str, &str, &str)] = &[("events", "events:PutEvents", BUS)];
const BUS: &str = "event-bus";

/// Where an action may be granted: Query reads the index `gsi1` (lists and sweeps never
/// query the table itself); everything else addresses the table.
const TABLE: &str = "table";
const INDEX: &str = "index/gsi1";

/// What the authorizer's `record_last_used` UpdateItem names: the key (`pk`, `sk`: IAM
/// evaluates `dynamodb:Attributes` over every attribute name in the request, the key's
/// included), `last_used_at` and `last_used_at_us` in the update expression, and `pk` and
/// `last_used_at_us` again in its condition (shared/src/store/dynamodb/lookup.rs, keys.rs).
const LAST_USED_ATTRIBUTES: [&str; 5] = ["pk", "sk", "last_used_at", "last_used_at_us", "last_used_ip"];
/// Partition-key patterns of credential items (`C#<id>`) and principal items (`P#<id>`)
/// (shared/src/store/dynamodb/keys.rs): the only items the authorizer addresses.
const CREDENTIAL_ITEMS: &str = "C#*";
const PRINCIPAL_ITEMS: &str = "P#*";
/// Organization policy copies (`OPOL#<org>#<n>`, shared/src/store/dynamodb/policy.rs).
const POLICY_COPIES: &str = "OPOL#*";

/// (action without the `dynamodb:` prefix, resource) pairs a function needs.
fn needs(function: &str) -> BTreeSet<(String, String)> {
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

/// One Allow statement as granted: actions, resources (normalised), its Condition.
struct Grant {
    actions: Vec<String>,
    resources: Vec<String>,
    condition: Option<Value>,
}

fn strings(v: Option<&Value>) -> Vec<&Value> {
    match v.map(untag) {
        None => Vec::new(),
        Some(Value::Sequence(items)) => items.iter().collect(),
        Some(_) => v.into_iter().collect(),
    }
}

/// `!GetAtt Table.Arn` → "table", `!Sub "${Table.Arn}/index/gsi1"` → "index/gsi1"; any
/// other resource is kept as written, so it shows in the report (and matches nothing).
fn resource_name(v: &Value) -> String {
    let text = untag(v).as_str().unwrap_or("");
    match (tag_of(v).as_deref(), text) {
        (Some("!GetAtt"), "Table.Arn") => TABLE.to_string(),
        (Some("!Sub"), "${Table.Arn}/index/gsi1") => INDEX.to_string(),
        (Some("!GetAtt"), "EventBus.Arn") => BUS.to_string(),
        _ => format!("{v:?}"),
    }
}

/// The statements of a policy document, each checked for shape; problems are reported.
fn statements(document: &Value, at: &str, problems: &mut Vec<String>) -> Vec<Grant> {
    // Without it IAM reads the document as version 2008-10-17.
    if get_str(document, "Version") != Some("2012-10-17") {
        problems.push(format!("{at}: Version must be \"2012-10-17\""));
    }
    let mut grants = Vec::new();
    for (i, statement) in strings(get(document, "Statement")).into_iter().enumerate() {
        let at = format!("{at}.Statement[{i}]");
        for broad in ["NotAction", "NotResource", "NotPrincipal"] {
            if get(statement, broad).is_some() {
                problems.push(format!("{at}: {broad} grants everything not listed"));
            }
        }
        match get_str(statement, "Effect") {
            Some("Allow") => {}
            Some("Deny") => continue,
            other => problems.push(format!("{at}: Effect {other:?}")),
        }
        let actions: Vec<String> =
            strings(get(statement, "Action")).iter().map(|a| untag(a).as_str().unwrap_or("?").to_string()).collect();
        let resources: Vec<String> = strings(get(statement, "Resource")).into_iter().map(resource_name).collect();
        for action in &actions {
            if action.contains('*') || action.contains('?') {
                problems.push(format!("{at}: wildcard action {action:?}"));
            }
        }
        for resource in &resources {
            if resource.contains('*') {
                problems.push(format!("{at}: wildcard resource {resource}"));
            }
        }
        grants.push(Grant { actions, resources, condition: get(statement, "Condition").cloned() });
    }
    grants
}

/// Every statement a function's role holds through `Policies`: inline documents, and
/// managed policies of this template by `!Ref`. Anything else (an AWS managed policy, a SAM
/// policy template, an ARN) cannot be checked here and is a problem.
fn function_grants(template: &Value, id: &str, function: &Value, problems: &mut Vec<String>) -> Vec<Grant> {
    let properties = get(function, "Properties");
    if properties.and_then(|p| get(p, "Role")).is_some() {
        problems.push(format!("{id}: has its own Role; its rights must come from Policies, where they are checked"));
    }
    let mut grants = Vec::new();
    for (i, policy) in strings(properties.and_then(|p| get(p, "Policies"))).into_iter().enumerate() {
        let at = format!("{id}.Policies[{i}]");
        if get(policy, "Statement").is_some() {
            grants.extend(statements(policy, &at, problems));
            continue;
        }
        let referenced = (tag_of(policy).as_deref() == Some("!Ref"))
            .then(|| untag(policy).as_str())
            .flatten()
            .and_then(|name| get(template, "Resources").and_then(|r| get(r, name)).map(|r| (name, r)));
        match referenced {
            Some((name, resource)) if get_str(resource, "Type") == Some("AWS::IAM::ManagedPolicy") => {
                let document = get(resource, "Properties").and_then(|p| get(p, "PolicyDocument"));
                match document {
                    Some(document) => grants.extend(statements(document, &format!("{at} ({name})"), problems)),
                    None => problems.push(format!("{at}: {name} has no PolicyDocument")),
                }
            }
            _ => problems.push(format!(
                "{at}: {policy:?} is not an inline policy nor a managed policy of this template: \
                 its rights cannot be checked"
            )),
        }
    }
    grants
}

/// The values of one condition operator and key, as a set (None when absent).
fn condition_values(condition: Option<&Value>, operator: &str, key: &str) -> Option<BTreeSet<String>> {
    let values = condition.and_then(|c| get(c, operator)).and_then(|o| get(o, key))?;
    Some(strings(Some(values)).iter().map(|v| untag(v).as_str().unwrap_or("?").to_string()).collect())
}

fn set(values: &[&str]) -> BTreeSet<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// The authorizer reads only credential, principal and policy-copy items, and writes only the
/// `last_used_*` attributes of credential items, returning nothing.
fn check_authorizer_conditions(grant: &Grant, problems: &mut Vec<String>) {
    let condition = grant.condition.as_ref();
    for action in &grant.actions {
        let action = action.strip_prefix("dynamodb:").unwrap_or(action);
        match action {
            "BatchGetItem" => {
                let keys = condition_values(condition, "ForAllValues:StringLike", "dynamodb:LeadingKeys");
                let allowed = set(&[CREDENTIAL_ITEMS, PRINCIPAL_ITEMS, POLICY_COPIES]);
                if keys.is_none_or(|k| k.is_empty() || !k.is_subset(&allowed)) {
                    problems.push(format!(
                        "AuthorizerFunction: BatchGetItem needs Condition ForAllValues:StringLike \
                         dynamodb:LeadingKeys within [{CREDENTIAL_ITEMS}, {PRINCIPAL_ITEMS}, {POLICY_COPIES}]"
                    ));
                }
            }
            // A v1 token's second read: a policy copy, nothing else.
            "GetItem" => {
                let keys = condition_values(condition, "ForAllValues:StringLike", "dynamodb:LeadingKeys");
                if keys != Some(set(&[POLICY_COPIES])) {
                    problems.push(format!(
                        "AuthorizerFunction: GetItem needs Condition ForAllValues:StringLike \
                         dynamodb:LeadingKeys [{POLICY_COPIES}] (policy copies only), has {keys:?}"
                    ));
                }
            }
            "UpdateItem" => {
                let keys = condition_values(condition, "ForAllValues:StringLike", "dynamodb:LeadingKeys");
                if keys != Some(set(&[CREDENTIAL_ITEMS])) {
                    problems.push(format!(
                        "AuthorizerFunction: UpdateItem needs Condition ForAllValues:StringLike \
                         dynamodb:LeadingKeys [{CREDENTIAL_ITEMS}] (credential items only), has {keys:?}"
                    ));
                }
                let attributes = condition_values(condition, "ForAllValues:StringEquals", "dynamodb:Attributes");
                if attributes != Some(set(&LAST_USED_ATTRIBUTES)) {
                    problems.push(format!(
                        "AuthorizerFunction: UpdateItem needs Condition ForAllValues:StringEquals \
                         dynamodb:Attributes {LAST_USED_ATTRIBUTES:?} (the key and last_used_*), has {attributes:?}"
                    ));
                }
                let returns = condition_values(condition, "StringEquals", "dynamodb:ReturnValues")
                    .or_else(|| condition_values(condition, "StringEqualsIfExists", "dynamodb:ReturnValues"));
                if returns.is_none_or(|r| r.is_empty() || !r.is_subset(&set(&["NONE", "UPDATED_OLD", "UPDATED_NEW"]))) {
                    problems.push(
                        "AuthorizerFunction: UpdateItem needs Condition StringEquals \
                         dynamodb:ReturnValues NONE (never the whole item)"
                            .into(),
                    );
                }
            }
            _ => {}
        }
    }
}

#[test]
fn every_function_holds_exactly_the_table_rights_its_code_needs() {
    let template = load("template.yaml");
    let mut problems = Vec::new();

    // The tables cover the code: every method of the Store trait, every function.
    let trait_methods = store_trait_methods();
    let tabled: BTreeSet<String> = STORE_METHODS.iter().map(|(m, _)| m.to_string()).collect();
    differ(
        &mut problems,
        "STORE_METHODS against the store traits (shared/src/store/capabilities.rs)",
        &trait_methods,
        &tabled,
    );
    let functions: BTreeSet<String> =
        ROUTES.iter().map(|r| r.function).chain(ROUTELESS).chain(SCHEDULED).chain(STREAM).map(String::from).collect();
    let described: BTreeSet<String> = FUNCTION_CALLS.iter().map(|(f, _)| f.to_string()).collect();
    differ(&mut problems, "FUNCTION_CALLS against the deployed functions", &functions, &described);
    for (function, calls) in FUNCTION_CALLS {
        for call in calls.iter().filter(|c| !tabled.contains(**c)) {
            problems.push(format!("FUNCTION_CALLS: {function} calls {call}, which STORE_METHODS does not describe"));
        }
    }

    let globals = get(&template, "Globals").and_then(|g| get(g, "Function")).and_then(|f| get(f, "Policies"));
    if globals.is_some() {
        problems.push("Globals.Function.Policies: rights for every function cannot be least privilege".into());
    }
    let resources = get(&template, "Resources");
    for function in &functions {
        let id = logical_id(function);
        let Some(resource) = resources.and_then(|r| get(r, &id)) else {
            problems.push(format!("{id}: missing from template.yaml"));
            continue;
        };
        let grants = function_grants(&template, &id, resource, &mut problems);
        let mut granted = BTreeSet::new();
        let mut other_granted = BTreeSet::new();
        for grant in &grants {
            for action in &grant.actions {
                if !action.starts_with("dynamodb:")
                    && EVENTS_RIGHTS.iter().any(|(f, a, _)| f == function && a == action)
                {
                    other_granted.extend(grant.resources.iter().map(|r| (action.clone(), r.clone())));
                    continue;
                }
                let Some(action) = action.strip_prefix("dynamodb:") else {
                    problems.push(format!("{id}: grants {action:?}, which no function needs"));
                    continue;
                };
                for resource in &grant.resources {
                    granted.insert((action.to_string(), resource.clone()));
                }
            }
            if function == "authorizer" || function == "verify" {
                check_authorizer_conditions(grant, &mut problems);
            } else if grant.condition.is_some() {
                problems.push(format!("{id}: unexpected Condition {:?}", grant.condition));
            }
        }
        differ(&mut problems, &format!("{id}: table rights (action, resource)"), &needs(function), &granted);
        let other_needed: BTreeSet<(String, String)> = EVENTS_RIGHTS
            .iter()
            .filter(|(f, _, _)| f == function)
            .map(|(_, a, r)| (a.to_string(), r.to_string()))
            .collect();
        differ(&mut problems, &format!("{id}: other rights (action, resource)"), &other_needed, &other_granted);
    }

    // No other IAM resource adds rights to a function's role behind Policies' back.
    for (name, resource) in entries(resources) {
        let kind = get_str(resource, "Type").unwrap_or("");
        let properties = get(resource, "Properties");
        match kind {
            "AWS::IAM::Policy" | "AWS::IAM::RolePolicy" | "AWS::IAM::UserPolicy" | "AWS::IAM::GroupPolicy" => {
                problems.push(format!("{name}: {kind} attaches rights outside a function's Policies"))
            }
            "AWS::IAM::ManagedPolicy" => {
                for attach in ["Roles", "Users", "Groups"] {
                    if properties.and_then(|p| get(p, attach)).is_some() {
                        problems
                            .push(format!("{name}: attaches itself through {attach}, outside a function's Policies"));
                    }
                }
            }
            "AWS::IAM::Role" if format!("{properties:?}").contains("dynamodb") => {
                problems.push(format!("{name}: a role of its own with DynamoDB rights"))
            }
            _ => {}
        }
    }

    assert!(
        problems.is_empty(),
        "template.yaml grants other table rights than the code needs:\n  - {}\n",
        problems.join("\n  - ")
    );
}

/// Reports what `expected` (the code's needs) has that `actual` (the template) lacks, and
/// the other way round.
fn differ<T: Ord + std::fmt::Debug>(
    problems: &mut Vec<String>,
    what: &str,
    expected: &BTreeSet<T>,
    actual: &BTreeSet<T>,
) {
    let mut lines = Vec::new();
    for missing in expected.difference(actual) {
        lines.push(format!("\n    missing (needed, not there): {missing:?}"));
    }
    for extra in actual.difference(expected) {
        lines.push(format!("\n    extra (there, not needed):   {extra:?}"));
    }
    if !lines.is_empty() {
        problems.push(format!("{what}:{}", lines.concat()));
    }
}

/// The store's traits in shared/src/store/capabilities.rs: (name, the text of its
/// declaration), for every `pub trait` there (the narrow capabilities and `Store`, which
/// combines them).
fn store_traits() -> Vec<(String, String)> {
    let path = super::repo_root().join("shared/src/store/capabilities.rs");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.split("pub trait ")
        .skip(1)
        .map(|rest| {
            let name = rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("");
            // The declaration ends where the trait's body does (a closing brace in column 0).
            let declaration = rest.split_once("\n}").map_or(rest, |(d, _)| d);
            (name.to_string(), declaration.to_string())
        })
        .collect()
}

/// The method names of every store trait (what `Store` can do).
fn store_trait_methods() -> BTreeSet<String> {
    store_traits()
        .iter()
        .flat_map(|(_, declaration)| declaration.split("async fn ").skip(1).map(str::to_string).collect::<Vec<_>>())
        .filter_map(|rest| rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().map(str::to_string))
        .filter(|name| !name.is_empty())
        .collect()
}

#[test]
fn the_rights_tables_read_the_store_trait() {
    let methods = store_trait_methods();
    assert!(methods.contains("record_last_used") && methods.contains("create_organization"), "{methods:?}");
    // Every capability is part of `Store`, so the table of its methods is the whole store.
    let traits = store_traits();
    let store = traits.iter().find(|(name, _)| name == "Store").map(|(_, d)| d.as_str()).unwrap_or("");
    let combined = store.split_once('{').map_or(store, |(supertraits, _)| supertraits);
    for (name, _) in traits.iter().filter(|(name, _)| name != "Store") {
        assert!(combined.contains(name.as_str()), "Store does not include {name}: {combined}");
    }
    assert!(traits.len() > 2, "{traits:?}");
    let authorizer = needs("authorizer");
    assert!(authorizer.contains(&("UpdateItem".to_string(), TABLE.to_string())));
    assert!(needs("health").is_empty());
    assert!(needs("users-list").contains(&("Query".to_string(), INDEX.to_string())));
}

/// SPEC section 8: audit items are immutable. Every function whose role may update or delete
/// items holds a Deny of UpdateItem and DeleteItem on the audit items' keys (`AUDIT#*`), so no
/// Allow, present or future, reaches them.
#[test]
fn no_function_may_update_or_delete_an_audit_event() {
    let template = load("template.yaml");
    let mut problems = Vec::new();
    for (id, resource) in entries(get(&template, "Resources")) {
        if get_str(resource, "Type") != Some("AWS::Serverless::Function") {
            continue;
        }
        let policies = strings(get(resource, "Properties").and_then(|p| get(p, "Policies")));
        let statements: Vec<&Value> = policies.iter().flat_map(|p| strings(get(p, "Statement"))).collect();
        let actions_of = |s: &Value| -> BTreeSet<String> {
            strings(get(s, "Action")).iter().map(|a| untag(a).as_str().unwrap_or("?").to_string()).collect()
        };
        let writes = statements.iter().any(|s| {
            get_str(s, "Effect") == Some("Allow")
                && actions_of(s).iter().any(|a| a == "dynamodb:UpdateItem" || a == "dynamodb:DeleteItem")
        });
        if !writes {
            continue;
        }
        let denied = statements.iter().any(|s| {
            get_str(s, "Effect") == Some("Deny")
                && actions_of(s).is_superset(&set(&["dynamodb:UpdateItem", "dynamodb:DeleteItem"]))
                && strings(get(s, "Resource")).into_iter().map(resource_name).any(|r| r == TABLE)
                && condition_values(get(s, "Condition"), "ForAnyValue:StringLike", "dynamodb:LeadingKeys")
                    .is_some_and(|keys| keys.contains("AUDIT#*"))
        });
        if !denied {
            problems.push(format!(
                "{id}: may update or delete items but holds no Deny of dynamodb:UpdateItem and dynamodb:DeleteItem \
                 on the table with Condition ForAnyValue:StringLike dynamodb:LeadingKeys [\"AUDIT#*\"]"
            ));
        }
    }
    assert!(problems.is_empty(), "audit items are not protected:\n  - {}", problems.join("\n  - "));
}

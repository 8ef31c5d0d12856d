//! Least privilege, checked (SPEC section 7): every function's role grants exactly the
//! DynamoDB actions its code sends, on the resources they address, and nothing else: no
//! wildcard, no delete right (`DeleteItem`, `BatchWriteItem`) where nothing is deleted, and
//! the authorizer may change only the `last_used_*` attributes of credential items.
//!
//! The tables in `rights` are the reading of the code: which store methods each function calls
//! (shared/src/api/handlers/, shared/src/operator.rs, shared/src/auth/) and which DynamoDB
//! operations each method of the DynamoDB store sends (shared/src/store/dynamodb/). A change
//! to either is a change to these tables, and then to template.yaml.

use super::{ROUTELESS, SCHEDULED, STREAM, entries, get, get_str, load, logical_id, tag_of, untag};
use latchkey::api::ROUTES;
use serde_norway::Value;
use std::collections::{BTreeMap, BTreeSet};

mod grants;
mod rights;
use grants::*;
use rights::*;

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

//! The rights as the template grants them: each function's Allow statements (inline or by
//! `!Ref` to a managed policy of this template), checked for shape and wildcards, and the
//! conditions that keep the authorizer to its items and `last_used_*` attributes.

use super::*;

/// One Allow statement as granted: actions, resources (normalised), its Condition.
pub(super) struct Grant {
    pub(super) actions: Vec<String>,
    pub(super) resources: Vec<String>,
    pub(super) condition: Option<Value>,
}

pub(super) fn strings(v: Option<&Value>) -> Vec<&Value> {
    match v.map(untag) {
        None => Vec::new(),
        Some(Value::Sequence(items)) => items.iter().collect(),
        Some(_) => v.into_iter().collect(),
    }
}

/// `!GetAtt Table.Arn` → "table", `!Sub "${Table.Arn}/index/gsi1"` → "index/gsi1"; any
/// other resource is kept as written, so it shows in the report (and matches nothing).
pub(super) fn resource_name(v: &Value) -> String {
    let text = untag(v).as_str().unwrap_or("");
    match (tag_of(v).as_deref(), text) {
        (Some("!GetAtt"), "Table.Arn") => TABLE.to_string(),
        (Some("!Sub"), "${Table.Arn}/index/gsi1") => INDEX.to_string(),
        (Some("!GetAtt"), "EventBus.Arn") => BUS.to_string(),
        _ => format!("{v:?}"),
    }
}

/// The statements of a policy document, each checked for shape; problems are reported.
pub(super) fn statements(document: &Value, at: &str, problems: &mut Vec<String>) -> Vec<Grant> {
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
pub(super) fn function_grants(template: &Value, id: &str, function: &Value, problems: &mut Vec<String>) -> Vec<Grant> {
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
pub(super) fn condition_values(condition: Option<&Value>, operator: &str, key: &str) -> Option<BTreeSet<String>> {
    let values = condition.and_then(|c| get(c, operator)).and_then(|o| get(o, key))?;
    Some(strings(Some(values)).iter().map(|v| untag(v).as_str().unwrap_or("?").to_string()).collect())
}

pub(super) fn set(values: &[&str]) -> BTreeSet<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// The authorizer reads only credential, principal and policy-copy items, and writes only the
/// `last_used_*` attributes of credential items, returning nothing.
pub(super) fn check_authorizer_conditions(grant: &Grant, problems: &mut Vec<String>) {
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

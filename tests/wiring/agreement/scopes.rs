//! SPEC section 9 in the template: each function names the scope of its routes as the route
//! table does (`Metadata.LatchkeyScope`; the OpenAPI document's `x-latchkey-scope` is checked
//! with its operations), and the authorizer's ARN is exported for an organization's own API.

use super::{entries, finish, get, get_str, load, tag_of, untag};
use latchkey::api::ROUTES;
use serde_norway::Value;
use std::collections::BTreeSet;

#[test]
fn every_function_names_the_scope_of_its_routes() {
    let template = load("template.yaml");
    let mut problems = Vec::new();
    for (id, resource) in entries(get(&template, "Resources")) {
        let metadata = get(resource, "Metadata");
        let Some(binary) = metadata.and_then(|m| get(m, "BuildProperties")).and_then(|b| get_str(b, "Binary")) else {
            continue;
        };
        let declared = metadata.and_then(|m| get_str(m, "LatchkeyScope"));
        let table: BTreeSet<Option<&str>> = ROUTES.iter().filter(|r| r.function == binary).map(|r| r.scope).collect();
        // Route-less functions (the authorizer, the operator actions) name none.
        let expected = if table.is_empty() { Some(None) } else { (table.len() == 1).then(|| *table.first().unwrap()) };
        if expected != Some(declared) {
            problems.push(format!("{id}: Metadata.LatchkeyScope is {declared:?}, the route table says {table:?}"));
        }
    }
    finish("template.yaml", problems);
}

#[test]
fn the_authorizer_arn_is_exported() {
    let template = load("template.yaml");
    let mut problems = Vec::new();
    let output = get(&template, "Outputs").and_then(|o| get(o, "AuthorizerFunctionArn"));
    let value = output.and_then(|o| get(o, "Value"));
    if value.and_then(tag_of).as_deref() != Some("!GetAtt")
        || value.map(untag).and_then(Value::as_str) != Some("AuthorizerFunction.Arn")
    {
        problems.push(format!("Outputs.AuthorizerFunctionArn must be !GetAtt AuthorizerFunction.Arn, is {value:?}"));
    }
    let export = output.and_then(|o| get(o, "Export")).and_then(|e| get(e, "Name"));
    if export.map(untag).and_then(Value::as_str) != Some("${AWS::StackName}-AuthorizerFunctionArn") {
        problems.push(format!(
            "Outputs.AuthorizerFunctionArn must be exported as ${{AWS::StackName}}-AuthorizerFunctionArn, is {export:?}"
        ));
    }
    finish("template.yaml", problems);
}

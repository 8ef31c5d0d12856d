//! The example protected API's template (`infra/examples/protected-api.yaml`): latchkey's
//! authorizer imported from its stack, the stage variable chosen by a condition.

use super::*;
use crate::gateway::intrinsics::LocalValues;

fn protected(parameters: &[(&str, &str)]) -> Result<Template, TemplateError> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/examples/protected-api.yaml");
    let parameters = parameters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Template::load(&path, &LocalValues { table_name: "t".into(), region: "eu-west-1".into(), parameters })
}

#[test]
fn the_imported_authorizer_is_latchkeys_own_binary() {
    let t = protected(&[]).unwrap();
    assert_eq!(t.routes.len(), 1);
    let route = &t.routes[0];
    assert_eq!((route.method.as_str(), route.path.as_str()), ("GET", "/orders"));
    assert_eq!(route.authorizer.as_deref(), Some("Latchkey"));
    let orders = t.functions.iter().find(|f| f.logical_id == route.function).unwrap();
    assert_eq!((orders.binary.as_str(), orders.timeout), ("orders", Duration::from_secs(10)));
    let authorizer = &t.authorizers[0];
    assert_eq!(authorizer.function, "latchkey-AuthorizerFunction");
    assert_eq!(authorizer.identity_headers, vec!["Authorization".to_string()]);
    let runs = t.functions.iter().find(|f| f.logical_id == authorizer.function).unwrap();
    assert_eq!(runs.binary, "authorizer");
    assert_eq!(t.functions.len(), 2);
    // The stack's name comes from the parameter.
    let t = protected(&[("LatchkeyStackName", "lk-dev")]).unwrap();
    assert_eq!(t.authorizers[0].function, "lk-dev-AuthorizerFunction");
    assert!(
        t.responses["UNAUTHORIZED"].body.as_deref().unwrap_or_default().contains("urn:example:problem:unauthorized")
    );
}

#[test]
fn the_stage_variable_is_set_only_when_organizations_are_given() {
    assert_eq!(protected(&[]).unwrap().stage_variables, BTreeMap::new());
    let t = protected(&[("AcceptedOrganizations", "a1,b2")]).unwrap();
    assert_eq!(t.stage_variables, BTreeMap::from([("latchkeyOrganizations".to_string(), "a1,b2".to_string())]));
    let e = protected(&[("AcceptedOrganisations", "a1")]).unwrap_err().to_string();
    assert!(e.contains("--parameter AcceptedOrganisations"), "{e}");
}

#[test]
fn another_import_is_refused_by_name() {
    let doc: Value = serde_norway::from_str(
        "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      Auth:\n        Authorizers:\n          A:\n            FunctionPayloadType: REQUEST\n            FunctionArn: !ImportValue shared-OtherFunctionArn\n",
    )
    .unwrap();
    let local = LocalValues { table_name: "t".into(), region: "r".into(), parameters: BTreeMap::new() };
    let e = Template::from_document(&doc, &local).unwrap_err().to_string();
    assert!(e.contains("\"shared-OtherFunctionArn\""), "{e}");
}

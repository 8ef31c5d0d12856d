//! The sample events in `infra/events/` (the ones `cargo lambda invoke --data-file` uses) run
//! through the same adapters the function binaries use, in-process, on the embedded store:
//! the authorizer event with a real token, a placeholder token and a failing store; every
//! proxy event reaches its handler and gets an answer that is not a server error.

use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest;
use latchkey::api::{Api, ROUTES, RouteId};
use latchkey::auth::Authorizer;
use latchkey::clock::SystemClock;
use latchkey::config::Config;
use latchkey::lambda::authorizer::{AuthorizerError, handle_event};
use latchkey::operator::{OperatorRequest, bootstrap};
use latchkey_tests::faults::{Fault, FaultyStore, Methods};
use serde_json::Value;
use std::sync::Arc;

fn event(name: &str) -> Value {
    let path = format!("{}/infra/events/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn with_token(mut e: Value, token: &str) -> ApiGatewayCustomAuthorizerRequestTypeRequest {
    let header = Value::String(format!("Bearer {token}"));
    e["headers"]["Authorization"] = header.clone();
    e["multiValueHeaders"]["Authorization"] = Value::Array(vec![header]);
    serde_json::from_value(e).expect("the sample is a REQUEST authorizer event")
}

#[tokio::test]
async fn the_sample_authorizer_event_allows_a_real_token_and_denies_the_placeholder() {
    let store = latchkey_tests::sqlite_store().await;
    let outcome = bootstrap(
        store.as_ref(),
        &SystemClock,
        &Config::default(),
        &OperatorRequest { organization: "acme".into(), owner_email: "admin@acme.com".into() },
    )
    .await
    .unwrap();
    let authorizer = Authorizer::new(store.clone(), Arc::new(SystemClock));

    let allowed =
        handle_event(&authorizer, with_token(event("authorizer"), &outcome.cli_token)).await.expect("allowed");
    let policy = serde_json::to_value(&allowed).unwrap();
    assert_eq!(policy["principalId"], outcome.user_id.to_string());
    assert_eq!(policy["policyDocument"]["Statement"][0]["Effect"], "Allow");
    assert_eq!(
        policy["policyDocument"]["Statement"][0]["Resource"][0],
        "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*/*"
    );
    assert_eq!(policy["context"]["organization_id"], outcome.organization_id.to_string());
    assert_eq!(policy["context"]["credential_kind"], "cli_token");
    // Every context value is a flat string, as API Gateway requires.
    assert!(policy["context"].as_object().unwrap().values().all(Value::is_string));

    let placeholder: ApiGatewayCustomAuthorizerRequestTypeRequest =
        serde_json::from_value(event("authorizer")).unwrap();
    let denied = handle_event(&authorizer, placeholder).await;
    assert!(matches!(denied, Err(AuthorizerError::Unauthorized)));
    assert_eq!(AuthorizerError::Unauthorized.to_string(), "Unauthorized");

    let broken_store = FaultyStore::new(Arc::clone(&store));
    broken_store.arm(Methods::All, Fault::Unavailable);
    let broken = Authorizer::new(broken_store, Arc::new(SystemClock));
    let failed = handle_event(&broken, with_token(event("authorizer"), &outcome.cli_token)).await;
    assert!(matches!(failed, Err(AuthorizerError::Failure)), "a store failure is neither an allow nor a 401");
    assert_ne!(AuthorizerError::Failure.to_string(), "Unauthorized");
}

#[tokio::test]
async fn every_sample_proxy_event_reaches_its_handler_without_a_server_error() {
    let store = latchkey_tests::sqlite_store().await;
    let api = Api::new(store, Arc::new(SystemClock), Config::default());
    // One route per function: the function serves the routes of the route it names.
    let mut functions: Vec<(&str, RouteId)> = ROUTES.iter().map(|r| (r.function, r.id)).collect();
    functions.dedup_by_key(|(function, _)| *function);
    for (function, route) in functions {
        let raw = event(function);
        let request: lambda_http::Request = lambda_http::request::from_str(&raw.to_string())
            .unwrap_or_else(|e| panic!("{function}.json is not an API Gateway proxy event: {e}"));
        let response = latchkey::lambda::http::handle_event(&api, route, request).await;
        let status = response.status().as_u16();
        // The sample caller's organization does not exist in this empty store, so most
        // answers are 404s; what matters is that the event was understood (not routed
        // elsewhere, not a 5xx).
        assert!(status < 500, "{function}: {status}");
        if function == "health" || function == "console" || function == "me" {
            assert_eq!(status, 200, "{function}");
        }
    }
}

//! The example protected API (examples/protected-api, docs/protect-your-api.md): its
//! `orders` binary run as Lambda runs it (the Runtime API stand-in), fed the authorizer
//! context that latchkey's own authorizer produced for real credentials: one that holds
//! the custom scope `orders:read`, one that lacks it, an unscoped one, and none at all.
//!
//! Declared in examples/protected-api/Cargo.toml, so cargo builds the binary first.

use latchkey::auth::Authorizer;
use latchkey::lambda::authorizer::handle_event;
use latchkey_tests::app::{TestApp, spawn_app};
use latchkey_tests::runtime::{LambdaProcess, authorizer_event, proxy_event};
use serde_json::{Value, json};
use std::path::Path;

/// What latchkey's authorizer puts in the context for `token`, in front of an API that
/// accepts `app`'s organization only.
async fn context_for(app: &TestApp, token: &str) -> Value {
    let mut event = authorizer_event(Some(&format!("Bearer {token}")), "GET", "/orders");
    event["stageVariables"] = json!({ "latchkeyOrganizations": app.organization_id });
    let event: latchkey::lambda::authorizer::LeanAuthorizerEvent =
        serde_json::from_value(event).expect("a REQUEST authorizer event");
    let authorizer = Authorizer::new(app.store.clone(), app.clock.clone());
    handle_event(&authorizer, event).await.expect("latchkey's authorizer allows the credential").context
}

async fn key(app: &TestApp, scopes: Value) -> String {
    let r = app.post("/service-accounts/orders-client/api-keys", &app.owner_token, json!({ "scopes": scopes })).await;
    r.assert_status(201)["api_key"].as_str().expect("an API key").to_string()
}

fn body(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_function_requires_its_custom_scope() {
    let app = spawn_app(latchkey_tests::sqlite_store().await).await;
    app.add_service_account("orders-client", None).await;
    let holds = context_for(&app, &key(&app, json!(["orders:read", "orders:write"])).await).await;
    let lacks = context_for(&app, &key(&app, json!(["orders:write"])).await).await;
    let unscoped = context_for(&app, &key(&app, Value::Null).await).await;

    let binary = Path::new(env!("CARGO_BIN_EXE_orders"));
    let env = [("RUST_LOG".to_string(), "info".to_string())];
    let mut function = LambdaProcess::spawn(binary, &env).await;
    let orders = |ctx: Option<&Value>| proxy_event("GET", "/orders", &[], &[], None, ctx);

    let allowed = function.invoke(orders(Some(&holds))).await.response().clone();
    assert_eq!(allowed["statusCode"], 200, "{allowed}");
    let caller = body(&allowed)["caller"].clone();
    assert_eq!(caller["scopes"], json!(["orders:read", "orders:write"]));
    assert_eq!(caller["organization_id"], app.organization_id.as_str());
    assert_eq!(caller["credential_kind"], "api_key");
    assert_eq!(caller["credential_id"], holds["credential_id"]);

    for (what, ctx) in [("lacks the scope", &lacks), ("unscoped", &unscoped)] {
        let refused = function.invoke(orders(Some(ctx))).await.response().clone();
        assert_eq!(refused["statusCode"], 403, "{what}: {refused}");
        let problem = body(&refused);
        assert_eq!(problem["code"], "insufficient_scope", "{what}");
        assert_eq!(problem["required_scope"], "orders:read", "{what}");
        let content_type =
            refused["multiValueHeaders"]["content-type"][0].as_str().or(refused["headers"]["content-type"].as_str());
        assert_eq!(content_type, Some("application/problem+json"), "{what}: {refused}");
    }
    let anonymous = function.invoke(orders(None)).await.response().clone();
    assert_eq!(anonymous["statusCode"], 401, "{anonymous}");
    function.stop().await;
}

//! `latchkey gateway --template infra/examples/protected-api.yaml`: the example protected
//! API (docs/protect-your-api.md) on one machine, its `orders` function behind latchkey's
//! own authorizer (imported from latchkey's stack in the template), on moto, with an
//! organization bootstrapped through the store and its API keys made by latchkey's API on
//! the same table. A key with `orders:read` reaches `orders`, which reads the caller from
//! the context; a key without it gets the function's 403; no key or a bad one the
//! template's own 401; `--parameter AcceptedOrganizations=<another org>` (the stage variable
//! `latchkeyOrganizations`) shuts this organization's valid key out with that 401.
//!
//! Declared in examples/protected-api/Cargo.toml, so cargo builds `orders` for it
//! (`CARGO_BIN_EXE_orders`); the authorizer is latchkey-functions' binary in target/debug,
//! checked to be fresh (`cargo test --workspace` builds it).

use latchkey_tests::app::{Reply, TestApp, spawn_app};
use latchkey_tests::gateway::{
    GatewayOptions, RunningGateway, built_function, log_dir, protected_template_path, start_gateway,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// An organization id that is not the test's.
const OTHER_ORGANIZATION: &str = "0b5e7c1e-0000-4000-8000-00000000beef";

/// latchkey's API on a fresh moto table, one organization bootstrapped there, and the
/// table's name.
async fn latchkey() -> (TestApp, String) {
    let store = latchkey_tests::dynamodb_store_concrete().await;
    let table = store.table_name().to_string();
    let app = spawn_app(Arc::new(store)).await;
    app.add_service_account("orders-client", None).await;
    (app, table)
}

async fn key(app: &TestApp, scopes: Value) -> String {
    let r = app.post("/service-accounts/orders-client/api-keys", &app.owner_token, json!({ "scopes": scopes })).await;
    r.assert_status(201)["api_key"].as_str().expect("an API key").to_string()
}

/// The gateway on the example's template, the functions `orders` (built for this test) and
/// `authorizer`, on `table`, with these `--parameter`s.
async fn gateway(table: &str, parameters: &[(&str, &str)]) -> RunningGateway {
    let dir = log_dir("protected");
    std::fs::create_dir_all(&dir).expect("a functions folder");
    let orders = std::path::Path::new(env!("CARGO_BIN_EXE_orders"));
    for (name, binary) in [("orders", orders.to_path_buf()), ("authorizer", built_function("authorizer"))] {
        std::os::unix::fs::symlink(binary, dir.join(name)).expect("link a binary");
    }
    let mut caller_env: BTreeMap<String, String> = std::env::vars().collect();
    caller_env.insert("TABLE_NAME".into(), table.to_string());
    start_gateway(GatewayOptions {
        template: protected_template_path(),
        functions_dir: dir.clone(),
        stage: "test".into(),
        log_dir: dir.join("logs"),
        caller_env,
        parameters: parameters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    })
    .await
}

/// The template's UNAUTHORIZED response: its own problem type, not latchkey's.
#[track_caller]
fn assert_templates_401(r: &Reply, what: &str) {
    assert_eq!(r.status, 401, "{what}: {}", r.text);
    assert_eq!(r.content_type, "application/problem+json", "{what}");
    assert_eq!(r.body["type"], "urn:example:problem:unauthorized", "{what}: {}", r.text);
    assert_eq!(r.body["code"], "unauthorized", "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_api_runs_behind_latchkeys_authorizer() {
    let (app, table) = latchkey().await;
    let holds = key(&app, json!(["orders:read", "orders:write"])).await;
    let lacks = key(&app, json!(["orders:write"])).await;
    let g = gateway(&table, &[]).await;

    let allowed = g.get("/orders", Some(&format!("Bearer {holds}"))).await;
    assert_eq!(allowed.status, 200, "{}", allowed.text);
    let caller = &allowed.body["caller"];
    assert_eq!(caller["organization_id"], app.organization_id.as_str());
    assert_eq!(caller["principal_type"], "service_account");
    assert_eq!(caller["credential_kind"], "api_key");
    assert_eq!(caller["scopes"], json!(["orders:read", "orders:write"]));
    assert_eq!(allowed.body["orders"], json!([]));

    let refused = g.get("/orders", Some(&format!("Bearer {lacks}"))).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(refused.content_type, "application/problem+json");
    assert_eq!(
        (refused.body["code"].as_str(), refused.body["required_scope"].as_str()),
        (Some("insufficient_scope"), Some("orders:read"))
    );

    assert_templates_401(&g.get("/orders", None).await, "no Authorization");
    let forged = format!("Bearer {}x", &holds[..holds.len() - 1]);
    for (what, header) in [
        ("a bad token", "Bearer lks_not-a-token"),
        ("a wrong secret", forged.as_str()),
        ("not Bearer", "Basic b3JkZXJz"),
    ] {
        assert_templates_401(&g.get("/orders", Some(header)).await, what);
    }
    // Revoked, a key is refused on the very next request (no authorizer caching).
    let revoked = app.delete("/service-accounts/orders-client/api-keys", &app.owner_token).await;
    assert!((200..300).contains(&revoked.status), "{}", revoked.text);
    assert_templates_401(&g.get("/orders", Some(&format!("Bearer {holds}"))).await, "revoked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_organizations_shut_out_another_organizations_credential() {
    let (app, table) = latchkey().await;
    let holds = format!("Bearer {}", key(&app, json!(["orders:read"])).await);

    let others_only = gateway(&table, &[("AcceptedOrganizations", OTHER_ORGANIZATION)]).await;
    assert_templates_401(&others_only.get("/orders", Some(&holds)).await, "another organization's API");

    let both = format!("{OTHER_ORGANIZATION},{}", app.organization_id);
    let ours = gateway(&table, &[("AcceptedOrganizations", &both)]).await;
    let allowed = ours.get("/orders", Some(&holds)).await;
    assert_eq!(allowed.status, 200, "{}", allowed.text);
    assert_eq!(allowed.body["caller"]["organization_id"], app.organization_id.as_str());
}

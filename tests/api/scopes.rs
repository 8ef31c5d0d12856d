//! Scopes, `POST /verify` and the authorizer in front of an organization's own API (SPEC
//! section 9), through the local server on each store: each `latchkey:` scope against a
//! route it allows and one it does not, `scopes: []`, widening refused, custom scopes
//! handed on (`/me`, the authorizer context, `/verify`), rotations keeping scopes, and one
//! table of tokens run through the authorizer and `/verify` with the same decisions.

mod agreement;

use chrono::Duration;
use latchkey_tests::app::{Reply, TestApp, spawn_app};
use serde_json::{Value, json};

macro_rules! scope_tests {
    ($store:ident, $make:expr) => {
        mod $store {
            use super::*;
            scope_tests!(@each $make;
                each_latchkey_scope_opens_its_routes_and_no_other,
                no_scopes_reach_only_me,
                scopes_are_validated,
                widening_is_refused,
                custom_scopes_are_handed_on,
                rotations_keep_the_newest_replaced_keys_scopes,
                verify_is_for_owners_and_tells_no_status_without_possession,
                agreement::the_authorizer_and_verify_decide_alike,
                agreement::a_protected_api_accepts_only_its_organizations,
            );
        }
    };
    (@each $make:expr; $($($path:ident)::+),* $(,)?) => {
        $(
            scope_tests!(@one $make; $($path)::+);
        )*
    };
    (@one $make:expr; $name:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let app = spawn_app($make.await).await;
            super::$name(&app).await;
        }
    };
    (@one $make:expr; $module:ident :: $name:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let app = spawn_app($make.await).await;
            super::$module::$name(&app).await;
        }
    };
}

scope_tests!(sqlite, latchkey_tests::sqlite_store());
scope_tests!(dynamodb, latchkey_tests::dynamodb_store());

pub(crate) fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("expected a string, got {v}")).to_string()
}

/// A new API key of service account `account` with `scopes` (`Value::Null`: unscoped),
/// created by the bootstrapped owner: (key, key metadata).
pub(crate) async fn scoped_key(app: &TestApp, account: &str, scopes: Value) -> (String, Value) {
    let r =
        app.post(&format!("/service-accounts/{account}/api-keys"), &app.owner_token, json!({ "scopes": scopes })).await;
    let v = r.assert_status(201);
    (s(&v["api_key"]), v["key"].clone())
}

#[track_caller]
fn assert_insufficient(r: &Reply, scope: &str) {
    r.assert_problem(403, "insufficient_scope");
    assert_eq!(r.body["required_scope"], scope, "{}", r.text);
}

async fn each_latchkey_scope_opens_its_routes_and_no_other(app: &TestApp) {
    app.add_service_account("robot", Some("OWNER")).await;
    let (collab_id, _) = app.add_user("collab@example.com", json!({"roles": ["TokenCreator"]})).await;
    let key = |scope: &'static str| scoped_key(app, "robot", json!([scope]));

    let (read, _) = key("latchkey:read").await;
    assert_eq!(app.get("/users", &read).await.status, 200);
    assert_eq!(app.get("/service-accounts", &read).await.status, 200);
    assert_eq!(app.get("/tokens", &read).await.status, 200);
    assert_insufficient(
        &app.post("/service-accounts", &read, json!({"name": "nope"})).await,
        "latchkey:service-accounts",
    );

    let (users, _) = key("latchkey:users").await;
    // Lowering a never-owner's power is within a non-persistent credential's rights.
    let r = app.patch(&format!("/users/{collab_id}"), &users, json!({"roles": []})).await;
    assert_eq!(r.assert_status(200)["roles"], json!([]));
    assert_insufficient(&app.get("/users", &users).await, "latchkey:read");

    let (accounts, _) = key("latchkey:service-accounts").await;
    let r = app.post("/service-accounts", &accounts, json!({"name": "made-by-scoped"})).await;
    let first_key = s(&r.assert_status(201)["api_key"]);
    // The first key of an account a scoped credential creates carries the creator's scopes.
    assert_eq!(
        app.get("/me", &first_key).await.assert_status(200)["credential"]["scopes"],
        json!(["latchkey:service-accounts"])
    );
    assert_insufficient(&app.get("/service-accounts", &accounts).await, "latchkey:read");

    let (tokens, _) = key("latchkey:tokens").await;
    let r = app
        .post("/tokens", &tokens, json!({"user": collab_id, "scopes": ["latchkey:tokens"], "lifespan_days": 1}))
        .await;
    let token_id = s(&r.assert_status(201)["token_info"]["id"]);
    let r = app.patch(&format!("/tokens/{token_id}"), &tokens, json!({"description": "ci"})).await;
    assert_eq!(r.assert_status(200)["description"], "ci");
    assert_insufficient(
        &app.delete(&format!("/api-keys/{}", uuid::Uuid::new_v4()), &tokens).await,
        "latchkey:service-accounts",
    );

    let (verify, _) = key("latchkey:verify").await;
    let r = app.post("/verify", &verify, json!({"token": app.owner_token})).await;
    assert_eq!(r.assert_status(200)["code"], "valid");
    assert_insufficient(&app.post("/tokens", &verify, json!({"user": collab_id})).await, "latchkey:tokens");

    // No route of this release needs these two yet (the audit log and the organization
    // policy come with later sections): they open nothing here.
    for scope in ["latchkey:audit", "latchkey:policy"] {
        let (k, _) = key(scope).await;
        assert_insufficient(&app.get("/users", &k).await, "latchkey:read");
        assert_insufficient(&app.post("/verify", &k, json!({"token": "x"})).await, "latchkey:verify");
    }

    // Unscoped keys are as before: every route within the principal's power.
    let unscoped = app.add_service_account("plain", Some("OWNER")).await;
    assert_eq!(app.get("/users", &unscoped).await.status, 200);
    assert_eq!(app.post("/verify", &unscoped, json!({"token": "x"})).await.status, 200);
    // Scopes narrow, never widen: a collaborator's key with an OWNER route's scope is still
    // refused by the route's own gate.
    app.add_service_account("helper", None).await;
    let (collab_key, _) = scoped_key(app, "helper", json!(["latchkey:service-accounts", "latchkey:read"])).await;
    app.post("/service-accounts", &collab_key, json!({"name": "nope"})).await.assert_problem(403, "forbidden");
    app.get("/service-accounts", &collab_key).await.assert_problem(403, "forbidden");
}

async fn no_scopes_reach_only_me(app: &TestApp) {
    app.add_service_account("robot", Some("OWNER")).await;
    let (none, meta) = scoped_key(app, "robot", json!([])).await;
    assert_eq!(meta["scopes"], json!([]));
    let me = app.get("/me", &none).await;
    assert_eq!(me.assert_status(200)["credential"]["scopes"], json!([]), "an empty set is not unscoped");
    assert_insufficient(&app.get("/users", &none).await, "latchkey:read");
    assert_insufficient(&app.get(&format!("/users/{}", app.owner_id), &none).await, "latchkey:read");
    assert_insufficient(&app.post("/verify", &none, json!({"token": "x"})).await, "latchkey:verify");
    assert_insufficient(&app.delete("/service-accounts/robot/api-keys", &none).await, "latchkey:service-accounts");
    // Public routes need nothing.
    assert_eq!(app.raw("GET", "/api/v1/health", Some(&none), None, None).await.status, 200);
    // And the unscoped owner's own /me says so: null, not [].
    assert!(app.get("/me", &app.owner_token).await.body["credential"]["scopes"].is_null());
}

async fn scopes_are_validated(app: &TestApp) {
    app.add_service_account("robot", Some("OWNER")).await;
    let before = app.snapshot(&app.owner_token).await;
    let too_many: Vec<String> = (0..33).map(|i| format!("s{i}")).collect();
    for bad in [
        json!(["latchkey:admin"]),
        json!(["Orders:Read"]),
        json!(["1abc"]),
        json!([""]),
        json!(["a".repeat(65)]),
        json!(["orders:read", "orders:read"]),
        json!(too_many),
        json!("orders:read"),
        json!([1]),
    ] {
        let r = app.post("/service-accounts/robot/api-keys", &app.owner_token, json!({ "scopes": bad })).await;
        r.assert_problem(400, "validation_failed");
        let r = app.post("/tokens", &app.owner_token, json!({ "scopes": bad })).await;
        r.assert_problem(400, "validation_failed");
        let r = app.post("/service-accounts/robot/api-keys/rotate", &app.owner_token, json!({ "scopes": bad })).await;
        r.assert_problem(400, "validation_failed");
    }
    // The optional bodies still refuse unknown fields and accept nothing at all.
    app.post("/service-accounts/robot/api-keys", &app.owner_token, json!({"scope": ["a"]}))
        .await
        .assert_problem(400, "validation_failed");
    assert_eq!(app.snapshot(&app.owner_token).await, before, "refused requests changed something");
    let r = app.raw("POST", "/api/v1/service-accounts/robot/api-keys", Some(&app.owner_token), None, None).await;
    assert!(r.assert_status(201)["key"]["scopes"].is_null());
    let (_, meta) = scoped_key(app, "robot", json!(["a".repeat(64)])).await;
    assert_eq!(meta["scopes"], json!(["a".repeat(64)]));
}

async fn widening_is_refused(app: &TestApp) {
    app.add_service_account("robot", Some("OWNER")).await;
    let (collab_id, _) = app.add_user("collab@example.com", json!({})).await;
    let (key, _) =
        scoped_key(app, "robot", json!(["latchkey:service-accounts", "latchkey:users", "orders:read"])).await;
    // Its first use records last_used_at (then not again within the minute): before the snapshot.
    assert_eq!(app.me_status(&key).await, 200);
    let before = app.snapshot(&app.owner_token).await;
    // More scopes than its own, or none named (unscoped): 403.
    for scopes in [json!(["latchkey:service-accounts", "orders:write"]), json!(["latchkey:read"]), Value::Null] {
        let r = app.post("/service-accounts/robot/api-keys", &key, json!({ "scopes": scopes })).await;
        r.assert_problem(403, "forbidden");
        // (A rotation naming none keeps the newest replaced key's scopes: see the rotation test.)
        if !scopes.is_null() {
            let r = app.post("/service-accounts/robot/api-keys/rotate", &key, json!({ "scopes": scopes })).await;
            r.assert_problem(403, "forbidden");
        }
    }
    app.post("/service-accounts/robot/api-keys", &key, json!({})).await.assert_problem(403, "forbidden");
    // CLI tokens are always unscoped: a scoped credential creates none.
    app.post("/users", &key, json!({"email": "new@example.com"})).await.assert_problem(403, "forbidden");
    app.post(&format!("/users/{collab_id}/cli-tokens/rotate"), &key, json!({})).await.assert_problem(403, "forbidden");
    // A scoped credential is not persistent: it raises nobody's power.
    app.patch(&format!("/users/{collab_id}"), &key, json!({"roles": ["TokenCreator"]}))
        .await
        .assert_problem(403, "forbidden");
    app.patch(&format!("/users/{collab_id}"), &key, json!({"permission_level": "OWNER"}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.snapshot(&app.owner_token).await, before, "refused requests changed something");
    // The access-token route: a subset or nothing.
    let (tokens_key, _) = scoped_key(app, "robot", json!(["latchkey:tokens", "orders:read"])).await;
    assert_eq!(app.me_status(&tokens_key).await, 200);
    let before_tokens = app.snapshot(&app.owner_token).await;
    for body in [json!({"user": collab_id}), json!({"user": collab_id, "scopes": ["orders:write"]})] {
        app.post("/tokens", &tokens_key, body).await.assert_problem(403, "forbidden");
    }
    assert_eq!(app.snapshot(&app.owner_token).await, before_tokens, "refused requests changed something");
    let r = app.post("/tokens", &tokens_key, json!({"user": collab_id, "scopes": ["orders:read"]})).await;
    assert_eq!(r.assert_status(201)["token_info"]["scopes"], json!(["orders:read"]));
    // A subset is fine, and so is an empty set.
    let r = app.post("/service-accounts/robot/api-keys", &key, json!({"scopes": ["orders:read"]})).await;
    assert_eq!(r.assert_status(201)["key"]["scopes"], json!(["orders:read"]));
    let r = app.post("/service-accounts/robot/api-keys", &key, json!({"scopes": []})).await;
    assert_eq!(r.assert_status(201)["key"]["scopes"], json!([]));
}

async fn custom_scopes_are_handed_on(app: &TestApp) {
    app.add_service_account("robot", None).await;
    let (key, meta) = scoped_key(app, "robot", json!(["orders:write", "orders:read"])).await;
    assert_eq!(meta["scopes"], json!(["orders:read", "orders:write"]), "a set, kept sorted");
    let me = app.get("/me", &key).await;
    assert_eq!(me.assert_status(200)["credential"]["scopes"], json!(["orders:read", "orders:write"]));
    // Listings show them.
    let keys = app.get("/service-accounts/robot/api-keys", &app.owner_token).await;
    let listed = keys.assert_status(200)["items"].as_array().unwrap().iter().find(|k| k["id"] == meta["id"]).cloned();
    assert_eq!(listed.unwrap()["scopes"], json!(["orders:read", "orders:write"]));
    // /verify hands them on.
    let r = app.post("/verify", &app.owner_token, json!({"token": key, "source_ip": "2001:db8::1"})).await;
    let v = r.assert_status(200);
    assert_eq!((v["valid"].clone(), v["code"].clone()), (json!(true), json!("valid")));
    assert_eq!(v["credential"]["scopes"], json!(["orders:read", "orders:write"]));
    assert_eq!(v["credential"]["id"], meta["id"]);
    assert_eq!(v["credential"]["kind"], "api_key");
    assert_eq!(v["principal"]["principal_type"], "service_account");
    assert_eq!(v["principal"]["organization_id"], app.organization_id.as_str());
    // The authorizer's context: space-separated, beside `scoped`.
    let ctx = agreement::lambda_context(app, &key, None).await.expect("allowed");
    assert_eq!(ctx["scopes"], "orders:read orders:write");
    assert_eq!(ctx["scoped"], "true");
    assert_eq!(ctx["credential_id"], meta["id"]);
    assert_eq!(ctx["credential_kind"], "api_key");
    assert_eq!(ctx["organization_id"], app.organization_id.as_str());
    let owner_ctx = agreement::lambda_context(app, &app.owner_token, None).await.expect("allowed");
    assert_eq!((owner_ctx["scoped"].as_str(), owner_ctx["scopes"].as_str()), (Some("false"), Some("")));
    // A custom scope opens none of latchkey's routes.
    assert_insufficient(&app.get("/users", &key).await, "latchkey:read");
}

async fn rotations_keep_the_newest_replaced_keys_scopes(app: &TestApp) {
    app.add_service_account("robot", None).await;
    app.clock.advance(Duration::milliseconds(5));
    let (_, _) = scoped_key(app, "robot", json!(["orders:read"])).await;
    app.clock.advance(Duration::milliseconds(5));
    let (newest, _) = scoped_key(app, "robot", json!(["orders:read", "orders:write"])).await;
    app.clock.advance(Duration::milliseconds(5));
    // Named none (empty body, `{}`, null): the newest replaced key's scopes.
    let r = app.raw("POST", "/api/v1/service-accounts/robot/api-keys/rotate", Some(&app.owner_token), None, None).await;
    let v = r.assert_status(200).clone();
    assert_eq!(v["key"]["scopes"], json!(["orders:read", "orders:write"]));
    assert_eq!(app.me_status(&newest).await, 401, "the rotation revoked the older keys");
    let rotated = s(&v["api_key"]);
    assert_eq!(app.get("/me", &rotated).await.body["credential"]["scopes"], json!(["orders:read", "orders:write"]));
    app.clock.advance(Duration::milliseconds(5));
    let r = app.post("/service-accounts/robot/api-keys/rotate", &app.owner_token, json!({"scopes": null})).await;
    assert_eq!(r.assert_status(200)["key"]["scopes"], json!(["orders:read", "orders:write"]));
    app.clock.advance(Duration::milliseconds(5));
    // Named: those.
    let r =
        app.post("/service-accounts/robot/api-keys/rotate", &app.owner_token, json!({"scopes": ["orders:read"]})).await;
    assert_eq!(r.assert_status(200)["key"]["scopes"], json!(["orders:read"]));
    app.clock.advance(Duration::milliseconds(5));
    let r = app.post("/service-accounts/robot/api-keys/rotate", &app.owner_token, json!({})).await;
    assert_eq!(r.assert_status(200)["key"]["scopes"], json!(["orders:read"]));
    // A scoped caller rotating its own account's keys keeps them too, and never widens:
    // its rotation of an account whose newest key is unscoped is refused.
    app.add_service_account("admin", Some("OWNER")).await;
    let (admin, _) = scoped_key(app, "admin", json!(["latchkey:service-accounts"])).await;
    app.add_service_account("wide", None).await;
    app.post("/service-accounts/wide/api-keys/rotate", &admin, json!({})).await.assert_problem(403, "forbidden");
    let r = app.post("/service-accounts/wide/api-keys/rotate", &admin, json!({"scopes": []})).await;
    assert_eq!(r.assert_status(200)["key"]["scopes"], json!([]));
}

async fn verify_is_for_owners_and_tells_no_status_without_possession(app: &TestApp) {
    let (_, collab) = app.add_user("collab@example.com", json!({})).await;
    app.post("/verify", &collab, json!({"token": app.owner_token})).await.assert_problem(403, "forbidden");
    // Bad bodies: 400, never an answer.
    for body in [
        json!({}),
        json!({"token": app.owner_token, "source_ip": "not-an-ip"}),
        json!({"token": app.owner_token, "extra": 1}),
        json!({"token": 5}),
    ] {
        app.post("/verify", &app.owner_token, body).await.assert_problem(400, "validation_failed");
    }
    // A bad body never echoes the token.
    let r = app.post("/verify", &app.owner_token, json!({"token": 1, "source_ip": app.owner_token})).await;
    assert!(!r.text.contains(&app.owner_token), "{}", r.text);
    // Verifying records last_used_at like the authorizer.
    let key = app.add_service_account("robot", None).await;
    let r = app.post("/verify", &app.owner_token, json!({"token": key, "source_ip": "198.51.100.7"})).await;
    assert_eq!(r.assert_status(200)["code"], "valid");
    let keys = app.get("/service-accounts/robot/api-keys", &app.owner_token).await;
    assert!(keys.body["items"][0]["last_used_at"].is_string(), "{}", keys.text);
    // Invalid answers carry nothing but the code.
    let r = app.post("/verify", &app.owner_token, json!({"token": "garbage"})).await;
    assert_eq!(
        r.assert_status(200),
        &json!({"valid": false, "code": "malformed", "principal": null, "credential": null})
    );
}

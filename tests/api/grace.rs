//! Rotation with a grace period (SPEC section 10) through the API. The tests that need no
//! clock run in every arm of the walk; the ones that move the test's ManualClock run on
//! `serve` only (the function binaries read the system clock).

use chrono::{DateTime, Duration, Utc};
use latchkey::clock::Clock;
use latchkey_tests::app::TestApp;
use serde_json::{Value, json};

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("expected a string, got {v}")).to_string()
}

fn time(v: &Value) -> DateTime<Utc> {
    s(v).parse().unwrap_or_else(|e| panic!("not a time: {v}: {e}"))
}

/// The keys of `account` (all, inactive included) by id.
async fn key(app: &TestApp, account: &str, id: &str) -> Value {
    let all = app.get(&format!("/service-accounts/{account}/api-keys?show_inactive=true"), &app.owner_token).await;
    let items = all.assert_status(200)["items"].as_array().expect("items").clone();
    items.into_iter().find(|k| k["id"] == id).unwrap_or_else(|| panic!("key {id} not listed"))
}

/// A graced rotation of API keys and of CLI tokens keeps the older ones working (metadata:
/// active, `expires_at` the grace's end); a second rotation during the grace ends it at once;
/// a revoke-all ends a running grace; bad graces are 400 and change nothing.
pub(crate) async fn a_graced_rotation_keeps_the_older_credentials_until_it_is_ended(app: &TestApp) {
    let o = &app.owner_token;
    let first = app.add_service_account("ci-bot", None).await;
    let me = app.get("/me", &first).await.assert_status(200).clone();
    let first_id = s(&me["credential"]["id"]);
    assert!(me["credential"]["expires_at"].is_null());
    let rotate = "/service-accounts/ci-bot/api-keys/rotate";
    for bad in [
        json!({"grace_period_seconds": -1}),
        json!({"grace_period_seconds": 86401}),
        json!({"grace_period_seconds": "60"}),
        json!({"grace_period_seconds": null}),
    ] {
        app.post(rotate, o, bad).await.assert_problem(400, "validation_failed");
    }
    app.post("/service-accounts/ci-bot/api-keys", o, json!({"grace_period_seconds": 5}))
        .await
        .assert_problem(400, "validation_failed");
    assert_eq!(app.me_status(&first).await, 200);
    let before = Utc::now() - Duration::seconds(5);
    let v = app.post(rotate, o, json!({"grace_period_seconds": 3600})).await.assert_status(200).clone();
    let second = s(&v["api_key"]);
    assert_eq!(app.me_status(&first).await, 200, "the older key works through the grace");
    assert_eq!(app.me_status(&second).await, 200);
    let old = key(app, "ci-bot", &first_id).await;
    assert_eq!(old["status"], "active");
    assert!(old["revoked_at"].is_null());
    let grace_end = time(&old["expires_at"]);
    assert!(grace_end > before + Duration::seconds(3590) && grace_end < Utc::now() + Duration::seconds(3700));
    // The old key's own view of itself shows the same end.
    assert_eq!(time(&app.get("/me", &first).await.body["credential"]["expires_at"]), grace_end);
    // Listed as active by default.
    let active = app.get("/service-accounts/ci-bot/api-keys", o).await.body;
    assert_eq!(active["items"].as_array().unwrap().len(), 2, "{active}");
    // A rotation during the grace ends it: only two generations live.
    let third = s(&app.post(rotate, o, json!({"grace_period_seconds": 60})).await.assert_status(200)["api_key"]);
    assert_eq!(app.me_status(&first).await, 401);
    assert_eq!(app.me_status(&second).await, 200);
    assert_eq!(app.me_status(&third).await, 200);
    assert_eq!(key(app, "ci-bot", &first_id).await["status"], "revoked");
    // A revoke-all ends the running grace at once.
    app.delete("/service-accounts/ci-bot/api-keys", o).await.assert_status(204);
    assert_eq!(app.me_status(&second).await, 401);
    assert_eq!(app.me_status(&third).await, 401);

    // CLI tokens, one's own and another user's.
    let (ann_id, ann) = app.add_user("ann@example.com", json!({})).await;
    let path = format!("/users/{ann_id}/cli-tokens/rotate");
    app.post(&path, o, json!({"grace_period_seconds": 1.5})).await.assert_problem(400, "validation_failed");
    app.post(&path, o, json!({"grace": 5})).await.assert_problem(400, "validation_failed");
    let ann2 = s(&app.post(&path, o, json!({"grace_period_seconds": 600})).await.assert_status(200)["cli_token"]);
    assert_eq!(app.me_status(&ann).await, 200);
    assert!(app.get("/me", &ann).await.body["credential"]["expires_at"].is_string());
    assert!(app.get("/me", &ann2).await.body["credential"]["expires_at"].is_null());
    let ann3 = s(&app
        .post("/users/me/cli-tokens/rotate", &ann2, json!({"grace_period_seconds": 600}))
        .await
        .assert_status(200)["cli_token"]);
    assert_eq!(app.me_status(&ann).await, 401, "the rotation during the grace ended it");
    assert_eq!(app.me_status(&ann2).await, 200);
    // An ungraced rotation (no body, `{}` or 0) ends every older one at once.
    let ann4 =
        s(&app.post("/users/me/cli-tokens/rotate", &ann3, json!({"grace_period_seconds": 0})).await.assert_status(200)
            ["cli_token"]);
    assert_eq!(app.me_status(&ann2).await, 401);
    assert_eq!(app.me_status(&ann3).await, 401);
    assert_eq!(app.me_status(&ann4).await, 200);
}

/// The grace ends by the clock: the older credential is refused from then on, and shows as
/// revoked; housekeeping writes `revoked_at` only after the grace (serve's clock only).
pub(crate) async fn a_grace_ends_by_the_clock_and_its_sweep_waits_for_it(app: &TestApp) {
    let o = &app.owner_token;
    let first = app.add_service_account("ci-bot", None).await;
    let first_id = s(&app.get("/me", &first).await.body["credential"]["id"]);
    app.post("/service-accounts/ci-bot/api-keys/rotate", o, json!({"grace_period_seconds": 120}))
        .await
        .assert_status(200);
    // Housekeeping during the grace writes nothing on the older key.
    app.store.complete_pending_sweeps(app.clock.now()).await.expect("housekeeping");
    let old = key(app, "ci-bot", &first_id).await;
    assert_eq!((old["status"].clone(), old["revoked_at"].clone()), (json!("active"), Value::Null));
    app.clock.advance(Duration::seconds(119));
    assert_eq!(app.me_status(&first).await, 200);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(app.me_status(&first).await, 401, "refused from the grace's end");
    let old = key(app, "ci-bot", &first_id).await;
    assert_eq!(old["status"], "revoked");
    assert!(old["expires_at"].is_null(), "{old}");
    assert_eq!(app.store.complete_pending_sweeps(app.clock.now()).await.expect("housekeeping"), 1);
    let old = key(app, "ci-bot", &first_id).await;
    assert_eq!(old["status"], "revoked");
    assert!(old["revoked_at"].is_string(), "{old}");
}

/// Rolling one key: a successor like it (account, description, scopes); the rolled key alone
/// keeps working through the grace, its siblings are untouched; a rolled or revoked key, or
/// anything but an API key, cannot be rolled.
pub(crate) async fn rolling_one_key_keeps_only_that_key_through_the_grace(app: &TestApp) {
    let o = &app.owner_token;
    let first = app.add_service_account("ci-bot", None).await;
    let sibling = s(&app
        .post("/service-accounts/ci-bot/api-keys", o, json!({"scopes": ["orders:read"]}))
        .await
        .assert_status(201)["api_key"]);
    let sibling_id = s(&app.get("/me", &sibling).await.body["credential"]["id"]);
    let first_id = s(&app.get("/me", &first).await.body["credential"]["id"]);
    let roll = |id: &str| format!("/api-keys/{id}/rotate");
    app.post(&roll(&sibling_id), o, json!({"grace_period_seconds": 86401}))
        .await
        .assert_problem(400, "validation_failed");
    let (_, collab) = app.add_user("c@example.com", json!({})).await;
    app.post(&roll(&sibling_id), &collab, json!({})).await.assert_problem(403, "forbidden");
    let v = app.post(&roll(&sibling_id), o, json!({"grace_period_seconds": 3600})).await.assert_status(200).clone();
    let successor = s(&v["api_key"]);
    assert_eq!(v["key"]["scopes"], json!(["orders:read"]));
    assert_eq!(v["key"]["owner_id"], app.get("/me", &first).await.body["id"]);
    assert_eq!(app.me_status(&successor).await, 200);
    assert_eq!(app.me_status(&sibling).await, 200, "the rolled key works through the grace");
    assert_eq!(app.me_status(&first).await, 200, "its sibling is untouched");
    let rolled = key(app, "ci-bot", &sibling_id).await;
    assert_eq!(rolled["status"], "active");
    assert!(rolled["expires_at"].is_string());
    assert!(key(app, "ci-bot", &first_id).await["expires_at"].is_null());
    // Rolled once is rolled: again is a conflict; so is a revoked key; other kinds are 404.
    app.post(&roll(&sibling_id), o, json!({})).await.assert_problem(409, "conflict");
    let owner_credential = s(&app.get("/me", o).await.body["credential"]["id"]);
    app.post(&roll(&owner_credential), o, json!({})).await.assert_problem(404, "not_found");
    app.post(&roll(&uuid::Uuid::new_v4().to_string()), o, json!({})).await.assert_problem(404, "not_found");
    app.post(&roll("not-a-uuid"), o, json!({})).await.assert_problem(404, "not_found");
    // Without a grace the rolled key stops at once.
    let v = app.post(&roll(&first_id), o, json!({})).await.assert_status(200).clone();
    assert_eq!(app.me_status(&first).await, 401);
    assert_eq!(app.me_status(&s(&v["api_key"])).await, 200);
    assert_eq!(key(app, "ci-bot", &first_id).await["status"], "revoked");
    app.post(&roll(&first_id), o, json!({})).await.assert_problem(409, "conflict");
    // The account's rotation ends the rolled key's grace with the rest of its generation.
    app.post("/service-accounts/ci-bot/api-keys/rotate", o, json!({})).await.assert_status(200);
    assert_eq!(app.me_status(&sibling).await, 401);
    assert_eq!(app.me_status(&successor).await, 401);
}

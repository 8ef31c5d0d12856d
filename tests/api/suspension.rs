//! Suspending a principal (SPEC section 10), run by every arm of the walk: every credential
//! of a suspended user or service account is refused from the very next request and works
//! again once it is unsuspended; the last-owner guard counts suspended owners as gone.

use latchkey_tests::app::TestApp;
use serde_json::{Value, json};

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("expected a string, got {v}")).to_string()
}

/// Security: a suspended OWNER's CLI token and access token are refused (401) on the very
/// next request, and work again after it is unsuspended.
pub(crate) async fn a_suspended_owners_credentials_are_refused_until_unsuspended(app: &TestApp) {
    let o = &app.owner_token;
    let (second, second_cli) = app.add_user("second@example.com", json!({"permission_level": "OWNER"})).await;
    let access =
        s(&app.post("/tokens", &second_cli, json!({"description": "automation"})).await.assert_status(201)["token"]);
    assert_eq!(app.me_status(&access).await, 200);
    let path = format!("/users/{second}");
    let v = app.patch(&path, o, json!({"suspended": true})).await.assert_status(200).clone();
    assert_eq!(v["suspended"], true);
    assert_eq!(app.me_status(&second_cli).await, 401);
    assert_eq!(app.me_status(&access).await, 401);
    assert_eq!(app.get("/users", &second_cli).await.status, 401);
    // The suspension shows, and a repeat changes nothing.
    assert_eq!(app.get(&path, o).await.assert_status(200)["suspended"], true);
    app.patch(&path, o, json!({"suspended": true})).await.assert_status(200);
    app.patch(&path, o, json!({"suspended": false})).await.assert_status(200);
    assert_eq!(app.me_status(&second_cli).await, 200);
    assert_eq!(app.me_status(&access).await, 200);
    assert_eq!(app.get(&path, o).await.assert_status(200)["suspended"], false);
}

/// Security: suspending the last live owner is 409 (the organization can always be entered),
/// and a suspended owner counts as gone for the guard.
pub(crate) async fn suspending_the_last_live_owner_is_refused(app: &TestApp) {
    let o = &app.owner_token;
    let me = format!("/users/{}", app.owner_id);
    app.patch(&me, o, json!({"suspended": true})).await.assert_problem(409, "conflict");
    assert_eq!(app.me_status(o).await, 200);
    let (second, second_token) = app.add_user("second@example.com", json!({"permission_level": "OWNER"})).await;
    let second_path = format!("/users/{second}");
    app.patch(&second_path, o, json!({"suspended": true})).await.assert_status(200);
    // The second owner is suspended: the first is now the last live one, for every way out.
    app.patch(&me, o, json!({"suspended": true})).await.assert_problem(409, "conflict");
    app.patch(&me, o, json!({"permission_level": "COLLABORATOR"})).await.assert_problem(409, "conflict");
    app.delete("/users/me/cli-tokens", o).await.assert_problem(409, "conflict");
    app.delete(&me, o).await.assert_problem(409, "conflict");
    assert_eq!(app.me_status(o).await, 200);
    // Unsuspended, it counts again: now the first may be suspended, and the second can act.
    app.patch(&second_path, o, json!({"suspended": false})).await.assert_status(200);
    app.patch(&me, &second_token, json!({"suspended": true})).await.assert_status(200);
    assert_eq!(app.me_status(o).await, 401);
    app.patch(&second_path, &second_token, json!({"suspended": true})).await.assert_problem(409, "conflict");
    app.patch(&me, &second_token, json!({"suspended": false})).await.assert_status(200);
    assert_eq!(app.me_status(o).await, 200);
}

/// A suspended service account's API keys are refused, and work again once unsuspended; a
/// collaborator, an access token and a repeat are handled as the rules say.
pub(crate) async fn a_suspended_service_accounts_keys_are_refused_until_unsuspended(app: &TestApp) {
    let o = &app.owner_token;
    let key = app.add_service_account("ci-bot", None).await;
    let second = s(&app.post("/service-accounts/ci-bot/api-keys", o, json!({})).await.assert_status(201)["api_key"]);
    let v = app.patch("/service-accounts/ci-bot", o, json!({"suspended": true})).await.assert_status(200).clone();
    assert_eq!(v["suspended"], true);
    assert_eq!(app.me_status(&key).await, 401);
    assert_eq!(app.me_status(&second).await, 401);
    assert_eq!(app.get("/service-accounts/ci-bot", o).await.assert_status(200)["suspended"], true);
    app.patch("/service-accounts/ci-bot", o, json!({"suspended": false})).await.assert_status(200);
    assert_eq!(app.me_status(&key).await, 200);
    assert_eq!(app.me_status(&second).await, 200);
    // Who may: an OWNER with a persistent credential; bad bodies are 400; unknown is 404.
    let (_, collab) = app.add_user("c@example.com", json!({})).await;
    app.patch("/service-accounts/ci-bot", &collab, json!({"suspended": true})).await.assert_problem(403, "forbidden");
    let access = s(&app.post("/tokens", o, json!({})).await.assert_status(201)["token"]);
    app.patch("/service-accounts/ci-bot", &access, json!({"suspended": true})).await.assert_problem(403, "forbidden");
    app.patch("/service-accounts/ci-bot", o, json!({})).await.assert_problem(400, "validation_failed");
    app.patch("/service-accounts/ci-bot", o, json!({"suspended": "yes"}))
        .await
        .assert_problem(400, "validation_failed");
    app.patch("/service-accounts/ci-bot", o, json!({"name": "x"})).await.assert_problem(400, "validation_failed");
    app.patch("/service-accounts/nobody", o, json!({"suspended": true})).await.assert_problem(404, "not_found");
    assert_eq!(app.me_status(&key).await, 200);
    // A suspended OWNER service account is refused too (it is not a user: no guard applies).
    let admin = app.add_service_account("admin-bot", Some("OWNER")).await;
    app.patch("/service-accounts/admin-bot", o, json!({"suspended": true})).await.assert_status(200);
    assert_eq!(app.me_status(&admin).await, 401);
    // Suspending a user needs a persistent credential too.
    let (user, user_cli) = app.add_user("u@example.com", json!({})).await;
    app.patch(&format!("/users/{user}"), &access, json!({"suspended": true})).await.assert_problem(403, "forbidden");
    assert_eq!(app.me_status(&user_cli).await, 200);
}

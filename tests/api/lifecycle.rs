//! Credential lifecycle, the credential side (SPEC section 10), run by every arm of the walk
//! (`serve` on each store, and the function binaries behind `latchkey gateway`): disable and
//! enable, effective on the very next request; revoked stays final; a holder cannot undo an
//! owner's investigation; why a credential stopped (`revoked_reason`); API keys with a
//! description and a lifespan; where a credential was last used.

use latchkey_tests::app::TestApp;
use serde_json::{Value, json};

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("expected a string, got {v}")).to_string()
}

/// A user with TokenCreator, its CLI token, and one of its access tokens (id, token).
async fn user_with_access_token(app: &TestApp, email: &str) -> (String, String, String, String) {
    let (user_id, cli) = app.add_user(email, json!({"roles": ["TokenCreator"]})).await;
    let v = app.post("/tokens", &cli, json!({"description": "nightly"})).await.assert_status(201).clone();
    (user_id, cli, s(&v["token_info"]["id"]), s(&v["token"]))
}

/// The id of the service account's only key, found by its last six characters.
async fn key_id(app: &TestApp, key: &str) -> String {
    let page = app.get(&format!("/api-keys?last_six={}", &key[key.len() - 6..]), &app.owner_token).await;
    s(&page.assert_status(200)["items"][0]["id"])
}

/// SPEC section 10, the security rule: what an OWNER other than its holder disabled, only an
/// OWNER other than its holder, with a persistent credential, enables again. A holder cannot
/// undo an investigation, neither with its own credentials nor by disabling it again itself
/// (which would make it a holder's disable).
pub(crate) async fn a_holder_cannot_undo_an_owners_disable(app: &TestApp) {
    let owner = app.owner_token.clone();
    let (_, ann_cli, token_id, token) = user_with_access_token(app, "ann@example.com").await;
    let path = format!("/tokens/{token_id}");
    let v = app.patch(&path, &owner, json!({"disabled": true})).await.assert_status(200).clone();
    assert_eq!(v["status"], "disabled");
    assert_eq!(v["disabled_by"], app.owner_id.as_str());
    assert_eq!(app.me_status(&token).await, 401, "disabled from the very next request");
    // The holder, with its CLI token: refused, and it stays disabled.
    app.patch(&path, &ann_cli, json!({"disabled": false})).await.assert_problem(403, "forbidden");
    // Disabling it again itself changes nothing (it stays the owner's disable).
    let again = app.patch(&path, &ann_cli, json!({"disabled": true})).await.assert_status(200).clone();
    assert_eq!(again["disabled_by"], app.owner_id.as_str());
    app.patch(&path, &ann_cli, json!({"disabled": false})).await.assert_problem(403, "forbidden");
    assert_eq!(app.me_status(&token).await, 401);
    // Another OWNER on an access token (not persistent): refused too.
    let (_, bob_cli) = app.add_user("bob@example.com", json!({"permission_level": "OWNER"})).await;
    let bob_at = s(&app.post("/tokens", &bob_cli, json!({})).await.assert_status(201)["token"]);
    app.patch(&path, &bob_at, json!({"disabled": false})).await.assert_problem(403, "forbidden");
    assert_eq!(app.me_status(&token).await, 401);
    // An OWNER other than the holder with a persistent credential: enabled, works again.
    let v = app.patch(&path, &bob_cli, json!({"disabled": false})).await.assert_status(200).clone();
    assert_eq!(v["status"], "active");
    assert_eq!(v["disabled_at"], Value::Null);
    assert_eq!(app.me_status(&token).await, 200, "works again from the next request");
    // What the holder disabled itself, it enables again.
    app.patch(&path, &ann_cli, json!({"disabled": true})).await.assert_status(200);
    assert_eq!(app.me_status(&token).await, 401);
    app.patch(&path, &ann_cli, json!({"disabled": false})).await.assert_status(200);
    assert_eq!(app.me_status(&token).await, 200);

    // An API key of an OWNER service account, disabled by the owner: the account's other
    // key (the same holder) cannot enable it.
    let first = app.add_service_account("deployer", Some("OWNER")).await;
    let first_id = key_id(app, &first).await;
    let second =
        s(&app.post("/service-accounts/deployer/api-keys", &owner, json!({})).await.assert_status(201)["api_key"]);
    let key_path = format!("/api-keys/{first_id}");
    app.patch(&key_path, &owner, json!({"disabled": true})).await.assert_status(200);
    assert_eq!(app.me_status(&first).await, 401);
    app.patch(&key_path, &second, json!({"disabled": false})).await.assert_problem(403, "forbidden");
    assert_eq!(app.me_status(&first).await, 401);
    app.patch(&key_path, &owner, json!({"disabled": false})).await.assert_status(200);
    assert_eq!(app.me_status(&first).await, 200);
}

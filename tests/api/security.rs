//! SPEC section 7's identity rules, one test per hole of issue 12 (holes 1, 2, 9, 10, 11 and
//! 14): the local server (`spawn_app`) on each store, each test run once per store.

use latchkey::operator::{self, OperatorError, OperatorRequest};
use latchkey_tests::app::{TestApp, spawn_app};
use serde_json::{Value, json};

macro_rules! security_tests {
    ($store:ident, $make:expr) => {
        mod $store {
            use super::*;
            security_tests!(@each $make;
                an_owner_cannot_take_over_another_owner_by_demoting_it_first,
                an_owners_access_token_cannot_raise_anyones_power,
                an_owners_access_token_cannot_remove_users_or_service_accounts,
                an_access_token_creates_revokes_and_rotates_no_cli_token_or_api_key,
                a_stolen_access_token_cannot_mint_a_successor_that_outlives_its_revocation,
                two_owners_revoking_their_own_cli_tokens_cannot_lock_the_organization_out,
                invisible_and_direction_changing_characters_are_refused,
            );
        }
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let app = spawn_app($make.await).await;
                super::$name(&app).await;
            }
        )*
    };
}

security_tests!(sqlite, latchkey_tests::sqlite_store());
security_tests!(dynamodb, latchkey_tests::dynamodb_store());

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("expected a string, got {v}")).to_string()
}

/// An access token of the bootstrapped owner, made with its CLI token, and used once (its
/// `last_used_at` is recorded now, not inside a later snapshot comparison).
async fn owner_access_token(app: &TestApp) -> String {
    let token = s(&app
        .post("/tokens", &app.owner_token, json!({"description": "automation"}))
        .await
        .assert_status(201)["token"]);
    assert_eq!(app.me_status(&token).await, 200);
    token
}

async fn recover(app: &TestApp, email: &str) -> Result<String, OperatorError> {
    let request = OperatorRequest { organization: app.organization.clone(), owner_email: email.into() };
    operator::recover(app.store.as_ref(), app.clock.as_ref(), &app.config, &request).await.map(|o| o.cli_token)
}

/// Hole 1: owner A demotes owner B, rotates B's CLI tokens (receiving B's new token) and
/// promotes B back. `owner_since` keeps B's credentials its own, whatever its level.
async fn an_owner_cannot_take_over_another_owner_by_demoting_it_first(app: &TestApp) {
    let o = &app.owner_token;
    let (b_id, b_token) = app.add_user("bee@example.com", json!({"permission_level": "OWNER"})).await;
    let b_path = format!("/users/{b_id}");
    let demoted = app.patch(&b_path, o, json!({"permission_level": "COLLABORATOR"})).await;
    let demoted = demoted.assert_status(200).clone();
    assert_eq!(demoted["permission_level"], "COLLABORATOR");
    // Demoted, B is still protected: nobody else rotates its CLI tokens or mints its tokens.
    app.post(&format!("{b_path}/cli-tokens/rotate"), o, json!({})).await.assert_problem(403, "forbidden");
    app.post("/tokens", o, json!({"user": b_id})).await.assert_problem(403, "forbidden");
    app.post("/tokens", o, json!({"user": "bee@example.com"})).await.assert_problem(403, "forbidden");
    assert_eq!(app.me_status(&b_token).await, 200, "B's own token still works");
    // What protects it: owner_since, shown read-only, set for owners and kept by demotion.
    assert!(demoted["owner_since"].is_string(), "a demoted owner keeps owner_since: {demoted}");
    let first = app.get(&format!("/users/{}", app.owner_id), o).await;
    assert!(first.assert_status(200)["owner_since"].is_string(), "the bootstrapped owner: {}", first.text);
    let (collab, _) = app.add_user("collab@example.com", json!({})).await;
    let collab = app.get(&format!("/users/{collab}"), o).await;
    assert!(collab.assert_status(200)["owner_since"].is_null(), "never an owner: {}", collab.text);
    // Promoted back, B holds only its own credentials.
    let promoted = app.patch(&b_path, o, json!({"permission_level": "OWNER"})).await;
    assert_eq!(promoted.assert_status(200)["owner_since"], demoted["owner_since"], "set once, never moved");
    let tokens = app.get(&format!("/tokens?user={b_id}&show_inactive=true"), o).await;
    assert!(tokens.assert_status(200)["items"].as_array().unwrap().is_empty(), "{}", tokens.text);
    // A demoted former owner is never stranded: recover serves it.
    app.patch(&b_path, o, json!({"permission_level": "COLLABORATOR"})).await.assert_status(200);
    let recovered = recover(app, "bee@example.com").await.expect("recover serves a former owner");
    assert_eq!(app.me_status(&recovered).await, 200);
    assert_eq!(app.me_status(&b_token).await, 401);
    assert!(matches!(recover(app, "collab@example.com").await, Err(OperatorError::NotAnOwner(_))));
    // Removing a former owner stays allowed (to a persistent credential).
    app.delete(&b_path, o).await.assert_status(204);
    assert_eq!(app.me_status(&recovered).await, 401);
}

/// Hole 2: an OWNER's access token PATCHes an accomplice to OWNER or grants TokenCreator,
/// and the accomplice's CLI token carries that power forever.
async fn an_owners_access_token_cannot_raise_anyones_power(app: &TestApp) {
    let access = owner_access_token(app).await;
    let (accomplice, accomplice_token) = app.add_user("accomplice@example.com", json!({})).await;
    let path = format!("/users/{accomplice}");
    let before = app.snapshot(&app.owner_token).await;
    app.patch(&path, &access, json!({"permission_level": "OWNER"})).await.assert_problem(403, "forbidden");
    app.patch(&path, &access, json!({"roles": ["TokenCreator"]})).await.assert_problem(403, "forbidden");
    app.post("/users", &access, json!({"email": "new-owner@example.com", "permission_level": "OWNER"}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.snapshot(&app.owner_token).await, before, "a refused request changed something");
    // The accomplice's CLI token carries nothing it did not have.
    app.get("/service-accounts", &accomplice_token).await.assert_problem(403, "forbidden");
    app.post("/tokens", &accomplice_token, json!({})).await.assert_problem(403, "forbidden");

    // Lowering the power of a user that never was an owner is within an access token's rights...
    let (grace, _) = app.add_user("grace@example.com", json!({"roles": ["TokenCreator"]})).await;
    let r = app.patch(&format!("/users/{grace}"), &access, json!({"roles": []})).await;
    assert_eq!(r.assert_status(200)["roles"], json!([]));
    // ...lowering an owner's, or a former owner's, needs a persistent credential.
    let (second, _) = app.add_user("second@example.com", json!({"permission_level": "OWNER"})).await;
    let second_path = format!("/users/{second}");
    app.patch(&second_path, &access, json!({"permission_level": "COLLABORATOR"}))
        .await
        .assert_problem(403, "forbidden");
    app.patch(&format!("/users/{}", app.owner_id), &access, json!({"permission_level": "COLLABORATOR"}))
        .await
        .assert_problem(403, "forbidden");
    app.patch(&second_path, &app.owner_token, json!({"permission_level": "COLLABORATOR", "roles": ["TokenCreator"]}))
        .await
        .assert_status(200);
    app.patch(&second_path, &access, json!({"roles": []})).await.assert_problem(403, "forbidden");
    let second_now = app.get(&second_path, &app.owner_token).await;
    assert_eq!(second_now.assert_status(200)["roles"], json!(["TokenCreator"]));
}

/// Hole 9: an OWNER's access token removes users (other OWNERs too) and deletes service
/// accounts.
async fn an_owners_access_token_cannot_remove_users_or_service_accounts(app: &TestApp) {
    let access = owner_access_token(app).await;
    let (collab, collab_token) = app.add_user("collab@example.com", json!({})).await;
    let (second, second_token) = app.add_user("second@example.com", json!({"permission_level": "OWNER"})).await;
    let key = app.add_service_account("worker", None).await;
    let before = app.snapshot(&app.owner_token).await;
    app.delete(&format!("/users/{collab}"), &access).await.assert_problem(403, "forbidden");
    app.delete(&format!("/users/{second}"), &access).await.assert_problem(403, "forbidden");
    app.delete("/service-accounts/worker", &access).await.assert_problem(403, "forbidden");
    assert_eq!(app.snapshot(&app.owner_token).await, before, "a refused request changed something");
    for token in [&collab_token, &second_token, &key] {
        assert_eq!(app.me_status(token).await, 200);
    }
    // A persistent credential may.
    app.delete(&format!("/users/{second}"), &app.owner_token).await.assert_status(204);
    app.delete("/service-accounts/worker", &app.owner_token).await.assert_status(204);
    assert_eq!(app.me_status(&second_token).await, 401);
    assert_eq!(app.me_status(&key).await, 401);
}

/// Section 7: an access token is for automation within its holder's power, never over
/// identity: it creates, revokes and rotates no CLI token and no API key.
async fn an_access_token_creates_revokes_and_rotates_no_cli_token_or_api_key(app: &TestApp) {
    let access = owner_access_token(app).await;
    let (collab, collab_token) = app.add_user("collab@example.com", json!({})).await;
    let key = app.add_service_account("worker", None).await;
    let key_id = s(&app.get("/me", &key).await.body["credential"]["id"]);
    let before = app.snapshot(&app.owner_token).await;
    let refused = [
        app.post("/users", &access, json!({"email": "z@example.com"})).await,
        app.post("/service-accounts", &access, json!({"name": "sneaky"})).await,
        app.post("/service-accounts/worker/api-keys", &access, json!({})).await,
        app.post("/service-accounts/worker/api-keys/rotate", &access, json!({})).await,
        app.delete(&format!("/api-keys/{key_id}"), &access).await,
        app.delete("/service-accounts/worker/api-keys", &access).await,
        app.post(&format!("/users/{collab}/cli-tokens/rotate"), &access, json!({})).await,
        app.post("/users/me/cli-tokens/rotate", &access, json!({})).await,
        app.delete("/users/me/cli-tokens", &access).await,
    ];
    for reply in &refused {
        reply.assert_problem(403, "forbidden");
    }
    assert_eq!(app.snapshot(&app.owner_token).await, before, "a refused request changed something");
    for token in [&key, &collab_token, &app.owner_token, &access] {
        assert_eq!(app.me_status(token).await, 200);
    }
}

/// Hole 10: a stolen access token mints child access tokens (for itself or others) that
/// still work after it is revoked.
async fn a_stolen_access_token_cannot_mint_a_successor_that_outlives_its_revocation(app: &TestApp) {
    let (kim_id, kim) = app.add_user("kim@example.com", json!({"roles": ["TokenCreator"]})).await;
    let v = app.post("/tokens", &kim, json!({"description": "ci"})).await.assert_status(201).clone();
    let (stolen, stolen_id) = (s(&v["token"]), s(&v["token_info"]["id"]));
    assert_eq!(app.me_status(&stolen).await, 200);
    let owner_access = owner_access_token(app).await;
    let before = app.snapshot(&app.owner_token).await;
    app.post("/tokens", &stolen, json!({})).await.assert_problem(403, "forbidden");
    app.post("/tokens", &stolen, json!({"lifespan_days": 1})).await.assert_problem(403, "forbidden");
    app.post("/tokens", &owner_access, json!({})).await.assert_problem(403, "forbidden");
    app.post("/tokens", &owner_access, json!({"user": kim_id})).await.assert_problem(403, "forbidden");
    assert_eq!(app.snapshot(&app.owner_token).await, before, "a refused request changed something");
    // Within its rights it still describes and edits itself.
    app.get(&format!("/tokens/{stolen_id}"), &stolen).await.assert_status(200);
    app.patch(&format!("/tokens/{stolen_id}"), &stolen, json!({"description": "renamed"})).await.assert_status(200);
    // Revoked, nothing it made lives on.
    app.patch(&format!("/tokens/{stolen_id}"), &kim, json!({"revoked": true})).await.assert_status(200);
    assert_eq!(app.me_status(&stolen).await, 401);
    assert!(app.get("/tokens", &kim).await.assert_status(200)["items"].as_array().unwrap().is_empty());
}

/// Hole 11: two owners each revoke their own CLI tokens (204 and 204) and nobody can sign
/// in any more. The guard counts owners who hold a live CLI token, not OWNER levels.
async fn two_owners_revoking_their_own_cli_tokens_cannot_lock_the_organization_out(app: &TestApp) {
    let o = &app.owner_token;
    let (second, second_token) = app.add_user("second@example.com", json!({"permission_level": "OWNER"})).await;
    app.delete("/users/me/cli-tokens", o).await.assert_status(204);
    assert_eq!(app.me_status(o).await, 401);
    // The second owner is the only one left who can sign in: it may not go.
    app.delete("/users/me/cli-tokens", &second_token).await.assert_problem(409, "conflict");
    let second_path = format!("/users/{second}");
    app.patch(&second_path, &second_token, json!({"permission_level": "COLLABORATOR"}))
        .await
        .assert_problem(409, "conflict");
    app.delete(&second_path, &second_token).await.assert_problem(409, "conflict");
    assert_eq!(app.me_status(&second_token).await, 200);
    assert_eq!(app.get(&second_path, &second_token).await.assert_status(200)["permission_level"], "OWNER");
    // Rotating keeps a CLI token live; recovering the first owner makes it count again.
    let rotated =
        s(&app.post("/users/me/cli-tokens/rotate", &second_token, json!({})).await.assert_status(200)["cli_token"]);
    app.delete("/users/me/cli-tokens", &rotated).await.assert_problem(409, "conflict");
    let first = recover(app, "owner@example.com").await.expect("recover the first owner");
    app.delete("/users/me/cli-tokens", &rotated).await.assert_status(204);
    assert_eq!(app.me_status(&first).await, 200);
    app.delete("/users/me/cli-tokens", &first).await.assert_problem(409, "conflict");
}

/// Hole 14: invisible and direction-changing characters (Unicode category Cf) let one
/// principal pose as another on a screen.
async fn invisible_and_direction_changing_characters_are_refused(app: &TestApp) {
    let o = &app.owner_token;
    let v = app.post("/tokens", o, json!({"description": "ok"})).await.assert_status(201).clone();
    let token_id = s(&v["token_info"]["id"]);
    let before = app.snapshot(o).await;
    for email in
        ["col\u{200b}lab@acme.test", "\u{feff}admin@acme.test", "ad\u{00ad}min@acme.test", "a\u{2060}@acme.test"]
    {
        let r = app.post("/users", o, json!({ "email": email })).await;
        r.assert_problem(400, "validation_failed");
    }
    for name in ["Mallory \u{202e}nimda", "Eve\u{2066}", "\u{200d}", "Bob\u{061c}"] {
        let r = app.post("/users", o, json!({"email": "fine@example.com", "name": name})).await;
        r.assert_problem(400, "validation_failed");
    }
    for description in ["deploy\u{200b}", "\u{202a}x", "\u{2064}", "x\u{180e}"] {
        app.post("/tokens", o, json!({ "description": description })).await.assert_problem(400, "validation_failed");
        app.patch(&format!("/tokens/{token_id}"), o, json!({ "description": description }))
            .await
            .assert_problem(400, "validation_failed");
    }
    app.get("/tokens?user=col%E2%80%8Blab%40acme.test", o).await.assert_problem(400, "validation_failed");
    assert_eq!(app.snapshot(o).await, before, "a refused request changed something");
    let bootstrapped = operator::bootstrap(
        app.store.as_ref(),
        app.clock.as_ref(),
        &app.config,
        &OperatorRequest { organization: "acme\u{200b}corp".into(), owner_email: "x@example.com".into() },
    )
    .await;
    assert!(matches!(bootstrapped, Err(OperatorError::Invalid(_))), "{bootstrapped:?}");
    // Visible text beyond ASCII stays welcome.
    let r = app.post("/users", o, json!({"email": "josé@example.com", "name": "José Ñúñez"})).await;
    assert_eq!(r.assert_status(201)["user"]["name"], "José Ñúñez");
}

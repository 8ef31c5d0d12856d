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

/// Disable and enable an API key: refused from the next request, listed by default, works
/// again once enabled; revoked stays final (409); an access token cannot touch it (403);
/// bad input changes nothing.
pub(crate) async fn disabled_credentials_are_refused_listed_and_revoked_stays_final(app: &TestApp) {
    let owner = app.owner_token.clone();
    let key = app.add_service_account("deployer", None).await;
    let id = key_id(app, &key).await;
    let path = format!("/api-keys/{id}");
    let v = app.patch(&path, &owner, json!({"disabled": true, "description": "under investigation"})).await;
    let v = v.assert_status(200).clone();
    assert_eq!((v["status"].as_str(), v["description"].as_str()), (Some("disabled"), Some("under investigation")));
    assert!(v["disabled_at"].is_string(), "{v}");
    assert_eq!(app.me_status(&key).await, 401);
    let listed = app.get("/service-accounts/deployer/api-keys", &owner).await.assert_status(200).clone();
    assert_eq!(listed["items"][0]["status"], "disabled", "disabled keys are in default listings");
    let across = app.get(&format!("/api-keys?last_six={}", &key[key.len() - 6..]), &owner).await;
    assert_eq!(across.assert_status(200)["items"][0]["id"], id.as_str());
    // Refused and unchanged: nothing to change, a wrong type, an access token's caller.
    // (The access token is used once first: its `last_used_at` is then set.)
    let at = s(&app.post("/tokens", &owner, json!({})).await.assert_status(201)["token"]);
    assert_eq!(app.me_status(&at).await, 200);
    let before = app.snapshot(&owner).await;
    app.patch(&path, &owner, json!({})).await.assert_problem(400, "validation_failed");
    app.patch(&path, &owner, json!({"disabled": "yes"})).await.assert_problem(400, "validation_failed");
    app.patch(&path, &owner, json!({"revoked": true})).await.assert_problem(400, "validation_failed");
    app.patch(&path, &at, json!({"disabled": false})).await.assert_problem(403, "forbidden");
    assert!(app.snapshot(&owner).await == before, "refused requests change nothing");
    // Enabled: works again.
    app.patch(&path, &owner, json!({"disabled": false})).await.assert_status(200);
    assert_eq!(app.me_status(&key).await, 200);
    // Revoked stays final, disabled or not.
    app.delete(&path, &owner).await.assert_status(204);
    app.patch(&path, &owner, json!({"disabled": true})).await.assert_problem(409, "conflict");
    app.patch(&path, &owner, json!({"disabled": false})).await.assert_problem(409, "conflict");
    let shown = app.get("/api-keys?show_inactive=true", &owner).await.assert_status(200).clone();
    let item = shown["items"].as_array().unwrap().iter().find(|k| k["id"] == id.as_str()).unwrap().clone();
    assert_eq!((item["status"].as_str(), item["revoked_reason"].as_str()), (Some("revoked"), Some("revoked")));
    // Another kind's id is not an API key: 404.
    let (_, _, token_id, _) = user_with_access_token(app, "ann@example.com").await;
    app.patch(&format!("/api-keys/{token_id}"), &owner, json!({"disabled": true}))
        .await
        .assert_problem(404, "not_found");
    // An access token's holder disables and enables it itself, with the token itself too.
    let (_, _, token_id, token) = user_with_access_token(app, "bob@example.com").await;
    let token_path = format!("/tokens/{token_id}");
    app.patch(&token_path, &token, json!({"disabled": true})).await.assert_status(200);
    assert_eq!(app.me_status(&token).await, 401);
    app.patch(&token_path, &token, json!({"revoked": true})).await.assert_problem(401, "unauthorized");
    app.patch(&token_path, &owner, json!({"revoked": true})).await.assert_status(200);
    app.patch(&token_path, &owner, json!({"disabled": false})).await.assert_problem(409, "conflict");
}

/// `revoked_reason` on every revocation path: one key, revoke-all, rotation, removal.
pub(crate) async fn revoked_reason_tells_why_a_credential_stopped(app: &TestApp) {
    let owner = app.owner_token.clone();
    let reason_of = |list: Value, id: &str| -> Value {
        let item = list["items"].as_array().unwrap().iter().find(|k| k["id"] == id).cloned();
        item.unwrap_or_else(|| panic!("{id} not listed in {list}"))["revoked_reason"].clone()
    };
    let first = app.add_service_account("deployer", None).await;
    let first_id = key_id(app, &first).await;
    let live = app.get("/api-keys?show_inactive=true", &owner).await.assert_status(200).clone();
    assert_eq!(reason_of(live, &first_id), Value::Null, "null while it works");
    app.post("/service-accounts/deployer/api-keys/rotate", &owner, json!({})).await.assert_status(200);
    let list = app.get("/api-keys?show_inactive=true", &owner).await.assert_status(200).clone();
    assert_eq!(reason_of(list.clone(), &first_id), "rotated");
    let second_id = list["items"].as_array().unwrap().iter().find(|k| k["status"] == "active").unwrap()["id"].clone();
    app.delete("/service-accounts/deployer/api-keys", &owner).await.assert_status(204);
    let list = app.get("/api-keys?show_inactive=true", &owner).await.assert_status(200).clone();
    assert_eq!(reason_of(list, second_id.as_str().unwrap()), "revoked_all");
    let (_, _, token_id, _) = user_with_access_token(app, "ann@example.com").await;
    let (ann_id, _) = (s(&app.get(&format!("/tokens/{token_id}"), &owner).await.body["owner_id"]), ());
    app.delete(&format!("/users/{ann_id}"), &owner).await.assert_status(204);
    let token = app.get(&format!("/tokens/{token_id}"), &owner).await.assert_status(200).clone();
    assert_eq!((token["status"].as_str(), token["revoked_reason"].as_str()), (Some("revoked"), Some("owner_removed")));
}

/// API keys take a description and a lifespan (1–3650 days) on create and rotate; a rotation
/// that names neither keeps the newest replaced key's (the lifespan as a duration); nothing an
/// expiring credential creates outlives it; `allowed_ip_ranges` is refused until it is enforced.
pub(crate) async fn api_keys_have_descriptions_and_lifespans_that_rotations_keep(app: &TestApp) {
    let owner = app.owner_token.clone();
    app.add_service_account("deployer", Some("OWNER")).await;
    // Each key its own creation time (the gateway arm's system clock moves by itself).
    app.clock.advance(chrono::Duration::milliseconds(1));
    let create = "/service-accounts/deployer/api-keys";
    let v =
        app.post(create, &owner, json!({"description": "ci", "lifespan_days": 10})).await.assert_status(201).clone();
    let key = s(&v["api_key"]);
    assert_eq!(v["key"]["description"], "ci");
    let created = chrono::DateTime::parse_from_rfc3339(&s(&v["key"]["created_at"])).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(&s(&v["key"]["expires_at"])).unwrap();
    assert_eq!(expires - created, chrono::Duration::days(10));
    for bad in
        [json!({"lifespan_days": 0}), json!({"lifespan_days": 3651}), json!({"allowed_ip_ranges": ["10.0.0.1/8"]})]
    {
        app.post(create, &owner, bad).await.assert_problem(400, "validation_failed");
    }
    // A rotation that names neither keeps the newest key's description and lifespan.
    let rotate = "/service-accounts/deployer/api-keys/rotate";
    let v = app.post(rotate, &owner, json!({})).await.assert_status(200).clone();
    assert_eq!(v["key"]["description"], "ci");
    let created = chrono::DateTime::parse_from_rfc3339(&s(&v["key"]["created_at"])).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(&s(&v["key"]["expires_at"])).unwrap();
    assert_eq!(
        expires - created,
        chrono::Duration::days(10),
        "no rotation turns an expiring key into one that never expires"
    );
    let expiring = s(&v["api_key"]);
    assert_eq!(app.me_status(&key).await, 401, "rotated");
    // What the expiring key creates expires no later than it: capped when unnamed, 400 when longer.
    let own_expiry = s(&v["key"]["expires_at"]);
    let capped = app.post(create, &expiring, json!({})).await.assert_status(201).clone();
    assert_eq!(capped["key"]["expires_at"], own_expiry.as_str());
    app.post(create, &expiring, json!({"lifespan_days": 11})).await.assert_problem(400, "validation_failed");
    app.post(create, &expiring, json!({"lifespan_days": 5})).await.assert_status(201);
    // CLI tokens never expire: an expiring credential makes none.
    app.post("/users", &expiring, json!({"email": "x@example.com"})).await.assert_problem(400, "validation_failed");
    // A named description replaces; "" clears.
    let v = app.post(rotate, &owner, json!({"description": "", "lifespan_days": 30})).await.assert_status(200).clone();
    assert_eq!(v["key"]["description"], Value::Null);
}

/// `last_used_ip`: the source IP of the request that wrote `last_used_at`.
pub(crate) async fn last_used_ip_is_the_address_of_the_use(app: &TestApp) {
    let owner = app.owner_token.clone();
    let key = app.add_service_account("deployer", None).await;
    let id = key_id(app, &key).await;
    let before = app.get(&format!("/api-keys?last_six={}", &key[key.len() - 6..]), &owner).await;
    assert_eq!(before.assert_status(200)["items"][0]["last_used_ip"], Value::Null);
    assert_eq!(app.me_status(&key).await, 200);
    let after =
        app.get(&format!("/api-keys?last_six={}", &key[key.len() - 6..]), &owner).await.assert_status(200).clone();
    let item = &after["items"][0];
    assert_eq!(item["id"], id.as_str());
    assert!(item["last_used_at"].is_string(), "{item}");
    let ip: std::net::IpAddr = s(&item["last_used_ip"]).parse().expect("an IP address");
    assert!(ip.is_loopback(), "{ip}");
}

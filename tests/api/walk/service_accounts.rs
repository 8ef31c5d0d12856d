//! The walk's service accounts and their keys: the lifecycle and key revocation, rotation and
//! revoke-all touching only their own kind, and owners kept off other owners' credentials.

use super::*;

pub(super) async fn service_account_lifecycle_and_key_revocation(app: &TestApp) {
    let o = &app.owner_token;
    let r = app.post("/service-accounts", o, json!({"name": "ci-bot"})).await;
    let v = r.assert_status(201).clone();
    let email = format!("ci-bot@org-{}.serviceaccount.com", app.organization_id);
    assert_eq!(v["service_account"]["email"], email.as_str());
    assert_eq!(v["service_account"]["permission_level"], "COLLABORATOR");
    let first = s(&v["api_key"]);
    assert!(first.starts_with("lks_"));
    assert_eq!(app.get("/me", &first).await.assert_status(200)["email"], email.as_str());
    app.post("/service-accounts", o, json!({"name": "ci-bot"})).await.assert_problem(409, "conflict");
    // By name and by email (percent-encoded).
    assert_eq!(app.get("/service-accounts/ci-bot", o).await.assert_status(200)["email"], email.as_str());
    let by_email = app.get(&format!("/service-accounts/{}", email.replace('@', "%40")), o).await;
    assert_eq!(by_email.assert_status(200)["name"], "ci-bot");
    app.get("/service-accounts/nobody", o).await.assert_problem(404, "not_found");
    app.get("/service-accounts/Bad_Name", o).await.assert_problem(404, "not_found");
    // A second key, found by its last six characters.
    let r = app.post("/service-accounts/ci-bot/api-keys", o, json!({})).await;
    let v = r.assert_status(201).clone();
    let second = s(&v["api_key"]);
    let second_id = s(&v["key"]["id"]);
    assert_eq!(v["key"]["kind"], "api_key");
    assert_eq!(v["key"]["status"], "active");
    assert_eq!(v["key"]["last_six"], &second[second.len() - 6..]);
    let keys = app.get("/service-accounts/ci-bot/api-keys", o).await;
    assert_eq!(keys.assert_status(200)["items"].as_array().unwrap().len(), 2);
    let six = &second[second.len() - 6..];
    let found =
        app.get(&format!("/api-keys?service_account_email={}&last_six={six}", email.replace('@', "%40")), o).await;
    let items = found.assert_status(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], second_id.as_str());
    // Revoke one key: it stops on the very next request; the other keeps working.
    app.delete(&format!("/api-keys/{second_id}"), o).await.assert_status(204);
    assert_eq!(app.me_status(&second).await, 401);
    assert_eq!(app.me_status(&first).await, 200);
    let active = app.get("/service-accounts/ci-bot/api-keys", o).await.body["items"].as_array().unwrap().len();
    assert_eq!(active, 1);
    let all = app.get("/service-accounts/ci-bot/api-keys?show_inactive=true", o).await.body;
    let revoked: Vec<&Value> = all["items"].as_array().unwrap().iter().filter(|k| k["status"] == "revoked").collect();
    assert_eq!(revoked.len(), 1);
    assert!(revoked[0]["revoked_at"].is_string());
    // Rotate: all older keys stop, the new one works.
    let r = app.post("/service-accounts/ci-bot/api-keys/rotate", o, json!({})).await;
    let rotated = s(&r.assert_status(200)["api_key"]);
    assert_eq!(app.me_status(&first).await, 401);
    assert_eq!(app.me_status(&rotated).await, 200);
    // Revoke all.
    app.delete("/service-accounts/ci-bot/api-keys", o).await.assert_status(204);
    assert_eq!(app.me_status(&rotated).await, 401);
    let after = app.get("/service-accounts/ci-bot/api-keys?show_inactive=true", o).await.body;
    assert!(after["items"].as_array().unwrap().iter().all(|k| k["status"] == "revoked"), "{after}");
    // New key after revoke-all works; deleting the account kills it; a new account with
    // the same name is a new principal and the old keys stay dead.
    let fresh = s(&app.post("/service-accounts/ci-bot/api-keys", o, json!({})).await.assert_status(201)["api_key"]);
    assert_eq!(app.me_status(&fresh).await, 200);
    app.delete("/service-accounts/ci-bot", o).await.assert_status(204);
    assert_eq!(app.me_status(&fresh).await, 401);
    app.get("/service-accounts/ci-bot", o).await.assert_problem(404, "not_found");
    let reborn = app.add_service_account("ci-bot", None).await;
    assert_eq!(app.me_status(&reborn).await, 200);
    assert_eq!(app.me_status(&fresh).await, 401);
    // Revoking a non-key credential through /api-keys is not found.
    let me = app.get("/me", o).await.body;
    app.delete(&format!("/api-keys/{}", s(&me["credential"]["id"])), o).await.assert_problem(404, "not_found");
    app.delete(&format!("/api-keys/{}", uuid::Uuid::new_v4()), o).await.assert_problem(404, "not_found");
}

pub(super) async fn rotation_and_revoke_all_touch_only_their_own_kind(app: &TestApp) {
    let (_, carol) = app.add_user("carol@example.com", json!({"roles": ["TokenCreator"]})).await;
    let access = s(&app.post("/tokens", &carol, json!({"description": "ci"})).await.assert_status(201)["token"]);
    assert!(access.starts_with("lka_"));
    let rotated = s(&app.post("/users/me/cli-tokens/rotate", &carol, json!({})).await.assert_status(200)["cli_token"]);
    assert_eq!(app.me_status(&carol).await, 401);
    assert_eq!(app.me_status(&access).await, 200, "rotating CLI tokens must leave access tokens working");
    app.delete("/users/me/cli-tokens", &rotated).await.assert_status(204);
    assert_eq!(app.me_status(&access).await, 200);
    // An access token cannot revoke or rotate CLI tokens, nor mint keys or users.
    app.delete("/users/me/cli-tokens", &access).await.assert_problem(403, "forbidden");
    app.post("/users/me/cli-tokens/rotate", &access, json!({})).await.assert_problem(403, "forbidden");
}

pub(super) async fn owners_cannot_touch_other_owners_credentials(app: &TestApp) {
    let (other_owner, other_token) = app.add_user("second@example.com", json!({"permission_level": "OWNER"})).await;
    let (collab, collab_token) = app.add_user("collab@example.com", json!({})).await;
    app.post(&format!("/users/{other_owner}/cli-tokens/rotate"), &app.owner_token, json!({}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.me_status(&other_token).await, 200);
    app.post("/tokens", &app.owner_token, json!({"user": other_owner})).await.assert_problem(403, "forbidden");
    let r = app.post(&format!("/users/{collab}/cli-tokens/rotate"), &app.owner_token, json!({})).await;
    r.assert_status(200);
    assert_eq!(app.me_status(&collab_token).await, 401);
    // Owner creates an access token for a collaborator, by email.
    let r = app.post("/tokens", &app.owner_token, json!({"user": "COLLAB@example.com", "lifespan_days": 7})).await;
    let v = r.assert_status(201);
    assert_eq!(v["token_info"]["owner_id"], collab.as_str());
    assert_eq!(v["token_info"]["created_by"], app.owner_id.as_str());
}

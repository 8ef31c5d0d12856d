//! The walk's users and permission levels: health and `/me`, `serve`'s one spelling per path,
//! the users' lifecycle, what collaborators may not do, level and role changes on the next
//! request, the protected last owner, and a removed user's credentials.

use super::*;

pub(super) async fn health_and_me(app: &TestApp) {
    let r = app.raw("GET", "/api/v1/health", None, None, None).await;
    assert_eq!(r.assert_status(200), &json!({"status": "ok"}));
    let me = app.get("/me", &app.owner_token).await;
    let me = me.assert_status(200);
    assert_eq!(me["principal_type"], "user");
    assert_eq!(me["permission_level"], "OWNER");
    assert_eq!(me["organization_id"], app.organization_id.as_str());
    assert_eq!(me["credential"]["kind"], "cli_token");
    assert_eq!(me["credential"]["last_six"], &app.owner_token[app.owner_token.len() - 6..]);
    assert!(me["credential"]["expires_at"].is_null());
    // No token, a wrong scheme, garbage: 401 problem+json.
    app.raw("GET", "/api/v1/me", None, None, None).await.assert_problem(401, "unauthorized");
    app.raw("GET", "/api/v1/me", None, None, Some(&format!("Basic {}", app.owner_token)))
        .await
        .assert_problem(401, "unauthorized");
    app.raw("GET", "/api/v1/me", Some("garbage"), None, None).await.assert_problem(401, "unauthorized");
    // Unknown path or method: 404 problem+json.
    app.raw("GET", "/api/v1/nothing-here", Some(&app.owner_token), None, None).await.assert_problem(404, "not_found");
    app.raw("PUT", "/api/v1/me", Some(&app.owner_token), None, None).await.assert_problem(404, "not_found");
    // Responses carrying credentials must not be cached.
    assert_eq!(app.get("/me", &app.owner_token).await.headers["cache-control"], "no-store");
}

/// `serve`'s one spelling per path: a trailing slash redirects (308) to the path without
/// it, and never to another host.
pub(super) async fn one_spelling_per_path(app: &TestApp) {
    let r = app.raw("GET", "/console/", None, None, None).await;
    assert_eq!((r.status, r.headers["location"].to_str().unwrap()), (308, "/console"));
    let r = app.raw("GET", "/api/v1/me/?x=1", Some(&app.owner_token), None, None).await;
    assert_eq!((r.status, r.headers["location"].to_str().unwrap()), (308, "/api/v1/me?x=1"));
    let r = app.raw("GET", "//evil.example/", None, None, None).await;
    assert_eq!((r.status, r.headers["location"].to_str().unwrap()), (308, "/evil.example"));
}

pub(super) async fn users_lifecycle(app: &TestApp) {
    let r = app.post("/users", &app.owner_token, json!({"email": "  Alice@Example.COM ", "name": "Alice"})).await;
    let v = r.assert_status(201).clone();
    assert_eq!(v["user"]["email"], "alice@example.com");
    assert_eq!(v["user"]["permission_level"], "COLLABORATOR");
    assert_eq!(v["user"]["roles"], json!([]));
    assert_eq!(v["user"]["created_by"], app.owner_id.as_str());
    let alice_id = s(&v["user"]["id"]);
    let alice_token = s(&v["cli_token"]);
    assert!(alice_token.starts_with("lku_"));
    assert_eq!(app.get("/me", &alice_token).await.assert_status(200)["email"], "alice@example.com");
    // Email unique case-insensitively.
    app.post("/users", &app.owner_token, json!({"email": "ALICE@example.com"})).await.assert_problem(409, "conflict");
    // Service-account domain reserved.
    app.post("/users", &app.owner_token, json!({"email": format!("x@org-{}.serviceaccount.com", app.organization_id)}))
        .await
        .assert_problem(400, "validation_failed");
    // Any member lists and reads users.
    let list = app.get("/users", &alice_token).await;
    let items = list.assert_status(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(app.get(&format!("/users/{alice_id}"), &alice_token).await.assert_status(200)["id"], alice_id.as_str());
    app.get(&format!("/users/{}", uuid::Uuid::new_v4()), &alice_token).await.assert_problem(404, "not_found");
    app.get("/users/not-a-uuid", &alice_token).await.assert_problem(404, "not_found");
    // PATCH level and roles.
    let r = app.patch(&format!("/users/{alice_id}"), &app.owner_token, json!({"roles": ["TokenCreator"]})).await;
    assert_eq!(r.assert_status(200)["roles"], json!(["TokenCreator"]));
    app.patch(&format!("/users/{alice_id}"), &app.owner_token, json!({"roles": ["Admin"]}))
        .await
        .assert_problem(400, "validation_failed");
    // Rotate own CLI token: old stops, new works.
    let r = app.post("/users/me/cli-tokens/rotate", &alice_token, json!({})).await;
    let new_token = s(&r.assert_status(200)["cli_token"]);
    assert_eq!(app.me_status(&alice_token).await, 401);
    assert_eq!(app.me_status(&new_token).await, 200);
    // Revoke own CLI tokens.
    app.delete("/users/me/cli-tokens", &new_token).await.assert_status(204);
    assert_eq!(app.me_status(&new_token).await, 401);
    // Owner rotates Alice's tokens, then removes her: the new token dies at once.
    let r = app.post(&format!("/users/{alice_id}/cli-tokens/rotate"), &app.owner_token, json!({})).await;
    let owner_issued = s(&r.assert_status(200)["cli_token"]);
    assert_eq!(app.me_status(&owner_issued).await, 200);
    app.delete(&format!("/users/{alice_id}"), &app.owner_token).await.assert_status(204);
    assert_eq!(app.me_status(&owner_issued).await, 401);
    app.get(&format!("/users/{alice_id}"), &app.owner_token).await.assert_problem(404, "not_found");
    app.delete(&format!("/users/{alice_id}"), &app.owner_token).await.assert_problem(404, "not_found");
}

pub(super) async fn collaborators_cannot_act_as_owners(app: &TestApp) {
    let (_, bob) = app.add_user("bob@example.com", json!({})).await;
    let before = app.snapshot(&app.owner_token).await;
    app.post("/users", &bob, json!({"email": "x@example.com"})).await.assert_problem(403, "forbidden");
    app.post("/service-accounts", &bob, json!({"name": "ci"})).await.assert_problem(403, "forbidden");
    app.get("/service-accounts", &bob).await.assert_problem(403, "forbidden");
    app.get("/api-keys", &bob).await.assert_problem(403, "forbidden");
    app.patch(&format!("/users/{}", app.owner_id), &bob, json!({"permission_level": "COLLABORATOR"}))
        .await
        .assert_problem(403, "forbidden");
    app.delete(&format!("/users/{}", app.owner_id), &bob).await.assert_problem(403, "forbidden");
    app.post(&format!("/users/{}/cli-tokens/rotate", app.owner_id), &bob, json!({}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.snapshot(&app.owner_token).await, before);
    // A collaborator service account: no owner routes, no user routes.
    let key = app.add_service_account("reader", None).await;
    assert_eq!(app.get("/me", &key).await.assert_status(200)["principal_type"], "service_account");
    app.get("/users", &key).await.assert_status(200);
    app.get("/service-accounts", &key).await.assert_problem(403, "forbidden");
    app.post("/users/me/cli-tokens/rotate", &key, json!({})).await.assert_problem(403, "forbidden");
    app.delete("/users/me/cli-tokens", &key).await.assert_problem(403, "forbidden");
    app.post("/tokens", &key, json!({})).await.assert_problem(403, "forbidden");
    // An OWNER service account may do owner things, but never user-only ones.
    let admin = app.add_service_account("admin-bot", Some("OWNER")).await;
    app.post("/service-accounts", &admin, json!({"name": "made-by-bot"})).await.assert_status(201);
    app.post("/users/me/cli-tokens/rotate", &admin, json!({})).await.assert_problem(403, "forbidden");
    app.post("/tokens", &admin, json!({})).await.assert_problem(403, "forbidden");
}

pub(super) async fn level_and_role_changes_take_effect_on_the_next_request(app: &TestApp) {
    let (id, token) = app.add_user("frank@example.com", json!({})).await;
    app.get("/service-accounts", &token).await.assert_problem(403, "forbidden");
    app.patch(&format!("/users/{id}"), &app.owner_token, json!({"permission_level": "OWNER"})).await.assert_status(200);
    app.get("/service-accounts", &token).await.assert_status(200);
    app.patch(&format!("/users/{id}"), &app.owner_token, json!({"permission_level": "COLLABORATOR"}))
        .await
        .assert_status(200);
    app.get("/service-accounts", &token).await.assert_problem(403, "forbidden");
    app.post("/tokens", &token, json!({})).await.assert_problem(403, "forbidden");
    app.patch(&format!("/users/{id}"), &app.owner_token, json!({"roles": ["TokenCreator"]})).await.assert_status(200);
    app.post("/tokens", &token, json!({})).await.assert_status(201);
    app.patch(&format!("/users/{id}"), &app.owner_token, json!({"roles": []})).await.assert_status(200);
    app.post("/tokens", &token, json!({})).await.assert_problem(403, "forbidden");
}

pub(super) async fn last_owner_is_protected(app: &TestApp) {
    let o = &app.owner_token;
    let me = format!("/users/{}", app.owner_id);
    app.patch(&me, o, json!({"permission_level": "COLLABORATOR"})).await.assert_problem(409, "conflict");
    app.delete(&me, o).await.assert_problem(409, "conflict");
    app.delete("/users/me/cli-tokens", o).await.assert_problem(409, "conflict");
    assert_eq!(app.me_status(o).await, 200);
    // With a second owner, demoting one is fine, and then the other is the last.
    let (second, second_token) = app.add_user("second@example.com", json!({"permission_level": "OWNER"})).await;
    app.patch(&me, o, json!({"permission_level": "COLLABORATOR"})).await.assert_status(200);
    app.patch(&format!("/users/{second}"), &second_token, json!({"permission_level": "COLLABORATOR"}))
        .await
        .assert_problem(409, "conflict");
    // Two owners demoting each other at once: exactly one wins.
    app.patch(&me, &second_token, json!({"permission_level": "OWNER"})).await.assert_status(200);
    let second_path = format!("/users/{second}");
    let (a, b) = tokio::join!(
        app.patch(&me, &second_token, json!({"permission_level": "COLLABORATOR"})),
        app.patch(&second_path, o, json!({"permission_level": "COLLABORATOR"})),
    );
    // The loser is refused either by the last-owner guard (409) or, when the winner's
    // demotion landed before its authorizer ran, because it is no longer an OWNER (403).
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert!(statuses == [200, 409] || statuses == [200, 403], "{} / {}", a.text, b.text);
    let users = app.get("/users", if a.status == 200 { o } else { &second_token }).await.body;
    let owners = users["items"].as_array().unwrap().iter().filter(|u| u["permission_level"] == "OWNER").count();
    assert_eq!(owners, 1, "{users}");
}

pub(super) async fn removing_a_user_revokes_everything_it_held(app: &TestApp) {
    let (id, nina) = app.add_user("nina@example.com", json!({"roles": ["TokenCreator"]})).await;
    let access = s(&app.post("/tokens", &nina, json!({})).await.assert_status(201)["token"]);
    assert_eq!(app.me_status(&access).await, 200);
    app.delete(&format!("/users/{id}"), &app.owner_token).await.assert_status(204);
    assert_eq!(app.me_status(&nina).await, 401);
    assert_eq!(app.me_status(&access).await, 401);
    let all = app.get("/tokens?show_inactive=true", &app.owner_token).await.body;
    assert!(all["items"].as_array().unwrap().iter().all(|t| t["status"] == "revoked"), "{all}");
}

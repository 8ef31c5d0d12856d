//! The walk's access tokens: who may create them, their privacy, that they create no
//! credentials, expiry by the clock, edits and revocation.

use super::*;

pub(super) async fn access_tokens_need_the_role_or_an_owner(app: &TestApp) {
    let (grace_id, grace) = app.add_user("grace@example.com", json!({})).await;
    app.post("/tokens", &grace, json!({})).await.assert_problem(403, "forbidden");
    app.patch(&format!("/users/{grace_id}"), &app.owner_token, json!({"roles": ["TokenCreator"]}))
        .await
        .assert_status(200);
    let r = app.post("/tokens", &grace, json!({"lifespan_days": 10, "description": "nightly build"})).await;
    let v = r.assert_status(201).clone();
    let info = &v["token_info"];
    assert_eq!(info["kind"], "access_token");
    assert_eq!(info["owner_id"], grace_id.as_str());
    assert_eq!(info["owner_email"], "grace@example.com");
    assert_eq!(info["description"], "nightly build");
    assert_eq!(info["status"], "active");
    assert_eq!(info["created_by"], grace_id.as_str());
    let created: chrono::DateTime<chrono::Utc> = serde_json::from_value(info["created_at"].clone()).unwrap();
    let expires: chrono::DateTime<chrono::Utc> = serde_json::from_value(info["expires_at"].clone()).unwrap();
    assert_eq!(expires - created, Duration::days(10));
    let token = s(&v["token"]);
    let me = app.get("/me", &token).await;
    assert_eq!(me.assert_status(200)["credential"]["kind"], "access_token");
    // Default lifespan 30 days.
    let v = app.post("/tokens", &grace, json!({})).await.assert_status(201).clone();
    let created: chrono::DateTime<chrono::Utc> = serde_json::from_value(v["token_info"]["created_at"].clone()).unwrap();
    let expires: chrono::DateTime<chrono::Utc> = serde_json::from_value(v["token_info"]["expires_at"].clone()).unwrap();
    assert_eq!(expires - created, Duration::days(30));
    // Role removed: creating stops, but listing and revoking one's own still work.
    app.patch(&format!("/users/{grace_id}"), &app.owner_token, json!({"roles": []})).await.assert_status(200);
    app.post("/tokens", &grace, json!({})).await.assert_problem(403, "forbidden");
    let list = app.get("/tokens", &grace).await;
    assert_eq!(list.assert_status(200)["items"].as_array().unwrap().len(), 2);
    let id = s(&list.body["items"][0]["id"]);
    app.patch(&format!("/tokens/{id}"), &grace, json!({"revoked": true})).await.assert_status(200);
    // A collaborator cannot create for someone else, even with the role.
    let (_, heidi) = app.add_user("heidi@example.com", json!({"roles": ["TokenCreator"]})).await;
    app.post("/tokens", &heidi, json!({"user": grace_id})).await.assert_problem(403, "forbidden");
}

pub(super) async fn access_tokens_are_private_to_their_owner(app: &TestApp) {
    let (ivan_id, ivan) = app.add_user("ivan@example.com", json!({"roles": ["TokenCreator"]})).await;
    let (_, judy) = app.add_user("judy@example.com", json!({"roles": ["TokenCreator"]})).await;
    let v = app.post("/tokens", &ivan, json!({"description": "mine"})).await.assert_status(201).clone();
    let id = s(&v["token_info"]["id"]);
    app.get(&format!("/tokens/{id}"), &judy).await.assert_problem(404, "not_found");
    app.patch(&format!("/tokens/{id}"), &judy, json!({"revoked": true})).await.assert_problem(404, "not_found");
    app.patch(&format!("/tokens/{id}"), &judy, json!({"description": "hijacked"}))
        .await
        .assert_problem(404, "not_found");
    assert!(app.get("/tokens", &judy).await.body["items"].as_array().unwrap().is_empty());
    app.get(&format!("/tokens?user={ivan_id}"), &judy).await.assert_problem(403, "forbidden");
    // The owner sees all, or one user's, and can describe and revoke.
    let all = app.get("/tokens", &app.owner_token).await.body;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    let ivans = app.get("/tokens?user=ivan%40example.com", &app.owner_token).await.body;
    assert_eq!(ivans["items"][0]["id"], id.as_str());
    app.get(&format!("/tokens/{id}"), &app.owner_token).await.assert_status(200);
    app.patch(&format!("/tokens/{id}"), &app.owner_token, json!({"revoked": true})).await.assert_status(200);
    assert_eq!(app.get(&format!("/tokens/{id}"), &ivan).await.body["status"], "revoked");
    // CLI tokens are not access tokens.
    let cli_id = s(&app.get("/me", &ivan).await.body["credential"]["id"]);
    app.get(&format!("/tokens/{cli_id}"), &ivan).await.assert_problem(404, "not_found");
}

/// SPEC section 7 replaces section 1's "an access token it creates expires no later than its
/// own": a caller authenticated by an access token creates no credential at all, so a stolen
/// one mints no successor that would survive its revocation.
pub(super) async fn access_tokens_create_no_credentials(app: &TestApp) {
    let (_, kim) = app.add_user("kim@example.com", json!({"roles": ["TokenCreator"]})).await;
    let short = s(&app.post("/tokens", &kim, json!({"lifespan_days": 5})).await.assert_status(201)["token"]);
    for body in [json!({"lifespan_days": 30}), json!({}), json!({"lifespan_days": 2})] {
        app.post("/tokens", &short, body).await.assert_problem(403, "forbidden");
    }
    let owner_access = s(&app.post("/tokens", &app.owner_token, json!({})).await.assert_status(201)["token"]);
    app.post("/tokens", &owner_access, json!({})).await.assert_problem(403, "forbidden");
    app.post("/users", &owner_access, json!({"email": "z@example.com"})).await.assert_problem(403, "forbidden");
    app.post("/service-accounts", &owner_access, json!({"name": "sneaky"})).await.assert_problem(403, "forbidden");
    app.add_service_account("target", None).await;
    app.post("/service-accounts/target/api-keys", &owner_access, json!({})).await.assert_problem(403, "forbidden");
    app.post("/service-accounts/target/api-keys/rotate", &owner_access, json!({}))
        .await
        .assert_problem(403, "forbidden");
    app.post(&format!("/users/{}/cli-tokens/rotate", app.owner_id), &owner_access, json!({}))
        .await
        .assert_problem(403, "forbidden");
}

pub(super) async fn access_tokens_expire_by_the_clock(app: &TestApp) {
    let (_, leo) = app.add_user("leo@example.com", json!({"roles": ["TokenCreator"]})).await;
    let v = app.post("/tokens", &leo, json!({"lifespan_days": 1})).await.assert_status(201).clone();
    let token = s(&v["token"]);
    let id = s(&v["token_info"]["id"]);
    assert_eq!(app.me_status(&token).await, 200);
    app.clock.advance(Duration::days(1) + Duration::seconds(1));
    assert_eq!(app.me_status(&token).await, 401, "an expired token must be refused even before TTL purges it");
    assert!(app.get("/tokens", &leo).await.body["items"].as_array().unwrap().is_empty());
    let all = app.get("/tokens?show_inactive=true", &leo).await.body;
    assert_eq!(all["items"][0]["id"], id.as_str());
    assert_eq!(all["items"][0]["status"], "expired");
    app.patch(&format!("/tokens/{id}"), &leo, json!({"description": "late"})).await.assert_problem(409, "conflict");
}

pub(super) async fn access_token_edits_and_revocation(app: &TestApp) {
    let (_, mia) = app.add_user("mia@example.com", json!({"roles": ["TokenCreator"]})).await;
    let v = app.post("/tokens", &mia, json!({"description": "first"})).await.assert_status(201).clone();
    let id = s(&v["token_info"]["id"]);
    let token = s(&v["token"]);
    let r = app.patch(&format!("/tokens/{id}"), &mia, json!({"description": "renamed <b>bold</b>"})).await;
    assert_eq!(r.assert_status(200)["description"], "renamed <b>bold</b>");
    assert_eq!(app.get(&format!("/tokens/{id}"), &mia).await.body["description"], "renamed <b>bold</b>");
    app.patch(&format!("/tokens/{id}"), &mia, json!({"revoked": false})).await.assert_status(200);
    let r = app.patch(&format!("/tokens/{id}"), &mia, json!({"revoked": true})).await;
    let v = r.assert_status(200);
    assert_eq!(v["status"], "revoked");
    assert!(v["revoked_at"].is_string());
    assert_eq!(app.me_status(&token).await, 401);
    app.patch(&format!("/tokens/{id}"), &mia, json!({"revoked": false})).await.assert_problem(400, "validation_failed");
    app.patch(&format!("/tokens/{id}"), &mia, json!({"description": "again"})).await.assert_problem(409, "conflict");
    app.patch(&format!("/tokens/{id}"), &mia, json!({"revoked": true})).await.assert_status(200);
    assert!(app.get("/tokens", &mia).await.body["items"].as_array().unwrap().is_empty());
    assert_eq!(app.get("/tokens?show_inactive=true", &mia).await.body["items"][0]["status"], "revoked");
}

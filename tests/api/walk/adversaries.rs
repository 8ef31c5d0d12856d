//! The walk against its adversaries: another organization sees 404 and changes nothing, and
//! hostile inputs get problems and change nothing.

use super::*;

pub(super) async fn other_organizations_see_404_and_change_nothing(app: &TestApp) {
    let o = &app.owner_token;
    let key = app.add_service_account("shared-name", None).await;
    let (user_id, _) = app.add_user("dave@example.com", json!({"roles": ["TokenCreator"]})).await;
    let key_id = s(&app.get("/me", &key).await.body["credential"]["id"]);
    let token_id = s(&app.post("/tokens", o, json!({"user": user_id})).await.assert_status(201)["token_info"]["id"]);
    let before = app.snapshot(o).await;

    let other = latchkey::operator::bootstrap(
        app.store.as_ref(),
        app.clock.as_ref(),
        &app.config,
        &latchkey::operator::OperatorRequest {
            organization: format!("other-{}", uuid::Uuid::new_v4()),
            owner_email: "eve@evil.example".into(),
        },
    )
    .await
    .unwrap();
    let eve = other.cli_token.as_str();
    // The audit log too: another organization's events are not found, nor listed.
    let ours = app.get("/audit-events?max_items=1", o).await.assert_status(200)["items"][0]["id"].clone();
    app.get(&format!("/audit-events/{}", s(&ours)), eve).await.assert_problem(404, "not_found");
    let theirs = app.get("/audit-events?max_items=100", eve).await.assert_status(200).clone();
    assert!(
        theirs["items"].as_array().unwrap().iter().all(|e| e["organization_id"] == other.organization_id.to_string())
    );
    app.get(&format!("/users/{user_id}"), eve).await.assert_problem(404, "not_found");
    app.patch(&format!("/users/{user_id}"), eve, json!({"permission_level": "OWNER"}))
        .await
        .assert_problem(404, "not_found");
    app.delete(&format!("/users/{user_id}"), eve).await.assert_problem(404, "not_found");
    app.post(&format!("/users/{user_id}/cli-tokens/rotate"), eve, json!({})).await.assert_problem(404, "not_found");
    app.get("/service-accounts/shared-name", eve).await.assert_problem(404, "not_found");
    let foreign_email = format!("shared-name@org-{}.serviceaccount.com", app.organization_id).replace('@', "%40");
    app.get(&format!("/service-accounts/{foreign_email}"), eve).await.assert_problem(404, "not_found");
    app.delete("/service-accounts/shared-name", eve).await.assert_problem(404, "not_found");
    app.post("/service-accounts/shared-name/api-keys", eve, json!({})).await.assert_problem(404, "not_found");
    app.delete(&format!("/api-keys/{key_id}"), eve).await.assert_problem(404, "not_found");
    app.get(&format!("/tokens/{token_id}"), eve).await.assert_problem(404, "not_found");
    app.patch(&format!("/tokens/{token_id}"), eve, json!({"revoked": true})).await.assert_problem(404, "not_found");
    app.post("/tokens", eve, json!({"user": user_id})).await.assert_problem(400, "validation_failed");
    let users = app.get("/users", eve).await.body;
    assert_eq!(users["items"].as_array().unwrap().len(), 1, "only eve herself: {users}");
    assert!(app.get("/api-keys?show_inactive=true", eve).await.body["items"].as_array().unwrap().is_empty());
    // The same name in another organization is a different account.
    app.post("/service-accounts", eve, json!({"name": "shared-name"})).await.assert_status(201);
    assert_eq!(app.me_status(&key).await, 200);
    assert_eq!(app.snapshot(o).await, before);
}

pub(super) async fn hostile_inputs_get_problems_and_change_nothing(app: &TestApp) {
    let o = app.owner_token.clone();
    app.add_service_account("victim", None).await;
    let before = app.snapshot(&o).await;
    let big = vec![b'a'; 64 * 1024 + 1];
    let mut wrong_checksum = o.clone().into_bytes();
    let last = wrong_checksum.len() - 1;
    wrong_checksum[last] = if wrong_checksum[last] == b'0' { b'1' } else { b'0' };
    let wrong_checksum = String::from_utf8(wrong_checksum).unwrap();
    let forged_cursor =
        "eyJ2IjoxLCJvIjoiMDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwIiwibCI6InVzZXJzIiwicCI6IngifQ";
    let forged_path = format!("/api/v1/users?cursor={forged_cursor}");
    // (method, path, body, expected status, expected code)
    type Case<'a> = (&'a str, &'a str, Option<Vec<u8>>, u16, &'a str);
    let cases: Vec<Case> = vec![
        ("POST", "/api/v1/service-accounts", Some(b"{not json".to_vec()), 400, "validation_failed"),
        (
            "POST",
            "/api/v1/service-accounts",
            Some(br#"{"name":"ok-name","colour":"red"}"#.to_vec()),
            400,
            "validation_failed",
        ),
        ("POST", "/api/v1/service-accounts", Some(br#"{"name":42}"#.to_vec()), 400, "validation_failed"),
        ("POST", "/api/v1/service-accounts", Some(br#"{"name":"Bad_Name"}"#.to_vec()), 400, "validation_failed"),
        ("POST", "/api/v1/service-accounts", Some(br#"{"name":"-x"}"#.to_vec()), 400, "validation_failed"),
        ("POST", "/api/v1/service-accounts", Some(br#"{"name":"x-"}"#.to_vec()), 400, "validation_failed"),
        (
            "POST",
            "/api/v1/service-accounts",
            Some(format!(r#"{{"name":"{}"}}"#, "a".repeat(64)).into_bytes()),
            400,
            "validation_failed",
        ),
        (
            "POST",
            "/api/v1/service-accounts",
            Some(br#"{"name":"ok","permission_level":"ROOT"}"#.to_vec()),
            400,
            "validation_failed",
        ),
        ("POST", "/api/v1/service-accounts", Some(big.clone()), 413, "payload_too_large"),
        ("POST", "/api/v1/service-accounts", Some(b"[]".to_vec()), 400, "validation_failed"),
        ("POST", "/api/v1/users", Some(br#"{"email":"not-an-email"}"#.to_vec()), 400, "validation_failed"),
        (
            "POST",
            "/api/v1/users",
            Some(br#"{"email":"a@b.co","roles":"TokenCreator"}"#.to_vec()),
            400,
            "validation_failed",
        ),
        ("POST", "/api/v1/users/me/cli-tokens/rotate", Some(br#"{"x":1}"#.to_vec()), 400, "validation_failed"),
        (
            "DELETE",
            "/api/v1/service-accounts/victim/api-keys",
            Some(br#"{"all":true}"#.to_vec()),
            400,
            "validation_failed",
        ),
        ("GET", "/api/v1/users?max_items=0", None, 400, "validation_failed"),
        ("GET", "/api/v1/users?max_items=101", None, 400, "validation_failed"),
        ("GET", "/api/v1/users?max_items=ten", None, 400, "validation_failed"),
        ("GET", "/api/v1/users?max_items=-1", None, 400, "validation_failed"),
        ("GET", "/api/v1/users?cursor=garbage", None, 400, "validation_failed"),
        ("GET", &forged_path, None, 400, "validation_failed"),
        ("GET", "/api/v1/users?colour=red", None, 400, "validation_failed"),
        ("GET", "/api/v1/users?max_items=5&max_items=6", None, 400, "validation_failed"),
        ("GET", "/api/v1/api-keys?show_inactive=yes", None, 400, "validation_failed"),
        ("GET", "/api/v1/api-keys?last_six=abc", None, 400, "validation_failed"),
        ("GET", "/api/v1/tokens?lifespan_days=3", None, 400, "validation_failed"),
        ("POST", "/api/v1/tokens", Some(br#"{"lifespan_days":0}"#.to_vec()), 400, "validation_failed"),
        ("POST", "/api/v1/tokens", Some(br#"{"lifespan_days":366}"#.to_vec()), 400, "validation_failed"),
        ("POST", "/api/v1/tokens", Some(br#"{"lifespan_days":-5}"#.to_vec()), 400, "validation_failed"),
        ("POST", "/api/v1/tokens", Some(br#"{"lifespan_days":1.5}"#.to_vec()), 400, "validation_failed"),
        ("POST", "/api/v1/tokens", Some(br#"{"lifespan_days":"30"}"#.to_vec()), 400, "validation_failed"),
        (
            "POST",
            "/api/v1/tokens",
            Some(br#"{"lifespan_days":99999999999999999999}"#.to_vec()),
            400,
            "validation_failed",
        ),
        (
            "POST",
            "/api/v1/tokens",
            Some(format!(r#"{{"description":"{}"}}"#, "d".repeat(300)).into_bytes()),
            400,
            "validation_failed",
        ),
        ("POST", "/api/v1/tokens", Some(br#"{"description":"bell\u0007"}"#.to_vec()), 400, "validation_failed"),
        ("PATCH", "/api/v1/users/not-a-uuid", Some(br#"{"roles":[]}"#.to_vec()), 404, "not_found"),
        ("GET", "/api/v1/tokens/not-a-uuid", None, 404, "not_found"),
        ("DELETE", "/api/v1/api-keys/%00", None, 404, "not_found"),
    ];
    for (method, path, body, status, code) in cases {
        let r = app.raw(method, path, Some(&o), body, None).await;
        assert_eq!(r.status, status, "{method} {path}: {}", r.text);
        r.assert_problem(status, code);
        assert!(!r.text.contains(&o), "the problem echoed a credential: {}", r.text);
    }
    for bad in [wrong_checksum.as_str(), "lku_short", "", "Bearer"] {
        app.raw("GET", "/api/v1/me", Some(bad), None, None).await.assert_problem(401, "unauthorized");
        app.raw("POST", "/api/v1/service-accounts", Some(bad), Some(br#"{"name":"sneaky"}"#.to_vec()), None)
            .await
            .assert_problem(401, "unauthorized");
    }
    app.raw("GET", "/api/v1/me", None, None, Some(&format!("Token {o}"))).await.assert_problem(401, "unauthorized");
    // A secret in the wrong field is not echoed back.
    let r = app
        .raw(
            "POST",
            "/api/v1/service-accounts",
            Some(&o),
            Some(format!(r#"{{"name":{{"k":"{o}"}}}}"#).into_bytes()),
            None,
        )
        .await;
    r.assert_problem(400, "validation_failed");
    assert!(!r.text.contains(&o[4..]));
    assert_eq!(app.snapshot(&o).await, before, "a refused request changed something");
}

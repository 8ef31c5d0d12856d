//! The audit log through the API (SPEC section 8), run by every arm of the walk (`serve` on
//! each store, and the function binaries behind `latchkey gateway`): each change writes
//! exactly its events, a refused or no-op request writes none, the events say who, what and
//! from where and hold no secret, and only the organization's OWNERs read them.

use latchkey_tests::app::TestApp;
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("expected a string, got {v}")).to_string()
}

/// Every event of the organization, newest first (all pages).
async fn all_events(app: &TestApp) -> Vec<Value> {
    let mut events = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/audit-events?max_items=100".to_string(),
            Some(c) => format!("/audit-events?max_items=100&cursor={c}"),
        };
        let page = app.get(&path, &app.owner_token).await.assert_status(200).clone();
        events.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return events,
        }
    }
}

/// Watches the log: what each step added to it.
struct Log {
    seen: BTreeSet<String>,
}

impl Log {
    async fn start(app: &TestApp) -> Log {
        Log { seen: all_events(app).await.iter().map(|e| s(&e["id"])).collect() }
    }

    /// The events written since the last look, oldest first.
    async fn new_events(&mut self, app: &TestApp) -> Vec<Value> {
        let mut fresh: Vec<Value> =
            all_events(app).await.into_iter().filter(|e| !self.seen.contains(&s(&e["id"]))).collect();
        fresh.reverse();
        self.seen.extend(fresh.iter().map(|e| s(&e["id"])));
        fresh
    }

    /// Asserts the last step wrote exactly `expected` (as a multiset of actions) and returns
    /// its events.
    #[track_caller]
    fn check(step: &str, events: &[Value], expected: &[&str]) {
        let mut got: Vec<String> = events.iter().map(|e| s(&e["action"])).collect();
        let mut want: Vec<String> = expected.iter().map(|a| a.to_string()).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{step}: the audit events written");
    }
}

/// Runs `step` and checks the events it wrote; returns them.
macro_rules! step {
    ($app:expr, $log:expr, $name:expr, $expected:expr, $request:expr) => {{
        let reply = $request;
        let events = $log.new_events($app).await;
        Log::check($name, &events, $expected);
        (reply, events)
    }};
}

/// The table of SPEC section 8: each route that changes something, and the events it writes.
pub(crate) async fn every_change_writes_exactly_its_audit_events(app: &TestApp) {
    let mut log = Log::start(app).await;
    let owner = app.owner_token.clone();

    let (r, ev) = step!(app, log, "POST /users", &["user.created", "credential.created"], {
        app.post("/users", &owner, json!({"email": "ann@example.com"})).await
    });
    let v = r.assert_status(201).clone();
    let (ann_id, ann) = (s(&v["user"]["id"]), s(&v["cli_token"]));
    let user_event = ev.iter().find(|e| e["action"] == "user.created").expect("user.created");
    assert_eq!(user_event["target"], json!({"type": "user", "id": ann_id, "label": "ann@example.com"}));
    assert_eq!(user_event["actor"]["id"], app.owner_id.as_str());
    assert_eq!(user_event["actor"]["type"], "user");
    assert_eq!(user_event["actor"]["credential_kind"], "cli_token");
    assert!(user_event["request"]["id"].as_str().is_some_and(|id| !id.is_empty()), "{user_event}");
    assert_eq!(user_event["request"]["source_ip"], "127.0.0.1");
    let created = ev.iter().find(|e| e["action"] == "credential.created").expect("credential.created");
    assert_eq!(created["target"]["label"], format!("…{}", &ann[ann.len() - 6..]));

    let (r, ev) = step!(app, log, "PATCH /users (level)", &["user.updated"], {
        app.patch(&format!("/users/{ann_id}"), &owner, json!({"roles": ["TokenCreator"]})).await
    });
    r.assert_status(200);
    assert_eq!(ev[0]["details"], json!({"roles": {"before": [], "after": ["TokenCreator"]}}));
    // The same values again change nothing: no event.
    let (r, _) = step!(app, log, "PATCH /users (no change)", &[], {
        app.patch(&format!("/users/{ann_id}"), &owner, json!({"roles": ["TokenCreator"]})).await
    });
    r.assert_status(200);
    let (r, ev) = step!(app, log, "PATCH /users (suspend)", &["user.updated"], {
        app.patch(&format!("/users/{ann_id}"), &owner, json!({"suspended": true})).await
    });
    r.assert_status(200);
    assert_eq!(ev[0]["details"], json!({"suspended": {"before": false, "after": true}}));
    let (r, _) = step!(app, log, "PATCH /users (suspend again)", &[], {
        app.patch(&format!("/users/{ann_id}"), &owner, json!({"suspended": true})).await
    });
    r.assert_status(200);
    let (r, ev) = step!(app, log, "PATCH /users (unsuspend)", &["user.updated"], {
        app.patch(&format!("/users/{ann_id}"), &owner, json!({"suspended": false})).await
    });
    r.assert_status(200);
    assert_eq!(ev[0]["details"], json!({"suspended": {"before": true, "after": false}}));

    let (r, ev) = step!(app, log, "POST /users/{id}/cli-tokens/rotate", &["credential.rotated"], {
        app.post(&format!("/users/{ann_id}/cli-tokens/rotate"), &owner, json!({})).await
    });
    let ann = s(&r.assert_status(200)["cli_token"]);
    assert_eq!(ev[0]["target"]["id"], ann_id.as_str());
    assert_eq!(ev[0]["details"]["kind"], "cli_token");
    let (r, _) = step!(app, log, "POST /users/me/cli-tokens/rotate", &["credential.rotated"], {
        app.post("/users/me/cli-tokens/rotate", &ann, json!({})).await
    });
    let ann = s(&r.assert_status(200)["cli_token"]);

    let (r, ev) = step!(app, log, "POST /tokens", &["credential.created"], {
        app.post("/tokens", &ann, json!({"lifespan_days": 3})).await
    });
    let token_id = s(&r.assert_status(201)["token_info"]["id"]);
    assert_eq!(ev[0]["actor"]["id"], ann_id.as_str());
    let (r, ev) = step!(app, log, "PATCH /tokens (description)", &["credential.updated"], {
        app.patch(&format!("/tokens/{token_id}"), &ann, json!({"description": "nightly"})).await
    });
    r.assert_status(200);
    assert_eq!(ev[0]["details"]["description"], json!({"before": null, "after": "nightly"}));
    let (r, _) = step!(app, log, "PATCH /tokens (same description)", &[], {
        app.patch(&format!("/tokens/{token_id}"), &ann, json!({"description": "nightly"})).await
    });
    r.assert_status(200);
    let (r, ev) = step!(app, log, "PATCH /tokens (disable)", &["credential.updated"], {
        app.patch(&format!("/tokens/{token_id}"), &ann, json!({"disabled": true})).await
    });
    r.assert_status(200);
    assert_eq!(ev[0]["details"]["disabled"], json!({"before": false, "after": true}));
    assert_eq!(ev[0]["details"]["disabled_by"], json!({"before": null, "after": ann_id}));
    let (r, _) = step!(app, log, "PATCH /tokens (disable again)", &[], {
        app.patch(&format!("/tokens/{token_id}"), &ann, json!({"disabled": true})).await
    });
    r.assert_status(200);
    let (r, ev) = step!(app, log, "PATCH /tokens (enable)", &["credential.updated"], {
        app.patch(&format!("/tokens/{token_id}"), &ann, json!({"disabled": false})).await
    });
    r.assert_status(200);
    assert_eq!(ev[0]["details"]["disabled"], json!({"before": true, "after": false}));
    let (r, _) = step!(app, log, "PATCH /tokens (revoke)", &["credential.revoked"], {
        app.patch(&format!("/tokens/{token_id}"), &ann, json!({"revoked": true})).await
    });
    r.assert_status(200);
    let (r, _) = step!(app, log, "PATCH /tokens (revoke again)", &[], {
        app.patch(&format!("/tokens/{token_id}"), &ann, json!({"revoked": true})).await
    });
    r.assert_status(200);

    let (r, ev) = step!(app, log, "POST /service-accounts", &["service_account.created", "credential.created"], {
        app.post("/service-accounts", &owner, json!({"name": "audit-bot"})).await
    });
    let first_key = s(&r.assert_status(201)["api_key"]);
    let account = ev.iter().find(|e| e["action"] == "service_account.created").expect("service_account.created");
    assert_eq!(account["target"]["label"], "audit-bot");
    let (r, _) = step!(app, log, "POST /service-accounts/{ref}/api-keys", &["credential.created"], {
        app.post("/service-accounts/audit-bot/api-keys", &owner, json!({})).await
    });
    let second_key_id = s(&r.assert_status(201)["key"]["id"]);
    let (r, ev) = step!(app, log, "PATCH /api-keys/{id} (disable)", &["credential.updated"], {
        app.patch(&format!("/api-keys/{second_key_id}"), &owner, json!({"disabled": true})).await
    });
    r.assert_status(200);
    assert_eq!(ev[0]["details"]["disabled"], json!({"before": false, "after": true}));
    assert_eq!(ev[0]["details"]["kind"], "api_key");
    let (r, _) = step!(app, log, "PATCH /api-keys/{id} (same)", &[], {
        app.patch(&format!("/api-keys/{second_key_id}"), &owner, json!({"disabled": true})).await
    });
    r.assert_status(200);
    let (r, ev) = step!(app, log, "PATCH /api-keys/{id} (description)", &["credential.updated"], {
        app.patch(&format!("/api-keys/{second_key_id}"), &owner, json!({"description": "suspect"})).await
    });
    r.assert_status(200);
    assert_eq!(ev[0]["details"]["description"], json!({"before": null, "after": "suspect"}));
    let (r, ev) = step!(app, log, "PATCH /service-accounts/{ref} (suspend)", &["service_account.updated"], {
        app.patch("/service-accounts/audit-bot", &owner, json!({"suspended": true})).await
    });
    r.assert_status(200);
    assert_eq!(ev[0]["details"], json!({"suspended": {"before": false, "after": true}}));
    assert_eq!((&ev[0]["target"]["type"], &ev[0]["target"]["label"]), (&json!("service_account"), &json!("audit-bot")));
    let (r, _) = step!(app, log, "PATCH /service-accounts/{ref} (same)", &[], {
        app.patch("/service-accounts/audit-bot", &owner, json!({"suspended": true})).await
    });
    r.assert_status(200);
    let (r, _) = step!(app, log, "PATCH /service-accounts/{ref} (unsuspend)", &["service_account.updated"], {
        app.patch("/service-accounts/audit-bot", &owner, json!({"suspended": false})).await
    });
    r.assert_status(200);
    let (r, _) = step!(app, log, "DELETE /api-keys/{id}", &["credential.revoked"], {
        app.delete(&format!("/api-keys/{second_key_id}"), &owner).await
    });
    r.assert_status(204);
    let (r, _) = step!(app, log, "DELETE /api-keys/{id} (again)", &[], {
        app.delete(&format!("/api-keys/{second_key_id}"), &owner).await
    });
    r.assert_status(204);
    let (r, ev) = step!(app, log, "POST /service-accounts/{ref}/api-keys/rotate", &["credential.rotated"], {
        app.post("/service-accounts/audit-bot/api-keys/rotate", &owner, json!({})).await
    });
    r.assert_status(200);
    assert_eq!((&ev[0]["target"]["type"], &ev[0]["target"]["label"]), (&json!("service_account"), &json!("audit-bot")));
    let (r, ev) = step!(app, log, "DELETE /service-accounts/{ref}/api-keys", &["credential.revoked_all"], {
        app.delete("/service-accounts/audit-bot/api-keys", &owner).await
    });
    r.assert_status(204);
    assert_eq!(ev[0]["details"]["kind"], "api_key");
    let (r, _) = step!(app, log, "DELETE /service-accounts/{ref}", &["service_account.deleted"], {
        app.delete("/service-accounts/audit-bot", &owner).await
    });
    r.assert_status(204);
    assert_eq!(app.me_status(&first_key).await, 401);

    let (r, _) = step!(app, log, "DELETE /users/me/cli-tokens", &["credential.revoked_all"], {
        app.delete("/users/me/cli-tokens", &ann).await
    });
    r.assert_status(204);
    let (r, ev) = step!(app, log, "DELETE /users/{id}", &["user.removed"], {
        app.delete(&format!("/users/{ann_id}"), &owner).await
    });
    r.assert_status(204);
    assert_eq!(ev[0]["target"]["label"], "ann@example.com");

    // Refused requests write nothing: a 403, a 409 (the last owner), a 400, a 404.
    let (_, bob) = app.add_user("bob@example.com", json!({})).await;
    log.new_events(app).await;
    let (r, _) = step!(app, log, "403", &[], { app.post("/users", &bob, json!({"email": "c@example.com"})).await });
    r.assert_problem(403, "forbidden");
    let (r, _) = step!(app, log, "409", &[], {
        app.patch(&format!("/users/{}", app.owner_id), &owner, json!({"permission_level": "COLLABORATOR"})).await
    });
    r.assert_problem(409, "conflict");
    let (r, _) = step!(app, log, "400", &[], { app.post("/users", &owner, json!({"email": "not an email"})).await });
    r.assert_problem(400, "validation_failed");
    let (r, _) = step!(app, log, "404", &[], { app.delete(&format!("/users/{}", uuid::Uuid::new_v4()), &owner).await });
    r.assert_problem(404, "not_found");
    // Reads write nothing.
    let (r, _) = step!(app, log, "reads", &[], { app.get("/users", &owner).await });
    r.assert_status(200);
}

/// Only OWNERs read the log, a scoped credential needs `latchkey:audit`, another
/// organization's events are not found; the filters and the paging hold.
pub(crate) async fn audit_events_are_for_owners_filtered_and_paged(app: &TestApp) {
    let owner = app.owner_token.clone();
    let (carl_id, carl) = app.add_user("carl@example.com", json!({})).await;
    app.get("/audit-events", &carl).await.assert_problem(403, "forbidden");
    let reader = app
        .post("/service-accounts", &owner, json!({"name": "audit-reader", "permission_level": "OWNER"}))
        .await
        .assert_status(201)["api_key"]
        .clone();
    let scoped = s(&app
        .post("/service-accounts/audit-reader/api-keys", &owner, json!({"scopes": ["latchkey:read"]}))
        .await
        .assert_status(201)["api_key"]);
    app.get("/audit-events", &scoped).await.assert_problem(403, "insufficient_scope");
    let auditor = s(&app
        .post("/service-accounts/audit-reader/api-keys", &owner, json!({"scopes": ["latchkey:audit"]}))
        .await
        .assert_status(201)["api_key"]);
    app.get("/audit-events", &auditor).await.assert_status(200);
    app.get("/audit-events", &s(&reader)).await.assert_status(200);

    // Filters: by target, by actor, by action, by time.
    let events = all_events(app).await;
    let by_target = app.get(&format!("/audit-events?target_id={carl_id}"), &owner).await.assert_status(200).clone();
    let actions: Vec<&str> =
        by_target["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["user.created"]);
    let by_actor = app.get(&format!("/audit-events?actor_id={}&max_items=100", app.owner_id), &owner).await;
    let mine = by_actor.assert_status(200)["items"].as_array().unwrap().clone();
    assert!(mine.iter().all(|e| e["actor"]["id"] == app.owner_id.as_str()));
    assert_eq!(mine.len(), events.iter().filter(|e| e["actor"]["id"] == app.owner_id.as_str()).count());
    let created = app.get("/audit-events?action=service_account.created", &owner).await.assert_status(200).clone();
    assert_eq!(created["items"].as_array().unwrap().len(), 1);
    let newest_time = s(&events[0]["time"]);
    let since = app.get(&format!("/audit-events?since={newest_time}&max_items=100"), &owner).await;
    let since_items = since.assert_status(200)["items"].as_array().unwrap().clone();
    assert!(since_items.iter().any(|e| e["id"] == events[0]["id"]));
    let until = app.get(&format!("/audit-events?until={newest_time}&max_items=100"), &owner).await;
    assert!(!until.assert_status(200)["items"].as_array().unwrap().iter().any(|e| e["id"] == events[0]["id"]));

    // Paging: two at a time, every event once, newest first.
    let mut paged = Vec::new();
    let mut path = "/audit-events?max_items=2".to_string();
    loop {
        let page = app.get(&path, &owner).await.assert_status(200).clone();
        paged.extend(page["items"].as_array().unwrap().iter().map(|e| s(&e["id"])));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/audit-events?max_items=2&cursor={c}"),
            None => break,
        }
    }
    let all: Vec<String> = all_events(app).await.iter().map(|e| s(&e["id"])).collect();
    assert_eq!(paged, all);
    let mut sorted = all.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(all, sorted, "newest first, by id");
    // A cursor of one filter is refused under another.
    let first = app.get("/audit-events?max_items=1", &owner).await.assert_status(200).clone();
    let cursor = s(&first["next_cursor"]);
    app.get(&format!("/audit-events?max_items=1&action=user.created&cursor={cursor}"), &owner)
        .await
        .assert_problem(400, "validation_failed");

    // Bad filters: 400, never a 500.
    for bad in
        ["action=user.exploded", "actor_id=nobody", "since=yesterday", "until=2026-13-01T00:00:00Z", "target_id="]
    {
        app.get(&format!("/audit-events?{bad}"), &owner).await.assert_problem(400, "validation_failed");
    }
    app.get(&format!("/audit-events?since={newest_time}&until={newest_time}"), &owner)
        .await
        .assert_problem(400, "validation_failed");

    // One event by id; unknown, malformed and other organizations' ids are not found.
    let one = app.get(&format!("/audit-events/{}", all[0]), &owner).await;
    assert_eq!(one.assert_status(200)["id"], all[0].as_str());
    app.get(&format!("/audit-events/{}", uuid::Uuid::now_v7()), &owner).await.assert_problem(404, "not_found");
    app.get("/audit-events/not-an-id", &owner).await.assert_problem(404, "not_found");
    app.get(&format!("/audit-events/{}", all[0]), &carl).await.assert_problem(403, "forbidden");
}

/// SPEC section 8: never a secret in an event. Run after every test of the walk: every event
/// the test's organization holds (read from the store, whatever the test did to its owner's
/// token) is searched for anything shaped like a latchkey credential.
pub(crate) async fn assert_no_secret_in_audit(app: &TestApp) {
    use latchkey::domain::{AuditFilter, OrganizationId};
    use latchkey::store::PageRequest;
    let org: OrganizationId = app.organization_id.parse().expect("the organization's id");
    let mut after = None;
    let mut count = 0;
    loop {
        let page = app
            .store
            .list_audit_events(org, &AuditFilter::default(), &PageRequest { max_items: 100, after })
            .await
            .expect("the audit log reads");
        for event in &page.items {
            count += 1;
            let text = serde_json::to_string(event).expect("an event serializes");
            if let Some(found) = credential_shaped(&text) {
                panic!("an audit event holds something shaped like a credential ({found}…): {}", event.action);
            }
            assert!(!text.contains(&app.owner_token), "the owner's token in an audit event");
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert!(count > 0, "the organization's creation is in its log");
}

/// The first `lk?_` followed by 20 or more base62 characters: a token's shape.
fn credential_shaped(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(24)).find_map(|i| {
        let prefix = bytes[i] == b'l' && bytes[i + 1] == b'k' && bytes[i + 3] == b'_';
        let body = bytes[i + 4..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        (prefix && body >= 20).then(|| &text[i..i + 8])
    })
}

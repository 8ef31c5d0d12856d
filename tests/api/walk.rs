//! API tests: the local server (`spawn_app`) on each store, and the deployed shape
//! (`latchkey gateway`: the function binaries behind the template's API, on moto), walking
//! every route of SPEC section 3 with each permission rule, tenant isolation, immediate
//! revocation, last-owner protection and hostile input. Each test runs once per arm.

use crate::audit::{audit_events_are_for_owners_filtered_and_paged, every_change_writes_exactly_its_audit_events};
use crate::grace::{
    a_grace_ends_by_the_clock_and_its_sweep_waits_for_it,
    a_graced_rotation_keeps_the_older_credentials_until_it_is_ended,
    rolling_one_key_keeps_only_that_key_through_the_grace,
};
use crate::ip_ranges::ip_ranges_of_the_organization_and_the_credential_are_enforced;
use crate::leaks::{
    a_leaked_key_of_any_organization_stops_at_once, look_alikes_garbage_and_wrong_secrets_change_nothing,
};
use crate::lifecycle::{
    a_holder_cannot_undo_an_owners_disable, api_keys_have_descriptions_and_lifespans_that_rotations_keep,
    disabled_credentials_are_refused_listed_and_revoked_stays_final, last_used_ip_is_the_address_of_the_use,
    revoked_reason_tells_why_a_credential_stopped,
};
use crate::organization::the_organization_policy_is_read_by_members_and_changed_by_persistent_owners;
use crate::suspension::{
    a_suspended_owners_credentials_are_refused_until_unsuspended,
    a_suspended_service_accounts_keys_are_refused_until_unsuspended, suspending_the_last_live_owner_is_refused,
};
use chrono::Duration;
use latchkey_tests::app::{TestApp, spawn_app};
use serde_json::{Value, json};

/// `api_tests!(arm, spawn; extra...)`: the walk every arm runs, plus `extra`, each test on
/// a fresh `TestApp` from `spawn`.
macro_rules! api_tests {
    ($arm:ident, $spawn:expr; $($extra:ident),* $(,)?) => {
        mod $arm {
            #[allow(unused_imports)]
            use super::*;
            api_tests!(@each $spawn;
                health_and_me,
                users_lifecycle,
                collaborators_cannot_act_as_owners,
                service_account_lifecycle_and_key_revocation,
                rotation_and_revoke_all_touch_only_their_own_kind,
                owners_cannot_touch_other_owners_credentials,
                last_owner_is_protected,
                other_organizations_see_404_and_change_nothing,
                level_and_role_changes_take_effect_on_the_next_request,
                hostile_inputs_get_problems_and_change_nothing,
                pagination_walks_every_item_once,
                access_tokens_need_the_role_or_an_owner,
                access_tokens_are_private_to_their_owner,
                access_tokens_create_no_credentials,
                access_token_edits_and_revocation,
                removing_a_user_revokes_everything_it_held,
                list_filters_that_match_nothing_still_check_their_paging_parameters,
                every_change_writes_exactly_its_audit_events,
                audit_events_are_for_owners_filtered_and_paged,
                a_leaked_key_of_any_organization_stops_at_once,
                look_alikes_garbage_and_wrong_secrets_change_nothing,
                the_organization_policy_is_read_by_members_and_changed_by_persistent_owners,
                a_holder_cannot_undo_an_owners_disable,
                disabled_credentials_are_refused_listed_and_revoked_stays_final,
                revoked_reason_tells_why_a_credential_stopped,
                api_keys_have_descriptions_and_lifespans_that_rotations_keep,
                last_used_ip_is_the_address_of_the_use,
                a_suspended_owners_credentials_are_refused_until_unsuspended,
                suspending_the_last_live_owner_is_refused,
                a_suspended_service_accounts_keys_are_refused_until_unsuspended,
                a_graced_rotation_keeps_the_older_credentials_until_it_is_ended,
                rolling_one_key_keeps_only_that_key_through_the_grace,
                ip_ranges_of_the_organization_and_the_credential_are_enforced,
                $($extra,)*
            );
        }
    };
    (@each $spawn:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let app = $spawn.await;
                super::$name(&app).await;
                // Whatever the test did, no event of its organization holds a secret.
                crate::audit::assert_no_secret_in_audit(&app).await;
            }
        )*
    };
}

async fn on_sqlite() -> TestApp {
    spawn_app(latchkey_tests::sqlite_store().await).await
}

async fn on_dynamodb() -> TestApp {
    spawn_app(latchkey_tests::dynamodb_store().await).await
}

// `latchkey serve` on each store: the walk, and the tests only `serve` can run.
api_tests!(sqlite, on_sqlite(); access_tokens_expire_by_the_clock, one_spelling_per_path, a_grace_ends_by_the_clock_and_its_sweep_waits_for_it);
api_tests!(dynamodb, on_dynamodb(); access_tokens_expire_by_the_clock, one_spelling_per_path, a_grace_ends_by_the_clock_and_its_sweep_waits_for_it);

// The deployed shape: the function binaries behind `latchkey gateway` (one gateway per test
// binary, on moto; a fresh organization per test). Left out, and why:
// - access_tokens_expire_by_the_clock moves the test's ManualClock a day on; the binaries
//   read the system clock, which no test moves.
// - a_grace_ends_by_the_clock_and_its_sweep_waits_for_it moves the ManualClock too.
// - one_spelling_per_path: `serve` answers `/x/` with a 308 to `/x`; API Gateway matches
//   `/x/` as `/x` and serves it there (functions/tests/functions/gateway.rs checks that).
// pagination_walks_every_item_once moves the clock too, but only so that each creation has
// its own time, which the system clock gives as well: it runs here.
api_tests!(gateway, latchkey_tests::gateway::spawn_gateway_app(););

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("expected a string, got {v}")).to_string()
}

async fn health_and_me(app: &TestApp) {
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
async fn one_spelling_per_path(app: &TestApp) {
    let r = app.raw("GET", "/console/", None, None, None).await;
    assert_eq!((r.status, r.headers["location"].to_str().unwrap()), (308, "/console"));
    let r = app.raw("GET", "/api/v1/me/?x=1", Some(&app.owner_token), None, None).await;
    assert_eq!((r.status, r.headers["location"].to_str().unwrap()), (308, "/api/v1/me?x=1"));
    let r = app.raw("GET", "//evil.example/", None, None, None).await;
    assert_eq!((r.status, r.headers["location"].to_str().unwrap()), (308, "/evil.example"));
}

async fn users_lifecycle(app: &TestApp) {
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

async fn collaborators_cannot_act_as_owners(app: &TestApp) {
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

async fn service_account_lifecycle_and_key_revocation(app: &TestApp) {
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

async fn rotation_and_revoke_all_touch_only_their_own_kind(app: &TestApp) {
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

async fn owners_cannot_touch_other_owners_credentials(app: &TestApp) {
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

async fn last_owner_is_protected(app: &TestApp) {
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

async fn other_organizations_see_404_and_change_nothing(app: &TestApp) {
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

async fn level_and_role_changes_take_effect_on_the_next_request(app: &TestApp) {
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

async fn hostile_inputs_get_problems_and_change_nothing(app: &TestApp) {
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

async fn pagination_walks_every_item_once(app: &TestApp) {
    let o = &app.owner_token;
    let mut names = Vec::new();
    for i in 0..23 {
        let name = format!("svc-{i:02}");
        app.add_service_account(&name, None).await;
        app.clock.advance(Duration::milliseconds(1));
        names.push(name);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/service-accounts?max_items=7&cursor={c}"),
            None => "/service-accounts?max_items=7".to_string(),
        };
        let page = app.get(&path, o).await;
        let v = page.assert_status(200).clone();
        let items = v["items"].as_array().unwrap();
        assert!(items.len() <= 7);
        seen.extend(items.iter().map(|i| s(&i["name"])));
        pages += 1;
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    names.reverse(); // newest first
    assert_eq!(seen, names);
    // A cursor from one list is refused by another.
    let first = app.get("/service-accounts?max_items=1", o).await.body;
    let c = s(&first["next_cursor"]);
    app.get(&format!("/users?cursor={c}"), o).await.assert_problem(400, "validation_failed");
    app.get(&format!("/api-keys?cursor={c}"), o).await.assert_problem(400, "validation_failed");
}

async fn access_tokens_need_the_role_or_an_owner(app: &TestApp) {
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

async fn access_tokens_are_private_to_their_owner(app: &TestApp) {
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
async fn access_tokens_create_no_credentials(app: &TestApp) {
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

async fn access_tokens_expire_by_the_clock(app: &TestApp) {
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

async fn access_token_edits_and_revocation(app: &TestApp) {
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

async fn removing_a_user_revokes_everything_it_held(app: &TestApp) {
    let (id, nina) = app.add_user("nina@example.com", json!({"roles": ["TokenCreator"]})).await;
    let access = s(&app.post("/tokens", &nina, json!({})).await.assert_status(201)["token"]);
    assert_eq!(app.me_status(&access).await, 200);
    app.delete(&format!("/users/{id}"), &app.owner_token).await.assert_status(204);
    assert_eq!(app.me_status(&nina).await, 401);
    assert_eq!(app.me_status(&access).await, 401);
    let all = app.get("/tokens?show_inactive=true", &app.owner_token).await.body;
    assert!(all["items"].as_array().unwrap().iter().all(|t| t["status"] == "revoked"), "{all}");
}

/// A filter that names nothing answers an empty list, but only after `max_items` and
/// `cursor` were checked like any list's (found by the stateful contract run).
async fn list_filters_that_match_nothing_still_check_their_paging_parameters(app: &TestApp) {
    for path in ["/api-keys?service_account_email=nobody%40example.com", "/tokens?user=nobody%40example.com"] {
        for bad in ["max_items=0", "max_items=7789", "cursor=forged"] {
            app.get(&format!("{path}&{bad}"), &app.owner_token).await.assert_problem(400, "validation_failed");
        }
        let empty = app.get(&format!("{path}&max_items=5"), &app.owner_token).await;
        assert_eq!(empty.assert_status(200)["items"], json!([]));
    }
}

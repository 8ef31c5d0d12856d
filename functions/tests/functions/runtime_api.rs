//! Every function binary run as Lambda runs it: spawned against a Runtime API stand-in
//! (`support::runtime`) with the environment SAM gives it, fed real API Gateway REST proxy
//! events and REQUEST-authorizer events, against DynamoDB (moto, started by scripts/test).
//!
//! Declared in `functions/Cargo.toml`, so cargo builds the binaries and names them in
//! `CARGO_BIN_EXE_<name>`.

use latchkey::api::ROUTES;
use latchkey::config::Config;
use latchkey::store::dynamodb::DynamoDbStore;
use latchkey::store::{CredentialStore, Store};
use latchkey_tests::runtime::{LambdaProcess, Outcome, authorizer_event, proxy_event};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

mod deployment;
use deployment::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_function_binary_answers_real_events() {
    let d = deploy().await;
    let mut exercised = BTreeSet::new();

    // bootstrap → the first owner's token; a second bootstrap of the same name is refused.
    let boot = d.invoke_once("bootstrap", json!({"organization": "acme", "owner_email": "admin@acme.com"})).await;
    let owner_token = boot.response()["cli_token"].as_str().expect("cli_token").to_string();
    assert!(owner_token.starts_with("lku_"));
    let again = d.invoke_once("bootstrap", json!({"organization": "ACME", "owner_email": "x@acme.com"})).await;
    assert!(again.error_message().contains("already exists"));
    let bad =
        d.invoke_once("bootstrap", json!({"organization": "acme2", "owner_email": "x@acme.com", "extra": 1})).await;
    assert!(matches!(bad, Outcome::Error(_)));
    exercised.insert("bootstrap");

    // The authorizer: valid, malformed, missing, wrong scheme.
    let mut authorizer = d.spawn("authorizer").await;
    let owner = d.authorize(&mut authorizer, &owner_token).await;
    assert_eq!(owner["permission_level"], "OWNER");
    assert_eq!(owner["principal_type"], "user");
    assert_eq!(owner["roles"], "");
    for header in [None, Some("Bearer lku_garbage".to_string()), Some(format!("Basic {owner_token}"))] {
        let out = authorizer.invoke(authorizer_event(header.as_deref(), "GET", "/api/v1/me")).await;
        assert_eq!(out.error_message(), "Unauthorized");
    }
    exercised.insert("authorizer");

    let call = |method: &'static str, resource: &'static str| (method, resource);
    let _ = call;
    // Public routes.
    let (st, body) = d.call("GET", "/api/v1/health", &[], &[], None, None).await;
    assert_eq!((st, body), (200, json!({"status": "ok"})));
    let console = d.invoke_once("console", proxy_event("GET", "/console", &[], &[], None, None)).await;
    let console = console.response();
    assert_eq!(console["statusCode"], 200);
    // REST proxy responses (payload 1.0) carry headers in multiValueHeaders.
    let csp = console["multiValueHeaders"]["content-security-policy"][0].as_str().unwrap_or("");
    assert!(csp.contains("default-src 'none'"), "{console}");
    exercised.insert("health");
    exercised.insert("console");

    // A function reached through another resource answers 404, not someone else's logic.
    let wrong = d.invoke_once("me", proxy_event("GET", "/api/v1/users", &[], &[], None, Some(&owner))).await;
    assert_eq!(wrong.response()["statusCode"], 404);

    let (st, me) = d.call("GET", "/api/v1/me", &[], &[], None, Some(&owner)).await;
    assert_eq!(st, 200);
    assert_eq!(me["email"], "admin@acme.com");

    // Users and CLI tokens.
    let (st, created) =
        d.call("POST", "/api/v1/users", &[], &[], Some(json!({"email": "dev@acme.com"})), Some(&owner)).await;
    assert_eq!(st, 201, "{created}");
    let user_id = created["user"]["id"].as_str().unwrap().to_string();
    let (st, list) = d.call("GET", "/api/v1/users", &[], &[("max_items", "10")], None, Some(&owner)).await;
    assert_eq!((st, list["items"].as_array().map(Vec::len)), (200, Some(2)));
    let (st, _) = d.call("GET", "/api/v1/users/{user_id}", &[("user_id", &user_id)], &[], None, Some(&owner)).await;
    assert_eq!(st, 200);
    let (st, u) = d
        .call(
            "PATCH",
            "/api/v1/users/{user_id}",
            &[("user_id", &user_id)],
            &[],
            Some(json!({"roles": ["TokenCreator"]})),
            Some(&owner),
        )
        .await;
    assert_eq!((st, u["roles"].clone()), (200, json!(["TokenCreator"])));
    let (st, rotated) = d
        .call("POST", "/api/v1/users/{user_id}/cli-tokens/rotate", &[("user_id", &user_id)], &[], None, Some(&owner))
        .await;
    assert_eq!(st, 200);
    let dev_token = rotated["cli_token"].as_str().unwrap().to_string();
    let dev = d.authorize(&mut authorizer, &dev_token).await;
    assert_eq!(dev["roles"], "TokenCreator");
    let (st, own) = d.call("POST", "/api/v1/users/me/cli-tokens/rotate", &[], &[], Some(json!({})), Some(&dev)).await;
    assert_eq!(st, 200);
    let dev_token2 = own["cli_token"].as_str().unwrap().to_string();
    // Revoked by the rotation: the authorizer says Unauthorized on the very next request.
    let out = authorizer.invoke(authorizer_event(Some(&format!("Bearer {dev_token}")), "GET", "/api/v1/me")).await;
    assert_eq!(out.error_message(), "Unauthorized");
    let dev2 = d.authorize(&mut authorizer, &dev_token2).await;
    let (st, _) = d.call("DELETE", "/api/v1/users/me/cli-tokens", &[], &[], None, Some(&dev2)).await;
    assert_eq!(st, 204);
    let out = authorizer.invoke(authorizer_event(Some(&format!("Bearer {dev_token2}")), "GET", "/api/v1/me")).await;
    assert_eq!(out.error_message(), "Unauthorized");

    // Service accounts and API keys.
    let (st, sa) =
        d.call("POST", "/api/v1/service-accounts", &[], &[], Some(json!({"name": "ci-bot"})), Some(&owner)).await;
    assert_eq!(st, 201, "{sa}");
    let key = sa["api_key"].as_str().unwrap().to_string();
    let sa_ctx = d.authorize(&mut authorizer, &key).await;
    assert_eq!(sa_ctx["principal_type"], "service_account");
    let (st, _) = d.call("GET", "/api/v1/service-accounts", &[], &[], None, Some(&owner)).await;
    assert_eq!(st, 200);
    let (st, _) = d.call("GET", "/api/v1/service-accounts", &[], &[], None, Some(&sa_ctx)).await;
    assert_eq!(st, 403);
    let (st, got) =
        d.call("GET", "/api/v1/service-accounts/{ref}", &[("ref", "ci-bot")], &[], None, Some(&owner)).await;
    assert_eq!((st, got["name"].clone()), (200, json!("ci-bot")));
    let (st, k2) =
        d.call("POST", "/api/v1/service-accounts/{ref}/api-keys", &[("ref", "ci-bot")], &[], None, Some(&owner)).await;
    assert_eq!(st, 201);
    let key2_id = k2["key"]["id"].as_str().unwrap().to_string();
    let (st, keys) = d
        .call(
            "GET",
            "/api/v1/service-accounts/{ref}/api-keys",
            &[("ref", "ci-bot")],
            &[("show_inactive", "true")],
            None,
            Some(&owner),
        )
        .await;
    assert_eq!((st, keys["items"].as_array().map(Vec::len)), (200, Some(2)));
    let six = &key[key.len() - 6..];
    let (st, found) = d.call("GET", "/api/v1/api-keys", &[], &[("last_six", six)], None, Some(&owner)).await;
    assert_eq!((st, found["items"].as_array().map(Vec::len)), (200, Some(1)));
    let (st, _) = d.call("DELETE", "/api/v1/api-keys/{key_id}", &[("key_id", &key2_id)], &[], None, Some(&owner)).await;
    assert_eq!(st, 204);
    let (st, rot) = d
        .call("POST", "/api/v1/service-accounts/{ref}/api-keys/rotate", &[("ref", "ci-bot")], &[], None, Some(&owner))
        .await;
    assert_eq!(st, 200);
    let rotated_key = rot["api_key"].as_str().unwrap().to_string();
    let out = authorizer.invoke(authorizer_event(Some(&format!("Bearer {key}")), "GET", "/api/v1/me")).await;
    assert_eq!(out.error_message(), "Unauthorized", "rotation revokes the old key at once");
    d.authorize(&mut authorizer, &rotated_key).await;
    let (st, _) = d
        .call("DELETE", "/api/v1/service-accounts/{ref}/api-keys", &[("ref", "ci-bot")], &[], None, Some(&owner))
        .await;
    assert_eq!(st, 204);
    let out = authorizer.invoke(authorizer_event(Some(&format!("Bearer {rotated_key}")), "GET", "/api/v1/me")).await;
    assert_eq!(out.error_message(), "Unauthorized");

    // Access tokens.
    let (st, t) = d
        .call("POST", "/api/v1/tokens", &[], &[], Some(json!({"lifespan_days": 3, "description": "rt"})), Some(&owner))
        .await;
    assert_eq!(st, 201, "{t}");
    let token_id = t["token_info"]["id"].as_str().unwrap().to_string();
    let access = t["token"].as_str().unwrap().to_string();
    let access_ctx = d.authorize(&mut authorizer, &access).await;
    assert_eq!(access_ctx["credential_kind"], "access_token");
    assert!(!access_ctx["credential_expires_at"].as_str().unwrap_or("").is_empty());
    let (st, l) = d.call("GET", "/api/v1/tokens", &[], &[], None, Some(&owner)).await;
    assert_eq!((st, l["items"].as_array().map(Vec::len)), (200, Some(1)));
    let (st, g) = d.call("GET", "/api/v1/tokens/{token_id}", &[("token_id", &token_id)], &[], None, Some(&owner)).await;
    assert_eq!((st, g["description"].clone()), (200, json!("rt")));
    let (st, p) = d
        .call(
            "PATCH",
            "/api/v1/tokens/{token_id}",
            &[("token_id", &token_id)],
            &[],
            Some(json!({"revoked": true})),
            Some(&owner),
        )
        .await;
    assert_eq!((st, p["status"].clone()), (200, json!("revoked")));
    let out = authorizer.invoke(authorizer_event(Some(&format!("Bearer {access}")), "GET", "/api/v1/me")).await;
    assert_eq!(out.error_message(), "Unauthorized");

    // An expired token that TTL has not purged is refused by the authorizer.
    let expired = insert_expired_access_token(&d, &owner).await;
    let out = authorizer.invoke(authorizer_event(Some(&format!("Bearer {expired}")), "GET", "/api/v1/me")).await;
    assert_eq!(out.error_message(), "Unauthorized");

    // Deletes.
    let (st, _) =
        d.call("DELETE", "/api/v1/service-accounts/{ref}", &[("ref", "ci-bot")], &[], None, Some(&owner)).await;
    assert_eq!(st, 204);
    let (st, _) = d.call("DELETE", "/api/v1/users/{user_id}", &[("user_id", &user_id)], &[], None, Some(&owner)).await;
    assert_eq!(st, 204);

    // recover: a new owner token; the old one stops.
    let rec = d.invoke_once("recover", json!({"organization": "acme", "owner_email": "admin@acme.com"})).await;
    let recovered = rec.response()["cli_token"].as_str().unwrap().to_string();
    let recovered_ctx = d.authorize(&mut authorizer, &recovered).await;
    let out = authorizer.invoke(authorizer_event(Some(&format!("Bearer {owner_token}")), "GET", "/api/v1/me")).await;
    assert_eq!(out.error_message(), "Unauthorized");
    exercised.insert("recover");
    let log = authorizer.stop().await;
    for secret in [&owner_token, &dev_token, &key, &rotated_key, &access, &recovered] {
        assert!(!log.contains(secret.as_str()), "a token reached the authorizer's log");
    }

    // The scheduled housekeeping function: nothing was left pending by this walk.
    let out = d.invoke_once("housekeeping", scheduled_event()).await;
    assert_eq!(out.response(), &json!({"sweeps": 0}));
    exercised.insert("housekeeping");

    // The audit log recorded the walk, newest first, each event readable by its id.
    let (st, page) =
        d.call("GET", "/api/v1/audit-events", &[], &[("max_items", "100")], None, Some(&recovered_ctx)).await;
    assert_eq!(st, 200, "{page}");
    let items = page["items"].as_array().expect("items");
    let actions: BTreeSet<&str> = items.iter().filter_map(|e| e["action"].as_str()).collect();
    for expected in [
        "organization.created",
        "user.created",
        "credential.created",
        "user.removed",
        "service_account.deleted",
        "organization.recovered",
    ] {
        assert!(actions.contains(expected), "{expected} missing from {actions:?}");
    }
    let newest = items[0]["id"].as_str().expect("an event id");
    assert_eq!(items[0]["action"], "organization.recovered");
    let (st, one) = d
        .call("GET", "/api/v1/audit-events/{event_id}", &[("event_id", newest)], &[], None, Some(&recovered_ctx))
        .await;
    assert_eq!((st, &one["id"]), (200, &items[0]["id"]));

    // The daily expiry notices: one per live credential expiring within the window, once.
    let (st, t) =
        d.call("POST", "/api/v1/tokens", &[], &[], Some(json!({"lifespan_days": 2})), Some(&recovered_ctx)).await;
    assert_eq!(st, 201, "{t}");
    let out = d.invoke_once("expiry-notices", scheduled_event()).await;
    assert_eq!(out.response(), &json!({"notices": 1}));
    let out = d.invoke_once("expiry-notices", scheduled_event()).await;
    assert_eq!(out.response(), &json!({"notices": 0}));
    exercised.insert("expiry-notices");
    // The stream function: events.rs drives it against moto's EventBridge.
    exercised.insert("events");

    for r in ROUTES {
        exercised.insert(r.function);
    }
    // Every binary in functions/src/bin is one this test knows.
    let bins: BTreeSet<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/bin"))
        .expect("functions/src/bin")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.path().file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    let known: BTreeSet<String> = exercised.iter().map(|s| s.to_string()).collect();
    assert_eq!(bins, known);
}

/// The store fails: the authorizer fails the invocation (the gateway's 503), never allows,
/// never says Unauthorized.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorizer_fails_closed_when_the_store_is_unreachable() {
    let mut d = deploy().await;
    let boot = d.invoke_once("bootstrap", json!({"organization": "down", "owner_email": "a@down.example"})).await;
    let token = boot.response()["cli_token"].as_str().unwrap().to_string();
    // Point the authorizer at a port nothing listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    for (k, v) in d.env.iter_mut() {
        if k == "DYNAMODB_ENDPOINT" {
            *v = format!("http://127.0.0.1:{port}");
        }
    }
    let mut authorizer = d.spawn("authorizer").await;
    let out = authorizer.invoke(authorizer_event(Some(&format!("Bearer {token}")), "GET", "/api/v1/me")).await;
    let message = out.error_message();
    assert_ne!(message, "Unauthorized");
    assert!(!message.contains(&token));
    // A malformed token is still refused without any store access.
    let out = authorizer.invoke(authorizer_event(Some("Bearer lku_nope"), "GET", "/api/v1/me")).await;
    assert_eq!(out.error_message(), "Unauthorized");
    authorizer.stop().await;
    let _ = &d.config;
}

/// A DynamoDB that accepts connections and never answers: the functions give up before the
/// invocation's deadline and answer for themselves (503 / authorizer failure) instead of
/// being killed by the Lambda timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_answer_before_their_deadline_when_the_store_hangs() {
    let mut d = deploy().await;
    let boot = d.invoke_once("bootstrap", json!({"organization": "slow", "owner_email": "a@slow.example"})).await;
    let token = boot.response()["cli_token"].as_str().unwrap().to_string();
    let mut authorizer = d.spawn("authorizer").await;
    let owner = d.authorize(&mut authorizer, &token).await;
    authorizer.stop().await;

    let black_hole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = black_hole.local_addr().unwrap().port();
    // Accept and hold connections without ever answering.
    let _holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = black_hole.accept().await {
            held.push(socket);
        }
    });
    for (k, v) in d.env.iter_mut() {
        if k == "DYNAMODB_ENDPOINT" {
            *v = format!("http://127.0.0.1:{port}");
        }
    }

    let limit = std::time::Duration::from_secs(2);
    let mut authorizer = d.spawn("authorizer").await;
    authorizer.set_time_limit(limit);
    authorizer.wait_ready().await;
    let started = std::time::Instant::now();
    let out = authorizer.invoke(authorizer_event(Some(&format!("Bearer {token}")), "GET", "/api/v1/me")).await;
    assert_ne!(out.error_message(), "Unauthorized");
    assert!(started.elapsed() < limit, "the authorizer answered after its deadline: {:?}", started.elapsed());
    authorizer.stop().await;

    let mut users = d.spawn("users-list").await;
    users.set_time_limit(limit);
    users.wait_ready().await;
    let started = std::time::Instant::now();
    let out = users.invoke(proxy_event("GET", "/api/v1/users", &[], &[], None, Some(&owner))).await;
    let r = out.response();
    assert_eq!(r["statusCode"], 503, "{r}");
    assert_eq!(r["multiValueHeaders"]["retry-after"][0], "1");
    assert!(started.elapsed() < limit, "the function answered after its deadline: {:?}", started.elapsed());
    users.stop().await;
}

async fn insert_expired_access_token(d: &Deployment, owner: &Value) -> String {
    use latchkey::credential::{Locator, Token};
    use latchkey::domain::*;
    let owner_id: PrincipalId = owner["principal_id"].as_str().unwrap().parse().unwrap();
    let org: OrganizationId = owner["organization_id"].as_str().unwrap().parse().unwrap();
    let locator = Locator::new(CredentialKind::AccessToken, org, owner_id, CredentialId::new_random());
    let token = Token::generate(locator).unwrap();
    let now = latchkey::clock::truncate(chrono::Utc::now());
    let record = CredentialRecord {
        id: locator.credential_id,
        organization_id: org,
        kind: CredentialKind::AccessToken,
        owner_id,
        owner_email: Email::parse(owner["email"].as_str().unwrap()).unwrap(),
        secret_hash: token.hash(),
        last_six: token.last_six(),
        epoch: 0,
        description: None,
        created_at: now - chrono::Duration::days(2),
        created_by: Some(owner_id),
        expires_at: Some(now - chrono::Duration::days(1)),
        revoked_at: None,
        last_used_at: None,
        purge_at: Some(now + chrono::Duration::days(89)),
        scopes: None,
        lifecycle: Default::default(),
        superseded_until: None,
        allowed_ip_ranges: Default::default(),
    };
    d.store.issue_credential(&record, latchkey_tests::audit()).await.expect("insert an expired token");
    token.expose().to_string()
}

/// An EventBridge Scheduled Event, as the housekeeping schedule sends it.
fn scheduled_event() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/events/housekeeping.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("infra/events/housekeeping.json")).expect("JSON")
}

/// A sweep that a failure interrupted halfway is finished by the scheduled housekeeping
/// function, invoked with a real Scheduled Event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn housekeeping_finishes_an_interrupted_sweep_on_schedule() {
    use latchkey::domain::{CredentialKind, Revocation};
    use latchkey_tests::dynamo_faults::FailingUpdates;
    let d = deploy().await;
    let fault = FailingUpdates::default();
    let store = fault.wrap(&DynamoDbStore::from_config(&d.config).await.expect("DynamoDB client"));
    let clock = latchkey::clock::ManualClock::starting_now();
    let org = latchkey_tests::create_org(&store, "scheduled", &clock).await;
    let (account, first) = latchkey_tests::create_service_account(&store, org.id(), "ci-bot", &clock).await;
    let mut keys = vec![first];
    for _ in 0..4 {
        let key = latchkey_tests::api_key(&account, &clock);
        store.issue_credential(&key, latchkey_tests::audit()).await.expect("issue a key");
        keys.push(key);
    }
    fault.arm(2);
    let revocation = Revocation::new(latchkey_tests::tick(&clock), latchkey_tests::RETENTION);
    store
        .revoke_all_credentials(
            org.id(),
            account.id,
            CredentialKind::ApiKey,
            revocation,
            false,
            latchkey_tests::audit(),
        )
        .await
        .expect("the revoke-all stands");
    fault.disarm();
    assert!(unmarked(d.store.as_ref(), &keys).await > 0, "the injected failure left the sweep unfinished");

    let out = d.invoke_once("housekeeping", scheduled_event()).await;
    assert_eq!(out.response(), &json!({"sweeps": 1}));
    assert_eq!(unmarked(d.store.as_ref(), &keys).await, 0, "every key marked by the scheduled run");
    let out = d.invoke_once("housekeeping", scheduled_event()).await;
    assert_eq!(out.response(), &json!({"sweeps": 0}), "nothing left pending");
}

/// How many of `keys` carry no `revoked_at` yet.
async fn unmarked(store: &dyn Store, keys: &[latchkey::domain::CredentialRecord]) -> usize {
    let mut left = 0;
    for key in keys {
        let stored = store.get_credential(key.organization_id, key.id).await.expect("read").expect("stored");
        left += usize::from(stored.revoked_at.is_none());
    }
    left
}

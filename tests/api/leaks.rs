//! The two public leak endpoints (SPEC section 12) through `serve`, on each store: a leaked
//! credential of any organization stops at once and its event is in its organization's log
//! with actor anonymous; look-alikes, garbage, unknown ids and wrong secrets change nothing;
//! the limits answer 400 and 413; GitHub's endpoint accepts only correctly signed bodies and
//! answers with token hashes.

use base64::Engine as _;
use latchkey::config::Config;
use latchkey::store::Store;
use latchkey_tests::app::{Reply, TestApp, spawn_app_with};
use p256::ecdsa::SigningKey;
use p256::ecdsa::signature::Signer as _;
use p256::pkcs8::{EncodePublicKey as _, LineEnding};
use serde_json::{Value, json};
use std::sync::Arc;

const KEY_ID: &str = "test-key-1";

/// A signing key made in the test (random bytes), and the server configured with its public half.
fn signing_key() -> SigningKey {
    loop {
        let mut bytes = [0u8; 32];
        bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        if let Ok(key) = SigningKey::from_slice(&bytes) {
            return key;
        }
    }
}

async fn spawn(store: Arc<dyn Store>, key: &SigningKey) -> TestApp {
    let pem = key.verifying_key().to_public_key_pem(LineEnding::LF).unwrap();
    let keys = json!([{ "key_identifier": KEY_ID, "key": pem }]).to_string();
    let config = Config::from_lookup(|name| (name == "GITHUB_SECRET_SCANNING_KEYS").then(|| keys.clone())).unwrap();
    spawn_app_with(store, config).await
}

async fn report(app: &TestApp, body: Vec<u8>) -> Reply {
    app.raw("POST", "/api/v1/credentials/revoke", None, Some(body), None).await
}

async fn report_tokens(app: &TestApp, tokens: &[&str]) -> Reply {
    report(app, json!({ "credentials": tokens }).to_string().into_bytes()).await
}

async fn github(app: &TestApp, body: &[u8], key_id: Option<&str>, signature: Option<String>) -> Reply {
    let mut req = reqwest::Client::new()
        .post(format!("{}/api/v1/credentials/github-secret-scanning", app.base))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(id) = key_id {
        req = req.header("Github-Public-Key-Identifier", id);
    }
    if let Some(sig) = signature {
        req = req.header("Github-Public-Key-Signature", sig);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply { status, content_type, headers, body, text }
}

fn sign(key: &SigningKey, body: &[u8]) -> String {
    let signature: p256::ecdsa::Signature = key.sign(body);
    base64::engine::general_purpose::STANDARD.encode(signature.to_der().as_bytes())
}

/// `token` with the character at `index` changed and the checksum computed again: a
/// well-formed token that differs from it there (a guessed secret, an unknown id).
fn reseal(token: &str, index: usize) -> String {
    let mut chars: Vec<char> = token[..token.len() - 6].chars().collect();
    chars[index] = if chars[index] == 'a' { 'b' } else { 'a' };
    let body: String = chars.into_iter().collect();
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut n = crc32fast::hash(body.as_bytes());
    let mut checksum = [b'0'; 6];
    for slot in checksum.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    let resealed = format!("{body}{}", String::from_utf8_lossy(&checksum));
    assert!(latchkey::credential::Token::parse(&resealed).is_ok(), "well-formed");
    resealed
}

async fn leak_events(app: &TestApp, token: &str) -> Vec<Value> {
    let page = app.get("/audit-events?action=credential.leak_reported&max_items=100", token).await;
    page.assert_status(200)["items"].as_array().unwrap().clone()
}

/// Run by every arm of the walk (tests/api/walk.rs), the deployed shape included.
pub(crate) async fn a_leaked_key_of_any_organization_stops_at_once(app: &TestApp) {
    let key = app.add_service_account("deployer", None).await;
    let (_, cli) = app.add_user("ann@example.com", json!({})).await;
    assert_eq!(app.me_status(&key).await, 200);
    let reply = report_tokens(app, &[&key, "not a token", &key, &cli]).await;
    assert_eq!(reply.assert_status(202), &json!({ "received": 4 }));
    assert_eq!(app.me_status(&key).await, 401, "the leaked key stops at once");
    assert_eq!(app.me_status(&cli).await, 401, "the leaked CLI token too");
    assert_eq!(app.me_status(&app.owner_token).await, 200);
    let events = leak_events(app, &app.owner_token).await;
    assert_eq!(events.len(), 2, "{events:?}");
    for event in &events {
        assert_eq!(event["actor"]["type"], "anonymous");
        assert_eq!(event["organization_id"], app.organization_id.as_str());
        assert!(event["request"]["source_ip"].is_string(), "{event}");
        assert!(!event.to_string().contains(&key) && !event.to_string().contains(&cli));
    }
    // Reported again: nothing more.
    report_tokens(app, &[&key]).await.assert_status(202);
    assert_eq!(leak_events(app, &app.owner_token).await.len(), 2);
}

/// Run by every arm of the walk (tests/api/walk.rs), the deployed shape included.
pub(crate) async fn look_alikes_garbage_and_wrong_secrets_change_nothing(app: &TestApp) {
    let key = app.add_service_account("deployer", None).await;
    // Used once first: `last_used_at` is then set and stays within the minute.
    assert_eq!(app.me_status(&key).await, 200);
    let before = app.snapshot(&app.owner_token).await;
    let mut look_alike = key.clone();
    look_alike.pop();
    look_alike.push(if key.ends_with('A') { 'B' } else { 'A' });
    // prefix (4), organization id (22), owner id (22), credential id (22), secret (43),
    // checksum (6)
    let wrong_secret = reseal(&key, 4 + 66 + 20);
    let unknown_credential = reseal(&key, 4 + 44 + 11);
    let unknown_owner = reseal(&key, 4 + 22 + 11);
    let unknown_organization = reseal(&key, 4 + 11);
    let reply = report_tokens(
        &app,
        &[
            &look_alike,
            &wrong_secret,
            &unknown_credential,
            &unknown_owner,
            &unknown_organization,
            "lka_",
            "",
            &"x".repeat(256),
        ],
    )
    .await;
    assert_eq!(reply.assert_status(202), &json!({ "received": 8 }));
    assert_eq!(app.me_status(&key).await, 200);
    assert_eq!(app.snapshot(&app.owner_token).await, before);
}

pub(crate) async fn over_limit_reports_are_refused(store: Arc<dyn Store>) {
    let app = spawn(store, &signing_key()).await;
    let key = app.add_service_account("deployer", None).await;
    // Used once first: `last_used_at` is then set and stays within the minute.
    assert_eq!(app.me_status(&key).await, 200);
    let before = app.snapshot(&app.owner_token).await;
    report_tokens(&app, &[]).await.assert_problem(400, "validation_failed");
    let many: Vec<&str> = std::iter::repeat_n(key.as_str(), 1001).collect();
    report_tokens(&app, &many).await.assert_problem(400, "validation_failed");
    let long = format!("{key}{}", "x".repeat(200));
    report_tokens(&app, &[&long]).await.assert_problem(400, "validation_failed");
    report(&app, b"[1,2]".to_vec()).await.assert_problem(400, "validation_failed");
    // 1000 entries of 256 characters fit the route's 256 KiB; one byte over is 413.
    let fits: Vec<String> = (0..1000).map(|_| "y".repeat(200)).collect();
    assert!(json!({ "credentials": fits }).to_string().len() > 64 * 1024);
    report(&app, json!({ "credentials": fits }).to_string().into_bytes()).await.assert_status(202);
    report(&app, vec![b' '; 256 * 1024 + 1]).await.assert_problem(413, "payload_too_large");
    // Every other route keeps 64 KiB.
    let big = vec![b' '; 64 * 1024 + 1];
    app.raw("POST", "/api/v1/users", Some(&app.owner_token), Some(big), None)
        .await
        .assert_problem(413, "payload_too_large");
    assert_eq!(app.me_status(&key).await, 200);
    assert_eq!(app.snapshot(&app.owner_token).await, before);
}

pub(crate) async fn github_messages_need_a_good_signature(store: Arc<dyn Store>) {
    let key = signing_key();
    let app = spawn(store, &key).await;
    let api_key = app.add_service_account("deployer", None).await;
    let body = json!([
        { "token": api_key, "type": "latchkey_api_key", "url": "https://github.com/o/r/blob/x/f", "source": "content", "extra": 1 },
        { "token": "lks_lookalike", "type": "latchkey_api_key", "url": null, "source": "commit" },
    ])
    .to_string()
    .into_bytes();
    assert_eq!(app.me_status(&api_key).await, 200);
    let before = app.snapshot(&app.owner_token).await;
    github(&app, &body, None, None).await.assert_problem(401, "unauthorized");
    github(&app, &body, Some(KEY_ID), None).await.assert_problem(401, "unauthorized");
    github(&app, &body, Some("other"), Some(sign(&key, &body))).await.assert_problem(401, "unauthorized");
    github(&app, &body, Some(KEY_ID), Some(sign(&signing_key(), &body))).await.assert_problem(401, "unauthorized");
    let mut tampered = body.clone();
    tampered.push(b' ');
    github(&app, &tampered, Some(KEY_ID), Some(sign(&key, &body))).await.assert_problem(401, "unauthorized");
    github(&app, &body, Some(KEY_ID), Some("not base64!".into())).await.assert_problem(401, "unauthorized");
    assert_eq!(app.me_status(&api_key).await, 200);
    assert_eq!(app.snapshot(&app.owner_token).await, before);

    let reply = github(&app, &body, Some(KEY_ID), Some(sign(&key, &body))).await;
    let answer = reply.assert_status(200).as_array().unwrap().clone();
    assert!(!reply.text.contains(&api_key), "no plaintext echoed back");
    let hash = |t: &str| {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(t.as_bytes()))
    };
    assert_eq!(answer.len(), 2);
    assert_eq!(answer[0]["token_hash"], hash(&api_key));
    assert_eq!(answer[0]["token_type"], "latchkey_api_key");
    assert_eq!(answer[0]["label"], "true_positive");
    assert_eq!(answer[1]["token_hash"], hash("lks_lookalike"));
    assert_eq!(answer[1]["label"], "false_positive");
    assert_eq!(app.me_status(&api_key).await, 401);
    assert_eq!(leak_events(&app, &app.owner_token).await.len(), 1);
    // Again: already revoked, a false positive now.
    let again = github(&app, &body, Some(KEY_ID), Some(sign(&key, &body))).await;
    assert_eq!(again.assert_status(200)[0]["label"], "false_positive");
}

macro_rules! on_each_store {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name(latchkey_tests::sqlite_store().await).await }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name(latchkey_tests::dynamodb_store().await).await }
            )*
        }
    };
}

on_each_store!(over_limit_reports_are_refused, github_messages_need_a_good_signature,);

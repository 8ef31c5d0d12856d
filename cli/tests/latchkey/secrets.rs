//! Tokens never leak: not into the log (the built `latchkey serve` at RUST_LOG=trace,
//! `bootstrap` and `recover` beside it, every route walked, failing requests carrying
//! tokens in bodies, paths, queries and headers), not into error bodies, not into `Debug`
//! output; and the data files are private to their owner.

use latchkey::credential::{TOKEN_LEN, Token};
use latchkey_tests::server::{ServerProcess, bootstrap, scratch_dir};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

/// The secret part of a token: after `lk?_` and the 44-character locator, before the checksum.
fn secret_of(token: &str) -> &str {
    latchkey::credential::secret_part(token)
}

const TRACE_EVERYTHING: &str = "trace,latchkey=trace,axum=trace,axum::rejection=trace,hyper=trace,h2=trace,\
    lambda_runtime=trace,aws_smithy_runtime=trace,aws_sigv4=trace,aws_config=trace,aws_runtime=trace";

struct Walk {
    http: reqwest::Client,
    base: String,
    tokens: Vec<String>,
    error_bodies: Vec<(String, String)>,
    requests: usize,
}

impl Walk {
    async fn send(&mut self, method: &str, path: &str, token: &str, body: Option<String>) -> (u16, Value) {
        let mut req = self
            .http
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), format!("{}/api/v1{path}", self.base));
        if !token.is_empty() {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let r = req.send().await.expect("request");
        self.requests += 1;
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        if status >= 400 {
            self.error_bodies.push((format!("{method} {path}"), text.clone()));
        }
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn ok(&mut self, method: &str, path: &str, token: &str, body: Value, status: u16) -> Value {
        let (s, v) = self.send(method, path, token, Some(body.to_string())).await;
        assert_eq!(s, status, "{method} {path}: {v}");
        for field in ["cli_token", "api_key", "token"] {
            if let Some(t) = v[field].as_str() {
                self.tokens.push(t.to_string());
            }
        }
        v
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_never_reach_logs_or_error_bodies() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_latchkey"));
    let scratch = scratch_dir("secrets");
    std::fs::create_dir_all(&scratch).unwrap();
    let data = scratch.join("data");
    let log = scratch.join("all.log");
    let owner = bootstrap(&bin, &data, "secret-org", "owner@example.com", &log);
    // Everything at trace, and the crates that log raw requests and bodies named explicitly:
    // a directive for them must not lift their cap.
    let server = ServerProcess::start(&bin, &data, &log, TRACE_EVERYTHING);
    let mut w = Walk {
        http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap(),
        base: server.base.clone(),
        tokens: vec![owner.clone()],
        error_bodies: Vec::new(),
        requests: 0,
    };
    // Every route, successfully.
    w.ok("GET", "/health", "", json!({}), 200).await;
    w.ok("GET", "/me", &owner, json!({}), 200).await;
    let created =
        w.ok("POST", "/users", &owner, json!({"email": "ada@example.com", "roles": ["TokenCreator"]}), 201).await;
    let ada_id = created["user"]["id"].as_str().unwrap().to_string();
    let ada = created["cli_token"].as_str().unwrap().to_string();
    w.ok("GET", "/users", &owner, json!({}), 200).await;
    w.ok("GET", &format!("/users/{ada_id}"), &ada, json!({}), 200).await;
    w.ok("PATCH", &format!("/users/{ada_id}"), &owner, json!({"roles": ["TokenCreator"]}), 200).await;
    w.ok("POST", "/users/me/cli-tokens/rotate", &ada, json!({}), 200).await;
    let ada = w.ok("POST", &format!("/users/{ada_id}/cli-tokens/rotate"), &owner, json!({}), 200).await["cli_token"]
        .as_str()
        .unwrap()
        .to_string();
    let access = w.ok("POST", "/tokens", &ada, json!({"lifespan_days": 3, "description": "ci"}), 201).await;
    let access_id = access["token_info"]["id"].as_str().unwrap().to_string();
    let access_token = access["token"].as_str().unwrap().to_string();
    w.ok("GET", "/tokens", &ada, json!({}), 200).await;
    w.ok("GET", &format!("/tokens/{access_id}"), &access_token, json!({}), 200).await;
    w.ok("PATCH", &format!("/tokens/{access_id}"), &ada, json!({"description": "ci2"}), 200).await;
    let sa = w.ok("POST", "/service-accounts", &owner, json!({"name": "robot"}), 201).await;
    let robot = sa["api_key"].as_str().unwrap().to_string();
    w.ok("GET", "/service-accounts", &owner, json!({}), 200).await;
    w.ok("GET", "/service-accounts/robot", &owner, json!({}), 200).await;
    let key = w.ok("POST", "/service-accounts/robot/api-keys", &owner, json!({}), 201).await;
    let key_id = key["key"]["id"].as_str().unwrap().to_string();
    w.ok("GET", "/service-accounts/robot/api-keys", &owner, json!({}), 200).await;
    w.ok("GET", "/api-keys", &owner, json!({}), 200).await;
    w.ok("DELETE", &format!("/api-keys/{key_id}"), &owner, json!({}), 204).await;
    let rotated = w.ok("POST", "/service-accounts/robot/api-keys/rotate", &owner, json!({}), 200).await["api_key"]
        .as_str()
        .unwrap()
        .to_string();
    w.ok("GET", "/me", &rotated, json!({}), 200).await;

    // Failing requests that carry tokens wherever a caller might paste one.
    let t = rotated.clone();
    let mut wrong_checksum = t.clone().into_bytes();
    let last = wrong_checksum.len() - 1;
    wrong_checksum[last] = if wrong_checksum[last] == b'0' { b'1' } else { b'0' };
    let wrong_checksum = String::from_utf8(wrong_checksum).unwrap();
    w.tokens.push(wrong_checksum.clone());
    let failing: Vec<(&str, String, String, Option<String>)> = vec![
        ("POST", "/users".into(), owner.clone(), Some(json!({"email": t}).to_string())),
        (
            "POST",
            "/users".into(),
            owner.clone(),
            Some(json!({"email": "x@example.com", "name": 5, "roles": [t]}).to_string()),
        ),
        ("POST", "/users".into(), owner.clone(), Some(json!({ t.clone(): 1 }).to_string())),
        ("POST", "/users".into(), owner.clone(), Some(format!("{{\"email\": \"{t}"))),
        ("POST", "/service-accounts".into(), owner.clone(), Some(json!({"name": t}).to_string())),
        (
            "POST",
            "/service-accounts".into(),
            owner.clone(),
            Some(json!({"name": "ok", "permission_level": t}).to_string()),
        ),
        ("POST", "/tokens".into(), ada.clone(), Some(json!({"user": t}).to_string())),
        ("POST", "/tokens".into(), ada.clone(), Some(json!({"lifespan_days": t}).to_string())),
        ("PATCH", format!("/tokens/{access_id}"), ada.clone(), Some(json!({"revoked": t}).to_string())),
        ("PATCH", format!("/users/{ada_id}"), owner.clone(), Some(json!({"permission_level": t}).to_string())),
        ("GET", format!("/service-accounts/{t}"), owner.clone(), None),
        ("GET", format!("/users/{t}"), owner.clone(), None),
        ("GET", format!("/tokens/{t}"), owner.clone(), None),
        ("DELETE", format!("/api-keys/{t}"), owner.clone(), None),
        ("GET", format!("/users?cursor={t}"), owner.clone(), None),
        ("GET", format!("/api-keys?last_six={t}"), owner.clone(), None),
        ("GET", format!("/api-keys?{t}=1"), owner.clone(), None),
        ("GET", format!("/tokens?user={t}"), owner.clone(), None),
        ("GET", "/me".into(), wrong_checksum.clone(), None),
        ("GET", "/me".into(), robot.clone(), None), // rotated away: revoked
        ("GET", "/me".into(), format!("{t}x"), None),
        ("GET", "/service-accounts".into(), rotated.clone(), None), // not an OWNER: 403
        ("POST", "/users/me/cli-tokens/rotate".into(), rotated.clone(), None),
    ];
    for (method, path, token, body) in failing {
        let (status, v) = w.send(method, &path, &token, body).await;
        assert!(status >= 400, "{method} {path}: {status} {v}");
    }
    // A header that is not Bearer.
    let r = w.http.get(format!("{}/api/v1/me", w.base)).header("authorization", t.clone()).send().await.unwrap();
    assert_eq!(r.status(), 401);
    w.error_bodies.push(("GET /me raw header".into(), r.text().await.unwrap()));
    // Revoke the rest, then use them.
    w.ok("PATCH", &format!("/tokens/{access_id}"), &ada, json!({"revoked": true}), 200).await;
    w.ok("DELETE", "/service-accounts/robot/api-keys", &owner, json!({}), 204).await;
    w.ok("DELETE", "/users/me/cli-tokens", &ada, json!({}), 204).await;
    for t in [&access_token, &rotated, &ada] {
        let (status, _) = w.send("GET", "/me", t, None).await;
        assert_eq!(status, 401);
    }
    w.ok("DELETE", "/service-accounts/robot", &owner, json!({}), 204).await;
    w.ok("DELETE", &format!("/users/{ada_id}"), &owner, json!({}), 204).await;

    // recover beside the running server.
    let out = std::process::Command::new(&bin)
        .args(["recover", "--organization", "secret-org", "--owner-email", "owner@example.com", "--data-dir"])
        .arg(&data)
        .env_remove("DYNAMODB_ENDPOINT")
        .env("RUST_LOG", "debug")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let recovered = String::from_utf8(out.stdout).unwrap().trim().to_string();
    w.tokens.push(recovered.clone());
    std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .and_then(|mut f| std::io::Write::write_all(&mut f, &out.stderr))
        .unwrap();
    let (status, _) = w.send("GET", "/me", &recovered, None).await;
    assert_eq!(status, 200);

    // The data files are private while the server runs (database, WAL, shared memory).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&data).unwrap().permissions().mode() & 0o777, 0o700);
        for entry in std::fs::read_dir(&data).unwrap().flatten() {
            let m = entry.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(m, 0o600, "{} is {m:o}", entry.path().display());
        }
    }

    drop(server);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines = text.lines().count();
    assert!(text.contains("\"level\":\"INFO\""), "nothing was logged");
    assert!(lines > 20, "only {lines} log lines");
    let tokens = w.tokens.clone();
    assert!(tokens.len() >= 10);
    for token in &tokens {
        assert_eq!(token.len(), TOKEN_LEN, "{token}");
        assert!(!text.contains(token.as_str()), "a token is in the log");
        assert!(!text.contains(secret_of(token)), "a token's secret is in the log");
        for (what, body) in &w.error_bodies {
            assert!(!body.contains(secret_of(token)), "{what}: a token's secret is in an error body: {body}");
        }
    }
    // A denial of a well-formed token leaves its trace: request id, reason, credential id
    // (from the locator), at info.
    let robot_id = Token::parse(&robot).unwrap().locator().credential_id.to_string();
    let denial = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["fields"]["message"] == "denied" && l["fields"]["credential_id"] == robot_id.as_str());
    let denial = denial.unwrap_or_else(|| panic!("no denial line names the revoked key {robot_id}"));
    assert_eq!(denial["level"], "INFO", "{denial}");
    assert_eq!(denial["fields"]["reason"], "revoked", "{denial}");
    assert!(denial["fields"]["request_id"].as_str().is_some_and(|id| !id.is_empty()), "{denial}");
    eprintln!(
        "secrets: {} requests, {} error bodies, {lines} log lines, {} tokens checked",
        w.requests,
        w.error_bodies.len(),
        tokens.len()
    );
    let _ = std::fs::remove_dir_all(&scratch);
}

#[tokio::test]
async fn debug_output_never_shows_a_token() {
    use latchkey::clock::ManualClock;
    use latchkey::config::Config;
    use latchkey::operator::{self, OperatorRequest};
    let store = latchkey_tests::sqlite_store().await;
    let clock = ManualClock::starting_now();
    let outcome = operator::bootstrap(
        store.as_ref(),
        &clock,
        &Config::default(),
        &OperatorRequest { organization: "debug-org".into(), owner_email: "owner@example.com".into() },
    )
    .await
    .unwrap();
    let token = outcome.cli_token.clone();
    for shown in [format!("{outcome:?}"), format!("{outcome:#?}")] {
        assert!(!shown.contains(secret_of(&token)), "OperatorOutcome Debug shows the token: {shown}");
    }
    let parsed = Token::parse(&token).unwrap();
    for shown in [format!("{parsed:?}"), format!("{parsed:#?}"), format!("{:?}", Token::parse(&token))] {
        assert!(!shown.contains(secret_of(&token)), "Token Debug shows the secret: {shown}");
    }
    // The authorizer's decision (and the caller in it) carries no token either.
    let authorizer = latchkey::auth::Authorizer::new(store, std::sync::Arc::new(clock));
    let decision = authorizer.authorize(Some(&format!("Bearer {token}"))).await.unwrap();
    assert!(!format!("{decision:?}").contains(secret_of(&token)));
    assert!(matches!(decision, latchkey::auth::Decision::Allow(_)));
}

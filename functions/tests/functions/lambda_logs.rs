//! No secret in any log line of a Lambda function, at any level (SPEC section 7): the built
//! authorizer, `users-create` (a route that reads a body) and `verify` (whose body is a token) run under the Runtime API
//! stand-in with `RUST_LOG=trace`, and with directives that name the chatty crates
//! explicitly, against DynamoDB (moto). Their events carry tokens where API Gateway puts
//! them: the Authorization header of the authorizer's event and of the proxy event (the
//! gateway forwards every header to the function), the request body,
//! and a token pasted into a field that is stored (so it is in the function's DynamoDB
//! request). Their whole output is searched for every token, every token's secret part and
//! the AWS session token.
//!
//! Also checked on the same output: an authorizer denial of a well-formed token logs the
//! request id (API Gateway's `requestContext.requestId`), the reason and the credential id
//! from the locator.
//!
//! Declared in `functions/Cargo.toml`, so cargo builds the binaries (CARGO_BIN_EXE_<name>).

use latchkey::clock::SystemClock;
use latchkey::config::Config;
use latchkey::credential::{Locator, Token};
use latchkey::domain::CredentialId;
use latchkey::operator::{self, OperatorRequest};
use latchkey::store::dynamodb::DynamoDbStore;
use latchkey_tests::runtime::{LambdaProcess, authorizer_event, proxy_event};
use serde_json::{Value, json};
use std::path::PathBuf;

/// A session token as Lambda's role gives one: a secret of the AWS account, never to be logged.
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLE-latchkey-lambda-logs-session-token-0d1e2f";

/// The secret part of a token: after `lk?_` and the 44-character locator, before the checksum.
fn secret_of(token: &str) -> &str {
    latchkey::credential::secret_part(token)
}

struct Deployment {
    env: Vec<(String, String)>,
    owner_token: String,
}

async fn deploy(rust_log: &str) -> Deployment {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").ok().filter(|e| !e.is_empty());
    let endpoint = endpoint.expect("set DYNAMODB_ENDPOINT or run scripts/test");
    let table = format!("latchkey-logs-{}", uuid::Uuid::new_v4());
    let env: Vec<(String, String)> = [
        ("TABLE_NAME", table.as_str()),
        ("DYNAMODB_ENDPOINT", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_SESSION_TOKEN", SESSION_TOKEN),
        ("AWS_REGION", "us-east-1"),
        ("RUST_LOG", rust_log),
        // The SDK's own switches for logging request and response bodies at trace.
        ("LOG_SIGNABLE_BODY", "true"),
        ("LOG_SENSITIVE_BODIES", "true"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let config = Config::from_lookup(|k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())).expect("config");
    let store = DynamoDbStore::from_config(&config).await.expect("DynamoDB client");
    store.create_table_if_missing().await.expect("create table");
    let request = OperatorRequest { organization: "logs".into(), owner_email: "admin@logs.example".into() };
    let outcome = operator::bootstrap(&store, &SystemClock, &config, &request).await.expect("bootstrap");
    Deployment { env, owner_token: outcome.cli_token }
}

/// The log's JSON lines (each line of our subscriber is one JSON object).
fn lines(log: &str) -> Vec<Value> {
    log.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// Runs the authorizer and `users-create` at `rust_log` and checks their output.
async fn no_secret_in_any_line(rust_log: &str) {
    let d = deploy(rust_log).await;
    let owner = d.owner_token.clone();
    let owner_locator = Token::parse(&owner).expect("a token").locator();
    // Well-formed tokens the store does not back: the right locator with another secret, an
    // unknown credential of a known owner.
    let wrong_secret = Token::generate(owner_locator).expect("entropy").expose().to_string();
    let unknown_id = CredentialId::new_random();
    let unknown = Token::generate(Locator { credential_id: unknown_id, ..owner_locator }).unwrap().expose().to_string();
    // A token pasted where free text goes (a user's display name): stored, so it travels in
    // users-create's DynamoDB request and in every later read of that user's item, the
    // authorizer's included, which the SDK logs at trace.
    // A v1 token (97 characters): a v2 one (119) is longer than a display name may be.
    let pasted_locator =
        Locator { organization_id: None, owner_id: latchkey::domain::PrincipalId::new_random(), ..owner_locator };
    let pasted = Token::generate(pasted_locator).unwrap().expose().to_string();
    let mut tokens = vec![owner.clone(), wrong_secret.clone(), unknown.clone(), pasted.clone()];

    let mut authorizer = LambdaProcess::spawn(&PathBuf::from(env!("CARGO_BIN_EXE_authorizer")), &d.env).await;
    let allowed = authorizer.invoke(authorizer_event(Some(&format!("Bearer {owner}")), "GET", "/api/v1/users")).await;
    let context = allowed.response()["context"].clone();
    assert_eq!(context["permission_level"], "OWNER", "{context}");
    let mut denials = Vec::new();
    for (token, credential_id, reason) in
        [(&wrong_secret, owner_locator.credential_id, "wrong_secret"), (&unknown, unknown_id, "unknown_credential")]
    {
        let event = authorizer_event(Some(&format!("Bearer {token}")), "GET", "/api/v1/users");
        let request_id = event["requestContext"]["requestId"].as_str().unwrap().to_string();
        assert_eq!(authorizer.invoke(event).await.error_message(), "Unauthorized");
        denials.push((request_id, credential_id.to_string(), reason));
    }
    // Garbage around a real token, and the token under another scheme.
    for header in [format!("Bearer {owner}x"), format!("Basic {owner}"), format!("Bearer x{}", secret_of(&owner))] {
        let out = authorizer.invoke(authorizer_event(Some(&header), "GET", "/api/v1/users")).await;
        assert_eq!(out.error_message(), "Unauthorized");
    }

    let mut users_create = LambdaProcess::spawn(&PathBuf::from(env!("CARGO_BIN_EXE_users-create")), &d.env).await;
    let bodies = [
        (json!({"email": "dev@logs.example", "name": pasted}), 201),
        (json!({"email": owner}), 400),
        (json!({"email": "x@logs.example", "roles": [owner], "name": secret_of(&owner)}), 400),
        (json!({ owner.clone(): 1 }), 400),
    ];
    for (body, status) in bodies {
        let mut event = proxy_event("POST", "/api/v1/users", &[], &[], Some(&body.to_string()), Some(&context));
        // API Gateway forwards the caller's Authorization header to the function too.
        event["headers"]["Authorization"] = Value::String(format!("Bearer {owner}"));
        event["multiValueHeaders"]["Authorization"] = json!([format!("Bearer {owner}")]);
        let out = users_create.invoke(event).await;
        let response = out.response();
        assert_eq!(response["statusCode"], status, "{response}");
        let parsed: Value = serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null);
        if let Some(new_token) = parsed["cli_token"].as_str() {
            tokens.push(new_token.to_string());
        }
    }
    let users_log = users_create.stop().await;

    // `/verify` reads other people's tokens from its body.
    let mut verify = LambdaProcess::spawn(&PathBuf::from(env!("CARGO_BIN_EXE_verify")), &d.env).await;
    for (token, valid) in [(&owner, true), (&wrong_secret, false), (&unknown, false), (&format!("{owner}x"), false)] {
        let body = json!({ "token": token }).to_string();
        let out = verify.invoke(proxy_event("POST", "/api/v1/verify", &[], &[], Some(&body), Some(&context))).await;
        let response = out.response();
        assert_eq!(response["statusCode"], 200, "{response}");
        let parsed: Value = serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null);
        assert_eq!(parsed["valid"], valid, "{parsed}");
    }
    let verify_log = verify.stop().await;

    // The two public leak endpoints read other people's tokens from their bodies: a report
    // of near misses (nothing matches, nothing is revoked), and an unsigned GitHub message.
    let mut revoke =
        LambdaProcess::spawn(&PathBuf::from(env!("CARGO_BIN_EXE_credentials-revoke-leaked")), &d.env).await;
    let body = json!({ "credentials": [&wrong_secret, &unknown, format!("{owner}x")] }).to_string();
    let out = revoke.invoke(proxy_event("POST", "/api/v1/credentials/revoke", &[], &[], Some(&body), None)).await;
    assert_eq!(out.response()["statusCode"], 202, "{}", out.response());
    let revoke_log = revoke.stop().await;
    let mut github = LambdaProcess::spawn(&PathBuf::from(env!("CARGO_BIN_EXE_github-secret-scanning")), &d.env).await;
    let body =
        json!([{ "token": &owner, "type": "latchkey_cli_token", "url": "https://example.com", "source": "content" }])
            .to_string();
    let path = "/api/v1/credentials/github-secret-scanning";
    let out = github.invoke(proxy_event("POST", path, &[], &[], Some(&body), None)).await;
    assert_eq!(out.response()["statusCode"], 401, "{}", out.response());
    let github_log = github.stop().await;
    assert_eq!(tokens.len(), 5, "users-create returned no CLI token");
    // The new user's token: the authorizer reads that user's item, display name and all.
    let dev = &tokens[4];
    let allowed = authorizer.invoke(authorizer_event(Some(&format!("Bearer {dev}")), "GET", "/api/v1/me")).await;
    assert_eq!(allowed.response()["context"]["email"], "dev@logs.example");
    let authorizer_log = authorizer.stop().await;

    let logs = [
        ("authorizer", &authorizer_log),
        ("users-create", &users_log),
        ("verify", &verify_log),
        ("credentials-revoke-leaked", &revoke_log),
        ("github-secret-scanning", &github_log),
    ];
    for (i, (name, log)) in logs.into_iter().enumerate() {
        // The leak functions touch the store little (an unsigned message not at all): they
        // must log something; the first three show the filter open.
        assert!(!lines(log).is_empty(), "{name} logged nothing");
        if i < 3 {
            assert!(lines(log).len() > 3, "{name} logged almost nothing:\n{log}");
            assert!(log.contains("\"level\":\"DEBUG\""), "{name}: RUST_LOG={rust_log} did not open the filter:\n{log}");
        }
        for (n, line) in log.lines().enumerate() {
            for token in &tokens {
                assert!(!line.contains(token.as_str()), "{name}, RUST_LOG={rust_log}: line {n} holds a token: {line}");
                assert!(
                    !line.contains(secret_of(token)),
                    "{name}, RUST_LOG={rust_log}: line {n} holds a token's secret: {line}"
                );
            }
            assert!(!line.contains(SESSION_TOKEN), "{name}, RUST_LOG={rust_log}: line {n} holds the AWS session token");
        }
    }

    // Every denial of a well-formed token left its trace: request id, reason, credential id.
    let authorizer_lines = lines(&authorizer_log);
    for (request_id, credential_id, reason) in denials {
        let line = authorizer_lines.iter().find(|l| l["fields"]["request_id"] == request_id.as_str());
        let line = line.unwrap_or_else(|| panic!("no log line for denied request {request_id}:\n{authorizer_log}"));
        assert_eq!(line["level"], "INFO", "{line}");
        assert_eq!(line["fields"]["reason"], reason, "{line}");
        assert_eq!(line["fields"]["credential_id"], credential_id.as_str(), "{line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_log_line_at_trace() {
    no_secret_in_any_line("trace").await;
}

/// Directives naming the crates that log raw events, requests and bodies cannot lift the cap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_log_line_when_the_chatty_crates_are_named() {
    no_secret_in_any_line(
        "info,latchkey=trace,lambda_runtime=trace,lambda_runtime::layers::api_response=trace,\
         aws_smithy_runtime=trace,aws_smithy_runtime::client::orchestrator=trace,aws_sigv4=trace,\
         aws_runtime=trace,aws_config=trace,aws_smithy_http=trace,aws_smithy_runtime_api=trace",
    )
    .await;
}

//! `latchkey gateway` itself, on the repository's template (its API and gateway responses,
//! trimmed to the functions each test runs): a function that crashes mid-invocation, or
//! runs past its `Timeout`, is replaced and that request answered 502; unknown routes and methods get the template's
//! 404; a failing authorizer the template's 503; a policy that denies or misses the method
//! ARN the template's 403; a missing identity source a 401 without invoking the
//! authorizer; `/x/` is served as `/x`, as API Gateway does.
//!
//! Declared in `functions/Cargo.toml`, so cargo builds the function binaries for it
//! (`CARGO_BIN_EXE_<name>`); the scripted stand-ins are bash (`latchkey_tests::gateway`).

use latchkey_cli::gateway::GatewayOptions;
use latchkey_tests::gateway::{
    FirstProcess, RunningGateway, Scripted, first_process_then, script_function, start_gateway,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The binaries the trimmed template runs, and where cargo built them.
const REAL: [(&str, &str); 3] = [
    ("health", env!("CARGO_BIN_EXE_health")),
    ("me", env!("CARGO_BIN_EXE_me")),
    ("authorizer", env!("CARGO_BIN_EXE_authorizer")),
];

/// The repository's template with only the functions of [`REAL`] (and every other resource).
fn load_template() -> serde_norway::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    serde_norway::from_str(&std::fs::read_to_string(path).expect("template.yaml")).expect("YAML")
}

/// With `health_timeout`, `HealthFunction`'s `Timeout` (seconds) instead of Globals'.
fn trimmed_template(dir: &Path, health_timeout: Option<u64>) -> PathBuf {
    let mut doc = load_template();
    let keep = ["HealthFunction", "MeFunction", "AuthorizerFunction"];
    let resources = doc.get_mut("Resources").and_then(|r| r.as_mapping_mut()).expect("Resources");
    resources.retain(|id, resource| {
        let is_function = resource.get("Type").and_then(|t| t.as_str()) == Some("AWS::Serverless::Function");
        !is_function || keep.contains(&id.as_str().unwrap_or_default())
    });
    if let Some(seconds) = health_timeout {
        let props = resources.get_mut("HealthFunction").and_then(|f| f.get_mut("Properties")).expect("Properties");
        props.as_mapping_mut().expect("a mapping").insert("Timeout".into(), seconds.into());
    }
    let path = dir.join("template.yaml");
    std::fs::write(&path, serde_norway::to_string(&doc).expect("YAML out")).expect("write the template");
    path
}

/// The template's gateway response `kind`: (status, body).
fn template_response(kind: &str) -> (u16, String) {
    let doc = load_template();
    let response = &doc["Resources"]["Api"]["Properties"]["GatewayResponses"][kind];
    let status = response["StatusCode"].as_u64().expect("StatusCode") as u16;
    let body = response["ResponseTemplates"]["application/json"].as_str().expect("a JSON template").to_string();
    (status, body)
}

/// A folder of functions: the real binaries (linked), except those `scripted` replaces.
fn functions(scripted: impl FnOnce(&Path)) -> PathBuf {
    let dir = latchkey_tests::gateway::log_dir("functions");
    std::fs::create_dir_all(&dir).expect("a functions folder");
    for (name, path) in REAL {
        std::os::unix::fs::symlink(path, dir.join(name)).expect("link a binary");
    }
    scripted(&dir);
    dir
}

fn replace(dir: &Path, name: &str) {
    std::fs::remove_file(dir.join(name)).expect("remove the link");
}

async fn gateway(dir: &Path) -> RunningGateway {
    gateway_with(dir, None).await
}

async fn gateway_with(dir: &Path, health_timeout: Option<u64>) -> RunningGateway {
    start_gateway(GatewayOptions {
        template: trimmed_template(dir, health_timeout),
        functions_dir: dir.to_path_buf(),
        stage: "test".into(),
        log_dir: dir.join("logs"),
        caller_env: std::env::vars().collect(),
        parameters: Default::default(),
    })
    .await
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
}

async fn call(g: &RunningGateway, method: &str, path: &str, authorization: Option<&str>) -> Answer {
    let client = reqwest::Client::new();
    let mut request =
        client.request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), format!("{}{path}", g.base));
    if let Some(a) = authorization {
        request = request.header("authorization", a);
    }
    let response = request.send().await.expect("the gateway answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    Answer { status, headers, text: response.text().await.unwrap_or_default() }
}

/// The answer is the template's gateway response `kind`, headers included.
#[track_caller]
fn assert_gateway_response(answer: &Answer, kind: &str, status: u16) {
    let (declared, body) = template_response(kind);
    assert_eq!(answer.status, declared, "{kind}: {}", answer.text);
    assert_eq!(answer.status, status);
    assert_eq!(answer.text, body, "{kind}");
    assert_eq!(answer.headers["content-type"], "application/problem+json");
    assert_eq!(answer.headers["cache-control"], "no-store");
}

/// The first process of `health` takes the first request and `first`s: that request is
/// the 502 (API Gateway's failed invocation, which has no response type of its own:
/// DEFAULT_5XX's body and headers), and a fresh process serves the next ones.
async fn first_request_fails_then_a_fresh_process_serves(first: FirstProcess, health_timeout: Option<u64>) {
    let dir = functions(|dir| {
        replace(dir, "health");
        first_process_then(dir, "health", first, Path::new(env!("CARGO_BIN_EXE_health")));
    });
    let g = gateway_with(&dir, health_timeout).await;
    let started = std::time::Instant::now();
    let failed = call(&g, "GET", "/api/v1/health", None).await;
    assert_eq!(failed.status, 502, "{first:?}: {}", failed.text);
    assert_eq!(failed.text, template_response("DEFAULT_5XX").1);
    assert_eq!(failed.headers["content-type"], "application/problem+json");
    assert!(dir.join("health.first").exists(), "the first process took the event");
    let waited = started.elapsed();
    if let FirstProcess::Crashes = first {
        assert!(waited < std::time::Duration::from_secs(5), "the crash was seen only at the Timeout: {waited:?}");
    }
    if let Some(seconds) = health_timeout {
        assert!(waited >= std::time::Duration::from_secs(seconds), "gave up before the Timeout: {waited:?}");
        assert!(waited < std::time::Duration::from_secs(seconds + 5), "waited past the Timeout: {waited:?}");
    }
    for _ in 0..2 {
        let r = call(&g, "GET", "/api/v1/health", None).await;
        assert_eq!((r.status, serde_json::from_str::<Value>(&r.text).ok()), (200, Some(json!({"status": "ok"}))));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_function_is_restarted_and_its_request_answered_502() {
    first_request_fails_then_a_fresh_process_serves(FirstProcess::Crashes, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_past_its_timeout_is_replaced_and_its_request_answered_502() {
    first_request_fails_then_a_fresh_process_serves(FirstProcess::Hangs, Some(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_and_methods_get_the_templates_404_and_x_slash_is_x() {
    let dir = functions(|dir| {
        // Never invoked: a route that does not exist is refused before any authorizer.
        replace(dir, "authorizer");
        script_function(dir, "authorizer", Scripted::ExitAtOnce);
    });
    let g = gateway(&dir).await;
    for (method, path) in [
        ("GET", "/api/v1/nothing-here"),
        ("PUT", "/api/v1/me"),
        ("POST", "/api/v1/health"),
        ("GET", "/"),
        ("GET", "/api/v1/users"),
        ("GET", "//evil.example/"),
    ] {
        let r = call(&g, method, path, Some("Bearer whatever")).await;
        assert_gateway_response(&r, "MISSING_AUTHENTICATION_TOKEN", 404);
    }
    // API Gateway matches without the trailing slash (and empty segments).
    let r = call(&g, "GET", "/api/v1/health/", None).await;
    assert_eq!((r.status, r.text.as_str()), (200, r#"{"status":"ok"}"#));
    let r = call(&g, "GET", "/api//v1/health", None).await;
    assert_eq!(r.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_authorizer_gets_the_templates_503() {
    for failing in [
        Scripted::ExitAtOnce,
        Scripted::Error(&json!({"errorType": "StoreError", "errorMessage": "authorizer failure"})),
    ] {
        let dir = functions(|dir| {
            replace(dir, "authorizer");
            script_function(dir, "authorizer", failing);
        });
        let g = gateway(&dir).await;
        let r = call(&g, "GET", "/api/v1/me", Some("Bearer lku_anything")).await;
        assert_gateway_response(&r, "AUTHORIZER_FAILURE", 503);
        assert_eq!(r.headers["retry-after"], "1");
        // No identity source: the 401, without invoking the authorizer at all.
        assert_gateway_response(&call(&g, "GET", "/api/v1/me", None).await, "UNAUTHORIZED", 401);
        assert_gateway_response(&call(&g, "GET", "/api/v1/me", Some("")).await, "UNAUTHORIZED", 401);
        // Public routes do not need it.
        assert_eq!(call(&g, "GET", "/api/v1/health", None).await.status, 200);
    }
}

/// The context the real authorizer gives an OWNER's CLI token, as strings.
fn owner_context() -> Value {
    json!({
        "principal_type": "user",
        "principal_id": uuid::Uuid::new_v4().to_string(),
        "email": "owner@example.com",
        "organization_id": uuid::Uuid::new_v4().to_string(),
        "permission_level": "OWNER",
        "roles": "",
        "credential_id": uuid::Uuid::new_v4().to_string(),
        "credential_kind": "cli_token",
        "credential_last_six": "abcdef",
        "credential_expires_at": "",
        "scoped": "false",
        "scopes": "",
    })
}

fn policy(effect: &str, resource: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authorizers_policy_is_checked_against_the_method_arn() {
    let arn = "arn:aws:execute-api:*:*:*/test";
    let cases = [
        // (policy, expected status, the gateway response it is, if any)
        (policy("Allow", &format!("{arn}/GET/api/v1/me")), 200, None),
        (policy("Allow", &format!("{arn}/POST/*")), 403, Some("ACCESS_DENIED")),
        (policy("Allow", "arn:aws:execute-api:*:*:*/prod/*/*"), 403, Some("ACCESS_DENIED")),
        (policy("Deny", &format!("{arn}/*/*")), 403, Some("ACCESS_DENIED")),
        (json!({"Statement": []}), 503, Some("AUTHORIZER_CONFIGURATION_ERROR")),
    ];
    for (policy, status, kind) in cases {
        let context = owner_context();
        let answer = json!({"principalId": context["principal_id"], "policyDocument": policy, "context": context});
        let dir = functions(|dir| {
            replace(dir, "authorizer");
            script_function(dir, "authorizer", Scripted::Response(&answer));
        });
        let g = gateway(&dir).await;
        let r = call(&g, "GET", "/api/v1/me", Some("Bearer lku_anything")).await;
        match kind {
            Some(kind) => assert_gateway_response(&r, kind, status),
            None => {
                // The context reached the function as API Gateway hands it on.
                assert_eq!(r.status, status, "{}", r.text);
                let me: Value = serde_json::from_str(&r.text).expect("JSON");
                assert_eq!(me["id"], context["principal_id"]);
                assert_eq!(me["credential"]["last_six"], "abcdef");
            }
        }
    }
    // `Unauthorized` from the authorizer is the template's 401.
    let dir = functions(|dir| {
        replace(dir, "authorizer");
        script_function(dir, "authorizer", Scripted::Error(&json!({"errorType": "E", "errorMessage": "Unauthorized"})));
    });
    let g = gateway(&dir).await;
    assert_gateway_response(&call(&g, "GET", "/api/v1/me", Some("Bearer lku_x")).await, "UNAUTHORIZED", 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_naming_a_missing_binary_is_a_clear_error() {
    let dir = functions(|dir| replace(dir, "me"));
    let options = GatewayOptions {
        template: trimmed_template(&dir, None),
        functions_dir: dir.clone(),
        stage: "test".into(),
        log_dir: dir.join("logs"),
        caller_env: Default::default(),
        parameters: Default::default(),
    };
    let error = latchkey_cli::gateway::Gateway::start(options).await.err().expect("refused").to_string();
    assert!(error.contains("no function binary me in"), "{error}");
    assert!(error.contains("cargo build -p latchkey-functions"), "{error}");
}

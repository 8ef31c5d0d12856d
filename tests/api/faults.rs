//! Fault injection: the store fails (throttling/timeouts, conditional failures at the wrong
//! moment, internal errors) and latchkey must fail closed, answer 503 problem+json with
//! `Retry-After` and no internal detail, retry only boundedly, and never half-write.

use latchkey::auth::{Authorizer, Decision};
use latchkey::clock::ManualClock;
use latchkey::config::Config;
use latchkey::operator::{self, OperatorRequest};
use latchkey::store::sqlite::SqliteStore;
use latchkey::store::{Store, StoreError, UserStore};
use latchkey_tests::app::{Reply, TestApp, spawn_app};
use latchkey_tests::faults::{AUTHORIZER_PATH, FAULT_MARKER, Fault, FaultyStore, Methods, spawn_faulty_app};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn bootstrap(store: &dyn Store, clock: &ManualClock) -> String {
    operator::bootstrap(
        store,
        clock,
        &Config::default(),
        &OperatorRequest {
            organization: format!("org-{}", uuid::Uuid::new_v4()),
            owner_email: "owner@example.com".into(),
        },
    )
    .await
    .expect("bootstrap")
    .cli_token
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authorizer_fails_closed_when_the_lookup_fails() {
    let inner = latchkey_tests::sqlite_store().await;
    let clock = Arc::new(ManualClock::starting_now());
    let token = bootstrap(inner.as_ref(), &clock).await;
    let faulty = FaultyStore::new(Arc::clone(&inner));
    let authorizer = Authorizer::new(Arc::clone(&faulty) as Arc<dyn Store>, clock.clone());
    let header = format!("Bearer {token}");
    // Sanity: without faults the token is allowed.
    assert!(matches!(authorizer.authorize(Some(&header)).await, Ok(Decision::Allow(_))));
    for fault in Fault::ALL {
        faulty.disarm();
        faulty.arm(Methods::Only(vec!["read_for_authorization"]), fault);
        for presented in [header.clone(), format!("bearer   {token}")] {
            match authorizer.authorize(Some(&presented)).await {
                Err(failure) => {
                    // The failure is for the log; it is not an allow and not a deny.
                    let _ = failure.to_string();
                }
                Ok(decision) => panic!("{fault:?}: the authorizer decided {decision:?} without its store"),
            }
        }
    }
    // A malformed token is denied without touching the store, faults or not.
    faulty.disarm();
    faulty.arm(Methods::All, Fault::Unavailable);
    faulty.take_calls();
    assert!(matches!(authorizer.authorize(Some("Bearer lku_nope")).await, Ok(Decision::Deny(_))));
    assert!(faulty.take_calls().is_empty());
    // Bookkeeping (`last_used_at`) failing never turns a good credential away.
    faulty.disarm();
    clock.advance(chrono::Duration::minutes(5));
    faulty.arm(Methods::Only(vec!["record_last_used"]), Fault::Unavailable);
    assert!(matches!(authorizer.authorize(Some(&header)).await, Ok(Decision::Allow(_))));
    assert!(faulty.injected() >= 7, "faults injected: {}", faulty.injected());
}

/// A table that never answers the `last_used_at` write: the allow still arrives, within the
/// write's bound (300 ms) plus slack, from the authorizer and through the local server,
/// never a 503 and never a hang.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_last_used_write_never_holds_up_a_valid_credential() {
    let bound = latchkey::auth::LAST_USED_WRITE_LIMIT + Duration::from_millis(700);
    let inner = latchkey_tests::sqlite_store().await;
    let clock = Arc::new(ManualClock::starting_now());
    let token = bootstrap(inner.as_ref(), &clock).await;
    let faulty = FaultyStore::new(Arc::clone(&inner));
    faulty.arm(Methods::Only(vec!["record_last_used"]), Fault::Hang);
    let authorizer = Authorizer::new(Arc::clone(&faulty) as Arc<dyn Store>, clock.clone());
    let started = Instant::now();
    let decision = tokio::time::timeout(Duration::from_secs(5), authorizer.authorize(Some(&format!("Bearer {token}"))))
        .await
        .expect("the authorizer waited for a hanging bookkeeping write");
    let took = started.elapsed();
    assert!(matches!(decision, Ok(Decision::Allow(_))), "{decision:?}");
    assert!(took < bound, "the allow took {took:?}");
    assert!(took >= latchkey::auth::LAST_USED_WRITE_LIMIT, "the write was not waited for at all: {took:?}");
    assert_eq!(faulty.injected(), 1);

    // Through the local server: 200, not 503, in time.
    let (app, faulty) = spawn_faulty_app(latchkey_tests::sqlite_store().await).await;
    app.clock.advance(chrono::Duration::minutes(5));
    faulty.arm(Methods::Only(vec!["record_last_used"]), Fault::Hang);
    let started = Instant::now();
    let me = tokio::time::timeout(Duration::from_secs(5), app.get("/me", &app.owner_token))
        .await
        .expect("the request waited for a hanging bookkeeping write");
    me.assert_status(200);
    assert!(started.elapsed() < bound, "GET /me took {:?}", started.elapsed());
    assert_eq!(faulty.injected(), 1, "the write was not attempted");
}

/// Every protected request of the API, as (method, path, body).
fn every_request(
    collab_id: &str,
    token_id: &str,
    key_id: &str,
) -> Vec<(&'static str, String, Option<serde_json::Value>)> {
    vec![
        ("GET", "/users".into(), None),
        ("POST", "/users".into(), Some(json!({"email": "new@example.com"}))),
        ("GET", format!("/users/{collab_id}"), None),
        ("PATCH", format!("/users/{collab_id}"), Some(json!({"roles": ["TokenCreator"]}))),
        ("DELETE", format!("/users/{collab_id}"), None),
        ("POST", "/users/me/cli-tokens/rotate".into(), None),
        ("DELETE", "/users/me/cli-tokens".into(), None),
        ("POST", format!("/users/{collab_id}/cli-tokens/rotate"), None),
        ("POST", "/service-accounts".into(), Some(json!({"name": "another"}))),
        ("GET", "/service-accounts".into(), None),
        ("GET", "/service-accounts/robot".into(), None),
        ("DELETE", "/service-accounts/robot".into(), None),
        ("POST", "/service-accounts/robot/api-keys".into(), None),
        ("GET", "/service-accounts/robot/api-keys".into(), None),
        ("POST", "/service-accounts/robot/api-keys/rotate".into(), None),
        ("DELETE", "/service-accounts/robot/api-keys".into(), None),
        ("GET", "/api-keys".into(), None),
        ("DELETE", format!("/api-keys/{key_id}"), None),
        ("POST", "/tokens".into(), Some(json!({"description": "x"}))),
        ("GET", "/tokens".into(), None),
        ("GET", format!("/tokens/{token_id}"), None),
        ("PATCH", format!("/tokens/{token_id}"), Some(json!({"revoked": true}))),
    ]
}

async fn send(app: &TestApp, method: &str, path: &str, body: Option<serde_json::Value>) -> Reply {
    app.raw(method, &format!("/api/v1{path}"), Some(&app.owner_token), body.map(|b| b.to_string().into_bytes()), None)
        .await
}

#[track_caller]
fn assert_no_detail(r: &Reply, what: &str) {
    assert!(
        !r.text.contains(FAULT_MARKER) && !r.text.contains("INJECTED"),
        "{what}: internal detail leaked: {}",
        r.text
    );
    assert!(!r.text.contains("store unavailable") && !r.text.contains("store failure"), "{what}: {}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_answer_503_with_retry_after_and_no_internal_detail() {
    let (app, faulty) = spawn_faulty_app(latchkey_tests::sqlite_store().await).await;
    let (collab_id, _) = app.add_user("collab@example.com", json!({})).await;
    app.add_service_account("robot", None).await;
    let token_id = app.post("/tokens", &app.owner_token, json!({})).await.assert_status(201)["token_info"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let key_id =
        app.get("/api-keys", &app.owner_token).await.assert_status(200)["items"][0]["id"].as_str().unwrap().to_string();
    let before = app.snapshot(&app.owner_token).await;
    let requests = every_request(&collab_id, &token_id, &key_id);
    let mut checked = 0;

    // 1. The authorizer's lookup fails: the gateway answers 503 (AUTHORIZER_FAILURE) for
    //    every protected route, whatever the kind of store error.
    for fault in Fault::ALL {
        faulty.disarm();
        faulty.arm(Methods::All, fault);
        for (method, path, body) in &requests {
            let r = send(&app, method, path, body.clone()).await;
            let what = format!("{fault:?} on the authorizer: {method} {path}");
            r.assert_problem(503, "unavailable");
            assert_eq!(r.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("1"), "{what}");
            assert_no_detail(&r, &what);
            checked += 1;
        }
        faulty.disarm();
        let me = app.get("/me", &app.owner_token).await;
        me.assert_status(200);
    }

    // 2. Requests authenticate, the handler's store calls are throttled: 503 + Retry-After.
    faulty.disarm();
    faulty.arm(Methods::AllBut(AUTHORIZER_PATH.to_vec()), Fault::Unavailable);
    for (method, path, body) in &requests {
        let r = send(&app, method, path, body.clone()).await;
        let what = format!("Unavailable in the handler: {method} {path}");
        r.assert_problem(503, "unavailable");
        assert!(r.headers.get("retry-after").is_some(), "{what}");
        assert_no_detail(&r, &what);
        checked += 1;
    }

    // 3. Internal errors: 500 `internal`, still without the detail.
    faulty.disarm();
    faulty.arm(Methods::AllBut(AUTHORIZER_PATH.to_vec()), Fault::Internal);
    for (method, path, body) in &requests {
        let r = send(&app, method, path, body.clone()).await;
        let what = format!("Internal in the handler: {method} {path}");
        r.assert_problem(500, "internal");
        assert_no_detail(&r, &what);
        checked += 1;
    }

    // Nothing of it happened.
    faulty.disarm();
    assert_eq!(app.snapshot(&app.owner_token).await, before, "a failed request changed the organization");
    assert_eq!(app.me_status(&app.owner_token).await, 200);
    eprintln!("faults: {checked} failing requests checked, {} faults injected", faulty.injected());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contention_at_the_wrong_moment_is_retried_a_bounded_number_of_times() {
    let (app, faulty) = spawn_faulty_app(latchkey_tests::sqlite_store().await).await;
    let first_key = app.add_service_account("robot", None).await;
    let before = app.snapshot(&app.owner_token).await;

    // Every conditional write loses: a bounded number of attempts, then 409, nothing stored.
    for (method, path, store_method) in [
        ("POST", "/service-accounts/robot/api-keys", "issue_credential"),
        ("POST", "/service-accounts/robot/api-keys/rotate", "rotate_credentials"),
        ("POST", "/users/me/cli-tokens/rotate", "rotate_credentials"),
    ] {
        faulty.disarm();
        faulty.arm(Methods::Only(vec![store_method]), Fault::Contention);
        faulty.take_calls();
        let r = send(&app, method, path, None).await;
        r.assert_problem(409, "conflict");
        let attempts = faulty.take_calls().iter().filter(|m| **m == store_method).count();
        assert!((1..=5).contains(&attempts), "{method} {path}: {attempts} attempts");
    }
    faulty.disarm();
    assert_eq!(app.snapshot(&app.owner_token).await, before);
    assert_eq!(app.me_status(&first_key).await, 200, "a lost rotation revoked the old key");

    // One lost race is retried transparently.
    faulty.arm_window(Methods::Only(vec!["issue_credential"]), Fault::Contention, 0, 1);
    let r = send(&app, "POST", "/service-accounts/robot/api-keys", None).await;
    let key = r.assert_status(201)["api_key"].as_str().unwrap().to_string();
    assert_eq!(app.me_status(&key).await, 200);
    faulty.disarm();
    faulty.arm_window(Methods::Only(vec!["rotate_credentials"]), Fault::Contention, 0, 1);
    let r = send(&app, "POST", "/service-accounts/robot/api-keys/rotate", None).await;
    let rotated = r.assert_status(200)["api_key"].as_str().unwrap().to_string();
    assert_eq!(app.me_status(&rotated).await, 200);
    assert_eq!(app.me_status(&key).await, 401);
    assert_eq!(app.me_status(&first_key).await, 401);
}

/// Multi-item changes are all or nothing inside the store: a trigger makes SQLite fail the
/// credential half of each change (after the other half was written in the same
/// transaction), and nothing of the change may remain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_that_fails_halfway_leaves_nothing_behind() {
    let dir = std::env::temp_dir().join("latchkey-store-tests").join(uuid::Uuid::new_v4().to_string());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir).expect("open"));
    let app = spawn_app(store).await;
    let key = app.add_service_account("robot", None).await;
    let (collab_id, collab_token) = app.add_user("collab@example.com", json!({})).await;
    let before = app.snapshot(&app.owner_token).await;

    let db = rusqlite::Connection::open(dir.join("latchkey.db")).expect("open the database beside the store");
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    db.execute_batch(
        "CREATE TRIGGER fail_credential_inserts BEFORE INSERT ON credentials BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )
    .expect("install the trigger");

    let attempts: Vec<(&str, String, Option<serde_json::Value>)> = vec![
        ("POST", "/service-accounts".into(), Some(json!({"name": "half"}))),
        ("POST", "/users".into(), Some(json!({"email": "half@example.com"}))),
        ("POST", "/service-accounts/robot/api-keys/rotate".into(), None),
        ("POST", format!("/users/{collab_id}/cli-tokens/rotate"), None),
        ("POST", "/service-accounts/robot/api-keys".into(), None),
        ("POST", "/tokens".into(), Some(json!({}))),
    ];
    for (method, path, body) in &attempts {
        let r = send(&app, method, path, body.clone()).await;
        eprintln!("half-write {method} {path}: {}", r.status);
        assert!(r.status >= 400, "{method} {path} succeeded although its credential could not be written: {}", r.text);
        assert!(!r.text.contains("injected failure"), "{method} {path}: {}", r.text);
        assert_eq!(
            app.snapshot(&app.owner_token).await,
            before,
            "{method} {path} left part of its change ({})",
            r.status
        );
    }
    app.get("/service-accounts/half", &app.owner_token).await.assert_problem(404, "not_found");
    // The rotations did not happen: the old credentials still work.
    assert_eq!(app.me_status(&key).await, 200);
    assert_eq!(app.me_status(&collab_token).await, 200);

    db.execute_batch("DROP TRIGGER fail_credential_inserts;").unwrap();
    app.post("/service-accounts", &app.owner_token, json!({"name": "half"})).await.assert_status(201);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- the DynamoDB SDK's retries and timeouts -----------------------------------------------

/// The Lambda functions' timeout (template.yaml, Globals).
const LAMBDA_TIMEOUT: Duration = Duration::from_secs(10);

/// A fake DynamoDB endpoint on loopback: answers every request per `mode` and counts them.
async fn fake_dynamodb(mode: &'static str) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = Arc::clone(&count);
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let c = Arc::clone(&c);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut seen = Vec::new();
                loop {
                    let Ok(n) = sock.read(&mut buf).await else { return };
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    // One request per read burst is enough for the SDK's small JSON calls.
                    let text = String::from_utf8_lossy(&seen).to_string();
                    let Some(head_end) = text.find("\r\n\r\n") else { continue };
                    let len = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if seen.len() < head_end + 4 + len {
                        continue;
                    }
                    seen.drain(..head_end + 4 + len);
                    c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if mode == "hang" {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        return;
                    }
                    let body = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#;
                    let resp = format!(
                        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/x-amz-json-1.0\r\nx-amzn-requestid: x\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if sock.write_all(resp.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), count)
}

async fn dynamodb_store_at(endpoint: &str) -> latchkey::store::dynamodb::DynamoDbStore {
    let endpoint = endpoint.to_string();
    let config = Config::from_lookup(|name| match name {
        "DYNAMODB_ENDPOINT" => Some(endpoint.clone()),
        "TABLE_NAME" => Some("latchkey-faults".into()),
        "AWS_ACCESS_KEY_ID" => Some("testing".into()),
        "AWS_SECRET_ACCESS_KEY" => Some("testing".into()),
        "AWS_REGION" => Some("us-east-1".into()),
        _ => std::env::var(name).ok(),
    })
    .unwrap();
    // SAFETY-free: the SDK reads credentials from the environment; scripts/test sets them.
    latchkey::store::dynamodb::DynamoDbStore::from_config(&config).await.expect("build the client")
}

/// A DynamoDB failure keeps the SDK's error as its source (for the log's chain), and its
/// own message names the operation and the error code only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_failures_keep_the_sdk_error_as_their_source() {
    use aws_sdk_dynamodb::config::http::HttpResponse;
    use aws_sdk_dynamodb::error::SdkError;
    use aws_sdk_dynamodb::operation::get_item::GetItemError;
    assert!(std::env::var("AWS_ACCESS_KEY_ID").is_ok(), "set AWS_ACCESS_KEY_ID etc. or run scripts/test");
    let (endpoint, _) = fake_dynamodb("throttle").await;
    let store = dynamodb_store_at(&endpoint).await;
    let err = store
        .get_user(latchkey::domain::OrganizationId::new_random(), latchkey::domain::PrincipalId::new_random())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    assert!(err.to_string().starts_with("store unavailable: GetItem: ThrottlingException"), "{err}");
    let source = std::error::Error::source(&err).expect("the SDK error underneath");
    assert!(source.downcast_ref::<SdkError<GetItemError, HttpResponse>>().is_some(), "{source:?}");
    let chain = latchkey::logging::ErrorChain(&err).to_string();
    assert!(chain.starts_with(&format!("{err}: ")), "{chain}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_retries_are_bounded_and_fit_the_lambda_timeout() {
    assert!(std::env::var("AWS_ACCESS_KEY_ID").is_ok(), "set AWS_ACCESS_KEY_ID etc. or run scripts/test");
    // The configuration, as built for the Lambda functions.
    let (endpoint, count) = fake_dynamodb("throttle").await;
    let store = dynamodb_store_at(&endpoint).await;
    let sdk = store.client().config();
    let retry = sdk.retry_config().expect("a retry configuration");
    let timeouts = sdk.timeout_config().expect("a timeout configuration");
    let attempts = retry.max_attempts();
    let operation = timeouts.operation_timeout().expect("an operation timeout");
    let attempt = timeouts.operation_attempt_timeout().expect("an attempt timeout");
    eprintln!(
        "DynamoDB SDK: {attempts} attempts, {attempt:?} per attempt, {operation:?} per operation, connect {:?}",
        timeouts.connect_timeout()
    );
    assert!(attempts <= 3, "{attempts} attempts");
    assert!(
        operation < LAMBDA_TIMEOUT,
        "one store call may take {operation:?}, the Lambda only has {LAMBDA_TIMEOUT:?}"
    );

    // Throttled on every attempt: the SDK gives up after `attempts` requests, quickly.
    let started = Instant::now();
    let err = store
        .get_user(latchkey::domain::OrganizationId::new_random(), latchkey::domain::PrincipalId::new_random())
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    let sent = count.load(std::sync::atomic::Ordering::SeqCst);
    eprintln!("throttled: {sent} requests, gave up after {elapsed:?}");
    assert_eq!(sent as u32, attempts, "requests sent for one throttled call");
    assert!(elapsed < operation, "{elapsed:?}");

    // A server that never answers: the call ends by the operation timeout, before the Lambda's.
    let (endpoint, count) = fake_dynamodb("hang").await;
    let store = dynamodb_store_at(&endpoint).await;
    let started = Instant::now();
    let err = store
        .get_user(latchkey::domain::OrganizationId::new_random(), latchkey::domain::PrincipalId::new_random())
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    eprintln!(
        "hanging endpoint: {} requests, gave up after {elapsed:?}: {err}",
        count.load(std::sync::atomic::Ordering::SeqCst)
    );
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    assert!(elapsed <= operation + Duration::from_millis(500), "{elapsed:?}");
    assert!(elapsed < LAMBDA_TIMEOUT);
}

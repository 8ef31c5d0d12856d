//! `latchkey serve`'s HTTP layer, spoken to in raw HTTP/1.1 over TCP (SPEC section 7, "One
//! error format, even from the HTTP layer"): the route and the caller are checked before a
//! large body is read; every error, the HTTP library's own included, is problem+json with
//! the right status; slow and idle connections are closed and connections are capped; the
//! trailing-slash redirect never leaves the host. On the SQLite store: nothing here is a
//! store's behaviour.

mod redirects;
mod timeouts;

use latchkey_tests::app::{TestApp, spawn_app};
use latchkey_tests::raw_http::{self, Conn, RawReply};
use latchkey_tests::sqlite_store;
use std::time::Duration;

/// One byte over the 64 KiB body limit.
const OVER_LIMIT: usize = 64 * 1024 + 1;

async fn app() -> TestApp {
    spawn_app(sqlite_store().await).await
}

async fn send(app: &TestApp, request: &[u8]) -> RawReply {
    raw_http::exchange(app.addr, request).await.expect("a reply")
}

/// `method path` with `headers` (each a full line without CRLF) and a `content-length` body.
fn request(method: &str, path: &str, headers: &[String], body: &[u8]) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: {}\r\n", body.len());
    for h in headers {
        r.push_str(h);
        r.push_str("\r\n");
    }
    r.push_str("\r\n");
    let mut bytes = r.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn bearer(app: &TestApp) -> String {
    format!("authorization: Bearer {}", app.owner_token)
}

fn big_json_body() -> Vec<u8> {
    let mut body = br#"{"name":""#.to_vec();
    body.resize(OVER_LIMIT - 2, b'a');
    body.extend_from_slice(br#""}"#);
    assert_eq!(body.len(), OVER_LIMIT);
    body
}

// ---- route and caller before the body --------------------------------------------------

#[tokio::test]
async fn large_body_to_an_unknown_route_is_404() {
    let app = app().await;
    let r = send(&app, &request("POST", "/api/v1/nothing-here", &[bearer(&app)], &big_json_body())).await;
    r.assert_problem(404, "not_found");
    let r = send(&app, &request("POST", "/api/v1/nothing-here", &[], &big_json_body())).await;
    r.assert_problem(404, "not_found");
}

#[tokio::test]
async fn large_body_without_a_token_is_401() {
    let app = app().await;
    let r = send(&app, &request("POST", "/api/v1/service-accounts", &[], &big_json_body())).await;
    r.assert_problem(401, "unauthorized");
    let bad = "authorization: Bearer lku_not-a-token".to_string();
    let r = send(&app, &request("POST", "/api/v1/service-accounts", &[bad], &big_json_body())).await;
    r.assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn large_body_with_a_token_is_413() {
    let app = app().await;
    let r = send(&app, &request("POST", "/api/v1/service-accounts", &[bearer(&app)], &big_json_body())).await;
    r.assert_problem(413, "payload_too_large");
    // Announced too large, refused without waiting for it.
    let head = format!(
        "POST /api/v1/service-accounts HTTP/1.1\r\nhost: x\r\n{}\r\ncontent-length: 10000000\r\n\r\n",
        bearer(&app)
    );
    let mut conn = Conn::open(app.addr).await;
    assert!(conn.send(head.as_bytes()).await);
    conn.reply(Duration::from_secs(5)).await.unwrap().assert_problem(413, "payload_too_large");
    // A chunked body over the limit too.
    let mut chunked = format!(
        "POST /api/v1/service-accounts HTTP/1.1\r\nhost: x\r\n{}\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n",
        bearer(&app),
        OVER_LIMIT
    )
    .into_bytes();
    chunked.extend_from_slice(&big_json_body());
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    send(&app, &chunked).await.assert_problem(413, "payload_too_large");
    // And a body within the limit still works.
    let r = send(&app, &request("POST", "/api/v1/service-accounts", &[bearer(&app)], br#"{"name":"ci-bot"}"#)).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
}

// ---- problem+json from the HTTP layer --------------------------------------------------

#[tokio::test]
async fn bad_chunking_is_400_problem() {
    let app = app().await;
    let r = format!(
        "POST /api/v1/service-accounts HTTP/1.1\r\nhost: x\r\n{}\r\ntransfer-encoding: chunked\r\n\r\nZZ\r\n{{}}\r\n0\r\n\r\n",
        bearer(&app)
    );
    send(&app, r.as_bytes()).await.assert_problem(400, "validation_failed");
}

#[tokio::test]
async fn long_url_is_414_problem() {
    let app = app().await;
    let path = format!("/api/v1/health?pad={}", "a".repeat(16 * 1024));
    send(&app, &request("GET", &path, &[], b"")).await.assert_problem(414, "validation_failed");
    // Longer than hyper itself accepts (64 KiB): still 414, still problem+json.
    let path = format!("/api/v1/health?pad={}", "a".repeat(70 * 1024));
    send(&app, &request("GET", &path, &[], b"")).await.assert_problem(414, "validation_failed");
    // Within the limit: served.
    let path = format!("/api/v1/users?cursor={}", "a".repeat(4 * 1024));
    assert_ne!(send(&app, &request("GET", &path, &[bearer(&app)], b"")).await.status, 414);
}

#[tokio::test]
async fn large_headers_are_431_problem() {
    let app = app().await;
    // Over our limit but within what hyper would take.
    let pad = format!("x-pad: {}", "a".repeat(20 * 1024));
    send(&app, &request("GET", "/api/v1/health", &[pad], b"")).await.assert_problem(431, "validation_failed");
    // 100 KiB in one field: over hyper's own ceiling.
    let pad = format!("x-pad: {}", "a".repeat(100 * 1024));
    send(&app, &request("GET", "/api/v1/health", &[pad], b"")).await.assert_problem(431, "validation_failed");
    // 100 KiB in 200 fields: more fields than hyper takes.
    let many: Vec<String> = (0..200).map(|i| format!("x-pad-{i}: {}", "a".repeat(500))).collect();
    send(&app, &request("GET", "/api/v1/health", &many, b"")).await.assert_problem(431, "validation_failed");
}

#[tokio::test]
async fn malformed_requests_are_400_problem() {
    let app = app().await;
    for garbage in [
        &b"this is not http\r\n\r\n"[..],
        b"GET\r\n\r\n",
        b"\x01\x02\x03 / HTTP/1.1\r\n\r\n",
        b"GET /api/v1/health HTTP/1.1\r\nbad header line\r\n\r\n",
        b"GET /api/v1/health HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n",
        b"POST /api/v1/health HTTP/1.1\r\nhost: x\r\ntransfer-encoding: gzip\r\n\r\n",
    ] {
        let r = raw_http::exchange(app.addr, garbage).await.unwrap_or_else(|e| panic!("{e:?} for {garbage:?}"));
        r.assert_problem(400, "validation_failed");
    }
}

/// A good request, then garbage on the same connection: the first reply is the route's,
/// the second a problem. (The layer that turns the HTTP library's own error replies into
/// problem+json must tell them from the routes' replies, bodies and HEAD included.)
#[tokio::test]
async fn garbage_after_good_requests_on_one_connection_is_a_problem() {
    let app = app().await;
    let mut conn = Conn::open(app.addr).await;
    let pipelined = [
        "GET /api/v1/health HTTP/1.1\r\nhost: x\r\n\r\n",
        "HEAD /api/v1/health HTTP/1.1\r\nhost: x\r\n\r\n",
        "GET /console/ HTTP/1.1\r\nhost: x\r\n\r\n",
        "DELETE /api/v1/users/me/cli-tokens HTTP/1.1\r\nhost: x\r\n\r\n",
        "this is not http\r\n\r\n",
    ]
    .concat();
    assert!(conn.send(pipelined.as_bytes()).await);
    let within = Duration::from_secs(5);
    let r = conn.reply(within).await.unwrap();
    assert_eq!((r.status, r.json()), (200, serde_json::json!({"status": "ok"})));
    // HEAD: a head announcing a length, and no body.
    let r = conn.head_reply(within).await.unwrap();
    assert_eq!(r.status, 404, "{r:?}");
    assert_ne!(r.header("content-length"), Some("0"), "{r:?}");
    assert_eq!(conn.reply(within).await.unwrap().status, 308);
    conn.reply(within).await.unwrap().assert_problem(401, "unauthorized");
    conn.reply(within).await.unwrap().assert_problem(400, "validation_failed");
}

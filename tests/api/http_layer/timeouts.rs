//! Slow, idle and surplus connections: a head sent too slowly is disconnected, a body sent
//! too slowly is refused (408), an idle keep-alive connection is closed, and no more than
//! the cap of connections is served at once (the others wait).

use super::bearer;
use latchkey_cli::server::ServerLimits;
use latchkey_tests::app::{TestApp, spawn_app_with_limits};
use latchkey_tests::raw_http::{Conn, NoReply};
use latchkey_tests::sqlite_store;
use std::time::{Duration, Instant};

async fn app_with(limits: ServerLimits) -> TestApp {
    spawn_app_with_limits(sqlite_store().await, limits).await
}

const HEALTH: &[u8] = b"GET /api/v1/health HTTP/1.1\r\nhost: x\r\n\r\n";

#[tokio::test]
async fn a_head_sent_byte_by_byte_is_disconnected() {
    let limits = ServerLimits {
        header_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(30),
        ..ServerLimits::default()
    };
    let app = app_with(limits).await;
    let mut conn = Conn::open(app.addr).await;
    let started = Instant::now();
    // A head that never ends, one byte every 50 ms: never idle, never complete.
    let trickle = async {
        let head = b"GET /api/v1/health HTTP/1.1\r\nhost: x\r\n";
        for i in 0.. {
            let byte = if i < head.len() { head[i] } else { b"x-slow: 1\r\n"[(i - head.len()) % 11] };
            if !conn.send(&[byte]).await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let closed = tokio::time::timeout(Duration::from_secs(5), trickle).await.is_ok();
    assert!(closed, "a head trickling in for 5 s is still being read");
    assert!(started.elapsed() >= Duration::from_millis(900), "closed before the header timeout");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let limits = ServerLimits {
        idle_timeout: Duration::from_secs(1),
        header_read_timeout: Duration::from_secs(30),
        ..ServerLimits::default()
    };
    let app = app_with(limits).await;
    let mut conn = Conn::open(app.addr).await;
    assert!(conn.send(HEALTH).await);
    assert_eq!(conn.reply(Duration::from_secs(5)).await.unwrap().status, 200);
    // Kept alive: a second request on it is served.
    assert!(conn.send(HEALTH).await);
    assert_eq!(conn.reply(Duration::from_secs(5)).await.unwrap().status, 200);
    let started = Instant::now();
    assert!(conn.closed_within(Duration::from_secs(5)).await, "an idle connection stays open past 5 s");
    assert!(started.elapsed() >= Duration::from_millis(900), "closed before the idle timeout");
}

#[tokio::test]
async fn a_body_sent_too_slowly_is_408() {
    let limits = ServerLimits {
        body_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(30),
        header_read_timeout: Duration::from_secs(30),
        ..ServerLimits::default()
    };
    let app = app_with(limits).await;
    let mut conn = Conn::open(app.addr).await;
    let head =
        format!("POST /api/v1/service-accounts HTTP/1.1\r\nhost: x\r\n{}\r\ncontent-length: 100\r\n\r\n", bearer(&app));
    assert!(conn.send(head.as_bytes()).await);
    // A byte every 100 ms: never idle, never complete within the body timeout.
    let mut reply = Err(NoReply::TimedOut);
    for _ in 0..40 {
        let _ = conn.send(b" ").await;
        reply = conn.reply(Duration::from_millis(100)).await;
        if !matches!(reply, Err(NoReply::TimedOut)) {
            break;
        }
    }
    reply.expect("a reply before the body is complete").assert_problem(408, "validation_failed");
}

#[tokio::test]
async fn connections_over_the_cap_wait() {
    let limits = ServerLimits { max_connections: 2, ..ServerLimits::default() };
    let app = app_with(limits).await;
    let mut first = Conn::open(app.addr).await;
    let mut second = Conn::open(app.addr).await;
    for conn in [&mut first, &mut second] {
        assert!(conn.send(HEALTH).await);
        assert_eq!(conn.reply(Duration::from_secs(5)).await.unwrap().status, 200);
    }
    // Two connections held open (kept alive): a third is not served...
    let mut third = Conn::open(app.addr).await;
    assert!(third.send(HEALTH).await);
    assert_eq!(third.reply(Duration::from_millis(800)).await.unwrap_err(), NoReply::TimedOut);
    // ...until one of them closes.
    drop(first);
    assert_eq!(third.reply(Duration::from_secs(5)).await.unwrap().status, 200);
    // The one still open is still served.
    assert!(second.send(HEALTH).await);
    assert_eq!(second.reply(Duration::from_secs(5)).await.unwrap().status, 200);
}

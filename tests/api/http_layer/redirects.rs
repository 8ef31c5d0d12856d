//! The trailing-slash redirect never leaves the host: whatever the path, the `Location` a
//! browser resolves against the server's own URL (WHATWG URL parsing, the `url` crate)
//! stays on that host and port; what cannot be redirected safely is a 404.

use super::{app, request, send};
use latchkey::api::Api;
use latchkey::clock::ManualClock;
use latchkey::config::Config;
use latchkey::gateway::{LocalGateway, RawRequest};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};
use std::sync::Arc;

const ORIGIN: &str = "http://127.0.0.1:8080/";

/// Where a browser on `ORIGIN` goes for `location`: Err when it would leave the origin.
fn check_location(location: &str) -> Result<(), String> {
    if location.contains('\\') || !location.starts_with('/') || location.starts_with("//") {
        return Err(format!("not a plain absolute path: {location:?}"));
    }
    let base = url::Url::parse(ORIGIN).map_err(|e| e.to_string())?;
    let target = base.join(location).map_err(|e| format!("{location:?} does not resolve: {e}"))?;
    if (target.scheme(), target.host_str(), target.port_or_known_default()) != ("http", Some("127.0.0.1"), Some(8080)) {
        return Err(format!("{location:?} resolves to {target}"));
    }
    Ok(())
}

#[tokio::test]
async fn hostile_trailing_slash_paths_redirect_safely_or_404() {
    let app = app().await;
    for path in [
        "/\\evil.example/",
        "//evil.example/",
        "/%5Cevil.example/",
        "/%5cevil.example/",
        "/\\/evil.example/",
        "/./\\evil.example/",
        "/%2F%2Fevil.example/",
        "///evil.example//",
        "/console/\\evil.example/",
    ] {
        let r = send(&app, &request("GET", path, &[], b"")).await;
        match r.status {
            404 => r.assert_problem(404, "not_found"),
            308 => {
                let location = r.header("location").unwrap_or_default();
                check_location(location).unwrap_or_else(|e| panic!("GET {path}: {e}"));
            }
            other => panic!("GET {path}: {other} {r:?}"),
        }
    }
    // A plain path still redirects to its one spelling.
    let r = send(&app, &request("GET", "/console/", &[], b"")).await;
    assert_eq!((r.status, r.header("location")), (308, Some("/console")));
}

fn path_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(vec!['/', '\\', '.', '%', '2', '5', 'c', 'C', 'e', 'E', 'f', 'F', 'a', 'z', '@', ':']),
        1 => prop::sample::select(vec!['?', '#', ' ', '\t', '\n', '\r', '\0', '\u{7f}', 'é', '\u{3000}', '\u{ff0f}', ';']),
        1 => any::<char>(),
    ]
}

/// Every path ending in `/`, resolved as a browser resolves the redirect: same origin.
#[test]
fn any_trailing_slash_redirect_stays_on_the_host() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let gateway = rt.block_on(async {
        let store = latchkey_tests::sqlite_store().await;
        let api = Api::new(store, Arc::new(ManualClock::starting_now()), Config::default());
        LocalGateway::new(Arc::new(api))
    });
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512);
    let mut runner = TestRunner::new(ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() });
    let strategy = (
        prop::collection::vec(path_char(), 0..24).prop_map(|c| format!("/{}/", c.into_iter().collect::<String>())),
        prop::option::of("[ -~\\t]{0,12}"),
    );
    runner
        .run(&strategy, |(path, query)| {
            let response = rt.block_on(gateway.handle(RawRequest {
                method: "GET",
                path: &path,
                query: query.as_deref(),
                authorization: None,
                body: Vec::new(),
                request_id: "redirect-property".into(),
                source_ip: None,
                user_agent: None,
            }));
            match response.status {
                308 => {
                    let location = response.header("location").unwrap_or_default();
                    check_location(location).map_err(TestCaseError::fail)?;
                }
                404 => {}
                other => return Err(TestCaseError::fail(format!("{path:?}: status {other}"))),
            }
            // A plain path is redirected, not refused.
            let plain = path.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'-');
            let plain_query =
                query.as_deref().is_none_or(|q| q.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'='));
            if plain && plain_query {
                prop_assert_eq!(response.status, 308, "{:?}?{:?} was refused", path, query);
            }
            Ok(())
        })
        .unwrap();
}

//! `spawn_app`: the local server (the same axum app `latchkey serve` runs) on a loopback
//! port, on a given store, with a manual clock, and an organization bootstrapped in it.

use latchkey::api::Api;
use latchkey::clock::ManualClock;
use latchkey::config::Config;
use latchkey::gateway::LocalGateway;
use latchkey::operator::{self, OperatorRequest};
use latchkey::store::Store;
use latchkey_cli::server::ServerLimits;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;

pub struct TestApp {
    pub base: String,
    /// The listener's address, for tests that speak raw HTTP over TCP.
    pub addr: SocketAddr,
    pub clock: Arc<ManualClock>,
    pub store: Arc<dyn Store>,
    pub config: Config,
    /// The bootstrapped organization's first OWNER.
    pub owner_token: String,
    /// The bootstrapped organization's name (for the operator actions).
    pub organization: String,
    pub organization_id: String,
    pub owner_id: String,
    http: reqwest::Client,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// A response, decoded.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// Asserts a problem+json of `status` with `code`.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "expected {status} {code}, got {} {}", self.status, self.text);
        assert_eq!(self.content_type, "application/problem+json", "{}", self.text);
        assert_eq!(self.body["code"], code, "{}", self.text);
        assert_eq!(self.body["status"], status);
        for field in ["type", "title", "detail"] {
            assert!(self.body[field].is_string(), "problem lacks {field}: {}", self.text);
        }
    }
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "{}", self.text);
        &self.body
    }
}

pub async fn spawn_app(store: Arc<dyn Store>) -> TestApp {
    spawn_app_with(store, Config::default()).await
}

pub async fn spawn_app_with(store: Arc<dyn Store>, config: Config) -> TestApp {
    spawn(store, config, ServerLimits::default()).await
}

/// The server with its HTTP-layer limits (sizes, timeouts, connection cap) shrunk or
/// widened by the test.
pub async fn spawn_app_with_limits(store: Arc<dyn Store>, limits: ServerLimits) -> TestApp {
    spawn(store, Config::default(), limits).await
}

async fn spawn(store: Arc<dyn Store>, config: Config, limits: ServerLimits) -> TestApp {
    let clock = Arc::new(ManualClock::starting_now());
    let api = Arc::new(Api::new(Arc::clone(&store), clock.clone(), config.clone()));
    let gateway = Arc::new(LocalGateway::new(api));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(latchkey_cli::server::serve_with_limits(listener, gateway, limits, async move {
        let _ = rx.await;
    }));
    let org = format!("org-{}", uuid::Uuid::new_v4());
    let outcome = operator::bootstrap(
        store.as_ref(),
        clock.as_ref(),
        &config,
        &OperatorRequest { organization: org.clone(), owner_email: "owner@example.com".into() },
    )
    .await
    .expect("bootstrap an organization");
    TestApp {
        base: format!("http://{addr}"),
        addr,
        clock,
        store,
        config,
        owner_token: outcome.cli_token,
        organization: org,
        organization_id: outcome.organization_id.to_string(),
        owner_id: outcome.user_id.to_string(),
        // Redirects are asserted, not followed.
        http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("an HTTP client"),
        _shutdown: tx,
    }
}

impl TestApp {
    /// Sends `method path` with an optional bearer token and raw body.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        auth_header: Option<&str>,
    ) -> Reply {
        let url = format!("{}{}", self.base, path);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, url);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        if let Some(h) = auth_header {
            req = req.header("authorization", h);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let resp = req.send().await.expect("request reaches the local server");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, content_type, headers, body, text }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.raw("GET", &format!("/api/v1{path}"), Some(token), None, None).await
    }
    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.raw("DELETE", &format!("/api/v1{path}"), Some(token), None, None).await
    }
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.raw("POST", &format!("/api/v1{path}"), Some(token), Some(body.to_string().into_bytes()), None).await
    }
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.raw("PATCH", &format!("/api/v1{path}"), Some(token), Some(body.to_string().into_bytes()), None).await
    }

    /// `GET /me` status for a token: 200 while it works, 401 once it does not.
    pub async fn me_status(&self, token: &str) -> u16 {
        self.get("/me", token).await.status
    }

    /// Adds a user and returns (id, cli token).
    pub async fn add_user(&self, email: &str, body_extra: Value) -> (String, String) {
        let mut body = serde_json::json!({ "email": email });
        if let (Some(b), Some(extra)) = (body.as_object_mut(), body_extra.as_object()) {
            for (k, v) in extra {
                b.insert(k.clone(), v.clone());
            }
        }
        let r = self.post("/users", &self.owner_token, body).await;
        let v = r.assert_status(201);
        (
            v["user"]["id"].as_str().expect("user id").to_string(),
            v["cli_token"].as_str().expect("cli token").to_string(),
        )
    }

    /// Creates a service account and returns its first API key.
    pub async fn add_service_account(&self, name: &str, level: Option<&str>) -> String {
        let mut body = serde_json::json!({ "name": name });
        if let Some(l) = level {
            body["permission_level"] = l.into();
        }
        let r = self.post("/service-accounts", &self.owner_token, body).await;
        r.assert_status(201)["api_key"].as_str().expect("api key").to_string()
    }

    /// A fingerprint of everything an organization holds, to show a refused request
    /// changed nothing.
    pub async fn snapshot(&self, token: &str) -> Value {
        let users = self.get("/users?max_items=100", token).await.body;
        let accounts = self.get("/service-accounts?max_items=100", token).await.body;
        let keys = self.get("/api-keys?max_items=100&show_inactive=true", token).await.body;
        let tokens = self.get("/tokens?max_items=100&show_inactive=true", token).await.body;
        // A refused request writes no audit event either.
        let audit = self.get("/audit-events?max_items=100", token).await.body;
        serde_json::json!({ "users": users, "accounts": accounts, "keys": keys, "tokens": tokens, "audit": audit })
    }
}

impl TestApp {
    /// A [`TestApp`] on a server that runs elsewhere (the shared `latchkey gateway`), on
    /// `store`, with `outcome`'s organization bootstrapped there.
    pub fn attached(
        addr: SocketAddr,
        store: Arc<dyn Store>,
        clock: Arc<ManualClock>,
        config: Config,
        organization: String,
        outcome: latchkey::operator::OperatorOutcome,
    ) -> TestApp {
        let (tx, _) = tokio::sync::oneshot::channel::<()>();
        TestApp {
            base: format!("http://{addr}"),
            addr,
            clock,
            store,
            config,
            owner_token: outcome.cli_token,
            organization,
            organization_id: outcome.organization_id.to_string(),
            owner_id: outcome.user_id.to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
            _shutdown: tx,
        }
    }
}

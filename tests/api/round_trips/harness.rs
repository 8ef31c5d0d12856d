//! The round-trip tests' harness: the local gateway over a SQLite store that counts its
//! calls (and can fail them), bootstrapped with an owner whose token is warmed, and the
//! requests that measure a route's store calls.

use super::*;

pub(super) const LOOKUP: &str = "read_for_authorization";

pub(super) struct Harness {
    gateway: LocalGateway,
    pub(super) store: Arc<FaultyStore>,
    pub(super) clock: Arc<ManualClock>,
    pub(super) owner_token: String,
}

impl Harness {
    pub(super) async fn new() -> Harness {
        let store = FaultyStore::new(latchkey_tests::sqlite_store().await);
        let clock = Arc::new(ManualClock::starting_now());
        let config = Config::default();
        let outcome = operator::bootstrap(
            store.as_ref(),
            clock.as_ref(),
            &config,
            &OperatorRequest { organization: "round-trips".into(), owner_email: "owner@example.com".into() },
        )
        .await
        .expect("bootstrap");
        let dyn_store: Arc<dyn Store> = store.clone();
        let gateway = LocalGateway::new(Arc::new(Api::new(dyn_store, clock.clone(), config)));
        let h = Harness { gateway, store, clock, owner_token: outcome.cli_token };
        // The owner's token has now been used this minute: its later uses record nothing.
        h.call("GET", "/api/v1/me", &h.owner_token.clone(), None).await;
        take_counts(&h.store);
        h
    }

    /// Sends a request; returns its status and JSON body.
    pub(super) async fn call(
        &self,
        method: &str,
        path_and_query: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path_and_query, None),
        };
        let authorization = format!("Bearer {token}");
        let response = self
            .gateway
            .handle(RawRequest {
                method,
                path,
                query,
                authorization: (!token.is_empty()).then_some(authorization.as_str()),
                body: body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
                request_id: "round-trips".into(),
                source_ip: Some("127.0.0.1".into()),
                user_agent: None,
            })
            .await;
        (response.status, serde_json::from_slice(&response.body).unwrap_or(Value::Null))
    }

    /// Sends a request and returns its status, body and the store calls it made (only).
    pub(super) async fn measure(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value, Counts) {
        take_counts(&self.store);
        let (status, body) = self.call(method, path, token, body).await;
        (status, body, take_counts(&self.store))
    }

    /// A fixture made through the API, its store calls not counted; `token` is warmed (used
    /// this minute) so its later requests record no `last_used_at`.
    pub(super) async fn setup(&self, method: &str, path: &str, token: &str, body: Value) -> Value {
        let (status, v) = self.call(method, path, token, Some(body)).await;
        assert!((200..300).contains(&status), "setup {method} {path}: {status} {v}");
        take_counts(&self.store);
        v
    }

    pub(super) async fn warm(&self, token: &str) {
        let (status, v) = self.call("GET", "/api/v1/me", token, None).await;
        assert_eq!(status, 200, "{v}");
        take_counts(&self.store);
    }
}

pub(super) fn counts(pairs: &[(&'static str, u32)]) -> Counts {
    pairs.iter().copied().collect()
}

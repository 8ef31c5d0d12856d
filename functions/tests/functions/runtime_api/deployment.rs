//! The deployment the function binaries run in: each binary by name (`CARGO_BIN_EXE_<name>`),
//! the environment SAM gives every function on a fresh moto table, and invoking a function
//! or a route's function once under the Runtime API stand-in.

use super::*;

fn binary(name: &str) -> PathBuf {
    // Cargo exports CARGO_BIN_EXE_<name> at compile time for this package's binaries.
    let path = match name {
        "authorizer" => env!("CARGO_BIN_EXE_authorizer"),
        "bootstrap" => env!("CARGO_BIN_EXE_bootstrap"),
        "recover" => env!("CARGO_BIN_EXE_recover"),
        "health" => env!("CARGO_BIN_EXE_health"),
        "housekeeping" => env!("CARGO_BIN_EXE_housekeeping"),
        "expiry-notices" => env!("CARGO_BIN_EXE_expiry-notices"),
        "events" => env!("CARGO_BIN_EXE_events"),
        "audit-events-list" => env!("CARGO_BIN_EXE_audit-events-list"),
        "audit-events-get" => env!("CARGO_BIN_EXE_audit-events-get"),
        "console" => env!("CARGO_BIN_EXE_console"),
        "me" => env!("CARGO_BIN_EXE_me"),
        "users-list" => env!("CARGO_BIN_EXE_users-list"),
        "users-create" => env!("CARGO_BIN_EXE_users-create"),
        "users-get" => env!("CARGO_BIN_EXE_users-get"),
        "users-update" => env!("CARGO_BIN_EXE_users-update"),
        "users-delete" => env!("CARGO_BIN_EXE_users-delete"),
        "cli-tokens-rotate-own" => env!("CARGO_BIN_EXE_cli-tokens-rotate-own"),
        "cli-tokens-revoke-own" => env!("CARGO_BIN_EXE_cli-tokens-revoke-own"),
        "cli-tokens-rotate" => env!("CARGO_BIN_EXE_cli-tokens-rotate"),
        "service-accounts-create" => env!("CARGO_BIN_EXE_service-accounts-create"),
        "service-accounts-list" => env!("CARGO_BIN_EXE_service-accounts-list"),
        "service-accounts-get" => env!("CARGO_BIN_EXE_service-accounts-get"),
        "service-accounts-delete" => env!("CARGO_BIN_EXE_service-accounts-delete"),
        "service-accounts-update" => env!("CARGO_BIN_EXE_service-accounts-update"),
        "api-keys-roll" => env!("CARGO_BIN_EXE_api-keys-roll"),
        "api-keys-create" => env!("CARGO_BIN_EXE_api-keys-create"),
        "api-keys-list-for-account" => env!("CARGO_BIN_EXE_api-keys-list-for-account"),
        "api-keys-rotate" => env!("CARGO_BIN_EXE_api-keys-rotate"),
        "api-keys-revoke-all" => env!("CARGO_BIN_EXE_api-keys-revoke-all"),
        "api-keys-list" => env!("CARGO_BIN_EXE_api-keys-list"),
        "api-keys-revoke" => env!("CARGO_BIN_EXE_api-keys-revoke"),
        "api-keys-update" => env!("CARGO_BIN_EXE_api-keys-update"),
        "tokens-create" => env!("CARGO_BIN_EXE_tokens-create"),
        "tokens-list" => env!("CARGO_BIN_EXE_tokens-list"),
        "tokens-get" => env!("CARGO_BIN_EXE_tokens-get"),
        "tokens-update" => env!("CARGO_BIN_EXE_tokens-update"),
        "verify" => env!("CARGO_BIN_EXE_verify"),
        other => panic!("no binary named {other}: add it here"),
    };
    PathBuf::from(path)
}

/// The environment SAM gives every function, pointed at moto and a fresh table.
pub(super) struct Deployment {
    pub(super) env: Vec<(String, String)>,
    pub(super) store: Arc<dyn Store>,
    pub(super) config: Config,
}

pub(super) async fn deploy() -> Deployment {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").ok().filter(|e| !e.is_empty());
    let endpoint = endpoint.expect("set DYNAMODB_ENDPOINT or run scripts/test");
    let table = format!("latchkey-rt-{}", uuid::Uuid::new_v4());
    let env: Vec<(String, String)> = [
        ("TABLE_NAME", table.as_str()),
        ("DYNAMODB_ENDPOINT", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_SESSION_TOKEN", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("ACCESS_TOKEN_DEFAULT_DAYS", "30"),
        ("ACCESS_TOKEN_MAX_DAYS", "365"),
        ("RETENTION_DAYS", "90"),
        ("SERVICE_ACCOUNT_EMAIL_DOMAIN", "serviceaccount.com"),
        ("RUST_LOG", "info"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let config = Config::from_lookup(|k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())).expect("config");
    let store = DynamoDbStore::from_config(&config).await.expect("DynamoDB client");
    store.create_table_if_missing().await.expect("create table");
    Deployment { env, store: Arc::new(store), config }
}

impl Deployment {
    pub(super) async fn spawn(&self, function: &str) -> LambdaProcess {
        LambdaProcess::spawn(&binary(function), &self.env).await
    }

    /// One invocation of `function`, then the process is stopped.
    pub(super) async fn invoke_once(&self, function: &str, event: Value) -> Outcome {
        let mut p = self.spawn(function).await;
        let out = p.invoke(event).await;
        p.stop().await;
        out
    }

    /// The authorizer's context for `token` (asserting it allows).
    pub(super) async fn authorize(&self, authorizer: &mut LambdaProcess, token: &str) -> Value {
        let out = authorizer.invoke(authorizer_event(Some(&format!("Bearer {token}")), "GET", "/api/v1/me")).await;
        let r = out.response();
        assert_eq!(r["policyDocument"]["Statement"][0]["Effect"], "Allow", "{r}");
        r["context"].clone()
    }

    /// Calls one route's function with an authorizer context; returns (status, body).
    pub(super) async fn call(
        &self,
        method: &str,
        resource: &str,
        params: &[(&str, &str)],
        query: &[(&str, &str)],
        body: Option<Value>,
        ctx: Option<&Value>,
    ) -> (u16, Value) {
        let route = ROUTES
            .iter()
            .find(|r| r.method == method && r.path == resource)
            .unwrap_or_else(|| panic!("no route {method} {resource}"));
        let body = body.map(|b| b.to_string());
        let event = proxy_event(method, resource, params, query, body.as_deref(), ctx);
        let out = self.invoke_once(route.function, event).await;
        let r = out.response();
        let status = r["statusCode"].as_u64().unwrap_or(0) as u16;
        let parsed = r["body"].as_str().and_then(|b| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
        (status, parsed)
    }
}

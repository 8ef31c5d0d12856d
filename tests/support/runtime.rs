//! A Lambda Runtime API stand-in on loopback, for running the compiled function binaries
//! exactly as Lambda runs them: the binary polls `GET /2018-06-01/runtime/invocation/next`,
//! answers with `POST .../{id}/response` or `.../{id}/error`, and reports init failures on
//! `/init/error`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;
use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// What an invocation produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Response(Value),
    /// `{errorType, errorMessage}` as the runtime posted it.
    Error(Value),
}

impl Outcome {
    #[track_caller]
    pub fn response(&self) -> &Value {
        match self {
            Outcome::Response(v) => v,
            Outcome::Error(e) => panic!("expected a response, got error {e}"),
        }
    }
    #[track_caller]
    pub fn error_message(&self) -> String {
        match self {
            Outcome::Error(e) => e["errorMessage"].as_str().unwrap_or_default().to_string(),
            Outcome::Response(v) => panic!("expected an error, got response {v}"),
        }
    }
}

struct Shared {
    queue: tokio::sync::Mutex<mpsc::Receiver<(String, Value)>>,
    waiting: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    init_error: Mutex<Option<Value>>,
    first_poll: Mutex<Option<Instant>>,
    /// How long each invocation may run (the `Lambda-Runtime-Deadline-Ms` it is given).
    time_limit: Mutex<Duration>,
}

/// One function process behind its own Runtime API.
pub struct LambdaProcess {
    pub name: String,
    sender: mpsc::Sender<(String, Value)>,
    shared: Arc<Shared>,
    child: tokio::process::Child,
    pub spawned_at: Instant,
    _server: tokio::task::JoinHandle<()>,
}

impl LambdaProcess {
    /// Starts the Runtime API on a free loopback port and spawns `binary` against it with
    /// `env` (plus the variables Lambda itself sets).
    pub async fn spawn(binary: &std::path::Path, env: &[(String, String)]) -> LambdaProcess {
        let (sender, receiver) = mpsc::channel(16);
        let shared = Arc::new(Shared {
            queue: tokio::sync::Mutex::new(receiver),
            waiting: Mutex::new(HashMap::new()),
            init_error: Mutex::new(None),
            first_poll: Mutex::new(None),
            time_limit: Mutex::new(Duration::from_secs(30)),
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(respond))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the Runtime API");
        let addr = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let name = binary.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut cmd = tokio::process::Command::new(binary);
        cmd.env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", &name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let spawned_at = Instant::now();
        let child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {}: {e}", binary.display()));
        LambdaProcess { name, sender, shared, child, spawned_at, _server: server }
    }

    /// Sends one event and waits (bounded) for the function's answer.
    pub async fn invoke(&mut self, event: Value) -> Outcome {
        let id = uuid::Uuid::new_v4().to_string();
        let (tx, rx) = oneshot::channel();
        self.shared.waiting.lock().unwrap_or_else(|p| p.into_inner()).insert(id.clone(), tx);
        self.sender.send((id, event)).await.expect("queue the event");
        match tokio::time::timeout(Duration::from_secs(30), rx).await {
            Ok(Ok(outcome)) => outcome,
            _ => {
                let init = self.shared.init_error.lock().unwrap_or_else(|p| p.into_inner()).clone();
                let _ = self.child.start_kill();
                let out = self.child.wait_with_output_ref().await;
                panic!("{} gave no answer (init error: {init:?}); output: {out}", self.name);
            }
        }
    }

    /// Gives later invocations `limit` before their deadline (default 30 s).
    pub fn set_time_limit(&self, limit: Duration) {
        *self.shared.time_limit.lock().unwrap_or_else(|p| p.into_inner()) = limit;
    }

    /// Waits (bounded) until the process has finished its init and asks for work.
    pub async fn wait_ready(&self) {
        let until = Instant::now() + Duration::from_secs(30);
        while self.first_poll().is_none() && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// When the process first asked for work (its init time ends there).
    pub fn first_poll(&self) -> Option<Instant> {
        *self.shared.first_poll.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stops the process and returns what it wrote to stdout and stderr.
    pub async fn stop(mut self) -> String {
        let _ = self.child.start_kill();
        self.child.wait_with_output_ref().await
    }
}

trait DrainOutput {
    async fn wait_with_output_ref(&mut self) -> String;
}

impl DrainOutput for tokio::process::Child {
    async fn wait_with_output_ref(&mut self) -> String {
        use tokio::io::AsyncReadExt;
        let _ = self.wait().await;
        let mut out = String::new();
        if let Some(mut s) = self.stdout.take() {
            let _ = s.read_to_string(&mut out).await;
        }
        if let Some(mut s) = self.stderr.take() {
            let _ = s.read_to_string(&mut out).await;
        }
        out
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    {
        let mut first = shared.first_poll.lock().unwrap_or_else(|p| p.into_inner());
        first.get_or_insert_with(Instant::now);
    }
    let mut queue = shared.queue.lock().await;
    let Some((id, event)) = queue.recv().await else {
        return StatusCode::GONE.into_response();
    };
    let mut headers = HeaderMap::new();
    let limit = *shared.time_limit.lock().unwrap_or_else(|p| p.into_inner());
    let deadline = (std::time::SystemTime::now() + limit)
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let set = |h: &mut HeaderMap, k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    };
    set(&mut headers, "lambda-runtime-aws-request-id", id);
    set(&mut headers, "lambda-runtime-deadline-ms", deadline.to_string());
    set(
        &mut headers,
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:test".into(),
    );
    set(&mut headers, "lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000;Sampled=0".into());
    set(&mut headers, "content-type", "application/json".into());
    (StatusCode::OK, headers, event.to_string()).into_response()
}

async fn respond(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    let value = serde_json::from_slice(&body).unwrap_or(Value::String(String::from_utf8_lossy(&body).into_owned()));
    deliver(&shared, &id, Outcome::Response(value))
}

async fn fail(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    let value = serde_json::from_slice(&body).unwrap_or(Value::String(String::from_utf8_lossy(&body).into_owned()));
    deliver(&shared, &id, Outcome::Error(value))
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    *shared.init_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(value);
    StatusCode::ACCEPTED
}

fn deliver(shared: &Shared, id: &str, outcome: Outcome) -> StatusCode {
    match shared.waiting.lock().unwrap_or_else(|p| p.into_inner()).remove(id) {
        Some(tx) => {
            let _ = tx.send(outcome);
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

/// An API Gateway REST proxy event (payload 1.0) for `method resource`, with the stage in
/// the raw path as a real REST API sends it, and `authorizer` as its authorizer context.
pub fn proxy_event(
    method: &str,
    resource: &str,
    path_params: &[(&str, &str)],
    query: &[(&str, &str)],
    body: Option<&str>,
    authorizer: Option<&Value>,
) -> Value {
    let mut path = resource.to_string();
    for (k, v) in path_params {
        path = path.replace(&format!("{{{k}}}"), v);
    }
    let params: serde_json::Map<String, Value> =
        path_params.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();
    let q: serde_json::Map<String, Value> =
        query.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();
    let mq: serde_json::Map<String, Value> =
        query.iter().map(|(k, v)| (k.to_string(), serde_json::json!([v]))).collect();
    let mut ctx_authorizer = authorizer.cloned().unwrap_or(Value::Null);
    if let Value::Object(m) = &mut ctx_authorizer {
        m.insert("integrationLatency".into(), Value::from(3));
        m.insert("principalId".into(), m.get("principal_id").cloned().unwrap_or(Value::Null));
    }
    serde_json::json!({
        "resource": resource,
        "path": format!("/prod{path}"),
        "httpMethod": method,
        "headers": {"Host": "abc123.execute-api.us-east-1.amazonaws.com", "Content-Type": "application/json", "Authorization": "Bearer [sent to the authorizer, not here]"},
        "multiValueHeaders": {"Host": ["abc123.execute-api.us-east-1.amazonaws.com"], "Content-Type": ["application/json"]},
        "queryStringParameters": if q.is_empty() { Value::Null } else { Value::Object(q) },
        "multiValueQueryStringParameters": if mq.is_empty() { Value::Null } else { Value::Object(mq) },
        "pathParameters": if params.is_empty() { Value::Null } else { Value::Object(params) },
        "stageVariables": null,
        "requestContext": {
            "resourceId": "abc123",
            "resourcePath": resource,
            "httpMethod": method,
            "extendedRequestId": "Ext123=",
            "requestTime": "22/Nov/2026:08:00:00 +0000",
            "path": format!("/prod{path}"),
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": "prod",
            "domainPrefix": "abc123",
            "requestTimeEpoch": 1795334400000i64,
            "requestId": uuid::Uuid::new_v4().to_string(),
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "curl/8.0"},
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "apiId": "abc123",
            "authorizer": ctx_authorizer,
        },
        "body": body,
        "isBase64Encoded": false,
    })
}

/// An API Gateway REST REQUEST-authorizer event carrying `authorization`.
pub fn authorizer_event(authorization: Option<&str>, method: &str, resource: &str) -> Value {
    let mut headers =
        serde_json::json!({"Host": "abc123.execute-api.us-east-1.amazonaws.com", "User-Agent": "curl/8.0"});
    if let Some(a) = authorization {
        headers["Authorization"] = Value::String(a.to_string());
    }
    serde_json::json!({
        "type": "REQUEST",
        "methodArn": format!("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/{method}{resource}"),
        "resource": resource,
        "path": format!("/prod{resource}"),
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": headers.as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), serde_json::json!([v]))).collect::<serde_json::Map<_, _>>()),
        "queryStringParameters": {},
        "multiValueQueryStringParameters": {},
        "pathParameters": {},
        "stageVariables": {},
        "requestContext": {
            "path": format!("/prod{resource}"),
            "accountId": "123456789012",
            "resourceId": "abc123",
            "stage": "prod",
            "requestId": uuid::Uuid::new_v4().to_string(),
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "curl/8.0"},
            "resourcePath": resource,
            "httpMethod": method,
            "apiId": "abc123",
        },
    })
}

//! Running the compiled function binaries exactly as Lambda runs them, for the tests: the
//! Runtime API stand-in (`lambda-runtime-standin`, shared with the benchmark) with JSON
//! events, and builders for real API Gateway REST proxy and REQUEST-authorizer events.

use runtime_standin::Function;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

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

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// One function process behind its own Runtime API; its output goes to a log file.
pub struct LambdaProcess {
    name: String,
    function: Function,
    log: PathBuf,
}

impl LambdaProcess {
    /// Spawns `binary` with a clean environment: what Lambda sets, plus `env`.
    pub async fn spawn(binary: &std::path::Path, env: &[(String, String)]) -> LambdaProcess {
        let name = binary.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let log = std::env::temp_dir().join(format!("latchkey-lambda-{name}-{}.log", uuid::Uuid::new_v4()));
        let function =
            Function::spawn(binary, env, &log).await.unwrap_or_else(|e| panic!("spawn {}: {e}", binary.display()));
        LambdaProcess { name, function, log }
    }

    /// Sends one event and waits (bounded) for the function's answer.
    pub async fn invoke(&mut self, event: Value) -> Outcome {
        match self.function.invoke(event.to_string().into()).await {
            Ok((runtime_standin::Outcome::Response(b), _)) => Outcome::Response(json(&b)),
            Ok((runtime_standin::Outcome::Error(b), _)) => Outcome::Error(json(&b)),
            Err(e) => {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!("{}: {e}; output:\n{log}", self.name)
            }
        }
    }

    /// Gives later invocations `limit` before their deadline (default 30 s).
    pub fn set_time_limit(&self, limit: Duration) {
        self.function.set_time_limit(limit);
    }

    /// Waits (bounded) until the process has finished its init and asks for work.
    pub async fn wait_ready(&mut self) {
        if let Err(e) = self.function.wait_for_init(Duration::from_secs(30)).await {
            panic!("{}: {e}", self.name);
        }
    }

    /// Stops the process and returns what it wrote to stdout and stderr.
    pub async fn stop(self) -> String {
        self.function.stop().await;
        let out = std::fs::read_to_string(&self.log).unwrap_or_default();
        let _ = std::fs::remove_file(&self.log);
        out
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

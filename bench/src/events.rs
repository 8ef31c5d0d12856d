//! The events the bench sends: the authorizer's REQUEST event, and API Gateway proxy events
//! built from the project's samples (`infra/events/<function>.json`) with a real caller,
//! real path parameters and a body.

use axum::body::Bytes;
use serde_json::{Map, Value, json};
use std::path::Path;

/// An API Gateway REST REQUEST-authorizer event, as the gateway sends one for `GET /api/v1/me`.
pub fn authorizer_event(authorization: &str) -> Bytes {
    let headers = json!({
        "Accept": "*/*",
        "Authorization": authorization,
        "Host": "abc123.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "curl/8.0",
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    });
    let multi: Map<String, Value> =
        headers.as_object().into_iter().flatten().map(|(k, v)| (k.clone(), json!([v]))).collect();
    let e = json!({
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/api/v1/me",
        "resource": "/api/v1/me",
        "path": "/api/v1/me",
        "httpMethod": "GET",
        "headers": headers,
        "multiValueHeaders": multi,
        "queryStringParameters": {},
        "multiValueQueryStringParameters": {},
        "pathParameters": {},
        "stageVariables": {},
        "requestContext": {
            "path": "/prod/api/v1/me",
            "accountId": "123456789012",
            "resourceId": "abc123",
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "curl/8.0"},
            "resourcePath": "/api/v1/me",
            "httpMethod": "GET",
            "apiId": "abc123",
        },
    });
    Bytes::from(e.to_string())
}

/// The token with its last checksum character changed: well-formed, but refused by the
/// checksum before any store access.
pub fn spoil_checksum(token: &str) -> String {
    let mut t = token.to_string();
    let last = t.pop().unwrap_or('0');
    t.push(if last == '0' { '1' } else { '0' });
    t
}

/// A token whose shape is wrong (no known prefix): refused by the parser.
pub fn malformed(token: &str) -> String {
    format!("x{}", token.get(1..).unwrap_or_default())
}

/// The caller as API Gateway hands it to a function: the authorizer's `context`, every
/// value a string, plus `principalId`.
pub fn caller_context(authorizer_answer: &Value) -> Result<Value, String> {
    let context = authorizer_answer["context"].as_object().ok_or("the authorizer's answer has no context")?;
    let mut out: Map<String, Value> = context
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))))
        .collect();
    out.insert("principalId".into(), authorizer_answer["principalId"].clone());
    Ok(Value::Object(out))
}

/// The samples: one API Gateway (or operator, or schedule) event per function.
pub struct Samples {
    dir: std::path::PathBuf,
}

impl Samples {
    pub fn new(dir: &Path) -> Samples {
        Samples { dir: dir.to_path_buf() }
    }

    pub fn load(&self, function: &str) -> Result<Value, String> {
        let path = self.dir.join(format!("{function}.json"));
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// A proxy event: the sample of its function with these parts replaced.
#[derive(Default, Clone)]
pub struct Proxy {
    /// `requestContext.authorizer` (absent on public routes).
    pub caller: Option<Value>,
    /// Path parameters, replacing the sample's (the path is rebuilt from the resource).
    pub params: Vec<(&'static str, String)>,
    /// The body as JSON; `None` keeps the sample's.
    pub body: Option<Value>,
    /// Query parameters; `None` keeps the sample's.
    pub query: Option<Vec<(&'static str, String)>>,
}

pub fn proxy_event(sample: &Value, p: &Proxy, n: usize) -> Bytes {
    let mut e = sample.clone();
    if let Some(caller) = &p.caller {
        e["requestContext"]["authorizer"] = caller.clone();
    }
    if !p.params.is_empty() {
        let mut resource = e["resource"].as_str().unwrap_or_default().to_string();
        let mut params = Map::new();
        for (k, v) in &p.params {
            resource = resource.replace(&format!("{{{k}}}"), v);
            params.insert(k.to_string(), Value::String(v.clone()));
        }
        let stage = e["requestContext"]["stage"].as_str().unwrap_or("prod").to_string();
        e["pathParameters"] = Value::Object(params);
        e["path"] = Value::String(format!("/{stage}{resource}"));
        e["requestContext"]["path"] = Value::String(format!("/{stage}{resource}"));
    }
    if let Some(query) = &p.query {
        let single: Map<String, Value> = query.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        let multi: Map<String, Value> = query.iter().map(|(k, v)| (k.to_string(), json!([v]))).collect();
        e["queryStringParameters"] = if single.is_empty() { Value::Null } else { Value::Object(single) };
        e["multiValueQueryStringParameters"] = if multi.is_empty() { Value::Null } else { Value::Object(multi) };
    }
    if let Some(body) = &p.body {
        e["body"] = Value::String(body.to_string());
    }
    e["requestContext"]["requestId"] = Value::String(format!("bench-{n:08}"));
    Bytes::from(e.to_string())
}

/// The status code of a proxy answer, and its body as JSON (`null` when empty or not JSON).
pub fn proxy_answer(answer: &Value) -> (Option<u64>, Value) {
    let status = answer["statusCode"].as_u64();
    let body = answer["body"].as_str().and_then(|b| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
    (status, body)
}

//! What goes back to the client: the template's gateway responses for what the gateway
//! answers itself, and a function's proxy response (status, `headers`, `multiValueHeaders`,
//! body, base64 bodies) mapped back as API Gateway maps it; an answer that is not a proxy
//! response is the gateway's 502.

use super::template::GatewayResponseSpec;
use base64::Engine as _;
use serde_json::Value;
use std::collections::BTreeMap;

/// The gateway responses this gateway answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    /// No resource, or no method on it.
    MissingAuthenticationToken,
    /// The identity source is missing, or the authorizer said `Unauthorized`.
    Unauthorized,
    /// The authorizer's policy denies the method, or does not allow it.
    AccessDenied,
    /// The authorizer failed (an error, a crash, out of time).
    AuthorizerFailure,
    /// The authorizer's answer is not a valid one.
    AuthorizerConfigurationError,
    /// Over API Gateway's 10 MB payload limit.
    RequestTooLarge,
    /// A body that could not be read.
    BadRequestBody,
    /// The function failed, crashed, ran out of time or answered something that is not a
    /// proxy response: API Gateway's 502, which has no type of its own, so DEFAULT_5XX's
    /// headers and body.
    BadGateway,
    /// The integration (API Gateway's 29 s) timed out.
    IntegrationTimeout,
}

impl ResponseType {
    /// The type's name in `GatewayResponses`, if it has one.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            ResponseType::MissingAuthenticationToken => "MISSING_AUTHENTICATION_TOKEN",
            ResponseType::Unauthorized => "UNAUTHORIZED",
            ResponseType::AccessDenied => "ACCESS_DENIED",
            ResponseType::AuthorizerFailure => "AUTHORIZER_FAILURE",
            ResponseType::AuthorizerConfigurationError => "AUTHORIZER_CONFIGURATION_ERROR",
            ResponseType::RequestTooLarge => "REQUEST_TOO_LARGE",
            ResponseType::BadRequestBody => "BAD_REQUEST_BODY",
            ResponseType::IntegrationTimeout => "INTEGRATION_TIMEOUT",
            ResponseType::BadGateway => return None,
        })
    }

    /// API Gateway's status for the type when the template sets none.
    pub fn default_status(self) -> u16 {
        match self {
            ResponseType::MissingAuthenticationToken | ResponseType::AccessDenied => 403,
            ResponseType::Unauthorized => 401,
            ResponseType::AuthorizerFailure | ResponseType::AuthorizerConfigurationError => 500,
            ResponseType::RequestTooLarge => 413,
            ResponseType::BadRequestBody => 400,
            ResponseType::BadGateway => 502,
            ResponseType::IntegrationTimeout => 504,
        }
    }

    /// API Gateway's `x-amzn-ErrorType` for the type.
    fn error_type(self) -> &'static str {
        match self {
            ResponseType::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            ResponseType::Unauthorized => "UnauthorizedException",
            ResponseType::AccessDenied => "AccessDeniedException",
            ResponseType::AuthorizerFailure | ResponseType::AuthorizerConfigurationError => {
                "AuthorizerConfigurationException"
            }
            ResponseType::RequestTooLarge => "RequestTooLargeException",
            ResponseType::BadRequestBody => "BadRequestException",
            ResponseType::BadGateway => "InternalServerErrorException",
            ResponseType::IntegrationTimeout => "IntegrationTimeoutException",
        }
    }
}

/// An answer to send: status, headers in order (repeats allowed), body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    #[cfg(test)]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The template's customised gateway responses.
#[derive(Debug, Clone, Default)]
pub struct GatewayResponses {
    by_type: BTreeMap<String, GatewayResponseSpec>,
}

impl GatewayResponses {
    pub fn new(by_type: BTreeMap<String, GatewayResponseSpec>) -> Self {
        Self { by_type }
    }

    /// The type's own response if the template customises it, else DEFAULT_4XX or
    /// DEFAULT_5XX (by the type's status class) with the type's status, else API Gateway's
    /// `{"message": ...}`.
    pub fn answer(&self, kind: ResponseType) -> Reply {
        let own = kind.name().and_then(|name| self.by_type.get(name));
        let status = own.and_then(|r| r.status).unwrap_or_else(|| kind.default_status());
        let fallback = if status >= 500 { "DEFAULT_5XX" } else { "DEFAULT_4XX" };
        let spec = own.or_else(|| self.by_type.get(fallback));
        let mut headers: Vec<(String, String)> = spec.map(|s| s.headers.clone()).unwrap_or_default();
        let body = match spec.and_then(|s| s.body.clone()) {
            Some(body) => body.into_bytes(),
            None => serde_json::json!({"message": default_message(kind)}).to_string().into_bytes(),
        };
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        headers.push(("x-amzn-ErrorType".into(), kind.error_type().into()));
        Reply { status, headers, body }
    }
}

fn default_message(kind: ResponseType) -> &'static str {
    match kind {
        ResponseType::MissingAuthenticationToken => "Missing Authentication Token",
        ResponseType::Unauthorized => "Unauthorized",
        ResponseType::AccessDenied => "User is not authorized to access this resource",
        ResponseType::RequestTooLarge => "Request Too Long",
        ResponseType::BadRequestBody => "Invalid request body",
        ResponseType::IntegrationTimeout => "Endpoint request timed out",
        _ => "Internal server error",
    }
}

/// A function's answer as a proxy response (payload 1.0); `None` when it is not one (the
/// gateway's 502). `headers` and `multiValueHeaders` are merged: a name in both keeps the
/// multi-valued ones and the single value if it is not among them.
pub fn from_proxy_response(answer: &[u8]) -> Option<Reply> {
    let answer: Value = serde_json::from_slice(answer).ok()?;
    let status =
        answer.get("statusCode")?.as_u64().and_then(|s| u16::try_from(s).ok()).filter(|s| (100..=599).contains(s))?;
    let mut headers: Vec<(String, String)> = Vec::new();
    match answer.get("multiValueHeaders") {
        None | Some(Value::Null) => {}
        Some(Value::Object(multi)) => {
            for (name, values) in multi {
                for value in values.as_array()? {
                    headers.push((name.clone(), scalar(value)?));
                }
            }
        }
        Some(_) => return None,
    }
    match answer.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(single)) => {
            for (name, value) in single {
                let value = scalar(value)?;
                if !headers.iter().any(|(n, v)| n.eq_ignore_ascii_case(name) && *v == value) {
                    headers.push((name.clone(), value));
                }
            }
        }
        Some(_) => return None,
    }
    let base64 = answer.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false);
    let body = match answer.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) if base64 => base64::engine::general_purpose::STANDARD.decode(text).ok()?,
        Some(Value::String(text)) => text.clone().into_bytes(),
        Some(_) => return None,
    };
    // API Gateway's default for a response that names no type.
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    Some(Reply { status, headers, body })
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(status: Option<u16>, body: &str) -> GatewayResponseSpec {
        GatewayResponseSpec {
            status,
            headers: vec![("Content-Type".into(), "application/problem+json".into())],
            body: Some(body.into()),
        }
    }

    #[test]
    fn customised_responses_then_the_defaults() {
        let responses = GatewayResponses::new(BTreeMap::from([
            ("MISSING_AUTHENTICATION_TOKEN".to_string(), spec(Some(404), "{\"code\":\"not_found\"}")),
            ("DEFAULT_5XX".to_string(), spec(Some(500), "{\"code\":\"internal\"}")),
        ]));
        let missing = responses.answer(ResponseType::MissingAuthenticationToken);
        assert_eq!((missing.status, missing.body.as_slice()), (404, &b"{\"code\":\"not_found\"}"[..]));
        assert_eq!(missing.header("content-type"), Some("application/problem+json"));
        // A 502 has DEFAULT_5XX's body, and stays a 502.
        let bad = responses.answer(ResponseType::BadGateway);
        assert_eq!((bad.status, bad.body.as_slice()), (502, &b"{\"code\":\"internal\"}"[..]));
        // Nothing customised for 4XX: API Gateway's own.
        let denied = responses.answer(ResponseType::AccessDenied);
        assert_eq!(denied.status, 403);
        assert_eq!(denied.header("content-type"), Some("application/json"));
        assert!(String::from_utf8_lossy(&denied.body).contains("not authorized"));
    }

    #[test]
    fn proxy_responses_map_back() {
        let answer = json!({
            "statusCode": 201,
            "headers": {"x-one": "1", "set-cookie": "a"},
            "multiValueHeaders": {"set-cookie": ["a", "b"], "content-type": ["application/json"]},
            "body": "{}",
        });
        let reply = from_proxy_response(answer.to_string().as_bytes()).unwrap();
        assert_eq!(reply.status, 201);
        let cookies: Vec<_> =
            reply.headers.iter().filter(|(n, _)| n == "set-cookie").map(|(_, v)| v.as_str()).collect();
        assert_eq!(cookies, vec!["a", "b"]);
        assert_eq!(reply.header("x-one"), Some("1"));
        assert_eq!(reply.body, b"{}");
        let binary = json!({"statusCode": 200, "body": "/wA=", "isBase64Encoded": true});
        let reply = from_proxy_response(binary.to_string().as_bytes()).unwrap();
        assert_eq!(
            (reply.body.as_slice(), reply.header("content-type")),
            (&[0xff, 0x00][..], Some("application/json"))
        );
    }

    #[test]
    fn what_is_not_a_proxy_response_is_refused() {
        for bad in [
            json!({"body": "no status"}),
            json!({"statusCode": "200"}),
            json!({"statusCode": 99}),
            json!({"statusCode": 200, "body": {"not": "a string"}}),
            json!({"statusCode": 200, "headers": {"x": {"nested": 1}}}),
            json!({"statusCode": 200, "body": "%%%", "isBase64Encoded": true}),
            json!("a string"),
        ] {
            assert_eq!(from_proxy_response(bad.to_string().as_bytes()), None, "{bad}");
        }
        assert_eq!(from_proxy_response(b"not json"), None);
    }
}

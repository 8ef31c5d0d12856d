//! The events API Gateway (REST) sends: the REQUEST authorizer's event and the Lambda
//! proxy integration's event (payload 1.0). `path` is the path as received, without the
//! stage; `requestContext.path` carries the stage in front of it, as on the stage's
//! `execute-api` URL. Headers and query parameters come both single-valued (the last value)
//! and multi-valued; query values are decoded, path parameters are not; a body that is
//! not UTF-8 travels base64-encoded (`isBase64Encoded`). Both carry the stage's variables
//! (`stageVariables`, null when it has none).

use base64::Engine as _;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The API id in every ARN and request context.
pub const API_ID: &str = "localgw001";

/// The stage the gateway plays, and the region and account its ARNs name.
#[derive(Debug, Clone)]
pub struct Stage {
    pub name: String,
    pub region: String,
    pub account: String,
    /// The stage's `Variables`.
    pub variables: BTreeMap<String, String>,
}

impl Stage {
    fn variables(&self) -> Value {
        let pairs: Vec<(String, String)> = self.variables.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        singles(&pairs)
    }
}

/// A request as the listener received it.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub method: String,
    /// The path as sent (percent-encoding kept), without the query.
    pub path: String,
    /// Query parameters in order, decoded.
    pub query: Vec<(String, String)>,
    /// Header names lower-case, in order, repeated names repeated.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub source_ip: String,
    pub request_id: String,
    pub received_at: chrono::DateTime<chrono::Utc>,
}

impl Incoming {
    /// The last value of header `name` (as API Gateway's single-valued `headers`).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().rev().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What the authorizer established, as the function's `requestContext.authorizer` has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizerContext {
    pub principal_id: String,
    /// The context, every value a string.
    pub context: Vec<(String, String)>,
    pub latency_ms: u64,
}

/// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`.
pub fn method_arn(stage: &Stage, method: &str, path: &str) -> String {
    let path = path.split('/').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("/");
    format!("arn:aws:execute-api:{}:{}:{API_ID}/{}/{method}/{path}", stage.region, stage.account, stage.name)
}

fn singles(pairs: &[(String, String)]) -> Value {
    if pairs.is_empty() {
        return Value::Null;
    }
    let mut map = Map::new();
    for (k, v) in pairs {
        map.insert(k.clone(), Value::String(v.clone()));
    }
    Value::Object(map)
}

fn multiples(pairs: &[(String, String)]) -> Value {
    if pairs.is_empty() {
        return Value::Null;
    }
    let mut map = Map::new();
    for (k, v) in pairs {
        let values = map.entry(k.clone()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(values) = values {
            values.push(Value::String(v.clone()));
        }
    }
    Value::Object(map)
}

fn path_parameters(params: &[(String, String)]) -> Value {
    singles(params)
}

fn request_context(req: &Incoming, stage: &Stage, resource: &str) -> Map<String, Value> {
    let host = req.header("host").unwrap_or("localhost").to_string();
    let json = json!({
        "accountId": stage.account,
        "apiId": API_ID,
        "domainName": host,
        "domainPrefix": host.split('.').next().unwrap_or_default(),
        "extendedRequestId": req.request_id,
        "httpMethod": req.method,
        "identity": {
            "sourceIp": req.source_ip,
            "userAgent": req.header("user-agent"),
            "accessKey": null, "accountId": null, "caller": null, "user": null, "userArn": null,
            "cognitoAuthenticationProvider": null, "cognitoAuthenticationType": null,
            "cognitoIdentityId": null, "cognitoIdentityPoolId": null,
        },
        "path": format!("/{}{}", stage.name, req.path),
        "protocol": "HTTP/1.1",
        "requestId": req.request_id,
        "requestTime": req.received_at.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
        "requestTimeEpoch": req.received_at.timestamp_millis(),
        "resourceId": resource_id(resource),
        "resourcePath": resource,
        "stage": stage.name,
    });
    match json {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A stable short id per resource, as API Gateway gives each resource one.
fn resource_id(resource: &str) -> String {
    format!("{:06x}", crc32fast::hash(resource.as_bytes()) & 0xff_ffff)
}

/// The REQUEST authorizer's event for a request to `resource`.
pub fn authorizer_event(req: &Incoming, stage: &Stage, resource: &str, params: &[(String, String)]) -> Value {
    json!({
        "type": "REQUEST",
        "methodArn": method_arn(stage, &req.method, &req.path),
        "resource": resource,
        "path": req.path,
        "httpMethod": req.method,
        "headers": singles(&req.headers),
        "multiValueHeaders": multiples(&req.headers),
        "queryStringParameters": singles(&req.query),
        "multiValueQueryStringParameters": multiples(&req.query),
        "pathParameters": path_parameters(params),
        "stageVariables": stage.variables(),
        "requestContext": Value::Object(request_context(req, stage, resource)),
    })
}

/// The proxy integration's event (payload 1.0) for `resource`, with the authorizer's
/// context when a guard ran.
pub fn proxy_event(
    req: &Incoming,
    stage: &Stage,
    resource: &str,
    params: &[(String, String)],
    authorizer: Option<&AuthorizerContext>,
) -> Value {
    let mut context = request_context(req, stage, resource);
    if let Some(auth) = authorizer {
        let mut fields = Map::new();
        for (k, v) in &auth.context {
            fields.insert(k.clone(), Value::String(v.clone()));
        }
        fields.insert("principalId".into(), Value::String(auth.principal_id.clone()));
        fields.insert("integrationLatency".into(), Value::from(auth.latency_ms));
        context.insert("authorizer".into(), Value::Object(fields));
    }
    let (body, base64) = match (req.body.is_empty(), std::str::from_utf8(&req.body)) {
        (true, _) => (Value::Null, false),
        (false, Ok(text)) => (Value::String(text.to_string()), false),
        (false, Err(_)) => (Value::String(base64::engine::general_purpose::STANDARD.encode(&req.body)), true),
    };
    json!({
        "resource": resource,
        "path": req.path,
        "httpMethod": req.method,
        "headers": singles(&req.headers),
        "multiValueHeaders": multiples(&req.headers),
        "queryStringParameters": singles(&req.query),
        "multiValueQueryStringParameters": multiples(&req.query),
        "pathParameters": path_parameters(params),
        "stageVariables": stage.variables(),
        "requestContext": Value::Object(context),
        "body": body,
        "isBase64Encoded": base64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage() -> Stage {
        Stage {
            name: "local".into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            variables: BTreeMap::new(),
        }
    }

    fn incoming(body: &[u8]) -> Incoming {
        Incoming {
            method: "POST".into(),
            path: "/api/v1/service-accounts/a%40b/api-keys".into(),
            query: vec![("max_items".into(), "5".into()), ("max_items".into(), "6".into())],
            headers: vec![
                ("host".into(), "127.0.0.1:8081".into()),
                ("x-a".into(), "1".into()),
                ("x-a".into(), "2".into()),
            ],
            body: body.to_vec(),
            source_ip: "127.0.0.1".into(),
            request_id: "r-1".into(),
            received_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        }
    }

    #[test]
    fn proxy_events_are_what_the_functions_read() {
        let params = vec![("ref".to_string(), "a%40b".to_string())];
        let auth =
            AuthorizerContext { principal_id: "p".into(), context: vec![("k".into(), "v".into())], latency_ms: 3 };
        let event =
            proxy_event(&incoming(b"{}"), &stage(), "/api/v1/service-accounts/{ref}/api-keys", &params, Some(&auth));
        assert_eq!(event["path"], "/api/v1/service-accounts/a%40b/api-keys");
        assert_eq!(event["requestContext"]["path"], "/local/api/v1/service-accounts/a%40b/api-keys");
        assert_eq!(event["requestContext"]["stage"], "local");
        assert_eq!(event["requestContext"]["requestTime"], "15/Jan/2027:08:00:00 +0000");
        assert_eq!(event["queryStringParameters"], json!({"max_items": "6"}));
        assert_eq!(event["multiValueQueryStringParameters"], json!({"max_items": ["5", "6"]}));
        assert_eq!(event["multiValueHeaders"]["x-a"], json!(["1", "2"]));
        assert_eq!(event["headers"]["x-a"], "2");
        assert_eq!(
            event["requestContext"]["authorizer"],
            json!({"k": "v", "principalId": "p", "integrationLatency": 3})
        );
        assert_eq!((event["body"].clone(), event["isBase64Encoded"].clone()), (json!("{}"), json!(false)));
        // What lambda_http (the functions' adapter) makes of it.
        let request: aws_lambda_events::apigw::ApiGatewayProxyRequest = serde_json::from_value(event).unwrap();
        assert_eq!(request.request_context.resource_path.as_deref(), Some("/api/v1/service-accounts/{ref}/api-keys"));
        assert_eq!(request.multi_value_query_string_parameters.all("max_items"), Some(vec!["5", "6"]));
    }

    #[test]
    fn a_body_that_is_not_utf8_travels_base64() {
        let event = proxy_event(&incoming(&[0xff, 0x00]), &stage(), "/x", &[], None);
        assert_eq!((event["body"].clone(), event["isBase64Encoded"].clone()), (json!("/wA="), json!(true)));
        assert!(event["requestContext"].get("authorizer").is_none());
        let empty = proxy_event(&incoming(b""), &stage(), "/x", &[], None);
        assert_eq!(empty["body"], Value::Null);
    }

    #[test]
    fn the_method_arn_names_stage_method_and_path() {
        assert_eq!(
            method_arn(&stage(), "GET", "/api/v1//me/"),
            "arn:aws:execute-api:us-east-1:123456789012:localgw001/local/GET/api/v1/me"
        );
        let event = authorizer_event(&incoming(b""), &stage(), "/r", &[]);
        assert_eq!(event["type"], "REQUEST");
        let request: aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest =
            serde_json::from_value(event).unwrap();
        assert_eq!(request.headers.get("x-a").and_then(|v| v.to_str().ok()), Some("2"));
        assert!(request.stage_variables.is_empty());
    }

    #[test]
    fn both_events_carry_the_stage_variables() {
        let mut stage = stage();
        assert_eq!(proxy_event(&incoming(b""), &stage, "/x", &[], None)["stageVariables"], Value::Null);
        stage.variables.insert("latchkeyOrganizations".into(), "o-1,o-2".into());
        let expected = json!({"latchkeyOrganizations": "o-1,o-2"});
        assert_eq!(proxy_event(&incoming(b""), &stage, "/x", &[], None)["stageVariables"], expected);
        let event = authorizer_event(&incoming(b""), &stage, "/x", &[]);
        assert_eq!(event["stageVariables"], expected);
        // What latchkey's authorizer reads it with.
        let request: aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest =
            serde_json::from_value(event).unwrap();
        assert_eq!(request.stage_variables.get("latchkeyOrganizations").map(String::as_str), Some("o-1,o-2"));
    }
}

//! What the authorizer reads of API Gateway's REQUEST authorizer event, and nothing more.
//!
//! `aws_lambda_events`' full type (`ApiGatewayCustomAuthorizerRequestTypeRequest`) parses
//! every header twice into `http::HeaderMap`s, the query strings, the path parameters and
//! the whole request context, and its field types make the runtime's `serde_path_to_error`
//! build and drop several serde errors per event: about 70,000 instructions of a warm
//! invocation (docs/performance.md). This type names the five values the decision needs;
//! serde skips the rest without building it. Both types implement [`AuthorizerRequest`],
//! so tests and tools that hold the full type call the same handler.

use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest;
use serde::Deserialize;
use std::collections::HashMap;

/// The values of the event the authorizer decides on.
pub trait AuthorizerRequest {
    /// The `Authorization` header (any spelling of its name), if it is text.
    fn authorization(&self) -> Option<&str>;
    /// API Gateway's id of the request (its access log's).
    fn request_id(&self) -> &str;
    fn stage_variable(&self, name: &str) -> Option<&str>;
    /// `requestContext.identity.sourceIp`.
    fn source_ip(&self) -> Option<&str>;
    fn method_arn(&self) -> &str;
}

/// The lean event: unknown fields are skipped, absent or null ones are empty.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeanAuthorizerEvent {
    #[serde(default)]
    method_arn: Option<String>,
    #[serde(default)]
    headers: Option<HashMap<String, Option<String>>>,
    #[serde(default)]
    stage_variables: Option<HashMap<String, Option<String>>>,
    #[serde(default)]
    request_context: Option<LeanContext>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeanContext {
    #[serde(default)]
    request_id: Option<String>,
    #[serde(default)]
    identity: Option<LeanIdentity>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeanIdentity {
    #[serde(default)]
    source_ip: Option<String>,
}

impl AuthorizerRequest for LeanAuthorizerEvent {
    fn authorization(&self) -> Option<&str> {
        // Header names are case-insensitive (RFC 9110); API Gateway passes them as sent.
        let headers = self.headers.as_ref()?;
        headers.iter().find(|(name, _)| name.eq_ignore_ascii_case("authorization")).and_then(|(_, v)| v.as_deref())
    }
    fn request_id(&self) -> &str {
        self.request_context.as_ref().and_then(|c| c.request_id.as_deref()).unwrap_or_default()
    }
    fn stage_variable(&self, name: &str) -> Option<&str> {
        self.stage_variables.as_ref()?.get(name)?.as_deref()
    }
    fn source_ip(&self) -> Option<&str> {
        self.request_context.as_ref()?.identity.as_ref()?.source_ip.as_deref()
    }
    fn method_arn(&self) -> &str {
        self.method_arn.as_deref().unwrap_or_default()
    }
}

impl AuthorizerRequest for ApiGatewayCustomAuthorizerRequestTypeRequest {
    fn authorization(&self) -> Option<&str> {
        self.headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok())
    }
    fn request_id(&self) -> &str {
        self.request_context.request_id.as_deref().unwrap_or_default()
    }
    fn stage_variable(&self, name: &str) -> Option<&str> {
        self.stage_variables.get(name).map(String::as_str)
    }
    fn source_ip(&self) -> Option<&str> {
        self.request_context.identity.as_ref().and_then(|identity| identity.source_ip.as_deref())
    }
    fn method_arn(&self) -> &str {
        self.method_arn.as_deref().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sample event (infra/events/authorizer.json's shape) reads the same through both types.
    #[test]
    fn both_types_read_the_same_values() {
        let raw = include_str!("../../../infra/events/authorizer.json");
        let lean: LeanAuthorizerEvent = serde_json::from_str(raw).unwrap();
        let full: ApiGatewayCustomAuthorizerRequestTypeRequest = serde_json::from_str(raw).unwrap();
        assert_eq!(lean.authorization(), full.authorization());
        assert!(lean.authorization().is_some());
        assert_eq!(lean.request_id(), full.request_id());
        assert_eq!(lean.source_ip(), full.source_ip());
        assert_eq!(lean.method_arn(), full.method_arn());
        assert_eq!(lean.stage_variable("latchkeyOrganizations"), full.stage_variable("latchkeyOrganizations"));
    }

    #[test]
    fn any_spelling_of_the_header_and_nulls_everywhere() {
        let lean: LeanAuthorizerEvent =
            serde_json::from_str(r#"{"headers": {"AUTHORIZATION": "Bearer x"}, "stageVariables": null}"#).unwrap();
        assert_eq!(lean.authorization(), Some("Bearer x"));
        assert_eq!(lean.stage_variable("latchkeyOrganizations"), None);
        let empty: LeanAuthorizerEvent = serde_json::from_str(
            r#"{"headers": null, "requestContext": {"identity": null}, "methodArn": null, "extra": [1]}"#,
        )
        .unwrap();
        assert_eq!(
            (empty.authorization(), empty.source_ip(), empty.method_arn(), empty.request_id()),
            (None, None, "", "")
        );
    }
}

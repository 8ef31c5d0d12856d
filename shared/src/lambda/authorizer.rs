//! The API Gateway REQUEST authorizer (REST API): the `Authorization` header → an Allow
//! policy with the caller as context, `Unauthorized` (the gateway's 401), or a failed
//! invocation when the store fails (the gateway's AUTHORIZER_FAILURE response, 503):
//! it fails closed, never by allowing and never by a 401.
//!
//! In front of an organization's own API (SPEC section 9), the stage variable
//! [`ORGANIZATIONS_STAGE_VARIABLE`] names the organizations whose credentials that API
//! accepts; any other organization's credential is `Unauthorized`.

use super::Error;
pub use super::authorizer_event::{AuthorizerRequest, LeanAuthorizerEvent};
use crate::auth::{self, Authorizer, Decision, Organizations, context};
use aws_lambda_events::apigw::{ApiGatewayCustomAuthorizerPolicy, ApiGatewayCustomAuthorizerResponse};
use aws_lambda_events::iam::{IamPolicyEffect, IamPolicyStatement};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The stage variable of a protected API listing the organization ids it accepts.
pub const ORGANIZATIONS_STAGE_VARIABLE: &str = "latchkeyOrganizations";

/// The exact error message API Gateway turns into 401.
pub const UNAUTHORIZED: &str = "Unauthorized";

#[derive(Debug, thiserror::Error)]
pub enum AuthorizerError {
    #[error("Unauthorized")]
    Unauthorized,
    /// Anything but "Unauthorized" makes the gateway answer AUTHORIZER_FAILURE.
    #[error("authorizer failure")]
    Failure,
}

pub async fn serve_authorizer() -> Result<(), Error> {
    let (store, clock, _config) = super::init(true).await?;
    let authorizer = Arc::new(Authorizer::new(store, clock));
    // The lean event: only what the decision reads (authorizer_event.rs).
    lambda_runtime::run(service_fn(move |event: LambdaEvent<LeanAuthorizerEvent>| {
        let authorizer = Arc::clone(&authorizer);
        async move {
            let budget = super::time_budget(event.context.deadline());
            let request_id = event.payload.request_id().to_string();
            match tokio::time::timeout(budget, handle_event(&authorizer, event.payload)).await {
                Ok(outcome) => outcome.map_err(Error::from),
                // Out of time is a failure (the gateway's 503), never a 401.
                Err(_) => {
                    tracing::error!(request_id, "authorizer out of time before the Lambda deadline");
                    Err(Error::from(AuthorizerError::Failure))
                }
            }
        }
    }))
    .await
}

pub async fn handle_event(
    authorizer: &Authorizer,
    event: impl AuthorizerRequest,
) -> Result<ApiGatewayCustomAuthorizerResponse, AuthorizerError> {
    let header = event.authorization();
    // API Gateway's id of the request, the one its access log shows.
    let request_id = event.request_id();
    let accepted = auth::parse_organization_list(event.stage_variable(ORGANIZATIONS_STAGE_VARIABLE));
    let organizations = accepted.as_deref().map_or(Organizations::Any, Organizations::Only);
    // The caller's address, as API Gateway saw it: IP ranges are judged on it, and it is
    // recorded as the credential's `last_used_ip`.
    let source_ip = event.source_ip();
    match authorizer.authorize_from(header, organizations, source_ip).await {
        Ok(Decision::Allow(caller)) => {
            let mut context = Map::new();
            for (k, v) in context::to_context(&caller) {
                context.insert(k.to_string(), Value::String(v));
            }
            let mut response = ApiGatewayCustomAuthorizerResponse::default();
            response.principal_id = Some(caller.id.to_string());
            response.policy_document = allow_policy(event.method_arn());
            response.context = Value::Object(context);
            Ok(response)
        }
        Ok(Decision::Deny(denial)) => {
            auth::log_denial(request_id, &denial);
            Err(AuthorizerError::Unauthorized)
        }
        Err(failure) => {
            tracing::error!(request_id, error = %crate::logging::ErrorChain(&failure), "authorizer failed closed");
            Err(AuthorizerError::Failure)
        }
    }
}

/// Allows every method and resource of this API stage: the decision is about the caller,
/// not the route (routes check permissions themselves), and a stage-wide resource keeps a
/// cached decision (when `ReauthorizeEvery` > 0) valid for the caller's next routes.
pub fn allow_policy(method_arn: &str) -> ApiGatewayCustomAuthorizerPolicy {
    // arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{method}/{resource...}
    let resource = match method_arn.split_once('/') {
        Some((api, rest)) => {
            let stage = rest.split('/').next().unwrap_or("*");
            format!("{api}/{stage}/*/*")
        }
        None => "*".to_string(),
    };
    let mut statement = IamPolicyStatement::default();
    statement.action = vec!["execute-api:Invoke".to_string()];
    statement.effect = IamPolicyEffect::Allow;
    statement.resource = vec![resource];
    let mut policy = ApiGatewayCustomAuthorizerPolicy::default();
    policy.version = Some("2012-10-17".to_string());
    policy.statement = vec![statement];
    policy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_covers_the_stage() {
        let p = allow_policy("arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/api/v1/me");
        assert_eq!(p.statement[0].resource, vec!["arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/*/*"]);
    }
}

//! One request through the gateway, in API Gateway's order: the route (else
//! MISSING_AUTHENTICATION_TOKEN), the identity source and the authorizer on a guarded
//! route, then the function, whose proxy response is mapped back (else 502).

use super::Gateway;
use super::events::{self, AuthorizerContext, Incoming};
use super::policy;
use super::pool::Invocation;
use super::responses::{self, Reply, ResponseType};
use super::template::RouteSpec;
use std::time::{Duration, Instant};

/// API Gateway's integration timeout (REST, the default and the usual cap).
const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(29);
/// Past the function's own `Timeout`, the time Lambda takes to report it.
const TIMEOUT_GRACE: Duration = Duration::from_secs(1);

/// How long the gateway waits for a function with `timeout`: its timeout (then Lambda
/// reports a failure, 502), at most the integration timeout (504).
fn wait_limit(timeout: Duration) -> Duration {
    (timeout + TIMEOUT_GRACE).min(INTEGRATION_TIMEOUT)
}

pub async fn handle(gateway: &Gateway, request: Incoming) -> Reply {
    let started = Instant::now();
    let matched = gateway.routes.find(&request.method, &request.path);
    let resource = matched.as_ref().map(|m| m.route.path.clone());
    let mut reply = match matched {
        None => gateway.responses.answer(ResponseType::MissingAuthenticationToken),
        Some(m) => match route(gateway, &request, m.route, &m.params).await {
            Ok(reply) | Err(reply) => reply,
        },
    };
    reply.headers.push(("x-amzn-RequestId".into(), request.request_id.clone()));
    // Method, resource and status only: nothing the caller sent beyond them.
    tracing::info!(
        request_id = %request.request_id,
        method = %request.method,
        resource = resource.as_deref().unwrap_or("-"),
        status = reply.status,
        latency_ms = started.elapsed().as_millis() as u64,
        "gateway request"
    );
    reply
}

async fn route(
    gateway: &Gateway,
    request: &Incoming,
    route: &RouteSpec,
    params: &[(String, String)],
) -> Result<Reply, Reply> {
    let answer = |kind| gateway.responses.answer(kind);
    let authorizer = match &route.authorizer {
        None => None,
        Some(name) => Some(authorize(gateway, name, request, route, params).await.map_err(answer)?),
    };
    let event = events::proxy_event(request, &gateway.stage, &route.path, params, authorizer.as_ref());
    let function = gateway.pool.get(&route.function).ok_or_else(|| answer(ResponseType::BadGateway))?;
    match function.invoke(event.to_string().into(), wait_limit(function.timeout())).await {
        Invocation::Answered(bytes) => responses::from_proxy_response(&bytes).ok_or_else(|| {
            tracing::warn!(function = function.name(), request_id = %request.request_id, "malformed Lambda proxy response");
            answer(ResponseType::BadGateway)
        }),
        Invocation::Failed(_) | Invocation::Crashed => Err(answer(ResponseType::BadGateway)),
        Invocation::TimedOut if function.timeout() + TIMEOUT_GRACE > INTEGRATION_TIMEOUT => {
            Err(answer(ResponseType::IntegrationTimeout))
        }
        Invocation::TimedOut => Err(answer(ResponseType::BadGateway)),
    }
}

async fn authorize(
    gateway: &Gateway,
    name: &str,
    request: &Incoming,
    route: &RouteSpec,
    params: &[(String, String)],
) -> Result<AuthorizerContext, ResponseType> {
    let spec = gateway.authorizers.get(name).ok_or(ResponseType::AuthorizerConfigurationError)?;
    // A missing or empty identity source is a 401 without invoking the authorizer.
    if spec.identity_headers.iter().any(|h| request.header(h).is_none_or(|v| v.trim().is_empty())) {
        return Err(ResponseType::Unauthorized);
    }
    let function = gateway.pool.get(&spec.function).ok_or(ResponseType::AuthorizerConfigurationError)?;
    let event = events::authorizer_event(request, &gateway.stage, &route.path, params);
    let started = Instant::now();
    let outcome = function.invoke(event.to_string().into(), wait_limit(function.timeout())).await;
    let latency_ms = started.elapsed().as_millis() as u64;
    let decision =
        policy::decide(outcome, &events::method_arn(&gateway.stage, &request.method, &request.path), latency_ms);
    if let Err(kind) = &decision {
        tracing::info!(request_id = %request.request_id, authorizer = name, outcome = ?kind, "authorizer refused the request");
    }
    decision
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_is_the_functions_timeout_capped_by_the_integrations() {
        assert_eq!(wait_limit(Duration::from_secs(10)), Duration::from_secs(11));
        assert_eq!(wait_limit(Duration::from_secs(300)), INTEGRATION_TIMEOUT);
    }
}

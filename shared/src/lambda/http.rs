//! API Gateway REST proxy events (payload 1.0) ⇄ [`ApiRequest`] / [`ApiResponse`].
//!
//! A function serves the routes of one row's function (one route, or the console's two).
//! It recognises its route by the event's resource and method, not the raw path (a REST
//! API puts the stage name in the path), and reads the caller from the authorizer context,
//! which it trusts: the token is never seen here.

use super::Error;
use crate::api::{Access, Api, ApiError, ApiRequest, ApiResponse, RouteId};
use crate::auth::context;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response, service_fn};
use std::sync::Arc;

/// Serves every route of `route`'s function (the route itself, or the console's two) until
/// the Lambda runtime stops the process. The route is named by its typed id, so a binary
/// cannot name a route that does not exist, nor name one by a string:
///
/// ```compile_fail
/// async fn serve() -> Result<(), latchkey::lambda::Error> {
///     latchkey::lambda::http::serve_route(latchkey::api::RouteId::ListUser).await
/// }
/// ```
///
/// ```compile_fail
/// async fn serve() -> Result<(), latchkey::lambda::Error> {
///     latchkey::lambda::http::serve_route("users-list").await
/// }
/// ```
pub async fn serve_route(route: RouteId) -> Result<(), Error> {
    // Public routes and `/me` answer from the request alone (the authorizer context).
    let uses_store = route.function_routes().any(|r| r.access != Access::Public && r.id != RouteId::Me);
    let api = super::init_api(uses_store).await?;
    lambda_http::run(service_fn(move |event: Request| {
        let api = Arc::clone(&api);
        async move { Ok::<_, Error>(handle_event(&api, route, event).await) }
    }))
    .await
}

/// One event through the function that serves `route`: the function's whole job, and what
/// tests drive directly. An event for a route of another function is not found.
pub async fn handle_event(api: &Api, route: RouteId, event: Request) -> Response<Body> {
    let response = match to_api_request(route, &event) {
        Ok(request) if request.route == RouteId::ConsolePage && event.uri().path().ends_with('/') => {
            console_without_slash(event.uri().query())
        }
        Ok(request) => match event.lambda_context_ref() {
            Some(ctx) => {
                let budget = super::time_budget(ctx.deadline());
                tokio::time::timeout(budget, api.handle(request)).await.unwrap_or_else(|_| {
                    tracing::warn!(function = route.route().function, "out of time before the Lambda deadline");
                    ApiError::Unavailable("deadline".into()).into_response()
                })
            }
            None => api.handle(request).await,
        },
        Err(error) => error.into_response(),
    };
    to_lambda_response(response)
}

fn to_api_request(served: RouteId, event: &Request) -> Result<ApiRequest, ApiError> {
    let (resource, request_id, authorizer, source_ip) = match event.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(ctx)) => (
            ctx.resource_path.clone(),
            ctx.request_id.clone(),
            Some(&ctx.authorizer.fields),
            ctx.identity.source_ip.clone(),
        ),
        _ => (None, None, None, None),
    };
    // This function was deployed for its routes; anything else reaching it is not found.
    let route = served
        .function_routes()
        .find(|r| r.method == event.method().as_str() && Some(r.path) == resource.as_deref())
        .ok_or(ApiError::NotFound)?;
    let caller = match (route.access, authorizer) {
        (Access::Public, _) => None,
        (_, Some(fields)) => {
            let caller = context::from_context(|k| fields.get(k).and_then(|v| v.as_str()));
            // Missing context behind a protected route means the gateway is misconfigured:
            // fail closed.
            Some(caller.map_err(|e| {
                tracing::error!(error = %e, "authorizer context unusable");
                ApiError::Unauthorized
            })?)
        }
        (_, None) => return Err(ApiError::Unauthorized),
    };
    // Whether the gateway has decoded `%40` in a path parameter or not, decoding here gives
    // the same value: no valid name, email or id contains '%'.
    let path_params =
        event.path_parameters().iter().map(|(k, v)| (k.to_string(), crate::api::routes::percent_decode(v))).collect();
    let query = event.query_string_parameters().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let body = match event.body() {
        Body::Empty => Vec::new(),
        Body::Text(t) => t.as_bytes().to_vec(),
        Body::Binary(b) => b.clone(),
        _ => Vec::new(),
    };
    let user_agent = event.headers().get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string);
    let signature_headers =
        crate::api::SignatureHeaders::from_headers(|name| event.headers().get(name).and_then(|v| v.to_str().ok()));
    Ok(ApiRequest {
        route: route.id,
        path_params,
        query,
        body,
        caller,
        request_id: request_id.unwrap_or_default(),
        source_ip,
        user_agent,
        signature_headers,
    })
}

fn to_lambda_response(response: ApiResponse) -> Response<Body> {
    let mut builder = Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(*name, value);
    }
    let body = if response.body.is_empty() {
        Body::Empty
    } else {
        match String::from_utf8(response.body) {
            Ok(text) => Body::Text(text),
            Err(e) => Body::Binary(e.into_bytes()),
        }
    };
    builder.body(body).unwrap_or_else(|_| Response::new(Body::Empty))
}

/// API Gateway serves `/console/` as `/console`, but a browser resolves the page's relative
/// asset links (`console/app.js`) against `/console/`, to `/console/console/...`. So that
/// spelling is sent to the one the links work from, by a relative `Location` that keeps the
/// stage prefix and can never name another host.
fn console_without_slash(query: Option<&str>) -> ApiResponse {
    let mut location = "../console".to_string();
    if let Some(q) = query.filter(|q| !q.is_empty() && q.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')) {
        location = format!("{location}?{q}");
    }
    let mut response = ApiResponse::bytes(308, "text/plain; charset=utf-8", Vec::new());
    response.headers.push(("location", location));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn console_event(path: &str) -> Request {
        let event = serde_json::json!({
            "resource": "/console", "path": path, "httpMethod": "GET",
            "headers": {}, "multiValueHeaders": {}, "queryStringParameters": null,
            "multiValueQueryStringParameters": null, "pathParameters": null, "stageVariables": null,
            "requestContext": {"resourcePath": "/console", "httpMethod": "GET", "stage": "prod",
                "path": format!("/prod{path}"), "requestId": "r", "accountId": "1", "apiId": "a",
                "identity": {"sourceIp": "127.0.0.1"}},
            "body": null, "isBase64Encoded": false
        });
        lambda_http::request::from_str(&event.to_string()).expect("a REST proxy event")
    }

    #[tokio::test]
    async fn the_console_with_a_trailing_slash_is_sent_to_the_spelling_its_links_work_from() {
        let api = Api::new(
            Arc::new(
                crate::store::sqlite::SqliteStore::open(&std::env::temp_dir().join(uuid::Uuid::new_v4().to_string()))
                    .unwrap(),
            ),
            Arc::new(crate::clock::SystemClock),
            crate::config::Config::default(),
        );
        let redirected = handle_event(&api, RouteId::ConsolePage, console_event("/console/")).await;
        assert_eq!(redirected.status(), 308);
        assert_eq!(redirected.headers()["location"], "../console");
        let page = handle_event(&api, RouteId::ConsolePage, console_event("/console")).await;
        assert_eq!(page.status(), 200);
    }

    /// The spelling the `compile_fail` examples above get wrong compiles when right.
    #[test]
    fn a_binary_names_its_route_by_id() {
        drop(serve_route(RouteId::ListUsers));
    }
}

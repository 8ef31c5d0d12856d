//! An API Gateway stand-in for the local server: matches a raw request against the route
//! table (static segments win, unknown path or method → 404), runs the same authorizer
//! code on protected routes (deny → 401, failure → 503 with Retry-After, as the deployed
//! gateway's customised responses do), then calls the same handlers the Lambda functions
//! call. No HTTP framework here: `latchkey serve` wraps it in axum.

use crate::api::routes::{self, RouteMatch};
use crate::api::{Access, Api, ApiError, ApiRequest, ApiResponse, MAX_BODY_BYTES};
use crate::auth::{self, Authorizer, Decision};
use std::sync::Arc;

pub struct LocalGateway {
    api: Arc<Api>,
    authorizer: Authorizer,
}

/// A raw request as the listener received it.
pub struct RawRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: Option<&'a str>,
    pub authorization: Option<&'a str>,
    pub body: Vec<u8>,
    pub request_id: String,
}

impl LocalGateway {
    pub fn new(api: Arc<Api>) -> Self {
        let authorizer = Authorizer::new(Arc::clone(&api.store), Arc::clone(&api.clock));
        Self { api, authorizer }
    }

    pub fn api(&self) -> &Api {
        &self.api
    }

    pub async fn handle(&self, raw: RawRequest<'_>) -> ApiResponse {
        // One spelling per resource: `/console/` would load the console's relative asset
        // links from the wrong place, and an API path with a slash is a typo worth showing.
        if raw.path.len() > 1 && raw.path.ends_with('/') {
            // Leading slashes collapse too: `//evil.example/` must not become a
            // protocol-relative redirect to another host.
            let mut location = format!("/{}", raw.path.trim_matches('/'));
            if let Some(q) = raw.query {
                location = format!("{location}?{q}");
            }
            let mut response = ApiResponse::bytes(308, "text/plain; charset=utf-8", Vec::new());
            response.headers.push(("location", location));
            return response;
        }
        let (route, path_params) = match routes::match_path(raw.method, raw.path) {
            RouteMatch::Found { route, params } => (route, params),
            RouteMatch::MethodNotAllowed | RouteMatch::NotFound => return ApiError::NotFound.into_response(),
        };
        let caller = if route.access == Access::Public {
            None
        } else {
            match self.authorizer.authorize(raw.authorization).await {
                Ok(Decision::Allow(caller)) => Some(caller),
                Ok(Decision::Deny(denial)) => {
                    auth::log_denial(&raw.request_id, &denial);
                    return ApiError::Unauthorized.into_response();
                }
                Err(failure) => {
                    tracing::error!(request_id = %raw.request_id, error = %failure, "authorizer failed closed");
                    return ApiError::Unavailable(failure.to_string()).into_response();
                }
            }
        };
        if raw.body.len() > MAX_BODY_BYTES {
            return ApiError::PayloadTooLarge.into_response();
        }
        let query = match raw.query {
            Some(q) => form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect(),
            None => Vec::new(),
        };
        self.api
            .handle(ApiRequest {
                route: route.id,
                path_params,
                query,
                body: raw.body,
                caller,
                request_id: raw.request_id,
            })
            .await
    }
}

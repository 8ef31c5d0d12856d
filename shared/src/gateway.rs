//! An API Gateway stand-in for the local server: matches a raw request against the route
//! table (static segments win, unknown path or method → 404), runs the same authorizer
//! code on protected routes (deny → 401, failure → 503 with Retry-After, as the deployed
//! gateway's customised responses do), then calls the same handlers the Lambda functions
//! call. No HTTP framework here: `latchkey serve` wraps it in hyper.
//!
//! Two steps, so a listener can refuse a request before reading its body: [`admit`]
//! (method, path, query and the Authorization header → the route and caller, or the
//! answer: 404, 401, 503, 308) and [`run`] (the admitted request with its body →
//! the handler's answer).
//!
//! [`admit`]: LocalGateway::admit
//! [`run`]: LocalGateway::run

mod redirect;

use crate::api::routes::{self, RouteMatch};
use crate::api::{Access, Api, ApiError, ApiRequest, ApiResponse, RouteId, SignatureHeaders};
use crate::auth::{self, Authorizer, Decision, Organizations};
use crate::domain::Caller;
use std::sync::Arc;

pub use redirect::trailing_slash_location;

pub struct LocalGateway {
    api: Arc<Api>,
    authorizer: Authorizer,
}

/// What a request says before its body: all the gateway needs to admit it or answer it.
pub struct RequestHead<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: Option<&'a str>,
    pub authorization: Option<&'a str>,
    pub request_id: String,
    /// The caller's address, as the listener saw it.
    pub source_ip: Option<String>,
    pub user_agent: Option<&'a str>,
    /// The headers a handler reads, by name.
    pub signature_headers: SignatureHeaders,
}

/// A request the gateway let through: its route, parameters and caller. Its body is
/// read next, then [`LocalGateway::run`] runs the handler.
pub struct Admitted {
    route: RouteId,
    path_params: Vec<(String, String)>,
    query: Vec<(String, String)>,
    caller: Option<Caller>,
    request_id: String,
    source_ip: Option<String>,
    user_agent: Option<String>,
    signature_headers: SignatureHeaders,
}

impl Admitted {
    /// The largest body this request's route accepts.
    pub fn max_body_bytes(&self) -> usize {
        self.route.route().max_body_bytes
    }
}

/// A raw request as the listener received it, body included.
pub struct RawRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: Option<&'a str>,
    pub authorization: Option<&'a str>,
    pub body: Vec<u8>,
    pub request_id: String,
    pub source_ip: Option<String>,
    pub user_agent: Option<&'a str>,
}

impl LocalGateway {
    pub fn new(api: Arc<Api>) -> Self {
        let authorizer = Authorizer::new(api.store.clone(), Arc::clone(&api.clock));
        Self { api, authorizer }
    }

    pub fn api(&self) -> &Api {
        &self.api
    }

    /// Admission and the handler in one step, for a caller that holds the whole request.
    pub async fn handle(&self, raw: RawRequest<'_>) -> ApiResponse {
        let head = RequestHead {
            method: raw.method,
            path: raw.path,
            query: raw.query,
            authorization: raw.authorization,
            request_id: raw.request_id,
            source_ip: raw.source_ip,
            user_agent: raw.user_agent,
            signature_headers: SignatureHeaders::default(),
        };
        match self.admit(head).await {
            Ok(admitted) => self.run(admitted, raw.body).await,
            Err(answer) => answer,
        }
    }

    /// The route and the caller, from the request head alone; `Err` is the answer.
    pub async fn admit(&self, raw: RequestHead<'_>) -> Result<Admitted, ApiResponse> {
        // One spelling per resource: `/console/` would load the console's relative asset
        // links from the wrong place, and an API path with a slash is a typo worth showing.
        if raw.path.len() > 1 && raw.path.ends_with('/') {
            // Never to another host: what cannot be a plain path here is a 404.
            let Some(location) = trailing_slash_location(raw.path, raw.query) else {
                return Err(ApiError::NotFound.into_response());
            };
            let mut response = ApiResponse::bytes(308, "text/plain; charset=utf-8", Vec::new());
            response.headers.push(("location", location));
            return Err(response);
        }
        let (route, path_params) = match routes::match_path(raw.method, raw.path) {
            RouteMatch::Found { route, params } => (route, params),
            RouteMatch::MethodNotAllowed | RouteMatch::NotFound => return Err(ApiError::NotFound.into_response()),
        };
        let caller = if route.access == Access::Public {
            None
        } else {
            let from = raw.source_ip.as_deref();
            match self.authorizer.authorize_from(raw.authorization, Organizations::Any, from).await {
                Ok(Decision::Allow(caller)) => Some(caller),
                Ok(Decision::Deny(denial)) => {
                    auth::log_denial(&raw.request_id, &denial);
                    return Err(ApiError::Unauthorized.into_response());
                }
                Err(failure) => {
                    let error = crate::logging::ErrorChain(&failure).to_string();
                    tracing::error!(request_id = %raw.request_id, %error, "authorizer failed closed");
                    return Err(ApiError::Unavailable(error).into_response());
                }
            }
        };
        let query = match raw.query {
            Some(q) => form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect(),
            None => Vec::new(),
        };
        Ok(Admitted {
            route: route.id,
            path_params,
            query,
            caller,
            request_id: raw.request_id,
            source_ip: raw.source_ip,
            user_agent: raw.user_agent.map(str::to_string),
            signature_headers: raw.signature_headers,
        })
    }

    /// Runs an admitted request's handler with its body (over its route's limit: 413).
    pub async fn run(&self, admitted: Admitted, body: Vec<u8>) -> ApiResponse {
        if body.len() > admitted.max_body_bytes() {
            return ApiError::PayloadTooLarge.into_response();
        }
        self.api
            .handle(ApiRequest {
                route: admitted.route,
                path_params: admitted.path_params,
                query: admitted.query,
                body,
                caller: admitted.caller,
                request_id: admitted.request_id,
                source_ip: admitted.source_ip,
                user_agent: admitted.user_agent,
                signature_headers: admitted.signature_headers,
            })
            .await
    }
}

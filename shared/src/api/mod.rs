//! The HTTP API in plain terms: a request that names its route, carries the caller the
//! authorizer established, and gets a status, headers and a JSON body back. The local
//! server and the Lambda adapter both build an [`ApiRequest`] and call [`Api::handle`].

pub mod cursor;
mod handlers;
mod input;
pub mod problem;
pub mod routes;
mod views;

/// An audit event's wire shape (GET /audit-events/{id}), also the detail of its EventBridge
/// entry.
pub use views::audit_event as audit_event_view;

pub use problem::ApiError;
pub use routes::{Access, ROUTES, Route, RouteId};

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::Caller;
use crate::logging::ErrorChain;
use crate::store::Store;
use std::sync::Arc;

/// Bodies over this size are refused with 413 before parsing: every route's limit but the
/// leak report's (`Route::max_body_bytes`).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The request headers a handler reads, by name; no other header reaches a handler. Only
/// GitHub's secret-scanning signature (`POST /credentials/github-secret-scanning`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureHeaders {
    /// `Github-Public-Key-Identifier`.
    pub key_identifier: Option<String>,
    /// `Github-Public-Key-Signature` (a signature, not a secret).
    pub signature: Option<String>,
}

impl SignatureHeaders {
    /// From a header lookup (names case-insensitive, as `get` must treat them).
    pub fn from_headers<'h>(get: impl Fn(&str) -> Option<&'h str>) -> Self {
        use crate::leaks::github::{KEY_IDENTIFIER_HEADER, SIGNATURE_HEADER};
        Self {
            key_identifier: get(KEY_IDENTIFIER_HEADER).map(str::to_string),
            signature: get(SIGNATURE_HEADER).map(str::to_string),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub route: RouteId,
    /// Path parameters, already percent-decoded.
    pub path_params: Vec<(String, String)>,
    /// Query parameters in order, decoded; repeated names appear repeatedly.
    pub query: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Set by the authorizer; `None` only on public routes.
    pub caller: Option<Caller>,
    /// For log correlation, and the audit events' `request.id`.
    pub request_id: String,
    /// The caller's address (API Gateway's `requestContext.identity.sourceIp`; locally the
    /// peer), and its `User-Agent`: what audit events record of where a change came from.
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The headers a handler reads ([`SignatureHeaders`]).
    pub signature_headers: SignatureHeaders,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl ApiResponse {
    fn with_body(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![
                ("content-type", content_type.to_string()),
                // Responses may carry a credential shown once: nothing may cache them.
                ("cache-control", "no-store".into()),
                ("x-content-type-options", "nosniff".into()),
            ],
            body,
        }
    }

    pub fn json<T: serde::Serialize>(status: u16, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Self::with_body(status, "application/json", body),
            Err(e) => ApiError::Internal(format!("serializing response: {e}")).into_response(),
        }
    }

    pub fn problem(problem: &latchkey_wire::Problem) -> Self {
        let body = serde_json::to_vec(problem).unwrap_or_default();
        Self::with_body(problem.status, "application/problem+json", body)
    }

    pub fn no_content() -> Self {
        let mut r = Self::with_body(204, "application/json", Vec::new());
        r.headers.retain(|(k, _)| *k != "content-type");
        r
    }

    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self::with_body(status, content_type, body)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Everything a handler needs, built once per process (per Lambda cold start).
pub struct Api {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: Config,
}

impl Api {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: Config) -> Self {
        Self { store, clock, config }
    }

    /// Runs the route's handler. Never panics on input; every failure is a problem+json.
    pub async fn handle(&self, request: ApiRequest) -> ApiResponse {
        let route = request.route.route();
        let request_id = request.request_id.clone();
        let result = handlers::dispatch(self, route, request).await;
        match result {
            Ok(response) => response,
            Err(error) => {
                match &error {
                    ApiError::Internal(detail) => {
                        tracing::error!(request_id = %request_id, route = route.function, error = %detail, "internal error")
                    }
                    ApiError::Unavailable(detail) => {
                        tracing::warn!(request_id = %request_id, route = route.function, error = %detail, "store unavailable")
                    }
                    ApiError::Store(failure) if error.status() == 503 => {
                        tracing::warn!(request_id = %request_id, route = route.function, error = %ErrorChain(failure), "store unavailable")
                    }
                    ApiError::Store(failure) => {
                        tracing::error!(request_id = %request_id, route = route.function, error = %ErrorChain(failure), "internal error")
                    }
                    other => {
                        tracing::info!(request_id = %request_id, route = route.function, status = other.status(), code = other.code(), "request refused")
                    }
                }
                error.into_response()
            }
        }
    }
}

//! The API's one error type, mapped once to RFC 9457 problem+json.
//!
//! Details shown to callers are written here or in handlers, never copied from a store or
//! SDK error; those go to the log (with the request id) and the caller sees `internal` or
//! `unavailable`.

use super::ApiResponse;
use crate::domain::DomainError;
use crate::domain::policy::Denial;
use crate::store::StoreError;
use latchkey_wire::Problem;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("unauthorized")]
    Unauthorized,
    /// A GitHub secret-scanning message whose signature does not hold (SPEC section 12): 401
    /// `unauthorized`, saying why.
    #[error("{0}")]
    BadSignature(crate::leaks::SignatureError),
    #[error("{0}")]
    Forbidden(String),
    /// A scoped credential lacks the route's scope (SPEC section 9): 403 with the scope named.
    #[error("this credential's scopes do not include {0}")]
    InsufficientScope(&'static str),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Validation(String),
    #[error("request body is larger than this route accepts (64 KiB; 256 KiB for a leak report)")]
    PayloadTooLarge,
    #[error("rate limited")]
    RateLimited,
    /// Retryable: something is unreachable or throttling. The string is for logs only.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A bug or corrupt data. The string is for logs only.
    #[error("internal: {0}")]
    Internal(String),
    /// The store failed: unreachable or throttling (`StoreError::Unavailable`, answered like
    /// `Unavailable`) or anything else (`StoreError::Internal`, answered like `Internal`). The
    /// store error is kept whole as the source, for the log; the caller sees only the
    /// generic detail of its status.
    #[error("the store failed")]
    Store(#[source] StoreError),
}

/// Whether a store failure is the retryable kind.
fn retryable(e: &StoreError) -> bool {
    matches!(e, StoreError::Unavailable { .. })
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Unauthorized | ApiError::BadSignature(_) => 401,
            ApiError::Forbidden(_) | ApiError::InsufficientScope(_) => 403,
            ApiError::NotFound => 404,
            ApiError::Conflict(_) => 409,
            ApiError::Validation(_) => 400,
            ApiError::PayloadTooLarge => 413,
            ApiError::RateLimited => 429,
            ApiError::Unavailable(_) => 503,
            ApiError::Internal(_) => 500,
            ApiError::Store(e) if retryable(e) => 503,
            ApiError::Store(_) => 500,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized | ApiError::BadSignature(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::InsufficientScope(_) => "insufficient_scope",
            ApiError::NotFound => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::Validation(_) => "validation_failed",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::RateLimited => "rate_limited",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
            ApiError::Store(e) if retryable(e) => "unavailable",
            ApiError::Store(_) => "internal",
        }
    }

    pub fn title(&self) -> &'static str {
        match self {
            ApiError::Unauthorized | ApiError::BadSignature(_) => "Unauthorized",
            ApiError::Forbidden(_) => "Forbidden",
            ApiError::InsufficientScope(_) => "Insufficient scope",
            ApiError::NotFound => "Not found",
            ApiError::Conflict(_) => "Conflict",
            ApiError::Validation(_) => "Invalid request",
            ApiError::PayloadTooLarge => "Payload too large",
            ApiError::RateLimited => "Too many requests",
            ApiError::Unavailable(_) => "Service unavailable",
            ApiError::Internal(_) => "Internal error",
            ApiError::Store(e) if retryable(e) => "Service unavailable",
            ApiError::Store(_) => "Internal error",
        }
    }

    /// What the caller is told. Internal details never appear here.
    pub fn detail(&self) -> String {
        match self {
            ApiError::Unauthorized => "a valid bearer credential is required".into(),
            ApiError::NotFound => "no such resource".into(),
            ApiError::RateLimited => "slow down and retry later".into(),
            ApiError::Unavailable(_) => "the service is temporarily unavailable; retry shortly".into(),
            ApiError::Internal(_) => "an internal error occurred".into(),
            ApiError::Store(e) if retryable(e) => "the service is temporarily unavailable; retry shortly".into(),
            ApiError::Store(_) => "an internal error occurred".into(),
            other => other.to_string(),
        }
    }

    pub fn problem(&self) -> Problem {
        let mut p = problem(self.status(), self.code(), self.title(), &self.detail());
        if let ApiError::InsufficientScope(scope) = self {
            p.required_scope = Some((*scope).to_string());
        }
        p
    }

    pub fn into_response(self) -> ApiResponse {
        let mut response = ApiResponse::problem(&self.problem());
        if self.status() == 503 || matches!(self, ApiError::RateLimited) {
            response.headers.push(("retry-after", "1".into()));
        }
        response
    }

    pub fn validation(msg: impl Into<String>) -> Self {
        ApiError::Validation(msg.into())
    }
}

pub fn problem(status: u16, code: &str, title: &str, detail: &str) -> Problem {
    Problem {
        // A URN, not a URL: there is no documentation site to dereference.
        type_: format!("urn:latchkey:problem:{code}"),
        title: title.into(),
        status,
        detail: detail.into(),
        code: code.into(),
        required_scope: None,
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        ApiError::Validation(e.to_string())
    }
}

impl From<Denial> for ApiError {
    fn from(d: Denial) -> Self {
        match d {
            Denial::Forbidden(why) => ApiError::Forbidden(why.into()),
            Denial::NotFound => ApiError::NotFound,
            Denial::Conflict(why) => ApiError::Conflict(why.into()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => ApiError::Conflict(format!("{what} already exists")),
            StoreError::NotFound => ApiError::NotFound,
            StoreError::LastOwner => ApiError::Conflict(
                "the organization must keep at least one OWNER user who holds a live CLI token".into(),
            ),
            StoreError::Denied(denial) => denial.into(),
            StoreError::Contention => ApiError::Conflict("a concurrent change won; retry the request".into()),
            StoreError::InvalidPosition => ApiError::Validation("cursor is not valid for this list".into()),
            failure @ (StoreError::Unavailable { .. } | StoreError::Internal { .. }) => ApiError::Store(failure),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error;

    #[test]
    fn a_store_failure_keeps_the_store_error_as_its_source_and_shows_none_of_it() {
        let cause = || std::io::Error::other("connection refused by dynamodb.internal:8000");
        let cases = [
            (StoreError::unavailable_from("GetItem: ThrottlingException", cause()), 503, "unavailable"),
            (StoreError::internal_from("corrupt principal item", cause()), 500, "internal"),
        ];
        for (store_error, status, code) in cases {
            let error = ApiError::from(store_error);
            assert_eq!((error.status(), error.code()), (status, code));
            let source = error.source().expect("the store error");
            assert!(source.downcast_ref::<StoreError>().is_some(), "{source:?}");
            assert!(source.source().is_some_and(|io| io.to_string().contains("connection refused")));
            let shown = serde_json::to_string(&error.problem()).unwrap();
            for hidden in ["GetItem", "Throttling", "corrupt", "connection refused", "8000"] {
                assert!(!shown.contains(hidden), "{shown}");
            }
            let retry_after = error.into_response().headers.iter().any(|(name, _)| *name == "retry-after");
            assert_eq!(retry_after, status == 503);
        }
    }
}

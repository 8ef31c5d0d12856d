//! The HTTP layer's own refusals, problem+json like every other answer (SPEC section 7:
//! one error format, even from the HTTP layer).
//!
//! SPEC's codes are fixed, and none names a malformed request, a too long URL or too
//! large headers: those are `validation_failed` with their own status (400, 414, 431; 408
//! for a body that does not arrive in time). A body over the limit is `payload_too_large`.

use latchkey::api::problem::problem;
use latchkey::api::{ApiError, ApiResponse};

fn refusal(status: u16, detail: &str) -> ApiResponse {
    let code = if status >= 500 { "internal" } else { "validation_failed" };
    // A 400 reads like the handlers' 400s; other statuses by their reason phrase.
    let title = match status {
        400 => ApiError::validation(String::new()).title(),
        _ => http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Invalid request"),
    };
    ApiResponse::problem(&problem(status, code, title, detail))
}

pub(super) fn malformed() -> ApiResponse {
    refusal(400, "the request is not well-formed HTTP/1.1")
}

pub(super) fn bad_forwarded_for(detail: &str) -> ApiResponse {
    refusal(400, detail)
}

pub(super) fn uri_too_long() -> ApiResponse {
    refusal(414, "the request target (path and query) is longer than this server accepts")
}

pub(super) fn headers_too_large() -> ApiResponse {
    refusal(431, "the request's header fields are larger than this server accepts")
}

pub(super) fn body_too_slow() -> ApiResponse {
    refusal(408, "the request body did not arrive in time")
}

pub(super) fn body_malformed() -> ApiResponse {
    refusal(400, "the request body is not well-formed (chunked encoding or length)")
}

pub(super) fn payload_too_large() -> ApiResponse {
    ApiError::PayloadTooLarge.into_response()
}

/// Our answer in place of the HTTP library's own bare answer of `status` (hyper answers
/// its parse errors itself: 400, 414 or 431).
pub(super) fn instead_of_library(status: u16) -> ApiResponse {
    match status {
        400 => malformed(),
        414 => uri_too_long(),
        431 => headers_too_large(),
        other => refusal(other, "the request was refused"),
    }
}

/// `response` as HTTP/1.1 bytes, the connection closing after it.
pub(super) fn to_wire(response: &ApiResponse) -> Vec<u8> {
    let reason = http::StatusCode::from_u16(response.status).ok().and_then(|s| s.canonical_reason()).unwrap_or("");
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", response.status);
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n", response.body.len()));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&response.body);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_answers_become_problems_with_their_status() {
        for (status, code) in [(400, "validation_failed"), (414, "validation_failed"), (431, "validation_failed")] {
            let r = instead_of_library(status);
            assert_eq!(r.status, status);
            assert_eq!(r.header("content-type"), Some("application/problem+json"));
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!((v["code"].as_str(), v["status"].as_u64()), (Some(code), Some(u64::from(status))));
            assert_eq!(v["type"], format!("urn:latchkey:problem:{code}"));
        }
    }

    #[test]
    fn wire_form_has_a_length_and_closes() {
        let bytes = to_wire(&uri_too_long());
        let text = String::from_utf8(bytes).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{head}");
        assert!(head.contains(&format!("content-length: {}", body.len())), "{head}");
        assert!(head.contains("connection: close"), "{head}");
    }
}

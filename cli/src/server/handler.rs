//! One request through `latchkey serve`: the sizes of its head measured, then the
//! gateway's admission (route and caller, from the head alone), and only then its body,
//! bounded in size and time, and the handler.

use super::ServerLimits;
use super::problem_io::Replies;
use super::problems;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Body, Bytes, Incoming};
use hyper::{Method, Request, Response};
use latchkey::api::{ApiError, ApiResponse, SignatureHeaders};
use latchkey::gateway::{LocalGateway, RequestHead};
use std::sync::Arc;

#[derive(Clone)]
pub(super) struct Handler {
    pub(super) gateway: Arc<LocalGateway>,
    pub(super) limits: Arc<ServerLimits>,
    /// This connection's replies, for the layer that tells them from hyper's own.
    pub(super) replies: Arc<Replies>,
    /// The connection's peer: the request's source IP in audit events.
    pub(super) peer: std::net::SocketAddr,
}

/// An answer, and whether the connection closes after it (when part of the body stays
/// unread, or its framing is broken).
struct Answer {
    response: ApiResponse,
    close: bool,
}

impl From<ApiResponse> for Answer {
    fn from(response: ApiResponse) -> Self {
        Self { response, close: false }
    }
}

fn closing(response: ApiResponse) -> Answer {
    Answer { response, close: true }
}

impl Handler {
    pub(super) async fn handle(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let head_request = request.method() == Method::HEAD;
        let response = to_hyper(self.answer(request).await);
        let status = response.status().as_u16();
        // What hyper will write of the body: nothing for HEAD, 204 and 304.
        let body_on_wire = match head_request || status == 204 || status == 304 {
            true => 0,
            false => response.body().size_hint().lower(),
        };
        self.replies.expect(body_on_wire);
        response
    }

    async fn answer(&self, request: Request<Incoming>) -> Answer {
        let (parts, body) = request.into_parts();
        if target_len(&parts.uri) > self.limits.max_uri_bytes {
            return closing(problems::uri_too_long());
        }
        let header_bytes: usize = parts.headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
        if header_bytes > self.limits.max_header_bytes {
            return closing(problems::headers_too_large());
        }
        let source_ip = match super::forwarded::source_ip(self.limits.trust_forwarded_for, self.peer, &parts.headers) {
            Ok(ip) => ip.to_string(),
            Err(detail) => return problems::bad_forwarded_for(&detail).into(),
        };
        let head = RequestHead {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query(),
            authorization: parts.headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()),
            request_id: uuid::Uuid::new_v4().to_string(),
            source_ip: Some(source_ip),
            user_agent: parts.headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()),
            signature_headers: SignatureHeaders::from_headers(|name| {
                parts.headers.get(name).and_then(|v| v.to_str().ok())
            }),
        };
        let admitted = match self.gateway.admit(head).await {
            Ok(admitted) => admitted,
            Err(refusal) => return refusal.into(),
        };
        // Announced too large (`content-length`): refused before reading any of it.
        let limit = admitted.max_body_bytes();
        if body.size_hint().lower() > limit as u64 {
            return closing(problems::payload_too_large());
        }
        let read = Limited::new(body, limit).collect();
        let body = match tokio::time::timeout(self.limits.body_read_timeout, read).await {
            Ok(Ok(collected)) => collected.to_bytes().to_vec(),
            Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
                return closing(problems::payload_too_large());
            }
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "request body unreadable");
                return closing(problems::body_malformed());
            }
            Err(_elapsed) => return closing(problems::body_too_slow()),
        };
        self.gateway.run(admitted, body).await.into()
    }
}

/// The request target's length as sent: path and query, and scheme and authority when
/// the client sent the absolute form.
fn target_len(uri: &http::Uri) -> usize {
    let scheme = uri.scheme_str().map_or(0, |s| s.len() + 3);
    let authority = uri.authority().map_or(0, |a| a.as_str().len());
    scheme + authority + uri.path_and_query().map_or(0, |pq| pq.as_str().len())
}

fn to_hyper(answer: Answer) -> Response<Full<Bytes>> {
    let status = answer.response.status;
    build(answer.response, answer.close).unwrap_or_else(|e| {
        tracing::error!(error = %e, status, "reply not representable in HTTP");
        build(ApiError::Internal(String::new()).into_response(), true)
            .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
    })
}

fn build(response: ApiResponse, close: bool) -> Result<Response<Full<Bytes>>, http::Error> {
    let mut builder = Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(*name, value.as_str());
    }
    if close {
        builder = builder.header(http::header::CONNECTION, "close");
    }
    builder.body(Full::new(Bytes::from(response.body)))
}

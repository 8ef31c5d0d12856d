//! The gateway's HTTP/1.1 listener (hyper): each request read whole (up to API Gateway's
//! 10 MB payload limit; the functions keep the API's own 64 KiB rule), handed to
//! [`super::flow`], and its [`Reply`] written back. Headers that would change the framing
//! of the answer (`Connection`, `Content-Length`, `Transfer-Encoding`) are renamed
//! `x-amzn-Remapped-<name>` when a function sends them, as API Gateway does.

use super::Gateway;
use super::events::Incoming;
use super::flow;
use super::responses::{Reply, ResponseType};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Bytes;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// API Gateway's payload limit.
const MAX_PAYLOAD_BYTES: usize = 10 * 1024 * 1024;
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
const REMAPPED: [&str; 3] = ["connection", "content-length", "transfer-encoding"];

/// Serves until `shutdown` resolves; open connections finish on their own.
pub async fn serve(
    listener: TcpListener,
    gateway: Arc<Gateway>,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> std::io::Result<()> {
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let gateway = Arc::clone(&gateway);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let gateway = Arc::clone(&gateway);
                async move { Ok::<_, Infallible>(respond(&gateway, request, peer).await) }
            });
            let served = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(error) = served {
                tracing::debug!(%error, "connection closed");
            }
        });
    }
}

async fn respond(
    gateway: &Gateway,
    request: hyper::Request<hyper::body::Incoming>,
    peer: SocketAddr,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_PAYLOAD_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            return to_http(gateway.responses.answer(ResponseType::RequestTooLarge));
        }
        Err(_) => return to_http(gateway.responses.answer(ResponseType::BadRequestBody)),
    };
    let query =
        parts.uri.query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    let mut headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    headers.push(("x-forwarded-for".into(), peer.ip().to_string()));
    headers.push(("x-forwarded-proto".into(), "http".into()));
    let incoming = Incoming {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query,
        headers,
        body: body.to_vec(),
        source_ip: peer.ip().to_string(),
        request_id: uuid::Uuid::new_v4().to_string(),
        received_at: chrono::Utc::now(),
    };
    to_http(flow::handle(gateway, incoming).await)
}

fn to_http(reply: Reply) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = hyper::StatusCode::from_u16(reply.status).unwrap_or(hyper::StatusCode::BAD_GATEWAY);
    let headers = response.headers_mut();
    for (name, value) in reply.headers {
        let name = if REMAPPED.contains(&name.to_ascii_lowercase().as_str()) {
            format!("x-amzn-Remapped-{name}")
        } else {
            name
        };
        match (hyper::header::HeaderName::try_from(name.as_str()), hyper::header::HeaderValue::try_from(value)) {
            (Ok(name), Ok(value)) => {
                headers.append(name, value);
            }
            _ => tracing::warn!(header = %name, "a header that HTTP cannot carry was dropped"),
        }
    }
    response
}

//! `latchkey serve`: every route of the route table on one listener, behind the same
//! authorizer code the Lambda authorizer runs ([`LocalGateway`]).

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use latchkey::api::{ApiError, ApiResponse, MAX_BODY_BYTES};
use latchkey::gateway::{LocalGateway, RawRequest};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

pub fn router(gateway: Arc<LocalGateway>) -> Router {
    Router::new().fallback(handle).with_state(gateway)
}

/// Binds `listen` and serves until the future is dropped or `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    gateway: Arc<LocalGateway>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(gateway)).with_graceful_shutdown(shutdown).await
}

pub async fn bind(listen: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(listen).await
}

async fn handle(State(gateway): State<Arc<LocalGateway>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let request_id = uuid::Uuid::new_v4().to_string();
    // One byte over the limit is enough to know it is too large.
    let body = match to_bytes(body, MAX_BODY_BYTES + 1).await {
        Ok(b) if b.len() <= MAX_BODY_BYTES => b.to_vec(),
        Ok(_) => return to_response(ApiError::PayloadTooLarge.into_response()),
        Err(_) => return to_response(ApiError::PayloadTooLarge.into_response()),
    };
    let authorization = parts.headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let response = gateway
        .handle(RawRequest {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query(),
            authorization,
            body,
            request_id,
        })
        .await;
    to_response(response)
}

fn to_response(response: ApiResponse) -> Response {
    let mut builder = Response::builder().status(response.status);
    for (name, value) in response.headers {
        builder = builder.header(name, value);
    }
    builder.body(Body::from(response.body)).unwrap_or_else(|_| Response::new(Body::empty()))
}

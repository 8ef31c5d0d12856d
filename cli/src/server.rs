//! `latchkey serve`: every route of the route table on one listener, behind the same
//! authorizer code the Lambda authorizer runs ([`LocalGateway`]).
//!
//! HTTP/1.1 by hyper, one task per connection, at most `max_connections` at once. Each
//! request's head is measured and admitted (route and caller) before its body is read
//! (`handler`); every refusal, hyper's own included (`problem_io`), is problem+json; slow
//! heads (hyper's header timer), slow bodies (`handler`) and idle connections (`idle`)
//! are cut off. The sizes and times are [`ServerLimits`].

mod forwarded;
mod handler;
mod idle;
mod limits;
mod problem_io;
mod problems;

pub use limits::ServerLimits;

use handler::Handler;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use idle::IdleTimeout;
use latchkey::gateway::LocalGateway;
use problem_io::{ProblemIo, Replies};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

/// hyper's own limit on a request target; a longer one it answers 414 itself.
const HYPER_MAX_URI_BYTES: usize = 65534;

/// Serves with the default [`ServerLimits`] until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    gateway: Arc<LocalGateway>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_limits(listener, gateway, ServerLimits::default(), shutdown).await
}

/// Serves until `shutdown` resolves: then stops accepting, lets each open connection
/// finish the request it is on, and returns once all are closed.
pub async fn serve_with_limits(
    listener: TcpListener,
    gateway: Arc<LocalGateway>,
    limits: ServerLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let cap = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
    let limits = Arc::new(limits);
    let slots = Arc::new(Semaphore::new(cap));
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        // A slot first, then accept: connections over the cap wait in the listen backlog.
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = Arc::clone(&slots).acquire_owned() => slot.map_err(std::io::Error::other)?,
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => (stream, peer),
                Err(e) => {
                    // Out of file descriptors, a connection reset before accept: not fatal.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve_connection(stream, peer, Arc::clone(&gateway), Arc::clone(&limits), stopping.clone(), slot));
    }
    drop(listener);
    let _ = stop.send(true);
    // Every slot back: every connection closed.
    let _all = slots.acquire_many(cap as u32).await.map_err(std::io::Error::other)?;
    Ok(())
}

pub async fn bind(listen: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(listen).await
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    gateway: Arc<LocalGateway>,
    limits: Arc<ServerLimits>,
    mut stopping: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let replies = Arc::new(Replies::default());
    let io = ProblemIo::new(IdleTimeout::new(stream, limits.idle_timeout), Arc::clone(&replies));
    let handler = Handler { gateway, limits: Arc::clone(&limits), replies, peer };
    let service = service_fn(move |request| {
        let handler = handler.clone();
        async move { Ok::<_, Infallible>(handler.handle(request).await) }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        // A ceiling on the whole head, above our own limits (measured in `handler`, which
        // answers 414 and 431 itself) and above hyper's own URI limit, so a target up to
        // that is 414, not 431; over it, hyper answers 431 (made problem+json).
        .max_header_size(HYPER_MAX_URI_BYTES.max(limits.max_uri_bytes) + limits.max_header_bytes + 1024)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);
    let stop = async move {
        // Err: the server is gone, which is a stop too.
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = stop => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = result {
        // A client's malformed head, a timeout, a reset: the connection's end, not ours.
        tracing::debug!(error = %e, "connection closed");
    }
}

//! How much and how long `latchkey serve` waits for a client: sizes, timeouts and the
//! connection cap, with defaults fit for a local server. Tests shrink them.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLimits {
    /// The longest request target (path and query) served; a longer one is 414.
    pub max_uri_bytes: usize,
    /// The largest header section (every field line, the request line not counted); a
    /// larger one is 431.
    pub max_header_bytes: usize,
    /// From the moment a connection waits for a request head until the head is complete.
    /// hyper's timer: it runs while a keep-alive connection waits for its next request
    /// too, so an idle connection is closed after the shorter of this and `idle_timeout`.
    /// A client that has not sent a whole head by then is disconnected (no response).
    pub header_read_timeout: Duration,
    /// From the end of the head until the whole body has arrived; a slower body is 408.
    pub body_read_timeout: Duration,
    /// A connection on which no byte moves either way for this long is closed: an idle
    /// keep-alive connection, a client that stops sending its body or stops reading our
    /// response.
    pub idle_timeout: Duration,
    /// Connections served at once. Excess connections wait, unaccepted, in the listen
    /// backlog until one of these closes (the kernel refuses them once the backlog is
    /// full).
    pub max_connections: usize,
    /// `--trust-forwarded-for`: the source IP is the rightmost `X-Forwarded-For` entry
    /// (`forwarded.rs`); off, the connection's peer.
    pub trust_forwarded_for: bool,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_uri_bytes: 8 * 1024,
            max_header_bytes: 16 * 1024,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 512,
            trust_forwarded_for: false,
        }
    }
}

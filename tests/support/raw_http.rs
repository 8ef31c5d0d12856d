//! HTTP/1.1 spoken by hand over a TCP stream, for tests of the HTTP layer itself: bytes no
//! HTTP client would send (garbage, bad chunking, huge heads, a head sent byte by byte),
//! and connections held open or left idle on purpose.

use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response read off the wire.
#[derive(Debug)]
pub struct RawReply {
    pub status: u16,
    /// Names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// Asserts a problem+json of `status` with `code` and a `urn:latchkey:problem:` type.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        let text = String::from_utf8_lossy(&self.body);
        assert_eq!(self.status, status, "expected {status} {code}, got {} {:?} {text}", self.status, self.headers);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "{:?} {text}", self.headers);
        let v = self.json();
        assert_eq!(v["code"], code, "{text}");
        assert_eq!(v["status"], status, "{text}");
        assert_eq!(v["type"], format!("urn:latchkey:problem:{code}"), "{text}");
        for field in ["title", "detail"] {
            assert!(v[field].is_string(), "problem lacks {field}: {text}");
        }
    }
}

/// Why no reply was read.
#[derive(Debug, PartialEq, Eq)]
pub enum NoReply {
    /// The server closed the connection (EOF or reset) before a whole reply.
    Closed,
    /// Nothing (or not enough) arrived in time; the connection is still open.
    TimedOut,
}

/// A client connection that keeps what it read past one reply (pipelined replies).
pub struct Conn {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> Conn {
        Conn { stream: TcpStream::connect(addr).await.expect("connect to the local server"), buf: Vec::new() }
    }

    /// Writes `bytes`; false when the server has closed (or reset) the connection.
    pub async fn send(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).await.is_ok()
    }

    /// Reads one reply (head, then a `content-length` body, or the rest of the stream
    /// when it has neither length nor a status without body) within `within`.
    pub async fn reply(&mut self, within: Duration) -> Result<RawReply, NoReply> {
        self.timed(within, false).await
    }

    /// Reads the reply to a HEAD request: a head, whatever length it announces.
    pub async fn head_reply(&mut self, within: Duration) -> Result<RawReply, NoReply> {
        self.timed(within, true).await
    }

    /// Whether the server closes the connection within `within`, anything it sends
    /// meanwhile being read and dropped.
    pub async fn closed_within(&mut self, within: Duration) -> bool {
        let wait = async {
            let mut chunk = [0u8; 4096];
            loop {
                match self.stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(within, wait).await.is_ok()
    }

    async fn timed(&mut self, within: Duration, head_only: bool) -> Result<RawReply, NoReply> {
        match tokio::time::timeout(within, self.read_one(head_only)).await {
            Ok(r) => r,
            Err(_) => Err(NoReply::TimedOut),
        }
    }

    /// Reads more bytes into the buffer; false at EOF or on an error.
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 8192];
        match self.stream.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    async fn read_one(&mut self, head_only: bool) -> Result<RawReply, NoReply> {
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if !self.fill().await {
                return Err(NoReply::Closed);
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        self.buf.drain(..head_end);
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status code");
        let headers: Vec<(String, String)> = lines
            .filter(|l| !l.is_empty())
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let length = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse::<usize>().ok());
        let bodyless = head_only || status == 204 || status == 304 || (100..200).contains(&status);
        let body = match length {
            _ if bodyless => Vec::new(),
            Some(n) => {
                while self.buf.len() < n {
                    if !self.fill().await {
                        return Err(NoReply::Closed);
                    }
                }
                self.buf.drain(..n).collect()
            }
            None => {
                while self.fill().await {}
                std::mem::take(&mut self.buf)
            }
        };
        Ok(RawReply { status, headers, body })
    }
}

/// Writes `request` on a new connection (a write error, the server having closed first, is
/// ignored: the reply may already be on its way) and reads one reply.
pub async fn exchange(addr: SocketAddr, request: &[u8]) -> Result<RawReply, NoReply> {
    let mut conn = Conn::open(addr).await;
    let _ = conn.send(request).await;
    conn.reply(Duration::from_secs(10)).await
}

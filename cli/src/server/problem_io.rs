//! hyper's own answers, made problem+json.
//!
//! hyper answers a request head it cannot parse (a malformed request line or header, a
//! bad `content-length` or `transfer-encoding`, a head over its size or field-count
//! limit, a target over its 64 KiB limit) by itself, with a bare 400, 431 or 414, and
//! offers no hook to shape that answer. So the connection's output goes through this
//! wrapper, which follows it reply by reply and replaces such a bare answer with ours.
//!
//! How it tells hyper's answers from the service's: the service records, in order, the
//! body length hyper will write for each reply it hands over ([`Replies`]); hyper writes
//! replies in that order (HTTP/1.1 answers requests one at a time, in order), each a head
//! then exactly that many body bytes. A head for which no reply was recorded is hyper's
//! own answer: hyper writes one only when no reply is outstanding (its state `Writing::
//! Init`), and closes the connection right after it. Interim `1xx` heads (`100 Continue`)
//! carry no body and are never an error answer. Output this cannot follow (a head over 64
//! KiB, a flush in the middle of a head, a status line it cannot read: none of which hyper
//! writes) is passed through untouched from then on: the worst case is hyper's bare
//! answer, never a corrupted stream.

use super::problems;
use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The body length on the wire of each reply the service handed hyper, oldest first.
#[derive(Default)]
pub(super) struct Replies(Mutex<VecDeque<u64>>);

impl Replies {
    /// Called by the service just before it hands hyper a reply with `body_bytes` on the
    /// wire (0 for HEAD, 204 and 304).
    pub(super) fn expect(&self, body_bytes: u64) {
        self.lock().push_back(body_bytes);
    }

    fn next(&self) -> Option<u64> {
        self.lock().pop_front()
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<u64>> {
        // A panic elsewhere cannot leave the queue half-updated: push and pop are single
        // calls. Keep using it.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Larger than any head hyper writes for us.
const MAX_HEAD: usize = 64 * 1024;

enum Output {
    /// Collecting a reply's head, up to its empty line.
    Head(Vec<u8>),
    /// Passing this many body bytes through.
    Body(u64),
    /// hyper's own answer was replaced with ours; nothing more goes out.
    Replaced,
    /// Output this wrapper cannot follow: passed through untouched.
    Passthrough,
}

pub(super) struct ProblemIo<T> {
    inner: T,
    replies: Arc<Replies>,
    output: Output,
    /// Bytes taken from hyper, not yet written to `inner` (from `written` on).
    pending: Vec<u8>,
    written: usize,
}

impl<T> ProblemIo<T> {
    pub(super) fn new(inner: T, replies: Arc<Replies>) -> Self {
        Self { inner, replies, output: Output::Head(Vec::new()), pending: Vec::new(), written: 0 }
    }

    /// What follows `head`, a complete reply head; queues what goes out for it.
    fn after_head(&mut self, head: Vec<u8>) -> Output {
        let Some(status) = status_of(&head) else {
            self.pending.extend_from_slice(&head);
            return Output::Passthrough;
        };
        if (100..200).contains(&status) {
            self.pending.extend_from_slice(&head);
            return Output::Head(Vec::new());
        }
        match self.replies.next() {
            Some(body_bytes) => {
                self.pending.extend_from_slice(&head);
                Output::Body(body_bytes)
            }
            None => {
                tracing::debug!(status, "answering for the HTTP library with a problem");
                self.pending.extend_from_slice(&problems::to_wire(&problems::instead_of_library(status)));
                Output::Replaced
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> ProblemIo<T> {
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }

    /// A flush in the middle of a head: nothing to decide on, so stop following.
    fn give_up_on_partial_head(&mut self) {
        if let Output::Head(head) = &mut self.output
            && !head.is_empty()
        {
            let head = std::mem::take(head);
            self.pending.extend_from_slice(&head);
            self.output = Output::Passthrough;
        }
    }
}

/// The status code of `HTTP/1.x NNN ...`.
fn status_of(head: &[u8]) -> Option<u16> {
    let rest = head.strip_prefix(b"HTTP/1.")?;
    let code = rest.get(2..5).filter(|_| rest.get(1) == Some(&b' '))?;
    std::str::from_utf8(code).ok()?.parse().ok()
}

impl<T: AsyncRead + Unpin> AsyncRead for ProblemIo<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemIo<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        loop {
            match &mut this.output {
                Output::Passthrough => return Pin::new(&mut this.inner).poll_write(cx, buf),
                Output::Replaced => return Poll::Ready(Ok(buf.len())),
                Output::Body(0) => this.output = Output::Head(Vec::new()),
                Output::Body(remaining) => {
                    let take = buf.len().min(usize::try_from(*remaining).unwrap_or(usize::MAX));
                    let n = ready!(Pin::new(&mut this.inner).poll_write(cx, &buf[..take]))?;
                    *remaining -= n as u64;
                    return Poll::Ready(Ok(n));
                }
                Output::Head(head) => {
                    let searched = head.len().saturating_sub(3);
                    head.extend_from_slice(buf);
                    let Some(end) = head[searched..].windows(4).position(|w| w == b"\r\n\r\n") else {
                        if head.len() > MAX_HEAD {
                            let head = std::mem::take(head);
                            this.pending.extend_from_slice(&head);
                            this.output = Output::Passthrough;
                        }
                        return Poll::Ready(Ok(buf.len()));
                    };
                    let end = searched + end + 4;
                    let taken = buf.len() - (head.len() - end);
                    head.truncate(end);
                    let head = std::mem::take(head);
                    this.output = this.after_head(head);
                    // Start writing now; what does not go out yet goes on the next write
                    // or flush (the waker is registered either way).
                    if let Poll::Ready(Err(e)) = this.poll_drain(cx) {
                        return Poll::Ready(Err(e));
                    }
                    return Poll::Ready(Ok(taken));
                }
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.give_up_on_partial_head();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.give_up_on_partial_head();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn through(replies: &[u64], writes: &[&[u8]]) -> String {
        let (ours, mut theirs) = tokio::io::duplex(1 << 20);
        let queue = Arc::new(Replies::default());
        for r in replies {
            queue.expect(*r);
        }
        let mut io = ProblemIo::new(ours, queue);
        for w in writes {
            io.write_all(w).await.unwrap();
        }
        io.shutdown().await.unwrap();
        drop(io);
        let mut out = String::new();
        theirs.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn recorded_replies_pass_untouched_in_any_split() {
        let stream = "HTTP/1.1 200 OK\r\ncontent-length: 20\r\n\r\nHTTP/1.1 400 Bad Req\
                      HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\n{}";
        for split in 0..stream.len() {
            let (a, b) = stream.as_bytes().split_at(split);
            assert_eq!(through(&[20, 2], &[a, b]).await, stream, "split at {split}");
        }
    }

    #[tokio::test]
    async fn an_unrecorded_head_is_replaced_with_a_problem() {
        let out = through(&[2], &[b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"]).await;
        let (first, second) = out.split_at("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}".len());
        assert!(first.ends_with("{}"));
        assert!(second.starts_with("HTTP/1.1 431 "), "{second}");
        assert!(second.contains("application/problem+json"), "{second}");
        assert!(second.contains("urn:latchkey:problem:validation_failed"), "{second}");
    }

    #[tokio::test]
    async fn interim_and_bodyless_heads_need_no_body() {
        // 100 Continue, then a HEAD reply announcing a length it does not send, then
        // hyper's own 400.
        let out = through(
            &[0],
            &[b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\ncontent-length: 99\r\n\r\nHTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n"],
        )
        .await;
        assert!(out.starts_with(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\ncontent-length: 99\r\n\r\nHTTP/1.1 400 "
        ));
        assert!(out.contains("application/problem+json"), "{out}");
    }
}

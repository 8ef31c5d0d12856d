//! The one error type of the SDK.

use latchkey_wire::Problem;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The API answered with an error status; `problem` is its RFC 9457 body (boxed: it is
    /// the largest variant by far, and every `Result` of the SDK carries this type).
    #[error("{}: {} (HTTP {status})", problem.title, problem.detail)]
    Api { status: u16, problem: Box<Problem> },
    /// No answer: connection refused, DNS, TLS, or a timeout.
    #[error("cannot reach the latchkey API: {0}")]
    Unreachable(String),
    /// A 2xx answer whose body is not what the API documents.
    #[error("invalid response from the latchkey API: {0}")]
    InvalidResponse(String),
    /// No token in `LATCHKEY_CLI_TOKEN` nor in the credentials file.
    #[error("no credentials: run `latchkey login` or set LATCHKEY_CLI_TOKEN")]
    NoCredentials,
    /// The credentials file can be read by group or others; it is not read.
    #[error("credentials file {} is accessible by other users; run `chmod 600 {}`", .0.display(), .0.display())]
    CredentialsFileTooOpen(PathBuf),
    /// The credentials file cannot be read, parsed or written.
    #[error("credentials file {}: {reason}", path.display())]
    CredentialsFile { path: PathBuf, reason: String },
    /// The client cannot be built as asked (a bad URL, no HOME).
    #[error("{0}")]
    InvalidConfig(String),
}

impl Error {
    /// The HTTP status of an API error, if this is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The problem details of an API error, if this is one.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Error::Api { problem, .. } => Some(problem),
            _ => None,
        }
    }

    /// reqwest's message names the URL; its sources say why (refused, timed out), so keep
    /// the whole chain. Request URLs never carry a token (only the header does).
    pub(crate) fn unreachable(base_url: &str, error: &reqwest::Error) -> Self {
        let mut message = if error.is_timeout() { format!("{base_url}: timed out") } else { base_url.to_string() };
        let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Error::Unreachable(message)
    }
}

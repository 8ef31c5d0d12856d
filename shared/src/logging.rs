//! Structured JSON logs via `tracing`. Tokens never reach a log line: they live only in
//! [`crate::credential::Token`], whose `Debug` is redacted, handlers log ids, never bodies,
//! and the dependencies that log raw events, requests or bodies are capped ([`CAPS`]).

use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The most each of these crates may log, whatever `RUST_LOG` says: one level above the
/// level at which it logs raw events, requests, headers or bodies (a caller's token, a
/// request body or a stored field holding one). A target matches by prefix, so
/// `aws_smithy_runtime` also covers `aws_smithy_runtime_api`.
///
/// - `lambda_runtime`: `layers::api_response` logs every raw invocation event at TRACE
///   ("raw JSON event received from Lambda"): the authorizer's event holds the caller's
///   `Authorization` header, a proxy event the same header and the request body.
/// - `aws_smithy_runtime`: the orchestrator logs every operation's output at TRACE
///   (`output_or_error`: the items read, with display names and descriptions, which hold
///   whatever a caller typed, and secret hashes), and with `LOG_SENSITIVE_BODIES=true` the
///   raw response bodies. (It redacts the `authorization` and `x-amz-security-token`
///   headers itself.)
/// - `aws_sigv4`: "signing request" logs the signable request at TRACE, its body too with
///   `LOG_SIGNABLE_BODY=true`.
/// - `aws_runtime`: configuration values read from the environment and chunked request data
///   at TRACE.
/// - `aws_config`: a credential process's command line "(unredacted)" at TRACE.
/// - `aws_smithy_http`: event-stream messages, signed and unsigned, at TRACE.
/// - `axum`: `axum::rejection` logs the rejection's body text (which can quote the input)
///   at TRACE when axum's `tracing` feature is on (off today; capped in case a dependency
///   turns it on).
///
/// Checked and left alone: `lambda_http` and `lambda_runtime_api_client` log nothing;
/// `hyper` logs only when built with `--cfg hyper_unstable_tracing` (it is not); `h2`'s
/// frame `Debug` leaves out header fields and data on purpose; `hyper-util` logs pool keys
/// (scheme and host); `tokio` logs only under `tokio_unstable`; crates that use the `log`
/// facade (rustls, hyper-rustls, mio) reach no subscriber, as no `log` bridge is installed.
pub const CAPS: [(&str, Level); 7] = [
    ("lambda_runtime", Level::DEBUG),
    ("aws_smithy_runtime", Level::DEBUG),
    ("aws_sigv4", Level::DEBUG),
    ("aws_runtime", Level::DEBUG),
    ("aws_config", Level::DEBUG),
    ("aws_smithy_http", Level::DEBUG),
    ("axum", Level::DEBUG),
];

/// The filter `RUST_LOG` asks for (default `info`).
///
/// `RUST_LOG` takes `level` or `target=level,...` directives (`Targets`). The regex-based
/// `EnvFilter` is not used: it made the authorizer binary about 1 MB larger for patterns
/// nobody sets on a Lambda function.
fn requested(rust_log: Option<&str>) -> Targets {
    rust_log.and_then(|v| v.parse::<Targets>().ok()).unwrap_or_else(|| Targets::new().with_default(Level::INFO))
}

/// [`CAPS`] as a filter: everything else passes. It is a second, separate filter, so an
/// event must pass both: a more specific directive in `RUST_LOG` (which would win inside
/// one `Targets`) cannot lift a cap.
fn caps() -> Targets {
    Targets::new().with_default(Level::TRACE).with_targets(CAPS)
}

/// Whether an event of `target` at `level` is written under `RUST_LOG` = `rust_log`.
pub fn would_log(rust_log: Option<&str>, target: &str, level: Level) -> bool {
    requested(rust_log).would_enable(target, &level) && caps().would_enable(target, &level)
}

/// An error and every error under it (`source()`), joined by `: `, for a log line or an
/// operator's message. Errors here name what failed and keep the cause as their source
/// (`StoreError`: an SDK or SQLite error), so a log shows the whole chain through this.
/// Hand-written rather than the SDK's `DisplayErrorContext`, which appends the error's
/// `Debug` form: for an SDK error that can be a raw response body, items included.
pub struct ErrorChain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(error) = source {
            write!(f, ": {error}")?;
            source = error.source();
        }
        Ok(())
    }
}

/// JSON logs to stderr at `RUST_LOG` (default `info`), under [`CAPS`]: Lambda sends both
/// streams to CloudWatch, and the `latchkey` command keeps stdout for its output (a token,
/// a table). Every function and `latchkey serve` start here.
pub fn init_json() {
    let rust_log = std::env::var("RUST_LOG").ok();
    let format = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = tracing_subscriber::registry().with(format).with(requested(rust_log.as_deref())).with(caps()).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW_EVENT_TARGET: &str = "lambda_runtime::layers::api_response";

    #[test]
    fn an_error_chain_shows_every_cause() {
        let io = std::io::Error::other("connection refused");
        let error = crate::store::StoreError::unavailable_from("GetItem", io);
        assert_eq!(ErrorChain(&error).to_string(), "store unavailable: GetItem: connection refused");
        assert_eq!(ErrorChain(&crate::store::StoreError::NotFound).to_string(), "not found");
    }
    const SDK_REQUEST_TARGET: &str = "aws_smithy_runtime::client::orchestrator";

    #[test]
    fn no_directive_lifts_a_cap() {
        for rust_log in [
            "trace",
            "lambda_runtime=trace",
            "lambda_runtime::layers::api_response=trace",
            "info,lambda_runtime::layers=trace,aws_smithy_runtime::client::orchestrator=trace",
            "off,aws_smithy_runtime=trace,lambda_runtime=trace",
        ] {
            for target in [RAW_EVENT_TARGET, SDK_REQUEST_TARGET, "aws_sigv4::http_request::sign", "axum::rejection"] {
                assert!(!would_log(Some(rust_log), target, Level::TRACE), "{rust_log}: {target} at TRACE");
            }
        }
        for (target, _) in CAPS {
            assert!(!would_log(Some(&format!("trace,{target}=trace")), target, Level::TRACE), "{target}");
        }
    }

    #[test]
    fn below_the_caps_rust_log_decides() {
        assert!(would_log(Some("trace"), "latchkey::auth", Level::TRACE));
        assert!(would_log(Some("trace"), "h2::codec", Level::TRACE));
        assert!(would_log(Some("trace"), RAW_EVENT_TARGET, Level::DEBUG));
        assert!(would_log(Some("aws_smithy_runtime=debug"), SDK_REQUEST_TARGET, Level::DEBUG));
        assert!(!would_log(Some("warn"), SDK_REQUEST_TARGET, Level::DEBUG));
        assert!(!would_log(Some("warn"), "latchkey::auth", Level::INFO));
        // Unset or unreadable: info.
        for rust_log in [None, Some("latchkey=loudly")] {
            assert!(would_log(rust_log, "latchkey::auth", Level::INFO));
            assert!(!would_log(rust_log, "latchkey::auth", Level::DEBUG));
        }
    }
}

//! Structured JSON logs via `tracing`. Tokens never reach a log line: they live only in
//! [`crate::credential::Token`], whose `Debug` is redacted, and handlers log ids, never bodies.

use tracing_subscriber::EnvFilter;

/// JSON logs to stderr at `RUST_LOG` (default `info`): Lambda sends both streams to
/// CloudWatch, and the `latchkey` command keeps stdout for its output (a token, a table).
pub fn init_json() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_current_span(false)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}

//! Structured JSON logs via `tracing`. Tokens never reach a log line: they live only in
//! [`crate::credential::Token`], whose `Debug` is redacted, and handlers log ids, never bodies.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// JSON logs to stderr at `RUST_LOG` (default `info`): Lambda sends both streams to
/// CloudWatch, and the `latchkey` command keeps stdout for its output (a token, a table).
///
/// `RUST_LOG` takes `level` or `target=level,...` directives (`Targets`). The regex-based
/// `EnvFilter` is not used: it made the authorizer binary about 1 MB larger for patterns
/// nobody sets on a Lambda function.
pub fn init_json() {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    let format = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = tracing_subscriber::registry().with(format).with(filter).try_init();
}

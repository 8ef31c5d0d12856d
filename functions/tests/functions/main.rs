//! The built function binaries as Lambda runs them (cargo builds them for this package's
//! tests: `CARGO_BIN_EXE_<name>`): real events under the Runtime API stand-in, no secret in
//! their logs at trace, and `latchkey gateway` driving them as API Gateway would.

mod events;
mod gateway;
mod lambda_logs;
mod runtime_api;

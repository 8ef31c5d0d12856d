//! The built `latchkey` binary as a child process (cargo builds it for this package's tests:
//! `CARGO_BIN_EXE_latchkey`): the seeds' flows through the client commands, crashes, a
//! bounded load, no secret in any log line or error body, and `latchkey scan`.

mod audit_replay;
mod cli_e2e;
mod crash;
mod load;
mod scan;
mod secrets;

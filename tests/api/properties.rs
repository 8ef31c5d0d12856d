//! Property-based tests: the credential parser, the value types (service-account names,
//! emails, lifespans), pagination cursors, and hostile JSON bodies and bytes sent to every
//! route that reads a body (through the local server on SQLite).
//!
//! Case counts default to small numbers fit for CI; `PROPTEST_CASES=N` overrides every one
//! of them (e.g. `PROPTEST_CASES=5000 cargo test -p latchkey-tests --test api properties`).

use latchkey::api::cursor;
use latchkey::credential::{Locator, TOKEN_LEN, Token, TokenFormatError};
use latchkey::domain::{
    CredentialId, CredentialKind, Email, LifespanDays, OrganizationId, PrincipalId, ServiceAccountName,
};
use latchkey_tests::app::{Reply, TestApp, spawn_app};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use uuid::Uuid;

/// `PROPTEST_CASES` when set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn config(default: u32) -> Config {
    Config { cases: cases(default), failure_persistence: None, ..Config::default() }
}

mod forged_cursors;
mod hostile_bodies;
mod tokens;
mod values;

//! latchkey: identities and credentials for an organization's API.
//!
//! The crate is layered; arrows point downwards only (see `ARCHITECTURE.md`):
//!
//! - [`lambda`]: API Gateway / Lambda adapters (the only place AWS event types live).
//! - [`api`]: the route table, one handler per route, validation, cursors, problem+json.
//! - [`auth`]: the authorizer's decision, token → principal.
//! - [`store`]: the store trait and its DynamoDB and SQLite implementations.
//! - [`domain`]: types, validation rules and the "who may do what" policy.
//! - [`credential`]: the token format, checksum and hashing.
//! - [`leaks`]: reports of leaked credentials (public, GitHub's secret scanning), pure.
//! - `events` (feature `events`): audit events to EventBridge.
//! - [`clock`]: time, so expiry is testable without waiting.

pub mod api;
pub mod auth;
pub mod clock;
pub mod config;
pub mod credential;
pub mod domain;
#[cfg(feature = "events")]
pub mod events;
pub mod gateway;
pub mod lambda;
pub mod leaks;
pub mod logging;
pub mod operator;
pub mod store;

//! The stores, one test binary: the conformance suite every store implementation passes
//! (with sweeps, owners, the drift checks and the stored-format golden tests), and the
//! DynamoDB table's raw TTL attribute.

mod conformance;
mod dynamodb_ttl;
mod grace_property;

//! Leaked credentials (SPEC section 12): what a report of leaked tokens may ask for, GitHub's
//! secret-scanning partner messages, and the pattern a scanner finds tokens by.
//!
//! Everything here is pure: no store, no HTTP. The two public endpoints read the bodies
//! through this module and then do the store work:
//!
//! - `POST /credentials/revoke`: [`LeakReport::parse_body`] (after the 256 KiB
//!   body check, [`report::MAX_BODY_BYTES`]); revoke what
//!   [`Candidates::tokens`] match; answer 202 `{"received": LeakReport::received}`.
//! - `POST /credentials/github-secret-scanning`: [`GithubKeys::verify`] (before anything
//!   is parsed) → [`github::VerifiedBody::parse`] → a [`GithubReport`]; revoke what
//!   [`GithubReport::candidates`] match, noting each match in [`MatchedTokens`]; answer
//!   with [`GithubReport::answer`].
//!
//! Every value here that holds a token has a redacted `Debug`.

pub mod github;
pub mod pattern;
pub mod report;

pub use github::{GithubKeys, GithubReport, KeyConfigError, MatchedTokens, SignatureError, TokenLabel};
pub use report::{Candidates, LeakReport};

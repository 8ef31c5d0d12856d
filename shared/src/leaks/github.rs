//! GitHub's secret-scanning partner messages (`POST /credentials/github-secret-scanning`,
//! SPEC section 12).
//!
//! GitHub finds a latchkey token in public code and sends `[{token, type, url, source}, ...]`
//! (extra fields accepted), signed (see [`keys`]). The flow, enforced by the types: the
//! signature first ([`GithubKeys::verify`] gives the only [`VerifiedBody`]), then the
//! body ([`VerifiedBody::parse`]), then the same candidates as a public report
//! ([`GithubReport::candidates`]: well-formed, distinct, ten per owner), and after the store
//! work GitHub's labelled answer ([`GithubReport::answer`]): `{token_hash, token_type, label}`
//! per match, the hash being the hex SHA-256 of the token. The plaintext is never echoed.

mod keys;

pub use keys::{GithubKeys, KEYS_ENV, KeyConfigError, SignatureError};

use super::report::{Candidates, body_shape_error};
use crate::credential::Token;
use crate::domain::DomainError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fmt;

/// The header naming the signing key (header names are case-insensitive).
pub const KEY_IDENTIFIER_HEADER: &str = "github-public-key-identifier";
/// The header holding the base64 DER signature of the raw body.
pub const SIGNATURE_HEADER: &str = "github-public-key-signature";

/// A body whose signature was checked; made only by [`GithubKeys::verify`]. Its `Debug`
/// shows the length only: the body holds tokens.
#[derive(Clone, Copy)]
pub struct VerifiedBody<'b> {
    body: &'b [u8],
}

impl fmt::Debug for VerifiedBody<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifiedBody({} bytes)", self.body.len())
    }
}

impl<'b> VerifiedBody<'b> {
    fn new(body: &'b [u8]) -> Self {
        Self { body }
    }

    /// GitHub's array of matches. A body that is not one is a validation error (GitHub
    /// signed it, so it is GitHub's to fix); its message never quotes the body.
    pub fn parse(self) -> Result<GithubReport, DomainError> {
        let matches: Vec<SecretMatch> = serde_json::from_slice(self.body)
            .map_err(|e| body_shape_error("body", "the body must be a JSON array of {\"token\", \"type\", ...}", &e))?;
        Ok(GithubReport { matches })
    }
}

/// One match GitHub found. Its `Debug` never shows the token.
#[derive(Clone, Deserialize)]
pub struct SecretMatch {
    token: String,
    #[serde(rename = "type")]
    token_type: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    source: Option<String>,
}

impl fmt::Debug for SecretMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretMatch")
            .field("token", &"<redacted>")
            .field("type", &self.token_type)
            .field("url", &self.url)
            .field("source", &self.source)
            .finish()
    }
}

impl SecretMatch {
    /// The secret type GitHub matched (ours, as registered: `latchkey_api_key`, ...).
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// Where GitHub found it (for the audit trail: never secret).
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// `content`, `commit`, `pull_request_description`, ... as GitHub says.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// The hex SHA-256 of the token as GitHub sent it: how GitHub recognises its match.
    pub fn token_hash(&self) -> String {
        hex::encode(Sha256::digest(self.token.as_bytes()))
    }
}

/// A verified, parsed message.
#[derive(Debug, Clone)]
pub struct GithubReport {
    matches: Vec<SecretMatch>,
}

impl GithubReport {
    pub fn matches(&self) -> &[SecretMatch] {
        &self.matches
    }

    /// The tokens to look up, by the rules of a public report (`report::Candidates`):
    /// look-alikes and repeats cost nothing, at most ten per owner.
    pub fn candidates(&self) -> Candidates {
        Candidates::from_entries(self.matches.iter().map(|m| m.token.as_str()))
    }

    /// GitHub's answer: one label per match, in order; `true_positive` when the match is a
    /// token that `matched` holds (a live or disabled credential it revoked), else
    /// `false_positive` (malformed, unknown, already revoked, or not looked at).
    pub fn answer(&self, matched: &MatchedTokens) -> Vec<TokenLabel> {
        self.matches
            .iter()
            .map(|m| {
                let hit = Token::parse(m.token.trim()).is_ok_and(|token| matched.contains(&token));
                TokenLabel {
                    token_hash: m.token_hash(),
                    token_type: m.token_type.clone(),
                    label: if hit { Label::TruePositive } else { Label::FalsePositive },
                }
            })
            .collect()
    }
}

/// The tokens of a message that matched a credential. Holds their hashes only.
#[derive(Default, Clone)]
pub struct MatchedTokens {
    hashes: HashSet<String>,
}

impl fmt::Debug for MatchedTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MatchedTokens({})", self.hashes.len())
    }
}

impl MatchedTokens {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, token: &Token) {
        self.hashes.insert(token.hash().as_hex().to_string());
    }

    pub fn contains(&self, token: &Token) -> bool {
        self.hashes.contains(token.hash().as_hex())
    }

    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }
}

/// One entry of GitHub's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenLabel {
    pub token_hash: String,
    pub token_type: String,
    pub label: Label,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    TruePositive,
    FalsePositive,
}

#[cfg(test)]
mod tests;

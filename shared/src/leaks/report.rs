//! A report of leaked credentials (`POST /credentials/revoke`, SPEC section 12), from anyone:
//! its limits, and which of its entries are worth a store read.
//!
//! Two steps, both pure:
//! 1. [`well_formed_distinct`]: an entry that is not a well-formed token (prefix, length,
//!    checksum) is counted and skipped, so garbage costs no store read; a token reported
//!    twice counts once.
//! 2. [`cap_per_owner`]: at most [`MAX_PER_OWNER`] tokens per owner id, in the order
//!    reported; the rest are dropped (not an error), so one report cannot hammer one
//!    owner's item.

use crate::credential::Token;
use crate::domain::{DomainError, PrincipalId};
use latchkey_wire::RevokeCredentialsRequest;
use std::collections::{HashMap, HashSet};

/// At most this many entries in one report.
pub const MAX_ENTRIES: usize = 1000;
/// At most this many characters in one entry (a token has 97).
pub const MAX_ENTRY_CHARS: usize = 256;
/// At most this many tokens of one owner are looked at per request.
pub const MAX_PER_OWNER: usize = 10;
/// The route's own body limit (others have 64 KiB): 1000 entries of 256 characters fit.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A report that passed the limits: how many entries it held and the tokens to look up.
#[derive(Debug)]
pub struct LeakReport {
    received: usize,
    candidates: Candidates,
}

impl LeakReport {
    /// Parses a request body `{"credentials": [string, ...]}` (nothing else) and applies
    /// the limits: 1–[`MAX_ENTRIES`] entries, each at most [`MAX_ENTRY_CHARS`] characters.
    /// The body's size ([`MAX_BODY_BYTES`], a 413) is the caller's to check first.
    pub fn parse_body(body: &[u8]) -> Result<Self, DomainError> {
        let request: RevokeCredentialsRequest = serde_json::from_slice(body)
            .map_err(|e| body_shape_error("credentials", r#"the body must be {"credentials": [string, ...]}"#, &e))?;
        Self::from_entries(&request.credentials)
    }

    /// The limits, then [`Candidates::from_entries`].
    pub fn from_entries<S: AsRef<str>>(entries: &[S]) -> Result<Self, DomainError> {
        if entries.is_empty() || entries.len() > MAX_ENTRIES {
            return Err(DomainError::invalid(
                "credentials",
                format!("must hold 1 to {MAX_ENTRIES} entries, not {}", entries.len()),
            ));
        }
        if let Some(position) = entries.iter().position(|e| e.as_ref().chars().count() > MAX_ENTRY_CHARS) {
            return Err(DomainError::invalid(
                "credentials",
                format!("entry {position} is longer than {MAX_ENTRY_CHARS} characters"),
            ));
        }
        let candidates = Candidates::from_entries(entries.iter().map(AsRef::as_ref));
        Ok(Self { received: entries.len(), candidates })
    }

    /// How many entries the report held: the `received` of the 202, whatever matched.
    pub fn received(&self) -> usize {
        self.received
    }

    pub fn candidates(&self) -> &Candidates {
        &self.candidates
    }

    pub fn into_candidates(self) -> Candidates {
        self.candidates
    }
}

/// The tokens of a report worth a store read: well-formed, distinct, at most
/// [`MAX_PER_OWNER`] per owner id, in the order reported; and what was left out, counted.
#[derive(Debug, Default)]
pub struct Candidates {
    tokens: Vec<Token>,
    malformed: usize,
    duplicates: usize,
    over_owner_cap: usize,
}

impl Candidates {
    /// [`well_formed_distinct`], then [`cap_per_owner`] with [`MAX_PER_OWNER`].
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = &'a str>) -> Self {
        let distinct = well_formed_distinct(entries);
        let (tokens, over_owner_cap) = cap_per_owner(distinct.tokens, MAX_PER_OWNER);
        Self { tokens, malformed: distinct.malformed, duplicates: distinct.duplicates, over_owner_cap }
    }

    /// The tokens to look up, each once.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    pub fn into_tokens(self) -> Vec<Token> {
        self.tokens
    }

    /// Entries that are not well-formed tokens (no store read).
    pub fn malformed(&self) -> usize {
        self.malformed
    }

    /// Repeats of a token already counted.
    pub fn duplicates(&self) -> usize {
        self.duplicates
    }

    /// Well-formed tokens dropped because their owner already had [`MAX_PER_OWNER`].
    pub fn over_owner_cap(&self) -> usize {
        self.over_owner_cap
    }
}

/// The well-formed tokens among some entries, each once, in the order first seen.
#[derive(Debug, Default)]
pub struct WellFormed {
    pub tokens: Vec<Token>,
    /// Entries that are not tokens (wrong prefix, length, alphabet or checksum).
    pub malformed: usize,
    /// Repeats of a token seen before.
    pub duplicates: usize,
}

/// Step 1: the format and checksum of each entry (surrounding whitespace ignored, as a
/// pasted line carries it), then duplicates once. No store, no allocation per malformed
/// entry.
pub fn well_formed_distinct<'a>(entries: impl IntoIterator<Item = &'a str>) -> WellFormed {
    let mut seen: HashSet<&'a str> = HashSet::new();
    let mut out = WellFormed::default();
    for entry in entries {
        let entry = entry.trim();
        match Token::parse(entry) {
            Err(_) => out.malformed += 1,
            Ok(_) if !seen.insert(entry) => out.duplicates += 1,
            Ok(token) => out.tokens.push(token),
        }
    }
    out
}

/// Step 2: keeps the first `per_owner` tokens of each owner id, in order; returns them and
/// how many were dropped.
pub fn cap_per_owner(tokens: Vec<Token>, per_owner: usize) -> (Vec<Token>, usize) {
    let mut per: HashMap<PrincipalId, usize> = HashMap::new();
    let mut dropped = 0;
    let kept = tokens
        .into_iter()
        .filter(|token| {
            let count = per.entry(token.locator().owner_id).or_default();
            if *count < per_owner {
                *count += 1;
                true
            } else {
                dropped += 1;
                false
            }
        })
        .collect();
    (kept, dropped)
}

/// A body that is not the expected JSON. serde's message can quote what the caller sent (a
/// credential where a list was expected), so only its kind and position are told.
pub(super) fn body_shape_error(field: &'static str, expected: &str, e: &serde_json::Error) -> DomainError {
    use serde_json::error::Category;
    let why = match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => "the body is not valid JSON",
        Category::Data => expected,
    };
    DomainError::invalid(field, format!("{why} (line {}, column {})", e.line(), e.column()))
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;

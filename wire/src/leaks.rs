//! The shapes of `POST /credentials/revoke` (SPEC section 12): a public report of leaked
//! credentials.

use serde::{Deserialize, Serialize};

/// `POST /credentials/revoke`: 1–1000 strings, each at most 256 characters. Its `Debug`
/// shows how many, never what: the entries are other people's credentials.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeCredentialsRequest {
    pub credentials: Vec<String>,
}

impl std::fmt::Debug for RevokeCredentialsRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevokeCredentialsRequest").field("credentials", &self.credentials.len()).finish()
    }
}

/// `POST /credentials/revoke` → 202, whatever matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeCredentialsReceipt {
    /// How many entries the request held.
    pub received: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_counts_the_entries_and_shows_none() {
        let request = RevokeCredentialsRequest { credentials: vec!["lks_secretvalue".into(), "x".into()] };
        let shown = format!("{request:?}");
        assert!(!shown.contains("secretvalue"), "{shown}");
        assert!(shown.contains('2'), "{shown}");
    }
}

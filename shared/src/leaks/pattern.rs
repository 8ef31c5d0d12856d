//! How a token is found in text: one regular expression per kind, and the name of each kind
//! in GitHub's secret-scanning partner program. `latchkey scan` compiles these, and
//! docs/secret-scanning.md shows them (a test checks that it shows exactly these).
//!
//! The pattern only finds candidates: the checksum ([`crate::credential::Token::parse`])
//! decides, so look-alikes are not reported.

use crate::credential::{PREFIX_LEN, TOKEN_LEN, TOKEN_LEN_V1};
use crate::domain::CredentialKind;

/// The regular expression (Rust `regex`, PCRE and Python `re` read it alike) matching a
/// token of `kind` in either format: the prefix, then 115 (v2) or 93 (v1) base62
/// characters, on word boundaries so a longer run of letters and digits is not cut into a
/// match.
pub fn regex(kind: CredentialKind) -> String {
    format!(
        r"\blk{}_(?:[0-9A-Za-z]{{{}}}|[0-9A-Za-z]{{{}}})\b",
        kind.prefix_letter(),
        TOKEN_LEN - PREFIX_LEN,
        TOKEN_LEN_V1 - PREFIX_LEN
    )
}

/// The secret type registered with GitHub for `kind`: the `type` of the matches GitHub sends.
pub fn github_secret_type(kind: CredentialKind) -> String {
    format!("latchkey_{}", kind.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pattern_per_kind() {
        assert_eq!(regex(CredentialKind::ApiKey), r"\blks_(?:[0-9A-Za-z]{115}|[0-9A-Za-z]{93})\b");
        assert_eq!(regex(CredentialKind::CliToken), r"\blku_(?:[0-9A-Za-z]{115}|[0-9A-Za-z]{93})\b");
        assert_eq!(regex(CredentialKind::AccessToken), r"\blka_(?:[0-9A-Za-z]{115}|[0-9A-Za-z]{93})\b");
        assert_eq!(github_secret_type(CredentialKind::AccessToken), "latchkey_access_token");
    }
}

//! Finding tokens in a line of bytes: the pattern of each kind (`latchkey::leaks::pattern`),
//! then the checksum, so look-alikes are not reported.

use latchkey::credential::Token;
use latchkey::domain::CredentialKind;
use latchkey::leaks::pattern;
use regex::bytes::{Regex, RegexBuilder};

/// One compiled pattern per kind.
pub struct Finder {
    patterns: Vec<(CredentialKind, Regex)>,
}

impl Finder {
    pub fn new() -> Result<Self, regex::Error> {
        let patterns = CredentialKind::ALL
            .into_iter()
            .map(|kind| {
                // Bytes, not text: a file need not be UTF-8 for a token in it to be found;
                // ASCII word boundaries, as the token's alphabet is ASCII.
                RegexBuilder::new(&pattern::regex(kind)).unicode(false).build().map(|regex| (kind, regex))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { patterns })
    }

    /// The tokens in `line` whose checksum verifies, in order of kind, then position.
    pub fn tokens_in(&self, line: &[u8]) -> Vec<Token> {
        let mut found = Vec::new();
        for (_, regex) in &self.patterns {
            for candidate in regex.find_iter(line) {
                let Ok(text) = std::str::from_utf8(candidate.as_bytes()) else { continue };
                if let Ok(token) = Token::parse(text) {
                    found.push(token);
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey::credential::Locator;
    use latchkey::domain::{CredentialId, PrincipalId};

    fn token(kind: CredentialKind) -> String {
        let locator = Locator {
            kind,
            organization_id: None,
            owner_id: PrincipalId::new_random(),
            credential_id: CredentialId::new_random(),
        };
        Token::generate(locator).unwrap().expose().to_string()
    }

    fn found(finder: &Finder, line: &str) -> Vec<String> {
        finder.tokens_in(line.as_bytes()).iter().map(|t| t.expose().to_string()).collect()
    }

    #[test]
    fn every_kind_is_found_where_text_surrounds_it() {
        let finder = Finder::new().unwrap();
        for kind in CredentialKind::ALL {
            let t = token(kind);
            for line in [t.clone(), format!("KEY={t}"), format!("\"{t}\","), format!("é{t}é"), format!("x {t}\r")] {
                assert_eq!(found(&finder, &line), vec![t.clone()], "{line}");
            }
        }
    }

    #[test]
    fn look_alikes_and_longer_runs_are_not_found() {
        let finder = Finder::new().unwrap();
        let t = token(CredentialKind::ApiKey);
        let last = if t.ends_with('0') { '1' } else { '0' };
        let bad_checksum = format!("{}{last}", &t[..t.len() - 1]);
        assert!(found(&finder, &bad_checksum).is_empty());
        assert!(found(&finder, &format!("{t}a")).is_empty(), "a longer run of base62 is not a v1 token");
        assert!(found(&finder, &format!("x{t}")).is_empty());
        assert!(found(&finder, &t.replacen("lks_", "lkx_", 1)).is_empty());
    }

    #[test]
    fn two_tokens_on_one_line_are_both_found() {
        let finder = Finder::new().unwrap();
        let (a, b) = (token(CredentialKind::CliToken), token(CredentialKind::CliToken));
        assert_eq!(found(&finder, &format!("{a} {b}")), vec![a, b]);
        let mut bytes = vec![0xff, 0xfe, b' '];
        let c = token(CredentialKind::AccessToken);
        bytes.extend_from_slice(c.as_bytes());
        assert_eq!(finder.tokens_in(&bytes).len(), 1, "found in bytes that are not UTF-8");
    }
}

//! A credential held in memory, never printed.

use std::fmt;

/// A latchkey credential (CLI token, API key or access token). `Debug` and `Display` are
/// redacted so a token cannot leak through a log line or a panic message; use
/// [`ApiToken::expose`] where the plaintext is really needed.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    pub fn new(token: impl Into<String>) -> Self {
        ApiToken(token.into().trim().to_string())
    }

    /// The plaintext token.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The last six characters, the part the API shows to identify a credential.
    pub fn last_six(&self) -> &str {
        let start = self.0.char_indices().rev().nth(5).map_or(0, |(i, _)| i);
        &self.0[start..]
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(<redacted>)")
    }
}

impl From<String> for ApiToken {
    fn from(token: String) -> Self {
        ApiToken::new(token)
    }
}

impl From<&str> for ApiToken {
    fn from(token: &str) -> Self {
        ApiToken::new(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_and_trimmed() {
        let token = ApiToken::new(" lku_abcdefgh\n");
        assert_eq!(format!("{token:?}"), "ApiToken(<redacted>)");
        assert_eq!(token.expose(), "lku_abcdefgh");
        assert_eq!(token.last_six(), "cdefgh");
        assert_eq!(ApiToken::new("abc").last_six(), "abc");
    }
}

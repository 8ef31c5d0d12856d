//! Errors of client commands and the exit codes scripts can branch on.

use latchkey_sdk::Error as SdkError;

/// Exit codes (documented in `docs/cli.md`).
pub mod exit {
    pub const OTHER: u8 = 1;
    /// 400 or 413, or a command line the API would refuse anyway.
    pub const INVALID_INPUT: u8 = 2;
    /// 401 or 403, or no credentials at all.
    pub const AUTH: u8 = 3;
    pub const NOT_FOUND: u8 = 4;
    pub const CONFLICT: u8 = 5;
    /// 5xx, or the API could not be reached.
    pub const SERVER: u8 = 6;
}

#[derive(Debug)]
pub enum Failure {
    Sdk(SdkError),
    InvalidInput(String),
    /// The person at the terminal declined a confirmation.
    Declined,
    Other(String),
    /// A failure and what to do about it, printed after it.
    WithHint {
        failure: Box<Failure>,
        hint: String,
    },
}

impl From<SdkError> for Failure {
    fn from(error: SdkError) -> Self {
        Failure::Sdk(error)
    }
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Sdk(SdkError::Api { status, .. }) => match status {
                400 | 413 => exit::INVALID_INPUT,
                401 | 403 => exit::AUTH,
                404 => exit::NOT_FOUND,
                409 => exit::CONFLICT,
                500..=599 => exit::SERVER,
                _ => exit::OTHER,
            },
            Failure::Sdk(SdkError::Unreachable(_)) => exit::SERVER,
            Failure::Sdk(SdkError::NoCredentials) => exit::AUTH,
            Failure::Sdk(_) => exit::OTHER,
            Failure::InvalidInput(_) => exit::INVALID_INPUT,
            Failure::Declined | Failure::Other(_) => exit::OTHER,
            Failure::WithHint { failure, .. } => failure.exit_code(),
        }
    }

    /// The message for stderr: a problem's title and detail, plus a hint where one helps.
    pub fn message(&self) -> String {
        match self {
            Failure::Sdk(SdkError::Api { status, problem }) => {
                let hint = match status {
                    401 => "\nhint: the credential is invalid, revoked or expired; run `latchkey login` with a new one",
                    _ => "",
                };
                format!("{} (HTTP {status}): {}{hint}", problem.title, problem.detail)
            }
            Failure::Sdk(error) => error.to_string(),
            Failure::InvalidInput(message) | Failure::Other(message) => message.clone(),
            Failure::Declined => "aborted: nothing was changed".to_string(),
            Failure::WithHint { failure, hint } => format!("{}\nhint: {hint}", failure.message()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_sdk::wire::Problem;

    fn api(status: u16) -> Failure {
        let problem = Problem {
            type_: "about:blank".into(),
            title: "t".into(),
            status,
            detail: "d".into(),
            code: "c".into(),
            required_scope: None,
        };
        Failure::Sdk(SdkError::Api { status, problem: Box::new(problem) })
    }

    #[test]
    fn exit_codes_follow_the_status() {
        let codes: Vec<u8> =
            [400, 413, 401, 403, 404, 409, 500, 503, 429].into_iter().map(|s| api(s).exit_code()).collect();
        assert_eq!(codes, vec![2, 2, 3, 3, 4, 5, 6, 6, 1]);
        assert_eq!(Failure::Sdk(SdkError::Unreachable("x".into())).exit_code(), 6);
        assert_eq!(Failure::Sdk(SdkError::NoCredentials).exit_code(), 3);
    }
}

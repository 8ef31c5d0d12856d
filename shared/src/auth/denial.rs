//! A denial and its trace: why, which credential the token named (from its locator, never
//! the token), and the one log line every denial writes, in the Lambda authorizer and in
//! the local gateway alike.

use crate::domain::CredentialId;

/// Why a request was denied: for logs and tests only; callers all see the same 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    MissingHeader,
    NotBearer,
    Malformed,
    UnknownCredential,
    WrongSecret,
    Revoked,
    Expired,
    /// Disabled (SPEC section 10): refused until it is enabled again.
    Disabled,
    /// A valid credential of an organization the API does not accept (a protected API's
    /// `latchkeyOrganizations`, or another organization's token at `/verify`).
    OtherOrganization,
    /// A valid credential of a suspended principal (SPEC section 10).
    Suspended,
    /// A valid credential used from an address outside the organization's or its own
    /// `allowed_ip_ranges` (SPEC section 11), or from an unknown address while ranges apply.
    IpNotAllowed,
}

impl DenyReason {
    /// Whether the presented string could be a credential of ours at all. Garbage is refused
    /// before any store access and logged only at debug: a flood of it must not turn into a
    /// flood of log lines (each one costs CPU at 128 MB and CloudWatch money); the gateway's
    /// access log still counts the 401s.
    pub fn is_noise(self) -> bool {
        matches!(self, DenyReason::MissingHeader | DenyReason::NotBearer | DenyReason::Malformed)
    }

    /// The reason as it appears in log lines.
    pub fn as_str(self) -> &'static str {
        match self {
            DenyReason::MissingHeader => "missing_header",
            DenyReason::NotBearer => "not_bearer",
            DenyReason::Malformed => "malformed",
            DenyReason::UnknownCredential => "unknown_credential",
            DenyReason::WrongSecret => "wrong_secret",
            DenyReason::Revoked => "revoked",
            DenyReason::Expired => "expired",
            DenyReason::Disabled => "disabled",
            DenyReason::OtherOrganization => "other_organization",
            DenyReason::Suspended => "suspended",
            DenyReason::IpNotAllowed => "ip_not_allowed",
        }
    }
}

/// A denied request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denial {
    pub reason: DenyReason,
    /// The credential the token's locator names, for a well-formed token (whether or not
    /// that credential exists); `None` for garbage.
    pub credential_id: Option<CredentialId>,
}

impl Denial {
    /// Garbage: nothing in it names a credential.
    pub fn noise(reason: DenyReason) -> Self {
        Self { reason, credential_id: None }
    }

    /// A well-formed token, refused.
    pub fn of(credential_id: CredentialId, reason: DenyReason) -> Self {
        Self { reason, credential_id: Some(credential_id) }
    }
}

/// The log line of a denial: the request id, the reason and, for a well-formed token, the
/// credential id, at info; garbage at debug only (see [`DenyReason::is_noise`]).
pub fn log_denial(request_id: &str, denial: &Denial) {
    let reason = denial.reason.as_str();
    match denial.credential_id {
        Some(credential_id) => tracing::info!(request_id, reason, %credential_id, "denied"),
        None => tracing::debug!(request_id, reason, "denied"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    /// Collects what a JSON subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(level: tracing::Level, f: impl FnOnce()) -> Vec<serde_json::Value> {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber =
            tracing_subscriber::fmt().json().with_max_level(level).with_writer(move || writer.clone()).finish();
        tracing::subscriber::with_default(subscriber, f);
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    #[test]
    fn a_well_formed_token_is_denied_at_info_with_its_credential_id() {
        let id = CredentialId::new_random();
        let lines = logged(tracing::Level::INFO, || log_denial("req-1", &Denial::of(id, DenyReason::Revoked)));
        assert_eq!(lines.len(), 1, "{lines:?}");
        let line = &lines[0];
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["fields"]["message"], "denied");
        assert_eq!(line["fields"]["request_id"], "req-1");
        assert_eq!(line["fields"]["reason"], "revoked");
        assert_eq!(line["fields"]["credential_id"], id.to_string());
    }

    #[test]
    fn garbage_is_denied_at_debug_only() {
        let denial = Denial::noise(DenyReason::Malformed);
        assert!(logged(tracing::Level::INFO, || log_denial("req-2", &denial)).is_empty());
        let lines = logged(tracing::Level::DEBUG, || log_denial("req-2", &denial));
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["level"], "DEBUG");
        assert_eq!(lines[0]["fields"]["reason"], "malformed");
        assert_eq!(lines[0]["fields"]["request_id"], "req-2");
        assert!(lines[0]["fields"].get("credential_id").is_none());
    }

    #[test]
    fn noise_is_what_names_no_credential() {
        use DenyReason::*;
        for reason in [MissingHeader, NotBearer, Malformed] {
            assert!(reason.is_noise());
        }
        for reason in [UnknownCredential, WrongSecret, Revoked, Expired, Disabled, OtherOrganization] {
            assert!(!reason.is_noise());
        }
    }
}

//! The codes of `POST /verify` (SPEC section 9), from the authorizer's own deny reasons.

use super::DenyReason;

/// The `code` of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyCode {
    Valid,
    Malformed,
    NotFound,
    Revoked,
    Expired,
    /// A disabled credential, or one of a suspended principal (SPEC section 10).
    Disabled,
    /// Outside the organization's or the credential's IP ranges, or no `source_ip` given
    /// while ranges apply (SPEC section 11).
    IpNotAllowed,
}

impl VerifyCode {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyCode::Valid => "valid",
            VerifyCode::Malformed => "malformed",
            VerifyCode::NotFound => "not_found",
            VerifyCode::Revoked => "revoked",
            VerifyCode::Expired => "expired",
            VerifyCode::Disabled => "disabled",
            VerifyCode::IpNotAllowed => "ip_not_allowed",
        }
    }

    /// The authorizer's reason → what the verifier is told. A wrong secret, and a token of
    /// another organization, are `not_found`: no status is told without possession, and no
    /// organization learns of another's credentials.
    pub fn of(reason: DenyReason) -> Self {
        match reason {
            DenyReason::MissingHeader | DenyReason::NotBearer | DenyReason::Malformed => VerifyCode::Malformed,
            DenyReason::UnknownCredential | DenyReason::WrongSecret | DenyReason::OtherOrganization => {
                VerifyCode::NotFound
            }
            DenyReason::Revoked => VerifyCode::Revoked,
            DenyReason::Expired => VerifyCode::Expired,
            DenyReason::Disabled => VerifyCode::Disabled,
            DenyReason::Suspended => VerifyCode::Disabled,
            DenyReason::IpNotAllowed => VerifyCode::IpNotAllowed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_status_without_possession() {
        assert_eq!(VerifyCode::of(DenyReason::WrongSecret), VerifyCode::NotFound);
        assert_eq!(VerifyCode::of(DenyReason::UnknownCredential), VerifyCode::NotFound);
        assert_eq!(VerifyCode::of(DenyReason::OtherOrganization), VerifyCode::NotFound);
        assert_eq!(VerifyCode::of(DenyReason::Malformed), VerifyCode::Malformed);
        assert_eq!(VerifyCode::Disabled.as_str(), "disabled");
        assert_eq!(VerifyCode::of(DenyReason::Suspended), VerifyCode::Disabled);
        assert_eq!(VerifyCode::IpNotAllowed.as_str(), "ip_not_allowed");
    }
}

//! Why a domain value was refused.

/// Why a value was refused. Messages name the rule, never echo more than the caller sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}

impl DomainError {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        DomainError::Invalid { field, reason: reason.into() }
    }
}

//! Configuration from environment variables, each with a documented default
//! (README "Configuration").

use crate::leaks::{GithubKeys, KeyConfigError};
use chrono::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `TABLE_NAME` (default `latchkey`): the DynamoDB table.
    pub table_name: String,
    /// `DYNAMODB_ENDPOINT` (default unset: the AWS endpoint): a local or emulated DynamoDB.
    pub dynamodb_endpoint: Option<String>,
    /// `ACCESS_TOKEN_DEFAULT_DAYS` (default 30).
    pub access_token_default_days: u32,
    /// `ACCESS_TOKEN_MAX_DAYS` (default 365): an organization-wide cap, OWNERs included.
    pub access_token_max_days: u32,
    /// `RETENTION_DAYS` (default 90): how long revoked and expired credentials stay listable
    /// before the table's TTL purges them.
    pub retention_days: u32,
    /// `SERVICE_ACCOUNT_EMAIL_DOMAIN` (default `serviceaccount.com`).
    pub service_account_domain: String,
    /// `AUDIT_RETENTION_DAYS` (default 400): how long audit events are kept.
    pub audit_retention_days: u32,
    /// `EXPIRY_NOTICE_DAYS` (default 7): how long before its expiry a credential gets its
    /// `credential.expiring` event.
    pub expiry_notice_days: u32,
    /// `GITHUB_SECRET_SCANNING_KEYS` (default none: every GitHub secret-scanning message is
    /// refused): the public keys GitHub signs its partner messages with (SPEC section 12).
    pub github_secret_scanning_keys: GithubKeys,
    /// `ORG_POLICY_COPIES` (default 10, at most 50): how many identical items carry each
    /// organization's policy for the authorizer (SPEC section 11). Fixed per table: every
    /// writer and reader of one table must use the same number.
    pub org_policy_copies: u32,
}

/// `ORG_POLICY_COPIES`' bound: each copy is one more item in every policy change's
/// transaction (DynamoDB allows 100).
pub const MAX_ORG_POLICY_COPIES: u32 = 50;

#[derive(Debug, thiserror::Error)]
#[error("configuration: {name} {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub reason: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            table_name: "latchkey".into(),
            dynamodb_endpoint: None,
            access_token_default_days: 30,
            access_token_max_days: 365,
            retention_days: 90,
            service_account_domain: "serviceaccount.com".into(),
            audit_retention_days: 400,
            expiry_notice_days: 7,
            github_secret_scanning_keys: GithubKeys::none(),
            org_policy_copies: 10,
        }
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = Self::default();
        let number =
            |name: &'static str, default: u32| -> Result<u32, ConfigError> {
                match get(name).filter(|v| !v.trim().is_empty()) {
                    None => Ok(default),
                    Some(v) => v.trim().parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| ConfigError {
                        name,
                        reason: format!("must be a positive whole number, got {v:?}"),
                    }),
                }
            };
        let cfg = Self {
            table_name: get("TABLE_NAME").filter(|v| !v.is_empty()).unwrap_or(d.table_name),
            dynamodb_endpoint: get("DYNAMODB_ENDPOINT").filter(|v| !v.is_empty()),
            access_token_default_days: number("ACCESS_TOKEN_DEFAULT_DAYS", d.access_token_default_days)?,
            access_token_max_days: number("ACCESS_TOKEN_MAX_DAYS", d.access_token_max_days)?,
            retention_days: number("RETENTION_DAYS", d.retention_days)?,
            service_account_domain: get("SERVICE_ACCOUNT_EMAIL_DOMAIN")
                .filter(|v| !v.is_empty())
                .map(|v| v.to_ascii_lowercase())
                .unwrap_or(d.service_account_domain),
            audit_retention_days: number("AUDIT_RETENTION_DAYS", d.audit_retention_days)?,
            expiry_notice_days: number("EXPIRY_NOTICE_DAYS", d.expiry_notice_days)?,
            github_secret_scanning_keys: match GithubKeys::from_lookup(&get) {
                Ok(keys) => keys,
                Err(KeyConfigError::NotConfigured) => GithubKeys::none(),
                Err(e) => return Err(ConfigError { name: crate::leaks::github::KEYS_ENV, reason: e.to_string() }),
            },
            org_policy_copies: number("ORG_POLICY_COPIES", d.org_policy_copies)?,
        };
        if cfg.org_policy_copies > MAX_ORG_POLICY_COPIES {
            return Err(ConfigError {
                name: "ORG_POLICY_COPIES",
                reason: format!("must be at most {MAX_ORG_POLICY_COPIES}"),
            });
        }
        if cfg.access_token_default_days > cfg.access_token_max_days {
            return Err(ConfigError {
                name: "ACCESS_TOKEN_DEFAULT_DAYS",
                reason: "must not exceed ACCESS_TOKEN_MAX_DAYS".into(),
            });
        }
        Ok(cfg)
    }

    pub fn retention(&self) -> Duration {
        Duration::days(i64::from(self.retention_days))
    }

    pub fn audit_retention(&self) -> Duration {
        Duration::days(i64::from(self.audit_retention_days))
    }

    pub fn expiry_notice_window(&self) -> Duration {
        Duration::days(i64::from(self.expiry_notice_days))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(Config::from_lookup(|_| None).unwrap(), Config::default());
        let c = Config::from_lookup(|k| (k == "ACCESS_TOKEN_MAX_DAYS").then(|| "400".into())).unwrap();
        assert_eq!(c.access_token_max_days, 400);
        assert!(Config::from_lookup(|k| (k == "RETENTION_DAYS").then(|| "-1".into())).is_err());
        assert!(Config::from_lookup(|k| (k == "ACCESS_TOKEN_MAX_DAYS").then(|| "10".into())).is_err());
    }
}

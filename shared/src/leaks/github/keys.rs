//! GitHub's secret-scanning signing keys and the signature check.
//!
//! GitHub signs the raw body of each message with ECDSA P-256 SHA-256 and sends the key's
//! identifier and the base64 of the DER signature in two headers. The keys come from
//! configuration: `GITHUB_SECRET_SCANNING_KEYS`, a JSON list of `{key_identifier, key}`
//! (PEM public keys). GitHub's published key document (`{"public_keys": [...]}`, extra
//! fields such as `is_current`) is read too, so a copy of it can be pasted as is. Fetching
//! that document over the network is not done here.

use super::VerifiedBody;
use base64::Engine as _;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;
use serde::Deserialize;
use std::fmt;

/// The environment variable holding the keys.
pub const KEYS_ENV: &str = "GITHUB_SECRET_SCANNING_KEYS";
/// A DER ECDSA P-256 signature is at most 72 bytes, 96 in base64; longer headers are not
/// decoded at all.
const MAX_SIGNATURE_HEADER_LEN: usize = 128;

/// Why the configured keys cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyConfigError {
    #[error("{KEYS_ENV} is not set: no GitHub secret-scanning key is configured")]
    NotConfigured,
    #[error(
        "{KEYS_ENV} must be a JSON list of {{\"key_identifier\": string, \"key\": PEM}} \
         (or GitHub's {{\"public_keys\": [...]}} document)"
    )]
    Json(#[source] serde_json::Error),
    #[error("{KEYS_ENV} lists no key")]
    Empty,
    #[error("{KEYS_ENV}: a key has an empty key_identifier")]
    EmptyIdentifier,
    #[error("{KEYS_ENV}: key identifier {0:?} is listed twice")]
    DuplicateIdentifier(String),
    #[error("{KEYS_ENV}: key {key_identifier:?} is not a PEM P-256 public key")]
    Key {
        key_identifier: String,
        #[source]
        source: p256::pkcs8::spki::Error,
    },
}

/// Why a message is refused (each is a 401 that changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no GitHub secret-scanning public key is configured")]
    NoKeyConfigured,
    #[error("the Github-Public-Key-Identifier header is missing")]
    MissingKeyIdentifier,
    #[error("the Github-Public-Key-Signature header is missing")]
    MissingSignature,
    #[error("the Github-Public-Key-Identifier header names no configured key")]
    UnknownKey,
    #[error("the Github-Public-Key-Signature header is not a base64 DER ECDSA signature")]
    MalformedSignature,
    #[error("the signature does not match the body")]
    BadSignature,
}

/// The public keys messages may be signed with. Public material: its `Debug` lists the
/// identifiers.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct GithubKeys {
    keys: Vec<(String, VerifyingKey)>,
}

impl fmt::Debug for GithubKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.keys.iter().map(|(id, _)| id)).finish()
    }
}

#[derive(Deserialize)]
struct KeyEntry {
    key_identifier: String,
    key: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum KeyDocument {
    List(Vec<KeyEntry>),
    Published { public_keys: Vec<KeyEntry> },
}

impl GithubKeys {
    /// No key: every message is refused with [`SignatureError::NoKeyConfigured`].
    pub fn none() -> Self {
        Self::default()
    }

    /// From `GITHUB_SECRET_SCANNING_KEYS`; [`KeyConfigError::NotConfigured`] when it is
    /// unset or blank.
    pub fn from_env() -> Result<Self, KeyConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, KeyConfigError> {
        match get(KEYS_ENV).filter(|v| !v.trim().is_empty()) {
            None => Err(KeyConfigError::NotConfigured),
            Some(json) => Self::parse(&json),
        }
    }

    /// Parses the JSON list (or GitHub's published document).
    pub fn parse(json: &str) -> Result<Self, KeyConfigError> {
        let entries = match serde_json::from_str::<KeyDocument>(json).map_err(KeyConfigError::Json)? {
            KeyDocument::List(entries) | KeyDocument::Published { public_keys: entries } => entries,
        };
        if entries.is_empty() {
            return Err(KeyConfigError::Empty);
        }
        let mut keys: Vec<(String, VerifyingKey)> = Vec::with_capacity(entries.len());
        for KeyEntry { key_identifier, key } in entries {
            let key_identifier = key_identifier.trim().to_string();
            if key_identifier.is_empty() {
                return Err(KeyConfigError::EmptyIdentifier);
            }
            if keys.iter().any(|(id, _)| *id == key_identifier) {
                return Err(KeyConfigError::DuplicateIdentifier(key_identifier));
            }
            match VerifyingKey::from_public_key_pem(key.trim()) {
                Ok(verifying) => keys.push((key_identifier, verifying)),
                Err(source) => return Err(KeyConfigError::Key { key_identifier, source }),
            }
        }
        Ok(Self { keys })
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The identifiers, in configuration order.
    pub fn identifiers(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(id, _)| id.as_str())
    }

    /// Checks the signature of the raw `body` with the key that `key_identifier` names (the
    /// `Github-Public-Key-Identifier` and `Github-Public-Key-Signature` header values, when
    /// present). Only a [`VerifiedBody`] can be parsed: nothing of an unsigned body is read.
    pub fn verify<'b>(
        &self,
        key_identifier: Option<&str>,
        signature: Option<&str>,
        body: &'b [u8],
    ) -> Result<VerifiedBody<'b>, SignatureError> {
        if self.keys.is_empty() {
            return Err(SignatureError::NoKeyConfigured);
        }
        let key_identifier =
            key_identifier.map(str::trim).filter(|v| !v.is_empty()).ok_or(SignatureError::MissingKeyIdentifier)?;
        let signature = signature.map(str::trim).filter(|v| !v.is_empty()).ok_or(SignatureError::MissingSignature)?;
        let (_, key) = self.keys.iter().find(|(id, _)| id == key_identifier).ok_or(SignatureError::UnknownKey)?;
        if signature.len() > MAX_SIGNATURE_HEADER_LEN {
            return Err(SignatureError::MalformedSignature);
        }
        let der = base64::engine::general_purpose::STANDARD
            .decode(signature)
            .map_err(|_| SignatureError::MalformedSignature)?;
        let signature = Signature::from_der(&der).map_err(|_| SignatureError::MalformedSignature)?;
        key.verify(body, &signature).map_err(|_| SignatureError::BadSignature)?;
        Ok(VerifiedBody::new(body))
    }
}

//! The token format of SPEC sections 2 and 11:
//!
//! ```text
//! v2  lk<kind>_<org><owner><credential><secret><checksum>   119 characters (issued today)
//! v1  lk<kind>_<owner><credential><secret><checksum>         97 characters (still accepted)
//!   kind        u (CLI token) | s (API key) | a (access token)
//!   org, owner, credential   UUIDs, 22 base62 characters each (non-secret: they address)
//!   secret      256 bits from the OS CSPRNG, 43 base62 characters
//!   checksum    CRC32 (IEEE) of everything before it, 6 base62 characters
//! ```
//!
//! v2 names the organization so the authorizer can read the organization's policy in the
//! same round trip as the credential and its owner; the parser tells the versions apart by
//! length alone.
//!
//! Base62 is hand-rolled here: the scheme needs fixed-width, left-padded, most-significant-
//! first encoding of 128- and 256-bit numbers with the `0-9A-Za-z` alphabet, which the
//! available crates (base62: u128 only, no fixed width; base-x: no padding) do not give.

use crate::domain::{CredentialId, CredentialKind, OrganizationId, PrincipalId, SecretHash};
use rand::TryRng;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;
use uuid::Uuid;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// `lk` + kind letter + `_`.
pub const PREFIX_LEN: usize = 4;
const ID_LEN: usize = 22;
/// The secret part's length: the 43 characters before the checksum, in either version.
pub const SECRET_LEN: usize = 43;
const CHECKSUM_LEN: usize = 6;
/// Length of a token issued today (v2: organization, owner and credential in the locator).
pub const TOKEN_LEN: usize = PREFIX_LEN + 3 * ID_LEN + SECRET_LEN + CHECKSUM_LEN;
/// Length of a v1 token (owner and credential only), issued before v2 and still accepted.
pub const TOKEN_LEN_V1: usize = PREFIX_LEN + 2 * ID_LEN + SECRET_LEN + CHECKSUM_LEN;

/// The secret part of a presented token of either version (for tests and scanners that
/// must check it appears nowhere): the 43 characters before the checksum.
pub fn secret_part(token: &str) -> &str {
    let end = token.len().saturating_sub(CHECKSUM_LEN);
    token.get(end.saturating_sub(SECRET_LEN)..end).unwrap_or("")
}

/// Why a string is not a token. Deliberately coarse: the caller learns nothing useful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenFormatError {
    #[error("not a latchkey token")]
    Malformed,
    #[error("token checksum does not match")]
    BadChecksum,
}

#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed")]
pub struct EntropyError;

/// A token's plaintext. It has no `Display`, and its `Debug` is redacted; the only way to
/// read it is [`Token::expose`], used once, when the response that created it is written.
pub struct Token {
    plaintext: SecretString,
    locator: Locator,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({:?}, [REDACTED])", self.locator.kind)
    }
}

/// The non-secret part of a token: which credential, of which owner, of which kind, and (v2)
/// of which organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locator {
    pub kind: CredentialKind,
    /// `Some` in a v2 token (every token issued today), `None` in a v1 token.
    pub organization_id: Option<OrganizationId>,
    pub owner_id: PrincipalId,
    pub credential_id: CredentialId,
}

impl Locator {
    /// The locator of a token issued today (v2).
    pub fn new(
        kind: CredentialKind,
        organization: OrganizationId,
        owner: PrincipalId,
        credential: CredentialId,
    ) -> Self {
        Self { kind, organization_id: Some(organization), owner_id: owner, credential_id: credential }
    }
}

impl Token {
    /// A new token for `locator`, with 256 bits from the OS CSPRNG.
    pub fn generate(locator: Locator) -> Result<Self, EntropyError> {
        let mut secret = [0u8; 32];
        rand::rngs::SysRng.try_fill_bytes(&mut secret).map_err(|_| EntropyError)?;
        let mut s = String::with_capacity(TOKEN_LEN);
        s.push_str("lk");
        s.push(locator.kind.prefix_letter());
        s.push('_');
        if let Some(org) = locator.organization_id {
            s.push_str(&encode_fixed(&org.as_uuid().as_u128().to_be_bytes(), ID_LEN));
        }
        s.push_str(&encode_fixed(&locator.owner_id.as_uuid().as_u128().to_be_bytes(), ID_LEN));
        s.push_str(&encode_fixed(&locator.credential_id.as_uuid().as_u128().to_be_bytes(), ID_LEN));
        s.push_str(&encode_fixed(&secret, SECRET_LEN));
        let checksum = encode_fixed(&crc32fast::hash(s.as_bytes()).to_be_bytes(), CHECKSUM_LEN);
        s.push_str(&checksum);
        Ok(Self { plaintext: SecretString::from(s), locator })
    }

    /// Parses a presented token: the format and checksum are checked here, before any store
    /// access. Possession is proven later by comparing [`Token::hash`] with the stored hash.
    pub fn parse(presented: &str) -> Result<Self, TokenFormatError> {
        let locator = parse_locator(presented)?;
        Ok(Self { plaintext: SecretString::from(presented.to_string()), locator })
    }

    pub fn locator(&self) -> Locator {
        self.locator
    }

    /// SHA-256 of the whole token: the only form the store ever sees.
    pub fn hash(&self) -> SecretHash {
        SecretHash::from_digest(sha256(self.plaintext.expose_secret()))
    }

    /// The last six characters of the whole token (part of the checksum, so not secret).
    pub fn last_six(&self) -> String {
        let s = self.plaintext.expose_secret();
        s[s.len() - 6..].to_string()
    }

    /// Whether this token's hash equals `stored`, in constant time.
    pub fn matches(&self, stored: &SecretHash) -> bool {
        match stored.to_bytes() {
            Some(bytes) => sha256(self.plaintext.expose_secret()).ct_eq(&bytes).into(),
            None => false,
        }
    }

    /// The plaintext, for the single response that shows it.
    pub fn expose(&self) -> &str {
        self.plaintext.expose_secret()
    }
}

fn sha256(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

fn parse_locator(s: &str) -> Result<Locator, TokenFormatError> {
    use TokenFormatError::*;
    let b = s.as_bytes();
    // The length tells the version: v2 has the organization's id first.
    let ids = match b.len() {
        TOKEN_LEN => 3,
        TOKEN_LEN_V1 => 2,
        _ => return Err(Malformed),
    };
    if !s.is_ascii() || &b[..2] != b"lk" || b[3] != b'_' {
        return Err(Malformed);
    }
    let kind = CredentialKind::from_prefix_letter(b[2] as char).ok_or(Malformed)?;
    let body = &b[PREFIX_LEN..];
    if !body.iter().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Malformed);
    }
    let (signed, checksum) = b.split_at(b.len() - CHECKSUM_LEN);
    let expected = encode_fixed(&crc32fast::hash(signed).to_be_bytes(), CHECKSUM_LEN);
    if expected.as_bytes() != checksum {
        return Err(BadChecksum);
    }
    let id = |i: usize| decode_u128(&body[i * ID_LEN..(i + 1) * ID_LEN]).map(Uuid::from_u128).ok_or(Malformed);
    let organization_id = if ids == 3 { Some(OrganizationId(id(0)?)) } else { None };
    let first = ids - 2;
    Ok(Locator {
        kind,
        organization_id,
        owner_id: PrincipalId(id(first)?),
        credential_id: CredentialId(id(first + 1)?),
    })
}

/// Big-endian bytes → base62, left-padded with '0' to `width` characters.
fn encode_fixed(bytes: &[u8], width: usize) -> String {
    let mut num = bytes.to_vec();
    let mut digits = Vec::with_capacity(width);
    while num.iter().any(|&b| b != 0) {
        let mut rem = 0u32;
        for byte in num.iter_mut() {
            let acc = (rem << 8) | u32::from(*byte);
            *byte = (acc / 62) as u8;
            rem = acc % 62;
        }
        digits.push(ALPHABET[rem as usize]);
    }
    while digits.len() < width {
        digits.push(b'0');
    }
    digits.reverse();
    // Every byte comes from ALPHABET, which is ASCII.
    String::from_utf8_lossy(&digits).into_owned()
}

fn digit_value(c: u8) -> Option<u128> {
    match c {
        b'0'..=b'9' => Some(u128::from(c - b'0')),
        b'A'..=b'Z' => Some(u128::from(c - b'A' + 10)),
        b'a'..=b'z' => Some(u128::from(c - b'a' + 36)),
        _ => None,
    }
}

/// Base62 → u128, refusing anything that does not fit (22 digits can exceed 2^128).
fn decode_u128(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |acc, &c| acc.checked_mul(62)?.checked_add(digit_value(c)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locator(kind: CredentialKind) -> Locator {
        Locator::new(kind, OrganizationId::new_random(), PrincipalId::new_random(), CredentialId::new_random())
    }

    fn v1_locator(kind: CredentialKind) -> Locator {
        Locator { organization_id: None, ..locator(kind) }
    }

    #[test]
    fn v1_tokens_still_parse_and_the_length_tells_the_version() {
        for kind in CredentialKind::ALL {
            let l = v1_locator(kind);
            let t = Token::generate(l).unwrap();
            assert_eq!(t.expose().len(), TOKEN_LEN_V1);
            let p = Token::parse(t.expose()).unwrap();
            assert_eq!(p.locator(), l);
            assert_eq!(secret_part(t.expose()).len(), SECRET_LEN);
            let v2 = Token::generate(Locator { organization_id: Some(OrganizationId::new_random()), ..l }).unwrap();
            assert_eq!(v2.expose().len(), TOKEN_LEN);
            assert_eq!(&v2.expose()[PREFIX_LEN + 22..PREFIX_LEN + 44], &t.expose()[PREFIX_LEN..PREFIX_LEN + 22]);
        }
        // One character more or fewer than either length is no token.
        let t = Token::generate(locator(CredentialKind::ApiKey)).unwrap();
        assert!(Token::parse(&t.expose()[..TOKEN_LEN - 1]).is_err());
        assert!(Token::parse(&format!("{}0", t.expose())).is_err());
    }

    #[test]
    fn round_trip_every_kind() {
        for kind in CredentialKind::ALL {
            let l = locator(kind);
            let t = Token::generate(l).unwrap();
            assert_eq!(t.expose().len(), TOKEN_LEN);
            assert!(t.expose().starts_with(&format!("lk{}_", kind.prefix_letter())));
            let p = Token::parse(t.expose()).unwrap();
            assert_eq!(p.locator(), l);
            assert!(p.matches(&t.hash()));
            assert_eq!(p.last_six(), &t.expose()[TOKEN_LEN - 6..]);
        }
    }

    #[test]
    fn every_single_character_corruption_is_rejected() {
        let t = Token::generate(locator(CredentialKind::ApiKey)).unwrap();
        let original = t.expose().as_bytes().to_vec();
        for i in 0..original.len() {
            for &c in ALPHABET.iter().chain(b"_-!") {
                if c == original[i] {
                    continue;
                }
                let mut bad = original.clone();
                bad[i] = c;
                let s = String::from_utf8(bad).unwrap();
                assert!(Token::parse(&s).is_err(), "corruption at {i} to {} accepted", c as char);
            }
        }
    }

    #[test]
    fn checksum_is_crc32_in_base62() {
        // The GitHub scheme: CRC32 of the UTF-8 bytes before the checksum, 6 base62 digits.
        let t = Token::generate(locator(CredentialKind::CliToken)).unwrap();
        let s = t.expose();
        let crc = crc32fast::hash(&s.as_bytes()[..TOKEN_LEN - 6]);
        let tail = &s.as_bytes()[TOKEN_LEN - 6..];
        assert_eq!(decode_u128(tail).unwrap(), u128::from(crc));
    }

    #[test]
    fn secrets_differ_and_debug_is_redacted() {
        let l = locator(CredentialKind::AccessToken);
        let a = Token::generate(l).unwrap();
        let b = Token::generate(l).unwrap();
        assert_ne!(a.expose(), b.expose());
        assert!(!format!("{a:?}").contains(&a.expose()[4..]));
        assert!(!a.matches(&b.hash()));
    }

    #[test]
    fn base62_fixed_width() {
        assert_eq!(encode_fixed(&[0, 0], 3), "000");
        assert_eq!(encode_fixed(&[0, 61], 2), "0z");
        assert_eq!(encode_fixed(&[0, 62], 2), "10");
        assert_eq!(encode_fixed(&u128::MAX.to_be_bytes(), 22).len(), 22);
        assert_eq!(encode_fixed(&[0xff; 32], 43).len(), 43);
        assert_eq!(decode_u128(encode_fixed(&u128::MAX.to_be_bytes(), 22).as_bytes()), Some(u128::MAX));
        assert_eq!(decode_u128(b"zzzzzzzzzzzzzzzzzzzzzz"), None);
    }

    #[test]
    fn junk_is_malformed() {
        for s in ["", "lku_", "Bearer x", &"a".repeat(TOKEN_LEN), "lkx_0000"] {
            assert!(Token::parse(s).is_err());
        }
    }
}

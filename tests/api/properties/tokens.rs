//! The token format of SPEC section 2 against an independent oracle: the parser never panics,
//! refuses token-shaped junk, accepts exactly the well-formed strings with a valid checksum,
//! and refuses any single-character mutation of a generated token.

use super::*;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// CRC32 (IEEE) of `signed`, base62, most significant digit first, left-padded to 6.
fn oracle_checksum(signed: &str) -> String {
    let mut n = u64::from(crc32fast::hash(signed.as_bytes()));
    let mut digits = Vec::new();
    while n > 0 {
        digits.push(ALPHABET[(n % 62) as usize]);
        n /= 62;
    }
    while digits.len() < 6 {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap()
}

/// Whether 22 base62 digits fit in 128 bits (a UUID).
fn fits_u128(digits: &str) -> bool {
    digits
        .bytes()
        .try_fold(0u128, |acc, c| {
            let d = ALPHABET.iter().position(|&a| a == c)? as u128;
            acc.checked_mul(62)?.checked_add(d)
        })
        .is_some()
}

fn kind_strategy() -> impl Strategy<Value = CredentialKind> {
    prop_oneof![Just(CredentialKind::CliToken), Just(CredentialKind::ApiKey), Just(CredentialKind::AccessToken)]
}

fn fresh_token(kind: CredentialKind, owner: u128, credential: u128) -> Token {
    Token::generate(Locator {
        kind,
        organization_id: Some(latchkey::domain::OrganizationId(Uuid::from_u128(owner.rotate_left(7)))),
        owner_id: PrincipalId(Uuid::from_u128(owner)),
        credential_id: CredentialId(Uuid::from_u128(credential)),
    })
    .expect("OS randomness")
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn token_parser_never_panics_on_strings(s in any::<String>()) {
        let _ = Token::parse(&s);
    }

    #[test]
    fn token_parser_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Token::parse(&String::from_utf8_lossy(&bytes));
    }

    /// Strings shaped like tokens (right prefix, right length, any characters, including
    /// multi-byte ones) never panic, and random ones are refused.
    #[test]
    fn token_shaped_junk_is_refused(letter in "[usaxU]", body in "[0-9A-Za-z_é\\-]{0,140}") {
        let s = format!("lk{letter}_{body}");
        let parsed = Token::parse(&s);
        // A random body carries a valid checksum with probability 62^-6.
        if s.len() != TOKEN_LEN && s.len() != latchkey::credential::TOKEN_LEN_V1 {
            prop_assert_eq!(parsed.err(), Some(TokenFormatError::Malformed));
        } else {
            prop_assert!(parsed.is_err(), "{s} parsed");
        }
    }

    /// Exactly the well-formed strings with a valid checksum parse: the oracle decides
    /// what the parser must accept.
    #[test]
    fn only_well_formed_tokens_with_a_valid_checksum_parse(
        letter in "[usaxz]",
        owner in "[0-9A-Za-z]{22}",
        credential in "[0-9A-Za-z]{22}",
        secret in "[0-9A-Za-z]{43}",
        corrupt_checksum in any::<bool>(),
    ) {
        let signed = format!("lk{letter}_{owner}{credential}{secret}");
        let good = oracle_checksum(&signed);
        let checksum = if corrupt_checksum {
            let mut c = good.clone().into_bytes();
            c[5] = if c[5] == b'0' { b'1' } else { b'0' };
            String::from_utf8(c).unwrap()
        } else {
            good
        };
        let token = format!("{signed}{checksum}");
        let should_parse = !corrupt_checksum && "usa".contains(letter.as_str()) && fits_u128(&owner) && fits_u128(&credential);
        let parsed = Token::parse(&token);
        prop_assert_eq!(parsed.is_ok(), should_parse, "{} -> {:?}", token, parsed.as_ref().err());
        if let Ok(t) = parsed {
            prop_assert_eq!(t.expose(), token.as_str());
            prop_assert_eq!(t.last_six(), checksum);
        }
    }

    /// A generated token parses back to its locator, carries a checksum the oracle agrees
    /// with, and any single-character substitution, insertion or deletion is refused.
    #[test]
    fn any_single_character_mutation_of_a_token_fails(
        kind in kind_strategy(),
        owner in any::<u128>(),
        credential in any::<u128>(),
        index in any::<prop::sample::Index>(),
        replacement in any::<char>(),
        op in 0u8..3,
    ) {
        let token = fresh_token(kind, owner, credential);
        let s = token.expose().to_string();
        prop_assert_eq!(s.len(), TOKEN_LEN);
        prop_assert_eq!(&s[TOKEN_LEN - 6..], oracle_checksum(&s[..TOKEN_LEN - 6]));
        let parsed = Token::parse(&s).expect("a fresh token parses");
        prop_assert_eq!(parsed.locator(), token.locator());
        prop_assert!(parsed.matches(&token.hash()));

        let mut chars: Vec<char> = s.chars().collect();
        let i = index.index(chars.len());
        match op {
            0 => {
                prop_assume!(chars[i] != replacement);
                chars[i] = replacement;
            }
            1 => chars.insert(i, replacement),
            _ => {
                chars.remove(i);
            }
        }
        let mutated: String = chars.into_iter().collect();
        prop_assert!(Token::parse(&mutated).is_err(), "mutation accepted: {mutated}");
    }
}

#[test]
fn the_oracle_agrees_with_the_format() {
    // The oracle itself must be able to tell a good checksum from a bad one.
    let t = fresh_token(CredentialKind::ApiKey, 1, 2);
    let s = t.expose();
    assert_eq!(&s[TOKEN_LEN - 6..], oracle_checksum(&s[..TOKEN_LEN - 6]));
    assert_ne!(oracle_checksum("lks_a"), oracle_checksum("lks_b"));
    assert!(fits_u128(&"0".repeat(22)));
    assert!(!fits_u128(&"z".repeat(22)));
}

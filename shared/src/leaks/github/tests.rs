use super::*;
use crate::credential::Locator;
use crate::domain::{CredentialId, CredentialKind, PrincipalId};
use base64::Engine as _;
use p256::ecdsa::SigningKey;
use p256::ecdsa::signature::Signer as _;
use p256::elliptic_curve::Generate as _;
use p256::pkcs8::{EncodePublicKey as _, LineEnding};
use proptest::prelude::*;

const KEY_ID: &str = "90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a";

/// A key pair from fixed bytes, so a failure replays the same way.
fn fixed_key() -> SigningKey {
    SigningKey::from_slice(&[0x42; 32]).unwrap()
}

fn pem(key: &SigningKey) -> String {
    key.verifying_key().to_public_key_pem(LineEnding::LF).unwrap()
}

fn keys_json(entries: &[(&str, &SigningKey)]) -> String {
    let list: Vec<_> =
        entries.iter().map(|(id, key)| serde_json::json!({ "key_identifier": id, "key": pem(key) })).collect();
    serde_json::Value::Array(list).to_string()
}

fn keys_for(key: &SigningKey) -> GithubKeys {
    GithubKeys::parse(&keys_json(&[(KEY_ID, key)])).unwrap()
}

fn sign(key: &SigningKey, body: &[u8]) -> String {
    let signature: p256::ecdsa::Signature = key.sign(body);
    base64::engine::general_purpose::STANDARD.encode(signature.to_der().as_bytes())
}

fn token() -> Token {
    let locator = Locator {
        kind: CredentialKind::ApiKey,
        organization_id: Some(crate::domain::OrganizationId::new_random()),
        owner_id: PrincipalId::new_random(),
        credential_id: CredentialId::new_random(),
    };
    Token::generate(locator).unwrap()
}

fn body_with(tokens: &[&str]) -> Vec<u8> {
    let items: Vec<_> = tokens
        .iter()
        .map(|t| {
            serde_json::json!({
                "token": t, "type": "latchkey_api_key",
                "url": "https://github.com/octo/repo/blob/abc/config.yml", "source": "content",
                "a_field_github_added_later": {"nested": true}
            })
        })
        .collect();
    serde_json::Value::Array(items).to_string().into_bytes()
}

#[test]
fn a_good_signature_is_accepted_and_the_body_parsed() {
    let key = fixed_key();
    let keys = keys_for(&key);
    let leaked = token();
    let body = body_with(&[leaked.expose()]);
    let verified = keys.verify(Some(KEY_ID), Some(&sign(&key, &body)), &body).unwrap();
    let shown = format!("{verified:?}");
    // Neither as text nor as a list of bytes.
    let as_bytes = format!("{:?}", &leaked.expose().as_bytes()[4..16]);
    assert!(!shown.contains(&leaked.expose()[4..]) && !shown.contains(as_bytes.trim_matches(['[', ']'])), "{shown}");
    let report = verified.parse().unwrap();
    assert_eq!(report.matches().len(), 1);
    assert_eq!(report.matches()[0].token_type(), "latchkey_api_key");
    assert_eq!(report.matches()[0].source(), Some("content"));
    assert_eq!(report.candidates().tokens()[0].expose(), leaked.expose());
}

#[test]
fn a_random_key_pair_works_too() {
    let key = SigningKey::try_generate_from_rng(&mut rand::rngs::SysRng).unwrap();
    let keys = keys_for(&key);
    let body = body_with(&["anything"]);
    assert!(keys.verify(Some(KEY_ID), Some(&sign(&key, &body)), &body).is_ok());
    assert_eq!(
        keys.verify(Some(KEY_ID), Some(&sign(&fixed_key(), &body)), &body).unwrap_err(),
        SignatureError::BadSignature
    );
}

#[test]
fn bad_messages_are_refused() {
    let key = fixed_key();
    let keys = keys_for(&key);
    let body = body_with(&[token().expose()]);
    let good = sign(&key, &body);
    let refused = |id: Option<&str>, sig: Option<&str>, body: &[u8]| keys.verify(id, sig, body).unwrap_err();

    assert_eq!(refused(Some("another-key"), Some(&good), &body), SignatureError::UnknownKey);
    let mut tampered = body.clone();
    let at = tampered.iter().position(|&b| b == b'_').unwrap();
    tampered[at] = b'-';
    assert_eq!(refused(Some(KEY_ID), Some(&good), &tampered), SignatureError::BadSignature);
    assert_eq!(refused(Some(KEY_ID), Some("not base64!"), &body), SignatureError::MalformedSignature);
    let not_der = base64::engine::general_purpose::STANDARD.encode(b"not a DER signature");
    assert_eq!(refused(Some(KEY_ID), Some(&not_der), &body), SignatureError::MalformedSignature);
    assert_eq!(refused(Some(KEY_ID), Some(&"A".repeat(4000)), &body), SignatureError::MalformedSignature);
    assert_eq!(refused(None, Some(&good), &body), SignatureError::MissingKeyIdentifier);
    assert_eq!(refused(Some("  "), Some(&good), &body), SignatureError::MissingKeyIdentifier);
    assert_eq!(refused(Some(KEY_ID), None, &body), SignatureError::MissingSignature);
    assert_eq!(refused(Some(KEY_ID), Some(""), &body), SignatureError::MissingSignature);
    // Another key's signature of the very same body.
    let other = SigningKey::from_slice(&[0x24; 32]).unwrap();
    assert_eq!(refused(Some(KEY_ID), Some(&sign(&other, &body)), &body), SignatureError::BadSignature);
}

#[test]
fn the_signature_is_checked_before_the_body_is_read() {
    // An unsigned body that is not even JSON is refused for its signature, not its shape.
    let keys = keys_for(&fixed_key());
    assert_eq!(keys.verify(Some(KEY_ID), None, b"{{{ not json").unwrap_err(), SignatureError::MissingSignature);
    let other = SigningKey::from_slice(&[0x24; 32]).unwrap();
    assert_eq!(
        keys.verify(Some(KEY_ID), Some(&sign(&other, b"{{{")), b"{{{").unwrap_err(),
        SignatureError::BadSignature
    );
}

#[test]
fn no_key_configured_is_its_own_error() {
    let key = fixed_key();
    let body = body_with(&["x"]);
    let none = GithubKeys::none();
    assert_eq!(
        none.verify(Some(KEY_ID), Some(&sign(&key, &body)), &body).unwrap_err(),
        SignatureError::NoKeyConfigured
    );
    assert!(matches!(GithubKeys::from_lookup(|_| None), Err(KeyConfigError::NotConfigured)));
    assert!(matches!(GithubKeys::from_lookup(|_| Some("  ".into())), Err(KeyConfigError::NotConfigured)));
    let json = keys_json(&[(KEY_ID, &key)]);
    let from_env = GithubKeys::from_lookup(|name| (name == KEYS_ENV).then(|| json.clone())).unwrap();
    assert_eq!(from_env.identifiers().collect::<Vec<_>>(), vec![KEY_ID]);
}

#[test]
fn the_key_configuration_is_checked() {
    let (a, b) = (fixed_key(), SigningKey::from_slice(&[0x24; 32]).unwrap());
    assert!(matches!(GithubKeys::parse("[]"), Err(KeyConfigError::Empty)));
    assert!(matches!(GithubKeys::parse("{"), Err(KeyConfigError::Json(_))));
    assert!(matches!(GithubKeys::parse(r#"[{"key_identifier": "k"}]"#), Err(KeyConfigError::Json(_))));
    assert!(matches!(
        GithubKeys::parse(&keys_json(&[("k", &a), ("k", &b)])),
        Err(KeyConfigError::DuplicateIdentifier(_))
    ));
    assert!(matches!(GithubKeys::parse(&keys_json(&[(" ", &a)])), Err(KeyConfigError::EmptyIdentifier)));
    let bad = r#"[{"key_identifier": "k", "key": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}]"#;
    let error = GithubKeys::parse(bad).unwrap_err();
    assert!(matches!(error, KeyConfigError::Key { .. }));
    assert!(error.to_string().contains("\"k\""), "{error}");
    // Two keys: each verifies its own signatures.
    let keys = GithubKeys::parse(&keys_json(&[("a", &a), ("b", &b)])).unwrap();
    let body = b"[]";
    assert!(keys.verify(Some("b"), Some(&sign(&b, body)), body).is_ok());
    assert_eq!(keys.verify(Some("a"), Some(&sign(&b, body)), body).unwrap_err(), SignatureError::BadSignature);
}

#[test]
fn githubs_published_document_is_read_as_is() {
    let key = fixed_key();
    let document = serde_json::json!({
        "public_keys": [{ "key_identifier": KEY_ID, "key": pem(&key), "is_current": true }]
    })
    .to_string();
    let keys = GithubKeys::parse(&document).unwrap();
    let body = body_with(&["x"]);
    assert!(keys.verify(Some(KEY_ID), Some(&sign(&key, &body)), &body).is_ok());
}

#[test]
fn the_answer_labels_each_match_by_hash_and_never_echoes_a_token() {
    let key = fixed_key();
    let keys = keys_for(&key);
    let (revoked, unknown) = (token(), token());
    let last = if unknown.expose().ends_with('0') { '1' } else { '0' };
    let look_alike = format!("{}{last}", &unknown.expose()[..unknown.expose().len() - 1]);
    let body = body_with(&[revoked.expose(), unknown.expose(), &look_alike, "garbage"]);
    let report = keys.verify(Some(KEY_ID), Some(&sign(&key, &body)), &body).unwrap().parse().unwrap();
    let candidates = report.candidates();
    assert_eq!((candidates.tokens().len(), candidates.malformed()), (2, 2));
    let mut matched = MatchedTokens::new();
    matched.insert(&candidates.tokens()[0]);
    let answer = report.answer(&matched);
    let labels: Vec<Label> = answer.iter().map(|l| l.label).collect();
    assert_eq!(labels[0], Label::TruePositive);
    assert!(labels[1..].iter().all(|l| *l == Label::FalsePositive));
    let sha = |s: &str| hex::encode(Sha256::digest(s.as_bytes()));
    assert_eq!(answer[0].token_hash, sha(revoked.expose()));
    assert_eq!(answer[3].token_hash, sha("garbage"));
    assert!(answer.iter().all(|l| l.token_type == "latchkey_api_key"));
    let json = serde_json::to_string(&answer).unwrap();
    assert!(json.contains(r#""label":"true_positive""#) && json.contains(r#""label":"false_positive""#), "{json}");
    for secret in [revoked.expose(), unknown.expose()] {
        assert!(!json.contains(&secret[4..]), "{json}");
    }
    let shown = format!("{report:?} {matched:?} {candidates:?}");
    assert!(!shown.contains(&revoked.expose()[4..]) && !shown.contains("garbage"), "{shown}");
}

#[test]
fn bodies_that_are_not_githubs_array_are_validation_errors() {
    let key = fixed_key();
    let keys = keys_for(&key);
    let secret = token();
    for body in [
        format!(r#"{{"token": "{}"}}"#, secret.expose()),
        format!(r#"[{{"token": "{}"}}]"#, secret.expose()),
        format!(r#"["{}"]"#, secret.expose()),
        "not json".to_string(),
    ] {
        let body = body.into_bytes();
        let message = keys.verify(Some(KEY_ID), Some(&sign(&key, &body)), &body).unwrap().parse().unwrap_err();
        assert!(!message.to_string().contains(&secret.expose()[4..20]), "{message}");
    }
}

proptest! {
    /// Whatever the headers and body, verification answers and never panics; without the
    /// right signature nothing gets through.
    #[test]
    fn no_message_panics(
        id in proptest::option::of("[ -~]{0,80}"),
        sig in proptest::option::of("[A-Za-z0-9+/=]{0,120}"),
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let keys = keys_for(&fixed_key());
        prop_assert!(keys.verify(id.as_deref(), sig.as_deref(), &body).is_err());
    }

    /// A correctly signed body of any bytes: parsed or refused, never a panic.
    #[test]
    fn no_signed_body_panics(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let key = fixed_key();
        let verified = keys_for(&key).verify(Some(KEY_ID), Some(&sign(&key, &body)), &body);
        prop_assert!(verified.is_ok());
        if let Ok(verified) = verified {
            let _ = verified.parse().map(|report| report.answer(&MatchedTokens::new()));
        }
    }
}

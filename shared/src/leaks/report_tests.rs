use super::*;
use crate::credential::Locator;
use crate::domain::{CredentialId, CredentialKind};
use proptest::prelude::*;

fn token_of(owner: PrincipalId, kind: CredentialKind) -> String {
    let locator = Locator { kind, organization_id: None, owner_id: owner, credential_id: CredentialId::new_random() };
    Token::generate(locator).unwrap().expose().to_string()
}

fn token() -> String {
    token_of(PrincipalId::new_random(), CredentialKind::ApiKey)
}

/// The same token with its last checksum character changed.
fn look_alike(token: &str) -> String {
    let last = if token.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &token[..token.len() - 1])
}

fn reason(e: DomainError) -> String {
    e.to_string()
}

#[test]
fn a_body_of_well_formed_tokens_becomes_candidates() {
    let (a, b) = (token(), token());
    let body = serde_json::json!({ "credentials": [a, b] }).to_string();
    let report = LeakReport::parse_body(body.as_bytes()).unwrap();
    assert_eq!(report.received(), 2);
    let shown: Vec<&str> = report.candidates().tokens().iter().map(Token::expose).collect();
    assert_eq!(shown, vec![a.as_str(), b.as_str()]);
}

#[test]
fn malformed_entries_are_counted_and_skipped() {
    let good = token();
    let entries = vec![look_alike(&good), "hello".to_string(), String::new(), good.clone(), "lks_".to_string()];
    let report = LeakReport::from_entries(&entries).unwrap();
    assert_eq!(report.received(), 5);
    let candidates = report.candidates();
    assert_eq!(candidates.malformed(), 4);
    assert_eq!(candidates.tokens().len(), 1);
    assert_eq!(candidates.tokens()[0].expose(), good);
}

#[test]
fn duplicates_count_once_and_surrounding_whitespace_is_ignored() {
    let good = token();
    let entries = vec![good.clone(), format!("  {good}\n"), good.clone()];
    let candidates = LeakReport::from_entries(&entries).unwrap().into_candidates();
    assert_eq!(candidates.tokens().len(), 1);
    assert_eq!(candidates.duplicates(), 2);
    assert_eq!(candidates.malformed(), 0);
}

#[test]
fn at_most_ten_tokens_per_owner_the_first_ones() {
    let owner = PrincipalId::new_random();
    let mine: Vec<String> = (0..13).map(|i| token_of(owner, CredentialKind::ALL[i % 3])).collect();
    let other = token();
    let mut entries = mine.clone();
    entries.insert(5, other.clone());
    let candidates = LeakReport::from_entries(&entries).unwrap().into_candidates();
    assert_eq!(candidates.over_owner_cap(), 3);
    let kept: Vec<&str> = candidates.tokens().iter().map(Token::expose).collect();
    let mut expected: Vec<&str> = mine[..10].iter().map(String::as_str).collect();
    expected.insert(5, &other);
    assert_eq!(kept, expected);
}

#[test]
fn duplicates_do_not_use_up_an_owners_ten() {
    let owner = PrincipalId::new_random();
    let first = token_of(owner, CredentialKind::CliToken);
    let mut entries = vec![first.clone(); 20];
    entries.extend((0..9).map(|_| token_of(owner, CredentialKind::AccessToken)));
    let candidates = LeakReport::from_entries(&entries).unwrap().into_candidates();
    assert_eq!(candidates.tokens().len(), 10);
    assert_eq!(candidates.over_owner_cap(), 0);
    assert_eq!(candidates.duplicates(), 19);
}

#[test]
fn cap_per_owner_is_a_plain_function() {
    let owner = PrincipalId::new_random();
    let tokens: Vec<Token> = (0..4).map(|_| Token::parse(&token_of(owner, CredentialKind::ApiKey)).unwrap()).collect();
    let (kept, dropped) = cap_per_owner(tokens, 2);
    assert_eq!((kept.len(), dropped), (2, 2));
}

#[test]
fn limits_are_validation_errors_with_clear_messages() {
    let none: Vec<String> = vec![];
    assert!(reason(LeakReport::from_entries(&none).unwrap_err()).contains("1 to 1000 entries"));
    let many = vec!["x".to_string(); 1001];
    assert!(reason(LeakReport::from_entries(&many).unwrap_err()).contains("not 1001"));
    let exactly = vec!["x".to_string(); 1000];
    assert_eq!(LeakReport::from_entries(&exactly).unwrap().received(), 1000);
    let long = vec!["ok".to_string(), "é".repeat(257)];
    let message = reason(LeakReport::from_entries(&long).unwrap_err());
    assert!(message.contains("entry 1 is longer than 256 characters"), "{message}");
    // 256 characters (of two bytes each) is within the limit: characters, not bytes.
    assert!(LeakReport::from_entries(&["é".repeat(256)]).is_ok());
}

#[test]
fn bodies_that_are_not_the_shape_are_refused_without_echoing_them() {
    let secret = token();
    let bodies = [
        String::new(),
        "{}".to_string(),
        "[]".to_string(),
        "not json".to_string(),
        format!(r#"{{"credentials": "{secret}"}}"#),
        format!(r#"{{"credentials": [{{"token": "{secret}"}}]}}"#),
        format!(r#"{{"credentials": ["{secret}"], "{secret}": 1}}"#),
        format!(r#"{{"credentials": [1, "{secret}"]}}"#),
    ];
    for body in bodies {
        let message = reason(LeakReport::parse_body(body.as_bytes()).unwrap_err());
        assert!(message.starts_with("credentials: "), "{message}");
        assert!(!message.contains(&secret[4..20]), "{body} → {message}");
    }
    let message = reason(LeakReport::parse_body(b"{}").unwrap_err());
    assert!(message.contains(r#"{"credentials": [string, ...]}"#), "{message}");
}

#[test]
fn debug_shows_no_token() {
    let secret = token();
    let report = LeakReport::from_entries(std::slice::from_ref(&secret)).unwrap();
    let shown = format!("{report:?}");
    assert!(!shown.contains(&secret[4..]), "{shown}");
}

fn entry() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "lk[usax]_[0-9A-Za-z_]{0,100}",
        Just(()).prop_map(|_| token()),
        Just(()).prop_map(|_| look_alike(&token())),
    ]
}

proptest! {
    /// No input panics: raw bytes, or entries of any kind.
    #[test]
    fn no_body_panics(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = LeakReport::parse_body(&body);
    }

    /// Whatever the entries: each is either counted or kept, kept tokens are distinct and
    /// no owner has more than ten.
    #[test]
    fn every_entry_is_accounted_for(entries in proptest::collection::vec(entry(), 1..40)) {
        let report = LeakReport::from_entries(&entries).unwrap();
        let c = report.candidates();
        prop_assert_eq!(report.received(), entries.len());
        prop_assert_eq!(c.tokens().len() + c.malformed() + c.duplicates() + c.over_owner_cap(), entries.len());
        let distinct: HashSet<&str> = c.tokens().iter().map(Token::expose).collect();
        prop_assert_eq!(distinct.len(), c.tokens().len());
        let mut per: HashMap<PrincipalId, usize> = HashMap::new();
        for t in c.tokens() {
            *per.entry(t.locator().owner_id).or_default() += 1;
        }
        prop_assert!(per.values().all(|n| *n <= MAX_PER_OWNER));
    }

    /// A body around any strings: refused or accepted, never a panic.
    #[test]
    fn any_list_of_strings_is_handled(entries in proptest::collection::vec(any::<String>(), 0..30)) {
        let body = serde_json::json!({ "credentials": entries }).to_string();
        let _ = LeakReport::parse_body(body.as_bytes());
    }
}

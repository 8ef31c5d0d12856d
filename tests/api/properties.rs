//! Property-based tests: the credential parser, the value types (service-account names,
//! emails, lifespans), pagination cursors, and hostile JSON bodies and bytes sent to every
//! route that reads a body (through the local server on SQLite).
//!
//! Case counts default to small numbers fit for CI; `PROPTEST_CASES=N` overrides every one
//! of them (e.g. `PROPTEST_CASES=5000 cargo test -p latchkey-tests --test api properties`).

use latchkey::api::cursor;
use latchkey::credential::{Locator, TOKEN_LEN, Token, TokenFormatError};
use latchkey::domain::{
    CredentialId, CredentialKind, Email, LifespanDays, OrganizationId, PrincipalId, ServiceAccountName,
};
use latchkey_tests::app::{Reply, TestApp, spawn_app};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use uuid::Uuid;

/// `PROPTEST_CASES` when set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn config(default: u32) -> Config {
    Config { cases: cases(default), failure_persistence: None, ..Config::default() }
}

// ---- an independent oracle for the token format of SPEC section 2 ---------------------

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

    /// The name rule of SPEC section 1, as an oracle; and the account's email is a valid,
    /// already-normalised email.
    #[test]
    fn service_account_names_follow_the_rule(
        raw in prop_oneof![
            "[a-z0-9\\-]{0,70}",
            "[a-z][a-z0-9\\-]{0,64}[a-z0-9]",
            any::<String>(),
            "[a-zA-Z0-9_\\-. é]{0,10}",
        ]
    ) {
        let b = raw.as_bytes();
        let expected = (1..=63).contains(&b.len())
            && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b[0].is_ascii_lowercase()
            && !raw.ends_with('-');
        let parsed = ServiceAccountName::parse(&raw);
        prop_assert_eq!(parsed.is_ok(), expected, "{:?}", raw);
        if let Ok(name) = parsed {
            let org = OrganizationId::new_random();
            let email = name.email(org, "ServiceAccount.COM");
            let reparsed = Email::parse(email.as_str()).expect("a service account's email is an email");
            prop_assert_eq!(&reparsed, &email);
            prop_assert!(email.is_in_service_account_domain("serviceaccount.com"));
            prop_assert_eq!(email.local_part(), name.as_str());
        }
    }

    /// Emails: never a panic; what is accepted is trimmed, lower-cased, has exactly one
    /// `@`, no whitespace, control or format (Cf) characters, fits 254 bytes, and parses to itself
    /// (normalised once: case and surrounding space variants are the same address).
    #[test]
    fn emails_are_normalised_once(
        raw in prop_oneof![
            any::<String>(),
            "[ \t]{0,2}[A-Za-z0-9._%+\\-]{0,20}@[A-Za-z0-9.\\-]{0,20}[ \t]{0,2}",
            "[a-zé]{1,70}@[a-z]{1,200}\\.[a-z]{2,5}",
            "[a-z\u{200b}\u{202e}\u{feff}]{1,20}@example\\.com",
        ]
    ) {
        if let Ok(email) = Email::parse(&raw) {
            let s = email.as_str();
            prop_assert_eq!(s, raw.trim().to_lowercase());
            prop_assert_eq!(s.matches('@').count(), 1);
            prop_assert!(!s.chars().any(|c| c.is_whitespace() || c.is_control()));
            prop_assert!(!s.chars().any(latchkey::domain::text::is_format_character));
            prop_assert!(s.len() <= 254);
            prop_assert!(!email.local_part().is_empty() && email.local_part().len() <= 64);
            prop_assert_eq!(Email::parse(s).ok(), Some(email.clone()));
            let padded = Email::parse(&format!("  {}\t", raw.to_uppercase())).ok();
            let upper = Email::parse(&raw.to_uppercase()).ok();
            prop_assert_eq!(padded, upper.clone());
            if raw.is_ascii() {
                prop_assert_eq!(upper, Some(email.clone()));
            }
        }
    }

    #[test]
    fn lifespans_are_whole_days_from_one_to_the_maximum(days in any::<i64>(), small in -5i64..400, max in 1u32..1000) {
        for d in [days, small] {
            let parsed = LifespanDays::parse(d, max);
            prop_assert_eq!(parsed.is_ok(), d >= 1 && d <= i64::from(max), "{} of {}", d, max);
            if let Ok(l) = parsed {
                prop_assert_eq!(i64::from(l.days()), d);
                prop_assert_eq!(l.duration().num_days(), d);
            }
        }
    }

    /// `cursor::decode` on arbitrary strings never panics and never decodes.
    #[test]
    fn cursor_decode_never_panics(s in any::<String>(), b64 in "[A-Za-z0-9_\\-]{0,200}") {
        let org = OrganizationId::new_random();
        prop_assert!(cursor::decode(&s, org, "users").is_err());
        let _ = cursor::decode(&b64, org, "users");
    }

    /// Arbitrary JSON (well-formed cursor bodies with random fields, and junk) base64-encoded:
    /// decodes only when it was made for exactly this organization and list, and then
    /// yields exactly the position inside.
    #[test]
    fn cursors_never_decode_for_another_organization_or_list(
        v in prop_oneof![Just(json!(1)), Just(json!(2)), Just(json!(0)), Just(json!("1")), Just(json!(null)), Just(json!(1.0))],
        same_org in any::<bool>(),
        org_case in 0u8..3,
        list in prop_oneof![Just("users".to_string()), Just("service_accounts".to_string()), "[a-z_|=]{0,20}"],
        position in any::<String>(),
        extra in proptest::option::of(("[a-z]{1,3}", any::<i32>())),
        junk in any::<Vec<u8>>(),
    ) {
        let org = OrganizationId::new_random();
        let other = OrganizationId::new_random();
        let o = if same_org { org } else { other };
        let o = match org_case {
            0 => json!(o.to_string()),
            1 => json!(o.to_string().to_uppercase()),
            _ => json!(o.as_uuid().simple().to_string()),
        };
        let mut body = json!({ "v": v, "o": o, "l": list, "p": position });
        if let Some((k, val)) = &extra {
            body[k.as_str()] = json!(val);
        }
        use base64::Engine;
        let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let c = enc.encode(serde_json::to_vec(&body).unwrap());
        for wanted in ["users", "service_accounts", list.as_str()] {
            match cursor::decode(&c, org, wanted) {
                Ok(p) => {
                    prop_assert!(same_org, "decoded a cursor of another organization");
                    prop_assert_eq!(&list, wanted);
                    prop_assert_eq!(&p, &position);
                    prop_assert_eq!(&body["v"], &json!(1));
                }
                Err(e) => prop_assert_eq!(e.status(), 400),
            }
            if same_org {
                prop_assert!(cursor::decode(&c, other, wanted).is_err());
            }
        }
        prop_assert!(cursor::decode(&enc.encode(&junk), org, "users").is_err());
        // A genuine cursor round-trips and is bound to its organization and list.
        let genuine = cursor::encode(org, &list, &position);
        if genuine.len() <= 1024 {
            prop_assert_eq!(cursor::decode(&genuine, org, &list).ok(), Some(position.clone()));
        }
        prop_assert!(cursor::decode(&genuine, other, &list).is_err());
        let longer = format!("{list}x");
        prop_assert!(cursor::decode(&genuine, org, &longer).is_err());
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

// ---- hostile bodies through the local server ---------------------------------------------

/// Any JSON value, nested a little.
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        "[a-zA-Z0-9@._\\- ]{0,30}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map("[a-z_]{0,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A value that is certainly invalid for `field` of a body-taking route.
fn invalid_for(field: &'static str) -> BoxedStrategy<Value> {
    let not_string = any_json().prop_filter("not a string", |v| !v.is_string() && !v.is_null());
    match field {
        "email" => prop_oneof![
            not_string.clone(),
            "[a-z0-9. ]{0,20}".prop_map(Value::from),
            "[a-z]{1,8} [a-z]{1,8}@example\\.com".prop_map(Value::from),
            "[a-z]{1,8}@org-[0-9]{1,4}\\.serviceaccount\\.com".prop_map(Value::from),
            "[a-z]{65,80}@example\\.com".prop_map(Value::from),
        ]
        .boxed(),
        "name" => prop_oneof![
            not_string.clone(),
            "[a-z]{1,5}[\\x00-\\x1f][a-z]{1,5}".prop_map(Value::from),
            "[a-z]{101,120}".prop_map(Value::from),
        ]
        .boxed(),
        "sa_name" => prop_oneof![
            not_string.clone(),
            Just(Value::from("")),
            "[0-9\\-][a-z0-9\\-]{0,10}".prop_map(Value::from),
            "[a-z][a-z0-9]{0,10}-".prop_map(Value::from),
            "[a-z][a-z0-9]{0,5}[A-Z_. @é][a-z0-9]{0,5}".prop_map(Value::from),
            "[a-z]{64,80}".prop_map(Value::from),
        ]
        .boxed(),
        "permission_level" => prop_oneof![
            not_string.clone(),
            "[A-Za-z_]{0,14}".prop_filter("not a level", |s| s != "OWNER" && s != "COLLABORATOR").prop_map(Value::from),
            Just(Value::from("owner")),
        ]
        .boxed(),
        "roles" => prop_oneof![
            any_json().prop_filter("not an array", |v| !v.is_array() && !v.is_null()),
            proptest::collection::vec(any_json(), 1..4).prop_map(|mut v| {
                v.push(Value::from("TokenDestroyer"));
                Value::from(v)
            }),
        ]
        .boxed(),
        "lifespan_days" => prop_oneof![
            (i64::MIN..1).prop_map(Value::from),
            (366i64..i64::MAX).prop_map(Value::from),
            (0.5f64..100.0).prop_filter("fractional", |f| f.fract() != 0.0).prop_map(Value::from),
            "[0-9]{1,3}".prop_map(Value::from),
        ]
        .boxed(),
        "user" => prop_oneof![
            not_string.clone(),
            "[a-z0-9\\-]{0,40}".prop_map(Value::from),
            Just(Value::from(Uuid::new_v4().to_string())),
            "[a-z]{1,8}@nobody\\.example".prop_map(Value::from),
        ]
        .boxed(),
        "description" => prop_oneof![not_string.clone(), "[a-z ]{257,300}".prop_map(Value::from)].boxed(),
        "revoked" => any_json().prop_filter("not a bool", |v| !v.is_boolean() && !v.is_null()).boxed(),
        other => panic!("no invalid strategy for {other}"),
    }
}

/// A valid-looking value for `field` (may or may not be accepted on its own).
fn plausible_for(field: &'static str) -> BoxedStrategy<Value> {
    match field {
        "email" => "[a-z]{1,8}@example\\.com".prop_map(Value::from).boxed(),
        "name" => "[A-Za-z ]{0,20}".prop_map(Value::from).boxed(),
        "sa_name" => "[a-z][a-z0-9\\-]{0,10}[a-z]".prop_map(Value::from).boxed(),
        "permission_level" => prop_oneof![Just(Value::from("OWNER")), Just(Value::from("COLLABORATOR"))].boxed(),
        "roles" => prop_oneof![Just(json!([])), Just(json!(["TokenCreator"]))].boxed(),
        "lifespan_days" => (1i64..=365).prop_map(Value::from).boxed(),
        "user" => Just(Value::from("owner@example.com")).boxed(),
        "description" => "[a-z ]{0,20}".prop_map(Value::from).boxed(),
        "revoked" => any::<bool>().prop_map(Value::from).boxed(),
        other => panic!("no plausible strategy for {other}"),
    }
}

/// A JSON object with some fields of the route plausible, one certainly invalid, and
/// sometimes an unknown field too: never a valid request.
fn invalid_object(fields: &'static [&'static str]) -> BoxedStrategy<Value> {
    let n = fields.len();
    (0..n, proptest::collection::vec(any::<bool>(), n), proptest::option::of(("[a-z_]{1,12}", any_json())))
        .prop_flat_map(move |(bad, present, unknown)| {
            let plausible: Vec<BoxedStrategy<Value>> = fields.iter().map(|f| plausible_for(f)).collect();
            (invalid_for(fields[bad]), plausible, Just(bad), Just(present), Just(unknown))
        })
        .prop_map(move |(bad_value, plausible, bad, present, unknown)| {
            let mut o = serde_json::Map::new();
            for (i, f) in fields.iter().enumerate() {
                let key = if *f == "sa_name" { "name" } else { f };
                if i == bad {
                    o.insert(key.to_string(), bad_value.clone());
                } else if present[i] {
                    o.insert(key.to_string(), plausible[i].clone());
                }
            }
            if let Some((k, v)) = unknown {
                let known = fields.iter().any(|f| *f == k || (*f == "sa_name" && k == "name"));
                if !known {
                    o.insert(k, v);
                }
            }
            Value::Object(o)
        })
        .boxed()
}

/// Bytes that are not a JSON object (and not empty or whitespace, which counts as `{}`).
fn junk_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 1..300),
        "[\\{\\}\\[\\]\":,0-9a-z \\\\]{1,40}".prop_map(String::into_bytes),
        Just(b"{".to_vec()),
        Just(b"{\"email\": \"a@b.c\"".to_vec()),
        Just(vec![0xEF, 0xBB, 0xBF, b'{', b'}']),
        Just(b"{\"email\":\"a@b.c\",\"email\":\"d@e.f\"}x".to_vec()),
    ]
    .prop_filter("not an object nor blank", |b| {
        !b.iter().all(u8::is_ascii_whitespace) && !matches!(serde_json::from_slice::<Value>(b), Ok(Value::Object(_)))
    })
}

/// A body for a route that takes none: anything non-blank that is not `{}`.
fn non_empty_body() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        junk_bytes(),
        any_json()
            .prop_filter("not {}", |v| !matches!(v, Value::Object(m) if m.is_empty()))
            .prop_map(|v| v.to_string().into_bytes()),
    ]
    .boxed()
}

/// A body that is never a valid request to a body-taking route with `fields`.
fn hostile_body(fields: &'static [&'static str]) -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        3 => invalid_object(fields).prop_map(|v| v.to_string().into_bytes()),
        1 => any_json().prop_filter("not an object", |v| !v.is_object()).prop_map(|v| v.to_string().into_bytes()),
        1 => junk_bytes(),
    ]
    .boxed()
}

#[track_caller]
fn check_refused(reply: &Reply, what: &str) -> Result<(), TestCaseError> {
    prop_assert!((400..500).contains(&reply.status), "{what}: expected a 4xx, got {} {}", reply.status, reply.text);
    prop_assert_eq!(&reply.content_type, "application/problem+json", "{}: {}", what, reply.text);
    prop_assert_eq!(reply.body["status"].as_u64(), Some(u64::from(reply.status)));
    prop_assert!(reply.body["code"].is_string() && reply.body["detail"].is_string(), "{}", reply.text);
    Ok(())
}

struct Target {
    method: &'static str,
    path: String,
    body: BoxedStrategy<Vec<u8>>,
}

#[test]
fn hostile_bodies_on_every_route_get_a_4xx_and_change_nothing() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let app: TestApp = rt.block_on(async { spawn_app(latchkey_tests::sqlite_store().await).await });
    let (collab_id, token_id, key_id) = rt.block_on(async {
        let (collab_id, _) = app.add_user("collab@example.com", json!({})).await;
        app.add_service_account("robot", None).await;
        let t = app.post("/tokens", &app.owner_token, json!({"description": "mine"})).await;
        let token_id = t.assert_status(201)["token_info"]["id"].as_str().unwrap().to_string();
        let keys = app.get("/service-accounts/robot/api-keys", &app.owner_token).await;
        let key_id = keys.assert_status(200)["items"][0]["id"].as_str().unwrap().to_string();
        (collab_id, token_id, key_id)
    });
    let before = rt.block_on(app.snapshot(&app.owner_token));
    const USER: &[&str] = &["email", "name", "permission_level", "roles"];
    const USER_UPDATE: &[&str] = &["permission_level", "roles"];
    const SA: &[&str] = &["sa_name", "permission_level"];
    const TOKEN: &[&str] = &["user", "lifespan_days", "description"];
    const TOKEN_UPDATE: &[&str] = &["description", "revoked"];
    let targets = vec![
        Target { method: "POST", path: "/users".into(), body: hostile_body(USER) },
        Target { method: "PATCH", path: format!("/users/{collab_id}"), body: hostile_body(USER_UPDATE) },
        Target { method: "POST", path: "/service-accounts".into(), body: hostile_body(SA) },
        Target { method: "POST", path: "/tokens".into(), body: hostile_body(TOKEN) },
        Target { method: "PATCH", path: format!("/tokens/{token_id}"), body: hostile_body(TOKEN_UPDATE) },
        // Routes without a body: a body must be refused before anything happens.
        Target { method: "DELETE", path: format!("/users/{collab_id}"), body: non_empty_body() },
        Target { method: "POST", path: "/users/me/cli-tokens/rotate".into(), body: non_empty_body() },
        Target { method: "DELETE", path: "/users/me/cli-tokens".into(), body: non_empty_body() },
        Target { method: "POST", path: format!("/users/{collab_id}/cli-tokens/rotate"), body: non_empty_body() },
        Target { method: "DELETE", path: "/service-accounts/robot".into(), body: non_empty_body() },
        Target { method: "POST", path: "/service-accounts/robot/api-keys".into(), body: non_empty_body() },
        Target { method: "POST", path: "/service-accounts/robot/api-keys/rotate".into(), body: non_empty_body() },
        Target { method: "DELETE", path: "/service-accounts/robot/api-keys".into(), body: non_empty_body() },
        Target { method: "DELETE", path: format!("/api-keys/{key_id}"), body: non_empty_body() },
    ];
    let per_route = cases(48);
    let mut total = 0;
    for target in targets {
        let mut runner = TestRunner::new(config(per_route));
        let result = runner.run(&target.body, |body| {
            rt.block_on(async {
                let what = format!("{} {} with {:?}", target.method, target.path, String::from_utf8_lossy(&body));
                let reply = app
                    .raw(target.method, &format!("/api/v1{}", target.path), Some(&app.owner_token), Some(body), None)
                    .await;
                check_refused(&reply, &what)?;
                let after = app.snapshot(&app.owner_token).await;
                prop_assert!(after == before, "{what} changed the organization");
                Ok::<(), TestCaseError>(())
            })
        });
        if let Err(e) = result {
            panic!("{} {}: {e}", target.method, target.path);
        }
        total += per_route;
    }
    // The owner's token still works: no hostile body rotated or revoked it.
    assert_eq!(rt.block_on(app.me_status(&app.owner_token)), 200);
    eprintln!("hostile bodies: {total} requests, all refused with 4xx, nothing changed");
}

#[test]
fn forged_cursors_on_every_list_get_a_400_never_a_5xx() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let app: TestApp = rt.block_on(async { spawn_app(latchkey_tests::sqlite_store().await).await });
    let org: OrganizationId = app.organization_id.parse().unwrap();
    let sa_id = rt.block_on(async {
        app.add_service_account("robot", None).await;
        app.add_user("collab@example.com", json!({})).await;
        app.get("/service-accounts/robot", &app.owner_token).await.assert_status(200)["id"]
            .as_str()
            .unwrap()
            .to_string()
    });
    // (path, the list name the server binds its cursors to)
    let lists = [
        ("/users", "users".to_string()),
        ("/service-accounts", "service_accounts".to_string()),
        ("/service-accounts/robot/api-keys", format!("sa_api_keys|{sa_id}|false")),
        ("/api-keys", "api_keys|||false".to_string()),
        ("/tokens", "tokens||false".to_string()),
    ];
    let strategy = (
        0..lists.len(),
        prop_oneof![
            // Junk.
            any::<String>().prop_map(|s| (s, false)),
            "[A-Za-z0-9_\\-]{1,120}".prop_map(|s| (s, false)),
            // Genuine envelopes for this organization and list around a forged position:
            // the store must refuse a position it cannot have produced.
            prop_oneof![
                any::<String>(),
                "[0-9TZ:.\\-]{0,30}#[0-9a-f\\-]{0,40}",
                "[0-9a-f\\-]{36}#[0-9TZ:.\\-]{0,30}#[0-9a-f\\-]{0,40}",
                Just(String::new()),
                Just("#".to_string()),
                Just("##".to_string()),
                Just(format!("9999-12-31T23:59:59.999999Z#{}", Uuid::new_v4())),
            ]
            .prop_map(|p| (p, true)),
        ],
    );
    let mut runner = TestRunner::new(config(256));
    let genuine_envelopes = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&strategy, |(which, (raw, envelope))| {
            let (path, list) = &lists[which];
            let cursor = if envelope { cursor::encode(org, list, &raw) } else { raw };
            let query: String = form_urlencoded_pair("cursor", &cursor);
            let reply = rt.block_on(app.get(&format!("{path}?{query}"), &app.owner_token));
            prop_assert!(
                reply.status == 200 || reply.status == 400,
                "{path} cursor {cursor:?}: {} {}",
                reply.status,
                reply.text
            );
            if reply.status == 400 {
                prop_assert_eq!(&reply.body["code"], "validation_failed");
            }
            if envelope {
                genuine_envelopes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(())
        })
        .unwrap();
    eprintln!("forged cursors: {} ({} in genuine envelopes)", cases(256), genuine_envelopes.into_inner());
}

fn form_urlencoded_pair(name: &str, value: &str) -> String {
    let mut out = format!("{name}=");
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

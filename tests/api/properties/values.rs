//! The value types and the pagination cursor as properties: service-account names follow the
//! rule, emails are normalised once, lifespans are whole days within the bounds, and cursors
//! never panic nor decode for another organization or list.

use super::*;

proptest! {
    #![proptest_config(config(512))]

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

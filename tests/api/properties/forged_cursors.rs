//! Forged cursors on every list, through the local server on SQLite: junk, and genuine
//! envelopes around a forged position, get a 400, never a 5xx.

use super::*;

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

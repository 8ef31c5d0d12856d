//! `latchkey org show|update` (SPEC section 11): the policy read and changed through the
//! command, its limits applied to new credentials, and the self-lockout answer (409) told
//! as a clear message.

use super::*;

#[test]
fn org_show_update_limits_ranges_and_the_lockout_message() {
    let h = Harness::start();
    h.login_as_owner();
    let shown = h.run(&["org", "show"]).ok();
    assert!(shown.stdout.contains("acme"), "{shown:#?}");
    assert!(shown.stdout.contains("any address"), "{shown:#?}");
    let org = h.run(&["org", "show", "--output", "json"]).ok().json();
    assert_eq!(org["name"], "acme");
    assert_eq!(org["policy"]["api_key_max_days"], Value::Null);
    assert_eq!(org["policy"]["allowed_ip_ranges"], serde_json::json!([]));

    let updated = h
        .run(&[
            "org",
            "update",
            "--access-token-max-days",
            "7",
            "--api-key-max-days",
            "30",
            "--allow-ip",
            "127.0.0.1",
            "--allow-ip",
            "2001:db8::/32",
            "--output",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(updated["policy"]["access_token_max_days"], 7);
    assert_eq!(updated["policy"]["api_key_max_days"], 30);
    assert_eq!(updated["policy"]["allowed_ip_ranges"], serde_json::json!(["127.0.0.1/32", "2001:db8::/32"]));
    assert_eq!(h.run(&["org", "show", "--output", "json"]).ok().json(), updated);
    let table = h.run(&["org", "show"]).ok().stdout;
    assert!(table.contains("7 days") && table.contains("30 days") && table.contains("127.0.0.1/32"), "{table}");

    // The limits bound new credentials: a longer token is refused, a key gets an expiry.
    h.run(&["token", "create", "--expiration-days", "8"]).fails_with(INVALID_INPUT);
    h.run(&["service-account", "create", "--name", "robot"]).ok();
    let created = h.run(&["service-account", "create-api-key", "--name", "robot", "--output", "json"]).ok().json();
    assert!(created["key"]["expires_at"].is_string(), "{created}");

    // Ranges that leave out the caller's own address: 409, a clear message, nothing changed.
    let refused = h.run(&["org", "update", "--allow-ip", "198.51.100.0/24"]).fails_with(CONFLICT);
    assert!(refused.stderr.contains("shut out"), "{refused:#?}");
    assert!(refused.stderr.contains("hint:") && refused.stderr.contains("--allow-ip"), "{refused:#?}");
    assert_eq!(h.run(&["org", "show", "--output", "json"]).ok().json(), updated);

    // A bad range is the server's 400; nothing to change is refused before any request.
    h.run(&["org", "update", "--allow-ip", "10.0.0.1/8"]).fails_with(INVALID_INPUT);
    let nothing = h.run(&["org", "update"]).fails_with(INVALID_INPUT);
    assert!(nothing.stderr.contains("nothing to change"), "{nothing:#?}");

    let cleared =
        h.run(&["org", "update", "--api-key-max-days", "none", "--clear-ips", "--output", "json"]).ok().json();
    assert_eq!(cleared["policy"]["api_key_max_days"], Value::Null);
    assert_eq!(cleared["policy"]["allowed_ip_ranges"], serde_json::json!([]));
    assert_eq!(cleared["policy"]["access_token_max_days"], 7);
}

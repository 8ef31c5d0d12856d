//! `--scope` on key and token creation and rotation, and `latchkey verify` (SPEC section 9).

use super::*;

#[test]
fn scoped_keys_and_tokens_and_verify() {
    let h = Harness::start();
    h.login_as_owner();
    h.run(&["service-account", "create", "--name", "robot", "--permission-level", "OWNER"]).ok();

    let created = h
        .run(&[
            "service-account",
            "create-api-key",
            "--name",
            "robot",
            "--scope",
            "latchkey:read",
            "--scope",
            "orders:read",
            "--output",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(created["key"]["scopes"], serde_json::json!(["latchkey:read", "orders:read"]));
    let key = str_field(&created, "/api_key").to_string();
    let me = h.run_as(&key, &["whoami", "--output", "json"]).ok().json();
    assert_eq!(me["credential"]["scopes"], serde_json::json!(["latchkey:read", "orders:read"]));
    // Within its scopes it reads; outside them it is refused.
    h.run_as(&key, &["service-account", "list"]).ok();
    h.run_as(&key, &["service-account", "create", "--name", "other"]).fails_with(AUTH_FAILURE);
    h.run(&["service-account", "create-api-key", "--name", "robot", "--scope", "latchkey:nope"])
        .fails_with(INVALID_INPUT);
    // The table shows the scopes.
    let table = h.run(&["api-key", "list"]).ok().stdout;
    assert!(table.contains("SCOPES") && table.contains("latchkey:read orders:read"), "{table}");

    // Rotation without --scope keeps the newest key's scopes; with --scope, those.
    let rotated = h.run(&["service-account", "rotate-api-keys", "--name", "robot", "--output", "json"]).ok().json();
    assert_eq!(rotated["key"]["scopes"], serde_json::json!(["latchkey:read", "orders:read"]));
    let rotated = h
        .run(&["service-account", "rotate-api-keys", "--name", "robot", "--scope", "orders:read", "--output", "json"])
        .ok()
        .json();
    assert_eq!(rotated["key"]["scopes"], serde_json::json!(["orders:read"]));
    let rotated_key = str_field(&rotated, "/api_key").to_string();

    let token = h
        .run(&["token", "create", "--expiration-days", "1", "--scope", "orders:write", "--output", "json"])
        .ok()
        .json();
    assert_eq!(token["token_info"]["scopes"], serde_json::json!(["orders:write"]));

    // verify: valid exits 0 and shows the scopes; anything else exits 1 with its code.
    let verified = h.run(&["verify", &rotated_key, "--output", "json"]).ok().json();
    assert_eq!((verified["valid"].as_bool(), verified["code"].as_str()), (Some(true), Some("valid")));
    assert_eq!(verified["credential"]["scopes"], serde_json::json!(["orders:read"]));
    let from_stdin = h.run_with(&["verify", "--source-ip", "198.51.100.7"], None, Some(&rotated_key)).ok();
    assert!(from_stdin.stdout.contains("orders:read"), "{}", from_stdin.stdout);
    let revoked = h.run(&["verify", &key]).fails_with(1);
    assert!(revoked.stdout.contains("revoked"), "{}", revoked.stdout);
    h.run(&["verify", "garbage", "--output", "json"]).fails_with(1);
    h.run(&["verify", &rotated_key, "--source-ip", "nope"]).fails_with(INVALID_INPUT);
}

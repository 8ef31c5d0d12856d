//! `api-key disable|enable|edit`, `token disable|enable`, and `--description` /
//! `--lifespan-days` on key creation and rotation (SPEC section 10).

use super::*;

#[test]
fn disable_enable_edit_and_key_lifespans() {
    let h = Harness::start();
    h.login_as_owner();
    h.run(&["service-account", "create", "--name", "robot"]).ok();
    let created = h
        .run(&[
            "service-account",
            "create-api-key",
            "--name",
            "robot",
            "--description",
            "deploys",
            "--lifespan-days",
            "10",
            "--output",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(created["key"]["description"], "deploys");
    assert!(created["key"]["expires_at"].is_string(), "{created}");
    let key = str_field(&created, "/api_key").to_string();
    let id = str_field(&created, "/key/id").to_string();

    let disabled = h.run(&["api-key", "disable", &id, "--output", "json"]).ok().json();
    assert_eq!(disabled["status"], "disabled");
    h.run_as(&key, &["whoami"]).fails_with(AUTH_FAILURE);
    let enabled = h.run(&["api-key", "enable", &id, "--output", "json"]).ok().json();
    assert_eq!(enabled["status"], "active");
    h.run_as(&key, &["whoami"]).ok();
    let edited = h.run(&["api-key", "edit", &id, "--description", "deploys prod", "--output", "json"]).ok().json();
    assert_eq!(edited["description"], "deploys prod");

    // A rotation that names neither keeps the description and the lifespan.
    let rotated = h.run(&["service-account", "rotate-api-keys", "--name", "robot", "--output", "json"]).ok().json();
    assert_eq!(rotated["key"]["description"], "deploys prod");
    assert!(rotated["key"]["expires_at"].is_string(), "{rotated}");
    h.run(&["service-account", "create-api-key", "--name", "robot", "--lifespan-days", "0"]).fails_with(INVALID_INPUT);

    let token = h.run(&["token", "create", "--description", "nightly", "--output", "json"]).ok().json();
    let token_id = str_field(&token, "/token_info/id").to_string();
    let secret = str_field(&token, "/token").to_string();
    assert_eq!(h.run(&["token", "disable", &token_id, "--output", "json"]).ok().json()["status"], "disabled");
    h.run_as(&secret, &["whoami"]).fails_with(AUTH_FAILURE);
    assert!(h.run(&["token", "enable", &token_id]).ok().stdout.contains("works again"));
    h.run_as(&secret, &["whoami"]).ok();
}

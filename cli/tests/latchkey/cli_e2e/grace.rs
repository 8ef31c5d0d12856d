//! SPEC section 10 through the command: `--grace-period` on the rotate commands,
//! `api-key roll`, and `user` / `service-account` `suspend` and `unsuspend`.

use super::*;

#[test]
fn graced_rotations_rolls_and_suspensions() {
    let h = Harness::start();
    h.login_as_owner();
    let created = h.run(&["service-account", "create", "--name", "robot", "--output", "json"]).ok().json();
    let first = str_field(&created, "/api_key").to_string();
    let rotated = h
        .run(&["service-account", "rotate-api-keys", "--name", "robot", "--grace-period", "600", "--output", "json"])
        .ok()
        .json();
    let second = str_field(&rotated, "/api_key").to_string();
    let second_id = str_field(&rotated, "/key/id").to_string();
    h.run_as(&first, &["whoami"]).ok();
    h.run_as(&second, &["whoami"]).ok();

    // Roll the second key with a grace: both it and its successor work.
    let rolled = h.run(&["api-key", "roll", &second_id, "--grace-period", "60", "--output", "json"]).ok().json();
    let successor = str_field(&rolled, "/api_key").to_string();
    h.run_as(&second, &["whoami"]).ok();
    h.run_as(&successor, &["whoami"]).ok();
    h.run(&["api-key", "roll", &second_id]).fails_with(CONFLICT);

    // Suspension: refused until unsuspended.
    h.run(&["service-account", "suspend", "--name", "robot"]).ok();
    h.run_as(&successor, &["whoami"]).fails_with(AUTH_FAILURE);
    h.run(&["service-account", "unsuspend", "--name", "robot"]).ok();
    h.run_as(&successor, &["whoami"]).ok();

    let added = h.run(&["user", "add", "--email", "ann@example.com", "--output", "json"]).ok().json();
    let ann_id = str_field(&added, "/user/id").to_string();
    let ann = str_field(&added, "/cli_token").to_string();
    let suspended = h.run(&["user", "suspend", &ann_id, "--output", "json"]).ok().json();
    assert_eq!(suspended["suspended"], serde_json::json!(true));
    h.run_as(&ann, &["whoami"]).fails_with(AUTH_FAILURE);
    h.run(&["user", "unsuspend", &ann_id]).ok();
    h.run_as(&ann, &["whoami"]).ok();
    // A graced rotation of another user's CLI tokens keeps the old one working.
    let rotated =
        h.run(&["user", "rotate-cli-token", &ann_id, "--grace-period", "600", "--output", "json"]).ok().json();
    h.run_as(&ann, &["whoami"]).ok();
    h.run_as(str_field(&rotated, "/cli_token"), &["whoami"]).ok();
    h.run(&["user", "rotate-cli-token", &ann_id, "--grace-period", "86401"]).fails_with(INVALID_INPUT);
}

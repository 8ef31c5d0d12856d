//! `latchkey audit list|get` (SPEC section 8) against a real `serve` on the embedded store.

use super::*;

fn actions(events: &Value) -> Vec<String> {
    events.as_array().expect("a JSON array").iter().map(|e| str_field(e, "/action").to_string()).collect()
}

#[test]
fn audit_list_and_get_show_who_did_what() {
    let h = Harness::start();
    h.login_as_owner();
    let added = h.run(&["user", "add", "--email", "ann@acme.com", "--output", "json"]).ok().json();
    let ann_id = str_field(&added, "/user/id").to_string();
    let ann_token = str_field(&added, "/cli_token").to_string();

    // Newest first: the user and its first CLI token, after bootstrap's organization, owner
    // and owner's CLI token.
    let all = h.run(&["audit", "list", "--all", "--output", "json"]).ok().json();
    let expected = ["credential.created", "user.created", "credential.created", "user.created", "organization.created"];
    assert_eq!(actions(&all), expected, "{all}");
    let created = &all[1];
    assert_eq!(str_field(created, "/target/label"), "ann@acme.com");
    assert_eq!(str_field(created, "/actor/email"), "admin@acme.com");
    assert_eq!(str_field(&all[4], "/actor/type"), "operator");
    assert!(!all.to_string().contains(&ann_token), "an audit event holds a token");

    // The table: readable labels, the operator by its type, the source IP.
    let table = h.run(&["audit", "list"]).ok().stdout;
    let header = table.lines().next().unwrap_or_default();
    assert!(header.starts_with("TIME") && header.contains("ACTOR") && header.contains("SOURCE IP"), "{table}");
    let user_row = table.lines().find(|l| l.contains("user.created")).unwrap_or_else(|| panic!("{table}"));
    assert!(user_row.contains("admin@acme.com") && user_row.contains("ann@acme.com"), "{user_row}");
    assert!(user_row.contains("127.0.0.1"), "{user_row}");
    assert!(table.lines().any(|l| l.contains("organization.created") && l.contains("operator")), "{table}");

    // Filters.
    let by_action = h.run(&["audit", "list", "--action", "user.created", "--output", "json"]).ok().json();
    assert_eq!(actions(&by_action), ["user.created", "user.created"]);
    let by_target = h.run(&["audit", "list", "--target", &ann_id, "--output", "json"]).ok().json();
    assert_eq!(actions(&by_target), ["user.created"]);
    let later = h.run(&["audit", "list", "--since", "2999-01-01", "--output", "json"]).ok().json();
    assert_eq!(actions(&later), Vec::<String>::new());
    h.run(&["audit", "list", "--action", "user.exploded"]).fails_with(INVALID_INPUT);
    h.run(&["audit", "list", "--since", "yesterday"]).fails_with(INVALID_INPUT);

    // --max-items shows that many and says when more match.
    let one = h.run(&["audit", "list", "--max-items", "1", "--output", "json"]).ok();
    assert_eq!(actions(&one.json()), ["credential.created"]);
    assert!(one.stderr.contains("more events match"), "{}", one.stderr);

    // get: the same event, in full; an unknown id is not found.
    let id = str_field(created, "/id");
    let got = h.run(&["audit", "get", id, "--output", "json"]).ok().json();
    assert_eq!(&got, created);
    let shown = h.run(&["audit", "get", id]).ok().stdout;
    assert!(shown.contains("ann@acme.com") && shown.contains("user.created"), "{shown}");
    h.run(&["audit", "get", "00000000-0000-7000-8000-000000000000"]).fails_with(NOT_FOUND);

    // Only OWNERs read the log.
    h.run_as(&ann_token, &["audit", "list"]).fails_with(AUTH_FAILURE);
}

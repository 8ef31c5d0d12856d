//! `latchkey scan --report` (SPEC section 12) against a real `serve`: what the scan finds in a
//! tree is revoked at once, and a look-alike is neither reported nor revoked.

use super::*;

#[test]
fn scan_report_revokes_what_it_found_in_a_tree() {
    let h = Harness::start();
    h.login_as_owner();
    let key = h.run(&["service-account", "create", "--name", "leaky-bot"]).ok().line();
    let kept = h.run(&["service-account", "create-api-key", "--name", "leaky-bot"]).ok().line();
    h.run_as(&key, &["whoami"]).ok();
    // A repository that committed one key; the other differs in its checksum by one character.
    let tree = tempfile::tempdir().expect("a tree");
    let mut look_alike = kept.clone();
    let last = look_alike.pop().expect("a character");
    look_alike.push(if last == 'A' { 'B' } else { 'A' });
    std::fs::write(tree.path().join("deploy.env"), format!("API_KEY={key}\nOTHER={look_alike}\n")).expect("write");
    let tree_path = tree.path().to_string_lossy().into_owned();
    let run = h.run(&["scan", &tree_path, "--report"]);
    assert_eq!(run.code, 1, "found something: exit 1\n{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(&format!("…{}", &key[key.len() - 6..])), "{}", run.stdout);
    assert!(!run.stdout.contains(&key) && !run.stderr.contains(&key), "the whole key was printed");
    // The found key stops; the look-alike's original was not reported and works.
    h.run_as(&key, &["whoami"]).fails_with(AUTH_FAILURE);
    h.run_as(&kept, &["whoami"]).ok();
    let events = h.run(&["audit", "list", "--action", "credential.leak_reported", "--output", "json"]).ok().json();
    assert_eq!(events.as_array().map(Vec::len), Some(1), "{events}");
}

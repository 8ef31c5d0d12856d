//! `latchkey audit replay` against moto: a bootstrap writes its audit events to a fresh
//! table, the replay of a window publishes them to a bus whose rule delivers to a queue.

use latchkey_tests::event_bus::{BusToQueue, moto_endpoint};
use std::collections::BTreeMap;
use std::path::PathBuf;
use tokio::process::Command;

fn latchkey(table: &str) -> Command {
    let mut command = Command::new(PathBuf::from(env!("CARGO_BIN_EXE_latchkey")));
    command
        .env("TABLE_NAME", table)
        .env("DYNAMODB_ENDPOINT", moto_endpoint())
        .env("AWS_ENDPOINT_URL", moto_endpoint())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("EVENT_BUS_NAME")
        .env_remove("AWS_PROFILE");
    command
}

async fn replay(table: &str, since: &str, until: &str, bus: &str) -> (bool, String, String) {
    let out = latchkey(table)
        .args(["audit", "replay", "--since", since, "--until", until, "--event-bus", bus])
        .output()
        .await
        .expect("run latchkey");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_publishes_the_windows_audit_events_once_each() {
    let table = format!("latchkey-replay-{}", uuid::Uuid::new_v4());
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    let boot = latchkey(&table)
        .args(["bootstrap", "--organization", "acme", "--owner-email", "admin@acme.com", "--dynamodb"])
        .output()
        .await
        .expect("bootstrap");
    assert!(boot.status.success(), "{}", String::from_utf8_lossy(&boot.stderr));
    let after = chrono::Utc::now() + chrono::Duration::seconds(5);
    let (since, until) = (before.to_rfc3339(), after.to_rfc3339());
    let bus = BusToQueue::create(&moto_endpoint()).await;

    // Nothing in a window before the bootstrap.
    let earlier = (before - chrono::Duration::hours(1)).to_rfc3339();
    let (ok, stdout, stderr) = replay(&table, &earlier, &since, &bus.bus).await;
    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), "0 published, 0 failed");

    let (ok, stdout, stderr) = replay(&table, &since, &until, &bus.bus).await;
    assert!(ok, "{stderr}");
    let published: usize = stdout.split_whitespace().next().and_then(|n| n.parse().ok()).expect("a count");
    assert!(published >= 2, "a bootstrap writes organization.created and more: {stdout}");
    assert_eq!(stdout.trim(), format!("{published} published, 0 failed"));
    let received = bus.received(published).await;
    assert_eq!(received.len(), published, "each event once: {received:#?}");
    let mut by_id = BTreeMap::new();
    for m in &received {
        assert_eq!(m["source"], "latchkey");
        assert_eq!(m["detail-type"], m["detail"]["action"], "detail-type is the action");
        assert!(by_id.insert(m["detail"]["id"].as_str().expect("id").to_string(), ()).is_none(), "a duplicate");
    }
    assert!(received.iter().any(|m| m["detail-type"] == "organization.created"));

    // A bus that does not exist: nothing published, a failure the operator sees.
    let (ok, stdout, stderr) = replay(&table, &since, &until, "no-such-bus").await;
    assert!(!ok, "{stdout}");
    assert_eq!(stdout.trim(), format!("0 published, {published} failed"));
    assert!(stderr.contains("were not published"), "{stderr}");
}

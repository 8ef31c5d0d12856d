//! Crash safety of the embedded store: `latchkey serve` is SIGKILLed in the middle of a
//! stream of writes and restarted on the same data directory; every write it acknowledged
//! must be there, and the directory must stay private (0700, files 0600).
//!
//! `CRASH_CYCLES=N` repeats the kill/restart cycle (default 2).

use latchkey_tests::server::{ServerProcess, bootstrap, scratch_dir};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_latchkey"))
}

/// Every service account of the organization, following cursors.
pub async fn all_service_accounts(http: &reqwest::Client, base: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/service-accounts?max_items=100");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let r = http.get(url).bearer_auth(token).send().await.expect("list");
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        items.extend(v["items"].as_array().unwrap().iter().cloned());
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return items,
        }
    }
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777
}

/// The data directory is 0700 and every file in it 0600.
#[cfg(unix)]
pub fn assert_private(data_dir: &Path) {
    assert_eq!(mode(data_dir), 0o700, "{} is {:o}", data_dir.display(), mode(data_dir));
    let mut files = 0;
    for entry in std::fs::read_dir(data_dir).unwrap().flatten() {
        let m = mode(&entry.path());
        assert_eq!(m, 0o600, "{} is {:o}", entry.path().display(), m);
        files += 1;
    }
    assert!(files >= 1, "no database file in {}", data_dir.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill() {
    let cycles: usize = std::env::var("CRASH_CYCLES").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let scratch = scratch_dir("crash");
    std::fs::create_dir_all(&scratch).unwrap();
    let data = scratch.join("data");
    let log = scratch.join("serve.log");
    let token = bootstrap(&bin(), &data, "crash-org", "owner@example.com", &log);
    #[cfg(unix)]
    assert_private(&data);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let acknowledged: Arc<Mutex<Vec<(String, String)>>> = Arc::new(Mutex::new(Vec::new()));
    let mut next = 0usize;
    for cycle in 0..cycles {
        let mut server = ServerProcess::start(&bin(), &data, &log, "info");
        let base = server.base.clone();
        // Four writers, each creating accounts one after another until the server dies.
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let http = http.clone();
                let base = base.clone();
                let token = token.clone();
                let acknowledged = Arc::clone(&acknowledged);
                let start = next + w * 100_000;
                tokio::spawn(async move {
                    for i in start.. {
                        let name = format!("crash-{cycle}-{i}");
                        let r = http
                            .post(format!("{base}/api/v1/service-accounts"))
                            .bearer_auth(&token)
                            .json(&json!({ "name": name }))
                            .send()
                            .await;
                        let Ok(r) = r else { return };
                        let status = r.status().as_u16();
                        let Ok(v) = r.json::<Value>().await else { return };
                        assert_eq!(status, 201, "{name}: {v}");
                        acknowledged.lock().unwrap().push((name, v["api_key"].as_str().unwrap().to_string()));
                    }
                })
            })
            .collect();
        next += 1_000_000;
        // Kill it mid-stream, once some writes were acknowledged.
        let before = acknowledged.lock().unwrap().len();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while acknowledged.lock().unwrap().len() < before + 25 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(37 * (cycle as u64 + 1))).await;
        server.kill();
        for w in writers {
            w.await.unwrap();
        }
        eprintln!("cycle {cycle}: killed after {} acknowledged writes in all", acknowledged.lock().unwrap().len());
    }
    // Restart on the same directory: everything acknowledged is there and works.
    let server = ServerProcess::start(&bin(), &data, &log, "info");
    let listed: std::collections::HashSet<String> = all_service_accounts(&http, &server.base, &token)
        .await
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 25 * cycles);
    for (name, _) in &acknowledged {
        assert!(listed.contains(name), "acknowledged {name} is gone after SIGKILL");
    }
    for (name, key) in acknowledged.iter().step_by(7) {
        let r = http.get(format!("{}/api/v1/me", server.base)).bearer_auth(key).send().await.unwrap();
        assert_eq!(r.status(), 200, "the key of {name} no longer works");
    }
    #[cfg(unix)]
    assert_private(&data);
    eprintln!(
        "crash: {} acknowledged writes over {cycles} SIGKILLs, all present ({} listed)",
        acknowledged.len(),
        listed.len()
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&scratch);
}

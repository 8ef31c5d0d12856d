//! A bounded load test on loopback against the built `latchkey serve` (SQLite): concurrent
//! clients mixing authorizations (`/me`), creations (service accounts, API keys) and
//! revocations. Zero 5xx, zero lost acknowledged writes, and no revoked key accepted after
//! its revoke returned. Prints requests, errors and requests per second.
//!
//! Bounds: `LOAD_SECONDS` (default 5) and `LOAD_MAX_REQUESTS` (default 20000), whichever
//! comes first; `LOAD_CLIENTS` concurrent clients (default 16). Traffic goes only to
//! 127.0.0.1.

use latchkey_tests::server::{ServerProcess, bootstrap, scratch_dir};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[derive(Default)]
struct Shared {
    /// Keys acknowledged and not (yet) revoked: (plaintext, id, account).
    live: Mutex<Vec<(String, String, String)>>,
    /// Revoked keys and when their revoke returned.
    revoked: Mutex<HashMap<String, Instant>>,
    accounts: Mutex<Vec<String>>,
    requests: AtomicU64,
    server_errors: AtomicU64,
    transport_errors: AtomicU64,
    late_accepts: AtomicU64,
    by_kind: Mutex<HashMap<&'static str, u64>>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn load_on_loopback_loses_nothing_and_never_fails() {
    let seconds = env_or("LOAD_SECONDS", 5);
    let max_requests = env_or("LOAD_MAX_REQUESTS", 20_000);
    let clients = env_or("LOAD_CLIENTS", 16);
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_latchkey"));
    let scratch = scratch_dir("load");
    std::fs::create_dir_all(&scratch).unwrap();
    let data = scratch.join("data");
    let log = scratch.join("serve.log");
    let owner = bootstrap(&bin, &data, "load-org", "owner@example.com", &log);
    let server = ServerProcess::start(&bin, &data, &log, "warn");
    let base = server.base.clone();
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).pool_max_idle_per_host(64).build().unwrap();
    let shared = Arc::new(Shared::default());
    // A few accounts to start with.
    for i in 0..4 {
        let name = format!("seed-{i}");
        let r = http
            .post(format!("{base}/api/v1/service-accounts"))
            .bearer_auth(&owner)
            .json(&json!({"name": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        let key = v["api_key"].as_str().unwrap().to_string();
        let me: Value =
            http.get(format!("{base}/api/v1/me")).bearer_auth(&key).send().await.unwrap().json().await.unwrap();
        shared.live.lock().unwrap().push((key, me["credential"]["id"].as_str().unwrap().to_string(), name.clone()));
        shared.accounts.lock().unwrap().push(name);
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let http = http.clone();
            let base = base.clone();
            let owner = owner.clone();
            let shared = Arc::clone(&shared);
            tokio::spawn(async move {
                let mut n: u64 = c * 7919;
                let mut seq = 0u64;
                while Instant::now() < deadline && shared.requests.load(Ordering::Relaxed) < max_requests {
                    n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    let pick = (n >> 33) % 100;
                    seq += 1;
                    let kind: &'static str;
                    let sent = Instant::now();
                    let result = if pick < 60 {
                        // Authorize with some key (sometimes a revoked one).
                        kind = "me";
                        let candidate = {
                            let revoked = shared.revoked.lock().unwrap();
                            if pick < 10 && !revoked.is_empty() {
                                revoked.iter().nth((n as usize >> 7) % revoked.len()).map(|(k, _)| k.clone())
                            } else {
                                let live = shared.live.lock().unwrap();
                                live.get((n as usize >> 7) % live.len().max(1)).map(|k| k.0.clone())
                            }
                        };
                        let Some(key) = candidate else { continue };
                        let r = http.get(format!("{base}/api/v1/me")).bearer_auth(&key).send().await;
                        if let Ok(r) = &r
                            && r.status() == 200
                        {
                            let revoked_at = shared.revoked.lock().unwrap().get(&key).copied();
                            if revoked_at.is_some_and(|t| sent > t) {
                                shared.late_accepts.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                        r.map(|r| (r.status().as_u16(), None))
                    } else if pick < 80 {
                        kind = "create_key";
                        let account = {
                            let a = shared.accounts.lock().unwrap();
                            a[(n as usize >> 9) % a.len()].clone()
                        };
                        match http
                            .post(format!("{base}/api/v1/service-accounts/{account}/api-keys"))
                            .bearer_auth(&owner)
                            .send()
                            .await
                        {
                            Ok(r) => {
                                let status = r.status().as_u16();
                                let v: Value = r.json().await.unwrap_or(Value::Null);
                                if status == 201 {
                                    shared.live.lock().unwrap().push((
                                        v["api_key"].as_str().unwrap().to_string(),
                                        v["key"]["id"].as_str().unwrap().to_string(),
                                        account,
                                    ));
                                }
                                Ok((status, Some(v)))
                            }
                            Err(e) => Err(e),
                        }
                    } else if pick < 90 {
                        kind = "create_account";
                        let name = format!("load-{c}-{seq}");
                        match http
                            .post(format!("{base}/api/v1/service-accounts"))
                            .bearer_auth(&owner)
                            .json(&json!({"name": name}))
                            .send()
                            .await
                        {
                            Ok(r) => {
                                let status = r.status().as_u16();
                                let v: Value = r.json().await.unwrap_or(Value::Null);
                                if status == 201 {
                                    let key = v["api_key"].as_str().unwrap().to_string();
                                    shared.accounts.lock().unwrap().push(name.clone());
                                    // Its id is learnt later, from the list.
                                    shared.live.lock().unwrap().push((key, String::new(), name));
                                }
                                Ok((status, Some(v)))
                            }
                            Err(e) => Err(e),
                        }
                    } else {
                        kind = "revoke";
                        let victim = {
                            let mut live = shared.live.lock().unwrap();
                            let eligible: Vec<usize> = (0..live.len()).filter(|&i| !live[i].1.is_empty()).collect();
                            if eligible.len() < 4 {
                                None
                            } else {
                                Some(live.swap_remove(eligible[(n as usize >> 11) % eligible.len()]))
                            }
                        };
                        let Some((key, id, _)) = victim else { continue };
                        match http.delete(format!("{base}/api/v1/api-keys/{id}")).bearer_auth(&owner).send().await {
                            Ok(r) => {
                                let status = r.status().as_u16();
                                assert_eq!(status, 204, "revoke {id}");
                                shared.revoked.lock().unwrap().insert(key, Instant::now());
                                Ok((status, None))
                            }
                            Err(e) => Err(e),
                        }
                    };
                    shared.requests.fetch_add(1, Ordering::Relaxed);
                    *shared.by_kind.lock().unwrap().entry(kind).or_default() += 1;
                    match result {
                        Ok((status, body)) => {
                            if status >= 500 {
                                shared.server_errors.fetch_add(1, Ordering::SeqCst);
                                eprintln!("{kind}: {status} {body:?}");
                            }
                        }
                        Err(e) => {
                            shared.transport_errors.fetch_add(1, Ordering::SeqCst);
                            eprintln!("{kind}: {e}");
                        }
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();
    let requests = shared.requests.load(Ordering::SeqCst);
    let server_errors = shared.server_errors.load(Ordering::SeqCst);
    let transport_errors = shared.transport_errors.load(Ordering::SeqCst);
    eprintln!(
        "load: {requests} requests from {clients} clients in {:.2}s = {:.0} req/s; 5xx: {server_errors}; transport errors: {transport_errors}; mix: {:?}",
        elapsed.as_secs_f64(),
        requests as f64 / elapsed.as_secs_f64(),
        shared.by_kind.lock().unwrap()
    );

    // Afterwards: every acknowledged account is listed, every live key works and is listed
    // as active, every revoked key is refused.
    let mut listed_accounts = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/service-accounts?max_items=100");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let v: Value = http.get(url).bearer_auth(&owner).send().await.unwrap().json().await.unwrap();
        listed_accounts.extend(v["items"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_string()));
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let accounts = shared.accounts.lock().unwrap().clone();
    for a in &accounts {
        assert!(listed_accounts.contains(a), "acknowledged account {a} is not listed");
    }
    let mut active_keys = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/api-keys?max_items=100");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let v: Value = http.get(url).bearer_auth(&owner).send().await.unwrap().json().await.unwrap();
        active_keys.extend(v["items"].as_array().unwrap().iter().map(|k| k["id"].as_str().unwrap().to_string()));
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let live = shared.live.lock().unwrap().clone();
    for (key, id, account) in &live {
        let r = http.get(format!("{base}/api/v1/me")).bearer_auth(key).send().await.unwrap();
        assert_eq!(r.status(), 200, "an acknowledged key of {account} does not work");
        let me: Value = r.json().await.unwrap();
        let real_id = me["credential"]["id"].as_str().unwrap();
        assert!(id.is_empty() || id == real_id);
        assert!(active_keys.contains(real_id), "an acknowledged key of {account} is not listed as active");
    }
    let revoked = shared.revoked.lock().unwrap().clone();
    for key in revoked.keys() {
        let r = http.get(format!("{base}/api/v1/me")).bearer_auth(key).send().await.unwrap();
        assert_eq!(r.status(), 401, "a revoked key works");
    }
    assert_eq!(server_errors, 0, "5xx under load");
    assert_eq!(transport_errors, 0, "transport errors under load");
    assert_eq!(shared.late_accepts.load(Ordering::SeqCst), 0, "a revoked key was accepted after its revoke returned");
    assert_eq!(active_keys.len(), live.len(), "active keys listed vs acknowledged and not revoked");
    eprintln!(
        "load: {} accounts, {} live keys, {} revoked keys verified afterwards",
        accounts.len(),
        live.len(),
        revoked.len()
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&scratch);
}

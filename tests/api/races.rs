//! Races through the HTTP API, on both stores: many concurrent requests against one name,
//! one email, one service account's keys, one key being revoked while it is used.
//!
//! `RACE_ROUNDS=N` repeats each race N times (default 2).
//!
//! Both stores are held to the same assertions. (DynamoDB runs on moto through
//! scripts/moto_server.py, which applies one request at a time: moto's own concurrency undoes
//! committed writes when it cancels a transaction; see infra/dynamodb-layout.md.)

use latchkey::operator::{self, OperatorRequest};
use latchkey_tests::app::{TestApp, spawn_app};
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

fn rounds() -> usize {
    std::env::var("RACE_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(2)
}

const RACERS: usize = 12;

macro_rules! race_tests {
    ($store:ident, $make:expr) => {
        mod $store {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn one_service_account_name_has_one_winner() {
                let app = Arc::new(spawn_app($make.await).await);
                super::one_service_account_name_has_one_winner(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn one_user_email_has_one_winner() {
                let app = Arc::new(spawn_app($make.await).await);
                super::one_user_email_has_one_winner(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn rotations_and_key_creations_leave_exactly_the_keys_acknowledged_last() {
                let app = Arc::new(spawn_app($make.await).await);
                super::rotations_and_key_creations(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn a_revoked_key_never_authenticates_after_the_revoke_returned() {
                let app = Arc::new(spawn_app($make.await).await);
                super::revoke_while_in_use(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn two_owners_revoking_their_own_cli_tokens_at_once_leave_one_who_can_sign_in() {
                let app = Arc::new(spawn_app($make.await).await);
                super::two_owners_revoke_their_own_cli_tokens_at_once(app).await;
            }
        }
    };
}

race_tests!(sqlite, latchkey_tests::sqlite_store());
race_tests!(dynamodb, latchkey_tests::dynamodb_store());

async fn one_service_account_name_has_one_winner(app: Arc<TestApp>) {
    for round in 0..rounds() {
        let name = format!("racer-{round}");
        let tasks: Vec<_> = (0..RACERS)
            .map(|_| {
                let app = Arc::clone(&app);
                let name = name.clone();
                tokio::spawn(
                    async move { app.post("/service-accounts", &app.owner_token, json!({ "name": name })).await },
                )
            })
            .collect();
        let mut winners = Vec::new();
        for t in tasks {
            let r = t.await.unwrap();
            match r.status {
                201 => winners.push(r.body["api_key"].as_str().unwrap().to_string()),
                409 => r.assert_problem(409, "conflict"),
                other => panic!("{name}: unexpected {other} {}", r.text),
            }
        }
        assert_eq!(winners.len(), 1, "{name}: {} creations acknowledged", winners.len());
        let list = app.get("/service-accounts?max_items=100", &app.owner_token).await;
        let same: Vec<_> =
            list.body["items"].as_array().unwrap().iter().filter(|a| a["name"] == name.as_str()).collect();
        assert_eq!(same.len(), 1, "{name}: {} accounts stored", same.len());
        assert_eq!(app.me_status(&winners[0]).await, 200);
    }
}

async fn one_user_email_has_one_winner(app: Arc<TestApp>) {
    for round in 0..rounds() {
        let email = format!("racer{round}@example.com");
        let tasks: Vec<_> = (0..RACERS)
            .map(|i| {
                let app = Arc::clone(&app);
                // The same address, spelled differently: normalised before the uniqueness check.
                let spelled = if i % 2 == 0 { email.clone() } else { format!("  {}", email.to_uppercase()) };
                tokio::spawn(async move { app.post("/users", &app.owner_token, json!({ "email": spelled })).await })
            })
            .collect();
        let mut winners = 0;
        for t in tasks {
            let r = t.await.unwrap();
            match r.status {
                201 => winners += 1,
                409 => r.assert_problem(409, "conflict"),
                other => panic!("{email}: unexpected {other} {}", r.text),
            }
        }
        assert_eq!(winners, 1, "{email}: {winners} creations acknowledged");
        let list = app.get("/users?max_items=100", &app.owner_token).await;
        let same = list.body["items"].as_array().unwrap().iter().filter(|u| u["email"] == email.as_str()).count();
        assert_eq!(same, 1, "{email}: {same} users stored");
    }
}

#[derive(Debug)]
struct Outcome {
    rotate: bool,
    sent: Instant,
    answered: Instant,
    key: Option<(String, String)>, // (plaintext, id)
}

async fn rotations_and_key_creations(app: Arc<TestApp>) {
    for round in 0..rounds() {
        let name = format!("keyring-{round}");
        let first = app.add_service_account(&name, None).await;
        let tasks: Vec<_> = (0..RACERS)
            .map(|i| {
                let app = Arc::clone(&app);
                let name = name.clone();
                tokio::spawn(async move {
                    let rotate = i % 3 == 0;
                    let path = if rotate {
                        format!("/service-accounts/{name}/api-keys/rotate")
                    } else {
                        format!("/service-accounts/{name}/api-keys")
                    };
                    let sent = Instant::now();
                    let r = app.post(&path, &app.owner_token, json!({})).await;
                    let answered = Instant::now();
                    let key = match r.status {
                        200 | 201 => {
                            assert_eq!(r.status, if rotate { 200 } else { 201 }, "{}", r.text);
                            Some((
                                r.body["api_key"].as_str().unwrap().to_string(),
                                r.body["key"]["id"].as_str().unwrap().to_string(),
                            ))
                        }
                        409 => {
                            r.assert_problem(409, "conflict");
                            None
                        }
                        other => panic!("{path}: unexpected {other} {}", r.text),
                    };
                    Outcome { rotate, sent, answered, key }
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for t in tasks {
            outcomes.push(t.await.unwrap());
        }
        // Which keys authenticate now, by id.
        let mut working = HashSet::new();
        for o in &outcomes {
            if let Some((plain, id)) = &o.key {
                let me = app.get("/me", plain).await;
                match me.status {
                    200 => {
                        assert_eq!(me.body["credential"]["id"], id.as_str());
                        working.insert(id.clone());
                    }
                    401 => {}
                    other => panic!("unexpected {other} {}", me.text),
                }
            }
        }
        let rotations: Vec<&Outcome> = outcomes.iter().filter(|o| o.rotate && o.key.is_some()).collect();
        let acknowledged = outcomes.iter().filter(|o| o.key.is_some()).count();
        if !rotations.is_empty() {
            assert_eq!(app.me_status(&first).await, 401, "{name}: the first key survived a rotation");
            let working_rotations = rotations.iter().filter(|o| working.contains(&o.key.as_ref().unwrap().1)).count();
            assert_eq!(working_rotations, 1, "{name}: {working_rotations} rotated keys work");
            // A creation sent after the last acknowledged rotation was answered must work;
            // one answered before any acknowledged rotation was sent must not.
            let last_rotation_answered = rotations.iter().map(|o| o.answered).max().unwrap();
            let first_rotation_sent = rotations.iter().map(|o| o.sent).min().unwrap();
            for o in outcomes.iter().filter(|o| !o.rotate) {
                let Some((_, id)) = &o.key else { continue };
                if o.answered < first_rotation_sent {
                    // Acknowledged before any rotation started: rotated away.
                    assert!(!working.contains(id), "{name}: a key created before every rotation still works");
                }
                if o.sent > last_rotation_answered {
                    assert!(working.contains(id), "{name}: a key created after the last rotation does not work");
                }
            }
        }
        // The active key list is exactly the set of keys that authenticate.
        let listed: HashSet<String> = app
            .get(&format!("/service-accounts/{name}/api-keys?max_items=100"), &app.owner_token)
            .await
            .assert_status(200)["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["id"].as_str().unwrap().to_string())
            .filter(|id| outcomes.iter().any(|o| o.key.as_ref().is_some_and(|k| &k.1 == id)))
            .collect();
        assert_eq!(listed, working, "{name}: the active list disagrees with the authorizer");
        eprintln!("{name}: {} requests, {acknowledged} acknowledged, {} keys work", outcomes.len(), working.len());
    }
}

async fn revoke_while_in_use(app: Arc<TestApp>) {
    // Revocations of every kind that touches an API key: one key, all keys, rotation,
    // deletion of the account.
    for (round, how) in ["one", "all", "rotate", "delete"].iter().cycle().take(4 * rounds()).enumerate() {
        let name = format!("busy-{round}");
        let key = app.add_service_account(&name, None).await;
        let key_id = app.get("/me", &key).await.assert_status(200)["credential"]["id"].as_str().unwrap().to_string();
        let revoked_at = Arc::new(std::sync::Mutex::new(None::<Instant>));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let users: Vec<_> = (0..4)
            .map(|_| {
                let app = Arc::clone(&app);
                let key = key.clone();
                let revoked_at = Arc::clone(&revoked_at);
                let stop = Arc::clone(&stop);
                tokio::spawn(async move {
                    let mut uses = 0;
                    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                        let sent = Instant::now();
                        let status = app.me_status(&key).await;
                        uses += 1;
                        let after_revoke = revoked_at.lock().unwrap().is_some_and(|t| sent > t);
                        match status {
                            200 => assert!(!after_revoke, "a revoked key authenticated after the revoke returned"),
                            401 => {}
                            other => panic!("unexpected {other}"),
                        }
                    }
                    uses
                })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        let r = match *how {
            "one" => app.delete(&format!("/api-keys/{key_id}"), &app.owner_token).await,
            "all" => app.delete(&format!("/service-accounts/{name}/api-keys"), &app.owner_token).await,
            "rotate" => {
                app.post(&format!("/service-accounts/{name}/api-keys/rotate"), &app.owner_token, json!({})).await
            }
            _ => app.delete(&format!("/service-accounts/{name}"), &app.owner_token).await,
        };
        assert!(r.status == 204 || r.status == 200, "{how}: {} {}", r.status, r.text);
        *revoked_at.lock().unwrap() = Some(Instant::now());
        tokio::time::sleep(std::time::Duration::from_millis(60)).await;
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let mut uses = 0;
        for u in users {
            uses += u.await.unwrap();
        }
        assert_eq!(app.me_status(&key).await, 401, "{how}: the key still works");
        eprintln!("revoke ({how}) while in use: {uses} uses");
    }
}

/// SPEC section 7: the last-owner guard counts owners who hold a live CLI token, atomically.
/// Two owners revoking their own CLI tokens at once: one is refused (409) and can still sign in.
async fn two_owners_revoke_their_own_cli_tokens_at_once(app: Arc<TestApp>) {
    for round in 0..rounds() * 3 {
        let outcome = operator::bootstrap(
            app.store.as_ref(),
            app.clock.as_ref(),
            &app.config,
            &OperatorRequest {
                organization: format!("lockout-{round}-{}", uuid::Uuid::new_v4()),
                owner_email: "first@example.com".into(),
            },
        )
        .await
        .expect("bootstrap an organization");
        let first = outcome.cli_token;
        let second = app
            .post("/users", &first, json!({"email": "second@example.com", "permission_level": "OWNER"}))
            .await
            .assert_status(201)["cli_token"]
            .as_str()
            .unwrap()
            .to_string();
        let (a, b) =
            tokio::join!(app.delete("/users/me/cli-tokens", &first), app.delete("/users/me/cli-tokens", &second));
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [204, 409], "round {round}: {} / {}", a.text, b.text);
        let (refused, kept, lost) = if a.status == 409 { (&a, &first, &second) } else { (&b, &second, &first) };
        refused.assert_problem(409, "conflict");
        assert_eq!(app.me_status(kept).await, 200, "round {round}: the organization can still be entered");
        assert_eq!(app.me_status(lost).await, 401);
    }
}

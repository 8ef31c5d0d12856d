//! Every function binary, each with a representative event against one table (moto), so a
//! regression anywhere shows: init, CPU per warm invocation, peak RSS and binary size.
//!
//! The objects an event names (a user, a service account, keys, tokens) are made first, by
//! unmeasured invocations of the same binaries ([`Fixtures`]); each measured function then
//! gets events that succeed: a create makes a new object per invocation, a delete removes a
//! fixture per invocation, a read or an idempotent change addresses the same fixture. A
//! function without a scenario here still runs, with its sample event and the owner as
//! caller (the row says so), so a new function is measured from its first commit.

use crate::events::{Proxy, Samples, authorizer_event, caller_context, proxy_answer, proxy_event};
use crate::lambda::{Counts, Setup, answer_json, is_response, measure};
use axum::body::Bytes;
use runtime_standin::{Function, Outcome};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the binaries are and how much to run each.
pub struct Plan<'a> {
    pub setup: &'a Setup<'a>,
    /// The route functions' binaries (and the operator and scheduled ones).
    pub functions_dir: &'a Path,
    /// The binaries that make the fixtures (normally `functions_dir`; any build will do).
    pub fixtures_dir: &'a Path,
    /// The authorizer binary (its own profile).
    pub authorizer: &'a Path,
    /// Every function's name (the files of `functions/src/bin`).
    pub names: Vec<String>,
    pub samples: Samples,
    pub counts: Counts,
    /// Only these functions (all when empty); fixtures are made all the same.
    pub only: Vec<String>,
    /// Warm invocations counted by callgrind per function, after the measured ones (0: none).
    pub instructions: usize,
    /// The owner's CLI token, made by `latchkey bootstrap` (organization `bench`).
    pub owner_token: &'a str,
    pub owner_email: &'a str,
}

/// One row of the table.
pub struct Row {
    pub function: String,
    /// What the event does ("sample event" when there is no scenario).
    pub scenario: String,
    pub metrics: Value,
}

/// The objects the measured events name.
struct Fixtures {
    owner: Value,
    /// A COLLABORATOR with `TokenCreator`: read, updated, and its CLI tokens rotated by the owner.
    member: String,
    /// The callers of the own-CLI-token routes (their authorizer context).
    rotating_member: Value,
    revoking_member: Value,
    /// Users and service accounts to delete, keys to revoke: one per invocation.
    doomed_users: Vec<String>,
    doomed_accounts: Vec<String>,
    doomed_keys: Vec<String>,
    /// An access token of the owner's (its id) and one to verify (its secret).
    token_id: String,
    token_to_verify: String,
}

const KEYS_ACCOUNT: &str = "bench-keys";
const ROTATED_ACCOUNT: &str = "bench-rotated";
const REVOKED_ACCOUNT: &str = "bench-revoked";

/// Unmeasured invocations before callgrind's counted ones.
const INSTRUCTION_WARMUP: usize = 3;

pub async fn run(plan: &Plan<'_>) -> Result<Vec<Row>, String> {
    let counted = if plan.instructions > 0 { INSTRUCTION_WARMUP + plan.instructions } else { 0 };
    let total = plan.counts.total() + counted;
    eprintln!("bench: every function: fixtures");
    let fx = fixtures(plan, total).await?;
    let mut rows = Vec::new();
    let owner = || Some(fx.owner.clone());
    // (function, scenario, expected status, event i → the parts of its sample replaced)
    type Make<'b> = Box<dyn Fn(usize) -> Proxy + 'b>;
    let routes: Vec<(&str, &str, u64, Make)> = vec![
        ("health", "GET /health", 200, Box::new(|_| Proxy::default())),
        ("me", "GET /me as the owner", 200, Box::new(|_| Proxy { caller: owner(), ..Proxy::default() })),
        ("console", "GET /console", 200, Box::new(|_| Proxy::default())),
        ("users-list", "list users", 200, Box::new(|_| Proxy { caller: owner(), ..Proxy::default() })),
        ("users-get", "get a member", 200, Box::new(|_| member_call(&fx, None))),
        (
            "users-update",
            "set a member's roles (same value)",
            200,
            Box::new(|_| member_call(&fx, Some(json!({"roles": ["TokenCreator"]})))),
        ),
        ("cli-tokens-rotate", "the owner rotates a member's CLI tokens", 200, Box::new(|_| member_call(&fx, None))),
        (
            "users-create",
            "a new user each time",
            201,
            Box::new(|i| Proxy {
                caller: owner(),
                body: Some(json!({"email": format!("new-{i}@example.com"), "name": "New", "roles": ["TokenCreator"]})),
                ..Proxy::default()
            }),
        ),
        (
            "users-delete",
            "delete a user each time",
            204,
            Box::new(|i| Proxy {
                caller: owner(),
                params: vec![("user_id", fx.doomed_users[i].clone())],
                ..Proxy::default()
            }),
        ),
        (
            "cli-tokens-rotate-own",
            "a member rotates its CLI tokens",
            200,
            Box::new(|_| Proxy { caller: Some(fx.rotating_member.clone()), ..Proxy::default() }),
        ),
        (
            "cli-tokens-revoke-own",
            "a member revokes its CLI tokens",
            204,
            Box::new(|_| Proxy { caller: Some(fx.revoking_member.clone()), ..Proxy::default() }),
        ),
        (
            "service-accounts-create",
            "a new account (and its first key) each time",
            201,
            Box::new(|i| Proxy {
                caller: owner(),
                body: Some(json!({"name": format!("new-{i}")})),
                ..Proxy::default()
            }),
        ),
        ("service-accounts-list", "list accounts", 200, Box::new(|_| Proxy { caller: owner(), ..Proxy::default() })),
        ("service-accounts-get", "get an account", 200, Box::new(|_| account_call(&fx, KEYS_ACCOUNT))),
        (
            "service-accounts-delete",
            "delete an account each time",
            204,
            Box::new(|i| Proxy {
                caller: owner(),
                params: vec![("ref", fx.doomed_accounts[i].clone())],
                ..Proxy::default()
            }),
        ),
        (
            "api-keys-create",
            "one more key each time",
            201,
            Box::new(|_| Proxy { body: Some(json!({})), ..account_call(&fx, KEYS_ACCOUNT) }),
        ),
        (
            "api-keys-list",
            "list the organization's keys",
            200,
            Box::new(|_| Proxy { caller: owner(), query: Some(vec![]), ..Proxy::default() }),
        ),
        ("api-keys-list-for-account", "list an account's keys", 200, Box::new(|_| account_call(&fx, KEYS_ACCOUNT))),
        (
            "api-keys-revoke",
            "revoke a key each time",
            204,
            Box::new(|i| Proxy {
                caller: owner(),
                params: vec![("key_id", fx.doomed_keys[i].clone())],
                ..Proxy::default()
            }),
        ),
        (
            "api-keys-rotate",
            "rotate an account's keys",
            200,
            Box::new(|_| Proxy { body: Some(json!({})), ..account_call(&fx, ROTATED_ACCOUNT) }),
        ),
        (
            "api-keys-revoke-all",
            "revoke all of an account's keys",
            204,
            Box::new(|_| account_call(&fx, REVOKED_ACCOUNT)),
        ),
        (
            "tokens-create",
            "a new access token for oneself each time",
            201,
            Box::new(|i| Proxy {
                caller: owner(),
                body: Some(json!({"lifespan_days": 7, "description": format!("bench {i}")})),
                ..Proxy::default()
            }),
        ),
        ("tokens-list", "list access tokens", 200, Box::new(|_| Proxy { caller: owner(), ..Proxy::default() })),
        ("tokens-get", "get an access token", 200, Box::new(|_| token_call(&fx, None))),
        (
            "tokens-update",
            "change a token's description",
            200,
            Box::new(|i| token_call(&fx, Some(json!({"description": format!("laptop {i}")})))),
        ),
        (
            "verify",
            "verify a valid access token",
            200,
            Box::new(|_| Proxy {
                caller: owner(),
                body: Some(json!({"token": fx.token_to_verify, "source_ip": "198.51.100.7"})),
                ..Proxy::default()
            }),
        ),
    ];
    let wanted = |name: &str| plan.only.is_empty() || plan.only.iter().any(|o| o == name);
    let mut covered: Vec<&str> = vec!["authorizer", "bootstrap", "recover", "housekeeping"];
    for (name, scenario, status, make) in &routes {
        covered.push(name);
        if !wanted(name) || !plan.names.iter().any(|n| n == name) {
            continue;
        }
        let sample = plan.samples.load(name)?;
        let metrics = measure_route(plan, name, *status, &mut |i| proxy_event(&sample, &make(i), i)).await?;
        rows.push(Row { function: name.to_string(), scenario: scenario.to_string(), metrics });
    }
    // Functions without a scenario: their sample, the owner as caller, any answer below 500.
    for name in plan.names.iter().filter(|n| !covered.contains(&n.as_str()) && wanted(n)) {
        let sample = plan.samples.load(name)?;
        let proxy = Proxy { caller: owner(), ..Proxy::default() };
        let metrics = measure_route(plan, name, 0, &mut |i| proxy_event(&sample, &proxy, i)).await?;
        rows.push(Row {
            function: name.clone(),
            scenario: "sample event (no scenario in bench/src/every.rs)".into(),
            metrics,
        });
    }
    // Not routes: the scheduled sweep, the operator actions (recover last: it rotates the
    // owner's CLI tokens).
    if wanted("housekeeping") {
        let sample = plan.samples.load("housekeeping")?;
        let metrics = measure_plain(plan, "housekeeping", &mut |_| sample.clone()).await?;
        rows.push(Row { function: "housekeeping".into(), scenario: "a scheduled run".into(), metrics });
    }
    if wanted("bootstrap") {
        let metrics = measure_plain(
            plan,
            "bootstrap",
            &mut |i| json!({"organization": format!("bench-org-{i}"), "owner_email": "owner@example.com"}),
        )
        .await?;
        rows.push(Row { function: "bootstrap".into(), scenario: "a new organization each time".into(), metrics });
    }
    if wanted("recover") {
        let metrics =
            measure_plain(plan, "recover", &mut |_| json!({"organization": "bench", "owner_email": plan.owner_email}))
                .await?;
        rows.push(Row { function: "recover".into(), scenario: "rotate the owner's CLI tokens".into(), metrics });
    }
    Ok(rows)
}

fn member_call(fx: &Fixtures, body: Option<Value>) -> Proxy {
    Proxy { caller: Some(fx.owner.clone()), params: vec![("user_id", fx.member.clone())], body, ..Proxy::default() }
}

fn account_call(fx: &Fixtures, account: &str) -> Proxy {
    Proxy { caller: Some(fx.owner.clone()), params: vec![("ref", account.to_string())], ..Proxy::default() }
}

fn token_call(fx: &Fixtures, body: Option<Value>) -> Proxy {
    Proxy { caller: Some(fx.owner.clone()), params: vec![("token_id", fx.token_id.clone())], body, ..Proxy::default() }
}

/// Measures a route function; `status` 0: any status below 500.
async fn measure_route(
    plan: &Plan<'_>,
    name: &str,
    status: u64,
    events: &mut dyn FnMut(usize) -> Bytes,
) -> Result<Value, String> {
    eprintln!("bench: every function: {name}");
    let check = move |outcome: &Outcome| {
        is_response(outcome)?;
        match proxy_answer(&answer_json(outcome)) {
            (Some(s), body) if (s == status || (status == 0 && s < 500)) && representative(name, &body) => Ok(()),
            (s, body) => Err(format!("status {s:?} (expected {status}): {body}")),
        }
    };
    let log = log_path(plan, name);
    let (mut metrics, _) = measure(plan.setup, &plan.functions_dir.join(name), &log, plan.counts, events, &check)
        .await
        .map_err(|e| format!("{name}: {e} (log: {})", log.display()))?;
    metrics["expected_status"] = json!(status);
    count_instructions(plan, name, &mut metrics, events, &check).await?;
    Ok(metrics)
}

/// With `plan.instructions`, the events after the measured ones under callgrind.
async fn count_instructions(
    plan: &Plan<'_>,
    name: &str,
    metrics: &mut Value,
    events: &mut dyn FnMut(usize) -> Bytes,
    check: crate::lambda::Check<'_>,
) -> Result<(), String> {
    if plan.instructions == 0 {
        return Ok(());
    }
    let Some(tools) = crate::callgrind::Tools::find() else {
        eprintln!("bench: valgrind is not installed: no instruction counts");
        return Ok(());
    };
    eprintln!("bench: every function: {name} under callgrind");
    let count = crate::callgrind::Count {
        name,
        binary: &plan.functions_dir.join(name),
        first_event: plan.counts.total(),
        check,
        warmup: INSTRUCTION_WARMUP,
        k: plan.instructions,
    };
    let counted =
        crate::callgrind::count(&tools, plan.setup, &count, events).await.map_err(|e| format!("{name}: {e}"))?;
    metrics["instructions_per_invocation"] = counted["instructions_per_invocation"].clone();
    metrics["callgrind"] = counted;
    Ok(())
}

/// Measures a function that is not a route (an operator action, the schedule): any answer
/// that is not an error.
async fn measure_plain(plan: &Plan<'_>, name: &str, events: &mut dyn FnMut(usize) -> Value) -> Result<Value, String> {
    eprintln!("bench: every function: {name}");
    let log = log_path(plan, name);
    let mut events = |i| Bytes::from(events(i).to_string());
    let (mut metrics, _) =
        measure(plan.setup, &plan.functions_dir.join(name), &log, plan.counts, &mut events, &is_response)
            .await
            .map_err(|e| format!("{name}: {e} (log: {})", log.display()))?;
    count_instructions(plan, name, &mut metrics, &mut events, &is_response).await?;
    Ok(metrics)
}

/// What the status alone does not tell: `/verify` answers 200 for an invalid token too.
fn representative(name: &str, body: &Value) -> bool {
    name != "verify" || body["valid"] == true
}

fn log_path(plan: &Plan<'_>, name: &str) -> PathBuf {
    let log = plan.setup.work_dir.join("functions").join(format!("{name}.log"));
    let _ = std::fs::create_dir_all(plan.setup.work_dir.join("functions"));
    let _ = std::fs::remove_file(&log);
    log
}

/// Runs `binary` (unmeasured) on `events`; returns every answer, failing on an error one.
async fn invoke_all(plan: &Plan<'_>, binary: &Path, events: Vec<Bytes>) -> Result<Vec<Value>, String> {
    let name = binary.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let log = plan.setup.work_dir.join("functions").join(format!("fixtures-{name}.log"));
    let _ = std::fs::create_dir_all(plan.setup.work_dir.join("functions"));
    let mut f = Function::spawn(binary, plan.setup.env, &log).await.map_err(|e| format!("spawn {name}: {e}"))?;
    let result = async {
        f.wait_for_init(Duration::from_secs(20)).await?;
        let mut answers = Vec::new();
        for event in events {
            let (outcome, _) = f.invoke(event).await?;
            is_response(&outcome)?;
            answers.push(answer_json(&outcome));
        }
        Ok::<_, String>(answers)
    }
    .await
    .map_err(|e| format!("fixtures with {name}: {e} (log: {})", log.display()));
    f.stop().await;
    result
}

/// Runs a route function (unmeasured) on one event per `proxies`; returns the answers'
/// bodies, failing unless each has `status`.
async fn fixture_calls(plan: &Plan<'_>, name: &str, status: u64, proxies: Vec<Proxy>) -> Result<Vec<Value>, String> {
    let sample = plan.samples.load(name)?;
    let events = proxies.iter().enumerate().map(|(i, p)| proxy_event(&sample, p, 1_000_000 + i)).collect();
    let answers = invoke_all(plan, &plan.fixtures_dir.join(name), events).await?;
    answers
        .iter()
        .map(|a| match proxy_answer(a) {
            (Some(s), body) if s == status => Ok(body),
            (s, body) => Err(format!("fixtures with {name}: status {s:?} (expected {status}): {body}")),
        })
        .collect()
}

/// The authorizer's context for each token (it must allow each).
async fn contexts(plan: &Plan<'_>, tokens: &[&str]) -> Result<Vec<Value>, String> {
    let events = tokens.iter().map(|t| authorizer_event(&format!("Bearer {t}"))).collect();
    invoke_all(plan, plan.authorizer, events).await?.iter().map(caller_context).collect()
}

async fn fixtures(plan: &Plan<'_>, total: usize) -> Result<Fixtures, String> {
    let owner = contexts(plan, &[plan.owner_token]).await?.remove(0);
    let as_owner = |body: Value| Proxy { caller: Some(owner.clone()), body: Some(body), ..Proxy::default() };

    // Users: a member, two callers of the own-CLI-token routes, and one to delete per invocation.
    let mut bodies = vec![
        json!({"email": "member@example.com", "roles": ["TokenCreator"]}),
        json!({"email": "rotating@example.com"}),
        json!({"email": "revoking@example.com"}),
    ];
    bodies.extend((0..total).map(|i| json!({"email": format!("doomed-{i}@example.com")})));
    let users = fixture_calls(plan, "users-create", 201, bodies.into_iter().map(as_owner).collect()).await?;
    let id =
        |v: &Value, object: &str| v[object]["id"].as_str().map(str::to_string).ok_or(format!("no {object} id in {v}"));
    let secret = |v: &Value, field: &str| v[field].as_str().map(str::to_string).ok_or(format!("no {field} in {v}"));
    let member = id(&users[0], "user")?;
    let doomed_users = users[3..].iter().map(|u| id(u, "user")).collect::<Result<Vec<_>, _>>()?;
    let member_contexts = contexts(plan, &[&secret(&users[1], "cli_token")?, &secret(&users[2], "cli_token")?]).await?;

    // Service accounts: three addressed by name, one to delete per invocation.
    let mut names = vec![KEYS_ACCOUNT.to_string(), ROTATED_ACCOUNT.to_string(), REVOKED_ACCOUNT.to_string()];
    names.extend((0..total).map(|i| format!("doomed-{i}")));
    let doomed_accounts = names[3..].to_vec();
    let accounts = names.into_iter().map(|n| as_owner(json!({"name": n}))).collect();
    fixture_calls(plan, "service-accounts-create", 201, accounts).await?;

    // API keys to revoke, one per invocation.
    let key = Proxy { params: vec![("ref", KEYS_ACCOUNT.to_string())], ..as_owner(json!({})) };
    let keys = fixture_calls(plan, "api-keys-create", 201, vec![key; total]).await?;
    let doomed_keys = keys.iter().map(|k| id(k, "key")).collect::<Result<Vec<_>, _>>()?;

    // Two access tokens of the owner: one read and edited, one verified.
    let token = as_owner(json!({"lifespan_days": 7, "description": "bench"}));
    let tokens = fixture_calls(plan, "tokens-create", 201, vec![token.clone(), token]).await?;
    Ok(Fixtures {
        owner,
        member,
        rotating_member: member_contexts[0].clone(),
        revoking_member: member_contexts[1].clone(),
        doomed_users,
        doomed_accounts,
        doomed_keys,
        token_id: id(&tokens[0], "token_info")?,
        token_to_verify: secret(&tokens[1], "token")?,
    })
}

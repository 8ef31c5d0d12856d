//! `bench`: measures release binaries side by side, in one run on one machine (run it
//! through `scripts/bench`, which builds them and starts moto).
//!
//! 1. Lambda functions through a Runtime API stand-in on loopback, against DynamoDB on
//!    moto: the floor (a hello-world `lambda_runtime` function), the authorizer with a valid
//!    token, and the authorizer with an invalid one (refused before any store access). For
//!    each: init (spawn → first `/next`), first invocation, warm round trips (p50/p99), the
//!    function's own CPU time per warm invocation (user+sys from `/proc/<pid>/stat`, and
//!    on-CPU nanoseconds from `/proc/<pid>/task/*/schedstat` for finer resolution), peak
//!    RSS (`VmHWM`), binary size and zip size.
//! 2. The local server (`latchkey serve`, embedded SQLite store) under `wrk` on loopback:
//!    authenticated `GET /api/v1/me` per second, p99, errors.
//!
//! Prints a table and writes everything to a JSON file.

use axum::body::Bytes;
use clap::Parser;
use runtime_standin::{Function, Outcome};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

#[derive(Parser)]
struct Args {
    /// The release authorizer binary.
    #[arg(long)]
    authorizer: PathBuf,
    /// The release floor binary.
    #[arg(long)]
    floor: PathBuf,
    /// The release `latchkey` command (seeds DynamoDB; runs the local server).
    #[arg(long)]
    latchkey: PathBuf,
    /// Where the JSON results go.
    #[arg(long, default_value = ".test-artifacts/bench.json")]
    out: PathBuf,
    /// Directory for logs and scratch files.
    #[arg(long, default_value = ".test-artifacts/bench")]
    work_dir: PathBuf,
    /// Cold starts per function (init and first invocation are medians over these).
    #[arg(long, default_value_t = 5)]
    cold_starts: usize,
    /// Warm invocations measured per function (after `warmup` unmeasured ones).
    #[arg(long, default_value_t = 2000)]
    invocations: usize,
    #[arg(long, default_value_t = 200)]
    warmup: usize,
    /// Seconds of load on the local server (0: skip it).
    #[arg(long, default_value_t = 10)]
    server_seconds: u64,
    /// Concurrent connections for the load generator (8: below saturation of 2 cores
    /// shared by server and load generator; at 32 the p99 is queueing, see docs/performance.md).
    #[arg(long, default_value_t = 8)]
    connections: u32,
    /// Load generator threads.
    #[arg(long, default_value_t = 1)]
    load_threads: u32,
    /// A label for this run (e.g. which variant is being measured).
    #[arg(long, default_value = "")]
    label: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    if let Err(e) = run(args).await {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), String> {
    std::fs::create_dir_all(&args.work_dir).map_err(|e| format!("{}: {e}", args.work_dir.display()))?;
    let endpoint = std::env::var("DYNAMODB_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
        .ok_or("set DYNAMODB_ENDPOINT (scripts/bench starts moto)")?;
    let table = format!("latchkey-bench-{}", uuid::Uuid::new_v4());
    let env: Vec<(String, String)> = [
        ("TABLE_NAME", table.as_str()),
        ("DYNAMODB_ENDPOINT", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_SESSION_TOKEN", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("RUST_LOG", "info"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();

    // A real organization and owner token in a fresh table, made by the release command.
    let token = command_output(
        &args.latchkey,
        &["bootstrap", "--organization", "bench", "--owner-email", "owner@example.com", "--dynamodb"],
        &env,
        &args.work_dir.join("seed.log"),
    )
    .await?;
    let valid = event(&format!("Bearer {token}"));
    let invalid = event(&format!("Bearer {}", spoil_checksum(&token)));

    let clk_tck = clock_ticks_per_second().await;
    let mut functions = Vec::new();
    for (name, binary, event, expect) in [
        ("floor", &args.floor, &valid, Expect::Response),
        ("authorizer (valid token)", &args.authorizer, &valid, Expect::Allow),
        ("authorizer (invalid token)", &args.authorizer, &invalid, Expect::Unauthorized),
    ] {
        eprintln!("bench: {name}");
        let log = args
            .work_dir
            .join(format!("{}.log", name.split_whitespace().collect::<Vec<_>>().join("-").replace(['(', ')'], "")));
        let _ = std::fs::remove_file(&log);
        let m = measure_function(&args, binary, &env, &log, event, expect, clk_tck)
            .await
            .map_err(|e| format!("{name}: {e} (log: {})", log.display()))?;
        functions.push((name, m));
    }

    let server = if args.server_seconds > 0 {
        eprintln!("bench: local server under load");
        Some(measure_server(&args).await?)
    } else {
        None
    };

    // ---- report ---------------------------------------------------------------------------
    let floor = functions[0].1.clone();
    let mut results = serde_json::Map::new();
    for (name, m) in &functions {
        results.insert(name.to_string(), m.clone());
    }
    let ratio = |m: &Value, key: &str| -> Value {
        match (m[key].as_f64(), floor[key].as_f64()) {
            (Some(a), Some(b)) if b > 0.0 => json!((a / b * 100.0).round() / 100.0),
            _ => Value::Null,
        }
    };
    let keys = [
        "init_ms",
        "first_invocation_ms",
        "warm_p50_us",
        "warm_p99_us",
        "cpu_us_per_invocation",
        "cpu_us_per_invocation_schedstat",
        "peak_rss_kib",
        "binary_bytes",
        "zip_bytes",
    ];
    let mut ratios = serde_json::Map::new();
    for (name, m) in functions.iter().skip(1) {
        let r: serde_json::Map<String, Value> = keys.iter().map(|k| (k.to_string(), ratio(m, k))).collect();
        ratios.insert(format!("{name} / floor"), Value::Object(r));
    }
    let report = json!({
        "label": args.label,
        "machine": machine(),
        "settings": {"cold_starts": args.cold_starts, "warmup": args.warmup, "invocations": args.invocations, "clock_ticks_per_second": clk_tck},
        "functions": results,
        "ratios": ratios,
        "local_server": server,
    });

    print_table(&functions, &ratios, server.as_ref());
    if let Some(dir) = args.out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&report).unwrap_or_default())
        .map_err(|e| format!("{}: {e}", args.out.display()))?;
    eprintln!("bench: wrote {}", args.out.display());
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum Expect {
    /// Any successful response (the floor).
    Response,
    /// An Allow policy.
    Allow,
    /// The error API Gateway turns into 401.
    Unauthorized,
}

fn check(outcome: &Outcome, expect: Expect) -> Result<(), String> {
    let ok = match (outcome, expect) {
        (Outcome::Response(_), Expect::Response) => true,
        (Outcome::Response(b), Expect::Allow) => serde_json::from_slice::<Value>(b)
            .ok()
            .is_some_and(|v| v["policyDocument"]["Statement"][0]["Effect"] == "Allow"),
        (Outcome::Error(b), Expect::Unauthorized) => {
            serde_json::from_slice::<Value>(b).ok().is_some_and(|v| v["errorMessage"] == "Unauthorized")
        }
        _ => false,
    };
    if ok { Ok(()) } else { Err(format!("unexpected outcome {outcome:?}")) }
}

async fn measure_function(
    args: &Args,
    binary: &Path,
    env: &[(String, String)],
    log: &Path,
    event: &Bytes,
    expect: Expect,
    clk_tck: f64,
) -> Result<Value, String> {
    let mut inits = Vec::new();
    let mut firsts = Vec::new();
    let mut last = None;
    for i in 0..args.cold_starts.max(1) {
        let mut f = Function::spawn(binary, env, log).await.map_err(|e| format!("spawn {}: {e}", binary.display()))?;
        let init = f.wait_for_init(Duration::from_secs(20)).await?;
        let (outcome, first) = f.invoke(event.clone()).await?;
        check(&outcome, expect)?;
        inits.push(init.as_secs_f64() * 1e3);
        firsts.push(first.as_secs_f64() * 1e3);
        if i + 1 == args.cold_starts.max(1) {
            last = Some(f);
        } else {
            f.stop().await;
        }
    }
    let mut f = last.ok_or("no process")?;
    let pid = f.pid().ok_or("process gone")?;
    for _ in 0..args.warmup {
        let (outcome, _) = f.invoke(event.clone()).await?;
        check(&outcome, expect)?;
    }
    let (ticks_before, ns_before) = (cpu_ticks(pid)?, schedstat_ns(pid)?);
    let mut round_trips = Vec::with_capacity(args.invocations);
    for _ in 0..args.invocations {
        let (outcome, rt) = f.invoke(event.clone()).await?;
        check(&outcome, expect)?;
        round_trips.push(rt.as_secs_f64() * 1e6);
    }
    let (ticks_after, ns_after) = (cpu_ticks(pid)?, schedstat_ns(pid)?);
    let hwm = peak_rss_kib(pid)?;
    f.stop().await;

    round_trips.sort_by(f64::total_cmp);
    let n = args.invocations.max(1) as f64;
    let (bytes, zip) = sizes(binary, &args.work_dir).await;
    Ok(json!({
        "binary": binary.display().to_string(),
        "init_ms": round2(median(&mut inits)),
        "init_ms_all": inits.iter().map(|v| round2(*v)).collect::<Vec<_>>(),
        "first_invocation_ms": round2(median(&mut firsts)),
        "warm_p50_us": round2(percentile(&round_trips, 0.50)),
        "warm_p99_us": round2(percentile(&round_trips, 0.99)),
        "cpu_us_per_invocation": round2((ticks_after - ticks_before) as f64 / clk_tck * 1e6 / n),
        "cpu_us_per_invocation_schedstat": round2((ns_after.saturating_sub(ns_before)) as f64 / 1e3 / n),
        "peak_rss_kib": hwm,
        "binary_bytes": bytes,
        "zip_bytes": zip,
    }))
}

// ---- the local server -----------------------------------------------------------------------

async fn measure_server(args: &Args) -> Result<Value, String> {
    let wrk = which("wrk").ok_or("wrk is not installed (scripts/bench installs it)")?;
    let data = args.work_dir.join(format!("server-{}", uuid::Uuid::new_v4()));
    let env = vec![("RUST_LOG".to_string(), "info".to_string())];
    let data_arg = data.display().to_string();
    let token = command_output(
        &args.latchkey,
        &["bootstrap", "--organization", "bench", "--owner-email", "owner@example.com", "--data-dir", &data_arg],
        &env,
        &args.work_dir.join("server-seed.log"),
    )
    .await?;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        l.local_addr().map_err(|e| e.to_string())?.port()
    };
    let listen = format!("127.0.0.1:{port}");
    let log = std::fs::File::create(args.work_dir.join("server.log")).map_err(|e| e.to_string())?;
    let mut server = tokio::process::Command::new(&args.latchkey)
        .args(["serve", "--listen", &listen, "--data-dir", &data_arg])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("spawn latchkey serve: {e}"))?;
    let result = async {
        // Up, and answering 200 to the token before any load.
        let mut status = String::new();
        for _ in 0..200 {
            if let Ok(s) = get_status(&listen, "/api/v1/me", &token).await {
                status = s;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if !status.contains(" 200 ") {
            return Err(format!("GET /api/v1/me before load: {status:?}"));
        }
        let pid = server.id().ok_or("server gone")?;
        let clk_tck = clock_ticks_per_second().await;
        let ticks_before = cpu_ticks(pid)?;
        let out = tokio::process::Command::new(&wrk)
            .args([
                "--latency",
                "-t",
                &args.load_threads.to_string(),
                "-c",
                &args.connections.to_string(),
                "-d",
                &format!("{}s", args.server_seconds),
                "--timeout",
                "2s",
                "-H",
                &format!("Authorization: Bearer {token}"),
                &format!("http://{listen}/api/v1/me"),
            ])
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(Duration::from_secs(args.server_seconds + 30), out)
            .await
            .map_err(|_| "wrk did not finish")?
            .map_err(|e| format!("wrk: {e}"))?;
        let ticks_after = cpu_ticks(pid)?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let _ = std::fs::write(args.work_dir.join("wrk.txt"), &text);
        let rps = wrk_field(&text, "Requests/sec:").and_then(|v| v.parse::<f64>().ok());
        let requests = text
            .lines()
            .find(|l| l.contains("requests in"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok());
        let non_2xx = wrk_field(&text, "Non-2xx or 3xx responses:").and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        let socket_errors: u64 = text
            .lines()
            .find(|l| l.trim_start().starts_with("Socket errors:"))
            .map(|l| l.split(',').filter_map(|p| p.split_whitespace().last()?.parse::<u64>().ok()).sum())
            .unwrap_or(0);
        let latency = |q: &str| -> Option<f64> {
            text.lines()
                .map(str::trim)
                .find(|l| l.starts_with(q))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(parse_wrk_duration_ms)
        };
        let cpu_s = (ticks_after - ticks_before) as f64 / clk_tck;
        Ok(json!({
            "route": "GET /api/v1/me (authenticated)",
            "store": "embedded SQLite",
            "load": format!("wrk -t{} -c{} -d{}s, loopback", args.load_threads, args.connections, args.server_seconds),
            "requests": requests,
            "requests_per_second": rps,
            "p50_ms": latency("50%"),
            "p99_ms": latency("99%"),
            "errors_non_2xx": non_2xx,
            "errors_socket": socket_errors,
            "server_cpu_seconds": round2(cpu_s),
            "server_cpu_us_per_request": requests.map(|r| round2(cpu_s * 1e6 / r.max(1) as f64)),
            "peak_rss_kib": peak_rss_kib(pid).ok(),
        }))
    }
    .await;
    let _ = server.start_kill();
    let _ = server.wait().await;
    let _ = std::fs::remove_dir_all(&data);
    result
}

/// One `GET` over a fresh connection; returns the status line.
async fn get_status(addr: &str, path: &str, token: &str) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await?;
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf))
        .await
        .map_err(|_| std::io::Error::other("timeout"))??;
    Ok(String::from_utf8_lossy(&buf).lines().next().unwrap_or_default().to_string())
}

fn wrk_field<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    text.lines().map(str::trim).find_map(|l| l.strip_prefix(label)).map(str::trim)
}

fn parse_wrk_duration_ms(v: &str) -> Option<f64> {
    let (num, factor) = if let Some(n) = v.strip_suffix("us") {
        (n, 1e-3)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1e3)
    } else {
        (v, 1.0)
    };
    num.parse::<f64>().ok().map(|n| n * factor)
}

// ---- events ---------------------------------------------------------------------------------

/// An API Gateway REST REQUEST-authorizer event, as the gateway sends one for `GET /api/v1/me`.
fn event(authorization: &str) -> Bytes {
    let headers = json!({
        "Accept": "*/*",
        "Authorization": authorization,
        "Host": "abc123.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "curl/8.0",
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    });
    let multi: serde_json::Map<String, Value> =
        headers.as_object().into_iter().flatten().map(|(k, v)| (k.clone(), json!([v]))).collect();
    let e = json!({
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/api/v1/me",
        "resource": "/api/v1/me",
        "path": "/api/v1/me",
        "httpMethod": "GET",
        "headers": headers,
        "multiValueHeaders": multi,
        "queryStringParameters": {},
        "multiValueQueryStringParameters": {},
        "pathParameters": {},
        "stageVariables": {},
        "requestContext": {
            "path": "/prod/api/v1/me",
            "accountId": "123456789012",
            "resourceId": "abc123",
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "curl/8.0"},
            "resourcePath": "/api/v1/me",
            "httpMethod": "GET",
            "apiId": "abc123",
        },
    });
    Bytes::from(e.to_string())
}

/// The token with its last checksum character changed: well-formed, but refused by the
/// checksum before any store access.
fn spoil_checksum(token: &str) -> String {
    let mut t = token.to_string();
    let last = t.pop().unwrap_or('0');
    t.push(if last == '0' { '1' } else { '0' });
    t
}

// ---- processes and /proc ------------------------------------------------------------------

async fn command_output(binary: &Path, args: &[&str], env: &[(String, String)], log: &Path) -> Result<String, String> {
    let log_file = std::fs::File::create(log).map_err(|e| e.to_string())?;
    let out = tokio::process::Command::new(binary)
        .args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stderr(Stdio::from(log_file))
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(60), out)
        .await
        .map_err(|_| format!("{} {args:?}: timed out", binary.display()))?
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    if !out.status.success() {
        return Err(format!("{} {args:?}: {} (log: {})", binary.display(), out.status, log.display()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|f| f.is_file()))
}

async fn clock_ticks_per_second() -> f64 {
    let out = tokio::process::Command::new("getconf").arg("CLK_TCK").output().await;
    out.ok().and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<f64>().ok()).unwrap_or(100.0)
}

/// utime + stime of the whole process (all threads, live and exited), in clock ticks.
fn cpu_ticks(pid: u32) -> Result<u64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| format!("/proc/{pid}/stat: {e}"))?;
    let after = stat.rsplit_once(')').map(|(_, r)| r).ok_or("bad stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat(5); `after` starts at field 3.
    let utime: u64 = fields.get(11).and_then(|v| v.parse().ok()).ok_or("bad utime")?;
    let stime: u64 = fields.get(12).and_then(|v| v.parse().ok()).ok_or("bad stime")?;
    Ok(utime + stime)
}

/// Nanoseconds on CPU summed over the process's live threads (first field of schedstat).
fn schedstat_ns(pid: u32) -> Result<u64, String> {
    let dir = std::fs::read_dir(format!("/proc/{pid}/task")).map_err(|e| format!("/proc/{pid}/task: {e}"))?;
    let mut total = 0;
    for task in dir.flatten() {
        if let Ok(s) = std::fs::read_to_string(task.path().join("schedstat")) {
            total += s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    Ok(total)
}

fn peak_rss_kib(pid: u32) -> Result<u64, String> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| format!("/proc/{pid}/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| "no VmHWM".to_string())
}

/// The binary's size (release profile: `strip = "symbols"`; stripped again here in case a
/// profile did not) and the size of a Lambda zip holding it as `bootstrap`.
async fn sizes(binary: &Path, work: &Path) -> (Option<u64>, Option<u64>) {
    let dir = work.join(format!("zip-{}", uuid::Uuid::new_v4()));
    if std::fs::create_dir_all(&dir).is_err() {
        return (None, None);
    }
    let bootstrap = dir.join("bootstrap");
    if std::fs::copy(binary, &bootstrap).is_err() {
        return (None, None);
    }
    if which("strip").is_some() {
        let _ = tokio::process::Command::new("strip").arg(&bootstrap).status().await;
    }
    let bytes = std::fs::metadata(&bootstrap).ok().map(|m| m.len());
    let zip = if which("zip").is_some() {
        let status = tokio::process::Command::new("zip")
            .args(["-q", "-9", "-X", "function.zip", "bootstrap"])
            .current_dir(&dir)
            .status()
            .await;
        match status {
            Ok(s) if s.success() => std::fs::metadata(dir.join("function.zip")).ok().map(|m| m.len()),
            _ => None,
        }
    } else {
        None
    };
    let _ = std::fs::remove_dir_all(&dir);
    (bytes, zip)
}

fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string());
    let nproc = std::thread::available_parallelism().map(|n| n.get()).ok();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok().map(|s| s.trim().to_string());
    json!({"nproc": nproc, "cpu_model": model, "kernel": kernel, "arch": std::env::consts::ARCH})
}

// ---- statistics and printing ------------------------------------------------------------------

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn print_table(functions: &[(&str, Value)], ratios: &serde_json::Map<String, Value>, server: Option<&Value>) {
    let rows: [(&str, &str); 9] = [
        ("init (spawn → first /next), ms", "init_ms"),
        ("first invocation, ms", "first_invocation_ms"),
        ("warm round trip p50, µs", "warm_p50_us"),
        ("warm round trip p99, µs", "warm_p99_us"),
        ("CPU per warm invocation, µs (/proc stat)", "cpu_us_per_invocation"),
        ("CPU per warm invocation, µs (schedstat)", "cpu_us_per_invocation_schedstat"),
        ("peak RSS (VmHWM), KiB", "peak_rss_kib"),
        ("binary (stripped), bytes", "binary_bytes"),
        ("zip, bytes", "zip_bytes"),
    ];
    let fmt = |v: &Value| match v {
        Value::Null => "-".to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    };
    let mut header = format!("| {:<42} |", "");
    for (name, _) in functions {
        header.push_str(&format!(" {name:>26} |"));
    }
    for name in ratios.keys() {
        header.push_str(&format!(" {:>26} |", name.replace("authorizer ", "").replace(" / floor", "/floor")));
    }
    println!("{header}");
    println!("|{}", "---|".repeat(1 + functions.len() + ratios.len()));
    for (label, key) in rows {
        let mut line = format!("| {label:<42} |");
        for (_, m) in functions {
            line.push_str(&format!(" {:>26} |", fmt(&m[key])));
        }
        for r in ratios.values() {
            line.push_str(&format!(" {:>26} |", fmt(&r[key])));
        }
        println!("{line}");
    }
    if let Some(s) = server {
        println!();
        println!(
            "local server, {}: {} req/s, p50 {} ms, p99 {} ms, non-2xx {}, socket errors {}, server CPU {} µs/request",
            fmt(&s["load"]),
            fmt(&s["requests_per_second"]),
            fmt(&s["p50_ms"]),
            fmt(&s["p99_ms"]),
            fmt(&s["errors_non_2xx"]),
            fmt(&s["errors_socket"]),
            fmt(&s["server_cpu_us_per_request"]),
        );
    }
}

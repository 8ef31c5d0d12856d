//! `bench`: measures release binaries side by side, in one run on one machine (run it
//! through `scripts/bench`, which builds them and starts moto).
//!
//! 1. The comparison: the floor (a hello-world `lambda_runtime` function) and the
//!    authorizer with a valid, a malformed and a bad-checksum token, each through a Runtime
//!    API stand-in on loopback against DynamoDB on moto ([`lambda`]): init, first
//!    invocation, warm round trips, CPU per warm invocation (`/proc`), peak RSS, sizes; and
//!    instructions per warm invocation, counted by callgrind ([`callgrind`]); with ratios to
//!    the floor.
//! 2. Every function binary with a representative event ([`every`]): init, CPU per warm
//!    invocation, peak RSS, binary size.
//! 3. The local server (`latchkey serve`, embedded SQLite) under `wrk` on loopback ([`server`]).
//!
//! Prints the tables ([`report`]) and writes everything to a JSON file.

mod callgrind;
mod events;
mod every;
mod lambda;
mod procfs;
mod report;
mod server;
mod stats;

use clap::Parser;
use lambda::{Counts, Setup, is_allow, is_response, is_unauthorized};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

#[derive(Parser)]
pub struct Args {
    /// The release authorizer binary.
    #[arg(long)]
    authorizer: PathBuf,
    /// The release floor binary.
    #[arg(long)]
    floor: PathBuf,
    /// The release `latchkey` command (seeds DynamoDB; runs the local server).
    #[arg(long)]
    latchkey: PathBuf,
    /// The folder holding every other function binary, as deployed (`scripts/bench`: the
    /// `lambda-route` profile's output). Without it, the per-function table is skipped.
    #[arg(long)]
    functions_dir: Option<PathBuf>,
    /// Where the binaries that make the per-function table's fixtures are (default:
    /// `functions_dir`); e.g. debug builds, to measure a few release binaries alone.
    #[arg(long)]
    fixtures_dir: Option<PathBuf>,
    /// The functions' sources: one binary per file (`functions/src/bin/<name>.rs`).
    #[arg(long, default_value = "functions/src/bin")]
    function_sources: PathBuf,
    /// The sample events (`infra/events/<function>.json`) the per-function events start from.
    #[arg(long, default_value = "infra/events")]
    samples: PathBuf,
    /// Only these functions in the per-function table (comma-separated; default: all).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Where the JSON results go.
    #[arg(long, default_value = ".test-artifacts/bench.json")]
    out: PathBuf,
    /// Directory for logs and scratch files.
    #[arg(long, default_value = ".test-artifacts/bench")]
    work_dir: PathBuf,
    /// Cold starts per function of the comparison (init and first invocation are medians).
    #[arg(long, default_value_t = 5)]
    cold_starts: usize,
    /// Warm invocations measured per function of the comparison (after `warmup` unmeasured ones).
    #[arg(long, default_value_t = 2000)]
    invocations: usize,
    #[arg(long, default_value_t = 200)]
    warmup: usize,
    /// Skip the comparison (floor and authorizer); the per-function table still runs.
    #[arg(long)]
    no_comparison: bool,
    /// Warm invocations counted by callgrind per subject of the comparison (0: no counts).
    #[arg(long, default_value_t = 100)]
    instruction_invocations: usize,
    /// Cold starts, warm-up and measured warm invocations of each function in the
    /// per-function table.
    #[arg(long, default_value_t = 2)]
    each_cold_starts: usize,
    #[arg(long, default_value_t = 3)]
    each_warmup: usize,
    /// (20: every create and delete adds items, and moto copies the whole table for each
    /// item of a transaction, so a bigger table makes moto slower, until an attempt runs
    /// past the SDK's 3 s and its retry finds its own first attempt's work done.)
    #[arg(long, default_value_t = 20)]
    each_invocations: usize,
    /// Warm invocations of each function counted by callgrind (0, the default: no counts;
    /// each count starts the function under valgrind, several seconds).
    #[arg(long, default_value_t = 0)]
    each_instruction_invocations: usize,
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

const OWNER_EMAIL: &str = "owner@example.com";

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
        &["bootstrap", "--organization", "bench", "--owner-email", OWNER_EMAIL, "--dynamodb"],
        &env,
        &args.work_dir.join("seed.log"),
    )
    .await?;
    let setup = Setup { env: &env, work_dir: &args.work_dir, clk_tck: procfs::clock_ticks_per_second().await };

    let comparison = if args.no_comparison { Vec::new() } else { compare(&args, &setup, &token).await? };

    let every = match &args.functions_dir {
        Some(dir) => {
            let plan = every::Plan {
                setup: &setup,
                functions_dir: dir,
                fixtures_dir: args.fixtures_dir.as_deref().unwrap_or(dir),
                authorizer: &args.authorizer,
                names: function_names(&args.function_sources)?,
                samples: events::Samples::new(&args.samples),
                counts: Counts {
                    cold_starts: args.each_cold_starts,
                    warmup: args.each_warmup,
                    invocations: args.each_invocations,
                },
                only: args.only.clone(),
                instructions: args.each_instruction_invocations,
                owner_token: &token,
                owner_email: OWNER_EMAIL,
            };
            every::run(&plan).await?
        }
        None => Vec::new(),
    };

    let server = if args.server_seconds > 0 {
        eprintln!("bench: local server under load");
        Some(server::measure_server(&args).await?)
    } else {
        None
    };

    let report = report::Report { comparison, every, server };
    report.print();
    let json = json!({
        "label": args.label,
        "machine": procfs::machine(),
        "settings": {
            "cold_starts": args.cold_starts, "warmup": args.warmup, "invocations": args.invocations,
            "instruction_invocations": args.instruction_invocations,
            "each": {"cold_starts": args.each_cold_starts, "warmup": args.each_warmup, "invocations": args.each_invocations},
            "clock_ticks_per_second": setup.clk_tck,
        },
        "results": report.to_json(),
    });
    if let Some(dir) = args.out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&json).unwrap_or_default())
        .map_err(|e| format!("{}: {e}", args.out.display()))?;
    eprintln!("bench: wrote {}", args.out.display());
    Ok(())
}

/// The floor and the authorizer's three paths: `/proc` figures, then instruction counts.
async fn compare(args: &Args, setup: &Setup<'_>, token: &str) -> Result<Vec<(String, Value)>, String> {
    let valid = events::authorizer_event(&format!("Bearer {token}"));
    let malformed = events::authorizer_event(&format!("Bearer {}", events::malformed(token)));
    let bad_checksum = events::authorizer_event(&format!("Bearer {}", events::spoil_checksum(token)));
    let subjects: [(&str, &Path, &axum::body::Bytes, lambda::Check); 4] = [
        ("floor", &args.floor, &valid, &is_response),
        ("authorizer (valid token)", &args.authorizer, &valid, &is_allow),
        ("authorizer (malformed token)", &args.authorizer, &malformed, &is_unauthorized),
        ("authorizer (bad checksum)", &args.authorizer, &bad_checksum, &is_unauthorized),
    ];
    let counts = Counts { cold_starts: args.cold_starts, warmup: args.warmup, invocations: args.invocations };
    let mut results = Vec::new();
    for (name, binary, event, check) in &subjects {
        eprintln!("bench: {name}");
        let log = args.work_dir.join(format!("{}.log", slug(name)));
        let _ = std::fs::remove_file(&log);
        let (metrics, _) = lambda::measure(setup, binary, &log, counts, &mut |_| (*event).clone(), *check)
            .await
            .map_err(|e| format!("{name}: {e} (log: {})", log.display()))?;
        results.push((name.to_string(), metrics));
    }
    if args.instruction_invocations > 0 {
        match callgrind::Tools::find() {
            Some(tools) => {
                for ((name, binary, event, check), (_, metrics)) in subjects.iter().zip(results.iter_mut()) {
                    eprintln!("bench: {name} under callgrind");
                    let count = callgrind::Count {
                        name: &slug(name),
                        binary,
                        first_event: 0,
                        check: *check,
                        warmup: 10,
                        k: args.instruction_invocations,
                    };
                    let counted = callgrind::count(&tools, setup, &count, &mut |_| (*event).clone())
                        .await
                        .map_err(|e| format!("{name}: {e}"))?;
                    metrics["instructions_per_invocation"] = counted["instructions_per_invocation"].clone();
                    metrics["callgrind"] = counted;
                }
            }
            None => eprintln!("bench: valgrind is not installed: no instruction counts"),
        }
    }
    Ok(results)
}

fn slug(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join("-").replace(['(', ')'], "")
}

/// The function binaries: one per file of `functions/src/bin`.
fn function_names(sources: &Path) -> Result<Vec<String>, String> {
    let dir = std::fs::read_dir(sources).map_err(|e| format!("{}: {e}", sources.display()))?;
    let mut names: Vec<String> =
        dir.flatten().filter_map(|e| e.file_name().to_string_lossy().strip_suffix(".rs").map(str::to_string)).collect();
    names.sort();
    Ok(names)
}

pub async fn command_output(
    binary: &Path,
    args: &[&str],
    env: &[(String, String)],
    log: &Path,
) -> Result<String, String> {
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

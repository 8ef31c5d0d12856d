//! One function binary run as Lambda runs it: a fresh process with a clean environment
//! under a Runtime API stand-in on loopback, cold starts, then warm invocations, measured
//! from the outside (`/proc`).

use crate::procfs::{cpu_ticks, peak_rss_kib, schedstat_ns, sizes};
use crate::stats::{median, percentile, round2};
use axum::body::Bytes;
use runtime_standin::{Function, Outcome};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

/// How many invocations of each kind one measurement makes.
#[derive(Clone, Copy, Debug)]
pub struct Counts {
    /// Fresh processes (init and first invocation are medians over these).
    pub cold_starts: usize,
    /// Unmeasured warm invocations before the measured ones.
    pub warmup: usize,
    /// Measured warm invocations.
    pub invocations: usize,
}

impl Counts {
    /// Events one measurement consumes: one per cold start, warm-up and measured invocation.
    pub fn total(&self) -> usize {
        self.cold_starts.max(1) + self.warmup + self.invocations
    }
}

/// Checks one answer; an unexpected one fails the measurement (a bench that measures an
/// error path by mistake would be worse than none).
pub type Check<'a> = &'a dyn Fn(&Outcome) -> Result<(), String>;

/// The environment and folders a measurement runs with.
pub struct Setup<'a> {
    pub env: &'a [(String, String)],
    pub work_dir: &'a Path,
    pub clk_tck: f64,
}

/// Measures `binary`: `events(i)` is the i-th event it gets (cold starts first, then the
/// warm-up, then the measured invocations). Returns the figures and every answer, in order.
pub async fn measure(
    setup: &Setup<'_>,
    binary: &Path,
    log: &Path,
    counts: Counts,
    events: &mut dyn FnMut(usize) -> Bytes,
    check: Check<'_>,
) -> Result<(Value, Vec<Outcome>), String> {
    let mut answers = Vec::with_capacity(counts.total());
    let mut inits = Vec::new();
    let mut firsts = Vec::new();
    let mut last = None;
    let mut i = 0;
    let cold_starts = counts.cold_starts.max(1);
    for n in 0..cold_starts {
        let mut f =
            Function::spawn(binary, setup.env, log).await.map_err(|e| format!("spawn {}: {e}", binary.display()))?;
        let init = f.wait_for_init(Duration::from_secs(20)).await?;
        let (outcome, first) = f.invoke(events(i)).await?;
        i += 1;
        check(&outcome).map_err(|e| format!("cold start {n}: {e}"))?;
        answers.push(outcome);
        inits.push(init.as_secs_f64() * 1e3);
        firsts.push(first.as_secs_f64() * 1e3);
        if n + 1 == cold_starts {
            last = Some(f);
        } else {
            f.stop().await;
        }
    }
    let mut f = last.ok_or("no process")?;
    let pid = f.pid().ok_or("process gone")?;
    for _ in 0..counts.warmup {
        let (outcome, _) = f.invoke(events(i)).await?;
        i += 1;
        check(&outcome).map_err(|e| format!("warm-up invocation {i}: {e}"))?;
        answers.push(outcome);
    }
    let (ticks_before, ns_before) = (cpu_ticks(pid)?, schedstat_ns(pid)?);
    let mut round_trips = Vec::with_capacity(counts.invocations);
    for _ in 0..counts.invocations {
        let event = events(i);
        i += 1;
        let (outcome, rt) = f.invoke(event).await?;
        round_trips.push(rt.as_secs_f64() * 1e6);
        answers.push(outcome);
    }
    let (ticks_after, ns_after) = (cpu_ticks(pid)?, schedstat_ns(pid)?);
    let hwm = peak_rss_kib(pid)?;
    f.stop().await;
    // Checked after the measured loop: the harness's own work does not compete with the
    // function for the two cores while it is measured.
    for (n, outcome) in answers.iter().enumerate().skip(cold_starts + counts.warmup) {
        check(outcome).map_err(|e| format!("invocation {n}: {e}"))?;
    }

    round_trips.sort_by(f64::total_cmp);
    let n = counts.invocations.max(1) as f64;
    let (bytes, zip) = sizes(binary, setup.work_dir).await;
    let metrics = json!({
        "binary": binary.display().to_string(),
        "init_ms": round2(median(&mut inits)),
        "init_ms_all": inits.iter().map(|v| round2(*v)).collect::<Vec<_>>(),
        "first_invocation_ms": round2(median(&mut firsts)),
        "warm_p50_us": round2(percentile(&round_trips, 0.50)),
        "warm_p99_us": round2(percentile(&round_trips, 0.99)),
        "cpu_us_per_invocation": round2((ticks_after - ticks_before) as f64 / setup.clk_tck * 1e6 / n),
        "cpu_us_per_invocation_schedstat": round2((ns_after.saturating_sub(ns_before)) as f64 / 1e3 / n),
        "peak_rss_kib": hwm,
        "binary_bytes": bytes,
        "zip_bytes": zip,
        "invocations": counts.invocations,
    });
    Ok((metrics, answers))
}

/// The body of an answer as JSON (`null` when it is not JSON).
pub fn answer_json(outcome: &Outcome) -> Value {
    let body = match outcome {
        Outcome::Response(b) | Outcome::Error(b) => b,
    };
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

/// An answer that is a response, not an error.
pub fn is_response(outcome: &Outcome) -> Result<(), String> {
    match outcome {
        Outcome::Response(_) => Ok(()),
        other => Err(format!("unexpected outcome {other:?}")),
    }
}

/// An authorizer's Allow policy.
pub fn is_allow(outcome: &Outcome) -> Result<(), String> {
    match outcome {
        Outcome::Response(_) if answer_json(outcome)["policyDocument"]["Statement"][0]["Effect"] == "Allow" => Ok(()),
        other => Err(format!("expected an Allow policy, got {other:?}")),
    }
}

/// The error API Gateway turns into 401.
pub fn is_unauthorized(outcome: &Outcome) -> Result<(), String> {
    match outcome {
        Outcome::Error(_) if answer_json(outcome)["errorMessage"] == "Unauthorized" => Ok(()),
        other => Err(format!("expected Unauthorized, got {other:?}")),
    }
}

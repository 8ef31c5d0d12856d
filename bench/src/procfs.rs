//! What the kernel tells about a process (`/proc`), the machine, and a binary's sizes.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|f| f.is_file()))
}

pub async fn clock_ticks_per_second() -> f64 {
    let out = tokio::process::Command::new("getconf").arg("CLK_TCK").output().await;
    out.ok().and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<f64>().ok()).unwrap_or(100.0)
}

/// utime + stime of the whole process (all threads, live and exited), in clock ticks.
pub fn cpu_ticks(pid: u32) -> Result<u64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| format!("/proc/{pid}/stat: {e}"))?;
    let after = stat.rsplit_once(')').map(|(_, r)| r).ok_or("bad stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat(5); `after` starts at field 3.
    let utime: u64 = fields.get(11).and_then(|v| v.parse().ok()).ok_or("bad utime")?;
    let stime: u64 = fields.get(12).and_then(|v| v.parse().ok()).ok_or("bad stime")?;
    Ok(utime + stime)
}

/// Nanoseconds on CPU summed over the process's live threads (first field of schedstat).
pub fn schedstat_ns(pid: u32) -> Result<u64, String> {
    let dir = std::fs::read_dir(format!("/proc/{pid}/task")).map_err(|e| format!("/proc/{pid}/task: {e}"))?;
    let mut total = 0;
    for task in dir.flatten() {
        if let Ok(s) = std::fs::read_to_string(task.path().join("schedstat")) {
            total += s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    Ok(total)
}

pub fn peak_rss_kib(pid: u32) -> Result<u64, String> {
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
pub async fn sizes(binary: &Path, work: &Path) -> (Option<u64>, Option<u64>) {
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

pub fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string());
    let nproc = std::thread::available_parallelism().map(|n| n.get()).ok();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok().map(|s| s.trim().to_string());
    json!({"nproc": nproc, "cpu_model": model, "kernel": kernel, "arch": std::env::consts::ARCH})
}

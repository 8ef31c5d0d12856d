//! Instructions per warm invocation, counted by callgrind (Debian's `valgrind`): unlike CPU
//! time they do not move with the machine's load, caches or frequency.
//!
//! The function runs under `valgrind --tool=callgrind` behind the same Runtime API
//! stand-in. After the warm-up, `callgrind_control --zero` resets the counters, `k` warm
//! invocations run, and `callgrind_control --dump` writes what those `k` cost: init, the
//! warm-up and shutdown are not in it, and a process blocked waiting for its next event
//! executes nothing. Instructions per invocation = the dump's total / `k`.

use crate::lambda::{Check, Setup};
use crate::procfs::which;
use axum::body::Bytes;
use runtime_standin::Function;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the tools are; `None` when valgrind is not installed.
pub struct Tools {
    valgrind: PathBuf,
    control: PathBuf,
}

impl Tools {
    pub fn find() -> Option<Tools> {
        Some(Tools { valgrind: which("valgrind")?, control: which("callgrind_control")? })
    }
}

/// What to count: `warmup` unmeasured invocations, then `k` counted ones; `first_event` is
/// the index of the first event (`events(i)`), so a scenario can go on where it stopped.
pub struct Count<'a> {
    pub name: &'a str,
    pub binary: &'a Path,
    pub first_event: usize,
    pub check: Check<'a>,
    pub warmup: usize,
    pub k: usize,
}

/// Counts instructions per warm invocation; keeps the dump (`<work_dir>/callgrind/<name>.out`)
/// for `callgrind_annotate`.
pub async fn count(
    tools: &Tools,
    setup: &Setup<'_>,
    c: &Count<'_>,
    events: &mut dyn FnMut(usize) -> Bytes,
) -> Result<Value, String> {
    let dir = setup.work_dir.join("callgrind").join(c.name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // The stand-in runs a binary with a clean environment and no arguments: a wrapper,
    // named like the function (the stand-in names the function after its file), execs
    // valgrind on it in the same process.
    let file_name = c.binary.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let wrapper = dir.join(&file_name);
    let out = dir.join("callgrind.out");
    let script = format!(
        "#!/bin/sh\nexec '{}' --tool=callgrind --vgdb=yes --callgrind-out-file='{}.%p' --dump-instr=no '{}'\n",
        tools.valgrind.display(),
        out.display(),
        c.binary.display()
    );
    std::fs::write(&wrapper, script).map_err(|e| format!("{}: {e}", wrapper.display()))?;
    make_executable(&wrapper)?;
    let log = dir.join("valgrind.log");
    let mut f = Function::spawn(&wrapper, setup.env, &log).await.map_err(|e| format!("spawn valgrind: {e}"))?;
    let result = async {
        f.wait_for_init(Duration::from_secs(120)).await?;
        let pid = f.pid().ok_or("process gone")?;
        let mut i = c.first_event;
        for _ in 0..c.warmup.max(1) {
            let (outcome, _) = f.invoke(events(i)).await?;
            i += 1;
            (c.check)(&outcome)?;
        }
        control(tools, pid, "--zero").await?;
        for _ in 0..c.k {
            let (outcome, _) = f.invoke(events(i)).await?;
            i += 1;
            (c.check)(&outcome)?;
        }
        control(tools, pid, "--dump").await?;
        let dump = PathBuf::from(format!("{}.{pid}.1", out.display()));
        let text = std::fs::read_to_string(&dump).map_err(|e| format!("{}: {e}", dump.display()))?;
        let total = total_ir(&text).ok_or_else(|| format!("no instruction total in {}", dump.display()))?;
        let kept = setup.work_dir.join("callgrind").join(format!("{}.out", c.name));
        let _ = std::fs::rename(&dump, &kept);
        Ok::<_, String>(json!({
            "instructions_per_invocation": (total as f64 / c.k.max(1) as f64).round() as u64,
            "instructions_counted": total,
            "invocations_counted": c.k,
            "dump": kept.display().to_string(),
        }))
    }
    .await;
    f.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn control(tools: &Tools, pid: u32, what: &str) -> Result<(), String> {
    let out = tokio::process::Command::new(&tools.control).args([what, &pid.to_string()]).output();
    let out = tokio::time::timeout(Duration::from_secs(60), out)
        .await
        .map_err(|_| format!("callgrind_control {what}: timed out"))?
        .map_err(|e| format!("callgrind_control {what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("callgrind_control {what}: {}", String::from_utf8_lossy(&out.stderr)))
    }
}

/// The `Ir` total of a callgrind dump: its `totals:` line (or `summary:`, older format).
fn total_ir(dump: &str) -> Option<u64> {
    dump.lines()
        .find_map(|l| l.strip_prefix("totals:").or_else(|| l.strip_prefix("summary:")))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

fn make_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("{}: {e}", path.display()))
}

//! The built `latchkey` binary as a child process: `latchkey serve` on a loopback port
//! with its JSON log on stderr captured to a file, and `latchkey bootstrap` beside it.
//! Always the embedded SQLite store: `DYNAMODB_ENDPOINT` is removed from the child's
//! environment (scripts/test exports it for the DynamoDB suites).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct ServerProcess {
    pub child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    pub log_path: PathBuf,
}

fn command(bin: &Path, data_dir: &Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.env_remove("DYNAMODB_ENDPOINT").env_remove("LATCHKEY_DATA_DIR").env("LATCHKEY_TEST_CHILD", "1");
    let _ = data_dir;
    cmd
}

impl ServerProcess {
    /// Starts `latchkey serve --listen 127.0.0.1:0 --data-dir <data_dir>` with `RUST_LOG`
    /// = `log_level`, stderr appended to `log_path`; waits (up to 20 s) for its address.
    // The child is returned inside `Self`, which kills and waits for it.
    #[allow(clippy::zombie_processes)]
    pub fn start(bin: &Path, data_dir: &Path, log_path: &Path, log_level: &str) -> Self {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log_path).expect("open the log file");
        let start_len = std::fs::metadata(log_path).map(|m| m.len()).unwrap_or(0) as usize;
        let mut child = command(bin, data_dir)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env("RUST_LOG", log_level)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start latchkey serve");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(log_path).unwrap_or_default();
            if let Some(rest) = text.get(start_len..).and_then(|t| t.split("serving http://").nth(1)) {
                let addr = rest.split("/api/v1").next().expect("address").to_string();
                return Self { child, base: format!("http://{addr}"), log_path: log_path.to_path_buf() };
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("latchkey serve did not report its address; log:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, no chance to flush or shut down.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `latchkey bootstrap` on `data_dir`; returns the owner's CLI token (stdout, alone).
/// Its stderr is appended to `log_path` too.
pub fn bootstrap(bin: &Path, data_dir: &Path, organization: &str, owner_email: &str, log_path: &Path) -> String {
    let out = command(bin, data_dir)
        .args(["bootstrap", "--organization", organization, "--owner-email", owner_email, "--data-dir"])
        .arg(data_dir)
        .env("RUST_LOG", "debug")
        .output()
        .expect("run latchkey bootstrap");
    let mut log = std::fs::OpenOptions::new().create(true).append(true).open(log_path).expect("open the log file");
    std::io::Write::write_all(&mut log, &out.stderr).expect("append bootstrap's stderr");
    assert!(out.status.success(), "bootstrap failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 token").trim().to_string()
}

/// A fresh directory for one test's data and logs (not yet created: `serve` creates the
/// data directory itself, with its own permissions).
pub fn scratch_dir(tag: &str) -> PathBuf {
    let root = std::env::temp_dir().join("latchkey-process-tests");
    std::fs::create_dir_all(&root).expect("create the scratch root");
    root.join(format!("{tag}-{}", uuid::Uuid::new_v4()))
}

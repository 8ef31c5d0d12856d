//! End-to-end tests of the `latchkey` command: a real `latchkey serve` child process on an
//! embedded store in a temporary directory, `latchkey bootstrap` beside it, and the client
//! commands driven as a person or a script would, with `HOME` pointing into the temporary
//! directory so the credentials file is the test's own.
//!
//! Finding the binary: the test is declared in `cli/Cargo.toml`, so cargo builds `latchkey`
//! before running it and names it in `CARGO_BIN_EXE_latchkey`. Set
//! `LATCHKEY_BIN=/path/to/latchkey` to test another binary.
//!
//! Ports: the server listens on `127.0.0.1:0` and the test reads the bound address from the
//! server's `serving http://...` line, so parallel tests never race for a port.

mod audit;
mod grace;
mod lifecycle;
mod organization;
mod scan_report;
mod scopes;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

const INVALID_INPUT: i32 = 2;
const AUTH_FAILURE: i32 = 3;
const NOT_FOUND: i32 = 4;
const CONFLICT: i32 = 5;
const SERVER_OR_NETWORK: i32 = 6;

// ---- harness -----------------------------------------------------------------------------

fn latchkey_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| match std::env::var_os("LATCHKEY_BIN") {
        Some(path) => PathBuf::from(path),
        // This test belongs to `latchkey-cli` (cli/Cargo.toml), so cargo builds the binary
        // first and names it here.
        None => PathBuf::from(env!("CARGO_BIN_EXE_latchkey")),
    })
}

/// Kills the server when the test ends, passes or panics.
struct ServerGuard {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = self.log.lock().map(|l| l.clone()).unwrap_or_default();
            eprintln!("---- latchkey serve stderr ----\n{log}");
        }
    }
}

/// What one `latchkey` invocation did.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected success: {self:#?}");
        self
    }

    #[track_caller]
    fn fails_with(self, code: i32) -> Self {
        assert_eq!(self.code, code, "expected exit code {code}: {self:#?}");
        self
    }

    #[track_caller]
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }

    fn line(&self) -> String {
        self.stdout.trim().to_string()
    }
}

struct Harness {
    /// Holds HOME and the data directory; removed on drop (after the server guard).
    root: tempfile::TempDir,
    api_url: String,
    owner_token: String,
    _server: ServerGuard,
}

impl Harness {
    /// A fresh server and organization `acme` with owner `admin@acme.com`.
    fn start() -> Harness {
        let root = tempfile::tempdir().expect("temporary directory");
        let data_dir = root.path().join("data");
        let home = root.path().join("home");
        std::fs::create_dir_all(&home).expect("home");
        let mut child = Command::new(latchkey_binary())
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data_dir)
            .env_remove("DYNAMODB_ENDPOINT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn latchkey serve");
        let stderr = child.stderr.take().expect("server stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (address_tx, address_rx) = mpsc::channel();
        let thread_log = Arc::clone(&log);
        // Keep draining stderr for the server's lifetime so a full pipe never blocks it.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("serving http://").nth(1) {
                    let address = rest.split('/').next().unwrap_or_default().to_string();
                    let _ = address_tx.send(address);
                }
                if let Ok(mut log) = thread_log.lock() {
                    log.push_str(&line);
                    log.push('\n');
                }
            }
        });
        let server = ServerGuard { child, log };
        let address = address_rx.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| {
            panic!(
                "latchkey serve did not report its address:\n{}",
                server.log.lock().map(|l| l.clone()).unwrap_or_default()
            )
        });
        wait_for_health(&address);
        let bootstrap = Command::new(latchkey_binary())
            .args(["bootstrap", "--organization", "acme", "--owner-email", "admin@acme.com", "--data-dir"])
            .arg(&data_dir)
            .env_remove("DYNAMODB_ENDPOINT")
            .output()
            .expect("run latchkey bootstrap");
        assert!(bootstrap.status.success(), "bootstrap failed: {}", String::from_utf8_lossy(&bootstrap.stderr));
        let owner_token = String::from_utf8_lossy(&bootstrap.stdout).trim().to_string();
        assert!(owner_token.starts_with("lku_"), "bootstrap printed {owner_token:?}");
        Harness { root, api_url: format!("http://{address}"), owner_token, _server: server }
    }

    fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    fn credentials_path(&self) -> PathBuf {
        self.home().join(".latchkey").join("credentials.json")
    }

    /// Runs `latchkey args...` as the stored login (no LATCHKEY_CLI_TOKEN).
    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, None, None)
    }

    /// Runs `latchkey args...` with LATCHKEY_CLI_TOKEN=`token`.
    fn run_as(&self, token: &str, args: &[&str]) -> Run {
        self.run_with(args, Some(token), None)
    }

    fn run_with(&self, args: &[&str], token: Option<&str>, stdin: Option<&str>) -> Run {
        let mut command = Command::new(latchkey_binary());
        command
            .args(args)
            .env("HOME", self.home())
            .env("LATCHKEY_API_URL", &self.api_url)
            .env_remove("LATCHKEY_CLI_TOKEN")
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(token) = token {
            command.env("LATCHKEY_CLI_TOKEN", token);
        }
        let mut child = command.spawn().expect("spawn latchkey");
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().expect("stdin pipe");
            pipe.write_all(input.as_bytes()).expect("write stdin");
        }
        let output = child.wait_with_output().expect("wait for latchkey");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// `latchkey login` with the owner's token on stdin.
    fn login_as_owner(&self) {
        let token = format!("{}\n", self.owner_token);
        self.run_with(&["login"], None, Some(&token)).ok();
    }
}

fn wait_for_health(address: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut stream) = TcpStream::connect(address) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let request = format!("GET /api/v1/health HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
            let mut response = String::new();
            if stream.write_all(request.as_bytes()).is_ok()
                && stream.read_to_string(&mut response).is_ok()
                && response.starts_with("HTTP/1.1 200")
            {
                return;
            }
        }
        assert!(Instant::now() < deadline, "GET /api/v1/health never answered 200 at {address}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn str_field<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or_else(|| panic!("no string at {pointer} in {value}"))
}

// ---- flows -------------------------------------------------------------------------------

/// Seed flow (Anyscale): log in, create a service account, use its key, find the key by its
/// last six characters, revoke it, create another, rotate, revoke all, delete.
#[test]
fn service_account_and_api_key_lifecycle() {
    let h = Harness::start();

    h.login_as_owner();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(h.credentials_path()).expect("credentials file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "credentials file mode");
        let dir_mode = std::fs::metadata(h.home().join(".latchkey")).expect("dir").permissions().mode();
        assert_eq!(dir_mode & 0o777, 0o700, "credentials directory mode");
    }
    let me = h.run(&["whoami", "--output", "json"]).ok().json();
    assert_eq!(str_field(&me, "/email"), "admin@acme.com");
    assert_eq!(str_field(&me, "/permission_level"), "OWNER");
    assert_eq!(str_field(&me, "/credential/kind"), "cli_token");
    assert!(h.run(&["whoami"]).ok().stdout.contains("admin@acme.com"));

    // Create: the key alone on stdout, the warning on stderr.
    let created = h.run(&["service-account", "create", "--name", "ci-deployer"]).ok();
    let key = created.line();
    assert!(key.starts_with("lks_") && !key.contains(char::is_whitespace), "stdout {key:?}");
    assert!(created.stderr.contains("will not be shown again"), "{}", created.stderr);
    h.run(&["service-account", "create", "--name", "ci-deployer"]).fails_with(CONFLICT);
    h.run(&["service-account", "create", "--name", "Not_Valid"]).fails_with(INVALID_INPUT);

    let as_account = h.run_as(&key, &["whoami", "--output", "json"]).ok().json();
    assert_eq!(str_field(&as_account, "/principal_type"), "service_account");
    let account_email = str_field(&as_account, "/email").to_string();
    assert!(account_email.starts_with("ci-deployer@org-"), "{account_email}");
    // A service account is not an OWNER here: owner-only commands are an auth failure.
    h.run_as(&key, &["service-account", "list"]).fails_with(AUTH_FAILURE);

    let listed = h.run(&["service-account", "list", "--output", "json"]).ok().json();
    let names: Vec<&str> = listed.as_array().expect("array").iter().map(|a| str_field(a, "/name")).collect();
    assert_eq!(names, vec!["ci-deployer"]);
    let table = h.run(&["service-account", "list"]).ok().stdout;
    assert!(table.starts_with("NAME") && table.contains("ci-deployer") && table.contains(&account_email), "{table}");

    // Find the key by its last six characters and revoke it.
    let last_six = &key[key.len() - 6..];
    let keys = h.run(&["api-key", "list", "--last-six", last_six, "--output", "json"]).ok().json();
    let keys = keys.as_array().expect("array");
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(str_field(&keys[0], "/owner_email"), account_email);
    let key_id = str_field(&keys[0], "/id").to_string();
    assert!(h.run(&["api-key", "list"]).ok().stdout.contains(last_six));
    h.run(&["api-key", "revoke", &key_id]).ok();
    h.run_as(&key, &["whoami"]).fails_with(AUTH_FAILURE);
    let inactive =
        h.run(&["api-key", "list", "--last-six", last_six, "--show-inactive", "--output", "json"]).ok().json();
    assert_eq!(str_field(&inactive[0], "/status"), "revoked");
    h.run(&["api-key", "revoke", "not-a-uuid"]).fails_with(INVALID_INPUT);

    // A second key by email (path segment with '@'), then rotation.
    let second_key = h.run(&["service-account", "create-api-key", "--email", &account_email]).ok().line();
    h.run_as(&second_key, &["whoami"]).ok();
    let of_account =
        h.run(&["api-key", "list", "--service-account-email", &account_email, "--output", "json"]).ok().json();
    assert_eq!(of_account.as_array().map(Vec::len), Some(1), "only the active second key");
    let rotated =
        h.run(&["service-account", "rotate-api-keys", "--name", "ci-deployer", "--output", "json"]).ok().json();
    let rotated_key = str_field(&rotated, "/api_key").to_string();
    assert_eq!(str_field(&rotated, "/key/status"), "active");
    h.run_as(&second_key, &["whoami"]).fails_with(AUTH_FAILURE);
    h.run_as(&rotated_key, &["whoami"]).ok();

    h.run(&["service-account", "revoke-api-keys", "--name", "ci-deployer"]).ok();
    h.run_as(&rotated_key, &["whoami"]).fails_with(AUTH_FAILURE);

    // Deleting needs --yes when nobody can be asked.
    h.run(&["service-account", "delete", "--name", "ci-deployer"]).fails_with(INVALID_INPUT);
    h.run(&["service-account", "delete", "--name", "ci-deployer", "--yes"]).ok();
    h.run(&["service-account", "delete", "--name", "ci-deployer", "--yes"]).fails_with(NOT_FOUND);
    let listed = h.run(&["service-account", "list", "--output", "json"]).ok().json();
    assert_eq!(listed.as_array().map(Vec::len), Some(0));
}

#[test]
fn service_account_list_follows_cursors_up_to_max_items() {
    let h = Harness::start();
    h.login_as_owner();
    for index in 0..25 {
        h.run(&["service-account", "create", "--name", &format!("bot-{index}")]).ok();
    }
    let all = h.run(&["service-account", "list", "--output", "json"]).ok().json();
    assert_eq!(all.as_array().map(Vec::len), Some(25), "more than one default page of 20");
    let some = h.run(&["service-account", "list", "--max-items", "3", "--output", "json"]).ok().json();
    assert_eq!(some.as_array().map(Vec::len), Some(3));
    // Newest first.
    assert_eq!(str_field(&some[0], "/name"), "bot-24");
}

/// Seed flow (Determined): create, list, describe, edit, log in with, and revoke access tokens.
#[test]
fn access_token_lifecycle() {
    let h = Harness::start();
    h.login_as_owner();

    let table = h.run(&["token", "create", "--expiration-days", "30", "--description", "Automated testing token"]).ok();
    assert!(table.stdout.contains("Token ID") && table.stdout.contains("lka_"), "{}", table.stdout);

    let created = h
        .run(&[
            "token",
            "create",
            "admin@acme.com",
            "--expiration-days",
            "7",
            "--description",
            "nightly",
            "--output",
            "json",
        ])
        .ok()
        .json();
    let token = str_field(&created, "/token").to_string();
    let token_id = str_field(&created, "/token_info/id").to_string();
    assert_eq!(str_field(&created, "/token_info/description"), "nightly");
    h.run(&["token", "create", "--expiration-days", "100000"]).fails_with(INVALID_INPUT);

    let listed = h.run(&["token", "list", "--output", "json"]).ok().json();
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
    assert!(h.run(&["token", "list"]).ok().stdout.contains("nightly"));

    let first_id = str_field(&listed[0], "/id").to_string();
    let described = h.run(&["token", "describe", &first_id, &token_id, "--output", "json"]).ok().json();
    assert_eq!(described.as_array().map(Vec::len), Some(2));
    assert!(h.run(&["token", "describe", &token_id]).ok().stdout.contains("nightly"));
    h.run(&["token", "describe", "00000000-0000-4000-8000-000000000000"]).fails_with(NOT_FOUND);

    let edited = h.run(&["token", "edit", &token_id, "--description", "nightly CI", "--output", "json"]).ok().json();
    assert_eq!(str_field(&edited, "/description"), "nightly CI");

    // `token login` stores the access token; whoami then reports that credential.
    h.run_with(&["token", "login"], None, Some(&token)).ok();
    let me = h.run(&["whoami", "--output", "json"]).ok().json();
    assert_eq!(str_field(&me, "/credential/kind"), "access_token");
    assert_eq!(str_field(&me, "/credential/id"), token_id);

    h.run_as(&h.owner_token, &["token", "revoke", &token_id]).ok();
    h.run(&["whoami"]).fails_with(AUTH_FAILURE);
    let active = h.run_as(&h.owner_token, &["token", "list", "--output", "json"]).ok().json();
    assert_eq!(active.as_array().map(Vec::len), Some(1));
    let everything = h.run_as(&h.owner_token, &["token", "list", "--show-inactive", "--output", "json"]).ok().json();
    let revoked: Vec<&Value> =
        everything.as_array().expect("array").iter().filter(|t| str_field(t, "/id") == token_id).collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(str_field(revoked[0], "/status"), "revoked");
}

#[test]
fn user_management_and_cli_token_rotation() {
    let h = Harness::start();
    h.login_as_owner();

    let added = h.run(&["user", "add", "--email", "Bob@Acme.com", "--name", "Bob", "--token-creator"]).ok();
    let bob_token = added.line();
    assert!(bob_token.starts_with("lku_"), "{bob_token:?}");
    assert!(added.stderr.contains("will not be shown again"));
    h.run(&["user", "add", "--email", "bob@acme.com"]).fails_with(CONFLICT);

    let users = h.run(&["user", "list", "--output", "json"]).ok().json();
    let bob = users
        .as_array()
        .expect("array")
        .iter()
        .find(|u| str_field(u, "/email") == "bob@acme.com")
        .expect("bob listed, email lower-cased")
        .clone();
    let bob_id = str_field(&bob, "/id").to_string();
    assert_eq!(bob["roles"], serde_json::json!(["TokenCreator"]));
    assert!(h.run(&["user", "list"]).ok().stdout.contains("bob@acme.com"));

    // TokenCreator may create tokens for itself; without the role it may not.
    h.run_as(&bob_token, &["token", "create", "--description", "mine"]).ok();
    h.run_as(&bob_token, &["service-account", "list"]).fails_with(AUTH_FAILURE);
    let updated = h.run(&["user", "update", &bob_id, "--no-token-creator", "--output", "json"]).ok().json();
    assert_eq!(updated["roles"], serde_json::json!([]));
    h.run_as(&bob_token, &["token", "create", "--description", "again"]).fails_with(AUTH_FAILURE);
    h.run(&["user", "update", &bob_id]).fails_with(INVALID_INPUT);

    // An owner rotates bob's CLI token: the old one stops working.
    let bob_new_token = h.run(&["user", "rotate-cli-token", &bob_id]).ok().line();
    h.run_as(&bob_token, &["whoami"]).fails_with(AUTH_FAILURE);
    h.run_as(&bob_new_token, &["whoami"]).ok();

    // Removing needs --yes without a terminal; afterwards bob's credentials are dead.
    h.run(&["user", "remove", &bob_id]).fails_with(INVALID_INPUT);
    h.run(&["user", "remove", &bob_id, "--yes"]).ok();
    h.run_as(&bob_new_token, &["whoami"]).fails_with(AUTH_FAILURE);
    h.run(&["user", "remove", &bob_id, "--yes"]).fails_with(NOT_FOUND);

    // Rotating one's own token updates the stored login.
    let new_own = h.run(&["user", "rotate-cli-token"]).ok().line();
    assert!(new_own.starts_with("lku_"));
    let me = h.run(&["whoami", "--output", "json"]).ok().json();
    assert_eq!(str_field(&me, "/email"), "admin@acme.com");
    h.run_as(&h.owner_token, &["whoami"]).fails_with(AUTH_FAILURE);
    // The last OWNER cannot demote itself.
    let my_id = str_field(&me, "/id").to_string();
    h.run(&["user", "update", &my_id, "--collaborator"]).fails_with(CONFLICT);
}

#[test]
fn credentials_file_and_error_exit_codes() {
    let h = Harness::start();

    // Nothing stored yet.
    let none = h.run(&["whoami"]).fails_with(AUTH_FAILURE);
    assert!(none.stderr.contains("latchkey login"), "{}", none.stderr);
    // A bad token is refused at login and nothing is stored.
    h.run_with(&["login"], None, Some("lku_not-a-real-token\n")).fails_with(AUTH_FAILURE);
    assert!(!h.credentials_path().exists());
    h.run_with(&["login"], None, Some("")).fails_with(INVALID_INPUT);

    h.login_as_owner();
    let stored = std::fs::read_to_string(h.credentials_path()).expect("credentials file");
    let stored: Value = serde_json::from_str(&stored).expect("credentials JSON");
    assert_eq!(str_field(&stored, "/token"), h.owner_token);
    assert_eq!(str_field(&stored, "/api_url"), h.api_url);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(h.credentials_path(), std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let refused = h.run(&["whoami"]);
        assert_ne!(refused.code, 0);
        assert!(refused.stderr.contains("chmod 600"), "{}", refused.stderr);
        // LATCHKEY_CLI_TOKEN overrides the stored credential, so the file is not consulted.
        h.run_as(&h.owner_token, &["whoami"]).ok();
        std::fs::set_permissions(h.credentials_path(), std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }

    // The server is unreachable: a network failure.
    let unreachable = h.run(&["whoami", "--api-url", "http://127.0.0.1:1"]).fails_with(SERVER_OR_NETWORK);
    assert!(unreachable.stderr.contains("cannot reach"), "{}", unreachable.stderr);
    h.run(&["user", "remove", "00000000-0000-4000-8000-000000000000", "--yes"]).fails_with(NOT_FOUND);

    // Errors never echo the token.
    let bad = h.run_as("lku_secretvalue123", &["whoami"]).fails_with(AUTH_FAILURE);
    assert!(!bad.stderr.contains("secretvalue123"), "{}", bad.stderr);

    let logged_out = h.run(&["logout"]).ok();
    assert!(logged_out.stdout.contains("removed"), "{}", logged_out.stdout);
    assert!(!h.credentials_path().exists());
    h.run(&["whoami"]).fails_with(AUTH_FAILURE);
}

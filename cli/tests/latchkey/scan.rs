//! `latchkey scan` as a person or a pre-commit hook runs it: a temporary git repository with
//! real tokens, a look-alike (bad checksum), tokens in ignored, binary and `.git` files; its
//! output lines and exit codes; `--report` against a small local listener that records what
//! it is sent (no network).

use latchkey::credential::{Locator, Token};
use latchkey::domain::{CredentialId, CredentialKind, PrincipalId};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

fn token(kind: CredentialKind) -> String {
    let locator = Locator {
        kind,
        organization_id: None,
        owner_id: PrincipalId::new_random(),
        credential_id: CredentialId::new_random(),
    };
    Token::generate(locator).unwrap().expose().to_string()
}

fn last_six(token: &str) -> &str {
    &token[token.len() - 6..]
}

/// The secret part of a token: after `lk?_` and the locator, before the checksum.
fn secret_of(token: &str) -> &str {
    latchkey::credential::secret_part(token)
}

struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    /// Tokens that must be reported: the access token in `.env`, the API key in
    /// `app/config.yml`.
    access_token: String,
    api_key: String,
    /// Tokens that must not be: ignored, binary, inside `.git`.
    hidden: Vec<String>,
}

/// A git repository holding every case.
fn planted_tree() -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let home = dir.path().join("home");
    std::fs::create_dir_all(root.join("app")).unwrap();
    std::fs::create_dir_all(root.join("build")).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(&root)
        .env("HOME", &home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git runs");
    assert!(git.success());
    let (access_token, api_key) = (token(CredentialKind::AccessToken), token(CredentialKind::ApiKey));
    let hidden = vec![
        token(CredentialKind::CliToken),
        token(CredentialKind::CliToken),
        token(CredentialKind::ApiKey),
        token(CredentialKind::AccessToken),
    ];
    let look_alike = {
        let t = token(CredentialKind::ApiKey);
        let last = if t.ends_with('0') { '1' } else { '0' };
        format!("{}{last}", &t[..t.len() - 1])
    };
    let write = |path: &str, contents: &[u8]| std::fs::write(root.join(path), contents).unwrap();
    write(".gitignore", b"secrets.txt\nbuild/\n");
    write(".env", format!("LATCHKEY_TOKEN={access_token}\n").as_bytes());
    write("app/config.yml", format!("name: deploy\n\napi_key: \"{api_key}\"\n").as_bytes());
    write("app/notes.md", format!("a look-alike: {look_alike}\nlks_tooshort\n").as_bytes());
    write("secrets.txt", format!("{}\n", hidden[0]).as_bytes());
    write("build/out.txt", format!("{}\n", hidden[1]).as_bytes());
    let mut binary = b"\x00\x01\x02 binary\n".to_vec();
    binary.extend_from_slice(hidden[2].as_bytes());
    write("blob.bin", &binary);
    write(".git/leaked-into-git", hidden[3].as_bytes());
    Tree { _dir: dir, root, home, access_token, api_key, hidden }
}

fn scan(home: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_latchkey"));
    command
        .arg("scan")
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("LATCHKEY_API_URL")
        .env_remove("LATCHKEY_CLI_TOKEN");
    for (name, value) in envs {
        command.env(name, value);
    }
    command.output().expect("latchkey runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_no_secret(output: &Output, tokens: &[&str]) {
    let all = text(&output.stdout) + &text(&output.stderr);
    for t in tokens {
        assert!(!all.contains(secret_of(t)), "a token's secret part in the output:\n{all}");
    }
}

impl Tree {
    fn path(&self, relative: &str) -> String {
        self.root.join(relative).display().to_string()
    }

    fn expected_lines(&self) -> Vec<String> {
        vec![
            format!("{}:1:access_token:…{}", self.path(".env"), last_six(&self.access_token)),
            format!("{}:3:api_key:…{}", self.path("app/config.yml"), last_six(&self.api_key)),
        ]
    }

    fn every_token(&self) -> Vec<&str> {
        let mut all = vec![self.access_token.as_str(), self.api_key.as_str()];
        all.extend(self.hidden.iter().map(String::as_str));
        all
    }
}

#[test]
fn scan_reports_real_tokens_only_and_exits_1() {
    let tree = planted_tree();
    let out = scan(&tree.home, &[tree.root.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    assert_eq!(lines, tree.expected_lines(), "stderr: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("found 2 latchkey credential(s)"), "{}", text(&out.stderr));
    assert_no_secret(&out, &tree.every_token());
}

#[test]
fn scan_of_a_file_named_on_the_command_line_ignores_gitignore() {
    let tree = planted_tree();
    let out = scan(&tree.home, &[&tree.path("secrets.txt"), &tree.path("app/notes.md")], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let expected = format!("{}:1:cli_token:…{}\n", tree.path("secrets.txt"), last_six(&tree.hidden[0]));
    assert_eq!(text(&out.stdout), expected);
}

#[test]
fn scan_exits_0_on_a_clean_tree_and_2_on_errors() {
    let tree = planted_tree();
    let clean = scan(&tree.home, &[&tree.path("app/notes.md"), &tree.path(".gitignore")], &[]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stderr));
    assert!(clean.stdout.is_empty());
    assert!(text(&clean.stderr).contains("no latchkey credential found (2 files scanned)"));

    let missing = scan(&tree.home, &[&tree.path("no-such-file")], &[]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing.stderr));
    assert!(text(&missing.stderr).contains("no-such-file"), "{}", text(&missing.stderr));
    // A missing path beside a finding: the finding is printed, the exit says the scan was
    // incomplete.
    let both = scan(&tree.home, &[&tree.path(".env"), &tree.path("no-such-file")], &[]);
    assert_eq!(both.status.code(), Some(2));
    assert_eq!(text(&both.stdout).lines().count(), 1);

    assert_eq!(scan(&tree.home, &[], &[]).status.code(), Some(2), "no PATH is a usage error");
    assert_eq!(
        scan(&tree.home, &["--url", "http://127.0.0.1:9", "."], &[]).status.code(),
        Some(2),
        "--url needs --report"
    );
}

#[test]
fn scan_output_json_is_an_array() {
    let tree = planted_tree();
    let out = scan(&tree.home, &["--output", "json", tree.root.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1));
    let found: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 2);
    assert_eq!(found[1]["path"], tree.path("app/config.yml"));
    assert_eq!(found[1]["line"], 3);
    assert_eq!(found[1]["kind"], "api_key");
    assert_eq!(found[1]["last_six"], last_six(&tree.api_key));
    assert_no_secret(&out, &tree.every_token());
}

/// What the listener was sent: the request line, the headers (lower-cased names), the body.
#[derive(Debug, Clone)]
struct Recorded {
    request_line: String,
    headers: Vec<(String, String)>,
    body: Value,
}

/// A one-thread HTTP/1.1 listener on loopback: records each request and answers `status`
/// with `{"received": <entries in the body>}`.
fn listener(status: u16) -> (String, Arc<Mutex<Vec<Recorded>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let sink = recorded.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                let (name, value) = line.split_once(':').unwrap();
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
            let length: usize =
                headers.iter().find(|(n, _)| n == "content-length").map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let received = body["credentials"].as_array().map_or(0, Vec::len);
            sink.lock().unwrap().push(Recorded { request_line: request_line.trim_end().to_string(), headers, body });
            let answer = format!(r#"{{"received":{received}}}"#);
            let reason = if status == 202 { "Accepted" } else { "Service Unavailable" };
            let response = format!(
                "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (url, recorded)
}

fn reported_tokens(recorded: &[Recorded]) -> Vec<String> {
    let mut all: Vec<String> = recorded
        .iter()
        .flat_map(|r| r.body["credentials"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()))
        .collect();
    all.sort();
    all
}

#[test]
fn scan_report_sends_what_it_found_to_the_revoke_endpoint() {
    let tree = planted_tree();
    let (url, recorded) = listener(202);
    let out = scan(&tree.home, &["--report", "--url", &url, tree.root.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1), "found is still found: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().map(str::to_string).collect::<Vec<_>>(), tree.expected_lines());
    assert!(text(&out.stderr).contains("reported 2 credential(s)") && text(&out.stderr).contains(": 2 received"));
    let recorded = recorded.lock().unwrap().clone();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].request_line, "POST /api/v1/credentials/revoke HTTP/1.1");
    assert!(recorded[0].headers.iter().all(|(name, _)| name != "authorization"), "the report sends no credential");
    assert_eq!(recorded[0].body.as_object().unwrap().len(), 1, "{:?}", recorded[0].body);
    let mut expected = vec![tree.access_token.clone(), tree.api_key.clone()];
    expected.sort();
    assert_eq!(reported_tokens(&recorded), expected);
    assert_no_secret(&out, &tree.every_token());
}

#[test]
fn scan_report_goes_to_the_clis_api_url_and_fails_with_2() {
    let tree = planted_tree();
    let (url, recorded) = listener(202);
    // No --url: LATCHKEY_API_URL, as for every client command.
    let out = scan(&tree.home, &["--report", &tree.path(".env")], &[("LATCHKEY_API_URL", &url)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(reported_tokens(&recorded.lock().unwrap()), vec![tree.access_token.clone()]);

    let (failing, _) = listener(503);
    let out = scan(&tree.home, &["--report", "--url", &failing, &tree.path(".env")], &[]);
    assert_eq!(out.status.code(), Some(2), "a report that failed: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("scan --report"), "{}", text(&out.stderr));
    assert_no_secret(&out, &[&tree.access_token]);
}

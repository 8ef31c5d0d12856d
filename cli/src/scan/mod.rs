//! `latchkey scan PATH...` (SPEC section 12): finds latchkey credentials in files and
//! directories, prints `path:line:kind:…last_six` (never a whole token), and with `--report`
//! sends them to `POST /credentials/revoke`. Exit status: 0 none found, 1 found, 2 a usage
//! error or a path that could not be read (or a report that failed), so it works as a
//! pre-commit hook (docs/secret-scanning.md).

mod finder;
mod report;
mod walk;

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

const FOUND: u8 = 1;
const ERROR: u8 = 2;

#[derive(Args, Debug)]
#[command(after_help = "Exit status: 0 when nothing is found, 1 when credentials are found, 2 on errors.\n\n\
Examples:\n  latchkey scan .\n  latchkey scan --report --url https://api.example.com config/ deploy.sh\n  \
git diff --cached --name-only -z --diff-filter=ACMR | xargs -0 -r latchkey scan")]
pub struct ScanArgs {
    /// Files and directories to scan. Directories are walked as git sees them (.gitignore
    /// inside a repository, .ignore); hidden files are scanned, binary files skipped.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Send the credentials found to POST /credentials/revoke, which revokes them (no
    /// credential needed).
    #[arg(long)]
    pub report: bool,
    /// The API to report to [default: --api-url or LATCHKEY_API_URL, else the one stored by
    /// `login`, else http://127.0.0.1:8080]
    #[arg(long, requires = "report", value_name = "URL")]
    pub url: Option<String>,
}

#[derive(serde::Serialize)]
struct FindingView<'a> {
    path: String,
    line: usize,
    kind: &'a str,
    last_six: String,
}

/// Runs the scan. `json`: `--output json` (an array on stdout). `api_url`: where `--report`
/// goes when `--url` is not given, resolved only then.
pub async fn run(args: ScanArgs, json: bool, api_url: impl FnOnce() -> Result<String, String>) -> ExitCode {
    let finder = match finder::Finder::new() {
        Ok(finder) => finder,
        Err(e) => {
            eprintln!("latchkey: scan: the token patterns do not compile: {e}");
            return ExitCode::from(ERROR);
        }
    };
    let outcome = walk::scan(&args.paths, &finder);
    let views: Vec<FindingView> = outcome
        .findings
        .iter()
        .map(|f| FindingView {
            path: f.path.display().to_string(),
            line: f.line,
            kind: f.token.locator().kind.as_str(),
            last_six: f.token.last_six(),
        })
        .collect();
    if json {
        match serde_json::to_string_pretty(&views) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("latchkey: scan: {e}"),
        }
    } else {
        for v in &views {
            println!("{}:{}:{}:…{}", v.path, v.line, v.kind, v.last_six);
        }
    }
    let mut failed = false;
    for error in &outcome.errors {
        eprintln!("latchkey: scan: {error}");
        failed = true;
    }
    if outcome.findings.is_empty() {
        if !failed {
            eprintln!("latchkey: no latchkey credential found ({} files scanned)", outcome.files_scanned);
        }
    } else {
        eprintln!(
            "latchkey: found {} latchkey credential(s) in {} files scanned; revoke them (or run with --report)",
            outcome.findings.len(),
            outcome.files_scanned
        );
        if args.report && !send_report(&outcome.findings, args.url, api_url).await {
            failed = true;
        }
    }
    match (failed, outcome.findings.is_empty()) {
        (true, _) => ExitCode::from(ERROR),
        (false, false) => ExitCode::from(FOUND),
        (false, true) => ExitCode::SUCCESS,
    }
}

/// `--report`: true when every batch was received.
async fn send_report(
    findings: &[walk::Finding],
    url: Option<String>,
    api_url: impl FnOnce() -> Result<String, String>,
) -> bool {
    let url = match url.filter(|u| !u.trim().is_empty()).map_or_else(api_url, Ok) {
        Ok(url) => url,
        Err(e) => {
            eprintln!("latchkey: scan --report: {e}");
            return false;
        }
    };
    let batches = report::batches(findings.iter().map(|f| &f.token));
    match report::send(&url, &batches).await {
        Ok((sent, received)) => {
            eprintln!("latchkey: reported {sent} credential(s) to {url}: {received} received");
            true
        }
        Err(e) => {
            eprintln!("latchkey: scan --report: {e}");
            false
        }
    }
}

//! The client commands of `latchkey` (SPEC section 6): they talk to a running API through
//! the SDK only, never to a store.

mod account;
mod api_keys;
pub mod audit;
mod audit_output;
mod failure;
mod organization;
mod output;
mod service_accounts;
mod tokens;
mod users;
mod verify;

use clap::{Args, Subcommand};
use failure::Failure;
use latchkey_sdk::{ApiToken, Client, Credentials};
pub use output::OutputFormat;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Options every client command takes.
#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Base URL of the latchkey API [default: the one stored by `login`, else http://127.0.0.1:8080]
    #[arg(long, env = "LATCHKEY_API_URL", global = true, value_name = "URL")]
    pub api_url: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table, global = true)]
    pub output: OutputFormat,
}

#[derive(Subcommand, Debug)]
pub enum ClientCommand {
    /// Verify a token with the API and store it in ~/.latchkey/credentials.json (mode 0600).
    ///
    /// Without TOKEN the token is read from stdin, so it stays out of your shell history.
    #[command(
        after_help = "Examples:\n  latchkey login < token.txt\n  pbpaste | latchkey login --api-url https://api.example.com"
    )]
    Login(account::LoginArgs),
    /// Delete the stored credentials file.
    #[command(after_help = "Example:\n  latchkey logout")]
    Logout,
    /// Show who the current credential belongs to.
    #[command(after_help = "Examples:\n  latchkey whoami\n  LATCHKEY_CLI_TOKEN=$KEY latchkey whoami --output json")]
    Whoami,
    /// Manage service accounts and their API keys (OWNER).
    #[command(subcommand, name = "service-account")]
    ServiceAccount(service_accounts::ServiceAccountCommand),
    /// List and revoke API keys across the organization (OWNER).
    #[command(subcommand, name = "api-key")]
    ApiKey(api_keys::ApiKeyCommand),
    /// Manage access tokens: expiring credentials of users.
    #[command(subcommand)]
    Token(tokens::TokenCommand),
    /// Manage the users of your organization.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Check whether a token is a valid credential of your organization (OWNER).
    Verify(verify::VerifyArgs),
    /// Read the organization's audit log: who changed what, when, from where (OWNER).
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Show the organization and change its policy: credential lifetimes, IP ranges (OWNER).
    #[command(subcommand)]
    Org(organization::OrgCommand),
}

/// Runs one client command and maps its outcome to an exit code.
pub async fn run(command: ClientCommand, globals: GlobalArgs) -> ExitCode {
    let context = Context { globals };
    let outcome = match command {
        ClientCommand::Login(args) => account::login(&context, args).await,
        ClientCommand::Logout => account::logout(&context),
        ClientCommand::Whoami => account::whoami(&context).await,
        ClientCommand::ServiceAccount(command) => service_accounts::run(&context, command).await,
        ClientCommand::ApiKey(command) => api_keys::run(&context, command).await,
        ClientCommand::Token(command) => tokens::run(&context, command).await,
        ClientCommand::User(command) => users::run(&context, command).await,
        ClientCommand::Verify(args) => verify::run(&context, args).await,
        ClientCommand::Audit(command) => audit::run(&context, command).await,
        ClientCommand::Org(command) => organization::run(&context, command).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("latchkey: {}", failure.message());
            ExitCode::from(failure.exit_code())
        }
    }
}

/// Where the token of a session came from: a rotation of one's own CLI token updates the
/// credentials file only when the file was the source.
#[derive(Debug, Clone)]
pub enum TokenSource {
    Environment,
    File(PathBuf),
}

pub struct Session {
    pub client: Client,
    pub api_url: String,
    pub token_source: TokenSource,
}

pub struct Context {
    pub globals: GlobalArgs,
}

impl Context {
    pub fn json(&self) -> bool {
        self.globals.output == OutputFormat::Json
    }

    /// A human message: stdout in table mode; stderr in JSON mode, so stdout stays JSON.
    pub fn say(&self, message: impl std::fmt::Display) {
        if self.json() {
            eprintln!("{message}");
        } else {
            println!("{message}");
        }
    }

    /// The API URL: `--api-url`/`LATCHKEY_API_URL`, else the stored one, else the local server.
    fn api_url(&self, stored: Option<&Credentials>) -> String {
        self.globals
            .api_url
            .clone()
            .filter(|url| !url.trim().is_empty())
            .or_else(|| stored.and_then(|c| c.api_url.clone()))
            .unwrap_or_else(|| latchkey_sdk::DEFAULT_API_URL.to_string())
    }

    /// An authenticated client: `LATCHKEY_CLI_TOKEN` wins over the credentials file.
    pub fn session(&self) -> Result<Session, Failure> {
        if let Some(token) = std::env::var(latchkey_sdk::TOKEN_ENV).ok().filter(|t| !t.trim().is_empty()) {
            let api_url = self.api_url(None);
            let client = Client::new(api_url.clone(), ApiToken::new(token))?;
            return Ok(Session { client, api_url, token_source: TokenSource::Environment });
        }
        let path = latchkey_sdk::credentials::default_path()?;
        let stored = Credentials::load(&path)?.ok_or(latchkey_sdk::Error::NoCredentials)?;
        let api_url = self.api_url(Some(&stored));
        let client = Client::new(api_url.clone(), stored.token)?;
        Ok(Session { client, api_url, token_source: TokenSource::File(path) })
    }
}

/// The API URL of a command that sends no token (`scan --report`): the same choice as every
/// client command's (`--api-url`/`LATCHKEY_API_URL`, else the stored one, else the local
/// server).
pub fn api_url(globals: &GlobalArgs) -> Result<String, String> {
    let context = Context { globals: globals.clone() };
    if context.globals.api_url.as_deref().is_some_and(|url| !url.trim().is_empty()) {
        return Ok(context.api_url(None));
    }
    let path = latchkey_sdk::credentials::default_path().map_err(|e| e.to_string())?;
    let stored = Credentials::load(&path).map_err(|e| e.to_string())?;
    Ok(context.api_url(stored.as_ref()))
}

/// Asks before a destructive action. `--yes` skips the question; without a terminal to ask
/// on, the action is refused rather than assumed.
pub fn confirm(question: &str, yes: bool) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Failure::InvalidInput(format!("{question}: pass --yes to confirm (stdin is not a terminal)")));
    }
    eprint!("{question}? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer).map_err(|e| Failure::Other(format!("cannot read the answer: {e}")))?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(Failure::Declined),
    }
}

/// Prints a credential that the API returns only once: the credential alone on stdout (so
/// `KEY=$(latchkey ...)` works), the warning on stderr.
pub fn print_secret_once(context: &Context, what: &str, secret: &str, json: &impl serde::Serialize) {
    if context.json() {
        output::print_json(json);
    } else {
        println!("{secret}");
    }
    eprintln!("latchkey: this is the only time the {what} is shown; it will not be shown again. Store it now.");
}

/// How a rotation's message tells what became of the older credentials.
pub fn grace_note(grace_period: Option<u32>) -> String {
    match grace_period {
        Some(seconds) if seconds > 0 => format!("keep working for {seconds} more seconds"),
        _ => "no longer work".to_string(),
    }
}

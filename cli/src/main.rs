//! `latchkey`: the local server, the operator actions, and the client commands.

mod client;

use clap::{Parser, Subcommand};
use latchkey::api::Api;
use latchkey::clock::SystemClock;
use latchkey::config::Config;
use latchkey::gateway::LocalGateway;
use latchkey::operator::{self, OperatorAction, OperatorError, OperatorRequest};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "latchkey", version, about = "Identities and credentials for your organization's API")]
struct Cli {
    #[command(flatten)]
    client: client::GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct StoreArgs {
    /// Directory of the embedded store.
    #[arg(long, default_value = ".latchkey", env = "LATCHKEY_DATA_DIR")]
    data_dir: PathBuf,
    /// Use DynamoDB (TABLE_NAME, DYNAMODB_ENDPOINT) instead of the embedded store; implied
    /// when DYNAMODB_ENDPOINT is set.
    #[arg(long)]
    dynamodb: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API locally: every route on one listener, behind the same authorizer.
    ///
    /// Example: latchkey serve --listen 127.0.0.1:8080
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Behind a reverse proxy you run: take each request's source IP (IP allow-lists,
        /// last_used_ip, audit events) from the rightmost X-Forwarded-For entry, the one the
        /// proxy appended. Off by default: without a proxy that sets it, anyone could claim
        /// any address.
        #[arg(long)]
        trust_forwarded_for: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Run the deployed shape locally: API Gateway (REST) in front of the built function
    /// binaries, from template.yaml, against a local DynamoDB (DYNAMODB_ENDPOINT).
    ///
    /// Example: cargo build -p latchkey-functions && latchkey gateway --listen 127.0.0.1:8081
    Gateway(latchkey_cli::gateway::GatewayArgs),
    /// Create an organization and its first OWNER; prints the owner's CLI token alone.
    ///
    /// Example: TOKEN=$(latchkey bootstrap --organization acme --owner-email admin@acme.com)
    Bootstrap {
        #[arg(long)]
        organization: String,
        #[arg(long)]
        owner_email: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Rotate an OWNER's CLI tokens in an existing organization; prints the new token alone.
    ///
    /// Example: TOKEN=$(latchkey recover --organization acme --owner-email admin@acme.com)
    Recover {
        #[arg(long)]
        organization: String,
        #[arg(long)]
        owner_email: String,
        /// Also empty the organization's allowed_ip_ranges (audited): for an organization
        /// whose egress address changed and that its ranges now shut out.
        #[arg(long)]
        clear_ip_policy: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Find latchkey credentials in files and directories; exit 1 when any is found.
    ///
    /// Example: latchkey scan . && git commit
    Scan(latchkey_cli::scan::ScanArgs),
    /// Client commands against a running API (login, whoami, service-account, ...).
    #[command(flatten)]
    Client(client::ClientCommand),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Client commands report to people on stderr and keep stdout for output: no log lines.
    let command = match cli.command {
        // `audit list|get` are client commands; `audit replay` is the operator's.
        Command::Client(client::ClientCommand::Audit(client::audit::AuditCommand::Replay(args))) => {
            latchkey::logging::init_json();
            return match replay(&args).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("latchkey: {message}");
                    ExitCode::FAILURE
                }
            };
        }
        Command::Client(command) => return client::run(command, cli.client).await,
        Command::Scan(args) => {
            let json = cli.client.output == client::OutputFormat::Json;
            return latchkey_cli::scan::run(args, json, || client::api_url(&cli.client)).await;
        }
        command => command,
    };
    latchkey::logging::init_json();
    match run(command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("latchkey: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    match command {
        Command::Serve { listen, trust_forwarded_for, store } => {
            let store = latchkey_cli::stores::open(&config, &store.data_dir, store.dynamodb, true).await?;
            let api = Arc::new(Api::new(store, Arc::new(SystemClock), config));
            let gateway = Arc::new(LocalGateway::new(api));
            let listener = latchkey_cli::server::bind(listen).await.map_err(|e| format!("listen on {listen}: {e}"))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            tracing::info!(%addr, "latchkey listening");
            eprintln!("latchkey: serving http://{addr}/api/v1 (console: http://{addr}/console)");
            let limits = latchkey_cli::server::ServerLimits { trust_forwarded_for, ..Default::default() };
            latchkey_cli::server::serve_with_limits(listener, gateway, limits, shutdown_signal())
                .await
                .map_err(|e| e.to_string())
        }
        Command::Gateway(args) => latchkey_cli::gateway::run(args, &config, shutdown_signal()).await,
        Command::Bootstrap { organization, owner_email, store } => {
            operator_action(OperatorAction::Bootstrap, &config, store, OperatorRequest { organization, owner_email })
                .await
        }
        Command::Recover { organization, owner_email, clear_ip_policy, store } => {
            if clear_ip_policy {
                let opened = latchkey_cli::stores::open(&config, &store.data_dir, store.dynamodb, false).await?;
                let changed = operator::clear_ip_policy(opened.as_ref(), &SystemClock, &config, &organization)
                    .await
                    .map_err(describe)?;
                eprintln!(
                    "latchkey: {}",
                    if changed { "allowed_ip_ranges cleared" } else { "allowed_ip_ranges were already empty" }
                );
            }
            operator_action(OperatorAction::Recover, &config, store, OperatorRequest { organization, owner_email })
                .await
        }
        Command::Client(_) | Command::Scan(_) => Err("client commands and scan are run before".to_string()),
    }
}

/// `latchkey audit replay`: every audit event of the window published again.
async fn replay(args: &latchkey_cli::replay::ReplayArgs) -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let done = latchkey_cli::replay::run(args, &config).await?;
    println!("{} published, {} failed", done.published, done.failed);
    if done.failed > 0 {
        return Err(format!("{} audit events were not published (see the log)", done.failed));
    }
    Ok(())
}

/// `bootstrap` / `recover`: the new CLI token alone on stdout, so `TOKEN=$(...)` works.
async fn operator_action(
    action: OperatorAction,
    config: &Config,
    store: StoreArgs,
    request: OperatorRequest,
) -> Result<(), String> {
    let store = latchkey_cli::stores::open(config, &store.data_dir, store.dynamodb, false).await?;
    let outcome = operator::run(action, store.as_ref(), &SystemClock, config, &request).await.map_err(describe)?;
    println!("{}", outcome.cli_token);
    Ok(())
}

fn describe(e: OperatorError) -> String {
    latchkey::logging::ErrorChain(&e).to_string()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

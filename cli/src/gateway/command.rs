//! The `latchkey gateway` command: its arguments, the table made ready, the gateway
//! started and served until Ctrl-C or SIGTERM.

use super::{Gateway, GatewayOptions};
use latchkey::config::Config;
use latchkey::store::dynamodb::DynamoDbStore;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(clap::Args, Debug, Clone)]
pub struct GatewayArgs {
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,
    /// The SAM template: routes, authorizer, gateway responses, environment.
    #[arg(long, default_value = "template.yaml")]
    pub template: PathBuf,
    /// The folder of function binaries [default: the workspace's target/debug].
    #[arg(long)]
    pub functions: Option<PathBuf>,
    /// The stage name the events carry (the URL has none: it serves at its root).
    #[arg(long, default_value = "local")]
    pub stage: String,
    /// One log file per function (its stdout and stderr).
    #[arg(long, default_value = ".latchkey/gateway-logs")]
    pub logs: PathBuf,
    /// A value for one of the template's parameters, over its default (repeatable).
    #[arg(long = "parameter", value_name = "NAME=VALUE", value_parser = parse_parameter)]
    pub parameters: Vec<(String, String)>,
}

fn parse_parameter(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_string(), value.to_string())),
        _ => Err(format!("{text:?} is not NAME=VALUE")),
    }
}

/// The workspace's debug target folder (`$CARGO_TARGET_DIR/debug` when that is set), where
/// `cargo build -p latchkey-functions` puts the binaries.
pub fn default_functions_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir).join("debug"),
        None => {
            let cli = Path::new(env!("CARGO_MANIFEST_DIR"));
            cli.parent().unwrap_or(cli).join("target").join("debug")
        }
    }
}

pub async fn run(
    args: GatewayArgs,
    config: &Config,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), String> {
    if config.dynamodb_endpoint.is_none() {
        return Err("the gateway runs the functions against a local DynamoDB: set DYNAMODB_ENDPOINT \
                    (moto, DynamoDB Local)"
            .to_string());
    }
    let store = DynamoDbStore::from_config(config).await.map_err(|e| format!("DynamoDB: {e}"))?;
    store.create_table_if_missing().await.map_err(|e| format!("DynamoDB table {}: {e}", config.table_name))?;
    let options = GatewayOptions {
        template: args.template,
        functions_dir: args.functions.unwrap_or_else(default_functions_dir),
        stage: args.stage,
        log_dir: args.logs,
        caller_env: std::env::vars().collect(),
        parameters: args.parameters.into_iter().collect(),
    };
    let gateway = Arc::new(Gateway::start(options).await.map_err(|e| e.to_string())?);
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.map_err(|e| format!("listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%addr, functions = gateway.functions(), routes = gateway.routes(), "latchkey gateway listening");
    eprintln!(
        "latchkey: gateway serving http://{addr} ({} routes, {} functions; their logs in {})",
        gateway.routes(),
        gateway.functions(),
        gateway.log_dir().display()
    );
    let served = super::serve(listener, Arc::clone(&gateway), shutdown).await;
    gateway.stop().await;
    served.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        gateway: GatewayArgs,
    }

    #[test]
    fn parameters_are_repeatable_name_value_pairs() {
        let cli =
            Cli::try_parse_from(["x", "--parameter", "A=1,2", "--parameter", "B=", "--parameter", "C=x=y"]).unwrap();
        let expected = [("A", "1,2"), ("B", ""), ("C", "x=y")].map(|(k, v)| (k.to_string(), v.to_string()));
        assert_eq!(cli.gateway.parameters, expected.to_vec());
        for bad in ["novalue", "=1"] {
            assert!(Cli::try_parse_from(["x", "--parameter", bad]).is_err(), "{bad}");
        }
    }
}

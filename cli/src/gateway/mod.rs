//! `latchkey gateway`: the deployed shape on one machine. It reads the SAM template
//! ([`template`]), starts every function binary that serves a route (and the authorizer)
//! once, each under its own Lambda Runtime API stand-in, kept warm ([`pool`]), and serves
//! HTTP as the API's REST stage would ([`listener`], [`flow`]): routes matched as API
//! Gateway matches them ([`routes`]), the REQUEST authorizer first on guarded routes, its
//! policy checked against the method ARN ([`policy`]), REST proxy events (payload 1.0)
//! with the stage in `requestContext` ([`events`]), the function's proxy response mapped
//! back or the template's gateway responses ([`responses`]).
//!
//! Another API's template that imports latchkey's authorizer (`Fn::ImportValue` of
//! `<stack>-AuthorizerFunctionArn`, as `infra/examples/protected-api.yaml` does) is served
//! the same way, with latchkey's `authorizer` binary in front of that API's functions.
//!
//! The listener serves at its root (`http://127.0.0.1:8081/api/v1/...`), like `serve`, so
//! the same clients and tests run against both.

mod command;
mod events;
mod flow;
mod intrinsics;
mod listener;
mod policy;
mod pool;
mod responses;
mod routes;
mod template;

pub use command::{GatewayArgs, default_functions_dir, run};
pub use listener::serve;

use intrinsics::LocalValues;
use pool::{Pool, ProcessSpec};
use responses::GatewayResponses;
use routes::RouteTable;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use template::{AuthorizerSpec, Template, TemplateError};

/// What the gateway runs, and with what.
#[derive(Debug, Clone)]
pub struct GatewayOptions {
    /// The SAM template.
    pub template: PathBuf,
    /// The folder with one binary per function (`Metadata.BuildProperties.Binary`).
    pub functions_dir: PathBuf,
    /// The stage name the events carry.
    pub stage: String,
    /// One log file per function (its stdout and stderr) goes here.
    pub log_dir: PathBuf,
    /// The caller's environment: `DYNAMODB_ENDPOINT`, `TABLE_NAME`, the AWS credentials and
    /// region are handed to every function from here.
    pub caller_env: BTreeMap<String, String>,
    /// Values for the template's parameters (`--parameter Name=Value`), over their defaults.
    pub parameters: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("template: {0}")]
    Routes(#[from] routes::DuplicateRoute),
    #[error(
        "no function binary {} in {} (build them: cargo build -p latchkey-functions; an example's: cargo build --workspace)",
        missing.join(", "),
        dir.display()
    )]
    MissingBinaries { dir: PathBuf, missing: Vec<String> },
    #[error("log folder {}: {source}", dir.display())]
    LogDir { dir: PathBuf, source: std::io::Error },
}

/// The running gateway: the template's API and a warm process per function.
pub struct Gateway {
    routes: RouteTable,
    authorizers: BTreeMap<String, AuthorizerSpec>,
    responses: GatewayResponses,
    pool: Pool,
    stage: events::Stage,
    log_dir: PathBuf,
}

/// Variables handed from the caller's environment to every function as they are. Like
/// `TABLE_NAME`, `ORG_POLICY_COPIES` belongs to the table the caller points at: the
/// functions must read as many policy copies as whoever created its organizations wrote.
const FROM_CALLER: [&str; 5] =
    ["DYNAMODB_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "ORG_POLICY_COPIES"];

impl Gateway {
    /// Reads the template, checks that every binary is there, starts every process and
    /// waits for their init.
    pub async fn start(options: GatewayOptions) -> Result<Gateway, GatewayError> {
        let caller = |name: &str| options.caller_env.get(name).filter(|v| !v.is_empty()).cloned();
        let region =
            caller("AWS_REGION").or_else(|| caller("AWS_DEFAULT_REGION")).unwrap_or_else(|| "us-east-1".into());
        let table_name = caller("TABLE_NAME").unwrap_or_else(|| latchkey::config::Config::default().table_name);
        let local = LocalValues {
            table_name: table_name.clone(),
            region: region.clone(),
            parameters: options.parameters.clone(),
        };
        let template = Template::load(&options.template, &local)?;
        let missing: Vec<String> = template
            .functions
            .iter()
            .filter(|f| !options.functions_dir.join(&f.binary).is_file())
            .map(|f| f.binary.clone())
            .collect();
        if !missing.is_empty() {
            return Err(GatewayError::MissingBinaries { dir: options.functions_dir.clone(), missing });
        }
        std::fs::create_dir_all(&options.log_dir)
            .map_err(|source| GatewayError::LogDir { dir: options.log_dir.clone(), source })?;

        let mut specs = Vec::new();
        for f in &template.functions {
            let mut env = f.environment.clone();
            env.insert("TABLE_NAME".into(), table_name.clone());
            env.insert("AWS_REGION".into(), region.clone());
            env.insert("AWS_DEFAULT_REGION".into(), region.clone());
            for name in FROM_CALLER {
                if let Some(value) = caller(name) {
                    env.insert(name.into(), value);
                }
            }
            // An emulator takes any credentials; the SDK signs with whatever is there.
            env.entry("AWS_ACCESS_KEY_ID".into()).or_insert_with(|| "local".into());
            env.entry("AWS_SECRET_ACCESS_KEY".into()).or_insert_with(|| "local".into());
            // What Lambda itself sets, beyond what the stand-in sets.
            env.insert("AWS_LAMBDA_FUNCTION_NAME".into(), f.logical_id.clone());
            env.insert("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(), f.memory_mb.to_string());
            env.insert("_HANDLER".into(), "bootstrap".into());
            env.insert("TZ".into(), ":UTC".into());
            specs.push(ProcessSpec {
                name: f.logical_id.clone(),
                binary: options.functions_dir.join(&f.binary),
                env: env.into_iter().collect(),
                timeout: f.timeout,
                log: options.log_dir.join(format!("{}.log", f.binary)),
            });
        }
        for a in template.authorizers.iter().filter(|a| a.cache_seconds > 0) {
            tracing::warn!(authorizer = %a.name, seconds = a.cache_seconds, "authorizer caching is not emulated: every request is authorized");
        }
        let routes = RouteTable::new(template.routes)?;
        let pool = Pool::start(specs).await;
        let authorizers = template.authorizers.into_iter().map(|a| (a.name.clone(), a)).collect();
        Ok(Gateway {
            routes,
            authorizers,
            responses: GatewayResponses::new(template.responses),
            pool,
            stage: events::Stage {
                name: options.stage,
                region,
                account: intrinsics::ACCOUNT_ID.into(),
                variables: template.stage_variables,
            },
            log_dir: options.log_dir,
        })
    }

    /// How many function processes run.
    pub fn functions(&self) -> usize {
        self.pool.len()
    }

    pub fn routes(&self) -> usize {
        self.routes.routes().len()
    }

    pub fn log_dir(&self) -> &Path {
        &self.log_dir
    }

    /// Stops every function process.
    pub async fn stop(&self) {
        self.pool.stop().await;
    }
}

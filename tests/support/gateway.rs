//! `latchkey gateway` for the tests: [`spawn_gateway_app`] is the API walk's third arm (one
//! gateway per test binary, on moto, a fresh organization per test), [`start_gateway`]
//! one gateway on the caller's runtime (tests/gateway.rs, tests/gateway_protected.rs), and [`script_function`] /
//! [`first_process_then`] stand-in "functions" written as bash scripts that speak the Lambda
//! Runtime API with `/dev/tcp` (bash builtins only: the stand-in gives a function no PATH).
//!
//! The function binaries are the debug ones the test build made: next to this test's
//! executable (`target/debug/`). `cargo test --workspace` builds them first; a binary older
//! than the sources it is built from is refused, so the walk never runs stale code.

use crate::app::TestApp;
use latchkey::clock::ManualClock;
use latchkey::config::Config;
use latchkey::operator::{self, OperatorRequest};
use latchkey::store::dynamodb::DynamoDbStore;
use latchkey_cli::gateway::Gateway;
pub use latchkey_cli::gateway::GatewayOptions;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// The repository's `template.yaml`.
pub fn template_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("template.yaml")
}

/// The example protected API's template (docs/protect-your-api.md).
pub fn protected_template_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("infra/examples/protected-api.yaml")
}

/// The source folders the function binaries are built from.
const SOURCES: [&str; 4] = ["shared/src", "shared/console", "functions/src", "wire/src"];

fn newest_source() -> Option<(SystemTime, PathBuf)> {
    fn walk(dir: &Path, newest: &mut Option<(SystemTime, PathBuf)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, newest);
            } else if let Ok(modified) = entry.metadata().and_then(|m| m.modified())
                && newest.as_ref().is_none_or(|(t, _)| modified > *t)
            {
                *newest = Some((modified, path));
            }
        }
    }
    let mut newest = None;
    for dir in SOURCES {
        walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut newest);
    }
    newest
}

/// The debug target folder holding the function binaries (`target/debug`, the parent of
/// this test executable's `deps/`), checked to hold every binary of the template, none
/// older than its sources.
pub fn functions_dir() -> PathBuf {
    let binaries = latchkey::api::ROUTES.iter().map(|r| r.function).chain(["authorizer"]);
    let newest = newest_source();
    let mut dir = PathBuf::new();
    for binary in binaries {
        let path = checked_function(binary, newest.as_ref());
        dir = path.parent().expect("target/debug").to_path_buf();
    }
    dir
}

/// The function binary `name` of `target/debug` (latchkey-functions'), checked to be no
/// older than its sources: for a test of another package, which cargo does not build it for.
pub fn built_function(name: &str) -> PathBuf {
    checked_function(name, newest_source().as_ref())
}

fn checked_function(binary: &str, newest: Option<&(SystemTime, PathBuf)>) -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let dir = exe.parent().and_then(Path::parent).expect("target/debug/deps/<test>");
    let path = dir.join(binary);
    let built = std::fs::metadata(&path).and_then(|m| m.modified()).unwrap_or_else(|_| {
        panic!(
            "no function binary {} (cargo test --workspace builds them; or cargo build -p latchkey-functions)",
            path.display()
        )
    });
    if let Some((changed, source)) = newest {
        assert!(
            built >= *changed,
            "{} is older than {}: cargo build -p latchkey-functions (cargo test --workspace does)",
            path.display(),
            source.display()
        );
    }
    path
}

/// A fresh folder for one gateway's function logs.
pub fn log_dir(tag: &str) -> PathBuf {
    std::env::temp_dir().join("latchkey-gateway-tests").join(format!("{tag}-{}", uuid::Uuid::new_v4()))
}

/// A gateway serving on a loopback port of the caller's runtime until dropped.
pub struct RunningGateway {
    pub base: String,
    pub addr: SocketAddr,
    pub gateway: Arc<Gateway>,
    pub log_dir: PathBuf,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl RunningGateway {
    /// `GET path` with an optional `Authorization` header.
    pub async fn get(&self, path: &str, authorization: Option<&str>) -> crate::app::Reply {
        let mut request = reqwest::Client::new().get(format!("{}{path}", self.base));
        if let Some(a) = authorization {
            request = request.header("authorization", a);
        }
        let response = request.send().await.expect("the gateway answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        crate::app::Reply { status, content_type, headers, body, text }
    }

    /// What `function` (its binary's name) wrote.
    pub fn log(&self, binary: &str) -> String {
        std::fs::read_to_string(self.log_dir.join(format!("{binary}.log"))).unwrap_or_default()
    }
}

/// Starts a gateway with `options` and serves it on `127.0.0.1:0`.
pub async fn start_gateway(options: GatewayOptions) -> RunningGateway {
    let log_dir = options.log_dir.clone();
    let gateway = Arc::new(Gateway::start(options).await.unwrap_or_else(|e| panic!("latchkey gateway: {e}")));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(latchkey_cli::gateway::serve(listener, Arc::clone(&gateway), async move {
        let _ = rx.await;
    }));
    RunningGateway { base: format!("http://{addr}"), addr, gateway, log_dir, _shutdown: tx }
}

/// The gateway the walk's tests share, with its table.
struct Shared {
    addr: SocketAddr,
    config: Config,
}

static SHARED: tokio::sync::OnceCell<Shared> = tokio::sync::OnceCell::const_new();

/// Starts the shared gateway on a thread and runtime of its own (each test has its own
/// runtime, which ends with the test), on a fresh table of the moto at `DYNAMODB_ENDPOINT`.
async fn start_shared() -> Shared {
    let table = crate::dynamodb_store_concrete().await.table_name().to_string();
    let mut caller_env: BTreeMap<String, String> = std::env::vars().collect();
    caller_env.insert("TABLE_NAME".into(), table.clone());
    let config = Config::from_lookup(|k| caller_env.get(k).cloned()).expect("configuration from the environment");
    let options = GatewayOptions {
        template: template_path(),
        functions_dir: functions_dir(),
        stage: "test".into(),
        log_dir: log_dir("walk"),
        caller_env,
        parameters: BTreeMap::new(),
    };
    eprintln!("latchkey gateway for the API walk: function logs in {}", options.log_dir.display());
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("latchkey-gateway".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
            let Ok(runtime) = runtime else {
                return;
            };
            runtime.block_on(async move {
                let running = start_gateway(options).await;
                let _ = tx.send(running.addr);
                // Serves until the test binary exits; its processes end with their Runtime APIs.
                std::future::pending::<()>().await;
                drop(running);
            });
        })
        .expect("start the gateway's thread");
    let addr = rx.await.expect("the gateway started (see the panic above)");
    Shared { addr, config }
}

/// A [`TestApp`] on the shared `latchkey gateway`, with a fresh organization bootstrapped
/// through the store. Its clock is the test's own: the function binaries read the system
/// clock, so moving this one moves nothing there.
pub async fn spawn_gateway_app() -> TestApp {
    let shared = SHARED.get_or_init(start_shared).await;
    let store = DynamoDbStore::from_config(&shared.config).await.expect("connect to DynamoDB");
    let clock = Arc::new(ManualClock::starting_now());
    let organization = format!("org-{}", uuid::Uuid::new_v4());
    let request = OperatorRequest { organization: organization.clone(), owner_email: "owner@example.com".into() };
    let outcome = operator::bootstrap(&store, clock.as_ref(), &shared.config, &request).await.expect("bootstrap");
    TestApp::attached(shared.addr, Arc::new(store), clock, shared.config.clone(), organization, outcome)
}

/// Writes an executable bash script `name` into `dir`.
fn write_script(dir: &Path, name: &str, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("make it executable");
    path
}

/// Reads the next event's request id from the Runtime API into `$id` (bash).
const NEXT_EVENT: &str = r#"api=$AWS_LAMBDA_RUNTIME_API
next_event() {
  exec 3<>"/dev/tcp/${api%:*}/${api##*:}" || exit 1
  printf 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$api" >&3
  id=
  while IFS= read -r line <&3; do
    line=${line%$'\r'}
    [[ -z $line ]] && break
    [[ ${line,,} == lambda-runtime-aws-request-id:* ]] && id=${line#*: }
  done
  exec 3<&-
}
"#;

/// How a scripted function answers every invocation.
pub enum Scripted<'a> {
    /// `POST .../response` with this JSON.
    Response(&'a serde_json::Value),
    /// `POST .../error` with this JSON (`{errorType, errorMessage}`).
    Error(&'a serde_json::Value),
    /// Exits at once, during its init.
    ExitAtOnce,
}

/// A function `name` in `dir` that answers every invocation the same way.
pub fn script_function(dir: &Path, name: &str, how: Scripted<'_>) -> PathBuf {
    let (kind, body) = match how {
        Scripted::Response(body) => ("response", body.to_string()),
        Scripted::Error(body) => ("error", body.to_string()),
        Scripted::ExitAtOnce => return write_script(dir, name, "#!/bin/bash\nexit 1\n"),
    };
    let body_file = dir.join(format!("{name}.json"));
    std::fs::write(&body_file, &body).expect("write the answer");
    let text = format!(
        r#"#!/bin/bash
body=$(<'{body_file}')
{NEXT_EVENT}
while :; do
  next_event
  [[ -n $id ]] || exit 1
  exec 4<>"/dev/tcp/${{api%:*}}/${{api##*:}}" || exit 1
  printf 'POST /2018-06-01/runtime/invocation/%s/{kind} HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' "$id" "$api" "${{#body}}" "$body" >&4
  IFS= read -r status <&4
  exec 4<&-
done
"#,
        body_file = body_file.display()
    );
    write_script(dir, name, &text)
}

/// What the first process of [`first_process_then`] does with its one event.
#[derive(Debug, Clone, Copy)]
pub enum FirstProcess {
    /// Exits without answering: a crash mid-invocation.
    Crashes,
    /// Never answers (it asks for the next event instead, which never comes).
    Hangs,
}

/// A function `name` in `dir` whose first process takes one event and then `first`s
/// (leaving `<name>.first` in `dir`); every later process is `real`.
pub fn first_process_then(dir: &Path, name: &str, first: FirstProcess, real: &Path) -> PathBuf {
    let marker = dir.join(format!("{name}.first"));
    let after_the_event = match first {
        FirstProcess::Crashes => "exit 3",
        FirstProcess::Hangs => "next_event",
    };
    let text = format!(
        r#"#!/bin/bash
if [[ -e '{marker}' ]]; then exec '{real}'; fi
: > '{marker}'
{NEXT_EVENT}
next_event
{after_the_event}
exit 3
"#,
        marker = marker.display(),
        real = real.display()
    );
    write_script(dir, name, &text)
}

//! A minimal Lambda Runtime API on loopback, one per function process: `GET .../next`
//! hands out the queued event, `POST .../{id}/response` and `.../{id}/error` complete it,
//! `/init/error` records an init failure. The time of the first `/next` poll is recorded:
//! Lambda's init phase ends there. Used by the tests (`functions/tests/functions/runtime_api.rs`), the
//! benchmark (`bench/`) and `latchkey gateway` (cli/src/gateway/), so all run the binaries
//! the same way.
//!
//! [`Function::invoke_within`] tells the ways an invocation can end without an answer apart
//! ([`InvokeError`]): the process exited mid-invocation (a crash), or ran past its time.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::collections::HashMap;
use std::path::Path as FsPath;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// What one invocation produced.
#[derive(Debug)]
pub enum Outcome {
    Response(Bytes),
    Error(Bytes),
}

/// Why an invocation produced no [`Outcome`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvokeError {
    /// The process exited (or was killed) before it answered: `status` as the OS told it.
    Crashed { status: String },
    /// No answer within the time the caller allowed; the process still runs.
    TimedOut,
    /// The Runtime API is gone (the function was stopped).
    Closed,
}

impl std::fmt::Display for InvokeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InvokeError::Crashed { status } => write!(f, "the process exited mid-invocation ({status})"),
            InvokeError::TimedOut => write!(f, "no answer in time"),
            InvokeError::Closed => write!(f, "runtime API closed"),
        }
    }
}

impl std::error::Error for InvokeError {}

struct Shared {
    queue: tokio::sync::Mutex<mpsc::Receiver<(String, Bytes)>>,
    waiting: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    first_poll: Mutex<Option<Instant>>,
    init_error: Mutex<Option<Bytes>>,
    /// How long each invocation may run (the `Lambda-Runtime-Deadline-Ms` it is given).
    time_limit: Mutex<Duration>,
}

pub struct Function {
    sender: mpsc::Sender<(String, Bytes)>,
    shared: Arc<Shared>,
    child: tokio::process::Child,
    pub spawned_at: Instant,
    server: tokio::task::JoinHandle<()>,
    next_id: u64,
}

impl Function {
    /// Starts a Runtime API on a free loopback port, then spawns `binary` against it with a
    /// clean environment: the variables Lambda sets, plus `env`. Its stdout and stderr go
    /// to `log` (never to a pipe nobody reads, which would block it).
    pub async fn spawn(binary: &FsPath, env: &[(String, String)], log: &FsPath) -> std::io::Result<Function> {
        let (sender, receiver) = mpsc::channel(1);
        let shared = Arc::new(Shared {
            queue: tokio::sync::Mutex::new(receiver),
            waiting: Mutex::new(HashMap::new()),
            first_poll: Mutex::new(None),
            init_error: Mutex::new(None),
            time_limit: Mutex::new(Duration::from_secs(30)),
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(respond))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let name = binary.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let out = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
        let err = out.try_clone()?;
        let mut cmd = tokio::process::Command::new(binary);
        cmd.env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", &name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "standin")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .kill_on_drop(true);
        let spawned_at = Instant::now();
        let child = cmd.spawn()?;
        Ok(Function { sender, shared, child, spawned_at, server, next_id: 0 })
    }

    /// Gives later invocations `limit` before their deadline (default 30 s).
    pub fn set_time_limit(&self, limit: Duration) {
        *self.shared.time_limit.lock().unwrap_or_else(|p| p.into_inner()) = limit;
    }

    /// Whether the process has asked for work yet (its init is over).
    pub fn ready(&self) -> bool {
        self.shared.first_poll.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Waits (bounded) until the process first polls for work; returns the time from
    /// spawn to that poll.
    pub async fn wait_for_init(&mut self, limit: Duration) -> Result<Duration, String> {
        let started = Instant::now();
        loop {
            if let Some(t) = *self.shared.first_poll.lock().unwrap_or_else(|p| p.into_inner()) {
                return Ok(t - self.spawned_at);
            }
            if let Some(e) = self.shared.init_error.lock().unwrap_or_else(|p| p.into_inner()).clone() {
                return Err(format!("init error: {}", String::from_utf8_lossy(&e)));
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited during init: {status}"));
            }
            if started.elapsed() > limit {
                return Err("no /next poll in time".into());
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }

    /// Whether the process has exited (crashed, or ended on its own).
    pub fn has_exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends one event; returns the outcome and the round trip (event queued → answer
    /// received by the Runtime API). At most 30 s.
    pub async fn invoke(&mut self, event: Bytes) -> Result<(Outcome, Duration), String> {
        self.invoke_within(event, Duration::from_secs(30)).await.map_err(|e| match e {
            InvokeError::TimedOut => "no answer within 30 s".to_string(),
            other => other.to_string(),
        })
    }

    /// Sends one event and waits at most `limit` for its answer, watching the process: one
    /// that exits before answering is [`InvokeError::Crashed`] (it is not restarted here).
    pub async fn invoke_within(&mut self, event: Bytes, limit: Duration) -> Result<(Outcome, Duration), InvokeError> {
        self.next_id += 1;
        let id = format!("invocation-{:016x}", self.next_id);
        let (tx, rx) = oneshot::channel();
        self.shared.waiting.lock().unwrap_or_else(|p| p.into_inner()).insert(id.clone(), tx);
        let started = Instant::now();
        let result = self.await_answer(id.clone(), event, rx, limit).await;
        self.shared.waiting.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
        result.map(|outcome| (outcome, started.elapsed()))
    }

    async fn await_answer(
        &mut self,
        id: String,
        event: Bytes,
        rx: oneshot::Receiver<Outcome>,
        limit: Duration,
    ) -> Result<Outcome, InvokeError> {
        let deadline = tokio::time::Instant::now() + limit;
        let exited = |status: std::io::Result<std::process::ExitStatus>| InvokeError::Crashed {
            status: status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string()),
        };
        // The queue holds one event: sending waits while the process is still busy.
        tokio::select! {
            sent = self.sender.send((id, event)) => sent.map_err(|_| InvokeError::Closed)?,
            status = self.child.wait() => return Err(exited(status)),
            () = tokio::time::sleep_until(deadline) => return Err(InvokeError::TimedOut),
        }
        tokio::select! {
            // An answer wins over an exit seen at the same time: it was delivered.
            biased;
            answer = rx => answer.map_err(|_| InvokeError::Closed),
            status = self.child.wait() => Err(exited(status)),
            () = tokio::time::sleep_until(deadline) => Err(InvokeError::TimedOut),
        }
    }

    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        self.server.abort();
    }
}

impl Drop for Function {
    /// The process is killed by `kill_on_drop`; its Runtime API goes with it.
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    shared.first_poll.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert_with(Instant::now);
    let mut queue = shared.queue.lock().await;
    let Some((id, event)) = queue.recv().await else {
        return StatusCode::GONE.into_response();
    };
    drop(queue);
    let limit = *shared.time_limit.lock().unwrap_or_else(|p| p.into_inner());
    let deadline = (std::time::SystemTime::now() + limit)
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let mut headers = HeaderMap::new();
    let mut set = |k: &'static str, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            headers.insert(k, v);
        }
    };
    set("lambda-runtime-aws-request-id", &id);
    set("lambda-runtime-deadline-ms", &deadline.to_string());
    set("lambda-runtime-invoked-function-arn", "arn:aws:lambda:us-east-1:123456789012:function:standin");
    set("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000;Sampled=0");
    set("content-type", "application/json");
    (StatusCode::OK, headers, event).into_response()
}

async fn respond(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    deliver(&shared, &id, Outcome::Response(body))
}

async fn fail(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    deliver(&shared, &id, Outcome::Error(body))
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    *shared.init_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(body);
    StatusCode::ACCEPTED
}

fn deliver(shared: &Shared, id: &str, outcome: Outcome) -> StatusCode {
    match shared.waiting.lock().unwrap_or_else(|p| p.into_inner()).remove(id) {
        Some(tx) => {
            let _ = tx.send(outcome);
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

//! One warm process per function, each under its own Runtime API stand-in
//! (`runtime_standin`), as Lambda runs one sandbox: one event at a time, the others wait
//! their turn in arrival order. A process that exits mid-invocation (a crash) or overruns
//! its time is replaced by a fresh one (a cold start) and that invocation reports it; a
//! process found dead between invocations is replaced before the next one, which then runs
//! normally.

use hyper::body::Bytes;
use runtime_standin::{Function, InvokeError, Outcome};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// How long startup waits for every process to finish its init.
const INIT_WAIT: Duration = Duration::from_secs(30);

/// How one function process is started.
#[derive(Debug, Clone)]
pub struct ProcessSpec {
    /// Its name in logs (the template's logical id).
    pub name: String,
    pub binary: PathBuf,
    /// The variables it runs with (on top of those Lambda sets).
    pub env: Vec<(String, String)>,
    /// The function's `Timeout`: the deadline each invocation is given.
    pub timeout: Duration,
    /// Where its stdout and stderr go (appended, across restarts).
    pub log: PathBuf,
}

/// How an invocation ended.
#[derive(Debug)]
pub enum Invocation {
    /// The function's answer.
    Answered(Bytes),
    /// The function reported an error (`{errorType, errorMessage}`).
    Failed(Bytes),
    /// The process exited before answering; a fresh one has replaced it.
    Crashed,
    /// No answer in time; the process was killed and replaced.
    TimedOut,
}

/// One function's process, behind a fair lock: whoever holds it has the process.
pub struct Warm {
    spec: ProcessSpec,
    slot: Mutex<Option<Function>>,
}

impl Warm {
    async fn spawn(spec: &ProcessSpec) -> Option<Function> {
        match Function::spawn(&spec.binary, &spec.env, &spec.log).await {
            Ok(function) => {
                function.set_time_limit(spec.timeout);
                Some(function)
            }
            Err(error) => {
                tracing::error!(function = %spec.name, binary = %spec.binary.display(), %error, "could not start the function");
                None
            }
        }
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    pub fn timeout(&self) -> Duration {
        self.spec.timeout
    }

    /// Runs one event, waiting for the process's turn, then at most `limit` for its answer.
    pub async fn invoke(&self, event: Bytes, limit: Duration) -> Invocation {
        let mut slot = self.slot.lock().await;
        if slot.as_mut().is_none_or(Function::has_exited) {
            tracing::info!(function = %self.spec.name, "starting a fresh process (cold start)");
            *slot = Self::spawn(&self.spec).await;
        }
        let Some(function) = slot.as_mut() else {
            return Invocation::Crashed;
        };
        let ended = match function.invoke_within(event, limit).await {
            Ok((Outcome::Response(answer), _)) => return Invocation::Answered(answer),
            Ok((Outcome::Error(error), _)) => return Invocation::Failed(error),
            Err(InvokeError::TimedOut) => {
                tracing::warn!(function = %self.spec.name, limit_ms = limit.as_millis() as u64, "no answer in time: process replaced");
                Invocation::TimedOut
            }
            Err(error) => {
                tracing::warn!(function = %self.spec.name, %error, log = %self.spec.log.display(), "process ended mid-invocation: restarted");
                Invocation::Crashed
            }
        };
        // Dropping the old process kills it; the new one starts its init now, while idle.
        *slot = None;
        *slot = Self::spawn(&self.spec).await;
        ended
    }
}

/// Every function's warm process, by logical id.
pub struct Pool {
    warm: BTreeMap<String, Arc<Warm>>,
}

impl Pool {
    /// Starts every process, then waits (bounded) until each has finished its init. One
    /// whose init fails is reported and started again on its first request, where it
    /// fails as Lambda would (502, or 503 for an authorizer).
    pub async fn start(specs: Vec<ProcessSpec>) -> Pool {
        let mut started = Vec::new();
        for spec in specs {
            let function = Warm::spawn(&spec).await;
            started.push((spec, function));
        }
        let mut warm = BTreeMap::new();
        for (spec, mut function) in started {
            if let Some(f) = function.as_mut()
                && let Err(error) = f.wait_for_init(INIT_WAIT).await
            {
                tracing::warn!(function = %spec.name, %error, log = %spec.log.display(), "init failed; it starts again on its first request");
            }
            warm.insert(spec.name.clone(), Arc::new(Warm { spec, slot: Mutex::new(function) }));
        }
        Pool { warm }
    }

    pub fn get(&self, name: &str) -> Option<&Arc<Warm>> {
        self.warm.get(name)
    }

    pub fn len(&self) -> usize {
        self.warm.len()
    }

    /// Stops every process (each waits for the invocation it is running, if any).
    pub async fn stop(&self) {
        for warm in self.warm.values() {
            if let Some(function) = warm.slot.lock().await.take() {
                function.stop().await;
            }
        }
    }
}

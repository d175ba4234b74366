//! Executing one job: read the delivery from the store, then forward it (re-signed when its
//! timestamp went stale) or pipe it to the command with its metadata in the environment.

use super::Shared;
use crate::delivery::{Delivery, now_ms};
use crate::handlers::outcome::{Outcome, RunResult};
use crate::handlers::spec::{Action, DEFAULT_TIMEOUT};
use crate::handlers::{command, forward, resign};
use crate::store::jobs::Job;
use crate::store::{Store, StoreError};
use std::sync::Mutex;

/// Read connections for loading deliveries, one per concurrent load at most.
pub struct Readers {
    db: std::path::PathBuf,
    idle: Mutex<Vec<Store>>,
}

impl Readers {
    pub fn new(db: &std::path::Path) -> Readers {
        Readers {
            db: db.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn load(&self, id: i64) -> Result<Option<Delivery>, StoreError> {
        let taken = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let store = match taken {
            Some(s) => s,
            None => Store::open(&self.db)?,
        };
        let d = store.get(id);
        self.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(store);
        d
    }
}

/// Run `job` and say what happened (never fails: a failure is an outcome).
pub async fn execute(ctx: &std::sync::Arc<Shared>, job: &Job) -> RunResult {
    let id = job.delivery_id;
    let c = std::sync::Arc::clone(ctx);
    let loaded = tokio::task::spawn_blocking(move || c.readers.load(id)).await;
    let d = match loaded {
        Ok(Ok(Some(d))) => d,
        Ok(Ok(None)) => return failed(format!("delivery #{id} is not in the store")),
        Ok(Err(e)) => return failed(format!("cannot read delivery #{id}: {e}")),
        Err(e) => return failed(format!("cannot read delivery #{id}: {e}")),
    };
    if !crate::handlers::spec::has_body(&d.summary) {
        return failed(format!(
            "delivery #{id} was not stored with its body (answered {}): nothing to run",
            d.summary.status
        ));
    }
    let handler = ctx.handlers.iter().find(|h| h.name == job.handler);
    let (action, timeout) = match (handler, &job.target) {
        (_, Some(url)) => (
            Action::Forward(url.clone()),
            handler.map_or(DEFAULT_TIMEOUT, |h| h.timeout),
        ),
        (Some(h), None) => (h.action.clone(), h.timeout),
        (None, None) => {
            return failed(format!("handler '{}' is no longer configured", job.handler));
        }
    };
    match action {
        Action::Forward(url) => {
            let (headers, note) =
                resign::headers_for_replay(&d, &ctx.registry, &ctx.secrets, now_ms() / 1000);
            let mut r =
                forward::run(&ctx.clients, &url, &d.method, &headers, d.body, timeout).await;
            r.notes.extend(note);
            r
        }
        Action::Command(argv) => {
            let s = &d.summary;
            let env = vec![
                (
                    "HOOKWATCH_EVENT_TYPE".to_string(),
                    s.event_type.clone().unwrap_or_default(),
                ),
                (
                    "HOOKWATCH_PROVIDER".to_string(),
                    s.provider.clone().unwrap_or_default(),
                ),
                ("HOOKWATCH_DELIVERY_ID".to_string(), s.id.to_string()),
                ("HOOKWATCH_VERDICT".to_string(), s.verdict.to_string()),
                (
                    "HOOKWATCH_EVENT_ID".to_string(),
                    s.event_id.clone().unwrap_or_default(),
                ),
                ("HOOKWATCH_ATTEMPT".to_string(), job.attempt.to_string()),
                (
                    "HOOKWATCH_MAX_ATTEMPTS".to_string(),
                    job.max_attempts.to_string(),
                ),
            ];
            // A NUL byte cannot travel in the environment (the spawn would fail).
            let env: Vec<(String, String)> = env
                .into_iter()
                .map(|(k, v)| (k, v.replace('\0', "")))
                .collect();
            command::run(&argv, &d.body, &env, timeout).await
        }
    }
}

fn failed(message: String) -> RunResult {
    RunResult {
        outcome: Outcome::Error {
            message: message.clone(),
        },
        duration_ms: 0,
        excerpt: message,
        notes: Vec::new(),
    }
}

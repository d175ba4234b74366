//! The worker pool: a dispatcher turns committed deliveries into jobs (moving a persistent
//! cursor, so a crash between ack and enqueue loses nothing), a scheduler claims due jobs
//! into a bounded number of concurrent runs, and every run is stored and announced.

use super::outcome::{Outcome, RunResult};
use super::spec::{Action, DEFAULT_TIMEOUT, Handler};
use super::{command, forward, resign};
use crate::delivery::{Delivery, DeliveryId, Summary, now_ms};
use crate::store::jobs::{HandlerCell, Job, Jobs, NewJob};
use crate::store::{Store, StoreError, WriterHandle};
use crate::verify::{Registry, Secrets};
use anyhow::{Context, Result, anyhow};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, broadcast};

/// Handler name used for one-off replays to an explicit URL (`replay --to`).
pub const REPLAY_HANDLER: &str = "replay";
/// Runs at once by default.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// A change in a delivery's handler column, with the run when one finished.
#[derive(Clone, Debug)]
pub struct HandlerEvent {
    pub delivery_id: DeliveryId,
    pub handler: String,
    pub attempt: u32,
    pub max_attempts: u32,
    pub cell: HandlerCell,
    pub run: Option<RunResult>,
}

impl HandlerEvent {
    /// The NDJSON line `serve` prints for a finished run.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "type": "handler_run",
            "delivery_id": self.delivery_id,
            "handler": self.handler,
            "attempt": self.attempt,
            "max_attempts": self.max_attempts,
            "result": self.cell.short(),
            "state": self.cell.state(),
            "outcome": self.run.as_ref().map(|r| &r.outcome),
            "duration_ms": self.run.as_ref().map(|r| r.duration_ms),
            "notes": self.run.as_ref().map(|r| &r.notes),
        })
    }
}

/// Everything a run needs.
struct Shared {
    handlers: Vec<Handler>,
    registry: Registry,
    secrets: Secrets,
    clients: forward::Clients,
    jobs: Mutex<Jobs>,
    reader: Mutex<Store>,
    events: broadcast::Sender<HandlerEvent>,
    wake: Notify,
    slots: Arc<Semaphore>,
    db: PathBuf,
}

/// A running pool.
#[derive(Clone)]
pub struct Pool {
    ctx: Arc<Shared>,
}

impl Pool {
    /// A pool with its queue and clients, running nothing yet (see [`Pool::start`] and
    /// [`Pool::run_now`]).
    pub fn new(
        db: &Path,
        handlers: Vec<Handler>,
        registry: Registry,
        secrets: Secrets,
        concurrency: usize,
    ) -> Result<Pool> {
        let jobs = Jobs::open(db).context("cannot open the handler queue")?;
        let reader = Store::open(db).context("cannot open the store for handlers")?;
        let (events, _) = broadcast::channel(4096);
        let ctx = Arc::new(Shared {
            handlers,
            registry,
            secrets,
            clients: forward::Clients::new()?,
            jobs: Mutex::new(jobs),
            reader: Mutex::new(reader),
            events,
            wake: Notify::new(),
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            db: db.to_path_buf(),
        });
        Ok(Pool { ctx })
    }

    /// Start the dispatcher (deliveries from `writer` become jobs) and the scheduler on the
    /// current tokio runtime; jobs a previous process left running are queued again.
    pub fn start(&self, writer: &WriterHandle) -> Result<()> {
        let deliveries = writer.subscribe();
        let requeued = self.with_jobs(|j| j.requeue_interrupted(now_ms()))?;
        if requeued > 0 {
            tracing::info!(
                requeued,
                "handler jobs interrupted by a restart were queued again"
            );
        }
        let p = self.clone();
        let db = self.ctx.db.clone();
        tokio::spawn(async move {
            if let Err(e) = p.dispatch(deliveries, db).await {
                tracing::error!(error = %e, "handler dispatcher stopped");
            }
        });
        let p = self.clone();
        tokio::spawn(async move { p.schedule().await });
        Ok(())
    }

    /// Run jobs here and now (claimed at once, so a running server does not take them too);
    /// returns each finished run's event.
    pub async fn run_now(&self, jobs: Vec<NewJob>) -> Result<Vec<HandlerEvent>> {
        let ctx = Arc::clone(&self.ctx);
        let claimed = tokio::task::spawn_blocking(move || -> Result<Vec<Job>, StoreError> {
            let mut j = ctx.jobs.lock().map_err(|_| StoreError::WriterStopped)?;
            j.enqueue_running(&jobs, now_ms())
        })
        .await??;
        let mut events = self.subscribe();
        let mut set = tokio::task::JoinSet::new();
        for job in claimed {
            let p = self.clone();
            set.spawn(async move { p.run(job).await });
        }
        while set.join_next().await.is_some() {}
        let mut out = Vec::new();
        while let Ok(e) = events.try_recv() {
            if e.run.is_some() {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Handler changes and finished runs, for the dashboard and the NDJSON stream.
    pub fn subscribe(&self) -> broadcast::Receiver<HandlerEvent> {
        self.ctx.events.subscribe()
    }

    /// The configured handlers.
    pub fn handlers(&self) -> &[Handler] {
        &self.ctx.handlers
    }

    /// Queue a manual re-run of every handler that selects each delivery (or one replay
    /// to `target`); returns how many jobs were queued.
    pub async fn rerun(&self, deliveries: Vec<Summary>, target: Option<String>) -> Result<usize> {
        let jobs = rerun_jobs(&self.ctx.handlers, &deliveries, target);
        if jobs.is_empty() {
            return Err(anyhow!(
                "no handler takes {}: configure one or use --forward URL",
                describe(&deliveries)
            ));
        }
        let n = jobs.len();
        let ctx = Arc::clone(&self.ctx);
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            let mut j = ctx.jobs.lock().map_err(|_| StoreError::WriterStopped)?;
            j.enqueue(&jobs, None, now_ms())
        })
        .await??;
        for d in &deliveries {
            self.announce_pending(d.id);
        }
        self.ctx.wake.notify_one();
        Ok(n)
    }

    fn with_jobs<T>(&self, f: impl FnOnce(&mut Jobs) -> Result<T, StoreError>) -> Result<T> {
        let mut j = self
            .ctx
            .jobs
            .lock()
            .map_err(|_| anyhow!("handler queue poisoned"))?;
        Ok(f(&mut j)?)
    }

    fn announce_pending(&self, delivery_id: DeliveryId) {
        let _ = self.ctx.events.send(HandlerEvent {
            delivery_id,
            handler: String::new(),
            attempt: 1,
            max_attempts: 1,
            cell: HandlerCell::Pending { attempt: 1, max: 1 },
            run: None,
        });
    }

    /// Turn committed deliveries into jobs, catching up from the store after a restart or
    /// when the notification channel lagged.
    async fn dispatch(&self, mut rx: broadcast::Receiver<Summary>, db: PathBuf) -> Result<()> {
        let store = Store::open(&db)?;
        let mut cursor = match self.with_jobs(|j| j.cursor())? {
            Some(c) => c,
            None => {
                // First start with handlers: begin at the newest delivery, not the history.
                let newest = store.recent(1, None)?.first().map(|s| s.id).unwrap_or(0);
                self.with_jobs(|j| j.enqueue(&[], Some(newest), now_ms()))?;
                newest
            }
        };
        loop {
            // Catch up from the store (startup, or after a lag).
            loop {
                let missed = store.after(cursor, 1000)?;
                if missed.is_empty() {
                    break;
                }
                cursor = self.enqueue_for(&missed).await?.unwrap_or(cursor);
            }
            let first = match rx.recv().await {
                Ok(s) => s,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            };
            let mut batch = vec![first];
            while let Ok(s) = rx.try_recv() {
                batch.push(s);
            }
            batch.retain(|s| s.id > cursor);
            if let Some(c) = self.enqueue_for(&batch).await? {
                cursor = c;
            }
        }
    }

    async fn enqueue_for(&self, deliveries: &[Summary]) -> Result<Option<DeliveryId>> {
        let Some(last) = deliveries.iter().map(|s| s.id).max() else {
            return Ok(None);
        };
        let jobs: Vec<NewJob> = deliveries
            .iter()
            .flat_map(|s| {
                self.ctx
                    .handlers
                    .iter()
                    .filter(|h| h.takes(s))
                    .map(|h| NewJob {
                        delivery_id: s.id,
                        handler: h.name.clone(),
                        max_attempts: h.max_attempts(),
                        manual: false,
                        target: None,
                    })
            })
            .collect();
        let any = !jobs.is_empty();
        let pending: Vec<(DeliveryId, u32)> = jobs
            .iter()
            .map(|j| (j.delivery_id, j.max_attempts))
            .collect();
        let ctx = Arc::clone(&self.ctx);
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            let mut j = ctx.jobs.lock().map_err(|_| StoreError::WriterStopped)?;
            j.enqueue(&jobs, Some(last), now_ms())
        })
        .await??;
        for (id, max) in pending {
            let _ = self.ctx.events.send(HandlerEvent {
                delivery_id: id,
                handler: String::new(),
                attempt: 1,
                max_attempts: max,
                cell: HandlerCell::Pending { attempt: 1, max },
                run: None,
            });
        }
        if any {
            self.ctx.wake.notify_one();
        }
        Ok(Some(last))
    }

    /// Claim due jobs into free slots; sleep until the next due job or a wake-up.
    async fn schedule(&self) {
        loop {
            let free = self.ctx.slots.available_permits();
            let claimed = if free > 0 {
                let ctx = Arc::clone(&self.ctx);
                tokio::task::spawn_blocking(move || -> Result<Vec<Job>, StoreError> {
                    let mut j = ctx.jobs.lock().map_err(|_| StoreError::WriterStopped)?;
                    j.claim_due(now_ms(), free)
                })
                .await
                .map_err(|e| anyhow!("{e}"))
                .and_then(|r| r.map_err(anyhow::Error::from))
            } else {
                Ok(Vec::new())
            };
            match claimed {
                Ok(jobs) => {
                    let full = jobs.len() == free && free > 0;
                    for job in jobs {
                        let Ok(permit) = Arc::clone(&self.ctx.slots).acquire_owned().await else {
                            return;
                        };
                        let p = self.clone();
                        tokio::spawn(async move {
                            p.run(job).await;
                            drop(permit);
                            p.ctx.wake.notify_one();
                        });
                    }
                    if full {
                        // Slots are full: wait for one to free up.
                        self.ctx.wake.notified().await;
                        continue;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot claim handler jobs"),
            }
            let next = self.with_jobs(|j| j.next_due()).ok().flatten();
            let wait = match next {
                Some(at) => Duration::from_millis((at - now_ms()).clamp(0, 60_000) as u64),
                None => Duration::from_secs(60),
            };
            tokio::select! {
                _ = self.ctx.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn run(&self, job: Job) {
        let started_at_ms = now_ms();
        let _ = self.ctx.events.send(HandlerEvent {
            delivery_id: job.delivery_id,
            handler: job.handler.clone(),
            attempt: job.attempt,
            max_attempts: job.max_attempts,
            cell: HandlerCell::Running {
                attempt: job.attempt,
                max: job.max_attempts,
            },
            run: None,
        });
        let result = self.execute(&job).await;
        let handler = self.ctx.handlers.iter().find(|h| h.name == job.handler);
        let retry_at = match handler {
            Some(h) if !result.outcome.is_success() && job.attempt < job.max_attempts => h
                .retry
                .get(job.attempt as usize - 1)
                .map(|d| now_ms() + d.as_millis() as i64),
            _ => None,
        };
        let ctx = Arc::clone(&self.ctx);
        let (j2, r2) = (job.clone(), result.clone());
        let stored = tokio::task::spawn_blocking(move || -> Result<i64, StoreError> {
            let mut j = ctx.jobs.lock().map_err(|_| StoreError::WriterStopped)?;
            j.finish(&j2, started_at_ms, &r2, retry_at, now_ms())
        })
        .await;
        if !matches!(stored, Ok(Ok(_))) {
            tracing::error!(
                job = job.id,
                "could not store a handler run; it will run again after a restart"
            );
        }
        let cell = match (result.outcome.is_success(), retry_at) {
            (false, Some(_)) => HandlerCell::Pending {
                attempt: job.attempt + 1,
                max: job.max_attempts,
            },
            (false, None) if job.max_attempts > 1 => HandlerCell::Dead {
                outcome: result.outcome.clone(),
            },
            _ => HandlerCell::Ran {
                outcome: result.outcome.clone(),
                duration_ms: result.duration_ms,
            },
        };
        let _ = self.ctx.events.send(HandlerEvent {
            delivery_id: job.delivery_id,
            handler: job.handler.clone(),
            attempt: job.attempt,
            max_attempts: job.max_attempts,
            cell,
            run: Some(result),
        });
        if retry_at.is_some() {
            self.ctx.wake.notify_one();
        }
    }

    async fn execute(&self, job: &Job) -> RunResult {
        let ctx = Arc::clone(&self.ctx);
        let id = job.delivery_id;
        let loaded =
            tokio::task::spawn_blocking(move || -> Result<Option<Delivery>, StoreError> {
                let store = ctx.reader.lock().map_err(|_| StoreError::WriterStopped)?;
                store.get(id)
            })
            .await;
        let d = match loaded {
            Ok(Ok(Some(d))) => d,
            Ok(Ok(None)) => return failed(format!("delivery #{id} is not in the store")),
            Ok(Err(e)) => return failed(format!("cannot read delivery #{id}: {e}")),
            Err(e) => return failed(format!("cannot read delivery #{id}: {e}")),
        };
        let handler = self.ctx.handlers.iter().find(|h| h.name == job.handler);
        let (action, timeout) = match (handler, &job.target) {
            (_, Some(url)) => (
                Action::Forward(url.clone()),
                handler.map(|h| h.timeout).unwrap_or(DEFAULT_TIMEOUT),
            ),
            (Some(h), None) => (h.action.clone(), h.timeout),
            (None, None) => {
                return failed(format!("handler '{}' is no longer configured", job.handler));
            }
        };
        match action {
            Action::Forward(url) => {
                let (headers, note) = resign::headers_for_replay(
                    &d,
                    &self.ctx.registry,
                    &self.ctx.secrets,
                    now_ms() / 1000,
                );
                let mut r = forward::run(
                    &self.ctx.clients,
                    &url,
                    &d.method,
                    &headers,
                    &d.body,
                    timeout,
                )
                .await;
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
                ];
                command::run(&argv, &d.body, &env, timeout).await
            }
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

fn describe(deliveries: &[Summary]) -> String {
    match deliveries {
        [one] => format!("delivery #{}", one.id),
        many => format!("these {} deliveries", many.len()),
    }
}

/// Manual re-run jobs: every handler whose event/provider selection matches, one attempt
/// each; with a target, one replay per delivery.
pub fn rerun_jobs(
    handlers: &[Handler],
    deliveries: &[Summary],
    target: Option<String>,
) -> Vec<NewJob> {
    let mut jobs = Vec::new();
    for d in deliveries {
        if let Some(url) = &target {
            jobs.push(NewJob {
                delivery_id: d.id,
                handler: REPLAY_HANDLER.into(),
                max_attempts: 1,
                manual: true,
                target: Some(url.clone()),
            });
            continue;
        }
        for h in handlers.iter().filter(|h| h.selects(d)) {
            jobs.push(NewJob {
                delivery_id: d.id,
                handler: h.name.clone(),
                max_attempts: 1,
                manual: true,
                target: None,
            });
        }
    }
    jobs
}

//! The worker pool. A dispatcher thread turns committed deliveries into first attempts
//! (in memory: the store's cursor recovers them after a crash), a bounded set of workers
//! runs them, a timer brings retries back when due, and a bookkeeper thread stores every
//! run in batched transactions and announces it. Nothing here is on the receiver's path.

use super::outcome::RunResult;
use super::spec::Handler;
use super::{forward, spec};
use crate::delivery::{DeliveryId, Summary, now_ms, rfc3339_ms};
use crate::store::WriterHandle;
use crate::store::jobs::{Finished, HandlerCell, Job, Jobs, NewJob, Run};
use crate::verify::{Registry, Secrets};
use anyhow::{Context, Result, anyhow};
use book::{Book, Msg};
use queue::Queue;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::{Semaphore, broadcast, oneshot};

mod book;
mod dispatch;
mod exec;
mod queue;

/// Handler name used for one-off replays to an explicit URL (`replay --to`).
pub const REPLAY_HANDLER: &str = "replay";
/// Runs at once by default.
pub const DEFAULT_CONCURRENCY: usize = 16;
/// Longest response excerpt in an NDJSON line (the store keeps the whole excerpt).
const LINE_EXCERPT_CHARS: usize = 512;

/// A change in a delivery's handler column, with the run when one finished.
#[derive(Clone, Debug)]
pub struct HandlerEvent {
    pub delivery_id: DeliveryId,
    pub handler: Arc<str>,
    pub attempt: u32,
    pub max_attempts: u32,
    pub cell: HandlerCell,
    /// The stored run's id, when a run finished.
    pub run_id: Option<i64>,
    pub started_at_ms: Option<i64>,
    pub run: Option<RunResult>,
}

impl HandlerEvent {
    fn change(job: &Job, cell: HandlerCell) -> HandlerEvent {
        HandlerEvent {
            delivery_id: job.delivery_id,
            handler: Arc::clone(&job.handler),
            attempt: job.attempt,
            max_attempts: job.max_attempts,
            cell,
            run_id: None,
            started_at_ms: None,
            run: None,
        }
    }

    fn finished(f: Finished, run_id: i64) -> HandlerEvent {
        let j = &f.job;
        HandlerEvent {
            delivery_id: j.delivery_id,
            handler: Arc::clone(&j.handler),
            attempt: j.attempt,
            max_attempts: j.max_attempts,
            cell: HandlerCell::after(
                &f.result.outcome,
                f.result.duration_ms,
                j.attempt,
                j.max_attempts,
            ),
            run_id: Some(run_id),
            started_at_ms: Some(f.started_at_ms),
            run: Some(f.result),
        }
    }

    /// The event of a stored run (for a printer that lagged and re-reads the store).
    pub fn from_run(r: Run) -> HandlerEvent {
        HandlerEvent {
            delivery_id: r.delivery_id,
            handler: Arc::from(r.handler.as_str()),
            attempt: r.attempt,
            max_attempts: r.max_attempts,
            cell: r.cell(),
            run_id: Some(r.id),
            started_at_ms: Some(r.started_at_ms),
            run: Some(r.result),
        }
    }

    /// The NDJSON line `serve` and `replay` print for a finished run.
    pub fn to_json(&self) -> serde_json::Value {
        let run = self.run.as_ref();
        let excerpt = run.map(|r| {
            let e: String = r.excerpt.chars().take(LINE_EXCERPT_CHARS).collect();
            // serde_json escapes C0 controls; C1 ones (a lone CSI) would reach a terminal.
            e.chars()
                .map(|c| {
                    if c.is_control() && !c.is_ascii() {
                        '\u{fffd}'
                    } else {
                        c
                    }
                })
                .collect::<String>()
        });
        serde_json::json!({
            "type": "handler_run",
            "run_id": self.run_id,
            "delivery_id": self.delivery_id,
            "handler": &*self.handler,
            "attempt": self.attempt,
            "max_attempts": self.max_attempts,
            "started_at": self.started_at_ms.map(rfc3339_ms),
            "duration_ms": run.map(|r| r.duration_ms),
            "outcome": run.map(|r| &r.outcome),
            "ok": run.map(|r| r.outcome.is_success()),
            "result": self.cell.short(),
            "state": self.cell.state(),
            "notes": run.map(|r| &r.notes),
            "excerpt": excerpt,
        })
    }
}

/// What the bookkeeper and the dispatcher share with the pool.
struct Core {
    queue: Queue,
    /// Every change (pending, running, finished), for the dashboard.
    changes: broadcast::Sender<HandlerEvent>,
    /// Finished runs only, for NDJSON printers.
    runs: broadcast::Sender<HandlerEvent>,
}

impl Core {
    fn watched(&self) -> bool {
        self.changes.receiver_count() > 0
    }

    fn announce(&self, e: &HandlerEvent) {
        if self.watched() {
            let _ = self.changes.send(e.clone());
        }
        if e.run.is_some() && self.runs.receiver_count() > 0 {
            let _ = self.runs.send(e.clone());
        }
    }
}

/// Everything a run needs.
struct Shared {
    handlers: Vec<Handler>,
    registry: Registry,
    secrets: Secrets,
    clients: forward::Clients,
    readers: exec::Readers,
    core: Arc<Core>,
    book: Book,
    db: PathBuf,
    concurrency: usize,
}

/// A handler pool over one database.
#[derive(Clone)]
pub struct Pool {
    ctx: Arc<Shared>,
}

impl Pool {
    /// A pool with its bookkeeper, running nothing yet (see [`Pool::start`] and
    /// [`Pool::run_now`]).
    pub fn new(
        db: &Path,
        handlers: Vec<Handler>,
        registry: Registry,
        secrets: Secrets,
        concurrency: usize,
    ) -> Result<Pool> {
        let jobs = Jobs::open(db).context("cannot open the handler queue")?;
        let concurrency = concurrency.max(1);
        let core = Arc::new(Core {
            queue: Queue::new(concurrency),
            changes: broadcast::channel(4096).0,
            runs: broadcast::channel(4096).0,
        });
        let book = Book::spawn(jobs, Arc::clone(&core))
            .context("cannot start the handler bookkeeper thread")?;
        let ctx = Arc::new(Shared {
            handlers,
            registry,
            secrets,
            clients: forward::Clients::new()?,
            readers: exec::Readers::new(db),
            core,
            book,
            db: db.to_path_buf(),
            concurrency,
        });
        Ok(Pool { ctx })
    }

    /// Start on the current tokio runtime: the workers, the retry timer, the jobs a
    /// previous process left queued, and the dispatcher (deliveries committed by `writer`
    /// become jobs; those owed from before a restart are caught up first).
    pub fn start(&self, writer: &WriterHandle) -> Result<()> {
        let deliveries = writer.subscribe();
        let now = now_ms();
        let stored = Jobs::open(&self.ctx.db)
            .and_then(|mut j| j.pending(now))
            .context("cannot read the handler queue")?;
        if !stored.is_empty() {
            tracing::info!(
                jobs = stored.len(),
                "handler jobs from before are queued again"
            );
        }
        for (due, job) in stored {
            if due <= now {
                self.ctx.core.queue.push_ready([job]);
            } else {
                self.ctx.core.queue.push_later(due, job);
            }
        }
        for _ in 0..self.ctx.concurrency {
            let p = self.clone();
            tokio::spawn(async move {
                loop {
                    let job = p.ctx.core.queue.next().await;
                    p.run(job, None).await;
                }
            });
        }
        let core = Arc::clone(&self.ctx.core);
        tokio::spawn(async move { core.queue.run_timer().await });
        let from = dispatch::Start::read(&self.ctx.db).context("cannot read the handler cursor")?;
        let ctx = Arc::clone(&self.ctx);
        std::thread::Builder::new()
            .name("hookwatch-handler-dispatch".into())
            .spawn(move || {
                if let Err(e) = dispatch::run(ctx, from, deliveries) {
                    tracing::error!(error = %e, "handler dispatcher stopped; owed runs happen after a restart");
                }
            })
            .context("cannot start the handler dispatcher thread")?;
        Ok(())
    }

    /// Run jobs here and now (stored as running, so a server starting meanwhile does not
    /// take them too); returns each finished run's event, in the order of `jobs`.
    pub async fn run_now(&self, jobs: Vec<NewJob>) -> Result<Vec<HandlerEvent>> {
        let db = self.ctx.db.clone();
        let claimed = tokio::task::spawn_blocking(move || {
            Jobs::open(&db).and_then(|mut j| j.enqueue_running(&jobs, now_ms()))
        })
        .await??;
        let slots = Arc::new(Semaphore::new(self.ctx.concurrency));
        let mut waiting = Vec::with_capacity(claimed.len());
        for job in claimed {
            let (reply, answer) = oneshot::channel();
            let (p, slots) = (self.clone(), Arc::clone(&slots));
            tokio::spawn(async move {
                let _permit = slots.acquire_owned().await;
                p.run(job, Some(reply)).await;
            });
            waiting.push(answer);
        }
        let mut out = Vec::with_capacity(waiting.len());
        for answer in waiting {
            out.push(
                answer
                    .await
                    .map_err(|_| anyhow!("a handler run was not stored"))?,
            );
        }
        Ok(out)
    }

    /// Every change of a handler cell (pending, running, finished).
    pub fn subscribe(&self) -> broadcast::Receiver<HandlerEvent> {
        self.ctx.core.changes.subscribe()
    }

    /// Finished runs only (each stored before it is sent).
    pub fn subscribe_runs(&self) -> broadcast::Receiver<HandlerEvent> {
        self.ctx.core.runs.subscribe()
    }

    /// The configured handlers.
    pub fn handlers(&self) -> &[Handler] {
        &self.ctx.handlers
    }

    /// Jobs waiting in this process: (ready now, retries due later).
    pub fn backlog(&self) -> (usize, usize) {
        self.ctx.core.queue.len()
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
        let (reply, answer) = oneshot::channel();
        self.ctx.book.send(Msg::Enqueue { jobs, reply });
        let queued = answer
            .await
            .map_err(|_| anyhow!("the handler bookkeeper has stopped"))??;
        for j in &queued {
            self.ctx.core.announce(&HandlerEvent::change(
                j,
                HandlerCell::Pending { attempt: 1, max: 1 },
            ));
        }
        Ok(queued.len())
    }

    /// Store every run reported so far.
    pub async fn flush(&self) {
        self.ctx.book.flush().await;
    }

    /// Store every run reported so far and stop the bookkeeper (at shutdown: runs still
    /// in progress are run again after a restart).
    pub async fn shutdown(&self) {
        self.ctx.book.close().await;
    }

    async fn run(&self, job: Job, reply: Option<oneshot::Sender<HandlerEvent>>) {
        self.ctx.core.announce(&HandlerEvent::change(
            &job,
            HandlerCell::Running {
                attempt: job.attempt,
                max: job.max_attempts,
            },
        ));
        let started_at_ms = now_ms();
        let result = exec::execute(&self.ctx, &job).await;
        let retry_at_ms = if result.outcome.is_success() || job.attempt >= job.max_attempts {
            None
        } else {
            self.ctx
                .handlers
                .iter()
                .find(|h| h.name == job.handler)
                .and_then(|h| h.retry.get(job.attempt as usize - 1))
                .map(|d| now_ms() + i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2))
        };
        self.ctx.book.send(Msg::Finished {
            finished: Box::new(Finished {
                job,
                started_at_ms,
                result,
                retry_at_ms,
            }),
            reply,
        });
    }
}

fn describe(deliveries: &[Summary]) -> String {
    match deliveries {
        [one] => format!("delivery #{}", one.id),
        many => format!("these {} deliveries", many.len()),
    }
}

/// Manual re-run jobs: every handler whose event/provider selection matches, one attempt
/// each; with a target, one replay per delivery. Deliveries stored without their body
/// (413) have nothing to re-run.
pub fn rerun_jobs(
    handlers: &[Handler],
    deliveries: &[Summary],
    target: Option<String>,
) -> Vec<NewJob> {
    let mut jobs = Vec::new();
    for d in deliveries.iter().filter(|d| spec::has_body(d)) {
        if let Some(url) = &target {
            jobs.push(NewJob {
                delivery_id: d.id,
                handler: Arc::from(REPLAY_HANDLER),
                max_attempts: 1,
                manual: true,
                target: Some(url.clone()),
            });
            continue;
        }
        for h in handlers.iter().filter(|h| h.selects(d)) {
            jobs.push(NewJob {
                delivery_id: d.id,
                handler: Arc::clone(&h.name),
                max_attempts: 1,
                manual: true,
                target: None,
            });
        }
    }
    jobs
}

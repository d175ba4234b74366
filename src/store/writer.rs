//! The single writer thread: it owns the one write connection and commits deliveries in
//! groups (block for the first request, drain what is already queued, one transaction),
//! answers each request only after its transaction committed, then notifies subscribers.
//! Group commit is what makes "2xx means committed" cheap.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::{broadcast, mpsc, oneshot};

use super::{StoreError, schema};
use crate::delivery::{NewDelivery, Summary};
use batch::{summary_of, write_batch};
pub use checkpoint::CHECKPOINT_EVERY;
use checkpoint::{Checkpointer, Gate};

mod batch;
mod checkpoint;
#[cfg(test)]
mod tests;

/// How the writer groups commits and how durable a commit is.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchPolicy {
    /// Most rows committed in one transaction.
    pub max_rows: usize,
    /// Under load (the last batch held more than one row) keep collecting while requests
    /// keep arriving, in steps of [`LINGER_STEP`], for at most this long, so that one
    /// transaction carries more rows. A lone request on an idle store never waits.
    /// Zero by default: the writer is a background thread (see [`crate::background`]), so it
    /// already takes what the receiver had ready, and a linger only left the core idle (a
    /// 500 µs linger cost 6-14% of `serve`'s throughput in `benches/receiver.sh`).
    pub linger: Duration,
    /// Requests that may wait for the writer; `commit` waits for room when it is full.
    pub queue: usize,
    /// Summaries kept for slow subscribers before they lag (then they re-read the store).
    pub broadcast_capacity: usize,
    /// How long a commit waits for another process's write lock before failing.
    pub busy_timeout: Duration,
    /// `false`: `synchronous=NORMAL`, commits survive a process kill (`kill -9`) but not a
    /// power loss. `true`: `synchronous=FULL`, an fsync per batch, survives power loss.
    pub synchronous_full: bool,
    /// How often the checkpointer copies the WAL back into the database (and lets it start
    /// over); under sustained load the WAL holds about this long of commits.
    pub checkpoint_every: Duration,
}

impl Default for BatchPolicy {
    fn default() -> Self {
        BatchPolicy {
            max_rows: 512,
            linger: Duration::ZERO,
            queue: 1024,
            broadcast_capacity: 4096,
            busy_timeout: Duration::from_secs(2),
            synchronous_full: false,
            checkpoint_every: CHECKPOINT_EVERY,
        }
    }
}

/// One wait while lingering; the batch is committed as soon as a step brings nothing new.
pub const LINGER_STEP: Duration = Duration::from_micros(50);

/// Counters of the writer's work since it started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Rows committed.
    pub rows: u64,
    /// Transactions committed.
    pub batches: u64,
    /// Transactions rolled back (every request in them was answered with the error).
    pub failed_batches: u64,
    /// Requests waiting in the queue right now (the writer's backlog).
    pub queued: usize,
}

impl WriterStats {
    /// Average rows per committed transaction.
    pub fn average_batch(&self) -> f64 {
        if self.batches == 0 {
            0.0
        } else {
            self.rows as f64 / self.batches as f64
        }
    }
}

#[derive(Default)]
struct Counters {
    rows: AtomicU64,
    batches: AtomicU64,
    failed_batches: AtomicU64,
}

type Reply = oneshot::Sender<Result<Summary, StoreError>>;

/// What travels to the writer: a delivery to commit, or `None`, sent by `close` so that a
/// writer blocked on an empty queue notices it should stop.
type Request = Option<Pending>;

/// The single writer thread.
pub struct Writer;

impl Writer {
    /// Open the write connection (creating and migrating the database) and start the
    /// writer thread. Errors opening the database are returned here.
    pub fn spawn(path: &Path, policy: BatchPolicy) -> Result<WriterHandle, StoreError> {
        let conn = schema::open_connection(path, policy.busy_timeout, policy.synchronous_full)?;
        let (tx, rx) = mpsc::channel(policy.queue.max(1));
        let (events, _) = broadcast::channel(policy.broadcast_capacity.max(1));
        let gate = Gate::default();
        let shared = Arc::new(Shared {
            tx,
            events: events.clone(),
            counters: Arc::default(),
            stopping: Arc::default(),
            thread: std::sync::Mutex::new(None),
            checkpointer: std::sync::Mutex::new(None),
        });
        let mut worker = Worker {
            conn,
            rx,
            events,
            counters: Arc::clone(&shared.counters),
            stopping: Arc::clone(&shared.stopping),
            max_rows: policy.max_rows.max(1),
            linger: policy.linger,
            header_buf: Vec::with_capacity(1024),
            gate: Arc::clone(&gate),
        };
        let thread = std::thread::Builder::new()
            .name("hookwatch-store-writer".into())
            .spawn(move || {
                crate::background::mark_current_thread();
                worker.run()
            })
            .map_err(|e| StoreError::Io(format!("cannot start the store writer thread: {e}")))?;
        *lock(&shared.thread) = Some(thread);
        let checkpoint_conn =
            schema::open_connection(path, policy.busy_timeout, policy.synchronous_full)?;
        *lock(&shared.checkpointer) = Some(Checkpointer::spawn(
            checkpoint_conn,
            path,
            gate,
            policy.checkpoint_every,
        )?);
        Ok(WriterHandle { shared })
    }
}

/// A cheap, cloneable handle to the writer thread.
#[derive(Clone)]
pub struct WriterHandle {
    shared: Arc<Shared>,
}

struct Shared {
    tx: mpsc::Sender<Request>,
    events: broadcast::Sender<Summary>,
    counters: Arc<Counters>,
    stopping: Arc<AtomicBool>,
    thread: std::sync::Mutex<Option<JoinHandle<()>>>,
    checkpointer: std::sync::Mutex<Option<Checkpointer>>,
}

impl WriterHandle {
    /// Commit one delivery. Resolves only after the transaction holding it has committed
    /// (`Ok`), or with the reason it could not be (`Err`: the caller answers 503). The
    /// store decides `Summary::duplicate`.
    pub async fn commit(&self, delivery: NewDelivery) -> Result<Summary, StoreError> {
        if self.shared.stopping.load(Ordering::Acquire) {
            return Err(StoreError::WriterStopped);
        }
        let (reply, answer) = oneshot::channel();
        self.shared
            .tx
            .send(Some(Pending { delivery, reply }))
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        // A dropped reply means the writer stopped before committing: never success.
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Every committed delivery, in commit order. A receiver that lags gets
    /// `RecvError::Lagged` and should re-read with `Store::after`.
    pub fn subscribe(&self) -> broadcast::Receiver<Summary> {
        self.shared.events.subscribe()
    }

    /// What the writer has done so far.
    pub fn stats(&self) -> WriterStats {
        let c = &self.shared.counters;
        WriterStats {
            rows: c.rows.load(Ordering::Relaxed),
            batches: c.batches.load(Ordering::Relaxed),
            failed_batches: c.failed_batches.load(Ordering::Relaxed),
            queued: (self.shared.tx.max_capacity()).saturating_sub(self.shared.tx.capacity()),
        }
    }

    /// Stop the writer for every clone of this handle: requests already queued are
    /// committed and answered, later ones get `WriterStopped`. Blocks until the thread has
    /// exited (call it at shutdown, or from `spawn_blocking` in async code).
    pub fn close(self) -> WriterStats {
        self.shared.stop();
        self.stats()
    }
}

impl Shared {
    fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        // A full queue needs no wake-up: the writer checks `stopping` after every batch.
        let _ = self.tx.try_send(None);
        if let Some(thread) = lock(&self.thread).take()
            && thread.join().is_err()
        {
            tracing::error!("the store writer thread panicked");
        }
        if let Some(checkpointer) = lock(&self.checkpointer).take() {
            checkpointer.stop();
        }
    }
}

impl Drop for Shared {
    /// The last handle is gone: flush the queue and stop the thread.
    fn drop(&mut self) {
        self.stop();
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A batch that takes this long (waiting for the gate included) is logged at debug level.
const SLOW_BATCH: Duration = Duration::from_millis(10);

struct Pending {
    delivery: NewDelivery,
    reply: Reply,
}

/// The state owned by the writer thread.
struct Worker {
    conn: Connection,
    rx: mpsc::Receiver<Request>,
    events: broadcast::Sender<Summary>,
    counters: Arc<Counters>,
    stopping: Arc<AtomicBool>,
    max_rows: usize,
    linger: Duration,
    header_buf: Vec<u8>,
    /// Held while a batch is written (see [`checkpoint`]).
    gate: Gate,
}

impl Worker {
    fn run(&mut self) {
        let mut batch: Vec<Pending> = Vec::with_capacity(self.max_rows);
        let mut last_batch = 0;
        loop {
            let Some(first) = self.rx.blocking_recv() else {
                break;
            };
            push(&mut batch, first);
            self.drain(&mut batch);
            if last_batch > 1 || batch.len() > 1 {
                self.collect_more(&mut batch);
            }
            last_batch = batch.len();
            if !batch.is_empty() {
                self.commit(&mut batch);
            }
            if self.stopping.load(Ordering::Acquire) {
                self.finish(&mut batch);
                break;
            }
        }
    }

    /// Take what is already queued, without waiting, up to `max_rows`.
    fn drain(&mut self, batch: &mut Vec<Pending>) {
        while batch.len() < self.max_rows {
            match self.rx.try_recv() {
                Ok(request) => push(batch, request),
                Err(_) => break,
            }
        }
    }

    /// Keep draining while requests keep arriving, for at most `linger` in total.
    fn collect_more(&mut self, batch: &mut Vec<Pending>) {
        let deadline = Instant::now() + self.linger;
        while batch.len() < self.max_rows && Instant::now() < deadline {
            std::thread::sleep(LINGER_STEP);
            let before = batch.len();
            self.drain(batch);
            if batch.len() == before {
                break;
            }
        }
    }

    /// Stopping: refuse new requests, commit everything already queued.
    fn finish(&mut self, batch: &mut Vec<Pending>) {
        self.rx.close();
        loop {
            self.drain(batch);
            if batch.is_empty() {
                break;
            }
            self.commit(batch);
        }
    }

    /// Commit `batch` in one transaction and answer every request in it; empties `batch`.
    fn commit(&mut self, batch: &mut Vec<Pending>) {
        let asked = Instant::now();
        let (written, waited) = {
            let _gate = self.gate.lock();
            let waited = asked.elapsed();
            (
                write_batch(&mut self.conn, batch, &mut self.header_buf),
                waited,
            )
        };
        let took = asked.elapsed();
        if took >= SLOW_BATCH {
            tracing::debug!(
                rows = batch.len(),
                gate_ms = waited.as_secs_f64() * 1e3,
                write_ms = (took - waited).as_secs_f64() * 1e3,
                "slow batch"
            );
        }
        match written {
            Ok(rows) => {
                self.counters
                    .rows
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
                self.counters.batches.fetch_add(1, Ordering::Relaxed);
                for (pending, (id, duplicate)) in batch.drain(..).zip(rows) {
                    let summary = summary_of(id, duplicate, pending.delivery);
                    if self.events.receiver_count() > 0 {
                        let _ = self.events.send(summary.clone());
                    }
                    // The sender may have gone away (client hung up); the row is committed.
                    let _ = pending.reply.send(Ok(summary));
                }
            }
            Err(e) => {
                self.counters.failed_batches.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(rows = batch.len(), error = %e, "store commit failed");
                if !self.conn.is_autocommit() {
                    // The implicit rollback failed; make sure no transaction stays open.
                    let _ = self.conn.execute_batch("ROLLBACK");
                }
                for pending in batch.drain(..) {
                    let _ = pending.reply.send(Err(e.clone()));
                }
            }
        }
    }
}

fn push(batch: &mut Vec<Pending>, request: Request) {
    batch.extend(request);
}

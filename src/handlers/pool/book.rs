//! The bookkeeper: one thread owning the queue's write connection. It gathers what the
//! dispatcher and the workers report (first attempts owed, finished runs, manual jobs) and
//! writes it in one transaction at most every [`MIN_INTERVAL`] under load, so the run
//! history never competes with the delivery writer for SQLite's write lock more than ~100
//! times a second. After each commit it announces the runs and queues the retries.

use super::{Core, HandlerEvent};
use crate::delivery::{DeliveryId, now_ms};
use crate::store::StoreError;
use crate::store::jobs::{Batch, Finished, Job, Jobs, NewJob};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Under load, at most one bookkeeping transaction per this interval.
pub const MIN_INTERVAL: Duration = Duration::from_millis(10);
/// Attempts at a transaction before its batch is given up (logged; first attempts in it
/// stay owed, so they run again after a restart).
const WRITE_ATTEMPTS: u32 = 5;

/// Where the stored manual jobs (or the reason they could not be stored) go.
pub type EnqueueReply = oneshot::Sender<Result<Vec<Job>, StoreError>>;

pub enum Msg {
    /// First attempts queued in memory for deliveries up to `through`: (delivery, jobs).
    Dispatched {
        through: DeliveryId,
        owed: Vec<(DeliveryId, u32)>,
    },
    /// Manual jobs to store as queued, then run; replies with the stored jobs.
    Enqueue {
        jobs: Vec<NewJob>,
        reply: EnqueueReply,
    },
    /// A finished run; the reply gets its event once stored.
    Finished {
        finished: Box<Finished>,
        reply: Option<oneshot::Sender<HandlerEvent>>,
    },
    /// Write everything received so far, then reply.
    Flush(oneshot::Sender<()>),
    /// Write everything, reply, and stop.
    Close(oneshot::Sender<()>),
}

/// The handle to the bookkeeper thread.
pub struct Book {
    tx: mpsc::UnboundedSender<Msg>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Book {
    pub fn spawn(jobs: Jobs, core: Arc<Core>) -> std::io::Result<Book> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut keeper = Keeper {
            jobs,
            core,
            rx,
            owed: BTreeMap::new(),
            through: None,
            written: None,
            last_commit: None,
        };
        let thread = std::thread::Builder::new()
            .name("hookwatch-handler-book".into())
            .spawn(move || keeper.run())?;
        Ok(Book {
            tx,
            thread: Mutex::new(Some(thread)),
        })
    }

    pub fn send(&self, msg: Msg) {
        if self.tx.send(msg).is_err() {
            tracing::warn!("the handler bookkeeper has stopped; a result was not stored");
        }
    }

    /// Write everything reported so far.
    pub async fn flush(&self) {
        let (reply, done) = oneshot::channel();
        self.send(Msg::Flush(reply));
        let _ = done.await;
    }

    /// Write everything reported so far and stop the thread.
    pub async fn close(&self) {
        let (reply, done) = oneshot::channel();
        self.send(Msg::Close(reply));
        let _ = done.await;
        let thread = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(t) = thread {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
    }
}

struct Keeper {
    jobs: Jobs,
    core: Arc<Core>,
    rx: mpsc::UnboundedReceiver<Msg>,
    /// First attempts not yet stored, per delivery.
    owed: BTreeMap<DeliveryId, u32>,
    /// The newest delivery dispatched.
    through: Option<DeliveryId>,
    /// The cursor as last written.
    written: Option<DeliveryId>,
    last_commit: Option<Instant>,
}

/// One batch's messages, sorted by what happens after the commit.
#[derive(Default)]
struct Round {
    batch: Batch,
    enqueue_replies: Vec<(usize, EnqueueReply)>,
    run_replies: Vec<Option<oneshot::Sender<HandlerEvent>>>,
    settled: Vec<DeliveryId>,
    done: Vec<oneshot::Sender<()>>,
    close: bool,
    urgent: bool,
}

impl Keeper {
    fn run(&mut self) {
        loop {
            let Some(first) = self.rx.blocking_recv() else {
                return;
            };
            let mut round = Round::default();
            self.take(&mut round, first);
            self.drain(&mut round);
            if !round.urgent
                && let Some(last) = self.last_commit
            {
                let wait = MIN_INTERVAL.saturating_sub(last.elapsed());
                if !wait.is_zero() {
                    std::thread::sleep(wait);
                    self.drain(&mut round);
                }
            }
            let close = round.close;
            self.commit(round);
            if close {
                return;
            }
        }
    }

    fn drain(&mut self, round: &mut Round) {
        while let Ok(msg) = self.rx.try_recv() {
            self.take(round, msg);
        }
    }

    fn take(&mut self, round: &mut Round, msg: Msg) {
        match msg {
            Msg::Dispatched { through, owed } => {
                for (id, n) in owed {
                    *self.owed.entry(id).or_default() += n;
                }
                self.through = Some(self.through.map_or(through, |t| t.max(through)));
            }
            Msg::Enqueue { jobs, reply } => {
                round.enqueue_replies.push((jobs.len(), reply));
                round.batch.enqueue.extend(jobs);
                round.urgent = true;
            }
            Msg::Finished { finished, reply } => {
                if finished.job.id.is_none() && !finished.job.manual {
                    round.settled.push(finished.job.delivery_id);
                }
                round.batch.finished.push(*finished);
                round.urgent |= reply.is_some();
                round.run_replies.push(reply);
            }
            Msg::Flush(reply) => {
                round.done.push(reply);
                round.urgent = true;
            }
            Msg::Close(reply) => {
                round.done.push(reply);
                round.close = true;
                round.urgent = true;
            }
        }
    }

    fn settle(&mut self, deliveries: &[DeliveryId], undo: bool) {
        for id in deliveries {
            let n = self.owed.entry(*id).or_default();
            if undo {
                *n += 1;
            } else {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.owed.remove(id);
                }
            }
        }
    }

    /// The cursor: the delivery before the oldest one still owed a first attempt.
    fn cursor(&self) -> Option<DeliveryId> {
        let through = self.through?;
        Some(match self.owed.keys().next() {
            Some(first) => (first - 1).min(through),
            None => through,
        })
    }

    fn commit(&mut self, mut round: Round) {
        self.settle(&round.settled, false);
        let cursor = self.cursor().filter(|c| Some(*c) != self.written);
        round.batch.cursor = cursor;
        let nothing = round.batch.enqueue.is_empty()
            && round.batch.finished.is_empty()
            && round.batch.cursor.is_none();
        let written = if nothing {
            Ok(Default::default())
        } else {
            self.write(&round.batch)
        };
        self.last_commit = Some(Instant::now());
        match written {
            Ok(w) => {
                if cursor.is_some() {
                    self.written = cursor;
                }
                let mut enqueued = w.enqueued.into_iter();
                for (n, reply) in round.enqueue_replies {
                    let jobs: Vec<Job> = enqueued.by_ref().take(n).collect();
                    self.core.queue.push_ready(jobs.iter().cloned());
                    let _ = reply.send(Ok(jobs));
                }
                for ((f, run_id), reply) in round
                    .batch
                    .finished
                    .into_iter()
                    .zip(w.runs)
                    .zip(round.run_replies)
                {
                    let event = HandlerEvent::finished(f, run_id);
                    self.core.announce(&event);
                    if let Some(reply) = reply {
                        let _ = reply.send(event);
                    }
                }
                for (at, job) in w.retries {
                    self.core.queue.push_later(at, job);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "could not store handler runs; they will run again after a restart");
                self.settle(&round.settled, true);
                for (_, reply) in round.enqueue_replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
        for reply in round.done {
            let _ = reply.send(());
        }
    }

    fn write(&mut self, batch: &Batch) -> Result<crate::store::jobs::Written, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.jobs.write(batch, now_ms()) {
                Ok(w) => return Ok(w),
                Err(e) if attempt >= WRITE_ATTEMPTS => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, attempt, "handler bookkeeping failed; trying again");
                    std::thread::sleep(Duration::from_millis(100 * u64::from(attempt)));
                }
            }
        }
    }
}

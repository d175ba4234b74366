//! The in-memory run queue: jobs ready now, one lane per handler (first in, first out
//! within a lane, lanes served in turn, each running at most its fair share of the workers
//! so a hung handler cannot take every worker from the others), and jobs due later
//! (retries), with the wake-ups the workers and the timer wait on. The store keeps what must
//! survive a restart; this only orders the work of the running process.

use crate::delivery::now_ms;
use crate::store::jobs::Job;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;

/// Longest the timer sleeps without looking again (clock changes, lost wake-ups).
const TIMER_MAX_SLEEP: Duration = Duration::from_secs(60);

pub struct Queue {
    inner: Mutex<Inner>,
    work: Notify,
    timer: Notify,
    workers: usize,
    /// Most runs of one handler at once: the workers shared out among the handlers.
    share: usize,
}

#[derive(Default)]
struct Inner {
    lanes: Vec<Lane>,
    /// The lane served first next time (round robin).
    turn: usize,
    ready: usize,
    /// Keyed by (due at unix ms, arrival) so equal due times keep their order.
    later: BTreeMap<(i64, u64), Job>,
    seq: u64,
}

struct Lane {
    handler: Arc<str>,
    ready: VecDeque<Job>,
    running: usize,
}

/// The receipt for a job taken by a worker; give it to [`Queue::done`] when the run ended.
pub struct Ticket(usize);

impl Inner {
    fn lane(&mut self, handler: &Arc<str>) -> &mut Lane {
        let at = match self.lanes.iter().position(|l| l.handler == *handler) {
            Some(at) => at,
            None => {
                self.lanes.push(Lane {
                    handler: Arc::clone(handler),
                    ready: VecDeque::new(),
                    running: 0,
                });
                self.lanes.len() - 1
            }
        };
        &mut self.lanes[at]
    }

    fn push(&mut self, job: Job) {
        let handler = Arc::clone(&job.handler);
        self.lane(&handler).ready.push_back(job);
        self.ready += 1;
    }

    fn take(&mut self, share: usize) -> Option<(Job, Ticket)> {
        let n = self.lanes.len();
        for i in 0..n {
            let at = (self.turn + i) % n;
            let lane = &mut self.lanes[at];
            if lane.running >= share {
                continue;
            }
            if let Some(job) = lane.ready.pop_front() {
                lane.running += 1;
                self.ready -= 1;
                self.turn = (at + 1) % n;
                return Some((job, Ticket(at)));
            }
        }
        None
    }
}

impl Queue {
    /// A queue for `workers` workers shared among `handlers` (more lanes are added for
    /// other handler names, such as replays, with the same share).
    pub fn new(workers: usize, handlers: &[Arc<str>]) -> Queue {
        let workers = workers.max(1);
        let mut inner = Inner::default();
        for h in handlers {
            inner.lane(h);
        }
        Queue {
            inner: Mutex::new(inner),
            work: Notify::new(),
            timer: Notify::new(),
            workers,
            share: workers.div_ceil(handlers.len().max(1)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queue jobs to run as soon as a worker is free.
    pub fn push_ready(&self, jobs: impl IntoIterator<Item = Job>) {
        let n = {
            let mut q = self.lock();
            let before = q.ready;
            for job in jobs {
                q.push(job);
            }
            q.ready - before
        };
        for _ in 0..n.min(self.workers) {
            self.work.notify_one();
        }
    }

    /// A taken job's run has ended: its lane may take another.
    pub fn done(&self, ticket: Ticket) {
        {
            let mut q = self.lock();
            if let Some(lane) = q.lanes.get_mut(ticket.0) {
                lane.running = lane.running.saturating_sub(1);
            }
        }
        self.work.notify_one();
    }

    /// Queue a job to run at `due_at_ms` (unix ms).
    pub fn push_later(&self, due_at_ms: i64, job: Job) {
        {
            let mut q = self.lock();
            q.seq += 1;
            let seq = q.seq;
            q.later.insert((due_at_ms, seq), job);
        }
        self.timer.notify_one();
    }

    /// Jobs waiting: (ready now, due later).
    pub fn len(&self) -> (usize, usize) {
        let q = self.lock();
        (q.ready, q.later.len())
    }

    /// The next job a worker may run, waiting for one.
    pub async fn next(&self) -> (Job, Ticket) {
        loop {
            let notified = self.work.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(taken) = self.lock().take(self.share) {
                return taken;
            }
            notified.await;
        }
    }

    /// Move due jobs to the ready queue; returns how many moved and when the next is due.
    fn promote(&self, now: i64) -> (usize, Option<i64>) {
        let mut q = self.lock();
        let mut moved = 0;
        while let Some(entry) = q.later.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let job = entry.remove();
            q.push(job);
            moved += 1;
        }
        (moved, q.later.keys().next().map(|k| k.0))
    }

    /// Forever: move retries to the ready queue when they fall due.
    pub async fn run_timer(&self) {
        loop {
            let notified = self.timer.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let now = now_ms();
            let (moved, next) = self.promote(now);
            for _ in 0..moved.min(self.workers) {
                self.work.notify_one();
            }
            let sleep = next
                .map(|at| Duration::from_millis(u64::try_from(at - now).unwrap_or(0)))
                .unwrap_or(TIMER_MAX_SLEEP)
                .min(TIMER_MAX_SLEEP);
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep(sleep) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(handler: &str, delivery_id: i64) -> Job {
        Job {
            id: None,
            delivery_id,
            handler: Arc::from(handler),
            attempt: 1,
            max_attempts: 1,
            manual: false,
            target: None,
        }
    }

    #[tokio::test]
    async fn ready_jobs_come_out_in_order_and_later_ones_when_due() {
        let q = Arc::new(Queue::new(2, &[Arc::from("h")]));
        q.push_later(now_ms() + 150, job("h", 3));
        q.push_ready([job("h", 1), job("h", 2)]);
        assert_eq!(q.len(), (2, 1));
        let (first, ticket) = q.next().await;
        assert_eq!(first.delivery_id, 1);
        assert_eq!(q.next().await.0.delivery_id, 2);
        q.done(ticket);
        let timer = {
            let q = Arc::clone(&q);
            tokio::spawn(async move { q.run_timer().await })
        };
        let started = std::time::Instant::now();
        let third = tokio::time::timeout(Duration::from_secs(5), q.next())
            .await
            .expect("the retry falls due");
        assert_eq!(third.0.delivery_id, 3);
        assert!(started.elapsed() >= Duration::from_millis(100));
        timer.abort();
    }

    #[tokio::test]
    async fn a_waiting_worker_wakes_for_new_work() {
        let q = Arc::new(Queue::new(1, &[]));
        let waiter = {
            let q = Arc::clone(&q);
            tokio::spawn(async move { q.next().await.0.delivery_id })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        q.push_ready([job("h", 9)]);
        let got = tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("woken")
            .expect("joined");
        assert_eq!(got, 9);
    }

    #[tokio::test]
    async fn a_hung_handler_keeps_only_its_share_of_the_workers() {
        let q = Queue::new(4, &[Arc::from("hung"), Arc::from("other")]);
        q.push_ready((0..10).map(|i| job("hung", i)));
        // The hung handler's runs never end: it gets 2 of the 4 workers, not all.
        let (a, a_ticket) = q.next().await;
        let (b, _) = q.next().await;
        assert_eq!((&*a.handler, &*b.handler), ("hung", "hung"));
        let blocked = tokio::time::timeout(Duration::from_millis(50), q.next()).await;
        assert!(blocked.is_err(), "a third hung run took a worker");
        q.push_ready([job("other", 100), job("other", 101)]);
        let (c, _) = q.next().await;
        assert_eq!((&*c.handler, c.delivery_id), ("other", 100));
        // When a hung run ends, the lanes are served in turn again.
        q.done(a_ticket);
        let (d, _) = q.next().await;
        assert_eq!((&*d.handler, d.delivery_id), ("hung", 2));
        let (e, _) = q.next().await;
        assert_eq!((&*e.handler, e.delivery_id), ("other", 101));
        assert_eq!(q.len(), (7, 0));
    }
}

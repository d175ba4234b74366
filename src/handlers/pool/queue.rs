//! The in-memory run queue: jobs ready now (first in, first out) and jobs due later
//! (retries), with the wake-ups the workers and the timer wait on. The store keeps what
//! must survive a restart; this only orders the work of the running process.

use crate::delivery::now_ms;
use crate::store::jobs::Job;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;

/// Longest the timer sleeps without looking again (clock changes, lost wake-ups).
const TIMER_MAX_SLEEP: Duration = Duration::from_secs(60);

pub struct Queue {
    inner: Mutex<Inner>,
    work: Notify,
    timer: Notify,
    workers: usize,
}

#[derive(Default)]
struct Inner {
    ready: VecDeque<Job>,
    /// Keyed by (due at unix ms, arrival) so equal due times keep their order.
    later: BTreeMap<(i64, u64), Job>,
    seq: u64,
}

impl Queue {
    pub fn new(workers: usize) -> Queue {
        Queue {
            inner: Mutex::new(Inner::default()),
            work: Notify::new(),
            timer: Notify::new(),
            workers: workers.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queue jobs to run as soon as a worker is free.
    pub fn push_ready(&self, jobs: impl IntoIterator<Item = Job>) {
        let n = {
            let mut q = self.lock();
            let before = q.ready.len();
            q.ready.extend(jobs);
            q.ready.len() - before
        };
        for _ in 0..n.min(self.workers) {
            self.work.notify_one();
        }
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
        (q.ready.len(), q.later.len())
    }

    /// The next ready job, waiting for one.
    pub async fn next(&self) -> Job {
        loop {
            let notified = self.work.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(job) = self.lock().ready.pop_front() {
                return job;
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
            q.ready.push_back(job);
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
    use std::sync::Arc;

    fn job(delivery_id: i64) -> Job {
        Job {
            id: None,
            delivery_id,
            handler: Arc::from("h"),
            attempt: 1,
            max_attempts: 1,
            manual: false,
            target: None,
        }
    }

    #[tokio::test]
    async fn ready_jobs_come_out_in_order_and_later_ones_when_due() {
        let q = Arc::new(Queue::new(2));
        q.push_later(now_ms() + 150, job(3));
        q.push_ready([job(1), job(2)]);
        assert_eq!(q.len(), (2, 1));
        assert_eq!(q.next().await.delivery_id, 1);
        assert_eq!(q.next().await.delivery_id, 2);
        let timer = {
            let q = Arc::clone(&q);
            tokio::spawn(async move { q.run_timer().await })
        };
        let started = std::time::Instant::now();
        let third = tokio::time::timeout(Duration::from_secs(5), q.next())
            .await
            .expect("the retry falls due");
        assert_eq!(third.delivery_id, 3);
        assert!(started.elapsed() >= Duration::from_millis(100));
        timer.abort();
    }

    #[tokio::test]
    async fn a_waiting_worker_wakes_for_new_work() {
        let q = Arc::new(Queue::new(1));
        let waiter = {
            let q = Arc::clone(&q);
            tokio::spawn(async move { q.next().await.delivery_id })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        q.push_ready([job(9)]);
        let got = tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("woken")
            .expect("joined");
        assert_eq!(got, 9);
    }
}

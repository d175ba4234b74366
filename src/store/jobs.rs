//! The handler job queue and run history (schema v2). A first attempt lives only in memory
//! until its run is stored: the cursor (the last delivery all of whose first attempts are
//! stored) is what recovers it after a crash. Retries and manual re-runs are rows in `jobs`.
//! All bookkeeping of a moment is written in one transaction ([`Jobs::write`]).

use super::{StoreError, schema};
use crate::delivery::DeliveryId;
use crate::handlers::outcome::RunResult;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

mod read;
pub use read::{HandlerCell, Run, cells, last_run_id, runs, runs_after};

const CURSOR_KEY: &str = "handler_cursor";
const PAUSED_KEY: &str = "handler_paused_at";

/// A job as the pool holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// The `jobs` row; `None` for a first attempt held only in memory.
    pub id: Option<i64>,
    pub delivery_id: DeliveryId,
    pub handler: Arc<str>,
    pub attempt: u32,
    pub max_attempts: u32,
    pub manual: bool,
    /// A replay target overriding the handler's own (`hookwatch replay --to`).
    pub target: Option<String>,
}

/// A job to create.
#[derive(Clone, Debug, PartialEq)]
pub struct NewJob {
    pub delivery_id: DeliveryId,
    pub handler: Arc<str>,
    pub max_attempts: u32,
    pub manual: bool,
    pub target: Option<String>,
}

/// A finished run to store, and what becomes of its job.
#[derive(Clone, Debug, PartialEq)]
pub struct Finished {
    pub job: Job,
    pub started_at_ms: i64,
    pub result: RunResult,
    /// Run again at this time (unix ms); `None`: done (success) or no attempt left.
    pub retry_at_ms: Option<i64>,
}

/// Everything one bookkeeping transaction writes.
#[derive(Debug, Default)]
pub struct Batch {
    /// Jobs to create as `queued` (manual re-runs).
    pub enqueue: Vec<NewJob>,
    /// Runs to store.
    pub finished: Vec<Finished>,
    /// Move the cursor up to here (it never moves back).
    pub cursor: Option<DeliveryId>,
}

/// What [`Jobs::write`] created.
#[derive(Debug, Default)]
pub struct Written {
    /// The enqueued jobs with their ids, in order.
    pub enqueued: Vec<Job>,
    /// The stored run ids, in the order of `Batch::finished`.
    pub runs: Vec<i64>,
    /// Jobs to run again: (due at, job with its id and next attempt).
    pub retries: Vec<(i64, Job)>,
}

/// Where the dispatcher resumes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CursorState {
    /// Every delivery up to here has its automatic first attempts stored (None: handlers
    /// never ran on this database).
    pub cursor: Option<DeliveryId>,
    /// A receiver without handlers started when the store's newest delivery was this one:
    /// deliveries after it arrived with no handler configured and are not run later.
    pub paused_at: Option<DeliveryId>,
}

/// The queue's connection (short transactions; the busy timeout absorbs the delivery
/// writer's commits).
pub struct Jobs {
    conn: Connection,
}

impl Jobs {
    pub fn open(path: &Path) -> Result<Jobs, StoreError> {
        let conn = schema::open_connection(path, Duration::from_secs(5), false)?;
        Ok(Jobs { conn })
    }

    /// The cursor and the pause mark.
    pub fn cursor_state(&self) -> Result<CursorState, StoreError> {
        Ok(CursorState {
            cursor: meta(&self.conn, CURSOR_KEY)?,
            paused_at: meta(&self.conn, PAUSED_KEY)?,
        })
    }

    /// A receiver starts without handlers: if handlers ran on this database before, mark
    /// where, so that the deliveries it receives are not run when handlers come back (the
    /// first-attempts still owed from before the mark are). Returns whether it marked.
    pub fn mark_paused(&self) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO meta (key, value)
             SELECT ?1, coalesce((SELECT max(id) FROM deliveries), 0)
             WHERE EXISTS (SELECT 1 FROM meta WHERE key = ?2)",
            params![PAUSED_KEY, CURSOR_KEY],
        )?;
        Ok(n > 0)
    }

    /// Write a batch in one transaction.
    pub fn write(&mut self, batch: &Batch, now_ms: i64) -> Result<Written, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Written::default();
        for j in &batch.enqueue {
            let id = insert_job(&tx, j, 1, now_ms, "queued", now_ms)?;
            out.enqueued.push(job_from(id, j, 1));
        }
        for f in &batch.finished {
            let (run, retry) = store_run(&tx, f, now_ms)?;
            out.runs.push(run);
            out.retries.extend(retry);
        }
        if let Some(c) = batch.cursor {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
                params![CURSOR_KEY, c],
            )?;
            // Past the pause mark: the gap it described is behind us.
            tx.execute(
                "DELETE FROM meta WHERE key = ?1 AND value <= ?2",
                params![PAUSED_KEY, c],
            )?;
        }
        tx.commit()?;
        Ok(out)
    }

    /// Create jobs already claimed (state `running`), for a process that runs them at once
    /// (`hookwatch replay`), and return them.
    pub fn enqueue_running(
        &mut self,
        jobs: &[NewJob],
        now_ms: i64,
    ) -> Result<Vec<Job>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::with_capacity(jobs.len());
        for j in jobs {
            let id = insert_job(&tx, j, 1, now_ms, "running", now_ms)?;
            out.push(job_from(id, j, 1));
        }
        tx.commit()?;
        Ok(out)
    }

    /// Jobs still to run, oldest due first: every `queued` one, and `running` ones left by
    /// a process that stopped (they are queued again). Returns (due at, job).
    pub fn pending(&mut self, now_ms: i64) -> Result<Vec<(i64, Job)>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE jobs SET state = 'queued', due_at_ms = min(due_at_ms, ?1), updated_at_ms = ?1
             WHERE state = 'running'",
            [now_ms],
        )?;
        let jobs = {
            let mut stmt = tx.prepare(
                "SELECT id, delivery_id, handler, attempt, max_attempts, manual, target, due_at_ms
                 FROM jobs WHERE state = 'queued' ORDER BY due_at_ms, id",
            )?;
            stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(7)?,
                    Job {
                        id: Some(r.get(0)?),
                        delivery_id: r.get(1)?,
                        handler: Arc::from(r.get::<_, String>(2)?),
                        attempt: r.get(3)?,
                        max_attempts: r.get(4)?,
                        manual: r.get(5)?,
                        target: r.get(6)?,
                    },
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?
        };
        tx.commit()?;
        Ok(jobs)
    }

    /// Handlers that already have an automatic job or first run for this delivery (so a
    /// catch-up after a crash does not run them twice).
    pub fn handled(&self, delivery: DeliveryId) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT handler FROM jobs WHERE delivery_id = ?1 AND manual = 0
             UNION SELECT handler FROM handler_runs WHERE delivery_id = ?1 AND job_id IS NULL",
        )?;
        let rows = stmt
            .query_map([delivery], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(rows)
    }

    /// The read side on this connection.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}

fn meta(conn: &Connection, key: &str) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

fn job_from(id: i64, j: &NewJob, attempt: u32) -> Job {
    Job {
        id: Some(id),
        delivery_id: j.delivery_id,
        handler: Arc::clone(&j.handler),
        attempt,
        max_attempts: j.max_attempts,
        manual: j.manual,
        target: j.target.clone(),
    }
}

fn insert_job(
    tx: &Transaction<'_>,
    j: &NewJob,
    attempt: u32,
    due_at_ms: i64,
    state: &str,
    now_ms: i64,
) -> Result<i64, StoreError> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO jobs (delivery_id, handler, attempt, max_attempts, due_at_ms, state, manual, target, created_at_ms, updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
    )?;
    insert.execute(params![
        j.delivery_id,
        &*j.handler,
        attempt,
        j.max_attempts,
        due_at_ms,
        state,
        j.manual,
        j.target,
        now_ms
    ])?;
    Ok(tx.last_insert_rowid())
}

/// Store one run and settle its job: done, queued again, or dead. A first attempt held in
/// memory gets a `jobs` row only when something is left to track (a retry, or a dead
/// letter after a retry schedule).
fn store_run(
    tx: &Transaction<'_>,
    f: &Finished,
    now_ms: i64,
) -> Result<(i64, Option<(i64, Job)>), StoreError> {
    let job = &f.job;
    let ok = f.result.outcome.is_success();
    let retry_at = if ok { None } else { f.retry_at_ms };
    let next = |id: i64, at: i64| {
        let mut j = job.clone();
        j.id = Some(id);
        j.attempt += 1;
        (at, j)
    };
    let (job_id, retry) = match (job.id, retry_at) {
        (Some(id), Some(at)) => {
            tx.prepare_cached(
                "UPDATE jobs SET state = 'queued', attempt = attempt + 1, due_at_ms = ?2, updated_at_ms = ?3 WHERE id = ?1",
            )?
            .execute(params![id, at, now_ms])?;
            (Some(id), Some(next(id, at)))
        }
        (Some(id), None) => {
            let state = if ok { "done" } else { "dead" };
            tx.prepare_cached("UPDATE jobs SET state = ?2, updated_at_ms = ?3 WHERE id = ?1")?
                .execute(params![id, state, now_ms])?;
            (Some(id), None)
        }
        (None, Some(at)) => {
            let id = insert_job(tx, &new_job(job), job.attempt + 1, at, "queued", now_ms)?;
            (Some(id), Some(next(id, at)))
        }
        (None, None) if !ok && job.max_attempts > 1 => {
            let id = insert_job(tx, &new_job(job), job.attempt, now_ms, "dead", now_ms)?;
            (Some(id), None)
        }
        (None, None) => (None, None),
    };
    let outcome =
        serde_json::to_string(&f.result.outcome).map_err(|e| StoreError::Sqlite(e.to_string()))?;
    let notes =
        serde_json::to_string(&f.result.notes).map_err(|e| StoreError::Sqlite(e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO handler_runs (job_id, delivery_id, handler, attempt, max_attempts, started_at_ms, duration_ms, outcome, ok, excerpt, notes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        job_id,
        job.delivery_id,
        &*job.handler,
        job.attempt,
        job.max_attempts,
        f.started_at_ms,
        i64::try_from(f.result.duration_ms).unwrap_or(i64::MAX),
        outcome,
        ok,
        f.result.excerpt,
        notes
    ])?;
    Ok((tx.last_insert_rowid(), retry))
}

fn new_job(j: &Job) -> NewJob {
    NewJob {
        delivery_id: j.delivery_id,
        handler: Arc::clone(&j.handler),
        max_attempts: j.max_attempts,
        manual: j.manual,
        target: j.target.clone(),
    }
}

#[cfg(test)]
mod tests;

//! The handler job queue and run history (schema v2): jobs survive restarts (an interrupted
//! `running` job is queued again), each run is stored with its outcome, and a cursor records
//! the last delivery whose jobs were enqueued so nothing acknowledged is ever skipped.

use super::{StoreError, schema};
use crate::delivery::DeliveryId;
use crate::handlers::outcome::{Outcome, RunResult};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::time::Duration;

const CURSOR_KEY: &str = "handler_cursor";

/// A job as claimed by a worker.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: i64,
    pub delivery_id: DeliveryId,
    pub handler: String,
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
    pub handler: String,
    pub max_attempts: u32,
    pub manual: bool,
    pub target: Option<String>,
}

/// One stored run.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub id: i64,
    pub delivery_id: DeliveryId,
    pub handler: String,
    pub attempt: u32,
    pub max_attempts: u32,
    pub started_at_ms: i64,
    pub result: RunResult,
}

/// What the dashboard's handler column shows for one delivery.
#[derive(Clone, Debug, PartialEq)]
pub enum HandlerCell {
    /// The latest finished run.
    Ran { outcome: Outcome, duration_ms: u64 },
    /// Waiting for attempt `attempt` of `max`.
    Pending { attempt: u32, max: u32 },
    /// Running now.
    Running { attempt: u32, max: u32 },
    /// The last attempt failed: no more retries.
    Dead { outcome: Outcome },
}

impl HandlerCell {
    pub fn short(&self) -> String {
        match self {
            HandlerCell::Ran {
                outcome,
                duration_ms,
            } => outcome.short(*duration_ms),
            HandlerCell::Pending { attempt, max } if *max > 1 => format!("pending {attempt}/{max}"),
            HandlerCell::Pending { .. } => "pending".into(),
            HandlerCell::Running { .. } => "running".into(),
            HandlerCell::Dead { outcome } => format!(
                "dead ({})",
                outcome.short(0).split(' ').next().unwrap_or("")
            ),
        }
    }

    /// `ok`, `failed` or `pending`, for the `handler:` filter.
    pub fn state(&self) -> &'static str {
        match self {
            HandlerCell::Ran { outcome, .. } if outcome.is_success() => "ok",
            HandlerCell::Ran { .. } | HandlerCell::Dead { .. } => "failed",
            HandlerCell::Pending { .. } | HandlerCell::Running { .. } => "pending",
        }
    }
}

/// The queue's own write connection (short transactions; the busy timeout absorbs the
/// delivery writer's commits).
pub struct Jobs {
    conn: Connection,
}

impl Jobs {
    pub fn open(path: &Path) -> Result<Jobs, StoreError> {
        let conn = schema::open_connection(path, Duration::from_secs(5), false)?;
        Ok(Jobs { conn })
    }

    /// The last delivery whose jobs were enqueued (None before handlers ever ran).
    pub fn cursor(&self) -> Result<Option<DeliveryId>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [CURSOR_KEY], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Create jobs and move the cursor, in one transaction.
    pub fn enqueue(
        &mut self,
        jobs: &[NewJob],
        cursor: Option<DeliveryId>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO jobs (delivery_id, handler, attempt, max_attempts, due_at_ms, state, manual, target, created_at_ms, updated_at_ms)
                 VALUES (?1, ?2, 1, ?3, ?4, 'queued', ?5, ?6, ?4, ?4)",
            )?;
            for j in jobs {
                insert.execute(params![
                    j.delivery_id,
                    j.handler,
                    j.max_attempts,
                    now_ms,
                    j.manual,
                    j.target
                ])?;
            }
            if let Some(c) = cursor {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)
                     ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
                    params![CURSOR_KEY, c],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Create jobs already claimed (state `running`) and return them, in one transaction.
    pub fn enqueue_running(
        &mut self,
        jobs: &[NewJob],
        now_ms: i64,
    ) -> Result<Vec<Job>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::with_capacity(jobs.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO jobs (delivery_id, handler, attempt, max_attempts, due_at_ms, state, manual, target, created_at_ms, updated_at_ms)
                 VALUES (?1, ?2, 1, ?3, ?4, 'running', ?5, ?6, ?4, ?4)",
            )?;
            for j in jobs {
                insert.execute(params![
                    j.delivery_id,
                    j.handler,
                    j.max_attempts,
                    now_ms,
                    j.manual,
                    j.target
                ])?;
                out.push(Job {
                    id: tx.last_insert_rowid(),
                    delivery_id: j.delivery_id,
                    handler: j.handler.clone(),
                    attempt: 1,
                    max_attempts: j.max_attempts,
                    manual: j.manual,
                    target: j.target.clone(),
                });
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// Jobs left `running` by a previous process go back to the queue; returns how many.
    pub fn requeue_interrupted(&self, now_ms: i64) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "UPDATE jobs SET state = 'queued', due_at_ms = min(due_at_ms, ?1), updated_at_ms = ?1 WHERE state = 'running'",
            [now_ms],
        )?)
    }

    /// Claim up to `limit` due jobs (oldest due first), marking them running.
    pub fn claim_due(&mut self, now_ms: i64, limit: usize) -> Result<Vec<Job>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let jobs = {
            let mut select = tx.prepare_cached(
                "SELECT id, delivery_id, handler, attempt, max_attempts, manual, target FROM jobs
                 WHERE state = 'queued' AND due_at_ms <= ?1 ORDER BY due_at_ms, id LIMIT ?2",
            )?;
            let jobs = select
                .query_map(params![now_ms, limit as i64], |r| {
                    Ok(Job {
                        id: r.get(0)?,
                        delivery_id: r.get(1)?,
                        handler: r.get(2)?,
                        attempt: r.get(3)?,
                        max_attempts: r.get(4)?,
                        manual: r.get(5)?,
                        target: r.get(6)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut mark = tx.prepare_cached(
                "UPDATE jobs SET state = 'running', updated_at_ms = ?2 WHERE id = ?1",
            )?;
            for j in &jobs {
                mark.execute(params![j.id, now_ms])?;
            }
            jobs
        };
        tx.commit()?;
        Ok(jobs)
    }

    /// When the next queued job is due (unix ms), if any.
    pub fn next_due(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.conn.query_row(
            "SELECT min(due_at_ms) FROM jobs WHERE state = 'queued'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Store a run and settle its job: done, queued again at `retry_at_ms`, or dead.
    pub fn finish(
        &mut self,
        job: &Job,
        started_at_ms: i64,
        result: &RunResult,
        retry_at_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        let outcome = serde_json::to_string(&result.outcome)
            .map_err(|e| StoreError::Sqlite(e.to_string()))?;
        let notes =
            serde_json::to_string(&result.notes).map_err(|e| StoreError::Sqlite(e.to_string()))?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO handler_runs (job_id, delivery_id, handler, attempt, max_attempts, started_at_ms, duration_ms, outcome, ok, excerpt, notes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                job.id,
                job.delivery_id,
                job.handler,
                job.attempt,
                job.max_attempts,
                started_at_ms,
                result.duration_ms as i64,
                outcome,
                result.outcome.is_success(),
                result.excerpt,
                notes
            ],
        )?;
        let run_id = tx.last_insert_rowid();
        match (result.outcome.is_success(), retry_at_ms) {
            (true, _) => tx.execute("UPDATE jobs SET state = 'done', updated_at_ms = ?2 WHERE id = ?1", params![job.id, now_ms])?,
            (false, Some(at)) => tx.execute(
                "UPDATE jobs SET state = 'queued', attempt = attempt + 1, due_at_ms = ?2, updated_at_ms = ?3 WHERE id = ?1",
                params![job.id, at, now_ms],
            )?,
            (false, None) => tx.execute("UPDATE jobs SET state = 'dead', updated_at_ms = ?2 WHERE id = ?1", params![job.id, now_ms])?,
        };
        tx.commit()?;
        Ok(run_id)
    }
}

/// Read side: runs of a delivery and the handler column for many deliveries.
pub fn runs(conn: &Connection, delivery: DeliveryId) -> Result<Vec<Run>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, delivery_id, handler, attempt, max_attempts, started_at_ms, duration_ms, outcome, excerpt, notes
         FROM handler_runs WHERE delivery_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([delivery], |r| {
            let outcome: String = r.get(7)?;
            let notes: String = r.get(9)?;
            Ok(Run {
                id: r.get(0)?,
                delivery_id: r.get(1)?,
                handler: r.get(2)?,
                attempt: r.get(3)?,
                max_attempts: r.get(4)?,
                started_at_ms: r.get(5)?,
                result: RunResult {
                    outcome: serde_json::from_str(&outcome)
                        .unwrap_or(Outcome::Error { message: outcome }),
                    duration_ms: r.get::<_, i64>(6)?.max(0) as u64,
                    excerpt: r.get(8)?,
                    notes: serde_json::from_str(&notes).unwrap_or_default(),
                },
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The handler column for every delivery that has jobs: a pending or running job wins,
/// else the latest run (dead when its job is dead).
pub fn cells(
    conn: &Connection,
    since: Option<DeliveryId>,
) -> Result<Vec<(DeliveryId, HandlerCell)>, StoreError> {
    let since = since.unwrap_or(0);
    let mut out = std::collections::BTreeMap::new();
    let mut latest = conn.prepare_cached(
        "SELECT r.delivery_id, r.outcome, r.duration_ms, coalesce(j.state, 'done')
         FROM handler_runs r LEFT JOIN jobs j ON j.id = r.job_id
         WHERE r.id IN (SELECT max(id) FROM handler_runs WHERE delivery_id > ?1 GROUP BY delivery_id)",
    )?;
    let rows = latest.query_map([since], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (id, outcome, duration, state) = row?;
        let outcome: Outcome =
            serde_json::from_str(&outcome).unwrap_or(Outcome::Error { message: outcome });
        let cell = if state == "dead" {
            HandlerCell::Dead { outcome }
        } else {
            HandlerCell::Ran {
                outcome,
                duration_ms: duration.max(0) as u64,
            }
        };
        out.insert(id, cell);
    }
    let mut pending = conn.prepare_cached(
        "SELECT delivery_id, attempt, max_attempts, state FROM jobs
         WHERE state IN ('queued', 'running') AND delivery_id > ?1 ORDER BY id",
    )?;
    let rows = pending.query_map([since], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, u32>(1)?,
            r.get::<_, u32>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (id, attempt, max, state) = row?;
        let cell = if state == "running" {
            HandlerCell::Running { attempt, max }
        } else {
            HandlerCell::Pending { attempt, max }
        };
        out.insert(id, cell);
    }
    Ok(out.into_iter().collect())
}

//! The read side of the handler tables: a delivery's runs, runs after a given one (for a
//! printer that lagged), and the dashboard's handler column for many deliveries.

use crate::delivery::DeliveryId;
use crate::handlers::outcome::{Outcome, RunResult};
use crate::store::StoreError;
use rusqlite::{Connection, Row};

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

impl Run {
    /// The handler column right after this run.
    pub fn cell(&self) -> HandlerCell {
        HandlerCell::after(
            &self.result.outcome,
            self.result.duration_ms,
            self.attempt,
            self.max_attempts,
        )
    }
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
    /// The cell after attempt `attempt` of `max` ended with `outcome`: a failure with
    /// attempts left is pending the next one, the failed last one of several is dead.
    pub fn after(outcome: &Outcome, duration_ms: u64, attempt: u32, max: u32) -> HandlerCell {
        match outcome.is_success() {
            false if attempt < max => HandlerCell::Pending {
                attempt: attempt + 1,
                max,
            },
            false if max > 1 => HandlerCell::Dead {
                outcome: outcome.clone(),
            },
            _ => HandlerCell::Ran {
                outcome: outcome.clone(),
                duration_ms,
            },
        }
    }

    pub fn short(&self) -> String {
        match self {
            HandlerCell::Ran {
                outcome,
                duration_ms,
            } => outcome.short(*duration_ms),
            HandlerCell::Pending { attempt, max } if *max > 1 => format!("pending {attempt}/{max}"),
            HandlerCell::Pending { .. } => "pending".into(),
            HandlerCell::Running { attempt, max } if *max > 1 => format!("running {attempt}/{max}"),
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

const RUN_COLUMNS: &str = "id, delivery_id, handler, attempt, max_attempts, started_at_ms, \
     duration_ms, outcome, excerpt, notes";

fn run_from_row(r: &Row<'_>) -> rusqlite::Result<Run> {
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
            outcome: serde_json::from_str(&outcome).unwrap_or(Outcome::Error { message: outcome }),
            duration_ms: u64::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
            excerpt: r.get(8)?,
            notes: serde_json::from_str(&notes).unwrap_or_default(),
        },
    })
}

/// Every run of a delivery, oldest first.
pub fn runs(conn: &Connection, delivery: DeliveryId) -> Result<Vec<Run>, StoreError> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM handler_runs WHERE delivery_id = ?1 ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map([delivery], run_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Up to `limit` runs stored after run `after`, oldest first.
pub fn runs_after(conn: &Connection, after: i64, limit: usize) -> Result<Vec<Run>, StoreError> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM handler_runs WHERE id > ?1 ORDER BY id LIMIT ?2");
    let mut stmt = conn.prepare_cached(&sql)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(rusqlite::params![after, limit], run_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The newest stored run's id (0 when there is none).
pub fn last_run_id(conn: &Connection) -> Result<i64, StoreError> {
    Ok(
        conn.query_row("SELECT coalesce(max(id), 0) FROM handler_runs", [], |r| {
            r.get(0)
        })?,
    )
}

/// The handler column for every delivery newer than `since` that has stored runs or jobs:
/// a queued job wins, else the latest run (dead when its job is dead). First attempts not
/// yet run are only known to the running pool (see `HandlerEvent`).
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
                duration_ms: u64::try_from(duration).unwrap_or(0),
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

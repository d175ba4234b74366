//! The schema and its migrations (`PRAGMA user_version`), and opening a connection with
//! hookwatch's pragmas. Migration N is `MIGRATIONS[N - 1]`; steps run in order inside one
//! `BEGIN IMMEDIATE` transaction. Never edit a released step: append a new one (the handlers
//! work adds `jobs` and `handler_runs` as migration 2+).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::StoreError;

/// Version 1: deliveries and the dedupe key space.
///
/// No secondary index on deliveries: every query goes by id (the rowid, which rises with
/// time), and the dashboard filters summaries in memory, so each index would only add a
/// B-tree write per delivery. `dedupe` is the idempotency key space:
/// `INSERT OR IGNORE` into it is what decides `duplicate`, atomically, in the writer.
const V1: &str = "
CREATE TABLE deliveries (
    id             INTEGER PRIMARY KEY,
    received_at_ms INTEGER NOT NULL,
    method         TEXT    NOT NULL,
    path           TEXT    NOT NULL,
    headers        BLOB    NOT NULL,
    body           BLOB    NOT NULL,
    bytes          INTEGER NOT NULL,
    provider       TEXT,
    event_type     TEXT,
    event_id       TEXT,
    dedupe_key     TEXT,
    verdict        TEXT    NOT NULL,
    duplicate      INTEGER NOT NULL DEFAULT 0,
    status         INTEGER NOT NULL,
    explanation    TEXT,
    replay_of      INTEGER
);
CREATE TABLE dedupe (
    provider TEXT    NOT NULL,
    key      TEXT    NOT NULL,
    first_id INTEGER NOT NULL,
    PRIMARY KEY (provider, key)
) WITHOUT ROWID;
";

/// Version 2: handler jobs (retries and manual re-runs, surviving restarts), the run
/// history, and `meta`: `handler_cursor` (every delivery up to it has its automatic first
/// attempts stored) and `handler_paused_at` (a receiver without handlers started there).
const V2: &str = "
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    delivery_id   INTEGER NOT NULL,
    handler       TEXT    NOT NULL,
    attempt       INTEGER NOT NULL DEFAULT 1,
    max_attempts  INTEGER NOT NULL DEFAULT 1,
    due_at_ms     INTEGER NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'queued',
    manual        INTEGER NOT NULL DEFAULT 0,
    target        TEXT,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE INDEX jobs_state_due ON jobs(state, due_at_ms);
CREATE INDEX jobs_delivery ON jobs(delivery_id);
CREATE TABLE handler_runs (
    id            INTEGER PRIMARY KEY,
    job_id        INTEGER,
    delivery_id   INTEGER NOT NULL,
    handler       TEXT    NOT NULL,
    attempt       INTEGER NOT NULL,
    max_attempts  INTEGER NOT NULL,
    started_at_ms INTEGER NOT NULL,
    duration_ms   INTEGER NOT NULL,
    outcome       TEXT    NOT NULL,
    ok            INTEGER NOT NULL,
    excerpt       TEXT    NOT NULL,
    notes         TEXT    NOT NULL
);
CREATE INDEX handler_runs_delivery ON handler_runs(delivery_id);
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
";

/// Every migration step, in order; the schema version is the number of steps.
pub const MIGRATIONS: &[&str] = &[V1, V2];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The page size of a new database (an existing file keeps the size it was created with).
/// Deliveries are kilobytes of body each: with 16 KiB pages a batch of them is a quarter as
/// many WAL frames, B-tree pages and write calls as with SQLite's default 4 KiB, and a large
/// body a quarter as many overflow pages.
pub const PAGE_SIZE_BYTES: i64 = 16 * 1024;

/// After a checkpoint the WAL file is truncated back to at most this size.
pub const JOURNAL_SIZE_LIMIT_BYTES: i64 = 64 * 1024 * 1024;

/// Open (creating the parent directory and file if needed) a connection in WAL mode with
/// hookwatch's pragmas, and bring the schema up to [`SCHEMA_VERSION`].
///
/// `synchronous_full = false` gives `synchronous=NORMAL`: a commit is in the WAL file (the OS
/// page cache) before COMMIT returns, so it survives the process being killed (`kill -9`)
/// but not a power loss or kernel crash. `true` gives `FULL`, which fsyncs the WAL on every
/// commit and also survives power loss, at the cost of one fsync per batch.
pub fn open_connection(
    path: &Path,
    busy_timeout: Duration,
    synchronous_full: bool,
) -> Result<Connection, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::CreateDir {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let mut conn = Connection::open_with_flags(path, flags).map_err(|e| StoreError::Open {
        path: path.to_path_buf(),
        reason: StoreError::from(e).to_string(),
    })?;
    conn.busy_timeout(busy_timeout)?;
    // Only takes effect while the file is still empty, so before the switch to WAL.
    conn.pragma_update(None, "page_size", PAGE_SIZE_BYTES)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Sqlite(format!(
            "cannot switch the database to WAL mode (it stays in {mode} mode)"
        )));
    }
    let sync = if synchronous_full { "FULL" } else { "NORMAL" };
    conn.pragma_update(None, "synchronous", sync)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Checkpoints run on the writer's own checkpointer thread, never inside a commit (a
    // checkpoint copies pages and fsyncs: it would stall the answers of a whole batch).
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT_BYTES)?;
    conn.set_prepared_statement_cache_capacity(32);
    migrate(&mut conn, path, MIGRATIONS)?;
    Ok(conn)
}

/// Apply the steps of `steps` that the database has not seen yet; returns the new version.
/// A database newer than `steps` is an error, never touched.
pub fn migrate(conn: &mut Connection, path: &Path, steps: &[&str]) -> Result<i64, StoreError> {
    let latest = steps.len() as i64;
    let found = check_version(path, user_version(conn)?, latest)?;
    if found == latest {
        return Ok(found);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Re-read under the write lock: another process may have migrated meanwhile.
    let found = check_version(path, user_version(&tx)?, latest)?;
    for (index, sql) in steps.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Sqlite(format!("migration {} failed: {e}", index + 1)))?;
    }
    tx.pragma_update(None, "user_version", latest)?;
    tx.commit()?;
    Ok(latest)
}

fn check_version(path: &Path, found: i64, latest: i64) -> Result<i64, StoreError> {
    if found > latest {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: latest,
        });
    }
    if found < 0 {
        return Err(StoreError::Corrupt(format!(
            "schema version {found} is not a hookwatch version"
        )));
    }
    Ok(found)
}

/// The database's schema version (`PRAGMA user_version`; 0 for a new file).
pub fn user_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

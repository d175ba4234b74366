//! The checkpointer: copies the WAL back into the database from its own thread and
//! connection, so commits never pay for it, and keeps the WAL bounded under sustained load.
//!
//! A PASSIVE checkpoint alone never lets the WAL restart while commits keep arriving (each
//! pass ends behind the writer, so the log only grows). So each round first copies what it
//! can without stopping anyone, then takes the writer's `gate` for one short pass over the
//! few frames committed meanwhile. With every frame copied, the writer's next transaction
//! starts the WAL over from its beginning (and SQLite trims the file to
//! `journal_size_limit`). A reader holding an old snapshot only postpones that to a later
//! round; nothing ever waits for a reader.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::FairMutex;
use rusqlite::Connection;

use crate::store::StoreError;

/// How often the WAL is checkpointed by default ([`super::BatchPolicy::checkpoint_every`]).
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Ungated passes stop once one brings fewer new bytes of frames than this; the gated pass
/// copies the rest.
const GATED_PASS_BYTES: i64 = 4 * 1024 * 1024;

/// Ungated passes also stop once the WAL is this large: when commits arrive faster than a
/// pass copies them, the gated pass is what holds the WAL (and the disk it takes) in check,
/// by making the writer wait for the checkpointer.
const WAL_CAP_BYTES: i64 = crate::store::schema::JOURNAL_SIZE_LIMIT_BYTES;

/// Most ungated passes in one round (each copies what was committed during the previous).
const MAX_UNGATED_PASSES: usize = 4;

/// The writer holds this lock while it writes a batch; the checkpointer holds it for its
/// last, short pass of a round. Fair: a waiting checkpointer gets it at the end of the
/// current batch, the writer cannot take it again first.
pub type Gate = Arc<FairMutex<()>>;

/// What one `PRAGMA wal_checkpoint` reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Frames in the WAL.
    pub log: i64,
    /// Frames of it copied into the database.
    pub copied: i64,
}

/// The running checkpointer thread.
pub struct Checkpointer {
    stop: std::sync::mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Checkpointer {
    /// Start checkpointing the database at `path` through `conn` every `every`.
    pub fn spawn(
        conn: Connection,
        path: &Path,
        gate: Gate,
        every: Duration,
    ) -> Result<Checkpointer, StoreError> {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let files = Files::open(path);
        let thread = std::thread::Builder::new()
            .name("hookwatch-store-checkpoint".into())
            .spawn(move || {
                use std::sync::mpsc::RecvTimeoutError;
                crate::background::mark_current_thread();
                let mut last = None;
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                    match round(&conn, files.as_ref(), &gate, last) {
                        Ok(progress) => last = Some(progress),
                        Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; will retry"),
                    }
                }
                let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
            })
            .map_err(|e| StoreError::Io(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Checkpointer { stop, thread })
    }

    /// Stop the thread after a last TRUNCATE checkpoint.
    pub fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}

/// One round: ungated passes while the writer keeps adding many frames during each, a flush
/// of the database file, then one gated pass for the rest. `last` is what the previous
/// round ended with: when nothing was committed since, the round does nothing. Returns what
/// the last pass reported.
pub fn round(
    conn: &Connection,
    files: Option<&Files>,
    gate: &FairMutex<()>,
    last: Option<Progress>,
) -> Result<Progress, StoreError> {
    // A pass copies the frames that were in the WAL when it started; `log` tells how many
    // that was, so the growth between two passes is what was committed during the first.
    let mut progress = passive(conn)?;
    if progress.log == 0 || last == Some(progress) {
        return Ok(progress);
    }
    let page: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    for _ in 1..MAX_UNGATED_PASSES {
        if progress.log * page >= WAL_CAP_BYTES {
            break;
        }
        let next = passive(conn)?;
        let added = next.log - progress.log;
        progress = next;
        if added * page <= GATED_PASS_BYTES {
            break;
        }
    }
    // SQLite syncs the database file only in a pass that reaches the end of the WAL, which
    // under load is the gated one: flush what the ungated passes copied now, and the WAL's
    // latest frames, so that the gated pass syncs only the few pages of its own.
    let flush_at = Instant::now();
    if let Some(files) = files {
        files.flush();
    }
    let flushed = flush_at.elapsed();
    let paused_at = Instant::now();
    let _writer_paused = gate.lock();
    let waited = paused_at.elapsed();
    let progress = passive(conn)?;
    tracing::debug!(
        frames = progress.log,
        flush_ms = flushed.as_secs_f64() * 1e3,
        waited_ms = waited.as_secs_f64() * 1e3,
        paused_ms = paused_at.elapsed().as_secs_f64() * 1e3,
        "WAL checkpointed to its end"
    );
    Ok(progress)
}

/// Descriptors of their own on the database and its WAL, used only to flush their pages
/// ahead of the gated pass (see [`round`]). Without them a round still works, with a
/// longer gated pass.
pub struct Files {
    db: File,
    wal: PathBuf,
}

impl Files {
    pub fn open(db: &Path) -> Option<Files> {
        Some(Files {
            db: File::open(db).ok()?,
            wal: wal_path(db),
        })
    }

    fn flush(&self) {
        // The WAL file comes and goes with the connections: open it each time.
        let wal = File::open(&self.wal);
        for (what, result) in [
            ("database", self.db.sync_data()),
            ("WAL", wal.and_then(|f| f.sync_data())),
        ] {
            if let Err(e) = result {
                tracing::debug!(error = %e, "could not flush the {what} file ahead of a checkpoint");
            }
        }
    }
}

/// Where SQLite keeps the WAL of the database at `db`.
pub fn wal_path(db: &Path) -> PathBuf {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    PathBuf::from(wal)
}

fn passive(conn: &Connection) -> Result<Progress, StoreError> {
    let (log, copied) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
    })?;
    Ok(Progress { log, copied })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests;

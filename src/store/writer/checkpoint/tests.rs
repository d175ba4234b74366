//! Tests of the checkpointer: a round copies every frame so the WAL starts over, an idle
//! round does nothing, and under commits that never pause the WAL keeps starting over.

use super::*;
use crate::store::tests::{db_path, sample};
use crate::store::{BatchPolicy, Writer, schema};

fn open(path: &Path) -> Connection {
    schema::open_connection(path, Duration::from_secs(2), false).unwrap()
}

fn fill(conn: &Connection, rows: usize) {
    let blob = vec![7u8; 4000];
    conn.execute_batch("BEGIN").unwrap();
    for _ in 0..rows {
        conn.execute("INSERT INTO meta_scratch (b) VALUES (?1)", [&blob])
            .unwrap();
    }
    conn.execute_batch("COMMIT").unwrap();
}

/// A database with `rows` scratch rows committed: (dir, path, writer, checkpointer).
fn filled(rows: usize) -> (tempfile::TempDir, PathBuf, Connection, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let writer = open(&path);
    writer
        .execute_batch("CREATE TABLE meta_scratch (b BLOB)")
        .unwrap();
    fill(&writer, rows);
    let checkpointer = open(&path);
    (dir, path, writer, checkpointer)
}

#[test]
fn a_round_copies_every_frame_and_the_next_commit_starts_the_wal_over() {
    let (_dir, path, writer, checkpointer) = filled(300);
    let gate = Gate::default();
    let files = Files::open(&path);
    assert!(files.is_some(), "the database file opens for flushing");

    let done = round(&checkpointer, files.as_ref(), &gate, None).unwrap();
    // 1.2 MB of rows: at least 70 frames of 16 KiB.
    assert!(done.log >= 70, "{done:?}");
    assert_eq!(done.copied, done.log, "every frame copied");

    fill(&writer, 1);
    let after = passive(&checkpointer).unwrap();
    assert!(
        after.log < 10,
        "the WAL started over from its beginning: {after:?} after {done:?}"
    );
}

#[test]
fn a_round_with_nothing_new_does_nothing() {
    let (_dir, _path, _writer, checkpointer) = filled(10);
    let gate = Gate::default();
    let first = round(&checkpointer, None, &gate, None).unwrap();
    // Holding the gate would block a round that wanted it: an idle round must not.
    let _held = gate.lock();
    assert_eq!(
        round(&checkpointer, None, &gate, Some(first)).unwrap(),
        first
    );
}

/// The WAL header's checkpoint sequence number (bytes 12..16, big-endian), which SQLite
/// increments each time the log starts over from its beginning; `None` before there is one.
fn wal_restarts(path: &Path) -> Option<u32> {
    use std::io::Read;
    let mut header = [0u8; 16];
    std::fs::File::open(wal_path(path))
        .and_then(|mut f| f.read_exact(&mut header))
        .ok()?;
    Some(u32::from_be_bytes([
        header[12], header[13], header[14], header[15],
    ]))
}

/// Commits back to back for 1 s, so that a plain PASSIVE pass never reaches the end of the
/// WAL. Without the gated pass the log never starts over (0 restarts, checked by removing
/// it) and holds everything committed; with it, the log starts over round after round
/// (12-13 times here, with or without four busy loops beside the test).
///
/// Restarts are counted, not file sizes compared: how far the file grows between two
/// restarts depends on how much CPU the checkpointer gets beside the other tests, and the
/// restarts are what the gate guarantees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_starts_over_under_commits_that_never_pause() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let policy = BatchPolicy {
        checkpoint_every: Duration::from_millis(50),
        ..BatchPolicy::default()
    };
    let writer = Writer::spawn(&path, policy).unwrap();
    const TASKS: u32 = 16;
    const BODY: usize = 256;
    let until = tokio::time::Instant::now() + Duration::from_millis(1000);
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..TASKS {
        let w = writer.clone();
        tasks.spawn(async move {
            let mut rows = 0u64;
            while tokio::time::Instant::now() < until {
                let mut d = sample(t);
                d.body = vec![b'x'; BODY];
                w.commit(d).await.unwrap();
                rows += 1;
            }
            rows
        });
    }
    let (mut first, mut latest, mut rows) = (None, None, 0);
    let (mut since, mut longest) = (std::time::Instant::now(), Duration::ZERO);
    while !tasks.is_empty() {
        if let Some(seq) = wal_restarts(&path) {
            first = first.or(Some(seq));
            if latest != Some(seq) {
                since = std::time::Instant::now();
            }
            latest = Some(seq);
        }
        longest = longest.max(since.elapsed());
        tokio::select! {
            done = tasks.join_next() => rows += done.unwrap().unwrap(),
            _ = tokio::time::sleep(Duration::from_millis(2)) => {}
        }
    }
    assert!(rows > 2_000, "only {rows} rows committed");
    let restarts = latest.unwrap().wrapping_sub(first.unwrap());
    assert!(
        restarts >= 3,
        "the WAL started over {restarts} times while {rows} rows were committed \
         (longest without a restart: {longest:?})"
    );
    writer.close();
}

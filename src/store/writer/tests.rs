//! Tests of the group-commit writer: dedupe under concurrency, failures under a held lock,
//! batching, notification order, and flushing on close. Real SQLite files in tempdirs.

use super::*;
use crate::delivery::Verdict;
use crate::store::Store;
use crate::store::tests::{db_path, sample};
use rusqlite::Connection;
use std::collections::HashSet;
use std::path::Path;

fn keyed(n: u32, provider: Option<&str>, key: Option<&str>) -> NewDelivery {
    let mut d = sample(n);
    d.provider = provider.map(str::to_owned);
    d.dedupe_key = key.map(str::to_owned);
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_commits_of_one_key_yield_exactly_one_original() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let writer = Writer::spawn(&path, BatchPolicy::default()).expect("writer");
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..50 {
        let w = writer.clone();
        tasks.spawn(async move { w.commit(keyed(n, Some("github"), Some("evt_same"))).await });
    }
    let mut all = Vec::new();
    while let Some(r) = tasks.join_next().await {
        all.push(r.expect("task").expect("commit"));
    }
    let originals: Vec<_> = all.iter().filter(|s| !s.duplicate).collect();
    assert_eq!(originals.len(), 1);
    let first = all.iter().map(|s| s.id).min().expect("ids");
    assert_eq!(
        originals[0].id, first,
        "the first committed is the original"
    );

    let store = Store::open(&path).expect("open");
    assert_eq!(store.count().expect("count"), 50);
    for s in &all {
        let stored = store.get(s.id).expect("get").expect("row");
        assert_eq!(
            stored.summary.duplicate, s.duplicate,
            "the flag is stored too"
        );
    }
    let first_id: i64 = store
        .conn
        .query_row(
            "SELECT first_id FROM dedupe WHERE provider = 'github' AND key = 'evt_same'",
            [],
            |r| r.get(0),
        )
        .expect("dedupe row");
    assert_eq!(first_id, first);
}

#[tokio::test]
async fn dedupe_scopes_by_provider_and_ignores_missing_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let writer = Writer::spawn(&db_path(&dir), BatchPolicy::default()).expect("writer");
    let commit = |d| writer.commit(d);
    assert!(
        !commit(keyed(1, Some("github"), Some("k")))
            .await
            .expect("c")
            .duplicate
    );
    assert!(
        !commit(keyed(2, Some("stripe"), Some("k")))
            .await
            .expect("c")
            .duplicate
    );
    assert!(
        !commit(keyed(3, None, Some("k")))
            .await
            .expect("c")
            .duplicate
    );
    assert!(
        commit(keyed(4, None, Some("k")))
            .await
            .expect("c")
            .duplicate,
        "'' scope"
    );
    assert!(
        commit(keyed(5, Some("stripe"), Some("k")))
            .await
            .expect("c")
            .duplicate
    );
    assert!(
        !commit(keyed(6, Some("github"), None))
            .await
            .expect("c")
            .duplicate
    );
    assert!(
        !commit(keyed(7, Some("github"), None))
            .await
            .expect("c")
            .duplicate
    );
}

#[tokio::test]
async fn a_held_lock_fails_the_commit_then_it_succeeds_after_release() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let policy = BatchPolicy {
        busy_timeout: Duration::from_millis(100),
        ..BatchPolicy::default()
    };
    let writer = Writer::spawn(&path, policy).expect("writer");
    let other = Connection::open(&path).expect("other connection");
    other.execute_batch("BEGIN EXCLUSIVE").expect("lock");

    let err = writer.commit(sample(1)).await.expect_err("locked");
    assert_eq!(err, StoreError::Locked);
    assert!(err.to_string().contains("database is locked"), "{err}");
    assert!(err.is_transient());
    assert_eq!(writer.stats().failed_batches, 1);

    other.execute_batch("COMMIT").expect("release");
    let ok = writer
        .commit(sample(2))
        .await
        .expect("committed after release");
    let store = Store::open(&path).expect("open");
    assert_eq!(
        store.count().expect("count"),
        1,
        "the failed row was never stored"
    );
    assert_eq!(store.recent(5, None).expect("recent"), vec![ok]);
    let stats = writer.stats();
    assert_eq!((stats.rows, stats.batches, stats.failed_batches), (1, 1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commits_are_grouped_into_batches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let writer = Writer::spawn(&path, BatchPolicy::default()).expect("writer");
    // Hold the write lock so requests pile up the way they do under load.
    let other = Connection::open(&path).expect("other connection");
    other.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..200 {
        let w = writer.clone();
        tasks.spawn(async move { w.commit(sample(n)).await });
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    other.execute_batch("COMMIT").expect("release");
    let mut ids = HashSet::new();
    while let Some(r) = tasks.join_next().await {
        ids.insert(r.expect("task").expect("commit").id);
    }
    assert_eq!(ids.len(), 200);
    let stats = writer.stats();
    assert_eq!(stats.rows, 200);
    assert!(stats.batches < 20, "{stats:?}");
    assert!(stats.average_batch() > 10.0, "{stats:?}");
    assert_eq!(stats.queued, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_rows_caps_a_batch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let policy = BatchPolicy {
        max_rows: 8,
        ..BatchPolicy::default()
    };
    let writer = Writer::spawn(&path, policy).expect("writer");
    let other = Connection::open(&path).expect("other connection");
    other.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..64 {
        let w = writer.clone();
        tasks.spawn(async move { w.commit(sample(n)).await });
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    other.execute_batch("COMMIT").expect("release");
    while let Some(r) = tasks.join_next().await {
        r.expect("task").expect("commit");
    }
    let stats = writer.stats();
    assert_eq!(stats.rows, 64);
    assert!(
        stats.batches >= 8,
        "no batch holds more than 8 rows: {stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribers_receive_every_commit_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let writer = Writer::spawn(&db_path(&dir), BatchPolicy::default()).expect("writer");
    let mut rx = writer.subscribe();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..40 {
        let w = writer.clone();
        tasks.spawn(async move { w.commit(sample(n)).await });
    }
    let mut answered = Vec::new();
    while let Some(r) = tasks.join_next().await {
        answered.push(r.expect("task").expect("commit"));
    }
    let mut seen = Vec::new();
    for _ in 0..40 {
        seen.push(rx.recv().await.expect("notified"));
    }
    assert!(seen.windows(2).all(|w| w[0].id < w[1].id), "commit order");
    answered.sort_by_key(|s| s.id);
    assert_eq!(seen, answered, "the same summaries the committers got");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_flushes_the_queue_and_then_refuses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let writer = Writer::spawn(&path, BatchPolicy::default()).expect("writer");
    // Hold the lock so that the requests are still queued when close is called.
    let other = Connection::open(&path).expect("other connection");
    other.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..100 {
        let w = writer.clone();
        tasks.spawn(async move { w.commit(sample(n)).await });
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(writer.stats().rows, 0);
    let closer = writer.clone();
    let closing = tokio::task::spawn_blocking(move || closer.close());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        !closing.is_finished(),
        "close waits for the queue to be committed"
    );
    other.execute_batch("COMMIT").expect("release");
    let stats = closing.await.expect("close");
    let mut acked = Vec::new();
    while let Some(r) = tasks.join_next().await {
        acked.push(
            r.expect("task")
                .expect("queued before close, so committed")
                .id,
        );
    }
    assert_eq!(stats.rows, 100);
    let store = Store::open(&path).expect("open");
    assert_eq!(store.count().expect("count"), 100);
    for id in acked {
        assert!(
            store.get(id).expect("get").is_some(),
            "acknowledged {id} is stored"
        );
    }
    let err = writer.commit(sample(1)).await.expect_err("closed");
    assert_eq!(err, StoreError::WriterStopped);
}

/// Set in the child process of `acknowledged_commits_survive_kill_9`: the database path.
const KILL_CHILD_DB: &str = "HOOKWATCH_STORE_KILL_CHILD_DB";

/// Run by `acknowledged_commits_survive_kill_9` in a child process (and a no-op without
/// its environment): commits forever from 8 tasks, printing each acknowledged id.
#[test]
#[ignore = "child process of acknowledged_commits_survive_kill_9"]
fn kill_9_child() {
    let Ok(path) = std::env::var(KILL_CHILD_DB) else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let writer = Writer::spawn(Path::new(&path), BatchPolicy::default()).expect("writer");
        let mut tasks = tokio::task::JoinSet::new();
        for t in 0..8u32 {
            let w = writer.clone();
            tasks.spawn(async move {
                for n in 0.. {
                    let s = w.commit(sample(t * 1_000_000 + n)).await.expect("commit");
                    println!("acked {}", s.id);
                }
            });
        }
        while tasks.join_next().await.is_some() {}
    });
}

#[test]
fn acknowledged_commits_survive_kill_9() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let mut child = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args(["--exact", "store::writer::tests::kill_9_child"])
        .args(["--ignored", "--nocapture", "--test-threads=1"])
        .env(KILL_CHILD_DB, &path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("child");
    let stdout = child.stdout.take().expect("stdout");
    let mut acked = Vec::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.expect("line");
        if let Some(id) = line.strip_prefix("acked ") {
            acked.push(id.parse::<i64>().expect("id"));
            if acked.len() >= 300 {
                break;
            }
        }
    }
    child.kill().expect("SIGKILL while it is still committing");
    child.wait().expect("reaped");
    assert!(
        acked.len() >= 300,
        "the child acknowledged only {}",
        acked.len()
    );
    let store = Store::open(&path).expect("reopen after kill -9");
    for id in &acked {
        assert!(
            store.get(*id).expect("get").is_some(),
            "acknowledged {id} was lost"
        );
    }
    assert!(store.count().expect("count") >= acked.len() as u64);
}

#[tokio::test]
async fn a_commit_is_visible_to_another_connection_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let writer = Writer::spawn(&path, BatchPolicy::default()).expect("writer");
    let store = Store::open(&path).expect("open");
    let mut d = sample(1);
    d.verdict = Verdict::Unverified;
    let s = writer.commit(d.clone()).await.expect("commit");
    // Read through a plain connection too, not only hookwatch's own reader.
    let raw = Connection::open(&path).expect("raw");
    let verdict: String = raw
        .query_row(
            "SELECT verdict FROM deliveries WHERE id = ?1",
            [s.id],
            |r| r.get(0),
        )
        .expect("row");
    assert_eq!(verdict, "unverified");
    assert_eq!(store.get(s.id).expect("get").expect("row").body, d.body);
}

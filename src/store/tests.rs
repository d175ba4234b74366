//! Tests of the read side, the schema migrations and error wording, on real SQLite files.

use super::*;
use crate::delivery::NewDelivery;
use rusqlite::Connection;
use std::path::PathBuf;

/// A realistic delivery; `n` varies the ids and body.
pub(crate) fn sample(n: u32) -> NewDelivery {
    NewDelivery {
        received_at_ms: 1_700_000_000_000 + i64::from(n),
        method: "POST".into(),
        path: format!("/webhooks/github?n={n}"),
        headers: vec![
            ("Content-Type".into(), b"application/json".to_vec()),
            ("X-GitHub-Event".into(), b"push".to_vec()),
        ],
        body: format!(r#"{{"n":{n},"action":"opened"}}"#).into_bytes(),
        bytes: 0,
        provider: Some("github".into()),
        event_type: Some("push".into()),
        event_id: Some(format!("evt_{n}")),
        dedupe_key: None,
        verdict: Verdict::Valid,
        explanation: None,
        status: 200,
        replay_of: None,
    }
}

pub(crate) fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("nested").join("dir").join("hookwatch.db")
}

/// Commit through a real writer and close it, returning the summaries.
pub(crate) fn commit_all(path: &std::path::Path, deliveries: Vec<NewDelivery>) -> Vec<Summary> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let writer = Writer::spawn(path, BatchPolicy::default()).expect("writer");
    let out = rt.block_on(async {
        let mut out = Vec::new();
        for d in deliveries {
            out.push(writer.commit(d).await.expect("commit"));
        }
        out
    });
    writer.close();
    out
}

#[test]
fn round_trips_non_utf8_headers_and_binary_body() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let mut d = sample(1);
    d.headers = vec![
        ("X-Raw".into(), vec![0xff, 0xfe, 0x00, 0x1b, b'[']),
        ("Set-Cookie".into(), b"a=1".to_vec()),
        ("set-cookie".into(), b"b=2".to_vec()),
    ];
    d.body = (0..=255u8).chain([0, 0xff, 0x1b]).collect();
    d.bytes = d.body.len() as u64;
    d.provider = None;
    d.event_type = None;
    d.verdict = Verdict::Malformed;
    d.explanation = Some("x-hub-signature-256: not hex".into());
    d.status = 401;
    d.dedupe_key = Some("k".into());
    d.replay_of = Some(7);
    let committed = commit_all(&path, vec![d.clone()]);
    let store = Store::open(&path).expect("open");
    let got = store.get(committed[0].id).expect("get").expect("row");
    assert_eq!(got.summary, committed[0]);
    assert_eq!(got.method, d.method);
    assert_eq!(got.headers, d.headers);
    assert_eq!(got.body, d.body);
    assert_eq!(got.dedupe_key, d.dedupe_key);
    assert_eq!(got.explanation, d.explanation);
    assert_eq!(got.summary.verdict, Verdict::Malformed);
    assert_eq!(got.summary.status, 401);
    assert_eq!(got.summary.bytes, 259);
    assert_eq!(got.summary.provider, None);
    assert_eq!(got.summary.replay_of, Some(7));
    assert_eq!(got.summary.path, "/webhooks/github?n=1");
    assert_eq!(store.get(committed[0].id + 1).expect("get"), None);
}

#[test]
fn queries_recent_after_count_body() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let store = Store::open(&path).expect("open");
    assert_eq!(store.count().expect("count"), 0);
    assert!(store.recent(10, None).expect("recent").is_empty());
    let s = commit_all(&path, (0..10).map(sample).collect());
    let ids: Vec<_> = s.iter().map(|s| s.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));

    assert_eq!(store.count().expect("count"), 10);
    let recent = store.recent(3, None).expect("recent");
    assert_eq!(recent, vec![s[9].clone(), s[8].clone(), s[7].clone()]);
    let page = store.recent(3, Some(s[7].id)).expect("page");
    assert_eq!(
        page.iter().map(|s| s.id).collect::<Vec<_>>(),
        [ids[6], ids[5], ids[4]]
    );
    assert_eq!(store.recent(100, None).expect("all").len(), 10);

    let after = store.after(s[6].id, 100).expect("after");
    assert_eq!(after, s[7..].to_vec());
    assert_eq!(store.after(s[0].id, 2).expect("after").len(), 2);
    assert!(store.after(s[9].id, 10).expect("none").is_empty());

    assert_eq!(store.body(s[3].id).expect("body"), Some(sample(3).body));
    assert_eq!(store.body(ids[9] + 100).expect("body"), None);
}

#[test]
fn searches_bodies_ignoring_ascii_case() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = db_path(&dir);
    let mut a = sample(1);
    a.body = b"{\"email\":\"Ada@Example.com\"}".to_vec();
    let mut b = sample(2);
    b.body = vec![0x00, 0xff, b'A', b'D', b'A', 0x80];
    let mut c = sample(3);
    c.body = b"nothing here".to_vec();
    let mut e = sample(4);
    e.body = Vec::new();
    let s = commit_all(&path, vec![a, b, c, e]);
    let store = Store::open(&path).expect("open");
    assert_eq!(
        store.search_bodies(b"ada", None).expect("search"),
        [s[0].id, s[1].id]
    );
    assert_eq!(
        store.search_bodies(b"EXAMPLE.COM", None).expect("search"),
        [s[0].id]
    );
    assert_eq!(
        store.search_bodies(b"ada", Some(s[0].id)).expect("search"),
        [s[1].id]
    );
    assert_eq!(
        store.search_bodies(&[0xff, b'a'], None).expect("search"),
        [s[1].id]
    );
    assert!(
        store
            .search_bodies(b"zebra", None)
            .expect("search")
            .is_empty()
    );
    assert_eq!(store.search_bodies(b"", None).expect("search").len(), 4);
}

#[test]
fn substring_helper_handles_edges() {
    assert!(contains_ignore_ascii_case(b"abc", b""));
    assert!(contains_ignore_ascii_case(b"xABc", b"abc"));
    assert!(contains_ignore_ascii_case(b"abc", b"abc"));
    assert!(!contains_ignore_ascii_case(b"ab", b"abc"));
    assert!(!contains_ignore_ascii_case(b"", b"a"));
    assert!(
        !contains_ignore_ascii_case(b"\xc3\xa9", b"\xc3\x89"),
        "only ASCII folds"
    );
}

/// The v1 schema exactly as version 1 shipped: a frozen copy, so editing migration 1 in
/// place (instead of adding a migration) fails this test.
const FROZEN_V1: &str = "
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

fn schema_of(path: &std::path::Path) -> Vec<String> {
    let conn = Connection::open(path).expect("open");
    let mut stmt = conn
        .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
        .expect("prepare");
    stmt.query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn opens_and_migrates_a_hand_made_v1_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = dir.path().join("v1.db");
    {
        let conn = Connection::open(&old).expect("create");
        conn.execute_batch(FROZEN_V1).expect("v1 schema");
        conn.execute_batch(
            "INSERT INTO deliveries (received_at_ms, method, path, headers, body, bytes, \
             provider, event_type, event_id, dedupe_key, verdict, duplicate, status) \
             VALUES (1700000000000, 'POST', '/webhooks/stripe', \
                     X'0104486f7374026869', X'7B7D', 2, 'stripe', 'charge.succeeded', \
                     'evt_1', 'evt_1', 'valid', 0, 200);
             INSERT INTO dedupe VALUES ('stripe', 'evt_1', 1);
             PRAGMA user_version = 1;",
        )
        .expect("v1 row");
    }
    let store = Store::open(&old).expect("open v1");
    assert_eq!(
        schema::user_version(&store.conn).expect("version"),
        SCHEMA_VERSION
    );
    let got = store.get(1).expect("get").expect("row");
    assert_eq!(got.headers, vec![("Host".to_string(), b"hi".to_vec())]);
    assert_eq!(got.body, b"{}");
    assert_eq!(got.summary.event_type.as_deref(), Some("charge.succeeded"));

    // The dedupe key space written by v1 still counts.
    let mut again = sample(9);
    again.provider = Some("stripe".into());
    again.dedupe_key = Some("evt_1".into());
    let s = commit_all(&old, vec![again]);
    assert!(s[0].duplicate);
    assert_eq!(store.count().expect("count"), 2);

    // A migrated v1 file and a fresh file end with the same schema; the old file keeps
    // the page size it was made with, a new one gets hookwatch's.
    let fresh = dir.path().join("fresh.db");
    drop(Store::open(&fresh).expect("fresh"));
    assert_eq!(schema_of(&old), schema_of(&fresh));
    let page_size = |path: &std::path::Path| -> i64 {
        let conn = Connection::open(path).expect("open");
        conn.query_row("PRAGMA page_size", [], |r| r.get(0))
            .expect("page size")
    };
    assert_eq!(page_size(&old), 4096);
    assert_eq!(page_size(&fresh), schema::PAGE_SIZE_BYTES);
}

#[test]
fn runs_later_steps_in_order_and_rolls_back_a_failed_step() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("m.db");
    let mut conn = Connection::open(&path).expect("open");
    assert_eq!(schema::migrate(&mut conn, &path, &[FROZEN_V1]), Ok(1));
    let v2 = "CREATE TABLE jobs (id INTEGER PRIMARY KEY, delivery_id INTEGER NOT NULL);";
    let steps = [FROZEN_V1, v2];
    assert_eq!(schema::migrate(&mut conn, &path, &steps), Ok(2));
    assert_eq!(
        schema::migrate(&mut conn, &path, &steps),
        Ok(2),
        "idempotent"
    );
    conn.execute("INSERT INTO jobs (delivery_id) VALUES (1)", [])
        .expect("v2 table exists");

    let broken = [FROZEN_V1, v2, "CREATE TABLE ok3 (x); THIS IS NOT SQL;"];
    let err = schema::migrate(&mut conn, &path, &broken).expect_err("step 3 fails");
    assert!(err.to_string().contains("migration 3 failed"), "{err}");
    assert_eq!(schema::user_version(&conn), Ok(2));
    let ok3: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'ok3'",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(ok3, 0, "a failed migration leaves nothing behind");
}

#[test]
fn refuses_a_database_from_a_newer_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("future.db");
    drop(Store::open(&path).expect("create"));
    Connection::open(&path)
        .expect("open")
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("bump");
    let err = Store::open(&path).err().expect("too new");
    assert_eq!(
        err,
        StoreError::TooNew {
            path: path.clone(),
            found: SCHEMA_VERSION + 1,
            supported: SCHEMA_VERSION
        }
    );
    assert!(err.to_string().contains("newer than this build"), "{err}");
    let err = Writer::spawn(&path, BatchPolicy::default())
        .err()
        .expect("too new");
    assert!(matches!(err, StoreError::TooNew { .. }));
}

#[test]
fn reports_a_file_that_is_not_a_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, vec![b'x'; 4096]).expect("write");
    let err = Store::open(&path).err().expect("not a db");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
}

#[test]
fn names_a_full_disk_in_plain_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("full.db");
    drop(Store::open(&path).expect("create"));
    let conn = Connection::open(&path).expect("open");
    let pages: i64 = conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .expect("pages");
    conn.pragma_update(None, "max_page_count", pages + 1)
        .expect("cap");
    let e = conn
        .execute(
            "INSERT INTO deliveries (received_at_ms, method, path, headers, body, bytes, verdict, \
             status) VALUES (0, 'POST', '/', X'01', zeroblob(1000000), 0, 'valid', 200)",
            [],
        )
        .expect_err("full");
    let err = StoreError::from(e);
    assert_eq!(err, StoreError::DiskFull);
    assert_eq!(err.to_string(), "disk full");
}

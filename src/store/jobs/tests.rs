use super::*;
use crate::handlers::outcome::Outcome;

fn open() -> (tempfile::TempDir, Jobs) {
    let dir = tempfile::tempdir().expect("tempdir");
    let jobs = Jobs::open(&dir.path().join("jobs.db")).expect("open");
    (dir, jobs)
}

fn job(id: Option<i64>, delivery_id: DeliveryId, attempt: u32, max: u32) -> Job {
    Job {
        id,
        delivery_id,
        handler: Arc::from("app"),
        attempt,
        max_attempts: max,
        manual: false,
        target: None,
    }
}

fn finished(job: Job, status: u16, retry_at_ms: Option<i64>) -> Finished {
    Finished {
        job,
        started_at_ms: 1_000,
        result: RunResult {
            outcome: Outcome::Http { status },
            duration_ms: 12,
            excerpt: format!("answered {status}"),
            notes: vec!["a note".into()],
        },
        retry_at_ms,
    }
}

fn count(j: &Jobs, sql: &str) -> i64 {
    j.conn().query_row(sql, [], |r| r.get(0)).expect("count")
}

#[test]
fn first_attempts_get_a_jobs_row_only_when_there_is_something_to_track() {
    let (_d, mut j) = open();
    let batch = Batch {
        finished: vec![
            finished(job(None, 1, 1, 3), 200, None),
            finished(job(None, 2, 1, 3), 503, Some(60_000)),
            finished(job(None, 3, 1, 1), 500, None),
        ],
        ..Batch::default()
    };
    let w = j.write(&batch, 5_000).expect("write");
    assert_eq!(w.runs.len(), 3);
    assert_eq!(count(&j, "SELECT count(*) FROM jobs"), 1);
    let (due, retry) = w.retries.first().expect("a retry").clone();
    assert_eq!(due, 60_000);
    assert_eq!((retry.delivery_id, retry.attempt), (2, 2));
    assert!(retry.id.is_some());
    let stored = runs(j.conn(), 2).expect("runs");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].result.outcome, Outcome::Http { status: 503 });
    assert_eq!(stored[0].result.excerpt, "answered 503");
    assert_eq!(stored[0].result.notes, vec!["a note".to_string()]);
    assert_eq!(stored[0].started_at_ms, 1_000);
    let cells = cells(j.conn(), None).expect("cells");
    assert_eq!(
        cells,
        vec![
            (
                1,
                HandlerCell::Ran {
                    outcome: Outcome::Http { status: 200 },
                    duration_ms: 12
                }
            ),
            (2, HandlerCell::Pending { attempt: 2, max: 3 }),
            (
                3,
                HandlerCell::Ran {
                    outcome: Outcome::Http { status: 500 },
                    duration_ms: 12
                }
            ),
        ]
    );
    assert_eq!(cells[1].1.short(), "pending 2/3");
    // Automatic work done or tracked for each delivery is known (no double run after a
    // crash); delivery 3 ran once and failed for good.
    assert_eq!(j.handled(1).expect("handled"), vec!["app".to_string()]);
    assert_eq!(j.handled(2).expect("handled"), vec!["app".to_string()]);
    assert!(j.handled(4).expect("handled").is_empty());
}

#[test]
fn the_last_failed_attempt_is_a_dead_letter() {
    let (_d, mut j) = open();
    let first = finished(job(None, 9, 1, 2), 500, Some(10));
    let w = j
        .write(
            &Batch {
                finished: vec![first],
                ..Batch::default()
            },
            5,
        )
        .expect("write");
    let (_, retry) = w.retries[0].clone();
    let w = j
        .write(
            &Batch {
                finished: vec![finished(retry, 502, None)],
                ..Batch::default()
            },
            20,
        )
        .expect("write");
    assert!(w.retries.is_empty());
    let cell = &cells(j.conn(), None).expect("cells")[0].1;
    assert_eq!(
        cell,
        &HandlerCell::Dead {
            outcome: Outcome::Http { status: 502 }
        }
    );
    assert_eq!(cell.short(), "dead (502)");
    assert_eq!(cell.state(), "failed");
    let stored = runs(j.conn(), 9).expect("runs");
    assert_eq!(
        stored.iter().map(|r| r.attempt).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(stored[1].cell().short(), "dead (502)");
    assert_eq!(
        count(&j, "SELECT count(*) FROM jobs WHERE state = 'dead'"),
        1
    );
}

#[test]
fn the_cursor_only_moves_forward_and_passes_the_pause_mark() {
    let (_d, mut j) = open();
    assert_eq!(j.cursor_state().expect("state"), CursorState::default());
    assert!(
        !j.mark_paused().expect("mark"),
        "no handlers ever ran: no mark"
    );
    let cursor = |c| Batch {
        cursor: Some(c),
        ..Batch::default()
    };
    j.write(&cursor(5), 0).expect("write");
    for _ in 0..8 {
        j.conn()
            .execute(
                "INSERT INTO deliveries (received_at_ms, method, path, headers, body, bytes, verdict, status)
                 VALUES (0, 'POST', '/', x'', x'', 0, 'valid', 200)",
                [],
            )
            .expect("insert");
    }
    assert!(j.mark_paused().expect("mark"));
    assert!(!j.mark_paused().expect("mark"), "the first mark stays");
    let state = j.cursor_state().expect("state");
    assert_eq!(
        state,
        CursorState {
            cursor: Some(5),
            paused_at: Some(8)
        }
    );
    j.write(&cursor(3), 0).expect("write");
    assert_eq!(j.cursor_state().expect("state").cursor, Some(5));
    j.write(&cursor(7), 0).expect("write");
    assert_eq!(j.cursor_state().expect("state").paused_at, Some(8));
    j.write(&cursor(9), 0).expect("write");
    assert_eq!(
        j.cursor_state().expect("state"),
        CursorState {
            cursor: Some(9),
            paused_at: None
        }
    );
}

#[test]
fn jobs_left_running_are_queued_again_and_manual_ones_are_not_automatic() {
    let (_d, mut j) = open();
    let manual = NewJob {
        delivery_id: 4,
        handler: Arc::from("app"),
        max_attempts: 1,
        manual: true,
        target: Some("http://127.0.0.1:1/".into()),
    };
    let claimed = j
        .enqueue_running(std::slice::from_ref(&manual), 100)
        .expect("claim");
    assert_eq!(claimed[0].target.as_deref(), Some("http://127.0.0.1:1/"));
    let w = j
        .write(
            &Batch {
                enqueue: vec![manual],
                ..Batch::default()
            },
            200,
        )
        .expect("write");
    assert_eq!(w.enqueued.len(), 1);
    let pending = j.pending(300).expect("pending");
    assert_eq!(pending.len(), 2, "{pending:?}");
    assert_eq!(pending[0].1, claimed[0]);
    assert_eq!(
        count(&j, "SELECT count(*) FROM jobs WHERE state = 'running'"),
        0
    );
    assert!(j.handled(4).expect("handled").is_empty());
    // A manual job's run does not count as the automatic one either.
    let w = j
        .write(
            &Batch {
                finished: vec![finished(claimed[0].clone(), 200, None)],
                ..Batch::default()
            },
            400,
        )
        .expect("write");
    assert!(j.handled(4).expect("handled").is_empty());
    assert_eq!(last_run_id(j.conn()).expect("last"), w.runs[0]);
    let after = runs_after(j.conn(), 0, 10).expect("after");
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].delivery_id, 4);
    assert!(
        runs_after(j.conn(), w.runs[0], 10)
            .expect("after")
            .is_empty()
    );
}

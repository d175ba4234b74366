//! Handler failures with real parts: a hung command killed at its timeout, a slow target, a
//! refused connection, none of them holding up answers or other runs; a 5xx retried on its
//! schedule, and a dead letter after the last attempt.

#[path = "support/handler_kit.rs"]
mod kit;
mod support;
#[path = "support/target.rs"]
mod target;

use hookwatch::delivery::Verdict;
use hookwatch::store::Store;
use hookwatch::store::jobs::Jobs;
use kit::*;
use std::time::Duration;
use support::*;
use target::Target;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_hung_and_unreachable_handlers_hold_up_neither_answers_nor_other_runs() {
    let slow = Target::start("github", None).await;
    slow.delay(Duration::from_secs(3));
    let fast = Target::start("github", None).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("slow.db");
    let config = write_config(
        dir.path(),
        &format!(
            r#"
            handler_concurrency = 4

            [[handlers]]
            name = "hung"
            events = ["hang"]
            command = ["sh", "-c", "sleep 30; echo never"]
            timeout = "800ms"

            [[handlers]]
            name = "slow"
            events = ["hang"]
            forward = "{slow}"
            timeout = "600ms"

            [[handlers]]
            name = "down"
            events = ["hang"]
            forward = "http://127.0.0.1:{port}/hooks"

            [[handlers]]
            name = "fast"
            forward = "{fast}"
            "#,
            slow = slow.url,
            fast = fast.url,
            port = refused_port(),
        ),
    );
    let (mut child, base) = serve(&db, &["--config", &config], &[]);
    let lines = stdout_lines(&mut child.0);
    let (first, took) = send_github(&base, "hang", b"{\"n\":1}", None).await;
    assert_eq!(first.status, 200);
    assert!(took < Duration::from_millis(500), "answered after {took:?}");
    let (second, took) = send_github(&base, "push", b"{\"n\":2}", None).await;
    assert_eq!(second.status, 200);
    assert!(took < Duration::from_millis(500), "answered after {took:?}");

    let mut runs = Vec::new();
    while runs.len() < 5 {
        runs.push(next_run(&lines));
    }
    let find = |h: &str, d: &Answer| {
        runs.iter()
            .position(|r| r["handler"] == h && r["delivery_id"] == id_of(d))
            .unwrap_or_else(|| panic!("no {h} run for {}: {runs:#?}", d.json))
    };
    // The second delivery's run finished while the first one's hung handlers still ran.
    assert!(find("fast", &second) < find("hung", &first), "{runs:#?}");
    assert!(find("fast", &second) < find("slow", &first), "{runs:#?}");
    let hung = &runs[find("hung", &first)];
    assert_eq!(hung["outcome"]["kind"], "timeout", "{hung}");
    let ms = hung["duration_ms"].as_u64().expect("duration");
    assert!((800..3_000).contains(&ms), "killed after {ms} ms");
    assert_eq!(runs[find("slow", &first)]["outcome"]["kind"], "timeout");
    let down = &runs[find("down", &first)];
    assert_eq!(down["outcome"]["kind"], "refused", "{down}");
    assert_eq!(down["result"], "refused");
    assert_eq!(runs[find("fast", &first)]["outcome"]["status"], 200);
    // Every run is stored with its outcome.
    let stored = Store::open(&db)
        .expect("store")
        .runs(id_of(&first))
        .expect("runs");
    let mut kinds: Vec<(String, &str)> = stored
        .iter()
        .map(|r| (r.handler.clone(), r.result.outcome.kind()))
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            ("down".to_string(), "refused"),
            ("fast".to_string(), "http"),
            ("hung".to_string(), "timeout"),
            ("slow".to_string(), "timeout"),
        ]
    );
    kill(child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_is_retried_on_schedule_and_the_last_failure_is_a_dead_letter() {
    let flaky = Target::start("github", Some(GH)).await;
    flaky.plan(&[503]);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("retry.db");
    let config = write_config(
        dir.path(),
        &format!(
            r#"
            [secrets]
            github = "{GH}"

            [[handlers]]
            name = "flaky"
            forward = "{url}"
            retry = ["200ms"]

            [[handlers]]
            name = "gone"
            forward = "http://127.0.0.1:{port}/"
            retry = ["100ms", "100ms"]
            "#,
            url = flaky.url,
            port = refused_port(),
        ),
    );
    let (mut child, base) = serve(&db, &["--config", &config], &[]);
    let lines = stdout_lines(&mut child.0);
    let (a, _) = send_github(&base, "push", b"{\"retry\":true}", Some(GH)).await;
    assert_eq!(a.status, 200);
    let id = id_of(&a);

    let mut flaky_runs = Vec::new();
    let mut gone_runs = Vec::new();
    while flaky_runs.len() < 2 || gone_runs.len() < 3 {
        let r = next_run(&lines);
        match r["handler"].as_str() {
            Some("flaky") => flaky_runs.push(r),
            Some("gone") => gone_runs.push(r),
            other => panic!("unexpected handler {other:?}"),
        }
    }
    assert_eq!(flaky_runs[0]["outcome"]["status"], 503);
    assert_eq!(flaky_runs[0]["result"], "pending 2/2");
    assert_eq!(flaky_runs[0]["state"], "pending");
    assert_eq!(flaky_runs[1]["attempt"], 2);
    assert_eq!(flaky_runs[1]["outcome"]["status"], 200);
    assert_eq!(flaky_runs[1]["state"], "ok");
    let results: Vec<&str> = gone_runs
        .iter()
        .map(|r| r["result"].as_str().expect("result"))
        .collect();
    assert_eq!(
        results,
        vec!["pending 2/3", "pending 3/3", "dead (refused)"]
    );
    assert_eq!(gone_runs[2]["state"], "failed");

    // The retry waited for its delay, and both attempts passed the target's check.
    let got = flaky.wait_for(2, WAIT).await;
    assert!(got[1].at - got[0].at >= Duration::from_millis(180));
    assert!(got.iter().all(|g| g.verdict == Verdict::Valid));
    let stored = runs_until(&db, id, |r| r.len() == 5).await;
    assert!(stored.iter().all(|r| r.started_at_ms > 0));
    let jobs = Jobs::open(&db).expect("jobs");
    let states: Vec<(String, String)> = jobs
        .conn()
        .prepare("SELECT handler, state FROM jobs ORDER BY handler")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        states,
        vec![
            ("flaky".to_string(), "done".to_string()),
            ("gone".to_string(), "dead".to_string())
        ]
    );
    kill(child);
}

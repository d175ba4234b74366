//! Handlers end to end with real parts: the real binary (`serve` with `--forward` or a
//! config file, `replay`), a real HTTP target that checks the signature itself, real shell
//! commands, real timeouts and refused connections, retries, re-signing of stale
//! deliveries, and a `kill -9` with runs still owed.

mod support;
#[path = "support/target.rs"]
mod target;

use hookwatch::delivery::{NewDelivery, Verdict, now_ms};
use hookwatch::store::jobs::{Jobs, Run};
use hookwatch::store::{BatchPolicy, Store, Writer};
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Output};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};
use support::*;
use target::Target;

const GH: &str = "handlers-test-secret";
const STRIPE: &str = "whsec_handlers_test";
const SW: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const WAIT: Duration = Duration::from_secs(10);

fn hookwatch(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hookwatch"))
        .args(args)
        .arg("--db")
        .arg(db)
        .env("XDG_CONFIG_HOME", db.parent().expect("parent"))
        .env_remove("HOOKWATCH_CONFIG")
        .output()
        .expect("run hookwatch")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write_config(dir: &Path, toml: &str) -> String {
    let path = dir.join("config.toml");
    std::fs::write(&path, toml).expect("write config");
    path.display().to_string()
}

/// A GitHub delivery (signed when `secret` is given); returns (answer, latency).
async fn send_github(
    base: &str,
    event: &str,
    body: &[u8],
    secret: Option<&str>,
) -> (Answer, Duration) {
    let mut h = match secret {
        Some(s) => sign("github", s, body, now()),
        None => Vec::new(),
    };
    h.push(("x-github-event".into(), event.into()));
    h.push(("x-github-delivery".into(), format!("{event}-{}", now_ms())));
    h.push(("content-type".into(), "application/json".into()));
    let started = Instant::now();
    let a = post(
        &client(),
        &format!("{base}/webhooks/github"),
        &h,
        body.to_vec(),
    )
    .await;
    (a, started.elapsed())
}

fn id_of(a: &Answer) -> i64 {
    a.json["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {}", a.json))
}

/// The next `handler_run` NDJSON line (delivery lines are skipped).
fn next_run(lines: &Receiver<String>) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .expect("a handler_run line from serve");
        let v: Value = serde_json::from_str(&line).expect("an NDJSON line");
        if v["type"] == "handler_run" {
            return v;
        }
    }
}

/// Poll the store until `delivery` has runs satisfying `done`.
async fn runs_until(db: &Path, delivery: i64, done: impl Fn(&[Run]) -> bool) -> Vec<Run> {
    let deadline = Instant::now() + WAIT;
    loop {
        let runs = Store::open(db)
            .expect("store")
            .runs(delivery)
            .expect("runs");
        if done(&runs) {
            return runs;
        }
        assert!(
            Instant::now() < deadline,
            "delivery #{delivery} has runs {runs:#?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn kill(mut child: Child) {
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
}

fn refused_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_passes_the_targets_own_signature_check_and_replay_runs_again() {
    let target = Target::start("github", Some(GH)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fwd.db");
    let secret = format!("github={GH}");
    let (mut child, base) = spawn_serve(&db, &["--secret", &secret, "--forward", &target.url]);
    let lines = stdout_lines(&mut child);

    // Whitespace, key order and UTF-8 that a re-serialisation would change.
    let body = "{ \"zen\" : \"caf\u{e9} \u{2603}\",\n  \"b\":1, \"a\" :[ 1.50 ] }\n".as_bytes();
    let (a, _) = send_github(&base, "push", body, Some(GH)).await;
    assert_eq!(a.status, 200, "{}", a.json);
    let id = id_of(&a);

    let run = next_run(&lines);
    assert_eq!(run["delivery_id"], id, "{run}");
    assert_eq!(run["handler"], "forward");
    assert_eq!(run["outcome"]["kind"], "http");
    assert_eq!(run["outcome"]["status"], 200, "{run}");
    assert_eq!(run["state"], "ok");
    assert!(run["result"].as_str().expect("result").starts_with("200 "));
    assert!(
        run["excerpt"]
            .as_str()
            .expect("excerpt")
            .contains("signature valid")
    );

    let got = target.wait_for(1, WAIT).await;
    assert_eq!(got[0].body, body, "the body travels byte for byte");
    assert_eq!(got[0].verdict, Verdict::Valid, "{:?}", got[0].explanation);
    assert_eq!(got[0].header("x-github-event"), Some("push"));
    assert_eq!(got[0].header("content-type"), Some("application/json"));
    assert!(got[0].header("x-github-delivery").is_some());
    assert_eq!(
        got[0].header("content-length"),
        Some(body.len().to_string().as_str()),
        "content-length is the transport's own, once"
    );
    assert_eq!(got[0].headers.get_all("content-length").iter().count(), 1);

    let stored = runs_until(&db, id, |r| !r.is_empty()).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].handler, "forward");
    assert!(stored[0].result.outcome.is_success());
    assert!(stored[0].started_at_ms > 0);
    assert!(stored[0].result.excerpt.contains("target says 200"));

    // `replay ID --to URL` runs once more, here and now, and stores a second run.
    let out = hookwatch(&db, &["replay", &id.to_string(), "--to", &target.url]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let line: Value = serde_json::from_str(text(&out.stdout).trim()).expect("replay line");
    assert_eq!(line["handler"], "replay");
    assert_eq!(line["outcome"]["status"], 200);
    let got = target.wait_for(2, WAIT).await;
    assert_eq!(got[1].body, body);
    assert_eq!(got[1].verdict, Verdict::Valid);
    let stored = Store::open(&db).expect("store").runs(id).expect("runs");
    let handlers: Vec<&str> = stored.iter().map(|r| r.handler.as_str()).collect();
    assert_eq!(handlers, vec!["forward", "replay"]);
    kill(child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_gets_the_payload_on_stdin_and_its_metadata_in_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("cmd.db");
    let out_file = dir.path().join("handler.out");
    let config = write_config(
        dir.path(),
        r#"
        [[handlers]]
        name = "script"
        events = ["push", "pull_*"]
        command = ["sh", "-c", "cat > \"$OUT\"; env | grep '^HOOKWATCH_' | sort >> \"$OUT\"; echo handled; echo careful >&2; exit 3"]
        "#,
    );
    let out_path = out_file.display().to_string();
    let (mut child, base) = spawn_serve_env(
        &db,
        &["--config", &config],
        &[("OUT", &out_path), ("HOOKWATCH_SECRET_GITHUB", GH)],
    );
    let lines = stdout_lines(&mut child);
    // Not selected by the handler's event globs: no run.
    let (a, _) = send_github(&base, "issues", b"{\"skip\":true}", Some(GH)).await;
    assert_eq!(a.status, 200);
    let body = b"{\"action\":\"opened\",\"n\":\"\xc3\xa9\"}";
    let (a, _) = send_github(&base, "pull_request", body, Some(GH)).await;
    assert_eq!(a.status, 200, "{}", a.json);
    let id = id_of(&a);

    let run = next_run(&lines);
    assert_eq!(run["delivery_id"], id, "{run}");
    assert_eq!(run["handler"], "script");
    assert_eq!(run["outcome"]["kind"], "exit");
    assert_eq!(run["outcome"]["code"], 3);
    assert_eq!(run["result"], "exit 3");
    let excerpt = run["excerpt"].as_str().expect("excerpt");
    assert!(
        excerpt.starts_with("handled\n[stderr] careful"),
        "{excerpt}"
    );

    let written = std::fs::read(&out_file).expect("the command wrote its file");
    assert!(written.starts_with(body), "stdin was the raw body");
    let env = text(&written[body.len()..]);
    for expected in [
        format!("HOOKWATCH_DELIVERY_ID={id}"),
        "HOOKWATCH_EVENT_TYPE=pull_request".to_string(),
        "HOOKWATCH_PROVIDER=github".to_string(),
        "HOOKWATCH_VERDICT=valid".to_string(),
    ] {
        assert!(
            env.lines().any(|l| l == expected),
            "{expected} not in {env}"
        );
    }
    assert!(
        !env.contains("HOOKWATCH_SECRET") && !env.contains(GH),
        "{env}"
    );
    let stored = Store::open(&db).expect("store").runs(id).expect("runs");
    assert_eq!(stored.len(), 1);
    assert!(
        Store::open(&db)
            .expect("store")
            .runs(id - 1)
            .expect("runs")
            .is_empty()
    );
    kill(child);
}

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
    let (mut child, base) = spawn_serve(&db, &["--config", &config]);
    let lines = stdout_lines(&mut child);
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
    let (mut child, base) = spawn_serve(&db, &["--config", &config]);
    let lines = stdout_lines(&mut child);
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

/// Store a delivery as received an hour ago, when its signature was fresh and valid.
async fn store_old_delivery(db: &Path, provider: &str, secret: &str, body: &[u8]) -> i64 {
    let an_hour_ago = now() - 3600;
    let mut headers: Vec<(String, Vec<u8>)> = sign(provider, secret, body, an_hour_ago)
        .into_iter()
        .map(|(n, v)| (n, v.into_bytes()))
        .collect();
    headers.push(("content-type".into(), b"application/json".to_vec()));
    let writer = Writer::spawn(db, BatchPolicy::default()).expect("writer");
    let s = writer
        .commit(NewDelivery {
            received_at_ms: an_hour_ago * 1000,
            method: "POST".into(),
            path: format!("/webhooks/{provider}"),
            headers,
            body: body.to_vec(),
            bytes: body.len() as u64,
            provider: Some(provider.into()),
            event_type: Some("invoice.paid".into()),
            event_id: None,
            dedupe_key: None,
            verdict: Verdict::Valid,
            explanation: None,
            status: 200,
            replay_of: None,
        })
        .await
        .expect("commit");
    tokio::task::spawn_blocking(move || writer.close())
        .await
        .expect("close");
    s.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_stripe_and_standard_webhooks_deliveries_are_re_signed_on_replay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("stale.db");
    let body = br#"{"id":"evt_old","type":"invoice.paid","data":{"object":{}}}"#;
    let stripe_id = store_old_delivery(&db, "stripe", STRIPE, body).await;
    let sw_id = store_old_delivery(&db, "standard-webhooks", SW, body).await;
    let stripe = Target::start("stripe", Some(STRIPE)).await;
    let sw = Target::start("standard-webhooks", Some(SW)).await;

    // Without the secret nothing can be re-signed: the target sees the stale original.
    let out = hookwatch(
        &db,
        &["replay", &stripe_id.to_string(), "--to", &stripe.url],
    );
    assert!(!out.status.success());
    let line: Value = serde_json::from_str(text(&out.stdout).trim()).expect("line");
    assert_eq!(line["outcome"]["status"], 401, "{line}");
    assert!(
        line["notes"][0]
            .as_str()
            .expect("note")
            .contains("no secret")
    );
    assert_eq!(stripe.wait_for(1, WAIT).await[0].verdict, Verdict::Stale);

    let cases = [
        (stripe_id, &stripe, format!("stripe={STRIPE}"), 2),
        (sw_id, &sw, format!("standard-webhooks={SW}"), 1),
    ];
    for (id, target, secret, n) in cases {
        let out = hookwatch(
            &db,
            &[
                "replay",
                &id.to_string(),
                "--to",
                &target.url,
                "--secret",
                &secret,
            ],
        );
        assert!(
            out.status.success(),
            "{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        let got = target.wait_for(n, WAIT).await;
        let last = &got[n - 1];
        assert_eq!(last.verdict, Verdict::Valid, "{:?}", last.explanation);
        assert_eq!(last.body, body);
        let runs = Store::open(&db).expect("store").runs(id).expect("runs");
        let note = runs.last().expect("a run").result.notes.join(" ");
        assert!(
            note.contains("re-signed") && note.contains("s old"),
            "{note}"
        );
        assert!(
            text(&out.stderr).contains("re-signed"),
            "{}",
            text(&out.stderr)
        );
    }
    // Standard Webhooks keeps its message id (the target's dedupe key).
    let first = Store::open(&db)
        .expect("store")
        .get(sw_id)
        .expect("get")
        .expect("stored");
    assert_eq!(
        sw.got()[0].header("webhook-id").map(str::to_string),
        first.header("webhook-id")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_owed_at_a_kill_9_happen_after_the_restart() {
    let app = Target::start("github", Some(GH)).await;
    app.delay(Duration::from_secs(20)); // in flight at the kill, never answered
    let flaky = Target::start("github", Some(GH)).await;
    flaky.plan(&[503]);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("restart.db");
    let config = write_config(
        dir.path(),
        &format!(
            r#"
            handler_concurrency = 2

            [secrets]
            github = "{GH}"

            [[handlers]]
            name = "app"
            forward = "{app}"

            [[handlers]]
            name = "flaky"
            events = ["retry_me"]
            forward = "{flaky}"
            retry = ["1500ms"]
            "#,
            app = app.url,
            flaky = flaky.url,
        ),
    );
    let (mut child, base) = spawn_serve(&db, &["--config", &config]);
    let lines = stdout_lines(&mut child);
    let (a, _) = send_github(&base, "retry_me", b"{\"n\":0}", Some(GH)).await;
    let mut ids = vec![id_of(&a)];
    let first = next_run(&lines);
    assert_eq!(first["handler"], "flaky");
    assert_eq!(first["result"], "pending 2/2");
    for n in 1..=8 {
        let (a, _) =
            send_github(&base, "push", format!("{{\"n\":{n}}}").as_bytes(), Some(GH)).await;
        assert_eq!(a.status, 200);
        ids.push(id_of(&a));
    }
    // Acknowledged, one run in flight at the slow app, the rest queued: kill -9.
    app.wait_for(2, WAIT).await;
    kill(child);
    assert!(
        Store::open(&db)
            .expect("store")
            .runs(ids[1])
            .expect("runs")
            .is_empty()
    );

    app.delay(Duration::ZERO);
    let (child, _) = spawn_serve(&db, &["--config", &config]);
    for id in &ids {
        let runs = runs_until(&db, *id, |r| r.iter().any(|r| r.handler == "app")).await;
        let app_runs: Vec<&Run> = runs.iter().filter(|r| r.handler == "app").collect();
        assert_eq!(app_runs.len(), 1, "#{id}: {runs:#?}");
        assert!(app_runs[0].result.outcome.is_success(), "{:?}", app_runs[0]);
    }
    // The retry that was due after the kill ran after the restart.
    let runs = runs_until(&db, ids[0], |r| {
        r.iter().filter(|r| r.handler == "flaky").count() == 2
    })
    .await;
    let flaky_runs: Vec<(u32, bool)> = runs
        .iter()
        .filter(|r| r.handler == "flaky")
        .map(|r| (r.attempt, r.result.outcome.is_success()))
        .collect();
    assert_eq!(flaky_runs, vec![(1, false), (2, true)]);
    assert!(app.got().iter().all(|g| g.verdict == Verdict::Valid));
    kill(child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_received_without_handlers_are_not_run_when_handlers_return() {
    let target = Target::start("github", None).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("pause.db");
    let forward = ["--forward", target.url.as_str()];

    let (child, base) = spawn_serve(&db, &forward);
    let (one, _) = send_github(&base, "push", b"{\"n\":1}", None).await;
    runs_until(&db, id_of(&one), |r| !r.is_empty()).await;
    kill(child);

    let (child, base) = spawn_serve(&db, &[]);
    let (two, _) = send_github(&base, "push", b"{\"n\":2}", None).await;
    assert_eq!(two.status, 200);
    kill(child);

    let (child, base) = spawn_serve(&db, &forward);
    let (three, _) = send_github(&base, "push", b"{\"n\":3}", None).await;
    runs_until(&db, id_of(&three), |r| !r.is_empty()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let bodies: Vec<Vec<u8>> = target.got().into_iter().map(|g| g.body).collect();
    assert_eq!(bodies, vec![b"{\"n\":1}".to_vec(), b"{\"n\":3}".to_vec()]);
    assert!(
        Store::open(&db)
            .expect("store")
            .runs(id_of(&two))
            .expect("runs")
            .is_empty()
    );
    kill(child);
}

//! Handlers across time: stale Stripe and Standard Webhooks deliveries re-signed on replay so
//! the target accepts them, runs owed at a `kill -9` happen after the restart, and
//! deliveries received while no handler was configured are not run later.

#[path = "support/handler_kit.rs"]
mod kit;
mod support;
#[path = "support/target.rs"]
mod target;

use hookwatch::delivery::{NewDelivery, Verdict};
use hookwatch::store::jobs::Run;
use hookwatch::store::{BatchPolicy, Store, Writer};
use kit::*;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use support::*;
use target::Target;

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
    let (mut child, base) = serve(&db, &["--config", &config], &[]);
    let lines = stdout_lines(&mut child.0);
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
    // Acknowledged; the app's one worker (2 shared by 2 handlers) is stuck on the first
    // delivery at the slow app, the rest are queued: kill -9.
    app.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(app.got().len(), 1, "the app's share of the workers is one");
    kill(child);
    assert!(
        Store::open(&db)
            .expect("store")
            .runs(ids[1])
            .expect("runs")
            .is_empty()
    );

    app.delay(Duration::ZERO);
    let (child, _) = serve(&db, &["--config", &config], &[]);
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

    let (child, base) = serve(&db, &forward, &[]);
    let (one, _) = send_github(&base, "push", b"{\"n\":1}", None).await;
    runs_until(&db, id_of(&one), |r| !r.is_empty()).await;
    kill(child);

    let (child, base) = serve(&db, &[], &[]);
    let (two, _) = send_github(&base, "push", b"{\"n\":2}", None).await;
    assert_eq!(two.status, 200);
    kill(child);

    let (child, base) = serve(&db, &forward, &[]);
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

//! Runtime tests on a real SQLite store: a lagged notification channel is caught up from
//! the store, the body filter worker answers (and drops stale generations), the loader
//! coalesces to the newest selection, and fixtures are exported without overwriting.

use super::effects::{Effects, FilterJob, export_fixture};
use super::{drain_deliveries, recv_some};
use crate::delivery::{NewDelivery, Summary, Verdict};
use crate::filter;
use crate::store::{BatchPolicy, Store, Writer};
use crate::tui::app::Msg;
use crate::verify::Registry;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

fn sample(n: u32) -> NewDelivery {
    NewDelivery {
        received_at_ms: 1_769_088_361_000 + i64::from(n),
        method: "POST".into(),
        path: "/webhooks/github".into(),
        headers: vec![("x-github-event".into(), b"push".to_vec())],
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

async fn next(rx: &mut UnboundedReceiver<Msg>) -> Msg {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a message in time")
        .expect("channel open")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagged_channel_is_caught_up_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hw.db");
    let policy = BatchPolicy {
        broadcast_capacity: 2,
        ..BatchPolicy::default()
    };
    let writer = Writer::spawn(&db, policy).unwrap();
    let mut rx = Some(writer.subscribe());
    let first = writer.commit(sample(0)).await.unwrap();
    let mut last_id = first.id;
    for n in 1..10 {
        writer.commit(sample(n)).await.unwrap();
    }
    let store = Store::open(&db).unwrap();
    let r = recv_some(&mut rx).await;
    let msgs = drain_deliveries(r, &mut rx, &store, &mut last_id);
    let caught: Vec<&Summary> = msgs
        .iter()
        .flat_map(|m| match m {
            Msg::CaughtUp(v) | Msg::Deliveries(v) => v.iter().collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect();
    assert!(matches!(msgs.first(), Some(Msg::CaughtUp(_))), "{msgs:?}");
    let ids: Vec<_> = caught.iter().map(|s| s.id).collect();
    assert_eq!(ids, (first.id + 1..=first.id + 9).collect::<Vec<_>>());
    assert_eq!(last_id, first.id + 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_filter_bodies_load_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hw.db");
    let writer = Writer::spawn(&db, BatchPolicy::default()).unwrap();
    let mut rows = Vec::new();
    for n in 0..600 {
        rows.push(writer.commit(sample(n)).await.unwrap());
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let effects = Effects::new(&db, tx, None, Registry::builtin()).unwrap();

    // Bodies are {"n":N,...}: `.n > 549` matches the last 50, answered in chunks.
    let f = filter::parse(".n > 549").unwrap();
    let job_rows = rows.iter().map(|s| (s.clone(), None)).collect();
    effects.run_filter(FilterJob {
        generation: 1,
        filter: f,
        rows: job_rows,
    });
    let mut answered = 0;
    let mut matched = 0;
    while answered < rows.len() {
        match next(&mut rx).await {
            Msg::FilterProgress {
                generation: 1,
                answers,
            } => {
                answered += answers.len();
                matched += answers.iter().filter(|(_, m)| *m).count();
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(matched, 50);

    // The loader answers for the newest request.
    effects.load(rows[3].id);
    match next(&mut rx).await {
        Msg::Loaded(l) => {
            assert_eq!(l.delivery.body, br#"{"n":3,"action":"opened"}"#);
            assert_eq!(l.tree.as_ref().map(|t| t.len()).ok(), Some(4));
        }
        other => panic!("unexpected {other:?}"),
    }

    let id = rows[5].id;
    let out = tempfile::tempdir().unwrap();
    let first = export_fixture(&db, id, &Registry::builtin(), out.path()).unwrap();
    let second = export_fixture(&db, id, &Registry::builtin(), out.path()).unwrap();
    assert!(first.ends_with(format!("hookwatch-{id}.json")));
    assert!(second.ends_with(format!("hookwatch-{id}-2.json")));
    let text = std::fs::read_to_string(&first).unwrap();
    let fixture = crate::fixture::Fixture::parse(&text, &first).unwrap();
    assert_eq!(fixture.body, br#"{"n":5,"action":"opened"}"#);
    assert!(export_fixture(&db, 999_999, &Registry::builtin(), out.path()).is_err());
}

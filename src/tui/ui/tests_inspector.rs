//! Render snapshots of the inspector: a nested JSON tree with a collapsed node and the
//! path under the cursor, a huge body (only the window is drawn), the hex dump of a
//! non-UTF-8 body, the Verdict tab's explanation, the Headers and Handler runs tabs.

use super::tests::render;
use crate::delivery::Verdict;
use crate::handlers::outcome::{Outcome, RunResult};
use crate::store::jobs::Run;
use crate::tui::app::inspector::Loaded;
use crate::tui::app::testkit::*;
use crate::tui::app::{App, Msg};
use crossterm::event::KeyCode;

fn nested() -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "type": "person_updated",
        "data": {
            "id": 436664215,
            "person": {"email": "dana@acme.test", "score": 98.5, "vip": true, "manager": null},
            "tags": ["renewal", "q2", {"deep": {"deeper": {"deepest": [1, 2, 3]}}}],
            "empty": {}
        }
    }))
    .unwrap()
}

fn one(w: u16, h: u16, body: &[u8]) -> App {
    let mut a = app(w, h);
    let s = summary(1, "salesloft", "person_updated", Verdict::Valid);
    a.update(Msg::Deliveries(vec![s.clone()]));
    load(&mut a, delivery(s, body));
    a
}

#[test]
fn nested_json_tree_with_path_under_the_cursor() {
    let mut a = one(130, 30, &nested());
    a.update(key(KeyCode::Tab));
    for _ in 0..4 {
        a.update(ch('j'));
    }
    // Collapse `.data.person`, then walk into the tags.
    a.update(key(KeyCode::Enter));
    for _ in 0..3 {
        a.update(ch('j'));
    }
    let screen = render(&a);
    assert!(screen.contains(r#""person": {…} 4 keys"#), "{screen}");
    assert!(screen.contains(".data.tags[1]"));
    insta::assert_snapshot!("nested_json", screen);
}

#[test]
fn search_in_the_body_marks_matches() {
    let mut a = one(130, 30, &nested());
    a.update(ctrl('f'));
    type_text(&mut a, "deep");
    let screen = render(&a);
    assert!(screen.contains("/deep"));
    insta::assert_snapshot!("search_typing", screen);
    a.update(key(KeyCode::Enter));
    a.update(ch('n'));
    let screen = render(&a);
    assert!(screen.contains(" /deep 2/3 "), "{screen}");
}

#[test]
fn huge_body_draws_only_its_window() {
    // ~2.4 MiB: 40k objects in one array.
    let items: Vec<_> = (0..40_000)
        .map(|i| serde_json::json!({"i": i, "email": format!("user{i}@acme.test"), "note": "x".repeat(20)}))
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({"items": items})).unwrap();
    assert!(body.len() > 2 << 20);
    let loaded = Loaded::new(
        delivery(summary(1, "stripe", "bulk.export", Verdict::Valid), &body),
        Vec::new(),
    );
    let mut a = app(120, 24);
    a.update(Msg::Deliveries(vec![summary(
        1,
        "stripe",
        "bulk.export",
        Verdict::Valid,
    )]));
    a.update(Msg::Loaded(Box::new(loaded)));
    a.update(key(KeyCode::Tab));
    a.update(ch('j'));
    a.update(ch('l'));
    a.update(ch('G'));
    let screen = render(&a);
    insta::assert_snapshot!("huge_body_end", screen);
    a.update(ch(']'));
    a.update(ch(']'));
    let raw = render(&a);
    assert!(raw.contains("{\"items\":[{\"i\":0"));
    insta::assert_snapshot!("huge_body_raw", raw);
}

#[test]
fn non_utf8_body_shows_a_hex_dump() {
    let mut a = one(
        120,
        16,
        b"\x00\x01binary\xff\xfe\x1b[0m tail bytes \x7f\x80",
    );
    a.update(ch(']'));
    a.update(ch(']'));
    insta::assert_snapshot!("hex_dump", render(&a));
}

#[test]
fn verdict_tab_explains_a_failure() {
    let mut a = app(120, 20);
    let mut s = summary(1, "stripe", "charge.succeeded", Verdict::Stale);
    s.duplicate = true;
    a.update(Msg::Deliveries(vec![s.clone()]));
    let mut d = delivery(s, b"{}");
    d.explanation = Some(
        "signed timestamp 1769088000 is 361 s old (tolerance 300 s): check the sender's clock or replay protection".into(),
    );
    d.dedupe_key = Some("stripe:evt_1".into());
    load(&mut a, d);
    for _ in 0..3 {
        a.update(ch(']'));
    }
    let screen = render(&a);
    assert!(screen.contains("⧗ stale"));
    assert!(screen.contains("duplicate"));
    insta::assert_snapshot!("verdict_tab", screen);
}

#[test]
fn headers_and_runs_tabs() {
    let mut a = app(120, 22);
    let s = summary(1, "github", "push", Verdict::Valid);
    a.update(Msg::Deliveries(vec![s.clone()]));
    let run = |id, attempt, outcome, excerpt: &str, notes: Vec<String>| Run {
        id,
        delivery_id: 1,
        handler: "local-app".into(),
        attempt,
        max_attempts: 3,
        started_at_ms: T0 + 1000 * id,
        result: RunResult {
            outcome,
            duration_ms: 15 * id as u64,
            excerpt: excerpt.into(),
            notes,
        },
    };
    let runs = vec![
        run(
            1,
            1,
            Outcome::Http { status: 500 },
            "{\"error\":\"db down\"}\nsecond line",
            Vec::new(),
        ),
        run(
            2,
            2,
            Outcome::Refused,
            "",
            vec!["re-signed with a fresh timestamp".into()],
        ),
        run(3, 3, Outcome::Http { status: 200 }, "ok", Vec::new()),
    ];
    let mut d = delivery(s, b"{\"ok\":true}");
    d.headers
        .push(("x-long".into(), "v".repeat(150).into_bytes()));
    a.update(Msg::Loaded(Box::new(Loaded::new(d, runs))));
    a.update(ch(']'));
    insta::assert_snapshot!("headers_tab", render(&a));
    a.update(ch('['));
    a.update(ch('['));
    insta::assert_snapshot!("runs_tab", render(&a));
}

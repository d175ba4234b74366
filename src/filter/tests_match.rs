//! Matching tests: every construct against summaries and bodies, three-valued evaluation
//! when the body is not loaded, and 100k summary-only matches.

#![allow(clippy::unwrap_used)]

use super::*;
use serde_json::Value;

struct Row {
    summary: Summary,
    handler: Option<HandlerState>,
    body: Option<Vec<u8>>,
    json: Option<Value>,
}

impl Subject for Row {
    fn summary(&self) -> &Summary {
        &self.summary
    }
    fn handler(&self) -> Option<HandlerState> {
        self.handler
    }
    fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }
    fn json(&self) -> Option<&Value> {
        self.json.as_ref()
    }
}

fn summary(id: i64, provider: &str, event_type: &str, verdict: Verdict, status: u16) -> Summary {
    Summary {
        id,
        received_at_ms: 1_700_000_000_000 + id,
        provider: Some(provider.into()),
        event_type: Some(event_type.into()),
        event_id: None,
        verdict,
        duplicate: false,
        status,
        bytes: 0,
        path: "/webhooks/x".into(),
        replay_of: None,
    }
}

fn row(provider: &str, event_type: &str, verdict: Verdict, status: u16) -> Row {
    Row {
        summary: summary(7, provider, event_type, verdict, status),
        handler: None,
        body: None,
        json: None,
    }
}

fn with_body(mut r: Row, body: &str) -> Row {
    r.json = serde_json::from_str(body).ok();
    r.body = Some(body.as_bytes().to_vec());
    r
}

fn m(q: &str, r: &Row) -> bool {
    parse(q).unwrap().matches(r)
}

#[test]
fn summary_keys_match() {
    let r = row("salesloft", "person_created", Verdict::Invalid, 401);
    for q in [
        "",
        "type:person_*",
        "type:PERSON_CREATED",
        "type:*_created",
        "type:person_cr?ated",
        "provider:salesloft",
        "provider:sales*",
        "sig:invalid",
        "sig:!valid",
        "sig:bad",
        "dup:no",
        "status:401",
        "status:4xx",
        "status:40x",
        "handler:none",
        "id:7",
        "type:person_* sig:bad status:4xx",
    ] {
        assert!(m(q, &r), "{q} should match");
    }
    for q in [
        "type:cadence_*",
        "type:person",
        "provider:github",
        "provider:sales",
        "sig:valid",
        "sig:!invalid",
        "dup:yes",
        "status:200",
        "status:2xx",
        "handler:ok",
        "id:8",
        "-type:person_*",
        "type:person_* sig:valid",
    ] {
        assert!(!m(q, &r), "{q} should not match");
    }
}

#[test]
fn sig_bad_covers_every_rejection() {
    for v in Verdict::ALL {
        let r = row("p", "t", v, 200);
        assert_eq!(m("sig:bad", &r), v.is_rejection(), "{v}");
        assert_eq!(m("-sig:bad", &r), !v.is_rejection(), "{v}");
        assert!(m(&format!("sig:{v}"), &r));
    }
}

#[test]
fn dup_and_handler_states() {
    let mut r = row("p", "t", Verdict::Valid, 200);
    r.summary.duplicate = true;
    assert!(m("dup:yes", &r));
    assert!(!m("dup:no", &r));
    for (state, q) in [
        (HandlerState::Ok, "handler:ok"),
        (HandlerState::Failed, "handler:failed"),
        (HandlerState::Pending, "handler:pending"),
    ] {
        r.handler = Some(state);
        assert!(m(q, &r), "{q}");
        assert!(!m("handler:none", &r));
        assert!(m("-handler:none", &r));
    }
}

#[test]
fn missing_type_or_provider_never_matches_a_glob() {
    let mut r = row("p", "t", Verdict::Valid, 200);
    r.summary.event_type = None;
    r.summary.provider = None;
    assert!(!m("type:*", &r));
    assert!(!m("provider:*", &r));
    assert!(m("-type:*", &r));
}

#[test]
fn free_words_search_type_provider_and_body() {
    let r = with_body(
        row("GitHub", "push", Verdict::Valid, 200),
        r#"{"ref":"refs/heads/Main","note":"Hello World"}"#,
    );
    assert!(m("github", &r));
    assert!(m("PUS", &r));
    assert!(m("hello", &r));
    assert!(m("\"hello world\"", &r));
    assert!(m("refs/heads/main push", &r));
    assert!(!m("\"world hello\"", &r));
    assert!(m("-absent", &r));
    assert!(!m("-hello", &r));
    // Invalid UTF-8 in a body is still searchable around it.
    let mut raw = row("p", "t", Verdict::Valid, 200);
    raw.body = Some(b"\xff\xfeTOKEN=abc".to_vec());
    assert!(m("token", &raw));
}

#[test]
fn undecided_without_body() {
    let r = row("github", "push", Verdict::Valid, 200);
    let f = parse("hello").unwrap();
    assert_eq!(f.decide(&r), None);
    assert!(!f.matches(&r));
    // Found in the summary: decided without the body.
    assert_eq!(parse("git").unwrap().decide(&r), Some(true));
    // A failing summary term decides the row no matter the body.
    assert_eq!(parse("sig:invalid hello").unwrap().decide(&r), Some(false));
    assert_eq!(parse("-hello").unwrap().decide(&r), None);
    assert_eq!(parse(".a == 1").unwrap().decide(&r), None);
    // One decided group is enough for `or`.
    assert_eq!(parse("hello or type:push").unwrap().decide(&r), Some(true));
    assert_eq!(parse("hello or type:x").unwrap().decide(&r), None);
    assert_eq!(parse("type:y or type:x").unwrap().decide(&r), Some(false));
}

#[test]
fn field_predicates() {
    let r = with_body(
        row("p", "t", Verdict::Valid, 200),
        r#"{"data":{"email":"x@y.com","id":"123","name":"Ada Lovelace","flag":false},
            "counts":{"opens":3,"zero":0,"price":"12.5"},
            "tags":["vip","beta"], "a":{"b":null}, "n":1.0, "x":true}"#,
    );
    for q in [
        ".data.email == \"x@y.com\"",
        ".data.email == x@y.com",
        ".data.email != \"z@y.com\"",
        ".counts.opens > 0",
        ".counts.opens >= 3",
        ".counts.opens < 4",
        ".counts.opens <= 3",
        ".counts.price > 12",
        ".n == 1",
        ".data.id == 123",
        ".tags[0] == \"vip\"",
        ".tags[-1] == beta",
        ".tags ~ vip",
        ".data.name ~ lovelace",
        ".data ~ email",
        ".data.name > Ab",
        ".x",
        ".data.email",
        ".counts.zero",
        ".a.b == null",
        ".missing == null",
        "-.missing",
        "-.data.flag",
        "-.a.b",
        ".x == true",
        ".data.flag == false",
        ".data.email == \"x@y.com\" or .nope",
    ] {
        assert!(m(q, &r), "{q} should match");
    }
    for q in [
        ".data.email == \"X@Y.COM\"",
        ".data.id == \"124\"",
        ".counts.opens > 3",
        ".counts.opens < 3",
        ".tags[2] == vip",
        ".tags[-3]",
        ".tags ~ gamma",
        ".a.b != null",
        ".missing",
        ".data.flag",
        ".counts.opens > abc",
        ".data.email[0]",
        ".tags.first",
        ".x == \"true\"",
    ] {
        assert!(!m(q, &r), "{q} should not match");
    }
}

#[test]
fn field_predicates_on_a_body_that_is_not_json_are_false() {
    let mut r = row("p", "t", Verdict::Valid, 200);
    r.body = Some(b"not json".to_vec());
    assert_eq!(parse(".a").unwrap().decide(&r), Some(false));
    assert_eq!(parse("-.a").unwrap().decide(&r), Some(true));
}

#[test]
fn hundred_thousand_summary_only_matches() {
    let verdicts = Verdict::ALL;
    let rows: Vec<Row> = (0..100_000)
        .map(|i| Row {
            summary: summary(
                i,
                if i % 2 == 0 { "salesloft" } else { "github" },
                if i % 3 == 0 { "person_created" } else { "push" },
                verdicts[i as usize % verdicts.len()],
                if i % 5 == 0 { 401 } else { 200 },
            ),
            handler: None,
            body: None,
            json: None,
        })
        .collect();
    let f = parse("type:person_* provider:salesloft -status:4xx").unwrap();
    assert!(!f.needs_body());
    let got = rows.iter().filter(|r| f.matches(*r)).count();
    let want = (0..100_000i64)
        .filter(|i| i % 2 == 0 && i % 3 == 0 && i % 5 != 0)
        .count();
    assert_eq!(got, want);
    let bad = parse("sig:bad").unwrap();
    let got = rows.iter().filter(|r| bad.matches(*r)).count();
    // Verdict::ALL[1..=4] are the rejections.
    let want = (0..100_000).filter(|i| (1..=4).contains(&(i % 6))).count();
    assert_eq!(got, want);
}

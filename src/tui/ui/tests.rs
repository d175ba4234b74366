//! Render snapshots of whole screens (TestBackend buffers as text, fixed times): empty,
//! a full list with every verdict, filters with no match and with an error, control
//! characters, a 40x12 terminal, the help overlay, toasts and the re-run confirmation.

use super::draw;
use crate::delivery::Verdict;
use crate::handlers::outcome::Outcome;
use crate::store::jobs::HandlerCell;
use crate::tui::app::testkit::*;
use crate::tui::app::{App, Msg};
use crate::tui::theme::Theme;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Draw the app and return the screen as lines of text.
pub fn render(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(app.size.width, app.size.height)).unwrap();
    t.draw(|f| draw(f, app, &Theme::dark())).unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// One delivery per verdict, a duplicate, an edited replay and handler results.
pub fn mixed_app(w: u16, h: u16) -> App {
    let mut a = app(w, h);
    let mut rows = vec![
        summary(1, "salesloft", "person_updated", Verdict::Valid),
        summary(2, "github", "pull_request", Verdict::Invalid),
        summary(3, "stripe", "charge.succeeded", Verdict::Missing),
        summary(
            4,
            "salesloft-ts",
            "cadence_membership_created",
            Verdict::Stale,
        ),
        summary(5, "svix", "invoice.paid", Verdict::Malformed),
        summary(6, "shopify", "orders/create", Verdict::Unverified),
        summary(7, "salesloft", "person_updated", Verdict::Valid),
        summary(8, "salesloft", "person_updated", Verdict::Valid),
    ];
    rows[6].duplicate = true;
    rows[7].replay_of = Some(1);
    a.update(Msg::Deliveries(rows));
    a.update(Msg::HandlerCells(vec![
        (
            1,
            HandlerCell::Ran {
                outcome: Outcome::Http { status: 200 },
                duration_ms: 12,
            },
        ),
        (
            2,
            HandlerCell::Dead {
                outcome: Outcome::Refused,
            },
        ),
        (
            3,
            HandlerCell::Ran {
                outcome: Outcome::Exit { code: Some(1) },
                duration_ms: 40,
            },
        ),
        (
            4,
            HandlerCell::Ran {
                outcome: Outcome::Timeout,
                duration_ms: 30_000,
            },
        ),
        (5, HandlerCell::Pending { attempt: 2, max: 5 }),
    ]));
    a
}

#[test]
fn empty() {
    let a = app(100, 20);
    insta::assert_snapshot!("empty", render(&a));
}

#[test]
fn full_list_with_every_verdict() {
    let mut a = mixed_app(160, 24);
    load(
        &mut a,
        delivery(
            summary(8, "salesloft", "person_updated", Verdict::Valid),
            br#"{"id":8,"person":{"email":"dana@acme.test","tags":["a","b"]}}"#,
        ),
    );
    let screen = render(&a);
    for word in [
        "✓ valid",
        "✗ invalid",
        "∅ missing",
        "⧗ stale",
        "⚠ malformed",
        "? unverified",
    ] {
        assert!(screen.contains(word), "{word} missing");
    }
    for cell in [
        "200 12ms",
        "dead (refused)",
        "exit 1",
        "timeout",
        "pending 2/5",
        "dup",
        "edit",
    ] {
        assert!(screen.contains(cell), "{cell} missing:\n{screen}");
    }
    insta::assert_snapshot!("full_list", screen);
}

#[test]
fn medium_width_stacks_the_panes() {
    let a = mixed_app(90, 30);
    insta::assert_snapshot!("stacked_90x30", render(&a));
}

#[test]
fn filter_with_no_match() {
    let mut a = mixed_app(100, 16);
    a.update(ch('/'));
    type_text(&mut a, "type:nothing_like_this");
    a.update(key(KeyCode::Enter));
    insta::assert_snapshot!("filter_no_match", render(&a));
}

#[test]
fn filter_error_is_shown_inline_with_its_position() {
    let mut a = mixed_app(100, 16);
    a.update(ch('/'));
    type_text(&mut a, "sig:invalid | -");
    let screen = render(&a);
    assert!(screen.contains("still showing: sig:invalid"));
    insta::assert_snapshot!("filter_error", screen);
}

fn assert_clean(screen: &str) {
    assert!(!screen.contains('\u{1b}'), "ESC reached the screen");
    assert!(!screen.contains('\0'), "NUL reached the screen");
    assert!(!screen.contains('\u{7}'), "BEL reached the screen");
    assert!(
        !screen.contains('\u{202e}'),
        "bidi override reached the screen"
    );
}

#[test]
fn control_characters_are_escaped() {
    let mut a = app(110, 18);
    let mut s = summary(1, "git\u{1b}hub", "push\u{1b}[31mRED\u{0}x", Verdict::Valid);
    s.path = "/webhooks/\u{7}bell".into();
    let mut raw = summary(2, "github", "raw\u{7}bytes", Verdict::Valid);
    raw.path = "/x".into();
    a.update(Msg::Deliveries(vec![s.clone(), raw.clone()]));
    // JSON escapes decode to control characters inside the tree.
    a.update(ch('j'));
    let json = "{\"k\\u001b\":\"v\\u001b[2J\\u0000 \u{202e} rtl\",\"h\":[\"\\u0007\"]}";
    load(&mut a, delivery(s, json.as_bytes()));
    let screen = render(&a);
    assert_clean(&screen);
    assert!(screen.contains("push^[[31mRED^@x"), "{screen}");
    insta::assert_snapshot!("control_characters", screen);
    // Raw control bytes in a body that is not JSON (and in a header value).
    a.update(ch('k'));
    let mut d = delivery(raw, b"plain\x1b[2Jtext\x00end\x07\r\nsecond line\tTAB");
    d.headers
        .push(("x-evil".into(), b"a\x1b]52;c;AAAA\x07b".to_vec()));
    load(&mut a, d);
    let screen = render(&a);
    assert_clean(&screen);
    insta::assert_snapshot!("control_characters_raw_body", screen);
    a.update(ch(']'));
    let headers = render(&a);
    assert_clean(&headers);
    assert!(headers.contains("x-evil: a^[]52;c;AAAA^Gb"), "{headers}");
}

#[test]
fn small_terminal_40x12() {
    let mut a = mixed_app(40, 12);
    insta::assert_snapshot!("small_40x12", render(&a));
    // Tab shows the inspector alone.
    a.update(key(KeyCode::Tab));
    load(
        &mut a,
        delivery(
            summary(8, "salesloft", "person_updated", Verdict::Valid),
            br#"{"id":8,"person":{"email":"dana@acme.test"}}"#,
        ),
    );
    insta::assert_snapshot!("small_40x12_inspector", render(&a));
}

#[test]
fn help_overlay() {
    let mut a = mixed_app(100, 50);
    a.update(ch('?'));
    let screen = render(&a);
    assert!(screen.contains("copy as a curl command"));
    insta::assert_snapshot!("help", screen);
}

#[test]
fn frozen_list_with_new_deliveries_toast_and_confirm() {
    let mut a = App::new(setup(true), ratatui::layout::Rect::new(0, 0, 120, 20));
    a.update(Msg::Deliveries(batch(1, 3)));
    a.update(key(KeyCode::Char(' ')));
    a.update(Msg::Deliveries(batch(4, 5)));
    a.update(Msg::Exported(Ok("/tmp/hookwatch-3.json".into())));
    let screen = render(&a);
    assert!(screen.contains("FROZEN +5 new"));
    insta::assert_snapshot!("frozen_toast", screen);
    a.update(ch('R'));
    insta::assert_snapshot!("confirm_rerun_all", render(&a));
}

#[test]
fn status_bar_notices_errors_and_progress() {
    let mut s = setup(false);
    s.notices = vec![
        "theme solarized broken: `text` = 12 is not a colour, using dark".into(),
        "config keys.quit: unknown key".into(),
    ];
    let mut a = App::new(s, ratatui::layout::Rect::new(0, 0, 150, 14));
    a.update(Msg::CaughtUp(batch(1, 40)));
    for _ in 0..3 {
        a.update(ch('j'));
    }
    a.update(Msg::Deliveries(batch(41, 5)));
    let screen = render(&a);
    assert!(screen.contains("caught up 40"));
    assert!(screen.contains("⚠ theme solarized broken"));
    assert!(screen.contains("↑ 5 newer · PAUSED"), "{screen}");
    insta::assert_snapshot!("status_notices", screen);
    a.update(ch('/'));
    type_text(&mut a, "acme");
    a.update(Msg::Error(
        "cannot re-read missed deliveries: disk I/O error".into(),
    ));
    let screen = render(&a);
    assert!(screen.contains("filtering… 0/45"), "{screen}");
    assert!(screen.contains("error: cannot re-read"));
    insta::assert_snapshot!("status_error_progress", screen);
}

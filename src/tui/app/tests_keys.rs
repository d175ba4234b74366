//! Model tests of the keys: copy effects (payload, headers, node, curl), export, re-run one
//! and all (with confirmation), edit & replay, quit, help, the inspector's tree and search,
//! and the mouse.

use super::inspector::Tab;
use super::testkit::*;
use super::*;
use crossterm::event::KeyCode;

const BODY: &[u8] =
    br#"{"data":{"items":[{"email":"a@acme.test"},{"email":"b@acme.test"}],"n":1}}"#;

/// An app with three deliveries and #3 (selected) loaded.
fn loaded_app(handlers: bool) -> App {
    let mut a = App::new(setup(handlers), Rect::new(0, 0, 120, 30));
    a.update(Msg::Deliveries(batch(1, 3)));
    load(
        &mut a,
        delivery(summary(3, "github", "push", Verdict::Valid), BODY),
    );
    a
}

fn copied(fx: &[Effect]) -> (String, String) {
    match fx {
        [Effect::Copy { label, text }] => (label.clone(), text.clone()),
        other => panic!("expected one copy, got {other:?}"),
    }
}

#[test]
fn copy_payload_headers_node_and_curl() {
    let mut a = loaded_app(false);
    let (label, text) = copied(&a.update(ch('y')));
    assert!(label.contains("payload of #3"), "{label}");
    assert_eq!(text.as_bytes(), BODY);

    let (label, text) = copied(&a.update(ch('Y')));
    assert!(label.contains("headers + payload"), "{label}");
    assert!(text.starts_with("POST /webhooks/github\ncontent-type: application/json\n"));
    assert!(text.ends_with(std::str::from_utf8(BODY).unwrap()));

    let (label, text) = copied(&a.update(ch('c')));
    assert!(label.contains("curl"));
    assert!(
        text.starts_with("curl -sS -X 'POST' 'http://127.0.0.1:8787/webhooks/github'"),
        "{text}"
    );
    assert!(text.contains("x-hub-signature-256: sha256=0f1e2d"));

    // The node under the cursor: move into the tree to `.data.items`.
    a.update(key(KeyCode::Tab));
    a.update(ch('j'));
    a.update(ch('j'));
    assert_eq!(a.inspector.path().as_deref(), Some(".data.items"));
    let (label, text) = copied(&a.update(ctrl('y')));
    assert_eq!(label, "node .data.items");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v[1]["email"], "b@acme.test");
}

#[test]
fn copy_before_the_body_is_loaded_says_so() {
    let mut a = app(120, 30);
    a.update(Msg::Deliveries(batch(1, 2)));
    assert!(a.update(ch('y')).is_empty());
    assert!(a.toast.as_ref().unwrap().text.contains("still loading"));
    a.update(Msg::Copied {
        label: "payload of #2".into(),
        result: Ok("system clipboard + OSC 52"),
    });
    assert_eq!(
        a.toast.as_ref().unwrap().text,
        "copied payload of #2 via system clipboard + OSC 52"
    );
}

#[test]
fn non_utf8_payloads_are_copied_as_base64() {
    let mut a = app(120, 30);
    a.update(Msg::Deliveries(batch(1, 1)));
    load(
        &mut a,
        delivery(summary(1, "github", "push", Verdict::Valid), &[0xff, 0, 1]),
    );
    let (label, text) = copied(&a.update(ch('y')));
    assert!(label.contains("base64"));
    assert_eq!(text, "/wAB");
}

#[test]
fn export_rerun_and_edit_effects() {
    let mut a = loaded_app(true);
    assert_eq!(a.update(ch('x')), vec![Effect::ExportFixture(3)]);
    assert_eq!(a.update(ch('e')), vec![Effect::EditReplay(3)]);
    let fx = a.update(ch('r'));
    assert!(matches!(&fx[..], [Effect::Rerun(v)] if v.len() == 1 && v[0].id == 3));
    a.update(Msg::Rerun(Ok(2)));
    assert_eq!(a.toast.as_ref().unwrap().text, "queued 2 handler run(s)");

    // R asks first; n cancels, y re-runs everything on display.
    assert!(a.update(ch('R')).is_empty());
    assert_eq!(a.mode, Mode::ConfirmRerunAll(3));
    assert!(a.update(ch('n')).is_empty());
    assert_eq!(a.mode, Mode::Normal);
    a.update(ch('R'));
    let fx = a.update(ch('y'));
    let ids: Vec<_> = match &fx[..] {
        [Effect::Rerun(v)] => v.iter().map(|s| s.id).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(ids, vec![3, 2, 1]);

    a.update(Msg::Replayed(Ok((9, 3, Verdict::Valid))));
    assert_eq!(
        a.toast.as_ref().unwrap().text,
        "edited copy of #3 stored as #9 (valid)"
    );
}

#[test]
fn rerun_without_handlers_explains_instead() {
    let mut a = loaded_app(false);
    assert!(a.update(ch('r')).is_empty());
    assert!(
        a.toast
            .as_ref()
            .unwrap()
            .text
            .contains("no handlers configured")
    );
    assert!(a.update(ch('R')).is_empty());
    assert_eq!(a.mode, Mode::Normal);
}

#[test]
fn quit_help_and_ctrl_c_everywhere() {
    let mut a = loaded_app(false);
    a.update(ch('?'));
    assert_eq!(a.mode, Mode::Help { scroll: 0 });
    a.update(ch('j'));
    assert_eq!(a.mode, Mode::Help { scroll: 1 });
    a.update(ch('q'));
    assert_eq!(a.mode, Mode::Normal, "q closes the help first");
    assert!(!a.quit);
    a.update(ch('/'));
    type_text(&mut a, "qq");
    assert!(!a.quit, "q is text in the filter bar");
    assert_eq!(a.update(ctrl('c')), vec![Effect::Quit]);
    assert!(a.quit);
    let mut b = loaded_app(false);
    assert_eq!(b.update(ch('q')), vec![Effect::Quit]);
    assert!(b.quit);
    let mut c = loaded_app(false);
    assert_eq!(c.update(Msg::Quit), vec![Effect::Quit]);
}

#[test]
fn tree_keys_and_search() {
    let mut a = loaded_app(false);
    a.update(key(KeyCode::Tab));
    assert_eq!(a.focus, Focus::Inspector);
    assert_eq!(a.inspector.loaded.as_ref().unwrap().body_len(), 13);
    a.update(ch('j'));
    a.update(key(KeyCode::Enter));
    assert_eq!(
        a.inspector.loaded.as_ref().unwrap().body_len(),
        3,
        "`.data` collapsed"
    );
    a.update(ch('l'));
    a.update(ch('-'));
    assert_eq!(a.inspector.cursor, 0);
    assert_eq!(a.inspector.loaded.as_ref().unwrap().body_len(), 3);
    a.update(ctrl('f'));
    assert_eq!(a.mode, Mode::Search);
    type_text(&mut a, "b@acme");
    a.update(key(KeyCode::Enter));
    assert_eq!(a.inspector.search.matches.len(), 1);
    assert_eq!(a.inspector.path().as_deref(), Some(".data.items[1].email"));
    a.update(ch(']'));
    assert_eq!(a.inspector.tab, Tab::Headers);
    a.update(ch('['));
    a.update(ch('['));
    assert_eq!(a.inspector.tab, Tab::Runs);
    // Esc clears the search, then focuses the list.
    a.update(key(KeyCode::Esc));
    assert!(a.inspector.search.matches.is_empty());
    a.update(key(KeyCode::Esc));
    assert_eq!(a.focus, Focus::List);
}

#[test]
fn mouse_click_selects_and_wheel_scrolls() {
    let mut a = app(120, 30);
    a.update(Msg::Deliveries(batch(1, 40)));
    let rows = a.areas().list_rows();
    let fx = a.update(click(rows.x + 3, rows.y + 2));
    assert_eq!(a.list.selected, Some(38));
    assert!(!a.list.follow);
    assert_eq!(fx, vec![Effect::LoadDelivery(38)]);
    a.update(wheel(true, rows.x + 3, rows.y));
    assert_eq!(a.list.selected, Some(35));
    a.update(wheel(false, rows.x + 3, rows.y));
    a.update(wheel(false, rows.x + 3, rows.y));
    assert_eq!(a.list.selected, Some(40));
    assert!(a.list.follow);
    // A click on the inspector focuses it.
    let insp = a.areas().inspector_body();
    a.update(click(insp.x + 1, insp.y + 1));
    assert_eq!(a.focus, Focus::Inspector);
}

//! Test fixtures for the model and render tests: an app with fixed time and size,
//! summaries and deliveries with chosen fields, and synthetic key and mouse events.

use super::inspector::Loaded;
use super::{App, Effect, Msg, Setup};
use crate::delivery::{Delivery, DeliveryId, Summary, Verdict};
use crate::tui::keymap::Keymap;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

/// 2026-01-22T13:26:01.000Z: every test row is received around it.
pub const T0: i64 = 1_769_088_361_000;

pub fn setup(handlers: bool) -> Setup {
    Setup {
        listen: "127.0.0.1:8787".into(),
        keymap: Keymap::default(),
        handlers,
        demo: false,
        now_ms: T0 + 60_000,
        utc_offset_s: 0,
        stored: 0,
        notices: Vec::new(),
    }
}

pub fn app(w: u16, h: u16) -> App {
    App::new(setup(false), Rect::new(0, 0, w, h))
}

pub fn summary(id: DeliveryId, provider: &str, event: &str, verdict: Verdict) -> Summary {
    Summary {
        id,
        received_at_ms: T0 + id * 1234,
        provider: Some(provider.into()),
        event_type: Some(event.into()),
        event_id: Some(format!("evt_{id}")),
        verdict,
        duplicate: false,
        status: if verdict.is_rejection() { 401 } else { 200 },
        bytes: 100 + id as u64 * 37,
        path: format!("/webhooks/{provider}"),
        replay_of: None,
    }
}

/// `n` valid deliveries with ids `first..first + n`.
pub fn batch(first: DeliveryId, n: usize) -> Vec<Summary> {
    (first..first + n as i64)
        .map(|id| summary(id, "github", "push", Verdict::Valid))
        .collect()
}

pub fn delivery(s: Summary, body: &[u8]) -> Delivery {
    Delivery {
        summary: Summary {
            bytes: body.len() as u64,
            ..s
        },
        method: "POST".into(),
        headers: vec![
            ("content-type".into(), b"application/json".to_vec()),
            ("x-github-event".into(), b"push".to_vec()),
            ("x-hub-signature-256".into(), b"sha256=0f1e2d".to_vec()),
        ],
        body: body.to_vec(),
        dedupe_key: None,
        explanation: None,
    }
}

/// Feed the app the loaded delivery it asked for.
pub fn load(app: &mut App, d: Delivery) -> Vec<Effect> {
    app.update(Msg::Loaded(Box::new(Loaded::new(d, Vec::new()))))
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    let mods = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Msg::Key(KeyEvent::new(KeyCode::Char(c), mods))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn type_text(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars().flat_map(|c| app.update(ch(c))).collect()
}

pub fn click(column: u16, row: u16) -> Msg {
    Msg::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

pub fn wheel(down: bool, column: u16, row: u16) -> Msg {
    Msg::Mouse(MouseEvent {
        kind: if down {
            MouseEventKind::ScrollDown
        } else {
            MouseEventKind::ScrollUp
        },
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

//! Dashboard render benchmark: 100,000 deliveries in the list and a realistic body in the
//! inspector, full frames drawn into a 200x60 `TestBackend`, against a baseline frame in the
//! same run (one bordered Paragraph filling the same area: ratatui's own floor). Also the
//! history load, a live re-filter of 100k rows per keystroke, and the memory the rows take.
//! Run: cargo bench --bench render

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hookwatch::delivery::{Delivery, Summary, Verdict, now_ms};
use hookwatch::fixture;
use hookwatch::tui::app::inspector::Loaded;
use hookwatch::tui::app::{App, Effect, Msg, Setup};
use hookwatch::tui::keymap::Keymap;
use hookwatch::tui::theme::Theme;
use hookwatch::tui::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Paragraph};
use std::time::{Duration, Instant};

const ROWS: usize = 100_000;
const FRAMES: usize = 400;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_string)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn stats(mut d: Vec<Duration>) -> (f64, f64, f64) {
    d.sort();
    let us = |x: Duration| x.as_secs_f64() * 1e6;
    let mean = d.iter().map(|x| us(*x)).sum::<f64>() / d.len() as f64;
    (mean, us(d[d.len() / 2]), us(d[d.len() * 99 / 100]))
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn main() {
    let before = rss_kib();
    let fixtures = fixture::builtin();
    let now = now_ms();
    let summaries: Vec<Summary> = (0..ROWS)
        .rev()
        .map(|i| {
            let f = &fixtures[i % fixtures.len()];
            let event = f
                .header("x-salesloft-event")
                .or(f.header("x-github-event"))
                .or(f.header("x-shopify-topic"))
                .unwrap_or("contact.created");
            Summary {
                id: i as i64 + 1,
                received_at_ms: now - (ROWS - i) as i64 * 10,
                provider: Some(f.provider.clone()),
                event_type: Some(event.to_string()),
                event_id: Some(format!("evt_{i}")),
                verdict: Verdict::ALL[i % 7 % 6],
                duplicate: i % 9 == 4,
                status: 200,
                bytes: f.body.len() as u64,
                path: f.path.clone(),
                replay_of: None,
            }
        })
        .collect();
    let setup = Setup {
        listen: "127.0.0.1:8787".into(),
        keymap: Keymap::default(),
        handlers: true,
        demo: false,
        now_ms: now,
        utc_offset_s: 0,
        stored: ROWS as u64,
        notices: Vec::new(),
    };
    let mut app = App::new(setup, Rect::new(0, 0, 200, 60));
    let t = Instant::now();
    let fx = app.load_history(summaries, Vec::new());
    let load = t.elapsed();
    let after = rss_kib();
    // Answer the inspector's load with a realistic body (the 1.6 KB SalesLoft person).
    let body = fixtures
        .iter()
        .find(|f| f.source.ends_with("salesloft/person_updated.json"))
        .map(|f| f.body.clone())
        .unwrap_or_default();
    for e in fx {
        if let Effect::LoadDelivery(id) = e
            && let Some(s) = app.rows.get(id).map(|r| r.summary.clone())
        {
            let d = Delivery {
                summary: s,
                method: "POST".into(),
                headers: vec![("content-type".into(), b"application/json".to_vec())],
                body: body.clone(),
                dedupe_key: None,
                explanation: None,
            };
            app.update(Msg::Loaded(Box::new(Loaded::new(d, Vec::new()))));
        }
    }
    let theme = Theme::dark();
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let mut full = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES + 50 {
        // Force a full redraw each frame (as after a resize), not just a diff.
        term.clear().expect("clear");
        let t = Instant::now();
        term.draw(|f| ui::draw(f, &app, &theme)).expect("draw");
        if i >= 50 {
            full.push(t.elapsed());
        }
    }
    let text: Vec<String> = (0..60)
        .map(|i| format!("{i:>4} {}", "x".repeat(190)))
        .collect();
    let mut base = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES + 50 {
        term.clear().expect("clear");
        let t = Instant::now();
        term.draw(|f| {
            let p = Paragraph::new(text.join("\n"))
                .block(Block::default().borders(Borders::ALL).title("baseline"));
            f.render_widget(p, f.area());
        })
        .expect("draw");
        if i >= 50 {
            base.push(t.elapsed());
        }
    }
    // Live filter: each keystroke re-filters the 100k summaries.
    app.update(key('/'));
    let mut per_key = Vec::new();
    for c in "type:person_* sig:valid".chars() {
        let t = Instant::now();
        app.update(key(c));
        per_key.push(t.elapsed());
    }
    let (fm, f50, f99) = stats(full);
    let (bm, b50, b99) = stats(base);
    let (km, _, k99) = stats(per_key);
    println!("dashboard render benchmark: {ROWS} deliveries, 200x60, {FRAMES} frames");
    println!("| what | mean | p50 | p99 |");
    println!("|---|---:|---:|---:|");
    println!("| full dashboard frame | {fm:.0} µs | {f50:.0} µs | {f99:.0} µs |");
    println!("| baseline frame (one Paragraph) | {bm:.0} µs | {b50:.0} µs | {b99:.0} µs |");
    println!("| re-filter 100k per keystroke | {km:.0} µs | | {k99:.0} µs |");
    println!("dashboard frame / baseline frame = {:.2}", fm / bm);
    println!(
        "history load of {ROWS} summaries: {:.0} ms",
        load.as_secs_f64() * 1e3
    );
    println!(
        "summaries + list state in memory: {:.1} MiB ({:.0} bytes per delivery)",
        after.saturating_sub(before) as f64 / 1024.0,
        after.saturating_sub(before) as f64 * 1024.0 / ROWS as f64
    );
}

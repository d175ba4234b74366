//! Model tests of the list: follow, freeze and "+N new", selection kept by id under a
//! flood, the filter applied live (errors keep the last good filter), body filters resolved
//! off-thread, handler events, lag notices and toasts.

use super::testkit::*;
use super::*;
use crate::handlers::outcome::{Outcome, RunResult};
use crossterm::event::KeyCode;

fn ids_on_display(app: &App) -> Vec<DeliveryId> {
    (0..app.list.shown_len(&app.rows))
        .filter_map(|i| app.list.display_row(&app.rows, i))
        .map(|r| r.summary.id)
        .collect()
}

#[test]
fn history_loads_newest_first_and_selects_the_newest() {
    let mut a = app(120, 30);
    let mut newest_first = batch(1, 5);
    newest_first.reverse();
    let fx = a.load_history(newest_first, Vec::new());
    assert_eq!(ids_on_display(&a), vec![5, 4, 3, 2, 1]);
    assert_eq!(a.list.selected, Some(5));
    assert_eq!(fx, vec![Effect::LoadDelivery(5)]);
}

#[test]
fn follow_sticks_to_the_newest() {
    let mut a = app(120, 30);
    a.update(Msg::Deliveries(batch(1, 3)));
    assert!(a.list.follow);
    assert_eq!(a.list.selected, Some(3));
    let fx = a.update(Msg::Deliveries(batch(4, 2)));
    assert_eq!(a.list.selected, Some(5));
    assert_eq!(fx, vec![Effect::LoadDelivery(5)]);
    assert_eq!(a.list.offset, 0);
}

#[test]
fn moving_down_stops_following_and_keeps_the_row_in_place() {
    let mut a = app(120, 30);
    a.update(Msg::Deliveries(batch(1, 10)));
    let fx = a.update(ch('j'));
    assert!(!a.list.follow);
    assert_eq!(a.list.selected, Some(9));
    assert_eq!(fx, vec![Effect::LoadDelivery(9)]);
    let screen_line = a.list.selected_index(&a.rows).unwrap() - a.list.offset;
    let fx = a.update(Msg::Deliveries(batch(11, 3)));
    assert_eq!(a.list.selected, Some(9), "selection kept by id");
    assert!(fx.is_empty(), "no reload: {fx:?}");
    assert_eq!(a.list.selected_index(&a.rows), Some(4));
    assert_eq!(
        a.list.selected_index(&a.rows).unwrap() - a.list.offset,
        screen_line
    );
    // Going back to the top follows again.
    a.update(ch('g'));
    assert!(a.list.follow);
    assert_eq!(a.list.selected, Some(13));
    a.update(Msg::Deliveries(batch(14, 1)));
    assert_eq!(a.list.selected, Some(14));
}

#[test]
fn freeze_holds_the_list_and_counts_new_deliveries() {
    let mut a = app(120, 30);
    a.update(Msg::Deliveries(batch(1, 4)));
    a.update(key(KeyCode::Char(' ')));
    assert!(a.list.frozen_at.is_some());
    a.update(Msg::Deliveries(batch(5, 7)));
    assert_eq!(ids_on_display(&a), vec![4, 3, 2, 1]);
    assert_eq!(a.list.new_while_frozen(&a.rows), 7);
    assert_eq!(a.list.selected, Some(4));
    // Thaw: following, so the newest is selected.
    let fx = a.update(key(KeyCode::Char(' ')));
    assert_eq!(a.list.frozen_at, None);
    assert_eq!(a.list.new_while_frozen(&a.rows), 0);
    assert_eq!(a.list.selected, Some(11));
    assert_eq!(fx, vec![Effect::LoadDelivery(11)]);
}

#[test]
fn selection_is_stable_under_a_flood_of_ten_thousand() {
    let mut a = app(120, 30);
    a.update(Msg::Deliveries(batch(1, 50)));
    for _ in 0..5 {
        a.update(ch('j'));
    }
    assert_eq!(a.list.selected, Some(45));
    let top_line = a.list.selected_index(&a.rows).unwrap() - a.list.offset;
    let mut loads = 0;
    for chunk in 0..100 {
        let fx = a.update(Msg::Deliveries(batch(51 + chunk * 100, 100)));
        loads += fx.len();
    }
    assert_eq!(a.rows.len(), 10_050);
    assert_eq!(a.list.selected, Some(45));
    assert_eq!(loads, 0);
    assert_eq!(a.list.selected_index(&a.rows), Some(10_005));
    assert_eq!(
        a.list.selected_index(&a.rows).unwrap() - a.list.offset,
        top_line
    );
    // Repeated or old ids (a re-read after a lag) are ignored.
    a.update(Msg::Deliveries(batch(9_000, 10)));
    assert_eq!(a.rows.len(), 10_050);
}

#[test]
fn filter_applies_live_and_an_error_keeps_the_last_good_filter() {
    let mut a = app(120, 30);
    a.update(Msg::Deliveries(vec![
        summary(1, "github", "push", Verdict::Valid),
        summary(2, "stripe", "charge.failed", Verdict::Invalid),
        summary(3, "github", "issues", Verdict::Invalid),
        summary(4, "salesloft", "person_updated", Verdict::Missing),
    ]));
    a.update(ch('/'));
    assert_eq!(a.mode, Mode::Filter);
    type_text(&mut a, "sig:invalid");
    assert_eq!(ids_on_display(&a), vec![3, 2]);
    assert_eq!(a.filter.error, None);
    type_text(&mut a, " |");
    let e = a.filter.error.clone().expect("dangling `|` is an error");
    assert_eq!(e.pos, 12);
    assert_eq!(a.filter.applied_text, "sig:invalid");
    assert_eq!(ids_on_display(&a), vec![3, 2], "last good filter kept");
    // The error line makes the bar two lines tall.
    assert_eq!(a.areas().filter.height, 2);
    type_text(&mut a, " provider:sales*");
    assert_eq!(a.filter.error, None);
    assert_eq!(ids_on_display(&a), vec![4, 3, 2]);
    a.update(key(KeyCode::Enter));
    assert_eq!(a.mode, Mode::Normal);
    assert_eq!(ids_on_display(&a), vec![4, 3, 2]);
    // Esc clears it.
    a.update(key(KeyCode::Esc));
    assert!(a.filter.applied.is_empty());
    assert_eq!(ids_on_display(&a).len(), 4);
}

#[test]
fn filter_keeps_the_selection_when_it_still_matches() {
    let mut a = app(120, 30);
    a.update(Msg::Deliveries(vec![
        summary(1, "github", "push", Verdict::Valid),
        summary(2, "github", "issues", Verdict::Invalid),
        summary(3, "github", "push", Verdict::Valid),
    ]));
    a.update(ch('j'));
    assert_eq!(a.list.selected, Some(2));
    a.update(ch('/'));
    type_text(&mut a, "type:issues");
    assert_eq!(a.list.selected, Some(2));
    a.update(key(KeyCode::Esc));
    a.update(key(KeyCode::Esc));
    assert_eq!(a.list.selected, Some(2));
    // Hidden by a filter, then shown again: the chosen row comes back.
    a.update(ch('/'));
    type_text(&mut a, "type:push");
    assert_ne!(a.list.selected, Some(2));
    a.update(key(KeyCode::Esc));
    a.update(key(KeyCode::Esc));
    assert_eq!(a.list.selected, Some(2));
}

#[test]
fn body_filters_are_resolved_off_thread_with_progress() {
    let mut a = app(120, 30);
    a.update(Msg::Deliveries(vec![
        summary(1, "github", "push", Verdict::Valid),
        summary(2, "github", "issues", Verdict::Valid),
        summary(3, "stripe", "acme.thing", Verdict::Valid),
    ]));
    a.update(ch('/'));
    let fx = type_text(&mut a, "acme");
    // Typing "a", "ac", "acm", "acme": each a new generation asking for bodies.
    let Some(Effect::RunFilter {
        generation, rows, ..
    }) = fx.last().cloned()
    else {
        panic!("no body work: {fx:?}");
    };
    assert_eq!(generation, a.filter.generation);
    let asked: Vec<_> = rows.iter().map(|(s, _)| s.id).collect();
    assert_eq!(asked, vec![1, 2], "row 3 is decided by its event type");
    assert_eq!(ids_on_display(&a), vec![3]);
    assert_eq!(a.filter.progress, Some((0, 2)));
    // A stale generation's answers are dropped.
    a.update(Msg::FilterProgress {
        generation: generation - 1,
        answers: vec![(1, true)],
    });
    assert_eq!(ids_on_display(&a), vec![3]);
    a.update(Msg::FilterProgress {
        generation,
        answers: vec![(1, true)],
    });
    assert_eq!(ids_on_display(&a), vec![3, 1]);
    assert_eq!(a.filter.progress, Some((1, 2)));
    a.update(Msg::FilterProgress {
        generation,
        answers: vec![(2, false)],
    });
    assert_eq!(ids_on_display(&a), vec![3, 1]);
    assert_eq!(a.filter.progress, None);
    // New deliveries the summary cannot decide are sent off too.
    let fx = a.update(Msg::Deliveries(batch(4, 1)));
    assert!(matches!(&fx[..], [Effect::RunFilter { rows, .. }] if rows.len() == 1));
}

#[test]
fn handler_events_update_the_column_and_handler_filters() {
    let mut a = App::new(setup(true), Rect::new(0, 0, 120, 30));
    a.update(Msg::Deliveries(batch(1, 3)));
    a.update(ch('/'));
    type_text(&mut a, "handler:failed");
    a.update(key(KeyCode::Enter));
    assert!(ids_on_display(&a).is_empty());
    let run = RunResult {
        outcome: Outcome::Http { status: 500 },
        duration_ms: 12,
        excerpt: "boom".into(),
        notes: Vec::new(),
    };
    let fx = a.update(Msg::Handler(HandlerEvent {
        delivery_id: 2,
        handler: "app".into(),
        attempt: 1,
        max_attempts: 1,
        cell: HandlerCell::Ran {
            outcome: run.outcome.clone(),
            duration_ms: 12,
        },
        run_id: Some(1),
        started_at_ms: Some(1_700_000_000_000),
        run: Some(run),
    }));
    assert_eq!(ids_on_display(&a), vec![2]);
    assert_eq!(a.list.selected, Some(2));
    assert!(fx.contains(&Effect::LoadDelivery(2)));
    let cell = a.rows.get(2).and_then(|r| r.handler.as_ref()).unwrap();
    assert_eq!(cell.short(), "500 12ms");
}

#[test]
fn a_lag_says_caught_up_and_ticks_expire_notices() {
    let mut a = app(120, 30);
    a.update(Msg::CaughtUp(batch(1, 7)));
    assert_eq!(a.caught_up, Some((7, a.now_ms)));
    assert_eq!(a.rows.len(), 7);
    a.toast("hello".into(), false);
    let now = a.now_ms;
    a.update(Msg::Tick {
        now_ms: now + TOAST_MS + 1,
    });
    assert_eq!(a.toast, None);
    assert!(a.caught_up.is_some());
    a.update(Msg::Tick {
        now_ms: now + NOTICE_MS + 1,
    });
    assert_eq!(a.caught_up, None);
    // A tick inside the same second with nothing expiring draws nothing…
    a.dirty = false;
    a.update(Msg::Tick {
        now_ms: now + NOTICE_MS + 2,
    });
    assert!(!a.dirty);
    // …but never cancels a frame still owed for an earlier change.
    a.update(Msg::Deliveries(batch(8, 1)));
    a.update(Msg::Tick {
        now_ms: now + NOTICE_MS + 3,
    });
    assert!(a.dirty);
}

#[test]
fn rate_series_counts_arrivals_per_second() {
    let mut a = app(120, 30);
    let mut s = batch(1, 3);
    for (i, x) in s.iter_mut().enumerate() {
        x.received_at_ms = T0 + (i as i64 / 2) * 1000;
    }
    a.update(Msg::Deliveries(s));
    let series = a.rows.rate_series(T0 + 1500);
    assert_eq!(series.len(), rows::RATE_WINDOW);
    assert_eq!(&series[series.len() - 2..], &[2, 1]);
    assert_eq!(a.rows.rate_series(T0 + 120_000).iter().sum::<u64>(), 0);
}

#[test]
fn stale_loads_are_ignored() {
    let mut a = app(120, 30);
    a.update(Msg::Deliveries(batch(1, 2)));
    assert_eq!(a.inspector.loading, Some(2));
    load(
        &mut a,
        delivery(summary(1, "github", "push", Verdict::Valid), b"{}"),
    );
    assert!(a.inspector.loaded.is_none());
    load(
        &mut a,
        delivery(summary(2, "github", "push", Verdict::Valid), b"{}"),
    );
    assert_eq!(a.inspector.current(Some(2)).map(|l| l.id()), Some(2));
}

#[test]
fn summary_filters_over_a_hundred_thousand_rows_answer_at_once() {
    let mut a = app(120, 30);
    let rows: Vec<_> = (1..=100_000)
        .map(|id| {
            let (p, t, v) = match id % 4 {
                0 => ("github", "push", Verdict::Valid),
                1 => ("stripe", "charge.failed", Verdict::Invalid),
                2 => ("salesloft", "person_updated", Verdict::Valid),
                _ => ("salesloft", "person_created", Verdict::Stale),
            };
            summary(id, p, t, v)
        })
        .collect();
    a.update(Msg::Deliveries(rows));
    a.update(ch('/'));
    type_text(&mut a, "type:person_* -sig:stal");
    let fx = a.update(ch('e'));
    // Decided from the summaries alone, in this keystroke: no body reads, no background
    // filter. (How fast: `cargo bench --bench render`, not a timed test.)
    assert!(fx.iter().all(|e| !matches!(e, Effect::RunFilter { .. })));
    assert_eq!(a.list.shown_len(&a.rows), 25_000);
    assert_eq!(a.filter.progress, None, "summary-only: no body reads left");
}

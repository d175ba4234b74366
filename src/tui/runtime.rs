//! The dashboard's loop. Wires what `serve` wires (listener bound BEFORE the terminal is
//! taken, writer, handler pool, demo sender), loads the history, takes the terminal and runs
//! one `tokio::select! { biased; … }`: terminal input first, then signals, deliveries drained
//! in batches (re-read from the store after a lag), handler events, effect results, the
//! frame deadline and a tick. Draws only when the app is dirty, at most ~60 frames/s.

mod edit;
mod effects;
pub mod frame;
mod input;
#[cfg(test)]
mod tests;

use crate::config::Settings;
use crate::delivery::{DeliveryId, Summary, now_ms};
use crate::handlers::HandlerEvent;
use crate::receiver::{self, Receiver};
use crate::store::{BatchPolicy, Store, Writer};
use crate::tui::app::{App, Effect, Msg, Setup};
use crate::tui::keymap::Keymap;
use crate::tui::theme::Theme;
use crate::tui::{terminal, ui};
use anyhow::{Context, Result};
use crossterm::event::Event;
use effects::Effects;
use frame::{Frame, FrameClamp, MIN_FRAME};
use ratatui::layout::Rect;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};

/// Most recent deliveries loaded at start (summaries only).
pub const HISTORY: usize = 100_000;
/// Most notifications taken in one batch before input gets another look.
const BATCH_MAX: usize = 4096;
/// Clock tick: toasts expire, the sparkline moves.
const TICK: Duration = Duration::from_millis(250);
/// How long the receiver gets to finish in-flight requests at quit.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Run the dashboard until the user quits or a signal arrives.
pub async fn run(mut settings: Settings, demo: bool) -> Result<()> {
    let registry = settings.registry();
    // A busy port is a plain error here, before the screen is touched.
    let listener = receiver::bind(settings.listen).await?;
    let addr = listener.local_addr().context("listener address")?;
    let writer = Writer::spawn(&settings.db_path, BatchPolicy::default())
        .with_context(|| format!("cannot open the store {}", settings.db_path.display()))?;
    let mut deliveries = Some(writer.subscribe());
    let store = Store::open(&settings.db_path)?;
    let history = store.recent(HISTORY, None)?;
    let since = history.last().map(|s| s.id - 1);
    let cells = store.handler_cells(since)?;
    let stored = store.count()?;
    let mut last_id: DeliveryId = history.first().map_or(0, |s| s.id);

    let (theme, theme_warning) = if Theme::no_color_requested() {
        (Theme::no_color(), None)
    } else {
        Theme::load(&settings.theme, settings.config_dir.as_deref())
    };
    let (keymap, key_errors) = Keymap::with_overrides(&settings.keys);
    let mut notices = std::mem::take(&mut settings.warnings);
    notices.extend(theme_warning);
    notices.extend(key_errors.iter().map(|e| format!("config {e}")));
    if settings.secrets.is_empty() {
        notices.push("no secrets configured: deliveries are recorded as unverified (--secret PROVIDER=VALUE)".into());
    }

    let secrets = settings.secrets.clone();
    let mut handler_events = None;
    let (pool, warning) = crate::handlers::pool_for(&mut settings, &registry, &secrets)?;
    notices.extend(warning);
    if let Some(pool) = &pool {
        handler_events = Some(pool.subscribe());
        pool.start(&writer)?;
    }
    if demo {
        let (base, registry, secrets) =
            (format!("http://{addr}"), registry.clone(), secrets.clone());
        tokio::spawn(async move {
            if let Err(e) = crate::demo::run(base, registry, secrets).await {
                tracing::warn!(error = %format!("{e:#}"), "demo sender stopped");
            }
        });
    }
    let rx = Arc::new(Receiver {
        registry: registry.clone(),
        secrets: secrets.clone(),
        writer: writer.clone(),
        body_limit: settings.body_limit,
    });
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(receiver::serve(listener, receiver::router(rx), async {
        let _ = stop_rx.await;
    }));

    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut effects = Effects::new(&settings.db_path, done_tx, pool.clone(), registry.clone())?;
    let offset = chrono::Local::now().offset().local_minus_utc();
    let setup = Setup {
        listen: addr.to_string(),
        keymap,
        handlers: pool.is_some(),
        demo,
        now_ms: now_ms(),
        utc_offset_s: offset,
        stored,
        notices,
    };

    let mut term = terminal::take().context("cannot take the terminal")?;
    let _guard = terminal::Guard;
    let (input, mut input_rx) = input::Input::spawn()?;
    let size = term.size()?;
    let mut app = App::new(setup, Rect::new(0, 0, size.width, size.height));
    let mut fx = app.load_history(history, cells);
    let mut term_sig = signal(SignalKind::terminate())?;
    let mut hup_sig = signal(SignalKind::hangup())?;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut clamp = FrameClamp::new(MIN_FRAME);
    let edit_ctx = edit::Context {
        registry: &registry,
        secrets: &secrets,
        writer: &writer,
        store: &store,
    };

    loop {
        for effect in std::mem::take(&mut fx) {
            match effect {
                Effect::Quit => app.quit = true,
                Effect::EditReplay(id) => {
                    let msg = edit::edit_replay(&mut term, &input, &edit_ctx, id).await?;
                    fx.extend(app.update(msg));
                    app.dirty = true;
                }
                other => perform(&mut effects, other),
            }
        }
        if app.quit {
            break;
        }
        let mut frame_due = None;
        if app.dirty {
            // Keep the layout in step with the real screen before drawing it.
            let size = term.size()?;
            if (size.width, size.height) != (app.size.width, app.size.height) {
                fx.extend(app.update(Msg::Resize(size.width, size.height)));
            }
            let now = Instant::now();
            match clamp.check(now) {
                Frame::DrawNow => {
                    term.draw(|f| ui::draw(f, &app, &theme))?;
                    clamp.drawn(now);
                    app.dirty = false;
                }
                Frame::DrawAt(at) => frame_due = Some(at),
            }
        }
        let frame_wait = async {
            match frame_due {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            Some(ev) = input_rx.recv() => {
                fx.extend(on_event(&mut app, ev));
                while let Ok(ev) = input_rx.try_recv() {
                    fx.extend(on_event(&mut app, ev));
                }
            }
            _ = term_sig.recv() => fx.extend(app.update(Msg::Quit)),
            _ = hup_sig.recv() => fx.extend(app.update(Msg::Quit)),
            r = recv_some(&mut deliveries) => {
                let msgs = drain_deliveries(r, &mut deliveries, &store, &mut last_id);
                for m in msgs {
                    fx.extend(app.update(m));
                }
            }
            r = recv_some(&mut handler_events) => {
                let m = drain_handler(r, &mut handler_events, &store);
                for m in m {
                    fx.extend(app.update(m));
                }
            }
            Some(msg) = done_rx.recv() => {
                fx.extend(app.update(msg));
                for _ in 0..BATCH_MAX {
                    match done_rx.try_recv() {
                        Ok(m) => fx.extend(app.update(m)),
                        Err(_) => break,
                    }
                }
            }
            _ = frame_wait => {}
            _ = tick.tick() => fx.extend(app.update(Msg::Tick { now_ms: now_ms() })),
        }
    }

    drop(input);
    drop(_guard);
    terminal::restore();
    let _ = stop_tx.send(());
    match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
        Ok(Ok(Err(e))) => {
            tracing::warn!(error = %format!("{e:#}"), "receiver stopped with an error")
        }
        Err(_) => tracing::warn!("receiver still had requests in flight at quit"),
        _ => {}
    }
    drop(effects);
    if let Some(pool) = pool {
        // Store the runs already finished; runs still in progress happen after a restart.
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, pool.shutdown()).await;
    }
    let _ = tokio::time::timeout(
        SHUTDOWN_GRACE,
        tokio::task::spawn_blocking(move || writer.close()),
    )
    .await;
    Ok(())
}

fn perform(effects: &mut Effects, effect: Effect) {
    match effect {
        Effect::LoadDelivery(id) => effects.load(id),
        Effect::LoadRuns(id) => effects.load_runs(id),
        Effect::Copy { label, text } => effects.copy(label, &text),
        Effect::ExportFixture(id) => effects.export_fixture(id),
        Effect::Rerun(list) => effects.rerun(list),
        Effect::RunFilter {
            generation,
            filter,
            rows,
        } => effects.run_filter(effects::FilterJob {
            generation,
            filter,
            rows,
        }),
        Effect::EditReplay(_) | Effect::Quit => {}
    }
}

fn on_event(app: &mut App, ev: Event) -> Vec<Effect> {
    let msg = match ev {
        Event::Key(k) => Msg::Key(k),
        Event::Mouse(m) => Msg::Mouse(m),
        Event::Resize(w, h) => Msg::Resize(w, h),
        Event::Paste(p) => Msg::Paste(p),
        Event::FocusGained | Event::FocusLost => return Vec::new(),
    };
    app.update(msg)
}

/// Receive from an optional broadcast channel (a missing one never resolves).
async fn recv_some<T: Clone>(rx: &mut Option<broadcast::Receiver<T>>) -> Result<T, RecvError> {
    match rx {
        Some(r) => r.recv().await,
        None => std::future::pending().await,
    }
}

/// One batch of notifications (what is already queued, up to [`BATCH_MAX`]); after a lag
/// the missed deliveries are re-read from the store.
fn drain_deliveries(
    first: Result<Summary, RecvError>,
    rx: &mut Option<broadcast::Receiver<Summary>>,
    store: &Store,
    last_id: &mut DeliveryId,
) -> Vec<Msg> {
    let mut batch = Vec::new();
    let mut lagged = false;
    match first {
        Ok(s) => batch.push(s),
        Err(RecvError::Lagged(_)) => lagged = true,
        Err(RecvError::Closed) => {
            *rx = None;
            return vec![Msg::Error(
                "the store writer stopped; no new deliveries".into(),
            )];
        }
    }
    if let Some(r) = rx.as_mut() {
        while batch.len() < BATCH_MAX {
            match r.try_recv() {
                Ok(s) => batch.push(s),
                Err(TryRecvError::Lagged(_)) => lagged = true,
                Err(_) => break,
            }
        }
    }
    batch.retain(|s| s.id > *last_id);
    let mut out = Vec::new();
    if lagged {
        // Everything after the last delivery shown, straight from the store (the truth).
        let mut missed = Vec::new();
        loop {
            match store.after(*last_id, 10_000) {
                Ok(page) if page.is_empty() => break,
                Ok(page) => {
                    *last_id = page.last().map_or(*last_id, |s| s.id);
                    missed.extend(page);
                }
                Err(e) => {
                    out.push(Msg::Error(format!("cannot re-read missed deliveries: {e}")));
                    break;
                }
            }
        }
        batch.retain(|s| s.id > *last_id);
        out.push(Msg::CaughtUp(missed));
    }
    if let Some(last) = batch.last() {
        *last_id = last.id;
        out.push(Msg::Deliveries(batch));
    }
    out
}

fn drain_handler(
    first: Result<HandlerEvent, RecvError>,
    rx: &mut Option<broadcast::Receiver<HandlerEvent>>,
    store: &Store,
) -> Vec<Msg> {
    let mut out = Vec::new();
    let mut lagged = false;
    match first {
        Ok(e) => out.push(Msg::Handler(e)),
        Err(RecvError::Lagged(_)) => lagged = true,
        Err(RecvError::Closed) => {
            *rx = None;
            return out;
        }
    }
    if let Some(r) = rx.as_mut() {
        while out.len() < BATCH_MAX {
            match r.try_recv() {
                Ok(e) => out.push(Msg::Handler(e)),
                Err(TryRecvError::Lagged(_)) => lagged = true,
                Err(_) => break,
            }
        }
    }
    if lagged {
        match store.handler_cells(None) {
            Ok(cells) => out.push(Msg::HandlerCells(cells)),
            Err(e) => out.push(Msg::Error(format!("cannot re-read handler results: {e}"))),
        }
    }
    out
}

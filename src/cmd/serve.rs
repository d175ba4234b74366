//! `hookwatch serve`: the headless receiver. One NDJSON line per committed delivery on
//! stdout, flushed at once (per batch), and one `"type":"handler_run"` line per stored
//! handler run; human messages go to stderr.

use crate::config::Settings;
use crate::delivery::{DeliveryId, Summary};
use crate::handlers::HandlerEvent;
use crate::receiver::{self, Receiver};
use crate::store::jobs::{self, Jobs};
use crate::store::{BatchPolicy, Store, Writer};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::broadcast::{self, error::TryRecvError};

pub async fn run(mut settings: Settings, demo: bool) -> Result<()> {
    let registry = settings.registry();
    for w in &settings.warnings {
        eprintln!("hookwatch: warning: {w}");
    }
    let listener = receiver::bind(settings.listen).await?;
    let addr = listener.local_addr().context("listener address")?;
    let writer = Writer::spawn(&settings.db_path, BatchPolicy::default())
        .with_context(|| format!("cannot open the store {}", settings.db_path.display()))?;
    let printer = spawn_ndjson(writer.subscribe(), settings.db_path.clone())?;
    if settings.secrets.is_empty() {
        eprintln!(
            "hookwatch: no secrets configured: deliveries are recorded as `unverified` (add --secret PROVIDER=VALUE)"
        );
    }
    eprintln!(
        "hookwatch: listening on http://{addr} (store {})",
        settings.db_path.display()
    );
    let base = format!("http://{addr}");
    let secrets = settings.secrets.clone();
    if demo {
        let registry = registry.clone();
        let secrets = secrets.clone();
        tokio::spawn(async move {
            if let Err(e) = crate::demo::run(base, registry, secrets).await {
                eprintln!("hookwatch: demo sender stopped: {e:#}");
            }
        });
    }
    if !settings.handlers.is_empty() {
        let names: Vec<&str> = settings.handlers.iter().map(|h| &*h.name).collect();
        eprintln!("hookwatch: handlers: {}", names.join(", "));
    }
    let (pool, warning) = crate::handlers::pool_for(&mut settings, &registry, &secrets)?;
    if let Some(w) = warning {
        eprintln!("hookwatch: warning: {w}");
    }
    if let Some(pool) = &pool {
        spawn_run_lines(pool.subscribe_runs(), settings.db_path.clone())?;
        pool.start(&writer)?;
    }
    let closer = writer.clone();
    let rx = Arc::new(Receiver {
        registry,
        secrets,
        writer,
        body_limit: settings.body_limit,
    });
    receiver::serve(listener, receiver::router(rx), super::shutdown_signal()).await?;
    if let Some(pool) = pool {
        // Store the runs already finished; runs still in progress happen after a restart.
        pool.shutdown().await;
    }
    // The writer commits what is queued and closes the notification channel, which ends
    // the printer.
    if let Ok(stats) = tokio::task::spawn_blocking(move || closer.close()).await {
        eprintln!(
            "hookwatch: stored {} deliveries in {} commits ({:.1} per commit)",
            stats.rows,
            stats.batches,
            stats.rows as f64 / stats.batches.max(1) as f64
        );
    }
    let _ = tokio::task::spawn_blocking(move || printer.join()).await;
    Ok(())
}

/// A thread printing one NDJSON line per stored handler run (`"type":"handler_run"`); when
/// it lags behind the channel it re-reads the missed runs from the store.
fn spawn_run_lines(mut rx: broadcast::Receiver<HandlerEvent>, db: PathBuf) -> Result<()> {
    let mut last = Jobs::open(&db)
        .and_then(|j| jobs::last_run_id(j.conn()))
        .context("cannot read the handler runs")?;
    std::thread::Builder::new()
        .name("hookwatch-run-lines".into())
        .spawn(move || {
            crate::background::mark_current_thread();
            loop {
                let events = match rx.blocking_recv() {
                    Ok(e) => vec![e],
                    Err(broadcast::error::RecvError::Lagged(_)) => runs_after(&db, last),
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                let mut out = std::io::stdout().lock();
                for e in events {
                    let id = e.run_id.unwrap_or(0);
                    if id <= last {
                        continue;
                    }
                    last = id;
                    if writeln!(out, "{}", e.to_json()).is_err() {
                        return;
                    }
                }
                if out.flush().is_err() {
                    return;
                }
            }
        })
        .context("cannot start the handler printer thread")?;
    Ok(())
}

fn runs_after(db: &std::path::Path, after: i64) -> Vec<HandlerEvent> {
    match Jobs::open(db).and_then(|j| jobs::runs_after(j.conn(), after, 100_000)) {
        Ok(runs) => runs.into_iter().map(HandlerEvent::from_run).collect(),
        Err(e) => {
            eprintln!("hookwatch: cannot re-read missed handler runs: {e}");
            Vec::new()
        }
    }
}

/// A thread printing NDJSON lines; when it lags behind the channel it re-reads the missed
/// deliveries from the store, so no line is ever skipped. A background thread: it prints
/// between answers, never in the middle of them.
fn spawn_ndjson(
    mut rx: broadcast::Receiver<Summary>,
    db: PathBuf,
) -> Result<std::thread::JoinHandle<()>> {
    let thread = std::thread::Builder::new().name("hookwatch-ndjson".into());
    let printer = thread.spawn(move || {
        crate::background::mark_current_thread();
        let stdout = std::io::stdout();
        let mut last: DeliveryId = 0;
        loop {
            let first = match rx.blocking_recv() {
                Ok(s) => vec![s],
                Err(broadcast::error::RecvError::Closed) => return,
                Err(broadcast::error::RecvError::Lagged(_)) => catch_up(&db, last),
            };
            let mut batch = first;
            loop {
                match rx.try_recv() {
                    Ok(s) => batch.push(s),
                    Err(TryRecvError::Lagged(_)) => batch.extend(catch_up(&db, last)),
                    Err(_) => break,
                }
            }
            // Stdout is line-buffered: buffer the whole batch, one write per batch.
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
            for s in batch {
                if s.id <= last {
                    continue;
                }
                last = s.id;
                if s.write_json(&mut out)
                    .and_then(|_| out.write_all(b"\n"))
                    .is_err()
                {
                    return;
                }
            }
            if out.flush().is_err() {
                return;
            }
        }
    });
    printer.context("cannot start the NDJSON printer thread")
}

fn catch_up(db: &std::path::Path, after: DeliveryId) -> Vec<Summary> {
    match Store::open(db).and_then(|s| s.after(after, 100_000)) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("hookwatch: cannot re-read missed deliveries: {e}");
            Vec::new()
        }
    }
}

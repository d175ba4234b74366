//! The dispatcher thread: committed deliveries become first attempts of every handler that
//! takes them. At start it catches up from the cursor (what a crash left owed, skipping
//! what already ran), and whenever the notification channel lagged it re-reads the store,
//! so no acknowledged delivery is ever skipped.

use super::{Core, HandlerEvent, Shared};
use crate::delivery::{DeliveryId, Summary};
use crate::handlers::pool::book::Msg;
use crate::store::jobs::{CursorState, HandlerCell, Job, Jobs};
use crate::store::{Store, StoreError};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};

/// Deliveries read from the store per catch-up page.
const PAGE: usize = 1000;

/// Where the dispatcher starts, read before the receiver accepts anything (a delivery
/// arriving while the dispatcher thread starts must not count as history).
pub struct Start {
    store: Store,
    jobs: Jobs,
    state: CursorState,
    newest: DeliveryId,
}

impl Start {
    pub fn read(db: &Path) -> Result<Start, StoreError> {
        let store = Store::open(db)?;
        let jobs = Jobs::open(db)?;
        let state = jobs.cursor_state()?;
        let newest = store.recent(1, None)?.first().map_or(0, |s| s.id);
        Ok(Start {
            store,
            jobs,
            state,
            newest,
        })
    }
}

pub fn run(
    ctx: Arc<Shared>,
    start: Start,
    mut rx: broadcast::Receiver<Summary>,
) -> Result<(), StoreError> {
    let mut last = resume(&ctx, &start)?;
    let Start { store, .. } = start;
    loop {
        let mut batch = match rx.blocking_recv() {
            Ok(s) => vec![s],
            Err(RecvError::Lagged(_)) => {
                last = catch_up(&ctx, &store, None, last, DeliveryId::MAX)?;
                continue;
            }
            Err(RecvError::Closed) => return Ok(()),
        };
        loop {
            match rx.try_recv() {
                Ok(s) => batch.push(s),
                Err(TryRecvError::Lagged(_)) => {
                    dispatch(&ctx, &batch, &mut last, None)?;
                    batch.clear();
                    last = catch_up(&ctx, &store, None, last, DeliveryId::MAX)?;
                }
                Err(_) => break,
            }
        }
        dispatch(&ctx, &batch, &mut last, None)?;
    }
}

/// Where to start: the first time, at the newest delivery (handlers do not run on the
/// history); else catch up from the cursor, up to the pause mark when a receiver without
/// handlers ran meanwhile. Returns the last delivery dispatched.
fn resume(ctx: &Shared, start: &Start) -> Result<DeliveryId, StoreError> {
    let (store, jobs, newest) = (&start.store, &start.jobs, start.newest);
    let Some(cursor) = start.state.cursor else {
        ctx.book.send(Msg::Dispatched {
            through: newest,
            owed: Vec::new(),
        });
        return Ok(newest);
    };
    let stop = start
        .state
        .paused_at
        .map_or(newest, |p| p.max(cursor))
        .min(newest);
    let last = catch_up(ctx, store, Some(jobs), cursor, stop)?;
    if stop < newest {
        tracing::info!(
            from = stop + 1,
            to = newest,
            "deliveries received while no handler was configured are not run (use `hookwatch replay`)"
        );
        ctx.book.send(Msg::Dispatched {
            through: newest,
            owed: Vec::new(),
        });
    }
    Ok(last.max(newest))
}

/// Dispatch the stored deliveries after `from` up to `to`; with `jobs`, skip handlers that
/// already have a run or job for a delivery. Returns the last delivery dispatched.
fn catch_up(
    ctx: &Shared,
    store: &Store,
    jobs: Option<&Jobs>,
    from: DeliveryId,
    to: DeliveryId,
) -> Result<DeliveryId, StoreError> {
    let mut last = from;
    loop {
        let mut page = store.after(last, PAGE)?;
        page.retain(|s| s.id <= to);
        if page.is_empty() {
            return Ok(last);
        }
        dispatch(ctx, &page, &mut last, jobs)?;
    }
}

fn dispatch(
    ctx: &Shared,
    deliveries: &[Summary],
    last: &mut DeliveryId,
    done: Option<&Jobs>,
) -> Result<(), StoreError> {
    let fresh: Vec<&Summary> = deliveries.iter().filter(|s| s.id > *last).collect();
    let Some(through) = fresh.iter().map(|s| s.id).max() else {
        return Ok(());
    };
    let mut queued = Vec::new();
    let mut owed = Vec::new();
    for s in fresh {
        let already = match done {
            Some(jobs) => jobs.handled(s.id)?,
            None => Vec::new(),
        };
        let before = queued.len();
        for h in ctx.handlers.iter().filter(|h| h.takes(s)) {
            if already.iter().any(|a| **a == *h.name) {
                continue;
            }
            queued.push(Job {
                id: None,
                delivery_id: s.id,
                handler: Arc::clone(&h.name),
                attempt: 1,
                max_attempts: h.max_attempts(),
                manual: false,
                target: None,
            });
        }
        let n = queued.len() - before;
        if n > 0 {
            owed.push((s.id, u32::try_from(n).unwrap_or(u32::MAX)));
        }
    }
    // The bookkeeper learns what is owed before any of it can finish.
    ctx.book.send(Msg::Dispatched { through, owed });
    *last = through;
    announce_pending(&ctx.core, &queued);
    ctx.core.queue.push_ready(queued);
    Ok(())
}

fn announce_pending(core: &Core, jobs: &[Job]) {
    if !core.watched() {
        return;
    }
    for j in jobs {
        core.announce(&HandlerEvent::change(
            j,
            HandlerCell::Pending {
                attempt: j.attempt,
                max: j.max_attempts,
            },
        ));
    }
}

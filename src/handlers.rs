//! Handlers: what the developer is building (their local app's endpoint, or a script).
//! Deliveries become jobs after the ack; a bounded pool runs them (forward or command),
//! stores every run, retries on a schedule and survives restarts.

pub mod command;
pub mod forward;
pub mod outcome;
pub mod pool;
pub mod resign;
pub mod spec;

pub use pool::{HandlerEvent, Pool};
pub use spec::{Action, Handler, HandlerSpec};

use crate::config::Settings;
use crate::verify::{Registry, Secrets};

/// The pool for the configured handlers, not started yet (subscribe first, then
/// [`Pool::start`]); with no handlers, `None` and the queue is marked paused, so deliveries
/// received now are not owed to handlers configured later. The `String` is a warning that
/// did not stop the start.
pub fn pool_for(
    settings: &mut Settings,
    registry: &Registry,
    secrets: &Secrets,
) -> anyhow::Result<(Option<Pool>, Option<String>)> {
    if settings.handlers.is_empty() {
        let warning = crate::store::jobs::Jobs::open(&settings.db_path)
            .and_then(|j| j.mark_paused())
            .err()
            .map(|e| format!("cannot mark the handler queue: {e}"));
        return Ok((None, warning));
    }
    let pool = Pool::new(
        &settings.db_path,
        std::mem::take(&mut settings.handlers),
        registry.clone(),
        secrets.clone(),
        settings.handler_concurrency,
    )?;
    Ok((Some(pool), None))
}

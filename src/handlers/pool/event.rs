//! What the pool announces: a change in a delivery's handler cell (pending, running, a
//! finished run), and the NDJSON line `serve` and `replay` print for each stored run.

use crate::delivery::{DeliveryId, rfc3339_ms};
use crate::handlers::outcome::RunResult;
use crate::store::jobs::{Finished, HandlerCell, Job, Run};
use std::sync::Arc;

/// Longest response excerpt in an NDJSON line (the store keeps the whole excerpt).
const LINE_EXCERPT_CHARS: usize = 512;

/// A change in a delivery's handler column, with the run when one finished.
#[derive(Clone, Debug)]
pub struct HandlerEvent {
    pub delivery_id: DeliveryId,
    pub handler: Arc<str>,
    pub attempt: u32,
    pub max_attempts: u32,
    pub cell: HandlerCell,
    /// The stored run's id, when a run finished.
    pub run_id: Option<i64>,
    pub started_at_ms: Option<i64>,
    pub run: Option<RunResult>,
}

impl HandlerEvent {
    pub(super) fn change(job: &Job, cell: HandlerCell) -> HandlerEvent {
        HandlerEvent {
            delivery_id: job.delivery_id,
            handler: Arc::clone(&job.handler),
            attempt: job.attempt,
            max_attempts: job.max_attempts,
            cell,
            run_id: None,
            started_at_ms: None,
            run: None,
        }
    }

    pub(super) fn finished(f: Finished, run_id: i64) -> HandlerEvent {
        let j = &f.job;
        HandlerEvent {
            delivery_id: j.delivery_id,
            handler: Arc::clone(&j.handler),
            attempt: j.attempt,
            max_attempts: j.max_attempts,
            cell: HandlerCell::after(
                &f.result.outcome,
                f.result.duration_ms,
                j.attempt,
                j.max_attempts,
            ),
            run_id: Some(run_id),
            started_at_ms: Some(f.started_at_ms),
            run: Some(f.result),
        }
    }

    /// The event of a stored run (for a printer that lagged and re-reads the store).
    pub fn from_run(r: Run) -> HandlerEvent {
        HandlerEvent {
            delivery_id: r.delivery_id,
            handler: Arc::from(r.handler.as_str()),
            attempt: r.attempt,
            max_attempts: r.max_attempts,
            cell: r.cell(),
            run_id: Some(r.id),
            started_at_ms: Some(r.started_at_ms),
            run: Some(r.result),
        }
    }

    /// The NDJSON line `serve` and `replay` print for a finished run.
    pub fn to_json(&self) -> serde_json::Value {
        let run = self.run.as_ref();
        let excerpt = run.map(|r| {
            let e: String = r.excerpt.chars().take(LINE_EXCERPT_CHARS).collect();
            // serde_json escapes C0 controls; C1 ones (a lone CSI) would reach a terminal.
            e.chars()
                .map(|c| {
                    if c.is_control() && !c.is_ascii() {
                        '\u{fffd}'
                    } else {
                        c
                    }
                })
                .collect::<String>()
        });
        serde_json::json!({
            "type": "handler_run",
            "run_id": self.run_id,
            "delivery_id": self.delivery_id,
            "handler": &*self.handler,
            "attempt": self.attempt,
            "max_attempts": self.max_attempts,
            "started_at": self.started_at_ms.map(rfc3339_ms),
            "duration_ms": run.map(|r| r.duration_ms),
            "outcome": run.map(|r| &r.outcome),
            "ok": run.map(|r| r.outcome.is_success()),
            "result": self.cell.short(),
            "state": self.cell.state(),
            "notes": run.map(|r| &r.notes),
            "excerpt": excerpt,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::outcome::Outcome;

    fn finished(status: u16, attempt: u32, max: u32, excerpt: &str) -> HandlerEvent {
        HandlerEvent::finished(
            Finished {
                job: Job {
                    id: None,
                    delivery_id: 42,
                    handler: Arc::from("app"),
                    attempt,
                    max_attempts: max,
                    manual: false,
                    target: None,
                },
                started_at_ms: 1_700_000_000_000,
                result: RunResult {
                    outcome: Outcome::Http { status },
                    duration_ms: 7,
                    excerpt: excerpt.into(),
                    notes: vec!["re-signed".into()],
                },
                retry_at_ms: None,
            },
            3,
        )
    }

    #[test]
    fn the_run_line_says_what_happened() {
        let line = finished(200, 1, 1, "ok").to_json();
        assert_eq!(line["type"], "handler_run");
        assert_eq!(line["run_id"], 3);
        assert_eq!(line["delivery_id"], 42);
        assert_eq!(line["handler"], "app");
        assert_eq!(line["started_at"], "2023-11-14T22:13:20.000Z");
        assert_eq!(
            line["outcome"],
            serde_json::json!({"kind": "http", "status": 200})
        );
        assert_eq!(line["result"], "200 7ms");
        assert_eq!(line["state"], "ok");
        assert_eq!(line["notes"][0], "re-signed");
        let retry = finished(503, 2, 4, "busy").to_json();
        assert_eq!(retry["result"], "pending 3/4");
        assert_eq!(retry["state"], "pending");
        assert_eq!(finished(503, 4, 4, "").to_json()["result"], "dead (503)");
    }

    #[test]
    fn excerpts_are_short_and_carry_no_terminal_controls() {
        let nasty = format!("\u{1b}[2J\u{9b}31m{}", "x".repeat(5000));
        let line = finished(500, 1, 1, &nasty).to_json().to_string();
        assert!(
            !line.contains('\u{1b}') && !line.contains('\u{9b}'),
            "{line}"
        );
        assert!(line.contains("\\u001b[2J"));
        let excerpt = finished(500, 1, 1, &nasty).to_json()["excerpt"]
            .as_str()
            .map(|e| e.chars().count());
        assert_eq!(excerpt, Some(LINE_EXCERPT_CHARS));
    }
}

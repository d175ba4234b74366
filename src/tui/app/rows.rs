//! The deliveries held in memory: compact summaries (no bodies) sorted by id, the handler
//! column of each, the indices the current filter shows, counts by verdict and the arrival
//! rate buckets behind the status bar's sparkline.

use crate::delivery::{DeliveryId, Summary, Verdict};
use crate::filter::{Filter, HandlerState, Subject};
use crate::store::jobs::HandlerCell;

/// Seconds of arrival history behind the sparkline.
pub const RATE_WINDOW: usize = 60;

/// One delivery as the list knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub summary: Summary,
    pub handler: Option<HandlerCell>,
}

/// The filter's view of a handler cell.
pub fn handler_state(cell: &HandlerCell) -> HandlerState {
    match cell.state() {
        "ok" => HandlerState::Ok,
        "failed" => HandlerState::Failed,
        _ => HandlerState::Pending,
    }
}

impl Subject for Row {
    fn summary(&self) -> &Summary {
        &self.summary
    }
    fn handler(&self) -> Option<HandlerState> {
        self.handler.as_ref().map(handler_state)
    }
    fn body(&self) -> Option<&[u8]> {
        None
    }
    fn json(&self) -> Option<&serde_json::Value> {
        None
    }
}

/// All rows (ascending id) and the filtered selection of them.
#[derive(Debug)]
pub struct Rows {
    rows: Vec<Row>,
    /// Indices into `rows` that the filter shows, ascending.
    visible: Vec<usize>,
    counts: [u64; 6],
    duplicates: u64,
    /// Deliveries per second: `(unix second, count)` slots, indexed by second % window.
    rate: [(i64, u64); RATE_WINDOW],
}

impl Default for Rows {
    fn default() -> Self {
        Rows {
            rows: Vec::new(),
            visible: Vec::new(),
            counts: [0; 6],
            duplicates: 0,
            rate: [(i64::MIN, 0); RATE_WINDOW],
        }
    }
}

fn verdict_slot(v: Verdict) -> usize {
    Verdict::ALL.iter().position(|x| *x == v).unwrap_or(0)
}

impl Rows {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn newest_id(&self) -> Option<DeliveryId> {
        self.rows.last().map(|r| r.summary.id)
    }

    /// Count of deliveries with this verdict (all rows, not only the filtered ones).
    pub fn count(&self, v: Verdict) -> u64 {
        self.counts[verdict_slot(v)]
    }

    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    pub fn visible(&self) -> &[usize] {
        &self.visible
    }

    pub fn row(&self, index: usize) -> Option<&Row> {
        self.rows.get(index)
    }

    /// Index of the row with this id.
    pub fn index_of(&self, id: DeliveryId) -> Option<usize> {
        self.rows.binary_search_by_key(&id, |r| r.summary.id).ok()
    }

    /// Position in `visible` of the row with this id, or where it would be.
    pub fn visible_position(&self, id: DeliveryId) -> Result<usize, usize> {
        let idx = self.rows.partition_point(|r| r.summary.id < id);
        self.visible.binary_search(&idx)
    }

    pub fn get(&self, id: DeliveryId) -> Option<&Row> {
        self.index_of(id).and_then(|i| self.rows.get(i))
    }

    /// Append deliveries newer than the newest row (older or repeated ids are ignored).
    /// Returns the indices of the rows added, in order.
    pub fn append(&mut self, summaries: Vec<Summary>) -> std::ops::Range<usize> {
        let start = self.rows.len();
        // One allocation for the whole history, not a chain of doublings left behind.
        self.rows.reserve(summaries.len());
        for s in summaries {
            if self.newest_id().is_some_and(|n| s.id <= n) {
                continue;
            }
            self.counts[verdict_slot(s.verdict)] += 1;
            self.duplicates += u64::from(s.duplicate);
            self.rows.push(Row {
                summary: s,
                handler: None,
            });
        }
        start..self.rows.len()
    }

    /// Count an arrival in the rate buckets (by its receive time).
    pub fn count_arrival(&mut self, received_at_ms: i64) {
        let sec = received_at_ms.div_euclid(1000);
        let slot = &mut self.rate[sec.rem_euclid(RATE_WINDOW as i64) as usize];
        if slot.0 == sec {
            slot.1 += 1;
        } else {
            *slot = (sec, 1);
        }
    }

    /// Deliveries per second over the last [`RATE_WINDOW`] seconds, oldest first.
    pub fn rate_series(&self, now_ms: i64) -> Vec<u64> {
        let now = now_ms.div_euclid(1000);
        (now - RATE_WINDOW as i64 + 1..=now)
            .map(|sec| {
                let slot = self.rate[sec.rem_euclid(RATE_WINDOW as i64) as usize];
                if slot.0 == sec { slot.1 } else { 0 }
            })
            .collect()
    }

    /// Set a row's handler cell; returns its index when the row exists.
    pub fn set_handler(&mut self, id: DeliveryId, cell: HandlerCell) -> Option<usize> {
        let i = self.index_of(id)?;
        self.rows[i].handler = Some(cell);
        Some(i)
    }

    /// Recompute `visible` for `filter`; rows the summary cannot decide are shown when
    /// `body_match` says so, and returned (they need their bodies read) when it has no answer.
    pub fn refilter(
        &mut self,
        filter: &Filter,
        body_match: impl Fn(DeliveryId) -> Option<bool>,
    ) -> Vec<usize> {
        self.visible.clear();
        let mut undecided = Vec::new();
        for (i, row) in self.rows.iter().enumerate() {
            match filter.decide(row).or_else(|| body_match(row.summary.id)) {
                Some(true) => self.visible.push(i),
                Some(false) => {}
                None => undecided.push(i),
            }
        }
        undecided
    }

    /// Decide rows `range` (just appended) and show the matching ones; returns the
    /// undecided ones.
    pub fn filter_new(&mut self, filter: &Filter, range: std::ops::Range<usize>) -> Vec<usize> {
        let mut undecided = Vec::new();
        for i in range {
            match filter.decide(&self.rows[i]) {
                Some(true) => self.visible.push(i),
                Some(false) => {}
                None => undecided.push(i),
            }
        }
        undecided
    }

    /// Show or hide row `index` (after a body match or a handler change).
    pub fn set_visible(&mut self, index: usize, shown: bool) -> bool {
        match (self.visible.binary_search(&index), shown) {
            (Err(at), true) => {
                self.visible.insert(at, index);
                true
            }
            (Ok(at), false) => {
                self.visible.remove(at);
                true
            }
            _ => false,
        }
    }

    /// Show many rows at once (body matches of one chunk), keeping `visible` sorted.
    pub fn show_many(&mut self, mut indices: Vec<usize>) -> usize {
        indices.sort_unstable();
        indices.dedup();
        let before = self.visible.len();
        let mut merged = Vec::with_capacity(before + indices.len());
        let (mut a, mut b) = (0, 0);
        while a < self.visible.len() || b < indices.len() {
            let take_a = match (self.visible.get(a), indices.get(b)) {
                (Some(x), Some(y)) => x <= y,
                (Some(_), None) => true,
                _ => false,
            };
            if take_a {
                if indices.get(b) == self.visible.get(a) {
                    b += 1;
                }
                merged.push(self.visible[a]);
                a += 1;
            } else {
                merged.push(indices[b]);
                b += 1;
            }
        }
        self.visible = merged;
        self.visible.len() - before
    }

    /// The filter's answer for one row from its summary alone.
    pub fn decide(&self, filter: &Filter, index: usize) -> Option<bool> {
        self.rows.get(index).and_then(|r| filter.decide(r))
    }
}

//! The event list's view over [`Rows`]: newest first, the selection kept by delivery id,
//! follow mode (sticks to the newest), freeze (the list stops moving and counts "+N new"),
//! and the scroll offset of the visible window.

use super::rows::{Row, Rows};
use crate::delivery::DeliveryId;

#[derive(Clone, Debug, PartialEq)]
pub struct ListView {
    /// The selected delivery (by id, so it survives floods and filter changes).
    pub selected: Option<DeliveryId>,
    /// The row the user chose: while a filter hides it the nearest row is selected, and it
    /// is selected again as soon as it shows (typing a filter passes through many states).
    pub anchor: Option<DeliveryId>,
    /// Display index of the top row on screen.
    pub offset: usize,
    /// Stick to the newest delivery.
    pub follow: bool,
    /// While frozen, deliveries newer than this id wait off screen.
    pub frozen_at: Option<DeliveryId>,
    /// Rows on screen (set from the layout).
    pub height: usize,
}

impl Default for ListView {
    fn default() -> Self {
        ListView {
            selected: None,
            anchor: None,
            offset: 0,
            follow: true,
            frozen_at: None,
            height: 10,
        }
    }
}

impl ListView {
    /// How many visible rows are on display (all, or those up to the freeze point).
    pub fn shown_len(&self, rows: &Rows) -> usize {
        match self.frozen_at {
            None => rows.visible().len(),
            Some(at) => rows
                .visible()
                .partition_point(|&i| rows.row(i).is_some_and(|r| r.summary.id <= at)),
        }
    }

    /// Matching deliveries that arrived while frozen.
    pub fn new_while_frozen(&self, rows: &Rows) -> usize {
        rows.visible().len() - self.shown_len(rows)
    }

    /// The row at display index `i` (0 = newest shown).
    pub fn display_row<'r>(&self, rows: &'r Rows, i: usize) -> Option<&'r Row> {
        let n = self.shown_len(rows);
        let pos = n.checked_sub(i + 1)?;
        rows.visible().get(pos).and_then(|&idx| rows.row(idx))
    }

    /// Display index of a delivery, when it is on display.
    pub fn display_index(&self, rows: &Rows, id: DeliveryId) -> Option<usize> {
        let n = self.shown_len(rows);
        match rows.visible_position(id) {
            Ok(pos) if pos < n => Some(n - 1 - pos),
            _ => None,
        }
    }

    /// Display index of the selection; when the selected row is filtered out, the
    /// nearest older one on display (or the oldest).
    pub fn selected_index(&self, rows: &Rows) -> Option<usize> {
        let n = self.shown_len(rows);
        if n == 0 {
            return None;
        }
        let id = self.selected?;
        Some(match rows.visible_position(id) {
            Ok(pos) | Err(pos) if pos >= n => 0,
            Ok(pos) => n - 1 - pos,
            Err(0) => n - 1,
            Err(pos) => n - pos,
        })
    }

    pub fn selected_row<'r>(&self, rows: &'r Rows) -> Option<&'r Row> {
        self.selected_index(rows)
            .and_then(|i| self.display_row(rows, i))
    }

    /// Select display index `i` (clamped) and scroll it into view.
    pub fn select_index(&mut self, rows: &Rows, i: usize) {
        let n = self.shown_len(rows);
        if n == 0 {
            self.selected = None;
            self.offset = 0;
            return;
        }
        let i = i.min(n - 1);
        self.selected = self.display_row(rows, i).map(|r| r.summary.id);
        self.anchor = self.selected;
        self.scroll_to(i);
    }

    /// Move the selection by `delta` rows (negative = towards the newest). Reaching the
    /// top turns follow on; moving away from it turns follow off.
    pub fn move_by(&mut self, rows: &Rows, delta: isize) {
        let current = self.selected_index(rows).unwrap_or(0);
        let target = current.saturating_add_signed(delta);
        self.select_index(rows, target);
        let at_top = self.selected_index(rows) == Some(0);
        self.follow = at_top && (delta < 0 || self.follow);
    }

    /// Keep display index `i` within the window.
    pub fn scroll_to(&mut self, i: usize) {
        let h = self.height.max(1);
        if i < self.offset {
            self.offset = i;
        } else if i >= self.offset + h {
            self.offset = i + 1 - h;
        }
    }

    /// Re-anchor after the rows changed: follow the newest, or keep the selected row on
    /// the same screen line (the offset moves with rows added above it).
    pub fn settle(&mut self, rows: &Rows, added_above: usize) {
        let n = self.shown_len(rows);
        if n == 0 {
            self.selected = None;
            self.offset = 0;
            return;
        }
        if self.follow && self.frozen_at.is_none() {
            self.select_index(rows, 0);
            self.offset = 0;
            return;
        }
        if let Some(a) = self
            .anchor
            .filter(|a| self.display_index(rows, *a).is_some())
        {
            self.selected = Some(a);
        }
        if self.selected.is_none() {
            // Not `select_index`: the user's anchor stays for when it shows again.
            self.selected = self.display_row(rows, 0).map(|r| r.summary.id);
            self.offset = 0;
            return;
        }
        self.offset = (self.offset + added_above).min(n.saturating_sub(1));
        if let Some(i) = self.selected_index(rows) {
            self.selected = self.display_row(rows, i).map(|r| r.summary.id);
            self.scroll_to(i);
        }
    }

    /// Freeze (the list stops at the newest delivery now) or thaw.
    pub fn toggle_freeze(&mut self, rows: &Rows) {
        match self.frozen_at {
            None => self.frozen_at = Some(rows.newest_id().unwrap_or(0)),
            Some(_) => {
                let before = self.shown_len(rows);
                self.frozen_at = None;
                let added = self.shown_len(rows) - before;
                self.settle(rows, added);
            }
        }
    }
}

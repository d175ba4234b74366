//! Data arriving from the store and the workers: new deliveries (appended, filtered,
//! the list re-anchored), body answers of the off-thread filter, handler cells. Rows the
//! summary cannot decide are sent off as [`Effect::RunFilter`].

use super::rows::handler_state;
use super::{App, Effect};
use crate::delivery::{DeliveryId, Summary};
use crate::handlers::HandlerEvent;
use crate::store::jobs::HandlerCell;

impl App {
    pub(super) fn on_deliveries(&mut self, batch: Vec<Summary>) -> Vec<Effect> {
        for s in &batch {
            self.rows.count_arrival(s.received_at_ms);
        }
        let before = self.list.shown_len(&self.rows);
        let added = self.rows.append(batch);
        let undecided = self.rows.filter_new(&self.filter.applied, added);
        let mut fx = self.body_work(undecided);
        let grown = self.list.shown_len(&self.rows) - before;
        fx.extend(self.after_list_change(grown));
        fx
    }

    /// Send rows the summary cannot decide off to have their bodies read.
    pub(super) fn body_work(&mut self, undecided: Vec<usize>) -> Vec<Effect> {
        if undecided.is_empty() {
            return Vec::new();
        }
        self.filter.add_pending(undecided.len());
        let rows = undecided
            .into_iter()
            .filter_map(|i| self.rows.row(i))
            .map(|r| (r.summary.clone(), r.handler.as_ref().map(handler_state)))
            .collect();
        vec![Effect::RunFilter {
            generation: self.filter.generation,
            filter: self.filter.applied.clone(),
            rows,
        }]
    }

    /// Apply the current filter to every row.
    pub fn refilter(&mut self) -> Vec<Effect> {
        let answers = &self.filter.body_answers;
        let undecided = self
            .rows
            .refilter(&self.filter.applied, |id| answers.get(&id).copied());
        self.body_work(undecided)
    }

    pub(super) fn on_body_answers(
        &mut self,
        generation: u64,
        answers: Vec<(DeliveryId, bool)>,
    ) -> Vec<Effect> {
        if !self.filter.record(generation, &answers) {
            self.dirty = false;
            return Vec::new();
        }
        let before = self.list.shown_len(&self.rows);
        let matched: Vec<usize> = answers
            .iter()
            .filter(|(_, m)| *m)
            .filter_map(|(id, _)| self.rows.index_of(*id))
            .collect();
        let newest_before = self.list.display_row(&self.rows, 0).map(|r| r.summary.id);
        self.rows.show_many(matched);
        // Matches older than the top row do not push the window down.
        let above = match newest_before {
            Some(top) => answers
                .iter()
                .filter(|(id, m)| *m && *id > top)
                .count()
                .min(self.list.shown_len(&self.rows) - before),
            None => 0,
        };
        self.after_list_change(above)
    }

    pub(super) fn on_handler(&mut self, e: HandlerEvent) -> Vec<Effect> {
        let mut fx = self.set_cell(e.delivery_id, e.cell);
        if e.run.is_some() && self.list.selected == Some(e.delivery_id) {
            fx.push(Effect::LoadRuns(e.delivery_id));
        }
        fx
    }

    pub(super) fn set_cell(&mut self, id: DeliveryId, cell: HandlerCell) -> Vec<Effect> {
        let Some(index) = self.rows.set_handler(id, cell) else {
            return Vec::new();
        };
        let decided = self
            .rows
            .decide(&self.filter.applied, index)
            .or_else(|| self.filter.body_answer(id));
        match decided {
            Some(shown) => {
                if self.rows.set_visible(index, shown) {
                    return self.after_list_change(0);
                }
                Vec::new()
            }
            None => self.body_work(vec![index]),
        }
    }
}

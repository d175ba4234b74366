//! The filter bar's state: the text being typed (tui-input), the last filter that parsed
//! (kept while the text has an error), the error with its position, and the off-thread
//! body resolution of rows the summary alone cannot decide ("filtering… N/M").

use crate::delivery::DeliveryId;
use crate::filter::{self, Filter, ParseError};
use std::collections::HashMap;
use tui_input::Input;

#[derive(Debug, Default)]
pub struct FilterState {
    pub input: Input,
    /// The filter in effect: the last text that parsed.
    pub applied: Filter,
    /// The text of `applied`.
    pub applied_text: String,
    /// The current text's parse error (the applied filter is the previous good one).
    pub error: Option<ParseError>,
    /// Bumped on every new filter; body answers of older generations are dropped.
    pub generation: u64,
    /// Rows whose bodies were read for the current filter: matched or not.
    pub body_answers: HashMap<DeliveryId, bool>,
    /// Body reads under way: (rows checked, rows to check).
    pub progress: Option<(usize, usize)>,
}

/// What typing changed.
#[derive(Debug, PartialEq)]
pub enum Typed {
    /// A new filter parsed and must be applied.
    Apply,
    /// The text has an error (kept visible), or parses to the filter already applied.
    Keep,
}

impl FilterState {
    /// Re-read the input text after an edit.
    pub fn typed(&mut self) -> Typed {
        let text = self.input.value().to_string();
        match filter::parse(&text) {
            Ok(f) => {
                self.error = None;
                if f == self.applied && text.trim() == self.applied_text.trim() {
                    return Typed::Keep;
                }
                self.set(f, text);
                Typed::Apply
            }
            Err(e) => {
                self.error = Some(e);
                Typed::Keep
            }
        }
    }

    /// Replace the filter in effect (a new generation, no body answers yet).
    pub fn set(&mut self, f: Filter, text: String) {
        self.applied = f;
        self.applied_text = text;
        self.generation += 1;
        self.body_answers.clear();
        self.progress = None;
    }

    /// Clear the text and the filter.
    pub fn clear(&mut self) -> bool {
        let had = !self.applied.is_empty() || !self.input.value().is_empty();
        self.input.reset();
        self.error = None;
        if had {
            self.set(Filter::default(), String::new());
        }
        had
    }

    /// The body answer for a row, if its body was read for the current filter.
    pub fn body_answer(&self, id: DeliveryId) -> Option<bool> {
        self.body_answers.get(&id).copied()
    }

    /// Count rows sent off for body reads.
    pub fn add_pending(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        let (done, total) = self.progress.unwrap_or((0, 0));
        self.progress = Some((done, total + n));
    }

    /// Record answers of the current generation; returns false for a stale generation.
    pub fn record(&mut self, generation: u64, answers: &[(DeliveryId, bool)]) -> bool {
        if generation != self.generation {
            return false;
        }
        self.body_answers.extend(answers.iter().copied());
        if let Some((done, total)) = &mut self.progress {
            *done = (*done + answers.len()).min(*total);
            if *done >= *total {
                self.progress = None;
            }
        }
        true
    }
}

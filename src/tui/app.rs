//! The dashboard's whole state and its one pure transition, `update(Msg) -> Vec<Effect>`:
//! no I/O and no clock reads (time arrives in messages). The runtime performs the effects
//! (loading a body, copying, exporting, re-running handlers, editing) and feeds their
//! results back as messages.

mod actions;
pub mod details;
mod feed;
pub mod filter;
mod input;
pub mod inspector;
pub mod layout;
pub mod list;
pub mod rows;
#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_keys;

use crate::delivery::{DeliveryId, Summary, Verdict};
use crate::filter::{Filter, HandlerState};
use crate::handlers::HandlerEvent;
use crate::store::jobs::{HandlerCell, Run};
use crate::tui::keymap::Keymap;
use crossterm::event::{KeyEvent, MouseEvent};
use filter::FilterState;
use inspector::{Inspector, Loaded};
use list::ListView;
use ratatui::layout::Rect;
use rows::Rows;
use std::path::PathBuf;

/// How long a toast stays up.
pub const TOAST_MS: i64 = 4000;
/// How long "caught up N" stays in the status bar.
pub const NOTICE_MS: i64 = 10_000;

/// Something that happened: input, data from the store, results of effects, time.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// Newly committed deliveries (in id order).
    Deliveries(Vec<Summary>),
    /// The notification channel lagged; these were re-read from the store.
    CaughtUp(Vec<Summary>),
    Loaded(Box<Loaded>),
    LoadFailed {
        id: DeliveryId,
        error: String,
    },
    Runs {
        id: DeliveryId,
        runs: Vec<Run>,
    },
    Handler(HandlerEvent),
    /// Handler cells re-read from the store (after the handler channel lagged).
    HandlerCells(Vec<(DeliveryId, HandlerCell)>),
    /// Body answers of a filter generation: (id, matches).
    FilterProgress {
        generation: u64,
        answers: Vec<(DeliveryId, bool)>,
    },
    FilterFailed {
        generation: u64,
        error: String,
    },
    Copied {
        label: String,
        result: Result<&'static str, String>,
    },
    Exported(Result<PathBuf, String>),
    Rerun(Result<usize, String>),
    /// An edited replay was stored as a new delivery (or why not).
    Replayed(Result<(DeliveryId, DeliveryId, Verdict), String>),
    Tick {
        now_ms: i64,
    },
    Error(String),
    /// SIGTERM / SIGHUP.
    Quit,
}

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadDelivery(DeliveryId),
    LoadRuns(DeliveryId),
    Copy {
        label: String,
        text: String,
    },
    ExportFixture(DeliveryId),
    Rerun(Vec<Summary>),
    EditReplay(DeliveryId),
    /// Read these rows' bodies and answer the filter for each.
    RunFilter {
        generation: u64,
        filter: Filter,
        rows: Vec<(Summary, Option<HandlerState>)>,
    },
    Quit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    List,
    Inspector,
}

/// What has the keyboard besides the panes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Filter,
    Search,
    Help {
        scroll: usize,
    },
    /// Waiting for y/n before re-running the handlers of this many deliveries.
    ConfirmRerunAll(usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toast {
    pub text: String,
    pub error: bool,
    pub until_ms: i64,
}

/// Fixed facts the app is started with.
#[derive(Clone, Debug)]
pub struct Setup {
    pub listen: String,
    pub keymap: Keymap,
    pub handlers: bool,
    pub demo: bool,
    pub now_ms: i64,
    /// Local time offset for the time column.
    pub utc_offset_s: i32,
    /// Deliveries in the store (more than the history loaded when the store is big).
    pub stored: u64,
    /// Warnings for the status bar (theme, keys, config).
    pub notices: Vec<String>,
}

pub struct App {
    pub setup: Setup,
    pub rows: Rows,
    pub list: ListView,
    pub filter: FilterState,
    pub inspector: Inspector,
    pub focus: Focus,
    pub mode: Mode,
    pub size: Rect,
    pub now_ms: i64,
    pub toast: Option<Toast>,
    pub last_error: Option<String>,
    /// "caught up N" and when it was said.
    pub caught_up: Option<(usize, i64)>,
    /// Something changed since the last frame.
    pub dirty: bool,
    pub quit: bool,
}

impl App {
    pub fn new(setup: Setup, size: Rect) -> App {
        let now_ms = setup.now_ms;
        let mut app = App {
            setup,
            rows: Rows::default(),
            list: ListView::default(),
            filter: FilterState::default(),
            inspector: Inspector::default(),
            focus: Focus::List,
            mode: Mode::Normal,
            size,
            now_ms,
            toast: None,
            last_error: None,
            caught_up: None,
            dirty: true,
            quit: false,
        };
        app.relayout();
        app
    }

    /// Start with stored history (newest first, as the store returns it) and handler cells.
    pub fn load_history(
        &mut self,
        mut newest_first: Vec<Summary>,
        cells: Vec<(DeliveryId, HandlerCell)>,
    ) -> Vec<Effect> {
        newest_first.reverse();
        self.rows.append(newest_first);
        for (id, cell) in cells {
            self.rows.set_handler(id, cell);
        }
        let mut fx = self.refilter();
        fx.extend(self.after_list_change(0));
        fx
    }

    pub fn areas(&self) -> layout::Areas {
        let lines = if self.filter.error.is_some() { 2 } else { 1 };
        layout::areas(self.size, lines, self.focus == Focus::Inspector)
    }

    /// Recompute pane heights after a resize or a layout change.
    pub fn relayout(&mut self) {
        let a = self.areas();
        self.list.height = usize::from(a.list_rows().height).max(1);
        self.inspector.height = usize::from(a.inspector_body().height).max(1);
        self.inspector.width = usize::from(a.inspector_body().width).max(1);
        self.inspector.follow_cursor();
        if let Some(i) = self.list.selected_index(&self.rows) {
            self.list.scroll_to(i);
        }
    }

    /// Apply a message; `dirty` tells the runtime whether anything visible changed
    /// (a message that changes nothing never clears a frame still owed for earlier ones).
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let owed = self.dirty;
        self.dirty = true;
        let fx = self.dispatch(msg);
        self.dirty |= owed;
        fx
    }

    fn dispatch(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(k) => self.on_key(k),
            Msg::Mouse(m) => self.on_mouse(m),
            Msg::Paste(text) => self.on_paste(&text),
            Msg::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                self.relayout();
                Vec::new()
            }
            Msg::Deliveries(batch) => self.on_deliveries(batch),
            Msg::CaughtUp(batch) => {
                self.caught_up = Some((batch.len(), self.now_ms));
                self.on_deliveries(batch)
            }
            Msg::Loaded(l) => {
                if !self.inspector.accept(l) {
                    self.dirty = false;
                }
                Vec::new()
            }
            Msg::LoadFailed { id, error } => {
                if self.inspector.loading == Some(id) {
                    self.inspector.loading = None;
                    self.inspector.error = Some(error);
                }
                Vec::new()
            }
            Msg::Runs { id, runs } => {
                if let Some(l) = self
                    .inspector
                    .loaded
                    .as_deref_mut()
                    .filter(|l| l.id() == id)
                {
                    l.runs = runs;
                }
                Vec::new()
            }
            Msg::Handler(e) => self.on_handler(e),
            Msg::HandlerCells(cells) => {
                let mut fx = Vec::new();
                for (id, cell) in cells {
                    fx.extend(self.set_cell(id, cell));
                }
                fx
            }
            Msg::FilterProgress {
                generation,
                answers,
            } => self.on_body_answers(generation, answers),
            Msg::FilterFailed { generation, error } => {
                if generation == self.filter.generation {
                    self.filter.progress = None;
                    self.last_error = Some(format!("filter: {error}"));
                }
                Vec::new()
            }
            Msg::Copied { label, result } => {
                match result {
                    Ok(how) => self.toast(format!("copied {label} via {how}"), false),
                    Err(e) => self.toast(format!("could not copy {label}: {e}"), true),
                }
                Vec::new()
            }
            Msg::Exported(r) => {
                match r {
                    Ok(p) => self.toast(format!("exported fixture to {}", p.display()), false),
                    Err(e) => self.toast(format!("export failed: {e}"), true),
                }
                Vec::new()
            }
            Msg::Rerun(r) => {
                match r {
                    Ok(n) => self.toast(format!("queued {n} handler run(s)"), false),
                    Err(e) => self.toast(format!("re-run failed: {e}"), true),
                }
                Vec::new()
            }
            Msg::Replayed(r) => {
                match r {
                    Ok((new, old, v)) => self.toast(
                        format!("edited copy of #{old} stored as #{new} ({v})"),
                        false,
                    ),
                    Err(e) => self.toast(format!("edit & replay: {e}"), true),
                }
                Vec::new()
            }
            Msg::Tick { now_ms } => self.on_tick(now_ms),
            Msg::Error(e) => {
                self.last_error = Some(e);
                Vec::new()
            }
            Msg::Quit => self.quit(),
        }
    }

    fn on_tick(&mut self, now_ms: i64) -> Vec<Effect> {
        let second_changed = now_ms.div_euclid(1000) != self.now_ms.div_euclid(1000);
        self.now_ms = now_ms;
        let mut changed = second_changed;
        if self.toast.as_ref().is_some_and(|t| t.until_ms <= now_ms) {
            self.toast = None;
            changed = true;
        }
        if self
            .caught_up
            .is_some_and(|(_, at)| at + NOTICE_MS <= now_ms)
        {
            self.caught_up = None;
            changed = true;
        }
        self.dirty = changed;
        Vec::new()
    }

    pub fn toast(&mut self, text: String, error: bool) {
        self.toast = Some(Toast {
            text,
            error,
            until_ms: self.now_ms + TOAST_MS,
        });
    }

    pub fn quit(&mut self) -> Vec<Effect> {
        self.quit = true;
        vec![Effect::Quit]
    }

    /// Settle the list after rows changed and load the selection if it moved.
    pub fn after_list_change(&mut self, added_above: usize) -> Vec<Effect> {
        self.list.settle(&self.rows, added_above);
        self.selection_changed()
    }

    /// Ask for the selected delivery when the selection is not the one shown or loading.
    pub fn selection_changed(&mut self) -> Vec<Effect> {
        let sel = self.list.selected;
        let shown = self.inspector.loaded.as_ref().map(|l| l.id());
        if sel.is_none() || sel == shown || sel == self.inspector.loading {
            if sel == shown {
                self.inspector.loading = None;
            }
            return Vec::new();
        }
        self.inspector.reset_for(sel);
        sel.map(Effect::LoadDelivery).into_iter().collect()
    }

    /// The selected row's summary.
    pub fn selected_summary(&self) -> Option<&Summary> {
        self.list.selected_row(&self.rows).map(|r| &r.summary)
    }
}

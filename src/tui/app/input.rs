//! Routing input by mode: the filter bar and the body search own the keyboard while open
//! (tui-input), the help overlay and the re-run confirmation take their few keys, and
//! otherwise the keymap resolves a key to an [`Action`]. Mouse: click selects, wheel scrolls.

use super::{App, Effect, Focus, Mode};
use crate::tui::keymap::Action;
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};
use tui_input::backend::crossterm::to_input_request;

/// Rows one wheel notch moves.
const WHEEL_STEP: isize = 3;

fn is_ctrl_c(k: &KeyEvent) -> bool {
    k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL)
}

impl App {
    pub(super) fn on_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        if k.kind == KeyEventKind::Release {
            self.dirty = false;
            return Vec::new();
        }
        if is_ctrl_c(&k) {
            return self.quit();
        }
        match self.mode.clone() {
            Mode::Filter => self.filter_key(k),
            Mode::Search => self.search_key(k),
            Mode::Help { scroll } => {
                match self.setup.keymap.resolve(&k) {
                    Some(Action::Down) => self.mode = Mode::Help { scroll: scroll + 1 },
                    Some(Action::Up) => {
                        self.mode = Mode::Help {
                            scroll: scroll.saturating_sub(1),
                        }
                    }
                    _ => self.mode = Mode::Normal,
                }
                Vec::new()
            }
            Mode::ConfirmRerunAll(_) => {
                self.mode = Mode::Normal;
                match k.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') => self.rerun_all_confirmed(),
                    _ => {
                        self.toast("re-run cancelled".into(), false);
                        Vec::new()
                    }
                }
            }
            Mode::Normal => match self.setup.keymap.resolve(&k) {
                Some(a) => self.act(a),
                None => {
                    self.dirty = false;
                    Vec::new()
                }
            },
        }
    }

    fn filter_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        match k.code {
            KeyCode::Enter | KeyCode::Esc => {
                self.mode = Mode::Normal;
                self.relayout();
                Vec::new()
            }
            // The list stays reachable while typing.
            KeyCode::Up => self.move_list(-1),
            KeyCode::Down => self.move_list(1),
            _ => {
                let Some(req) = to_input_request(&Event::Key(k)) else {
                    return Vec::new();
                };
                let changed = self.filter.input.handle(req).is_some_and(|c| c.value);
                if changed {
                    self.filter_typed()
                } else {
                    Vec::new()
                }
            }
        }
    }

    /// The filter text changed: apply it if it parses, else keep the last good filter.
    pub(super) fn filter_typed(&mut self) -> Vec<Effect> {
        let had_error = self.filter.error.is_some();
        let typed = self.filter.typed();
        if had_error != self.filter.error.is_some() {
            self.relayout();
        }
        match typed {
            super::filter::Typed::Apply => self.apply_filter(),
            super::filter::Typed::Keep => Vec::new(),
        }
    }

    /// Re-evaluate the list for a new filter, keeping the selection when it still matches.
    pub(super) fn apply_filter(&mut self) -> Vec<Effect> {
        let mut fx = self.refilter();
        fx.extend(self.after_list_change(0));
        fx
    }

    fn search_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        match k.code {
            KeyCode::Enter => {
                self.mode = Mode::Normal;
                let q = self.inspector.search.input.value().to_string();
                self.inspector.run_search(&q);
            }
            KeyCode::Esc => {
                self.mode = Mode::Normal;
            }
            _ => {
                if let Some(req) = to_input_request(&Event::Key(k))
                    && self
                        .inspector
                        .search
                        .input
                        .handle(req)
                        .is_some_and(|c| c.value)
                {
                    let q = self.inspector.search.input.value().to_string();
                    self.inspector.run_search(&q);
                }
            }
        }
        Vec::new()
    }

    pub(super) fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        let input = match self.mode {
            Mode::Filter => &mut self.filter.input,
            Mode::Search => &mut self.inspector.search.input,
            _ => {
                self.dirty = false;
                return Vec::new();
            }
        };
        // One line only: a pasted newline would end the query anyway.
        for c in text.chars().filter(|c| !c.is_control()) {
            input.handle(tui_input::InputRequest::InsertChar(c));
        }
        match self.mode {
            Mode::Filter => self.filter_typed(),
            _ => {
                let q = self.inspector.search.input.value().to_string();
                self.inspector.run_search(&q);
                Vec::new()
            }
        }
    }

    pub(super) fn on_mouse(&mut self, m: MouseEvent) -> Vec<Effect> {
        if self.mode != Mode::Normal {
            self.dirty = false;
            return Vec::new();
        }
        let a = self.areas();
        let at = Position::new(m.column, m.row);
        let inside = |r: Rect| r.contains(at);
        match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let delta = if m.kind == MouseEventKind::ScrollDown {
                    WHEEL_STEP
                } else {
                    -WHEEL_STEP
                };
                if inside(a.inspector) {
                    self.focus = Focus::Inspector;
                    let len = self.inspector_len();
                    self.inspector.move_by(delta, len);
                    Vec::new()
                } else if inside(a.list) {
                    self.focus = Focus::List;
                    self.move_list(delta)
                } else {
                    self.dirty = false;
                    Vec::new()
                }
            }
            MouseEventKind::Down(MouseButton::Left) => {
                let rows = a.list_rows();
                let body = a.inspector_body();
                if inside(rows) {
                    self.focus = Focus::List;
                    let i = self.list.offset + usize::from(m.row - rows.y);
                    if i < self.list.shown_len(&self.rows) {
                        self.list.select_index(&self.rows, i);
                        self.list.follow = i == 0;
                        return self.selection_changed();
                    }
                    Vec::new()
                } else if inside(body) {
                    self.focus = Focus::Inspector;
                    let line = self.inspector.scroll() + usize::from(m.row - body.y);
                    if self.inspector.tab == super::inspector::Tab::Body
                        && line < self.inspector_len()
                    {
                        self.inspector.cursor = line;
                    }
                    Vec::new()
                } else if inside(a.inspector) {
                    self.focus = Focus::Inspector;
                    if m.row == a.inspector.y + 1 {
                        self.click_tab(m.column.saturating_sub(a.inspector.x + 1));
                    }
                    Vec::new()
                } else if inside(a.list) {
                    self.focus = Focus::List;
                    Vec::new()
                } else if inside(a.filter) {
                    self.mode = Mode::Filter;
                    Vec::new()
                } else {
                    self.dirty = false;
                    Vec::new()
                }
            }
            _ => {
                self.dirty = false;
                Vec::new()
            }
        }
    }

    /// Pick the tab under column `x` of the tab line (titles separated by " │ ").
    fn click_tab(&mut self, x: u16) {
        let mut start = 1u16;
        for tab in super::inspector::Tab::ALL {
            let w = tab.title().chars().count() as u16;
            if x >= start && x < start + w {
                self.inspector.tab = tab;
                return;
            }
            start += w + 3;
        }
    }
}

//! What each keymap [`Action`] does to the state, and the texts the copy actions produce
//! (payload, headers + payload, the JSON node under the cursor, a curl command). Nothing
//! copied ever contains a secret: only what the sender sent.

use super::inspector::{Loaded, Tab};
use super::{App, Effect, Focus, Mode};
use crate::export;
use crate::tui::keymap::Action;
use base64::Engine;

impl App {
    pub(super) fn act(&mut self, a: Action) -> Vec<Effect> {
        let page = |h: usize| h.saturating_sub(1).max(1) as isize;
        match a {
            Action::Quit => return self.quit(),
            Action::Help => self.mode = Mode::Help { scroll: 0 },
            Action::Up => return self.move_focused(-1),
            Action::Down => return self.move_focused(1),
            Action::PageUp | Action::PageDown => {
                let h = match self.focus {
                    Focus::List => self.list.height,
                    Focus::Inspector => self.inspector.height,
                };
                let sign = if a == Action::PageUp { -1 } else { 1 };
                return self.move_focused(sign * page(h));
            }
            Action::Top => return self.move_focused(isize::MIN / 2),
            Action::Bottom => return self.move_focused(isize::MAX / 2),
            Action::ToggleFollow => {
                self.list.follow = !self.list.follow;
                if self.list.follow {
                    return self.after_list_change(0);
                }
            }
            Action::ToggleFreeze => {
                self.list.toggle_freeze(&self.rows);
                return self.selection_changed();
            }
            Action::Filter => {
                self.mode = Mode::Filter;
                self.relayout();
            }
            Action::ClearFilter => return self.escape(),
            Action::FocusNext | Action::FocusPrev => {
                self.focus = match self.focus {
                    Focus::List => Focus::Inspector,
                    Focus::Inspector => Focus::List,
                };
                self.relayout();
            }
            Action::NextTab => self.inspector.tab = self.inspector.tab.step(1),
            Action::PrevTab => self.inspector.tab = self.inspector.tab.step(-1),
            Action::ToggleNode | Action::ExpandNode if self.focus == Focus::List => {
                self.focus = Focus::Inspector;
                self.relayout();
            }
            Action::ToggleNode => self.inspector.with_tree(|t, l| t.toggle(l)),
            Action::ExpandNode => self.inspector.with_tree(|t, l| t.set_expanded(l, true)),
            Action::CollapseNode if self.focus == Focus::Inspector => {
                self.inspector.with_tree(|t, l| t.set_expanded(l, false))
            }
            Action::CollapseNode => self.dirty = false,
            Action::ExpandAll => self.inspector.with_tree(|t, l| {
                t.expand_all();
                Some(l)
            }),
            Action::CollapseAll => self.inspector.with_tree(|t, _| {
                t.collapse_all();
                Some(0)
            }),
            Action::Search => {
                self.mode = Mode::Search;
                self.inspector.tab = Tab::Body;
            }
            Action::SearchNext => self.inspector.next_match(1),
            Action::SearchPrev => self.inspector.next_match(-1),
            Action::CopyPayload
            | Action::CopyHeadersAndPayload
            | Action::CopyNode
            | Action::CopyCurl => return self.copy(a),
            Action::ExportFixture => match self.list.selected {
                Some(id) => return vec![Effect::ExportFixture(id)],
                None => self.toast("nothing selected to export".into(), true),
            },
            Action::Rerun => {
                if let Some(s) = self
                    .handlers_ready()
                    .then(|| self.selected_summary())
                    .flatten()
                {
                    let s = s.clone();
                    self.toast(format!("re-running handlers for #{}…", s.id), false);
                    return vec![Effect::Rerun(vec![s])];
                }
            }
            Action::RerunAll => {
                if self.handlers_ready() {
                    let n = self.list.shown_len(&self.rows);
                    if n == 0 {
                        self.toast("no delivery to re-run".into(), true);
                    } else {
                        self.mode = Mode::ConfirmRerunAll(n);
                    }
                }
            }
            Action::EditReplay => match self.list.selected {
                Some(id) => return vec![Effect::EditReplay(id)],
                None => self.toast("nothing selected to edit".into(), true),
            },
        }
        Vec::new()
    }

    /// Esc: dismiss the toast, else clear the search, else the filter, else focus the list.
    fn escape(&mut self) -> Vec<Effect> {
        if self.toast.take().is_some() {
            return Vec::new();
        }
        if !self.inspector.search.matches.is_empty()
            || !self.inspector.search.input.value().is_empty()
        {
            self.inspector.search = Default::default();
            return Vec::new();
        }
        let had_error = self.filter.error.is_some();
        if self.filter.clear() {
            if had_error {
                self.relayout();
            }
            return self.apply_filter();
        }
        if self.focus == Focus::Inspector {
            self.focus = Focus::List;
            self.relayout();
        }
        Vec::new()
    }

    /// True when handlers are configured; else says how to configure them.
    fn handlers_ready(&mut self) -> bool {
        if !self.setup.handlers {
            self.toast(
                "no handlers configured: add [[handlers]] to the config or start with --forward URL"
                    .into(),
                true,
            );
        }
        self.setup.handlers
    }

    pub(super) fn rerun_all_confirmed(&mut self) -> Vec<Effect> {
        let n = self.list.shown_len(&self.rows);
        let all: Vec<_> = (0..n)
            .filter_map(|i| self.list.display_row(&self.rows, i))
            .map(|r| r.summary.clone())
            .collect();
        self.toast(
            format!("re-running handlers for {} deliveries…", all.len()),
            false,
        );
        vec![Effect::Rerun(all)]
    }

    fn move_focused(&mut self, delta: isize) -> Vec<Effect> {
        match self.focus {
            Focus::List => self.move_list(delta),
            Focus::Inspector => {
                let len = self.inspector_len();
                self.inspector.move_by(delta, len);
                Vec::new()
            }
        }
    }

    pub(super) fn move_list(&mut self, delta: isize) -> Vec<Effect> {
        self.list.move_by(&self.rows, delta);
        self.selection_changed()
    }

    /// Lines of the inspector's current tab.
    pub(super) fn inspector_len(&self) -> usize {
        self.inspector
            .tab_len(|l, tab| super::details::lines(l, tab, self.inspector.width).len())
    }

    fn copy(&mut self, a: Action) -> Vec<Effect> {
        let sel = self.list.selected;
        let Some(l) = self.inspector.current(sel) else {
            match sel {
                Some(id) => self.toast(format!("#{id} is still loading; try again"), true),
                None => self.toast("nothing selected to copy".into(), true),
            }
            return Vec::new();
        };
        let made = match a {
            Action::CopyPayload => Some(payload(l)),
            Action::CopyHeadersAndPayload => Some(headers_and_payload(l)),
            Action::CopyCurl => Some(curl(l, &self.setup.listen)),
            _ => self.node_text(l),
        };
        match made {
            Some((label, text)) => vec![Effect::Copy { label, text }],
            None => {
                self.toast("no JSON node under the cursor (Body tab)".into(), true);
                Vec::new()
            }
        }
    }

    fn node_text(&self, l: &Loaded) -> Option<(String, String)> {
        let tree = l.tree.as_ref().ok()?;
        if self.inspector.tab != Tab::Body {
            return None;
        }
        let text = tree.node_text(self.inspector.cursor)?;
        let path = tree.path_at(self.inspector.cursor).unwrap_or_default();
        Some((format!("node {path}"), text))
    }
}

/// The body as text; a non-UTF-8 body is copied as base64 (and labelled so).
pub fn payload(l: &Loaded) -> (String, String) {
    let body = &l.delivery.body;
    match std::str::from_utf8(body) {
        Ok(text) => (
            format!("payload of #{} ({} bytes)", l.id(), body.len()),
            text.to_string(),
        ),
        Err(_) => (
            format!("payload of #{} as base64 (not UTF-8)", l.id()),
            base64::engine::general_purpose::STANDARD.encode(body),
        ),
    }
}

/// The request line, every header and the body, like an HTTP message.
pub fn headers_and_payload(l: &Loaded) -> (String, String) {
    let d = &l.delivery;
    let mut text = format!("{} {}\n", d.method, d.summary.path);
    for (name, value) in &d.headers {
        text.push_str(name);
        text.push_str(": ");
        text.push_str(&String::from_utf8_lossy(value));
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&payload(l).1);
    (format!("headers + payload of #{}", l.id()), text)
}

/// A curl command replaying the request against this receiver.
pub fn curl(l: &Loaded, listen: &str) -> (String, String) {
    let d = &l.delivery;
    let url = export::replay_url(&format!("http://{listen}"), &d.summary.path);
    (
        format!("curl command for #{}", l.id()),
        export::curl_command(d, &url),
    )
}

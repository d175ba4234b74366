//! The inspector's state for the selected delivery: the loaded delivery (body parsed once,
//! off the UI thread, into a [`JsonTree`] plus raw display segments), the tab, the cursor
//! and scroll of each tab, and the search inside the body.

use crate::delivery::{Delivery, DeliveryId};
use crate::store::jobs::Run;
use crate::tui::json_view::JsonTree;
use crate::tui::sanitize;
use tui_input::Input;

/// Longest raw segment in bytes: raw lines are cut here so that drawing one stays cheap.
pub const SEGMENT_BYTES: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Body,
    Headers,
    Raw,
    Verdict,
    Runs,
}

impl Tab {
    pub const ALL: [Tab; 5] = [Tab::Body, Tab::Headers, Tab::Raw, Tab::Verdict, Tab::Runs];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Body => "Body",
            Tab::Headers => "Headers",
            Tab::Raw => "Raw",
            Tab::Verdict => "Verdict",
            Tab::Runs => "Handler runs",
        }
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    pub fn step(self, delta: isize) -> Tab {
        let n = Tab::ALL.len() as isize;
        Tab::ALL[(self.index() as isize + delta).rem_euclid(n) as usize]
    }
}

/// A delivery ready to inspect (built off the UI thread: parsing is the costly part).
#[derive(Debug)]
pub struct Loaded {
    pub delivery: Delivery,
    pub runs: Vec<Run>,
    /// The body as a tree, or why it is not one.
    pub tree: Result<JsonTree, String>,
    /// The raw body in display segments (byte ranges): lines, cut at [`SEGMENT_BYTES`].
    pub segments: Vec<(usize, usize)>,
    pub utf8: bool,
}

impl Loaded {
    pub fn new(delivery: Delivery, runs: Vec<Run>) -> Loaded {
        let tree = JsonTree::parse(&delivery.body);
        let utf8 = std::str::from_utf8(&delivery.body).is_ok();
        let segments = segments(&delivery.body);
        Loaded {
            delivery,
            runs,
            tree,
            segments,
            utf8,
        }
    }

    pub fn id(&self) -> DeliveryId {
        self.delivery.summary.id
    }

    /// Rows of the raw view: text segments, or hex dump rows for a non-UTF-8 body.
    pub fn raw_len(&self) -> usize {
        if self.utf8 {
            self.segments.len()
        } else {
            sanitize::hex_rows(self.delivery.body.len())
        }
    }

    /// Lines of the body tab.
    pub fn body_len(&self) -> usize {
        match &self.tree {
            Ok(t) => t.len(),
            Err(_) => self.raw_len(),
        }
    }
}

/// Split a body at newlines and every [`SEGMENT_BYTES`] (on a UTF-8 boundary when possible).
pub fn segments(body: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < body.len() {
        let line_end = body[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |p| start + p);
        let mut s = start;
        while line_end - s > SEGMENT_BYTES {
            let mut cut = s + SEGMENT_BYTES;
            // Back up over UTF-8 continuation bytes (at most 3).
            for _ in 0..3 {
                if body[cut] & 0xC0 == 0x80 {
                    cut -= 1;
                }
            }
            out.push((s, cut));
            s = cut;
        }
        out.push((s, line_end));
        start = line_end + 1;
    }
    out
}

#[derive(Debug, Default)]
pub struct Search {
    pub input: Input,
    /// Lines (body tab) that match.
    pub matches: Vec<usize>,
    pub current: usize,
}

#[derive(Debug)]
pub struct Inspector {
    pub tab: Tab,
    pub loaded: Option<Box<Loaded>>,
    /// The delivery being loaded (the selection changed).
    pub loading: Option<DeliveryId>,
    pub error: Option<String>,
    /// Body tab: the line under the cursor.
    pub cursor: usize,
    /// First line shown, per tab.
    pub scroll: [usize; 5],
    /// Lines and columns on screen (set from the layout).
    pub height: usize,
    pub width: usize,
    pub search: Search,
}

impl Default for Inspector {
    fn default() -> Self {
        Inspector {
            tab: Tab::Body,
            loaded: None,
            loading: None,
            error: None,
            cursor: 0,
            scroll: [0; 5],
            height: 10,
            width: 40,
            search: Search::default(),
        }
    }
}

impl Inspector {
    pub fn scroll(&self) -> usize {
        self.scroll[self.tab.index()]
    }

    fn scroll_mut(&mut self) -> &mut usize {
        &mut self.scroll[self.tab.index()]
    }

    /// The delivery shown, when it is the one selected.
    pub fn current(&self, selected: Option<DeliveryId>) -> Option<&Loaded> {
        self.loaded.as_deref().filter(|l| Some(l.id()) == selected)
    }

    /// Start showing another delivery.
    pub fn reset_for(&mut self, id: Option<DeliveryId>) {
        self.loading = id;
        self.error = None;
        self.cursor = 0;
        self.scroll = [0; 5];
        self.search.matches.clear();
        self.search.current = 0;
    }

    /// Accept a loaded delivery if it is the one awaited.
    pub fn accept(&mut self, loaded: Box<Loaded>) -> bool {
        if self.loading != Some(loaded.id()) {
            return false;
        }
        self.loading = None;
        self.loaded = Some(loaded);
        let q = self.search.input.value().to_string();
        if !q.is_empty() {
            self.run_search(&q);
        }
        true
    }

    /// Lines the current tab has (for scrolling).
    pub fn tab_len(&self, lines_of: impl Fn(&Loaded, Tab) -> usize) -> usize {
        match &self.loaded {
            None => 0,
            Some(l) => match self.tab {
                Tab::Body => l.body_len(),
                Tab::Raw => l.raw_len(),
                other => lines_of(l, other),
            },
        }
    }

    /// Move the body cursor (body tab) or scroll (other tabs) by `delta` lines.
    pub fn move_by(&mut self, delta: isize, len: usize) {
        if len == 0 {
            return;
        }
        if self.tab == Tab::Body {
            self.cursor = self.cursor.saturating_add_signed(delta).min(len - 1);
            self.follow_cursor();
        } else {
            let max = len.saturating_sub(self.height.max(1));
            let s = self.scroll_mut();
            *s = s.saturating_add_signed(delta).min(max);
        }
    }

    /// Keep the body cursor inside the window.
    pub fn follow_cursor(&mut self) {
        let h = self.height.max(1);
        let cursor = self.cursor;
        let s = &mut self.scroll[0];
        if cursor < *s {
            *s = cursor;
        } else if cursor >= *s + h {
            *s = cursor + 1 - h;
        }
    }

    /// Apply a tree operation at the cursor; it returns the line the node now starts on.
    pub fn with_tree(&mut self, op: impl FnOnce(&mut JsonTree, usize) -> Option<usize>) {
        let cursor = self.cursor;
        let Some(Ok(tree)) = self.loaded.as_deref_mut().map(|l| &mut l.tree) else {
            return;
        };
        if let Some(line) = op(tree, cursor) {
            self.cursor = line.min(tree.len().saturating_sub(1));
        }
        self.follow_cursor();
    }

    /// The jq path of the node under the cursor.
    pub fn path(&self) -> Option<String> {
        match &self.loaded.as_deref()?.tree {
            Ok(t) if self.tab == Tab::Body => t.path_at(self.cursor),
            _ => None,
        }
    }

    /// Search the body for `q`: tree nodes, or raw segments when the body is not JSON.
    pub fn run_search(&mut self, q: &str) {
        self.search.matches.clear();
        self.search.current = 0;
        let Some(l) = self.loaded.as_deref_mut() else {
            return;
        };
        self.search.matches = match &mut l.tree {
            Ok(tree) => tree.find(q),
            Err(_) if l.utf8 && !q.is_empty() => {
                let needle = q.to_ascii_lowercase();
                l.segments
                    .iter()
                    .enumerate()
                    .filter(|(_, (a, b))| {
                        String::from_utf8_lossy(&l.delivery.body[*a..*b])
                            .to_ascii_lowercase()
                            .contains(&needle)
                    })
                    .map(|(i, _)| i)
                    .take(crate::tui::json_view::MAX_MATCHES)
                    .collect()
            }
            Err(_) => Vec::new(),
        };
        if let Some(i) = self.search.matches.iter().position(|&m| m >= self.cursor) {
            self.search.current = i;
        }
        self.jump_to_match();
    }

    /// Step through the matches (wrapping).
    pub fn next_match(&mut self, delta: isize) {
        let n = self.search.matches.len();
        if n == 0 {
            return;
        }
        self.search.current =
            (self.search.current as isize + delta).rem_euclid(n as isize) as usize;
        self.jump_to_match();
    }

    fn jump_to_match(&mut self) {
        if let Some(&line) = self.search.matches.get(self.search.current) {
            self.tab = Tab::Body;
            self.cursor = line;
            self.follow_cursor();
        }
    }
}

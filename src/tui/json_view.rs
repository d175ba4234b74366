//! The inspector's JSON tree: parse a body once into a flat arena, then show only the lines
//! in the window (styled with the theme's `json_*` roles, strings sanitized), toggle nodes,
//! expand/collapse all, jq paths, pretty text of a node for copying, and search.
//! Depth: serde_json refuses documents nested deeper than 128 levels; [`JsonTree::parse`]
//! then returns an error saying so and the caller shows the raw view. Nothing here recurses.

mod arena;
mod render;
#[cfg(test)]
mod tests;

use crate::tui::theme::Theme;
use arena::Arena;
use ratatui::text::Line;
use render::Pos;

pub use arena::AUTO_COLLAPSE;
pub use render::MAX_SHOWN_CHARS;

/// serde_json's nesting limit; deeper documents are shown raw.
pub const MAX_DEPTH: usize = 128;

/// Search stops marking nodes after this many matches.
pub const MAX_MATCHES: usize = 10_000;

#[derive(Clone, Debug)]
pub struct JsonTree {
    arena: Arena,
}

impl JsonTree {
    /// Parse a body. The error is one short line for the inspector (not JSON, or too deep).
    pub fn parse(bytes: &[u8]) -> Result<JsonTree, String> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err("empty body".into());
        }
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
            if e.to_string().contains("recursion limit") {
                format!("JSON nested deeper than {MAX_DEPTH} levels; showing the raw body")
            } else {
                format!("not JSON ({e}); showing the raw body")
            }
        })?;
        Ok(JsonTree {
            arena: Arena::build(value),
        })
    }

    /// Number of visible lines.
    pub fn len(&self) -> usize {
        self.arena.nodes[0].vis
    }

    /// Never true: a parsed tree has at least its root line.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of JSON values in the document.
    pub fn node_count(&self) -> usize {
        self.arena.nodes.len()
    }

    /// The visible line `line`, found by descending with the cached line counts.
    fn locate(&self, line: usize) -> Option<Pos> {
        let nodes = &self.arena.nodes;
        if line >= self.len() {
            return None;
        }
        let (mut id, mut rest) = (0usize, line);
        'descend: loop {
            let node = &nodes[id];
            if rest == 0 {
                return Some(Pos {
                    node: id,
                    close: false,
                });
            }
            if rest == node.vis - 1 {
                return Some(Pos {
                    node: id,
                    close: true,
                });
            }
            rest -= 1;
            for c in node.children() {
                if rest < nodes[c].vis {
                    id = c;
                    continue 'descend;
                }
                rest -= nodes[c].vis;
            }
            return None;
        }
    }

    /// The line after `pos` in display order.
    fn next(&self, pos: Pos) -> Option<Pos> {
        let nodes = &self.arena.nodes;
        let node = &nodes[pos.node];
        if !pos.close && node.opens() {
            return Some(Pos {
                node: node.first_child,
                close: false,
            });
        }
        let parent = node.parent?;
        let p = &nodes[parent];
        if pos.node + 1 < p.first_child + p.child_count {
            Some(Pos {
                node: pos.node + 1,
                close: false,
            })
        } else {
            Some(Pos {
                node: parent,
                close: true,
            })
        }
    }

    fn positions(&self, start: usize) -> impl Iterator<Item = Pos> + '_ {
        std::iter::successors(self.locate(start), |p| self.next(*p))
    }

    /// The visible lines `start..start + height`, styled and sanitized.
    pub fn lines(&self, start: usize, height: usize, theme: &Theme) -> Vec<Line<'static>> {
        self.positions(start)
            .take(height)
            .map(|p| render::line(&self.arena, p, theme))
            .collect()
    }

    /// The jq path of the node on `line` (a closing bracket belongs to its container).
    pub fn path_at(&self, line: usize) -> Option<String> {
        self.locate(line).map(|p| render::path(&self.arena, p.node))
    }

    /// Pretty JSON of the node on `line`, for the clipboard (not sanitized: never draw it).
    pub fn node_text(&self, line: usize) -> Option<String> {
        self.locate(line)
            .map(|p| render::pretty(&self.arena, p.node))
    }

    /// Expand or collapse the container on `line`; collapsing a scalar collapses its parent.
    /// Returns the line the node now starts on (for keeping the selection on it).
    pub fn set_expanded(&mut self, line: usize, expanded: bool) -> Option<usize> {
        let pos = self.locate(line)?;
        let node = &self.arena.nodes[pos.node];
        let target = match node.parent {
            Some(p) if !node.is_container() && !expanded => p,
            _ => pos.node,
        };
        self.arena.set_expanded(target, expanded);
        Some(self.arena.line_of(target))
    }

    /// Flip the container on `line`; returns the line it now starts on.
    pub fn toggle(&mut self, line: usize) -> Option<usize> {
        let pos = self.locate(line)?;
        let expanded = self.arena.nodes[pos.node].expanded;
        if !self.arena.nodes[pos.node].is_container() {
            return Some(line);
        }
        self.arena.set_expanded(pos.node, !expanded);
        Some(self.arena.line_of(pos.node))
    }

    pub fn expand_all(&mut self) {
        for n in &mut self.arena.nodes {
            n.expanded = true;
        }
        self.arena.recompute_all();
    }

    /// Collapse every container but the root.
    pub fn collapse_all(&mut self) {
        for n in self.arena.nodes.iter_mut().skip(1) {
            n.expanded = false;
        }
        self.arena.recompute_all();
    }

    /// Lines whose key or scalar value contains `needle` (ASCII-case-insensitive). Matches
    /// inside collapsed containers are revealed (their ancestors expanded) first, so every
    /// returned line is visible; at most [`MAX_MATCHES`] nodes are marked.
    pub fn find(&mut self, needle: &str) -> Vec<usize> {
        let needle = needle.to_ascii_lowercase();
        if needle.is_empty() {
            return Vec::new();
        }
        let hits = |text: &str| text.to_ascii_lowercase().contains(&needle);
        let nodes = &self.arena.nodes;
        let matched: Vec<usize> = (0..nodes.len())
            .filter(|&id| {
                let n = &nodes[id];
                matches!(&n.key, arena::Key::Field(k) if hits(k))
                    || render::scalar_text(&n.kind).is_some_and(|t| hits(&t))
            })
            .take(MAX_MATCHES)
            .collect();
        let mut mark = vec![false; nodes.len()];
        let mut reveal = false;
        for &id in &matched {
            mark[id] = true;
            let mut cur = self.arena.nodes[id].parent;
            while let Some(p) = cur {
                let node = &mut self.arena.nodes[p];
                reveal |= !node.expanded;
                node.expanded = true;
                cur = node.parent;
            }
        }
        if reveal {
            self.arena.recompute_all();
        }
        self.positions(0)
            .enumerate()
            .filter(|(_, p)| !p.close && mark[p.node])
            .map(|(line, _)| line)
            .collect()
    }
}

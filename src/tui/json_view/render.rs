//! Turning arena nodes into text: one styled, sanitized ratatui `Line` per visible line, jq
//! paths (`.data.items[3].email`, `.["odd key"]`), and pretty JSON of a node for copying
//! (iterative, unsanitized: it goes to the clipboard, not the terminal).

use super::arena::{Arena, Key, Kind, Node};
use crate::tui::sanitize::escape_str;
use crate::tui::theme::{Role, Theme};
use ratatui::text::{Line, Span};

/// Strings and keys longer than this many characters are cut (with `…`) on screen.
pub const MAX_SHOWN_CHARS: usize = 400;

/// A position in the visible lines: a node's first line, or its closing bracket line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub node: usize,
    pub close: bool,
}

/// JSON-quote a string, cut to `MAX_SHOWN_CHARS`, and escape what JSON quoting leaves
/// (DEL, C1 controls, bidi overrides).
fn shown_string(s: &str) -> String {
    let cut = s.char_indices().nth(MAX_SHOWN_CHARS).map(|(i, _)| i);
    let head = cut.map_or(s, |i| &s[..i]);
    let quoted = serde_json::to_string(head).unwrap_or_default();
    match cut {
        Some(_) => {
            let open = quoted.strip_suffix('"').unwrap_or(&quoted);
            format!("{}…\"", escape_str(open))
        }
        None => escape_str(&quoted),
    }
}

pub fn scalar_text(kind: &Kind) -> Option<String> {
    Some(match kind {
        Kind::Null => "null".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Number(n) => n.to_string(),
        Kind::String(s) => s.to_string(),
        Kind::Object | Kind::Array => return None,
    })
}

fn is_last_child(arena: &Arena, id: usize) -> bool {
    match arena.nodes[id].parent {
        Some(p) => {
            let parent = &arena.nodes[p];
            id + 1 == parent.first_child + parent.child_count
        }
        None => true,
    }
}

fn brackets(node: &Node) -> (&'static str, &'static str) {
    match node.kind {
        Kind::Array => ("[", "]"),
        _ => ("{", "}"),
    }
}

/// One visible line as styled spans.
pub fn line(arena: &Arena, pos: Pos, theme: &Theme) -> Line<'static> {
    let node = &arena.nodes[pos.node];
    let punct = theme.style(Role::JsonPunct);
    let mut spans = vec![Span::raw("  ".repeat(node.depth))];
    let (open, close) = brackets(node);
    if pos.close {
        spans.push(Span::styled(close, punct));
    } else {
        if let Key::Field(k) = &node.key {
            spans.push(Span::styled(shown_string(k), theme.style(Role::JsonKey)));
            spans.push(Span::styled(": ", punct));
        }
        match &node.kind {
            Kind::Object | Kind::Array if node.child_count == 0 => {
                spans.push(Span::styled(format!("{open}{close}"), punct));
            }
            Kind::Object | Kind::Array if !node.expanded => {
                spans.push(Span::styled(format!("{open}…{close}"), punct));
                let noun = match (&node.kind, node.child_count) {
                    (Kind::Array, 1) => "item",
                    (Kind::Array, _) => "items",
                    (_, 1) => "key",
                    _ => "keys",
                };
                let summary = format!(" {} {noun}", node.child_count);
                spans.push(Span::styled(summary, theme.style(Role::Muted)));
            }
            Kind::Object | Kind::Array => spans.push(Span::styled(open, punct)),
            Kind::String(s) => {
                spans.push(Span::styled(shown_string(s), theme.style(Role::JsonString)))
            }
            Kind::Number(n) => {
                spans.push(Span::styled(n.to_string(), theme.style(Role::JsonNumber)))
            }
            Kind::Bool(b) => spans.push(Span::styled(b.to_string(), theme.style(Role::JsonBool))),
            Kind::Null => spans.push(Span::styled("null", theme.style(Role::JsonNull))),
        }
    }
    let ends_node = pos.close || !node.opens();
    if ends_node && !is_last_child(arena, pos.node) {
        spans.push(Span::styled(",", punct));
    }
    Line::from(spans)
}

fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The jq path of a node, sanitized for display: `.`, `.data.items[3].email`, `.["a b"]`.
pub fn path(arena: &Arena, id: usize) -> String {
    let mut parts = Vec::new();
    let mut cur = Some(id);
    while let Some(n) = cur {
        let node = &arena.nodes[n];
        match &node.key {
            Key::Root => {}
            Key::Index(i) => parts.push(format!("[{i}]")),
            Key::Field(k) if is_identifier(k) => parts.push(format!(".{k}")),
            Key::Field(k) => parts.push(format!("[{}]", shown_string(k))),
        }
        cur = node.parent;
    }
    parts.reverse();
    let joined = parts.concat();
    if joined.starts_with('.') {
        joined
    } else {
        format!(".{joined}")
    }
}

fn push_open(arena: &Arena, id: usize, out: &mut String) {
    let node = &arena.nodes[id];
    match &node.kind {
        Kind::Object | Kind::Array => {
            let (open, close) = brackets(node);
            out.push_str(open);
            if node.child_count == 0 {
                out.push_str(close);
            }
        }
        Kind::String(s) => out.push_str(&serde_json::to_string(&**s).unwrap_or_default()),
        other => out.push_str(&scalar_text(other).unwrap_or_default()),
    }
}

/// Pretty JSON (2-space indent, like `serde_json::to_string_pretty`) of a whole subtree,
/// regardless of what is collapsed. Iterative, so depth costs no stack.
pub fn pretty(arena: &Arena, root: usize) -> String {
    let mut out = String::new();
    let base = arena.nodes[root].depth;
    push_open(arena, root, &mut out);
    let mut stack: Vec<(usize, usize)> = Vec::new();
    if arena.nodes[root].child_count > 0 {
        stack.push((root, 0));
    }
    while let Some(top) = stack.last_mut() {
        let (id, next) = *top;
        let node = &arena.nodes[id];
        if next == node.child_count {
            stack.pop();
            out.push('\n');
            out.push_str(&"  ".repeat(node.depth - base));
            out.push_str(brackets(node).1);
            continue;
        }
        top.1 += 1;
        let child = node.first_child + next;
        out.push_str(if next == 0 { "\n" } else { ",\n" });
        let c = &arena.nodes[child];
        out.push_str(&"  ".repeat(c.depth - base));
        if let Key::Field(k) = &c.key {
            out.push_str(&serde_json::to_string(&**k).unwrap_or_default());
            out.push_str(": ");
        }
        push_open(arena, child, &mut out);
        if c.child_count > 0 {
            stack.push((child, 0));
        }
    }
    out
}

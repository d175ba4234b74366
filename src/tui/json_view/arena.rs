//! The JSON tree as a flat arena built breadth-first without recursion, so the children of
//! a node are contiguous ids; each node caches how many lines it shows (`vis`) so that a
//! line number is found by descending, never by flattening the whole tree.

use serde_json::{Number, Value};
use std::collections::VecDeque;

/// Containers with more children than this start collapsed (the root never does).
pub const AUTO_COLLAPSE: usize = 200;

#[derive(Clone, Debug, PartialEq)]
pub enum Key {
    Root,
    Field(Box<str>),
    Index(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Number(Number),
    String(Box<str>),
    Object,
    Array,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub key: Key,
    pub kind: Kind,
    pub parent: Option<usize>,
    pub depth: usize,
    pub first_child: usize,
    pub child_count: usize,
    pub expanded: bool,
    /// Lines this node shows: 1 when scalar, empty or collapsed, else 2 + its children's.
    pub vis: usize,
}

impl Node {
    pub fn is_container(&self) -> bool {
        matches!(self.kind, Kind::Object | Kind::Array)
    }

    /// True when the node shows an opening line, its children and a closing line.
    pub fn opens(&self) -> bool {
        self.is_container() && self.expanded && self.child_count > 0
    }

    pub fn children(&self) -> std::ops::Range<usize> {
        self.first_child..self.first_child + self.child_count
    }
}

#[derive(Clone, Debug)]
pub struct Arena {
    pub nodes: Vec<Node>,
}

impl Arena {
    /// Consume a parsed value breadth-first (iteratively: depth never touches the stack).
    pub fn build(root: Value) -> Arena {
        let mut nodes = vec![Node {
            key: Key::Root,
            kind: Kind::Null,
            parent: None,
            depth: 0,
            first_child: 0,
            child_count: 0,
            expanded: true,
            vis: 1,
        }];
        let mut queue = VecDeque::from([(0usize, root)]);
        while let Some((id, value)) = queue.pop_front() {
            let first = nodes.len();
            let depth = nodes[id].depth + 1;
            let child = |key: Key| Node {
                key,
                kind: Kind::Null,
                parent: Some(id),
                depth,
                first_child: 0,
                child_count: 0,
                expanded: true,
                vis: 1,
            };
            let (kind, count) = match value {
                Value::Null => (Kind::Null, 0),
                Value::Bool(b) => (Kind::Bool(b), 0),
                Value::Number(n) => (Kind::Number(n), 0),
                Value::String(s) => (Kind::String(s.into_boxed_str()), 0),
                Value::Array(items) => {
                    let n = items.len();
                    for (i, v) in items.into_iter().enumerate() {
                        queue.push_back((nodes.len(), v));
                        nodes.push(child(Key::Index(i)));
                    }
                    (Kind::Array, n)
                }
                Value::Object(map) => {
                    let n = map.len();
                    for (k, v) in map {
                        queue.push_back((nodes.len(), v));
                        nodes.push(child(Key::Field(k.into_boxed_str())));
                    }
                    (Kind::Object, n)
                }
            };
            let node = &mut nodes[id];
            node.kind = kind;
            node.first_child = first;
            node.child_count = count;
            node.expanded = id == 0 || count <= AUTO_COLLAPSE;
        }
        let mut arena = Arena { nodes };
        arena.recompute_all();
        arena
    }

    fn compute_vis(&self, id: usize) -> usize {
        let n = &self.nodes[id];
        if n.opens() {
            2 + n.children().map(|c| self.nodes[c].vis).sum::<usize>()
        } else {
            1
        }
    }

    /// Recompute every `vis`; children have larger ids than parents, so go backwards.
    pub fn recompute_all(&mut self) {
        for id in (0..self.nodes.len()).rev() {
            self.nodes[id].vis = self.compute_vis(id);
        }
    }

    /// Set a container's state and fix `vis` up the (expanded) ancestor chain.
    pub fn set_expanded(&mut self, id: usize, expanded: bool) {
        if !self.nodes[id].is_container() || self.nodes[id].expanded == expanded {
            return;
        }
        self.nodes[id].expanded = expanded;
        let old = self.nodes[id].vis;
        let new = self.compute_vis(id);
        self.nodes[id].vis = new;
        let mut cur = self.nodes[id].parent;
        while let Some(p) = cur {
            let node = &mut self.nodes[p];
            if !node.opens() {
                break;
            }
            node.vis = node.vis + new - old;
            cur = node.parent;
        }
    }

    /// The line on which node `id` starts (its ancestors are expanded).
    pub fn line_of(&self, id: usize) -> usize {
        let mut line = 0;
        let mut cur = id;
        while let Some(p) = self.nodes[cur].parent {
            let before: usize = (self.nodes[p].first_child..cur)
                .map(|s| self.nodes[s].vis)
                .sum();
            line += 1 + before;
            cur = p;
        }
        line
    }
}

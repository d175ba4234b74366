//! JSON tree tests: rendering equals pretty JSON, paths, toggling, search, hostile text,
//! depth limits and a 5 MiB array.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::tui::theme::Theme;
use serde_json::{Value, json};

fn tree(v: &Value) -> JsonTree {
    JsonTree::parse(v.to_string().as_bytes()).unwrap()
}

fn text(t: &JsonTree, start: usize, height: usize) -> Vec<String> {
    t.lines(start, height, &Theme::dark())
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect()
}

fn all_text(t: &JsonTree) -> String {
    text(t, 0, t.len()).join("\n")
}

fn sample() -> Value {
    // Keys in sorted order: the tree keeps the payload's order (serde_json preserve_order).
    json!({"data": {"a b": 1, "items": [{"email": "a"}, {"email": "b"}]}})
}

#[test]
fn expanded_tree_renders_as_pretty_json() {
    for v in [
        sample(),
        json!([1, 2.5, -3, true, false, null, "s", [], {}, [[]], {"k": {}}]),
        json!("just a string"),
        json!(42),
        json!({"nested": {"x": [1, {"y": [null]}]}, "z": "quote \" and \\ backslash"}),
    ] {
        let t = tree(&v);
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        assert_eq!(all_text(&t), pretty);
        assert_eq!(t.len(), pretty.lines().count());
        assert_eq!(t.node_text(0).unwrap(), pretty);
    }
}

#[test]
fn paths_of_lines() {
    let t = tree(&sample());
    assert_eq!(t.len(), 13);
    assert_eq!(t.path_at(0).unwrap(), ".");
    assert_eq!(t.path_at(1).unwrap(), ".data");
    assert_eq!(t.path_at(2).unwrap(), ".data[\"a b\"]");
    assert_eq!(t.path_at(3).unwrap(), ".data.items");
    assert_eq!(t.path_at(4).unwrap(), ".data.items[0]");
    assert_eq!(t.path_at(8).unwrap(), ".data.items[1].email");
    // A closing bracket belongs to its container.
    assert_eq!(t.path_at(10).unwrap(), ".data.items");
    assert_eq!(t.path_at(12).unwrap(), ".");
    assert_eq!(t.path_at(13), None);
    let top = tree(&json!([{"a b": 1}]));
    assert_eq!(top.path_at(2).unwrap(), ".[0][\"a b\"]");
}

#[test]
fn node_text_is_the_subtree() {
    let t = tree(&sample());
    assert_eq!(t.node_text(8).unwrap(), "\"b\"");
    let items = serde_json::to_string_pretty(&json!([{"email": "a"}, {"email": "b"}])).unwrap();
    assert_eq!(t.node_text(3).unwrap(), items);
    assert_eq!(t.node_text(10).unwrap(), items);
    assert_eq!(t.node_text(99), None);
}

#[test]
fn toggling_collapses_and_restores() {
    let mut t = tree(&sample());
    assert_eq!(t.toggle(3), Some(3));
    assert_eq!(t.len(), 6);
    assert_eq!(text(&t, 3, 1), vec!["    \"items\": […] 2 items"]);
    assert_eq!(text(&t, 4, 2), vec!["  }", "}"]);
    assert_eq!(t.path_at(4).unwrap(), ".data");
    // Collapsed content still copies whole.
    assert!(t.node_text(3).unwrap().contains("\"b\""));
    assert_eq!(t.toggle(3), Some(3));
    assert_eq!(t.len(), 13);
    // From the closing line: collapse the container, land on its first line.
    assert_eq!(t.toggle(10), Some(3));
    assert_eq!(t.len(), 6);
    t.toggle(3);
    // A scalar does not toggle.
    assert_eq!(t.toggle(2), Some(2));
    assert_eq!(t.len(), 13);
    // Collapsing on a scalar collapses its parent.
    assert_eq!(t.set_expanded(5, false), Some(4));
    assert_eq!(text(&t, 4, 1), vec!["      {…} 1 key,"]);
    assert_eq!(t.set_expanded(4, true), Some(4));
    assert_eq!(t.len(), 13);
}

#[test]
fn expand_and_collapse_all() {
    let mut t = tree(&sample());
    t.collapse_all();
    assert_eq!(text(&t, 0, 10), vec!["{", "  \"data\": {…} 2 keys", "}"]);
    t.expand_all();
    assert_eq!(t.len(), 13);
    assert_eq!(
        all_text(&t),
        serde_json::to_string_pretty(&sample()).unwrap()
    );
}

#[test]
fn big_containers_start_collapsed_but_not_the_root() {
    let big: Vec<u32> = (0..1000).collect();
    let t = tree(&json!({"big": big, "small": [1]}));
    assert_eq!(text(&t, 0, 10)[1], "  \"big\": […] 1000 items,");
    assert_eq!(t.len(), 6);
    let root = tree(&json!(big));
    assert_eq!(root.len(), 1002);
}

#[test]
fn keys_keep_the_payload_order() {
    let t = JsonTree::parse(br#"{"zeta":1,"alpha":2}"#).unwrap();
    assert_eq!(text(&t, 1, 2), vec!["  \"zeta\": 1,", "  \"alpha\": 2"]);
}

#[test]
fn find_reveals_matches_in_collapsed_nodes() {
    let mut t = tree(&sample());
    assert_eq!(t.find("EMAIL"), vec![5, 8]);
    t.collapse_all();
    assert_eq!(t.len(), 3);
    // Only the ancestors of matches open: items[0] stays collapsed.
    assert_eq!(t.find("b"), vec![2, 6]);
    assert_eq!(t.path_at(6).unwrap(), ".data.items[1].email");
    assert_eq!(text(&t, 4, 1), vec!["      {…} 1 key,"]);
    assert_eq!(t.find("1"), vec![2]);
    assert!(t.find("nowhere").is_empty());
    assert!(t.find("").is_empty());
}

fn assert_safe(s: &str) {
    for b in s.bytes() {
        assert!(b >= 0x20 && b != 0x7f, "byte {b:#x} in {s:?}");
    }
    assert!(!s.contains('\u{202e}') && !s.contains('\u{85}'), "{s:?}");
}

#[test]
fn control_characters_in_keys_and_strings_are_escaped() {
    let v = json!({"k\u{1b}[31m\u{7f}": "v\u{0}\u{7f}\u{85}\u{202e}txt", "tab\tkey": ["\r\n"]});
    let t = tree(&v);
    let lines = text(&t, 0, t.len());
    for l in &lines {
        assert_safe(l);
    }
    let joined = lines.join("\n");
    assert!(
        joined.contains("\"k\\u001b[31m^?\": \"v\\u0000^?\\u{85}\\u{202e}txt\""),
        "{joined}"
    );
    assert!(joined.contains("\"tab\\tkey\": ["), "{joined}");
    for line in 0..t.len() {
        assert_safe(&t.path_at(line).unwrap());
    }
    // The copied text is real JSON of the node.
    let back: Value = serde_json::from_str(&t.node_text(0).unwrap()).unwrap();
    assert_eq!(back, v);
}

#[test]
fn long_strings_are_cut_on_screen_only() {
    let long = "x".repeat(100_000);
    let t = tree(&json!({ "s": long }));
    let line = &text(&t, 1, 1)[0];
    assert!(
        line.chars().count() < MAX_SHOWN_CHARS + 20,
        "{}",
        line.len()
    );
    assert!(line.ends_with("…\""));
    assert_eq!(t.node_text(1).unwrap().len(), 100_002);
}

#[test]
fn not_json_empty_and_too_deep() {
    assert!(
        JsonTree::parse(b"{nope")
            .unwrap_err()
            .starts_with("not JSON")
    );
    assert_eq!(JsonTree::parse(b"  \n").unwrap_err(), "empty body");
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let e = JsonTree::parse(deep.as_bytes()).unwrap_err();
    assert_eq!(
        e,
        "JSON nested deeper than 128 levels; showing the raw body"
    );
    let ok = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    let t = JsonTree::parse(ok.as_bytes()).unwrap();
    assert_eq!(t.len(), 201);
    assert_eq!(t.node_text(0).unwrap().lines().count(), 201);
    assert_eq!(t.path_at(100).unwrap(), format!(".{}", "[0]".repeat(100)));
}

#[test]
fn five_mib_array_only_renders_the_window() {
    let mut body = String::from("[");
    let mut i = 0;
    while body.len() < 5 * 1024 * 1024 {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            r#"{{"email":"user{i}@example.com","id":{i},"n":null,"tags":["a","b"]}}"#
        ));
        i += 1;
    }
    body.push(']');
    let mut t = JsonTree::parse(body.as_bytes()).unwrap();
    // Each element: `{`, email, id, n, tags `[`, "a", "b", `]`, `}` = 9 lines.
    assert_eq!(t.len(), 2 + 9 * i);
    let tail = text(&t, t.len() - 3, 50);
    assert_eq!(tail, vec!["    ]", "  }", "]"]);
    let mid = t.len() / 2;
    assert_eq!(t.lines(mid, 40, &Theme::dark()).len(), 40);
    let target = format!("user{}@example.com", i - 1);
    let hits = t.find(&target);
    assert_eq!(hits.len(), 1);
    assert_eq!(t.path_at(hits[0]).unwrap(), format!(".[{}].email", i - 1));
    t.collapse_all();
    assert_eq!(t.len(), 2 + i);
}

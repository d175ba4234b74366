//! The text of the inspector's Headers, Verdict and Handler runs tabs, already escaped and
//! wrapped to the pane width (so scrolling counts real screen lines), as role-tagged spans;
//! plus the verdict symbols and roles every pane shares (a verdict reads without colour).

use super::inspector::{Loaded, Tab};
use crate::delivery::{Verdict, rfc3339_ms};
use crate::handlers::outcome::Outcome;
use crate::tui::sanitize::{char_width, escape_bytes, escape_str};
use crate::tui::theme::Role;

/// Excerpt lines shown per handler run.
const EXCERPT_LINES: usize = 12;

/// One screen line: spans of text with the role to draw each in.
pub type DetailLine = Vec<(Role, String)>;

/// The symbol shown before a verdict, so it reads without colour.
pub fn verdict_symbol(v: Verdict) -> &'static str {
    match v {
        Verdict::Valid => "✓",
        Verdict::Invalid => "✗",
        Verdict::Missing => "∅",
        Verdict::Stale => "⧗",
        Verdict::Malformed => "⚠",
        Verdict::Unverified => "?",
    }
}

pub fn verdict_role(v: Verdict) -> Role {
    match v {
        Verdict::Valid => Role::VerdictValid,
        Verdict::Invalid => Role::VerdictInvalid,
        Verdict::Missing => Role::VerdictMissing,
        Verdict::Stale => Role::VerdictStale,
        Verdict::Malformed => Role::VerdictMalformed,
        Verdict::Unverified => Role::VerdictUnverified,
    }
}

/// Cut escaped text into pieces of at most `width` columns.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w > width && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
            used = 0;
        }
        cur.push(c);
        used += w;
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// Word-wrap escaped text to `width` columns (words longer than a line are cut).
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut used = 0;
    for word in text.split(' ') {
        let w: usize = word.chars().map(char_width).sum();
        let gap = usize::from(!cur.is_empty());
        if used + gap + w <= width {
            if gap == 1 {
                cur.push(' ');
            }
            cur.push_str(word);
            used += gap + w;
            continue;
        }
        if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        let mut pieces = wrap(word, width);
        let last = pieces.pop().unwrap_or_default();
        out.extend(pieces);
        used = last.chars().map(char_width).sum();
        cur = last;
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// `label: value` wrapped, continuation lines indented under the value.
fn field(out: &mut Vec<DetailLine>, label: &str, value: &str, role: Role, width: usize) {
    labelled(out, (Role::Muted, label), value, role, width);
}

/// Like [`field`] with the label in its own role (header names).
fn labelled(
    out: &mut Vec<DetailLine>,
    (label_role, label): (Role, &str),
    value: &str,
    role: Role,
    width: usize,
) {
    let pad = label.chars().count() + 2;
    let first = width.saturating_sub(pad).max(8);
    let mut pieces = wrap(value, first).into_iter();
    let head = pieces.next().unwrap_or_default();
    out.push(vec![
        (label_role, label.to_string()),
        (Role::Muted, ": ".into()),
        (role, head),
    ]);
    for p in pieces {
        out.push(vec![(Role::Text, " ".repeat(pad)), (role, p)]);
    }
}

/// Paragraph text wrapped to `width`, every line in `role`.
fn para(out: &mut Vec<DetailLine>, text: &str, role: Role, width: usize) {
    for line in text.lines() {
        for piece in wrap_words(&escape_str(line), width) {
            out.push(vec![(role, piece)]);
        }
    }
}

/// The lines of a non-body tab (Body and Raw are windowed separately).
pub fn lines(l: &Loaded, tab: Tab, width: usize) -> Vec<DetailLine> {
    let width = width.max(10);
    let mut out = Vec::new();
    match tab {
        Tab::Headers => headers(l, width, &mut out),
        Tab::Verdict => verdict(l, width, &mut out),
        Tab::Runs => runs(l, width, &mut out),
        Tab::Body | Tab::Raw => {}
    }
    out
}

fn headers(l: &Loaded, width: usize, out: &mut Vec<DetailLine>) {
    let d = &l.delivery;
    let request = format!("{} {}", escape_str(&d.method), escape_str(&d.summary.path));
    out.push(vec![(Role::Header, request)]);
    for (name, value) in &d.headers {
        let name = escape_str(name);
        labelled(
            out,
            (Role::JsonKey, &name),
            &escape_bytes(value),
            Role::Text,
            width,
        );
    }
    if d.headers.is_empty() {
        out.push(vec![(Role::Muted, "(no headers)".into())]);
    }
}

fn verdict(l: &Loaded, width: usize, out: &mut Vec<DetailLine>) {
    let s = &l.delivery.summary;
    let role = super::details::verdict_role(s.verdict);
    let mut head = vec![(role, format!("{} {}", verdict_symbol(s.verdict), s.verdict))];
    if s.duplicate {
        head.push((
            Role::Duplicate,
            "  duplicate (dedupe key seen before)".into(),
        ));
    }
    out.push(head);
    let explanation = match (&l.delivery.explanation, s.verdict) {
        (Some(e), _) => e.clone(),
        (None, Verdict::Valid) => {
            "a configured secret verifies the signature on the raw body".into()
        }
        (None, Verdict::Unverified) => {
            "no secret configured for this provider: add --secret PROVIDER=VALUE".into()
        }
        (None, v) => format!("signature {v}"),
    };
    para(out, &explanation, Role::Text, width);
    out.push(Vec::new());
    let opt = |o: &Option<String>| o.as_deref().map(escape_str).unwrap_or_else(|| "-".into());
    field(out, "provider", &opt(&s.provider), Role::Text, width);
    field(out, "event type", &opt(&s.event_type), Role::Text, width);
    field(out, "event id", &opt(&s.event_id), Role::Text, width);
    field(
        out,
        "dedupe key",
        &opt(&l.delivery.dedupe_key),
        Role::Text,
        width,
    );
    field(out, "answered", &s.status.to_string(), Role::Text, width);
    field(
        out,
        "received",
        &rfc3339_ms(s.received_at_ms),
        Role::Text,
        width,
    );
    field(
        out,
        "size",
        &format!("{} bytes", s.bytes),
        Role::Text,
        width,
    );
    field(out, "delivery", &format!("#{}", s.id), Role::Text, width);
    if let Some(of) = s.replay_of {
        field(
            out,
            "replay of",
            &format!("#{of} (edited)"),
            Role::Text,
            width,
        );
    }
}

fn runs(l: &Loaded, width: usize, out: &mut Vec<DetailLine>) {
    if l.runs.is_empty() {
        out.push(vec![(
            Role::Muted,
            "no handler runs for this delivery".into(),
        )]);
        return;
    }
    for run in &l.runs {
        let r = &run.result;
        let role = if r.outcome.is_success() {
            Role::HandlerOk
        } else {
            Role::HandlerFailed
        };
        let detail = match &r.outcome {
            Outcome::Error { message } => message.clone(),
            _ => String::new(),
        };
        let took = match r.outcome {
            Outcome::Http { .. } => String::new(),
            _ => format!(" after {} ms", r.duration_ms),
        };
        let started = rfc3339_ms(run.started_at_ms);
        let time = started.split('T').nth(1).unwrap_or(&started).to_string();
        out.push(vec![
            (Role::Header, escape_str(&run.handler)),
            (role, format!("  {}{took}", r.outcome.short(r.duration_ms))),
            (
                Role::Muted,
                format!("  attempt {}/{} at {time}", run.attempt, run.max_attempts),
            ),
        ]);
        if !detail.is_empty() {
            para(out, &detail, Role::HandlerFailed, width);
        }
        for note in &r.notes {
            para(out, &format!("note: {note}"), Role::Muted, width);
        }
        let lines: Vec<&str> = r.excerpt.lines().collect();
        for line in lines.iter().take(EXCERPT_LINES) {
            for piece in wrap(&escape_str(line), width.saturating_sub(2)) {
                out.push(vec![(Role::Muted, "│ ".into()), (Role::Text, piece)]);
            }
        }
        if lines.len() > EXCERPT_LINES {
            out.push(vec![(
                Role::Muted,
                format!("│ … {} more lines", lines.len() - EXCERPT_LINES),
            )]);
        }
        out.push(Vec::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_cuts_by_width() {
        assert_eq!(wrap("abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(wrap("", 4), vec![""]);
        assert_eq!(wrap("日本語", 4), vec!["日本", "語"]);
    }

    #[test]
    fn wrap_words_breaks_at_spaces() {
        assert_eq!(
            wrap_words("check the clock", 10),
            vec!["check the", "clock"]
        );
        assert_eq!(
            wrap_words("abcdefghijkl xy", 5),
            vec!["abcde", "fghij", "kl xy"]
        );
        assert_eq!(wrap_words("", 5), vec![""]);
    }
}

//! The dashboard's query language: `parse(q) -> Filter`, then `Filter::matches(subject)`.
//! Pure: no I/O. Summary-only terms (type, provider, sig, dup, status, handler, id) are cheap
//! and evaluated first; free words and `.json` field predicates touch the body only when
//! [`Filter::needs_body`] says so. Grammar and semantics: see [`parse`].

mod field;
mod parser;
mod pattern;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_match;

use crate::delivery::{DeliveryId, Summary, Verdict};
use field::FieldPred;
use pattern::{Glob, contains_ci};
use std::fmt;

pub use parser::parse;

/// What happened to the handler run(s) of a delivery; `None` from [`Subject::handler`] means
/// no handler is configured or none ran (`handler:none`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HandlerState {
    Ok,
    Failed,
    Pending,
}

/// Anything the filter can be evaluated against: a dashboard row, a stored delivery.
pub trait Subject {
    fn summary(&self) -> &Summary;
    fn handler(&self) -> Option<HandlerState>;
    /// The raw body; `None` = not loaded (body terms are then undecided, see [`Filter::decide`]).
    fn body(&self) -> Option<&[u8]>;
    /// The body parsed as JSON; `None` = not loaded or not JSON (a loaded body that is not
    /// JSON makes every field predicate false).
    fn json(&self) -> Option<&serde_json::Value>;
}

/// A parse error: byte position in the query and a short message for the filter bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub pos: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.pos, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Which verdicts a `sig:` term accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SigSet {
    Is(Verdict),
    /// `sig:bad`: any verdict answered with 401.
    Rejected,
}

/// `status:401` or `status:4xx` (`None` digits are wildcards).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct StatusPat([Option<u8>; 3]);

impl StatusPat {
    fn matches(self, status: u16) -> bool {
        let digits = [
            (status / 100 % 10) as u8,
            (status / 10 % 10) as u8,
            (status % 10) as u8,
        ];
        status < 1000
            && self
                .0
                .iter()
                .zip(digits)
                .all(|(want, got)| want.is_none_or(|w| w == got))
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Pred {
    Type(Glob),
    Provider(Glob),
    Sig(SigSet),
    Dup(bool),
    Status(StatusPat),
    Handler(Option<HandlerState>),
    Id(DeliveryId),
    /// Lower-cased free word or phrase: event type, provider or body contains it.
    Word(String),
    Field(FieldPred),
}

impl Pred {
    fn is_summary_only(&self) -> bool {
        !matches!(self, Pred::Word(_) | Pred::Field(_))
    }

    /// `Some(answer)`, or `None` when the body is needed and not loaded.
    fn eval(&self, s: &dyn Subject) -> Option<bool> {
        let sum = s.summary();
        Some(match self {
            Pred::Type(g) => sum.event_type.as_deref().is_some_and(|t| g.matches(t)),
            Pred::Provider(g) => sum.provider.as_deref().is_some_and(|p| g.matches(p)),
            Pred::Sig(SigSet::Is(v)) => sum.verdict == *v,
            Pred::Sig(SigSet::Rejected) => sum.verdict.is_rejection(),
            Pred::Dup(d) => sum.duplicate == *d,
            Pred::Status(p) => p.matches(sum.status),
            Pred::Handler(h) => s.handler() == *h,
            Pred::Id(id) => sum.id == *id,
            Pred::Word(w) => {
                let in_summary = [&sum.event_type, &sum.provider]
                    .into_iter()
                    .flatten()
                    .any(|t| contains_ci(t.as_bytes(), w.as_bytes()));
                in_summary || contains_ci(s.body()?, w.as_bytes())
            }
            Pred::Field(f) => match s.json() {
                Some(v) => f.matches(v),
                None => {
                    s.body()?;
                    false
                }
            },
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Term {
    negated: bool,
    pred: Pred,
}

impl Term {
    fn eval(&self, s: &dyn Subject) -> Option<bool> {
        self.pred.eval(s).map(|b| b != self.negated)
    }
}

/// A parsed query: groups joined by `or`, each group a list of terms joined by AND.
/// An empty filter matches everything.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    groups: Vec<Vec<Term>>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.groups.iter().all(Vec::is_empty)
    }

    /// True when some term reads the body (free words, `.field` predicates).
    pub fn needs_body(&self) -> bool {
        self.terms().any(|t| !t.pred.is_summary_only())
    }

    /// The positive free words (lower-cased) of a single-group query, for a store-side
    /// prefilter: a row can only match if its type, provider or body contains every one.
    /// Empty when the query has `or` groups (a word prefilter would be unsound there).
    pub fn body_words(&self) -> Vec<String> {
        match self.groups.as_slice() {
            [group] => group
                .iter()
                .filter_map(|t| match &t.pred {
                    Pred::Word(w) if !t.negated => Some(w.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Three-valued evaluation: `Some(true|false)` when decided, `None` when the answer
    /// depends on a body that is not loaded. Summary terms run first, so a row rejected by
    /// them is decided without a body.
    pub fn decide(&self, s: &dyn Subject) -> Option<bool> {
        if self.groups.is_empty() {
            return Some(true);
        }
        let mut unknown = false;
        for group in &self.groups {
            match eval_group(group, s) {
                Some(true) => return Some(true),
                Some(false) => {}
                None => unknown = true,
            }
        }
        if unknown { None } else { Some(false) }
    }

    /// True when the subject matches; an undecided answer (body not loaded) is false.
    pub fn matches(&self, s: &dyn Subject) -> bool {
        self.decide(s) == Some(true)
    }

    fn terms(&self) -> impl Iterator<Item = &Term> {
        self.groups.iter().flatten()
    }
}

/// AND over terms with Kleene logic; terms are stored cheap-first by the parser.
fn eval_group(terms: &[Term], s: &dyn Subject) -> Option<bool> {
    let mut unknown = false;
    for t in terms {
        match t.eval(s) {
            Some(false) => return Some(false),
            Some(true) => {}
            None => unknown = true,
        }
    }
    if unknown { None } else { Some(true) }
}

/// A whole-text glob (`*` any run, `?` one character, ASCII case-insensitive), as used by
/// `type:`; shared with the handlers' event selection.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    pattern::Glob::new(pattern).matches(text)
}

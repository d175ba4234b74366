//! jq-ish field predicates on the JSON body: a path (`.data.items[0].email`), an optional
//! operator (`== != > >= < <= ~`) and a literal. A missing path reads as `null`; a path with
//! no operator tests truthiness (present and neither `null` nor `false`).

use super::pattern::contains_ci;
use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Seg {
    Key(String),
    /// Array index; negative counts from the end like jq.
    Index(i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Contains,
}

impl Op {
    /// Longest first, so `>=` wins over `>`.
    pub(super) const TOKENS: [(&'static str, Op); 7] = [
        ("==", Op::Eq),
        ("!=", Op::Ne),
        (">=", Op::Ge),
        ("<=", Op::Le),
        (">", Op::Gt),
        ("<", Op::Lt),
        ("~", Op::Contains),
    ];
}

/// The right-hand side as typed: `value` is its JSON reading (a bare word that is not a
/// number, `true`, `false` or `null` reads as a string; a quoted one always does); `text`
/// is the unquoted text.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Literal {
    pub(super) value: Value,
    pub(super) text: String,
}

impl Literal {
    pub(super) fn new(text: String, quoted: bool) -> Literal {
        let value = if quoted {
            Value::String(text.clone())
        } else {
            match serde_json::from_str::<Value>(&text) {
                Ok(v @ (Value::Null | Value::Bool(_) | Value::Number(_))) => v,
                _ => Value::String(text.clone()),
            }
        };
        Literal { value, text }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(super) struct FieldPred {
    pub(super) path: Vec<Seg>,
    pub(super) cmp: Option<(Op, Literal)>,
}

impl FieldPred {
    pub(super) fn matches(&self, root: &Value) -> bool {
        let got = resolve(root, &self.path);
        match &self.cmp {
            None => !matches!(got, None | Some(Value::Null) | Some(Value::Bool(false))),
            Some((op, lit)) => {
                let got = got.unwrap_or(&Value::Null);
                match op {
                    Op::Eq => equals(got, lit),
                    Op::Ne => !equals(got, lit),
                    Op::Contains => contains(got, lit),
                    Op::Gt | Op::Ge | Op::Lt | Op::Le => compare(got, lit).is_some_and(|o| {
                        use std::cmp::Ordering::*;
                        match op {
                            Op::Gt => o == Greater,
                            Op::Ge => o != Less,
                            Op::Lt => o == Less,
                            _ => o != Greater,
                        }
                    }),
                }
            }
        }
    }
}

fn resolve<'v>(root: &'v Value, path: &[Seg]) -> Option<&'v Value> {
    path.iter().try_fold(root, |v, seg| match (seg, v) {
        (Seg::Key(k), Value::Object(m)) => m.get(k),
        (Seg::Index(i), Value::Array(a)) => {
            let idx = if *i < 0 {
                a.len().checked_sub(i.unsigned_abs() as usize)?
            } else {
                usize::try_from(*i).ok()?
            };
            a.get(idx)
        }
        _ => None,
    })
}

fn equals(got: &Value, lit: &Literal) -> bool {
    match (got, &lit.value) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        // An unquoted number also matches the same text in a string (`.id == 123`).
        (Value::String(s), Value::Number(_)) => *s == lit.text,
        (g, v) => g == v,
    }
}

fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn compare(got: &Value, lit: &Literal) -> Option<std::cmp::Ordering> {
    match (got, &lit.value) {
        (Value::String(a), Value::String(b)) => Some(a.as_str().cmp(b.as_str())),
        (g, l) => number_of(g)?.partial_cmp(&number_of(l)?),
    }
}

fn contains(got: &Value, lit: &Literal) -> bool {
    let needle = lit.text.to_ascii_lowercase();
    match got {
        Value::String(s) => contains_ci(s.as_bytes(), needle.as_bytes()),
        Value::Number(n) => n.to_string().contains(&lit.text),
        Value::Array(items) => items.iter().any(|i| match i {
            Value::String(s) => contains_ci(s.as_bytes(), needle.as_bytes()),
            other => equals(other, lit),
        }),
        Value::Object(m) => m.contains_key(&lit.text),
        Value::Null | Value::Bool(_) => false,
    }
}

//! The filter parser: a hand-written scanner over the query with byte positions, so every
//! error points at the offending spot. Terms are separated by whitespace; `or` / `|` starts a
//! new group. Each group's terms are stored cheap (summary-only) first.

use super::field::{FieldPred, Literal, Op, Seg};
use super::pattern::Glob;
use super::{Filter, HandlerState, ParseError, Pred, SigSet, StatusPat, Term};
use crate::delivery::Verdict;

/// Parse a query.
///
/// * `key:value` with keys `type` and `provider` (globs with `*` and `?`, case-insensitive),
///   `sig` (a verdict name, or `bad` = any rejection), `dup` (`yes`/`no`), `status` (`401`,
///   `4xx`), `handler` (`ok`/`failed`/`pending`/`none`), `id` (a number). A value may start
///   with `!` to negate it (`sig:!valid`) and may be quoted (`type:"a b"`).
/// * free words and `"quoted phrases"`: the event type, provider or body contains them
///   (ASCII-case-insensitive).
/// * `.path op literal`: a JSON body predicate, `.a.b`, `.tags[0]`, `.items[-1]`, `."odd key"`,
///   with `== != > >= < <= ~`; a bare `.path` tests that it is present and truthy.
/// * `-term` negates any term; terms are ANDed; `or` or `|` separates alternative groups.
pub fn parse(q: &str) -> Result<Filter, ParseError> {
    let mut p = Parser { src: q, pos: 0 };
    let mut groups: Vec<Vec<Term>> = vec![Vec::new()];
    let mut last_or = None;
    loop {
        p.skip_ws();
        let start = p.pos;
        let Some(c) = p.peek() else { break };
        if c == '|' || p.at_or_keyword() {
            p.pos += if c == '|' { 1 } else { 2 };
            if groups.last().is_some_and(Vec::is_empty) {
                return Err(err(start, "nothing before `or`"));
            }
            groups.push(Vec::new());
            last_or = Some(start);
            continue;
        }
        let term = p.term()?;
        if let Some(group) = groups.last_mut() {
            group.push(term);
        }
    }
    if let (Some(at), true) = (last_or, groups.last().is_some_and(Vec::is_empty)) {
        return Err(err(at, "nothing after `or`"));
    }
    for g in &mut groups {
        g.sort_by_key(|t| !t.pred.is_summary_only());
    }
    groups.retain(|g| !g.is_empty());
    Ok(Filter { groups })
}

fn err(pos: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        pos,
        message: message.into(),
    }
}

const KEYS: [&str; 7] = ["type", "provider", "sig", "dup", "status", "handler", "id"];

fn ends_word(c: char) -> bool {
    c.is_whitespace() || c == '|'
}

fn ends_path_name(c: char) -> bool {
    ends_word(c) || ".[]\"=!<>~".contains(c)
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    /// Consume characters while `keep` holds; returns the consumed text.
    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &str {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.bump();
        }
        self.src.get(start..self.pos).unwrap_or("")
    }

    fn at_or_keyword(&self) -> bool {
        let r = self.rest();
        r.get(..2).is_some_and(|w| w.eq_ignore_ascii_case("or"))
            && r.get(2..)
                .and_then(|s| s.chars().next())
                .is_none_or(char::is_whitespace)
    }

    fn term(&mut self) -> Result<Term, ParseError> {
        let start = self.pos;
        let negated = self.peek() == Some('-');
        if negated {
            self.bump();
            if self.peek().is_none_or(ends_word) {
                return Err(err(start, "nothing to negate after `-`"));
            }
        }
        let (flip, pred) = match self.peek() {
            Some('"') => {
                let at = self.pos;
                let phrase = self.quoted()?;
                if phrase.is_empty() {
                    return Err(err(at, "empty phrase"));
                }
                (false, Pred::Word(phrase.to_ascii_lowercase()))
            }
            Some('.') => (false, Pred::Field(self.field()?)),
            _ => self.key_or_word()?,
        };
        Ok(Term {
            negated: negated != flip,
            pred,
        })
    }

    /// `"..."` with `\"` and `\\` escapes; the cursor is on the opening quote.
    fn quoted(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(err(open, "unterminated quote")),
                Some('"') => return Ok(out),
                Some('\\') => match self.bump() {
                    Some(c) => out.push(c),
                    None => return Err(err(open, "unterminated quote")),
                },
                Some(c) => out.push(c),
            }
        }
    }

    /// A `key:value` term (returns whether `!` negated the value) or a free word.
    fn key_or_word(&mut self) -> Result<(bool, Pred), ParseError> {
        let start = self.pos;
        let key = self
            .take_while(|c| c.is_ascii_alphanumeric() || c == '_')
            .to_ascii_lowercase();
        if key.is_empty() || self.peek() != Some(':') {
            self.pos = start;
            let word = self.take_while(|c| !ends_word(c)).to_ascii_lowercase();
            return Ok((false, Pred::Word(word)));
        }
        if !KEYS.contains(&key.as_str()) {
            return Err(err(
                start,
                format!("unknown key `{key}:` (quote text to search for it)"),
            ));
        }
        self.bump();
        let bang = self.peek() == Some('!');
        if bang {
            self.bump();
        }
        let at = self.pos;
        let value = if self.peek() == Some('"') {
            self.quoted()?
        } else {
            self.take_while(|c| !ends_word(c)).to_string()
        };
        if value.is_empty() {
            return Err(err(at, format!("missing value after `{key}:`")));
        }
        Ok((bang, key_pred(&key, &value).map_err(|m| err(at, m))?))
    }

    /// `.path` then optionally an operator and a literal.
    fn field(&mut self) -> Result<FieldPred, ParseError> {
        self.bump();
        let mut path = Vec::new();
        if let Some(key) = self.path_name()? {
            path.push(Seg::Key(key));
        }
        loop {
            match self.peek() {
                Some('[') => path.push(self.index()?),
                Some('.') => {
                    let at = self.pos;
                    self.bump();
                    match self.path_name()? {
                        Some(key) => path.push(Seg::Key(key)),
                        None => return Err(err(at, "expected a field name after `.`")),
                    }
                }
                _ => break,
            }
        }
        let before_op = self.pos;
        self.skip_ws();
        let Some((tok, op)) = Op::TOKENS
            .into_iter()
            .find(|(tok, _)| self.rest().starts_with(tok))
        else {
            self.pos = before_op;
            if self.peek().is_some_and(|c| !ends_word(c)) {
                return Err(err(self.pos, "expected an operator (== != > >= < <= ~)"));
            }
            return Ok(FieldPred { path, cmp: None });
        };
        self.pos += tok.len();
        self.skip_ws();
        let at = self.pos;
        let lit = if self.peek() == Some('"') {
            Literal::new(self.quoted()?, true)
        } else {
            let text = self.take_while(|c| !ends_word(c)).to_string();
            if text.is_empty() {
                return Err(err(at, format!("missing value after `{tok}`")));
            }
            Literal::new(text, false)
        };
        Ok(FieldPred {
            path,
            cmp: Some((op, lit)),
        })
    }

    fn path_name(&mut self) -> Result<Option<String>, ParseError> {
        if self.peek() == Some('"') {
            return self.quoted().map(Some);
        }
        let name = self.take_while(|c| !ends_path_name(c));
        Ok((!name.is_empty()).then(|| name.to_string()))
    }

    /// `[3]`, `[-1]` or `["key"]`; the cursor is on `[`.
    fn index(&mut self) -> Result<Seg, ParseError> {
        let open = self.pos;
        self.bump();
        let seg = if self.peek() == Some('"') {
            Seg::Key(self.quoted()?)
        } else {
            let at = self.pos;
            let digits = self.take_while(|c| c == '-' || c.is_ascii_digit());
            Seg::Index(
                digits
                    .parse()
                    .map_err(|_| err(at, "expected an index like [0] or [\"key\"]"))?,
            )
        };
        if self.bump() != Some(']') {
            return Err(err(open, "unclosed `[`"));
        }
        Ok(seg)
    }
}

fn key_pred(key: &str, value: &str) -> Result<Pred, String> {
    let lower = value.to_ascii_lowercase();
    Ok(match key {
        "type" => Pred::Type(Glob::new(value)),
        "provider" => Pred::Provider(Glob::new(value)),
        "sig" => Pred::Sig(match lower.as_str() {
            "bad" | "rejected" => SigSet::Rejected,
            v => SigSet::Is(Verdict::parse(v).ok_or_else(|| {
                format!("unknown verdict `{value}` (valid invalid missing stale malformed unverified bad)")
            })?),
        }),
        "dup" => Pred::Dup(match lower.as_str() {
            "yes" | "true" | "1" => true,
            "no" | "false" | "0" => false,
            _ => return Err("dup is yes or no".into()),
        }),
        "status" => Pred::Status(status_pattern(&lower).ok_or("status is like 401 or 4xx")?),
        "handler" => Pred::Handler(match lower.as_str() {
            "ok" => Some(HandlerState::Ok),
            "failed" | "fail" => Some(HandlerState::Failed),
            "pending" => Some(HandlerState::Pending),
            "none" => None,
            _ => return Err("handler is ok, failed, pending or none".into()),
        }),
        _ => Pred::Id(value.parse().map_err(|_| "id is a number".to_string())?),
    })
}

fn status_pattern(v: &str) -> Option<StatusPat> {
    let b = v.as_bytes();
    if b.len() != 3 || !b[0].is_ascii_digit() {
        return None;
    }
    let mut digits = [None; 3];
    for (slot, &c) in digits.iter_mut().zip(b) {
        *slot = match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'x' => None,
            _ => return None,
        };
    }
    Some(StatusPat(digits))
}

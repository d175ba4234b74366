//! Parser tests: structure of parsed terms, negation, groups and error positions.

#![allow(clippy::unwrap_used)]

use super::field::{Literal, Op, Seg};
use super::*;
use serde_json::json;

fn terms(q: &str) -> Vec<Term> {
    let f = parse(q).unwrap();
    assert_eq!(f.groups.len(), 1, "{q}");
    f.groups.into_iter().next().unwrap()
}

fn one(q: &str) -> Term {
    let t = terms(q);
    assert_eq!(t.len(), 1, "{q}");
    t.into_iter().next().unwrap()
}

fn pos(q: &str) -> (usize, String) {
    let e = parse(q).unwrap_err();
    (e.pos, e.message)
}

#[test]
fn empty_and_blank_queries_are_empty() {
    for q in ["", "   ", "\t"] {
        let f = parse(q).unwrap();
        assert!(f.is_empty());
        assert!(!f.needs_body());
    }
    assert!(!parse("x").unwrap().is_empty());
}

#[test]
fn parses_keys() {
    assert_eq!(one("type:person_*").pred, Pred::Type(Glob::new("person_*")));
    assert_eq!(
        one("PROVIDER:salesloft").pred,
        Pred::Provider(Glob::new("salesloft"))
    );
    assert_eq!(
        one("sig:invalid").pred,
        Pred::Sig(SigSet::Is(Verdict::Invalid))
    );
    assert_eq!(one("sig:bad").pred, Pred::Sig(SigSet::Rejected));
    assert_eq!(one("dup:yes").pred, Pred::Dup(true));
    assert_eq!(one("dup:no").pred, Pred::Dup(false));
    assert_eq!(
        one("status:401").pred,
        Pred::Status(StatusPat([Some(4), Some(0), Some(1)]))
    );
    assert_eq!(
        one("status:4xx").pred,
        Pred::Status(StatusPat([Some(4), None, None]))
    );
    assert_eq!(
        one("handler:failed").pred,
        Pred::Handler(Some(HandlerState::Failed))
    );
    assert_eq!(
        one("handler:ok").pred,
        Pred::Handler(Some(HandlerState::Ok))
    );
    assert_eq!(
        one("handler:pending").pred,
        Pred::Handler(Some(HandlerState::Pending))
    );
    assert_eq!(one("handler:none").pred, Pred::Handler(None));
    assert_eq!(one("id:123").pred, Pred::Id(123));
    assert_eq!(one("type:\"a b\"").pred, Pred::Type(Glob::new("a b")));
}

#[test]
fn negation_forms() {
    let t = one("sig:!valid");
    assert!(t.negated);
    assert_eq!(t.pred, Pred::Sig(SigSet::Is(Verdict::Valid)));
    assert!(one("-type:x").negated);
    // Double negation cancels.
    assert!(!one("-sig:!valid").negated);
    let w = one("-Hello");
    assert!(w.negated);
    assert_eq!(w.pred, Pred::Word("hello".into()));
    assert!(one("-\"a phrase\"").negated);
    assert!(one("-.data.x").negated);
}

#[test]
fn words_and_phrases_are_lowercased() {
    let t = terms("Alpha \"Two Words\" x\\y");
    assert_eq!(
        t.into_iter().map(|t| t.pred).collect::<Vec<_>>(),
        vec![
            Pred::Word("alpha".into()),
            Pred::Word("two words".into()),
            Pred::Word("x\\y".into())
        ]
    );
    assert_eq!(one(r#""say \"hi\"""#).pred, Pred::Word("say \"hi\"".into()));
}

fn field(q: &str) -> FieldPred {
    match one(q).pred {
        Pred::Field(f) => f,
        other => panic!("{q}: {other:?}"),
    }
}

#[test]
fn parses_field_predicates() {
    let f = field(".data.email == \"x@y.com\"");
    assert_eq!(
        f.path,
        vec![Seg::Key("data".into()), Seg::Key("email".into())]
    );
    assert_eq!(f.cmp, Some((Op::Eq, Literal::new("x@y.com".into(), true))));

    let f = field(".counts.opens>0");
    assert_eq!(f.cmp.as_ref().map(|c| c.0), Some(Op::Gt));
    assert_eq!(f.cmp.map(|c| c.1.value), Some(json!(0)));

    let f = field(".tags[0] == vip");
    assert_eq!(f.path, vec![Seg::Key("tags".into()), Seg::Index(0)]);
    assert_eq!(f.cmp.map(|c| c.1.value), Some(json!("vip")));

    let f = field(".a.b != null");
    assert_eq!(f.cmp, Some((Op::Ne, Literal::new("null".into(), false))));

    let f = field(".items[-1][\"odd key\"].\"x y\"");
    assert_eq!(
        f.path,
        vec![
            Seg::Key("items".into()),
            Seg::Index(-1),
            Seg::Key("odd key".into()),
            Seg::Key("x y".into())
        ]
    );
    assert_eq!(f.cmp, None);

    for (q, op) in [
        (".a >= 1", Op::Ge),
        (".a <= 1", Op::Le),
        (".a < 1", Op::Lt),
        (".a ~ x", Op::Contains),
        (".a!=1", Op::Ne),
    ] {
        assert_eq!(field(q).cmp.map(|c| c.0), Some(op), "{q}");
    }
    assert_eq!(field(".").path, vec![]);
}

#[test]
fn field_without_operator_is_followed_by_more_terms() {
    let t = terms(".x foo");
    assert_eq!(t.len(), 2);
    assert!(matches!(&t[0].pred, Pred::Field(f) if f.cmp.is_none()));
}

#[test]
fn summary_terms_are_sorted_first() {
    let t = terms("hello .a == 1 sig:valid");
    assert_eq!(t[0].pred, Pred::Sig(SigSet::Is(Verdict::Valid)));
    assert!(!t[1].pred.is_summary_only());
    assert!(!t[2].pred.is_summary_only());
}

#[test]
fn or_groups() {
    let f = parse("sig:invalid or type:x | provider:github").unwrap();
    assert_eq!(f.groups.len(), 3);
    let f = parse("a|b").unwrap();
    assert_eq!(f.groups.len(), 2);
    // "order" is a word, not the keyword.
    assert_eq!(parse("order").unwrap().groups.len(), 1);
    assert_eq!(parse("\"or\"").unwrap().groups.len(), 1);
}

#[test]
fn needs_body_and_body_words() {
    assert!(
        !parse("type:x sig:bad -dup:yes status:2xx id:4 handler:none")
            .unwrap()
            .needs_body()
    );
    assert!(parse("hello").unwrap().needs_body());
    assert!(parse("-.x").unwrap().needs_body());
    let f = parse("type:x Hello -nope \"two words\"").unwrap();
    assert_eq!(
        f.body_words(),
        vec!["hello".to_string(), "two words".to_string()]
    );
    assert!(parse("a or b").unwrap().body_words().is_empty());
}

#[test]
fn errors_carry_positions() {
    assert_eq!(pos("tpye:x").0, 0);
    assert!(pos("tpye:x").1.contains("unknown key `tpye:`"));
    assert_eq!(
        pos("sig:valid type:"),
        (15, "missing value after `type:`".into())
    );
    assert_eq!(pos("a sig:nope").0, 6);
    assert!(pos("a sig:nope").1.contains("unknown verdict"));
    assert_eq!(pos("status:4").0, 7);
    assert_eq!(pos("status:abc").0, 7);
    assert_eq!(pos("dup:maybe").0, 4);
    assert_eq!(pos("handler:great").0, 8);
    assert_eq!(pos("id:x").0, 3);
    assert_eq!(pos("x \"open").0, 2);
    assert_eq!(pos("x \"open").1, "unterminated quote");
    assert_eq!(pos("a - b").0, 2);
    assert_eq!(pos("or a").0, 0);
    assert_eq!(pos("a or").0, 2);
    assert_eq!(pos("a | | b").0, 4);
    assert_eq!(pos(".a ==").0, 5);
    assert_eq!(pos(".a. == 1").0, 2);
    assert_eq!(pos(".a[x]").0, 3);
    assert_eq!(pos(".a[1").0, 2);
    assert_eq!(
        pos(".a]"),
        (2, "expected an operator (== != > >= < <= ~)".into())
    );
    assert_eq!(pos("\"\"").1, "empty phrase");
    // Positions are byte offsets even after multi-byte text.
    assert_eq!(pos("é type:").0, 8);
    let e = parse("tpye:x").unwrap_err();
    assert_eq!(e.to_string(), format!("at 0: {}", e.message));
}

//! Cheap JSON field extraction for the hot path: reads a handful of RFC 6901 pointers from a
//! raw body in one streaming pass (serde visitors, unneeded subtrees skipped with `IgnoredAny`,
//! stops early once every pointer is found) instead of building a whole `serde_json::Value`.
//! Strings come back unescaped (borrowed when they hold no escapes); numbers as their text.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A parsed RFC 6901 JSON pointer (`/data/id`, `/items/0`, `~1` for `/`, `~0` for `~`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pointer {
    text: String,
    tokens: Vec<String>,
}

impl Pointer {
    /// Parses a pointer; it must be empty (the whole document) or start with `/`.
    pub fn parse(text: &str) -> Option<Pointer> {
        if text.is_empty() {
            return Some(Pointer {
                text: String::new(),
                tokens: Vec::new(),
            });
        }
        let rest = text.strip_prefix('/')?;
        let tokens = rest
            .split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect();
        Some(Pointer {
            text: text.to_owned(),
            tokens,
        })
    }

    /// The pointer as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// One extracted value: `None` when the pointer is absent, null, an object or an array.
pub type Field<'b> = Option<Cow<'b, str>>;

/// Reads every pointer from `body` in one pass. A body that is not JSON yields all `None`.
pub fn extract<'b>(body: &'b [u8], pointers: &[Pointer]) -> Vec<Field<'b>> {
    let mut out = Out {
        values: vec![None; pointers.len()],
        reached: vec![false; pointers.len()],
        remaining: pointers.len(),
    };
    if pointers.is_empty() {
        return out.values;
    }
    let active: Vec<(usize, &[String])> = pointers
        .iter()
        .enumerate()
        .map(|(i, p)| (i, p.tokens.as_slice()))
        .collect();
    let mut de = serde_json::Deserializer::from_slice(body);
    let walked = Node {
        active: &active,
        out: &mut out,
    }
    .deserialize(&mut de);
    // The walk aborts with an error once every pointer is found: that is a success.
    if walked.is_ok() || out.remaining == 0 {
        out.values
    } else {
        vec![None; pointers.len()]
    }
}

const DONE: &str = "hookwatch: all pointers found";

struct Out<'b> {
    values: Vec<Field<'b>>,
    reached: Vec<bool>,
    remaining: usize,
}

impl<'b> Out<'b> {
    fn set(&mut self, index: usize, value: Field<'b>) {
        if let Some(reached) = self.reached.get_mut(index)
            && !*reached
        {
            *reached = true;
            self.remaining -= 1;
            if let Some(slot) = self.values.get_mut(index) {
                *slot = value;
            }
        }
    }
}

/// The value at the current position, with the pointers (output index, remaining tokens) that
/// pass through it.
struct Node<'a, 'o, 'b> {
    active: &'a [(usize, &'a [String])],
    out: &'o mut Out<'b>,
}

impl<'a, 'b> Node<'a, '_, 'b> {
    /// Marks every pointer that ends at this value with `value`.
    fn capture(self, value: Field<'b>) {
        for (i, rest) in self.active {
            if rest.is_empty() {
                self.out.set(*i, value.clone());
            }
        }
    }

    /// The pointers that continue into the child whose key or index satisfies `is_child`.
    fn children(&self, is_child: impl Fn(&str) -> bool) -> Vec<(usize, &'a [String])> {
        self.active
            .iter()
            .filter_map(|(i, rest)| match rest.split_first() {
                Some((first, tail)) if is_child(first) => Some((*i, tail)),
                _ => None,
            })
            .collect()
    }

    /// An object or array where some pointers end: they resolve to `None`.
    fn capture_container(&mut self) {
        for (i, rest) in self.active {
            if rest.is_empty() {
                self.out.set(*i, None);
            }
        }
    }
}

impl<'de: 'b, 'b> DeserializeSeed<'de> for Node<'_, '_, 'b> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de: 'b, 'b> Visitor<'de> for Node<'_, '_, 'b> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.capture(Some(Cow::Borrowed(if v { "true" } else { "false" })));
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.capture(Some(Cow::Owned(v.to_string())));
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.capture(Some(Cow::Owned(v.to_string())));
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        // serde_json's own formatting (ryu): "1.5", "1e300", as the sender most likely wrote it.
        let text = serde_json::Number::from_f64(v).map(|n| Cow::Owned(n.to_string()));
        self.capture(text);
        Ok(())
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        self.capture(Some(Cow::Borrowed(v)));
        Ok(())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.capture(Some(Cow::Owned(v.to_owned())));
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.capture(None);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut this = self;
        this.capture_container();
        let mut index = 0usize;
        loop {
            let children = this.children(|t| array_index(t) == Some(index));
            let more = if children.is_empty() {
                seq.next_element::<IgnoredAny>()?.is_some()
            } else {
                let node = Node {
                    active: &children,
                    out: &mut *this.out,
                };
                seq.next_element_seed(node)?.is_some()
            };
            if !more {
                return Ok(());
            }
            if this.out.remaining == 0 {
                return Err(de::Error::custom(DONE));
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut this = self;
        this.capture_container();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let children = this.children(|t| t == key.as_str());
            if children.is_empty() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            map.next_value_seed(Node {
                active: &children,
                out: &mut *this.out,
            })?;
            if this.out.remaining == 0 {
                return Err(de::Error::custom(DONE));
            }
        }
        Ok(())
    }
}

/// An RFC 6901 array index token: `0` or digits without a leading zero.
fn array_index(token: &str) -> Option<usize> {
    let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    if digits && (token == "0" || !token.starts_with('0')) {
        token.parse().ok()
    } else {
        None
    }
}

/// An object key, borrowed from the body unless it contains escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v))
            }
        }
        de.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn get(body: &[u8], pointers: &[&str]) -> Vec<Option<String>> {
        let ptrs: Vec<Pointer> = pointers
            .iter()
            .map(|p| Pointer::parse(p).unwrap())
            .collect();
        extract(body, &ptrs)
            .into_iter()
            .map(|v| v.map(Cow::into_owned))
            .collect()
    }

    #[test]
    fn reads_top_level_and_nested_fields_in_one_pass() {
        let body = br#"{"id":721356732,"type":"lead.created","data":{"id":"lead_1","n":[1,{"x":"y"}]},"updated_at":"2026-01-22T01:22:45Z"}"#;
        let got = get(
            body,
            &[
                "/id",
                "/type",
                "/data/id",
                "/data/n/1/x",
                "/updated_at",
                "/nope",
            ],
        );
        assert_eq!(
            got,
            vec![
                Some("721356732".into()),
                Some("lead.created".into()),
                Some("lead_1".into()),
                Some("y".into()),
                Some("2026-01-22T01:22:45Z".into()),
                None
            ]
        );
    }

    #[test]
    fn unescapes_strings_and_keys_and_renders_literals() {
        let body = br#"{"a\/b":"x\"y\u00e9","t":true,"f":1.5,"neg":-3,"n":null,"o":{},"arr":[]}"#;
        let got = get(body, &["/a~1b", "/t", "/f", "/neg", "/n", "/o", "/arr"]);
        assert_eq!(
            got,
            vec![
                Some("x\"yé".into()),
                Some("true".into()),
                Some("1.5".into()),
                Some("-3".into()),
                None,
                None,
                None
            ]
        );
    }

    #[test]
    fn non_json_and_broken_bodies_yield_nothing() {
        assert_eq!(get(b"token=abc&type=x", &["/type"]), vec![None]);
        assert_eq!(get(&[0xff, 0x00, 0xfe], &["/type"]), vec![None]);
        assert_eq!(get(b"", &["/type"]), vec![None]);
        // A missing field in a truncated document is not guessed at.
        assert_eq!(get(br#"{"a":1,"b":"#, &["/b"]), vec![None]);
        assert_eq!(get(b"[1,2]", &["/type"]), vec![None]);
    }

    #[test]
    fn stops_once_everything_is_found() {
        // The tail after the found field is garbage: the walk never reaches it.
        let got = get(br#"{"type":"ping","rest": ]]]"#, &["/type"]);
        assert_eq!(got, vec![Some("ping".into())]);
    }

    #[test]
    fn pointer_parsing_follows_rfc6901() {
        assert_eq!(Pointer::parse("id"), None);
        assert_eq!(
            Pointer::parse("/a~01").unwrap().tokens,
            vec!["a~1".to_string()]
        );
        assert_eq!(get(br#""whole""#, &[""]), vec![Some("whole".into())]);
    }
}

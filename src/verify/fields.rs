//! What a delivery says about itself, read after the signature check: selectors (headers,
//! signature parameters, JSON pointers, body digest) resolved into event type, event id and
//! dedupe key, plus the cheap guesses made for requests no profile matched.

use super::json;
use super::profile::{Profile, Selector};
use super::scheme::Parsed;
use super::{Verdict, Verification};
use http::HeaderMap;
use sha2::Digest;
use std::borrow::Cow;
use std::sync::LazyLock;

/// Longest event type / event id kept (the rest is cut at a character boundary).
const MAX_FIELD_CHARS: usize = 200;
/// Dedupe keys longer than this are replaced by `sha256:<hex>` of the key.
const MAX_DEDUPE_BYTES: usize = 512;

/// JSON fields read for a request no profile matched: three event-type guesses, then the id.
static GUESSES: LazyLock<Vec<json::Pointer>> = LazyLock::new(|| {
    ["/type", "/event", "/event_type", "/id"]
        .iter()
        .filter_map(|p| json::Pointer::parse(p))
        .collect()
});

/// For a request no profile matched: `unverified`, with a cheaply guessed event type (an
/// `*-event` / `*-event-type` / `*-topic` header, else JSON `/type`, `/event`, `/event_type`)
/// and event id (JSON `/id`).
pub fn unknown_provider(headers: &HeaderMap, body: &[u8]) -> Verification {
    let from_header = headers.iter().find_map(|(name, value)| {
        let n = name.as_str();
        let eventish = n.ends_with("-event") || n.ends_with("-event-type") || n.ends_with("-topic");
        eventish
            .then(|| value.to_str().ok())
            .flatten()
            .filter(|v| !v.is_empty())
    });
    let fields = json::extract(body, &GUESSES);
    let field = |i: usize| fields.get(i).cloned().flatten().filter(|s| !s.is_empty());
    let event_type = from_header
        .map(Cow::Borrowed)
        .or_else(|| field(0))
        .or_else(|| field(1))
        .or_else(|| field(2))
        .map(|s| capped(&s));
    Verification {
        verdict: Verdict::Unverified,
        explanation: Some(
            "no provider profile matched the request headers; signature not checked".into(),
        ),
        event_type,
        event_id: field(3).map(|s| capped(&s)),
        dedupe_key: None,
        timestamp: None,
    }
}

/// A selector as shown in explanations.
pub(super) fn describe(selector: &Selector, profile: &Profile) -> String {
    match selector {
        Selector::None => "none".into(),
        Selector::Header(h) => format!("header {h}"),
        Selector::SigParam(k) => format!("{k}= in {}", profile.signature.header),
        Selector::Json(i) => match profile.json_pointers.get(*i) {
            Some(p) => format!("JSON {}", p.as_str()),
            None => "JSON".into(),
        },
        Selector::BodySha256 => "body SHA-256".into(),
    }
}

pub(super) fn dedupe_key(profile: &Profile, ctx: &Context<'_>) -> Option<String> {
    if profile.dedupe.is_empty() {
        return None;
    }
    let mut key = String::new();
    for (i, selector) in profile.dedupe.iter().enumerate() {
        if i > 0 {
            key.push('\x1f');
        }
        // A missing part disables dedupe: better a visible duplicate than a dropped delivery.
        key.push_str(&ctx.resolve(selector)?);
    }
    if key.len() > MAX_DEDUPE_BYTES {
        key = format!(
            "sha256:{}",
            hex::encode(sha2::Sha256::digest(key.as_bytes()))
        );
    }
    Some(key)
}

pub(super) fn capped(text: &str) -> String {
    match text.char_indices().nth(MAX_FIELD_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Everything a selector can read.
pub(super) struct Context<'a> {
    pub(super) headers: &'a HeaderMap,
    pub(super) body: &'a [u8],
    pub(super) params: &'a Parsed<'a>,
    pub(super) json: &'a [json::Field<'a>],
}

impl<'a> Context<'a> {
    pub(super) fn signature_only(
        headers: &'a HeaderMap,
        body: &'a [u8],
        params: &'a Parsed<'a>,
    ) -> Self {
        Context {
            headers,
            body,
            params,
            json: &[],
        }
    }

    /// The selected value; empty values count as absent.
    pub(super) fn resolve(&self, selector: &Selector) -> Option<Cow<'a, str>> {
        let value = match selector {
            Selector::None => None,
            Selector::Header(h) => self.headers.get(h).map(|v| match v.to_str() {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => String::from_utf8_lossy(v.as_bytes()),
            }),
            Selector::SigParam(k) => self.params.param(k).map(Cow::Borrowed),
            Selector::Json(i) => self.json.get(*i).cloned().flatten(),
            Selector::BodySha256 => Some(Cow::Owned(hex::encode(sha2::Sha256::digest(self.body)))),
        };
        value.filter(|v| !v.is_empty())
    }
}

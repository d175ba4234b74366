//! Signature verification: secrets, the one verdict per delivery and its explanation, and the
//! cheap post-verification extraction of event type, event id and dedupe key. The raw bytes are
//! verified first (constant-time compare); JSON selectors are read only afterwards. Profiles
//! live in [`profile`], header/MAC mechanics in `scheme`, signing in `sign`.

mod json;
pub mod profile;
mod registry;
mod scheme;
mod sign;
#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests;

pub use crate::delivery::Verdict;
pub use profile::{Profile, ProfileError, Registry, Status};
pub use sign::{SignError, is_stale, sign};

use http::HeaderMap;
use profile::{Part, Selector, TimeFormat};
use scheme::{Parsed, Signed};
use sha2::Digest;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use subtle::ConstantTimeEq;

/// A configured signing secret. Never printed: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The secret itself, for key derivation only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Secrets per provider id; several per provider during a rotation (any one verifies).
#[derive(Clone, Debug, Default)]
pub struct Secrets(BTreeMap<String, Vec<Secret>>);

impl Secrets {
    pub fn new() -> Secrets {
        Secrets::default()
    }

    pub fn insert(&mut self, provider: &str, secret: Secret) {
        self.0.entry(provider.to_owned()).or_default().push(secret);
    }

    /// The secrets for `provider`, empty when none is configured.
    pub fn get(&self, provider: &str) -> &[Secret] {
        self.0.get(provider).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(Vec::is_empty)
    }

    /// Provider ids with at least one secret, sorted.
    pub fn providers(&self) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, _)| k.as_str())
            .collect()
    }
}

/// The outcome of verifying one delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    pub verdict: Verdict,
    /// Why the verdict is not `valid` (never contains a secret or an expected MAC).
    pub explanation: Option<String>,
    pub event_type: Option<String>,
    pub event_id: Option<String>,
    /// Only for `valid` and `unverified`: forged deliveries must not poison dedupe.
    pub dedupe_key: Option<String>,
    /// Unix seconds of the signed timestamp, if any.
    pub timestamp: Option<i64>,
}

/// Longest event type / event id kept (the rest is cut at a character boundary).
const MAX_FIELD_CHARS: usize = 200;
/// Dedupe keys longer than this are replaced by `sha256:<hex>` of the key.
const MAX_DEDUPE_BYTES: usize = 512;

/// Verifies one delivery against `profile` with the configured `secrets`.
pub fn verify(
    profile: &Profile,
    secrets: &[Secret],
    headers: &HeaderMap,
    body: &[u8],
    now_unix: i64,
) -> Verification {
    let mut check = check(profile, secrets, headers, body, now_unix);
    let parsed = std::mem::take(&mut check.parsed);
    let json = if profile.json_pointers.is_empty() {
        Vec::new()
    } else {
        json::extract(body, &profile.json_pointers)
    };
    let ctx = Context {
        headers,
        body,
        params: &parsed,
        json: &json,
    };
    if let Selector::Json(_) = profile.timestamp.source {
        json_timestamp(profile, &ctx, now_unix, &mut check);
    }
    let event_type = profile
        .event_type
        .iter()
        .find_map(|s| ctx.resolve(s))
        .map(|s| capped(&s));
    let event_id = ctx.resolve(&profile.event_id).map(|s| capped(&s));
    let dedupe_key = if matches!(check.verdict, Verdict::Valid | Verdict::Unverified) {
        dedupe_key(profile, &ctx)
    } else {
        None
    };
    Verification {
        verdict: check.verdict,
        explanation: check.explanation,
        event_type,
        event_id,
        dedupe_key,
        timestamp: check.timestamp,
    }
}

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
    let pointers: Vec<json::Pointer> = ["/type", "/event", "/event_type", "/id"]
        .iter()
        .filter_map(|p| json::Pointer::parse(p))
        .collect();
    let fields = json::extract(body, &pointers);
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

/// The signature part of a verification.
struct Check<'h> {
    verdict: Verdict,
    explanation: Option<String>,
    timestamp: Option<i64>,
    parsed: Parsed<'h>,
}

impl Check<'_> {
    fn verdict(verdict: Verdict, explanation: String) -> Self {
        Check {
            verdict,
            explanation: Some(explanation),
            timestamp: None,
            parsed: Parsed::default(),
        }
    }
}

fn check<'h>(
    profile: &Profile,
    secrets: &[Secret],
    headers: &'h HeaderMap,
    body: &[u8],
    now: i64,
) -> Check<'h> {
    let header = profile.signature.header.as_str();
    let raw: Vec<_> = headers
        .get_all(profile.signature_header_name())
        .iter()
        .collect();
    let values: Option<Vec<&str>> = raw.iter().map(|v| v.to_str().ok()).collect();
    let parsed = values
        .as_ref()
        .map(|v| scheme::parse(&profile.signature, v));

    if secrets.is_empty() {
        let parsed = match parsed {
            Some(Ok(p)) => p,
            _ => Parsed::default(),
        };
        let ctx = Context::signature_only(headers, body, &parsed);
        let timestamp = ctx
            .resolve(&profile.timestamp.source)
            .and_then(|t| parse_time(profile.timestamp.format, &t));
        let mut check = Check::verdict(
            Verdict::Unverified,
            format!(
                "no secret configured for {}; signature not checked",
                profile.id
            ),
        );
        check.timestamp = timestamp;
        check.parsed = parsed;
        return check;
    }
    if raw.is_empty() {
        return Check::verdict(
            Verdict::Missing,
            format!("expected a {header} header; the request has none"),
        );
    }
    let parsed = match parsed {
        None => {
            return Check::verdict(
                Verdict::Malformed,
                format!("{header} contains bytes that are not visible ASCII"),
            );
        }
        Some(Err(why)) => return Check::verdict(Verdict::Malformed, why),
        Some(Ok(p)) => p,
    };
    let ctx = Context::signature_only(headers, body, &parsed);

    let mut timestamp_text = Cow::Borrowed("");
    let mut timestamp = None;
    if profile.has_timestamp() {
        let source = describe(&profile.timestamp.source, profile);
        let Some(text) = ctx.resolve(&profile.timestamp.source) else {
            return Check::verdict(
                Verdict::Malformed,
                format!("the signed timestamp ({source}) is missing"),
            );
        };
        let Some(t) = parse_time(profile.timestamp.format, &text) else {
            return Check::verdict(
                Verdict::Malformed,
                format!(
                    "the signed timestamp ({source}) \"{}\" is not {}",
                    scheme::short(&text),
                    format_name(profile.timestamp.format)
                ),
            );
        };
        timestamp_text = text;
        timestamp = Some(t);
    }
    let mut id_text = Cow::Borrowed("");
    if profile.template.contains(&Part::Id) {
        let Some(text) = ctx.resolve(&profile.id_source) else {
            return Check::verdict(
                Verdict::Malformed,
                format!(
                    "the signed message id ({}) is missing",
                    describe(&profile.id_source, profile)
                ),
            );
        };
        id_text = text;
    }

    let signed = Signed {
        body,
        timestamp: &timestamp_text,
        id: &id_text,
    };
    let algorithm = profile.signature.algorithm;
    let mut undecodable = 0usize;
    let mut matched = false;
    for secret in secrets {
        let Some(key) = scheme::key_bytes(&profile.secret, secret.expose()) else {
            undecodable += 1;
            continue;
        };
        let Some(tag) = scheme::compute(algorithm, &key, &profile.template, &signed) else {
            undecodable += 1;
            continue;
        };
        if parsed
            .candidates
            .iter()
            .any(|c| bool::from(c.as_slice().ct_eq(tag.as_slice())))
        {
            matched = true;
            break;
        }
    }
    let mut check = if !matched {
        Check::verdict(
            Verdict::Invalid,
            mismatch(profile, &parsed, secrets.len(), undecodable),
        )
    } else {
        match timestamp.and_then(|t| skew(profile, t, now)) {
            Some(why) => Check::verdict(Verdict::Stale, why),
            None => Check {
                verdict: Verdict::Valid,
                explanation: None,
                timestamp: None,
                parsed: Parsed::default(),
            },
        }
    };
    check.timestamp = timestamp;
    check.parsed = parsed;
    check
}

/// Why nothing verified: header, candidate and secret counts, expected vs got lengths.
fn mismatch(profile: &Profile, parsed: &Parsed<'_>, secrets: usize, undecodable: usize) -> String {
    let alg = profile.signature.algorithm;
    let expected = alg.output_len();
    let n = parsed.candidates.len();
    let mut msg = format!(
        "{}: {n} signature{} checked against {secrets} secret{}, none matched",
        profile.signature.header,
        plural(n),
        plural(secrets)
    );
    let mut lens: Vec<usize> = parsed.candidates.iter().map(Vec::len).collect();
    lens.dedup();
    if lens.iter().all(|l| *l == expected) {
        msg.push_str(&format!(
            " (decoded length {expected} bytes is right for {}: the body, signed fields or secret differ)",
            alg.name()
        ));
    } else {
        let got: Vec<String> = lens.iter().map(usize::to_string).collect();
        msg.push_str(&format!(
            " (expected a {expected}-byte {} MAC, got {} bytes)",
            alg.name(),
            got.join("/")
        ));
    }
    if undecodable > 0 {
        msg.push_str(&format!(
            "; {undecodable} configured secret{} could not be decoded as {}",
            plural(undecodable),
            profile.secret.decode.name()
        ));
        if !profile.secret.strip_prefix.is_empty() {
            msg.push_str(&format!(
                " after stripping {:?}",
                profile.secret.strip_prefix
            ));
        }
    }
    msg
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The stale explanation when `ts` is outside the profile's tolerance at `now`.
pub(crate) fn skew(profile: &Profile, ts: i64, now: i64) -> Option<String> {
    let rule = &profile.timestamp;
    if !rule.signed {
        return None;
    }
    let age = now.saturating_sub(ts);
    let limit = |s: u64| i64::try_from(s).unwrap_or(i64::MAX);
    if rule.max_age_s > 0 && age > limit(rule.max_age_s) {
        return Some(format!(
            "signed timestamp {ts} is {age} s in the past (tolerance {} s); clock skew or a replay. The signature itself verifies",
            rule.max_age_s
        ));
    }
    if rule.max_future_s > 0 && -age > limit(rule.max_future_s) {
        return Some(format!(
            "signed timestamp {ts} is {} s in the future (tolerance {} s); check the clocks. The signature itself verifies",
            -age, rule.max_future_s
        ));
    }
    None
}

/// A timestamp read from the (signed) body: checked only once the signature verified.
fn json_timestamp(profile: &Profile, ctx: &Context<'_>, now: i64, check: &mut Check<'_>) {
    let parsed = ctx
        .resolve(&profile.timestamp.source)
        .map(|t| (parse_time(profile.timestamp.format, &t), t));
    if let Some((Some(t), _)) = parsed {
        check.timestamp = Some(t);
    }
    let enforced = profile.timestamp.max_age_s > 0 || profile.timestamp.max_future_s > 0;
    if check.verdict != Verdict::Valid || !enforced {
        return;
    }
    let source = describe(&profile.timestamp.source, profile);
    let (verdict, why) = match parsed {
        None => (
            Verdict::Malformed,
            format!("the signed timestamp ({source}) is missing"),
        ),
        Some((None, text)) => (
            Verdict::Malformed,
            format!(
                "the signed timestamp ({source}) \"{}\" is not {}",
                scheme::short(&text),
                format_name(profile.timestamp.format)
            ),
        ),
        Some((Some(t), _)) => match skew(profile, t, now) {
            Some(why) => (Verdict::Stale, why),
            None => return,
        },
    };
    check.verdict = verdict;
    check.explanation = Some(why);
}

pub(crate) fn parse_time(format: TimeFormat, text: &str) -> Option<i64> {
    match format {
        TimeFormat::UnixS => text.parse().ok(),
        TimeFormat::UnixMs => text.parse::<i64>().ok().map(|ms| ms.div_euclid(1000)),
        TimeFormat::Rfc3339 => chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|d| d.timestamp()),
    }
}

fn format_name(format: TimeFormat) -> &'static str {
    match format {
        TimeFormat::UnixS => "unix seconds",
        TimeFormat::UnixMs => "unix milliseconds",
        TimeFormat::Rfc3339 => "an RFC 3339 time",
    }
}

/// A selector as shown in explanations.
fn describe(selector: &Selector, profile: &Profile) -> String {
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

fn dedupe_key(profile: &Profile, ctx: &Context<'_>) -> Option<String> {
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

fn capped(text: &str) -> String {
    match text.char_indices().nth(MAX_FIELD_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Everything a selector can read.
struct Context<'a> {
    headers: &'a HeaderMap,
    body: &'a [u8],
    params: &'a Parsed<'a>,
    json: &'a [json::Field<'a>],
}

impl<'a> Context<'a> {
    fn signature_only(headers: &'a HeaderMap, body: &'a [u8], params: &'a Parsed<'a>) -> Self {
        Context {
            headers,
            body,
            params,
            json: &[],
        }
    }

    /// The selected value; empty values count as absent.
    fn resolve(&self, selector: &Selector) -> Option<Cow<'a, str>> {
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

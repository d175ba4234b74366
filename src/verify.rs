//! Signature verification: secrets, the one verdict per delivery and its explanation, and the
//! cheap post-verification extraction of event type, event id and dedupe key. The raw bytes are
//! verified first (constant-time compare); JSON selectors are read only afterwards. Profiles
//! live in [`profile`], header/MAC mechanics in `scheme`, signing in `sign`.

mod fields;
mod json;
pub mod profile;
mod registry;
mod scheme;
mod secret;
mod sign;
#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests;
mod timestamp;

pub use crate::delivery::Verdict;
pub use fields::unknown_provider;
pub use profile::{Profile, ProfileError, Registry, Status};
pub use secret::{Secret, Secrets};
pub use sign::{SignError, is_stale, sign};

use fields::{Context, capped, dedupe_key, describe};
use http::HeaderMap;
use profile::{Part, Selector};
use scheme::{Parsed, Signed};
use std::borrow::Cow;
use subtle::ConstantTimeEq;
use timestamp::{format_name, json_timestamp, parse_time, skew};

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

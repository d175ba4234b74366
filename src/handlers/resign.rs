//! Re-signing for forwards and replays: when a timestamped scheme's signed timestamp is
//! outside the profile's tolerance at run time, sign the original body again with a fresh
//! timestamp and the configured secret that verified the original signature, so the target's
//! replay protection passes. A delivery whose signature no configured secret verifies is
//! never re-signed (that would launder a forgery): it is forwarded as received.

use crate::delivery::{Delivery, RawHeaders, Verdict};
use crate::verify::{self, Profile, Registry, Secret, Secrets};

/// The headers to forward, and a note when they were re-signed (or could not be).
pub fn headers_for_replay(
    d: &Delivery,
    registry: &Registry,
    secrets: &Secrets,
    now_unix: i64,
) -> (RawHeaders, Option<String>) {
    let headers = d.headers.clone();
    let Some(profile) = d.summary.provider.as_deref().and_then(|p| registry.get(p)) else {
        return (headers, None);
    };
    if !profile.has_timestamp() {
        return (headers, None);
    }
    let map = to_header_map(&headers);
    if !verify::is_stale(profile, &map, now_unix) {
        return (headers, None);
    }
    let configured = secrets.get(&profile.id);
    if configured.is_empty() {
        return (
            headers,
            Some(format!(
                "the signed timestamp is outside {}'s tolerance and no secret is configured to re-sign it: forwarded as received",
                profile.id
            )),
        );
    }
    let Some((secret, signed_at)) = original_signer(profile, configured, &map, &d.body) else {
        return (
            headers,
            Some(format!(
                "the signed timestamp is outside {}'s tolerance, but no configured secret verifies the original signature: not re-signed, forwarded as received",
                profile.id
            )),
        );
    };
    let id = profile
        .id_header()
        .and_then(|h| map.get(h))
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    match verify::sign(profile, secret, &d.body, now_unix, id.as_deref()) {
        Ok(fresh) => {
            let mut out: RawHeaders = headers
                .into_iter()
                .filter(|(n, _)| !fresh.iter().any(|(f, _)| f.eq_ignore_ascii_case(n)))
                .collect();
            out.extend(
                fresh
                    .into_iter()
                    .map(|(n, v)| (n.to_ascii_lowercase(), v.into_bytes())),
            );
            (out, Some(resigned_note(signed_at, now_unix)))
        }
        Err(e) => (
            headers,
            Some(format!("could not re-sign ({e}): forwarded as received")),
        ),
    }
}

/// The configured secret whose signature the original carries, checked at the original's
/// own signed time (so only the clock differs), and that time.
fn original_signer<'s>(
    profile: &Profile,
    secrets: &'s [Secret],
    map: &http::HeaderMap,
    body: &[u8],
) -> Option<(&'s Secret, i64)> {
    // The signed time comes out of any verification attempt, whatever the verdict.
    let signed_at = verify::verify(profile, secrets, map, body, 0).timestamp?;
    secrets
        .iter()
        .find(|s| {
            verify::verify(profile, std::slice::from_ref(*s), map, body, signed_at).verdict
                == Verdict::Valid
        })
        .map(|s| (s, signed_at))
}

fn resigned_note(signed_at: i64, now_unix: i64) -> String {
    let age = now_unix - signed_at;
    let when = if age >= 0 {
        format!("{age} s old")
    } else {
        format!("{} s in the future", -age)
    };
    format!(
        "re-signed with a fresh timestamp and the configured secret: the original timestamp was {when}, outside the tolerance"
    )
}

/// Raw headers as an `http::HeaderMap` (invalid names or values are skipped).
pub fn to_header_map(headers: &RawHeaders) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (n, v) in headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(n.as_bytes()),
            http::HeaderValue::from_bytes(v),
        ) {
            map.append(name, value);
        }
    }
    map
}

#[cfg(test)]
mod tests;

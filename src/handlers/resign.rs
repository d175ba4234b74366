//! Re-signing for replays: when a timestamped scheme's signed timestamp is older than the
//! profile's tolerance at replay time, sign the original body again with a fresh timestamp
//! and the configured secret, so the target's own replay protection passes.

use crate::delivery::{Delivery, RawHeaders};
use crate::verify::{self, Registry, Secrets};

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
    let Some(secret) = secrets.get(&profile.id).first() else {
        return (
            headers,
            Some(format!(
                "the signed timestamp is outside {}'s tolerance and no secret is configured to re-sign it: forwarded as received",
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
            (
                out,
                Some(
                    "re-signed with a fresh timestamp: the original was outside the tolerance"
                        .into(),
                ),
            )
        }
        Err(e) => (
            headers,
            Some(format!("could not re-sign ({e}): forwarded as received")),
        ),
    }
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

//! Signing with a profile (for `hookwatch send`, the demo sender and handler re-signing): the
//! headers a sender of that provider would add, and the staleness test that decides whether a
//! replayed delivery needs a fresh timestamp.

use super::profile::{Format, Part, Profile, Selector, TimeFormat};
use super::timestamp::{parse_time, skew};
use super::{Secret, scheme};
use http::HeaderMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a delivery could not be signed (never contains the secret).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignError {
    #[error("the secret for {provider} cannot be decoded as {decode}")]
    SecretNotDecodable {
        provider: String,
        decode: &'static str,
    },
    #[error("cannot sign for {provider}: {reason}")]
    Unsupported { provider: String, reason: String },
}

/// The headers to add (lowercase names): the signature, plus the timestamp header when the
/// timestamp travels in its own header and the id header for `{id}` templates (a fresh `msg_`
/// id when `id` is `None`). Stripe-style kv headers come out as `t=..,v1=..`.
pub fn sign(
    profile: &Profile,
    secret: &Secret,
    body: &[u8],
    now_unix: i64,
    id: Option<&str>,
) -> Result<Vec<(String, String)>, SignError> {
    let unsupported = |reason: &str| SignError::Unsupported {
        provider: profile.id.clone(),
        reason: reason.to_owned(),
    };
    let key = scheme::key_bytes(&profile.secret, secret.expose()).ok_or_else(|| {
        SignError::SecretNotDecodable {
            provider: profile.id.clone(),
            decode: profile.secret.decode.name(),
        }
    })?;
    let timestamp = if profile.has_timestamp() {
        format_time(profile.timestamp.format, now_unix)
            .ok_or_else(|| unsupported("the time cannot be written in the profile's format"))?
    } else {
        String::new()
    };
    let id = if profile.template.contains(&Part::Id) {
        id.map_or_else(new_message_id, str::to_owned)
    } else {
        String::new()
    };
    let signed = scheme::Signed {
        body,
        timestamp: &timestamp,
        id: &id,
    };
    let tag = scheme::compute(
        profile.signature.algorithm,
        &key,
        &profile.template,
        &signed,
    )
    .ok_or_else(|| unsupported("the key was rejected by the MAC"))?;
    let sig = scheme::encode(profile.signature.encoding, tag.as_slice());
    let spec = &profile.signature;
    let version = spec
        .versions
        .first()
        .map(String::as_str)
        .unwrap_or_default();

    let mut headers = Vec::new();
    let mut params = Vec::new();
    for (part, source, value) in [
        (Part::Id, &profile.id_source, &id),
        (Part::Timestamp, &profile.timestamp.source, &timestamp),
    ] {
        if !profile.template.contains(&part) {
            continue;
        }
        match source {
            Selector::Header(h) => headers.push((h.as_str().to_owned(), value.clone())),
            Selector::SigParam(k) => params.push(format!("{k}{}{value}", spec.kv_assign)),
            _ => return Err(unsupported("a signed field has no header to travel in")),
        }
    }
    let value = match spec.format {
        Format::Raw => format!("{}{sig}", spec.prefix),
        Format::List => format!("{version}{}{sig}", spec.version_delimiter),
        Format::Kv => {
            params.push(format!("{version}{}{sig}", spec.kv_assign));
            params.join(&spec.kv_delimiter)
        }
    };
    headers.push((profile.signature_header().to_owned(), value));
    Ok(headers)
}

/// Whether a replay needs re-signing: the profile signs a timestamp and the delivery's is absent,
/// unparsable or outside the tolerance at `now_unix`.
pub fn is_stale(profile: &Profile, headers: &HeaderMap, now_unix: i64) -> bool {
    if !profile.has_timestamp() {
        return false;
    }
    let text = match &profile.timestamp.source {
        Selector::Header(h) => headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        Selector::SigParam(k) => {
            let values: Option<Vec<&str>> = headers
                .get_all(profile.signature_header_name())
                .iter()
                .map(|v| v.to_str().ok())
                .collect();
            values
                .and_then(|v| scheme::parse(&profile.signature, &v).ok())
                .and_then(|p| p.param(k).map(str::to_owned))
        }
        _ => return false,
    };
    match text.and_then(|t| parse_time(profile.timestamp.format, &t)) {
        Some(ts) => skew(profile, ts, now_unix).is_some(),
        None => true,
    }
}

fn format_time(format: TimeFormat, now: i64) -> Option<String> {
    match format {
        TimeFormat::UnixS => Some(now.to_string()),
        TimeFormat::UnixMs => now.checked_mul(1000).map(|ms| ms.to_string()),
        TimeFormat::Rfc3339 => chrono::DateTime::from_timestamp(now, 0)
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    }
}

/// A fresh `msg_` id: 22 base62 characters from the process's randomly keyed SipHash over the
/// time and a counter (unique, not a secret).
fn new_message_id() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut id = String::from("msg_");
    for round in 0..2u8 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(nanos);
        hasher.write_u64(count);
        hasher.write_u8(round);
        let mut v = hasher.finish();
        for _ in 0..11 {
            let digit = usize::try_from(v % 62).unwrap_or_default();
            id.push(char::from(ALPHABET.get(digit).copied().unwrap_or(b'0')));
            v /= 62;
        }
    }
    id
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_fresh_and_well_formed() {
        let a = new_message_id();
        let b = new_message_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 26);
        assert!(a.starts_with("msg_"));
        assert!(a[4..].bytes().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn time_formats() {
        assert_eq!(
            format_time(TimeFormat::UnixS, 1614265330).unwrap(),
            "1614265330"
        );
        assert_eq!(
            format_time(TimeFormat::UnixMs, 1614265330).unwrap(),
            "1614265330000"
        );
        assert_eq!(
            format_time(TimeFormat::Rfc3339, 1736937000).unwrap(),
            "2025-01-15T10:30:00Z"
        );
        assert_eq!(
            parse_time(TimeFormat::Rfc3339, "2025-01-15T10:30:00Z"),
            Some(1736937000)
        );
        assert_eq!(
            parse_time(TimeFormat::UnixMs, "1736937000999"),
            Some(1736937000)
        );
        assert_eq!(parse_time(TimeFormat::UnixS, "17x"), None);
    }
}

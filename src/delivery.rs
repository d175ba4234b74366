//! The delivery model: what arrived on the wire (raw headers and raw body bytes) and what
//! hookwatch derived from it (provider, event type, verdict, duplicate flag, answer).
//! Shared by the receiver, the store, the NDJSON stream, the CLI and the dashboard.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Row id of a delivery in the store (SQLite rowid, increasing).
pub type DeliveryId = i64;

/// The signature verdict; exactly one per delivery (see DESIGN.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// A configured secret verifies a signature on the raw body.
    Valid,
    /// A signature is present and well-formed but no configured secret verifies it.
    Invalid,
    /// The profile expects a signature header and it is absent.
    Missing,
    /// The signed timestamp is outside the tolerance.
    Stale,
    /// The signature header cannot be parsed or decoded.
    Malformed,
    /// No secret is configured for this provider, or the provider is unknown.
    Unverified,
}

impl Verdict {
    pub const ALL: [Verdict; 6] = [
        Verdict::Valid,
        Verdict::Invalid,
        Verdict::Missing,
        Verdict::Stale,
        Verdict::Malformed,
        Verdict::Unverified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Invalid => "invalid",
            Verdict::Missing => "missing",
            Verdict::Stale => "stale",
            Verdict::Malformed => "malformed",
            Verdict::Unverified => "unverified",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// A verdict that is answered with 401 (a secret is configured and it did not verify).
    pub fn is_rejection(self) -> bool {
        !matches!(self, Verdict::Valid | Verdict::Unverified)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Raw request headers in arrival order; values are kept as bytes (they may be non-UTF-8).
pub type RawHeaders = Vec<(String, Vec<u8>)>;

/// A received request with everything derived from it, before the store commits it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDelivery {
    /// Unix time in milliseconds.
    pub received_at_ms: i64,
    pub method: String,
    /// Path and query exactly as received.
    pub path: String,
    pub headers: RawHeaders,
    /// The raw body bytes; empty when the body was over the limit (see `bytes`).
    pub body: Vec<u8>,
    /// Size of the body as sent (for an oversized body, what the sender announced or sent).
    pub bytes: u64,
    pub provider: Option<String>,
    pub event_type: Option<String>,
    pub event_id: Option<String>,
    /// Idempotency key; only set for deliveries that may take part in dedupe
    /// (verdict `valid` or `unverified`): forged deliveries never poison the key space.
    pub dedupe_key: Option<String>,
    pub verdict: Verdict,
    /// Why a verdict failed (never contains a secret).
    pub explanation: Option<String>,
    /// HTTP status answered (for a duplicate: still the 200 it got).
    pub status: u16,
    /// Set on a delivery created by replaying an edited copy of another one.
    pub replay_of: Option<DeliveryId>,
}

/// A stored delivery without its body: list rows, NDJSON lines, dashboard rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub id: DeliveryId,
    /// Unix time in milliseconds.
    pub received_at_ms: i64,
    pub provider: Option<String>,
    pub event_type: Option<String>,
    pub event_id: Option<String>,
    pub verdict: Verdict,
    pub duplicate: bool,
    pub status: u16,
    pub bytes: u64,
    pub path: String,
    pub replay_of: Option<DeliveryId>,
}

/// The NDJSON line of `hookwatch serve` and `hookwatch list --json` (borrowed, so writing
/// a line allocates nothing but the time string).
#[derive(Serialize)]
struct Line<'a> {
    id: DeliveryId,
    received_at: String,
    provider: Option<&'a str>,
    event_type: Option<&'a str>,
    event_id: Option<&'a str>,
    verdict: Verdict,
    duplicate: bool,
    status: u16,
    bytes: u64,
    path: &'a str,
    replay_of: Option<DeliveryId>,
}

impl Summary {
    fn line(&self) -> Line<'_> {
        Line {
            id: self.id,
            received_at: rfc3339_ms(self.received_at_ms),
            provider: self.provider.as_deref(),
            event_type: self.event_type.as_deref(),
            event_id: self.event_id.as_deref(),
            verdict: self.verdict,
            duplicate: self.duplicate,
            status: self.status,
            bytes: self.bytes,
            path: &self.path,
            replay_of: self.replay_of,
        }
    }

    /// Write the NDJSON object (no newline).
    pub fn write_json(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer(w, &self.line()).map_err(std::io::Error::other)
    }

    /// The NDJSON object as a value (for documents that embed it).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.line()).unwrap_or(serde_json::Value::Null)
    }
}

/// A whole stored delivery, read back from the store.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub summary: Summary,
    pub method: String,
    pub headers: RawHeaders,
    pub body: Vec<u8>,
    pub dedupe_key: Option<String>,
    pub explanation: Option<String>,
}

impl Delivery {
    /// First header value with this (case-insensitive) name, lossily as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }
}

/// Format a unix-ms time as RFC 3339 UTC with milliseconds.
pub fn rfc3339_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| ms.to_string())
}

/// Current unix time in milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_round_trips_and_classifies() {
        for v in Verdict::ALL {
            assert_eq!(Verdict::parse(v.as_str()), Some(v));
        }
        assert!(Verdict::Invalid.is_rejection());
        assert!(Verdict::Stale.is_rejection());
        assert!(!Verdict::Valid.is_rejection());
        assert!(!Verdict::Unverified.is_rejection());
        assert_eq!(Verdict::parse("nope"), None);
    }

    #[test]
    fn formats_times() {
        assert_eq!(rfc3339_ms(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
    }
}

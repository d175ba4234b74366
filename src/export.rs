//! Renders a stored delivery for bug reports: a JSON document, a curl command that
//! reproduces the original request byte for byte, or a fixture file. Pure functions,
//! shared by `hookwatch export` and the dashboard's copy keys.

use crate::delivery::{Delivery, rfc3339_ms};
use base64::Engine;

pub use crate::fixture::{HOP_BY_HOP, is_hop_by_hop};

/// The whole delivery as a JSON document (body as text when UTF-8, else base64).
pub fn to_json(d: &Delivery) -> serde_json::Value {
    let headers: Vec<serde_json::Value> = d
        .headers
        .iter()
        .map(|(n, v)| serde_json::json!([n, String::from_utf8_lossy(v)]))
        .collect();
    let mut doc = d.summary.to_json();
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("method".into(), d.method.clone().into());
        obj.insert("received_at_ms".into(), d.summary.received_at_ms.into());
        obj.insert("explanation".into(), d.explanation.clone().into());
        obj.insert("dedupe_key".into(), d.dedupe_key.clone().into());
        obj.insert("headers".into(), headers.into());
        match std::str::from_utf8(&d.body) {
            Ok(text) => {
                let parsed = serde_json::from_str::<serde_json::Value>(text).ok();
                obj.insert("body".into(), text.into());
                if let Some(v) = parsed {
                    obj.insert("body_json".into(), v);
                }
            }
            Err(_) => {
                let b64 = base64::engine::general_purpose::STANDARD.encode(&d.body);
                obj.insert("body_base64".into(), b64.into());
            }
        }
    }
    doc
}

/// A curl command that sends the same method, headers and exact body bytes to `url`.
/// Bodies without NUL bytes are passed with bash's `$'…'` quoting; bodies containing
/// NUL are piped through `printf` (argv cannot carry NUL).
pub fn curl_command(d: &Delivery, url: &str) -> String {
    let mut parts = vec![
        "curl".to_string(),
        "-sS".to_string(),
        "-X".to_string(),
        shell_quote(d.method.as_bytes()),
        shell_quote(url.as_bytes()),
    ];
    for (name, value) in &d.headers {
        if is_hop_by_hop(name) {
            continue;
        }
        let mut h = name.as_bytes().to_vec();
        h.extend_from_slice(b": ");
        h.extend_from_slice(value);
        parts.push("-H".into());
        parts.push(shell_quote(&h));
    }
    if d.body.is_empty() {
        return parts.join(" ");
    }
    if d.body.contains(&0) {
        parts.push("--data-binary".into());
        parts.push("@-".into());
        format!("printf {} | {}", printf_format(&d.body), parts.join(" "))
    } else {
        parts.push("--data-binary".into());
        parts.push(shell_quote(&d.body));
        parts.join(" ")
    }
}

/// The URL a delivery is replayed to: `base` + the original path, unless `base` has a path.
pub fn replay_url(base: &str, original_path: &str) -> String {
    let trimmed = base.trim_end_matches('/');
    let after_scheme = trimmed.split_once("://").map(|(_, r)| r).unwrap_or(trimmed);
    if after_scheme.contains('/') {
        trimmed.to_string()
    } else {
        format!("{trimmed}{original_path}")
    }
}

/// Quote bytes for bash: plain `'…'` when printable ASCII without quotes, else `$'…'`
/// with every other byte escaped (so no control byte reaches a terminal either).
pub fn shell_quote(bytes: &[u8]) -> String {
    let plain = bytes
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) && b != b'\'' && b != b'\\');
    if plain {
        return format!("'{}'", String::from_utf8_lossy(bytes));
    }
    let mut out = String::from("$'");
    for &b in bytes {
        match b {
            b'\'' => out.push_str("\\'"),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('\'');
    out
}

/// A `printf` format string (single-quoted) that prints exactly `bytes`, NUL included.
fn printf_format(bytes: &[u8]) -> String {
    let mut out = String::from("'");
    for &b in bytes {
        match b {
            b'%' => out.push_str("%%"),
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("'\\''"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push('\'');
    out
}

/// The delivery as a fixture file: the provider's signature, timestamp and id headers
/// stripped (`send` signs afresh), hop-by-hop headers dropped, the body kept byte for byte.
pub fn fixture_text(d: &Delivery, registry: &crate::verify::Registry) -> String {
    let strip: Vec<String> = d
        .summary
        .provider
        .as_deref()
        .and_then(|p| registry.get(p))
        .map(|p| p.signing_headers())
        .unwrap_or_default();
    let strip: Vec<&str> = strip.iter().map(String::as_str).collect();
    crate::fixture::Fixture::from_delivery(d, &strip).to_json_pretty()
}

/// One line for tables and toasts: `#12 2026-…Z salesloft person_updated valid 200`.
pub fn one_line(d: &Delivery) -> String {
    let s = &d.summary;
    format!(
        "#{} {} {} {} {} {}",
        s.id,
        rfc3339_ms(s.received_at_ms),
        s.provider.as_deref().unwrap_or("-"),
        s.event_type.as_deref().unwrap_or("-"),
        s.verdict,
        s.status
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::{Summary, Verdict};

    fn delivery(body: &[u8]) -> Delivery {
        Delivery {
            summary: Summary {
                id: 3,
                received_at_ms: 1_700_000_000_000,
                provider: Some("github".into()),
                event_type: Some("push".into()),
                event_id: None,
                verdict: Verdict::Valid,
                duplicate: false,
                status: 200,
                bytes: body.len() as u64,
                path: "/webhooks/github".into(),
                replay_of: None,
            },
            method: "POST".into(),
            headers: vec![
                ("host".into(), b"127.0.0.1:8787".to_vec()),
                ("content-type".into(), b"application/json".to_vec()),
                ("x-note".into(), b"it's".to_vec()),
                ("content-length".into(), b"9".to_vec()),
            ],
            body: body.to_vec(),
            dedupe_key: None,
            explanation: None,
        }
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote(b"abc def"), "'abc def'");
        assert_eq!(shell_quote(b"it's"), r"$'it\'s'");
        assert_eq!(shell_quote(b"a\nb\x1b"), r"$'a\nb\x1b'");
        assert_eq!(shell_quote("é".as_bytes()), r"$'\xc3\xa9'");
    }

    #[test]
    fn curl_skips_hop_by_hop_and_keeps_the_rest() {
        let cmd = curl_command(&delivery(b"{\"a\":1}"), "http://127.0.0.1:9/x");
        assert!(
            cmd.starts_with("curl -sS -X 'POST' 'http://127.0.0.1:9/x'"),
            "{cmd}"
        );
        assert!(!cmd.contains("content-length"));
        assert!(!cmd.contains("host:"));
        assert!(cmd.contains(r"-H $'x-note: it\'s'"));
        assert!(cmd.ends_with(r#"--data-binary '{"a":1}'"#), "{cmd}");
    }

    #[test]
    fn nul_bodies_go_through_printf() {
        let cmd = curl_command(&delivery(b"a\0b%c'"), "http://h/");
        assert!(cmd.starts_with(r"printf 'a\000b%%c'\''' | curl"), "{cmd}");
        assert!(cmd.ends_with("--data-binary @-"));
    }

    #[test]
    fn replay_urls() {
        assert_eq!(
            replay_url("http://127.0.0.1:8787", "/webhooks/x"),
            "http://127.0.0.1:8787/webhooks/x"
        );
        assert_eq!(
            replay_url("http://127.0.0.1:8787/", "/webhooks/x"),
            "http://127.0.0.1:8787/webhooks/x"
        );
        assert_eq!(
            replay_url("http://localhost:3000/hook", "/webhooks/x"),
            "http://localhost:3000/hook"
        );
    }

    #[test]
    fn json_document_has_body_forms() {
        let doc = to_json(&delivery(b"{\"a\":1}"));
        assert_eq!(doc["body_json"]["a"], 1);
        assert_eq!(doc["received_at"], "2023-11-14T22:13:20.000Z");
        let doc = to_json(&delivery(&[0xff, 0x00]));
        assert_eq!(doc["body_base64"], "/wA=");
    }
}

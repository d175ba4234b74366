//! Tests of the public verification API: official vectors through `verify` and `sign`, every
//! verdict for every built-in, timestamps, hostile headers and bodies, sign→verify round trips.

use super::*;
use http::{HeaderName, HeaderValue};

mod profiles;
mod roundtrip;
mod timestamps;
mod vectors;
mod verdicts;

pub(super) fn profile(id: &str) -> Profile {
    Registry::builtin()
        .get(id)
        .cloned()
        .unwrap_or_else(|| panic!("no built-in {id}"))
}

pub(super) fn secrets(list: &[&str]) -> Vec<Secret> {
    list.iter().map(|s| Secret::new((*s).to_owned())).collect()
}

pub(super) fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (name, value) in pairs {
        h.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    h
}

/// Runs `verify` with a built-in profile.
pub(super) fn check(
    id: &str,
    keys: &[&str],
    pairs: &[(&str, &str)],
    body: &[u8],
    now: i64,
) -> Verification {
    verify(&profile(id), &secrets(keys), &headers(pairs), body, now)
}

/// `sign` with a built-in profile, as borrowed pairs for `headers`.
pub(super) fn signed(
    id: &str,
    key: &str,
    body: &[u8],
    now: i64,
    msg: Option<&str>,
) -> Vec<(String, String)> {
    sign(&profile(id), &Secret::new(key.to_owned()), body, now, msg).unwrap()
}

pub(super) fn pairs(list: &[(String, String)]) -> Vec<(&str, &str)> {
    list.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The explanation must never leak a secret (whole, without its prefix) or a forbidden value
/// such as the expected MAC.
pub(super) fn assert_clean(v: &Verification, keys: &[&str], forbidden: &[&str]) {
    let text = v.explanation.clone().unwrap_or_default();
    for key in keys {
        let bare = key.strip_prefix("whsec_").unwrap_or(key);
        assert!(
            !text.contains(key) && !text.contains(bare),
            "secret leaked: {text}"
        );
    }
    for f in forbidden {
        assert!(f.is_empty() || !text.contains(f), "{f} leaked: {text}");
    }
}

#[test]
fn secrets_never_print() {
    let s = Secret::new("hunter2-very-secret".into());
    assert_eq!(format!("{s}"), "***");
    assert_eq!(format!("{s:?}"), "***");
    assert_eq!(s.expose(), "hunter2-very-secret");
    let mut all = Secrets::new();
    assert!(all.is_empty());
    all.insert("github", s.clone());
    all.insert("github", Secret::new("second".into()));
    all.insert("stripe", Secret::new("whsec_x".into()));
    assert!(!all.is_empty());
    assert_eq!(all.get("github").len(), 2);
    assert!(all.get("slack").is_empty());
    assert_eq!(all.providers(), vec!["github", "stripe"]);
    let debug = format!("{all:?}");
    assert!(
        !debug.contains("hunter2") && !debug.contains("whsec_x"),
        "{debug}"
    );
}

#[test]
fn unknown_provider_guesses_cheaply() {
    let v = unknown_provider(
        &headers(&[]),
        br#"{"id":"e1","type":"order.paid","data":{}}"#,
    );
    assert_eq!(v.verdict, Verdict::Unverified);
    assert!(
        v.explanation
            .unwrap()
            .contains("no provider profile matched")
    );
    assert_eq!(v.event_type.as_deref(), Some("order.paid"));
    assert_eq!(v.event_id.as_deref(), Some("e1"));
    assert_eq!(v.dedupe_key, None);

    let v = unknown_provider(&headers(&[]), br#"{"event":"ping"}"#);
    assert_eq!(v.event_type.as_deref(), Some("ping"));
    let v = unknown_provider(&headers(&[]), br#"{"type":"","event_type":"x.y"}"#);
    assert_eq!(v.event_type.as_deref(), Some("x.y"));
    let v = unknown_provider(&headers(&[("X-Acme-Event", "invoice.sent")]), b"{}");
    assert_eq!(v.event_type.as_deref(), Some("invoice.sent"));
    let v = unknown_provider(&headers(&[]), b"\xff\xfe not json");
    assert_eq!((v.event_type, v.event_id), (None, None));
}

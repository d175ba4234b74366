//! sign → verify round trips for every built-in and for user-written profiles.

use super::verdicts::{ALL, NOW, secret_for};
use super::*;

#[test]
fn sign_then_verify_for_every_builtin() {
    let bodies: [&[u8]; 4] = [
        br#"{"id":"evt_9","type":"a.b","event_id":"evt_9","event_type":"a.b","updated_at":"x"}"#,
        b"",
        b"\x00\xff binary \xc3\x28",
        "unicode: \u{1F600} \u{e9}".as_bytes(),
    ];
    for id in ALL {
        let p = profile(id);
        let key = Secret::new(secret_for(id).into());
        for body in bodies {
            let h = sign(&p, &key, body, NOW, None).unwrap();
            assert_eq!(
                h.last().unwrap().0,
                p.signature_header(),
                "{id}: signature comes last"
            );
            let v = verify(
                &p,
                std::slice::from_ref(&key),
                &headers(&pairs(&h)),
                body,
                NOW,
            );
            assert_eq!(v.verdict, Verdict::Valid, "{id}: {:?}", v.explanation);
            if p.has_timestamp() {
                assert_eq!(v.timestamp, Some(NOW), "{id}");
                assert!(!is_stale(&p, &headers(&pairs(&h)), NOW + 10));
            }
        }
        // Detection picks the profile back from the headers it signs.
        let h = headers(&pairs(&sign(&p, &key, b"{}", NOW, None).unwrap()));
        assert_eq!(
            Registry::builtin().detect(&h).map(|d| d.id.as_str()),
            Some(id)
        );
    }
}

#[test]
fn signing_ids_are_generated_or_taken_as_given() {
    let p = profile("standard-webhooks");
    let key = Secret::new(secret_for("standard-webhooks").into());
    let a = sign(&p, &key, b"{}", NOW, None).unwrap();
    let b = sign(&p, &key, b"{}", NOW, None).unwrap();
    assert_eq!(a[0].0, "webhook-id");
    assert!(a[0].1.starts_with("msg_"));
    assert_ne!(a[0].1, b[0].1, "fresh ids");
    let given = sign(&p, &key, b"{}", NOW, Some("msg_given")).unwrap();
    assert_eq!(
        given[0],
        ("webhook-id".to_string(), "msg_given".to_string())
    );
    assert_eq!(given[1], ("webhook-timestamp".to_string(), NOW.to_string()));
    let v = verify(&p, &[key], &headers(&pairs(&given)), b"{}", NOW);
    assert_eq!(v.event_id.as_deref(), Some("msg_given"));
}

#[test]
fn user_profiles_round_trip() {
    let acme = Profile::from_toml(
        r#"
id = "acme"
name = "Acme"
[secret]
decode = "hex"
[signature]
algorithm = "hmac-sha512"
header = "X-Acme-Signatures"
format = "list"
list_delimiter = ";"
version_delimiter = "="
versions = ["s2", "s1"]
encoding = "base64"
[signed]
template = "{timestamp}|{id}|{body}"
id = "header:X-Acme-Id"
[timestamp]
source = "header:X-Acme-Time"
format = "unix-ms"
max_age_s = 60
[dedupe]
key = ["header:X-Acme-Id", "json:/data/items/1/sku"]
[event]
type = ["json:/kind", "json:/meta/kind"]
id = "header:X-Acme-Id"
"#,
    )
    .unwrap();
    let key = Secret::new("00ff10ee".into());
    let body =
        br#"{"meta":{"kind":"order.shipped"},"data":{"items":[{"sku":"a"},{"sku":"b~/1"}]}}"#;
    let h = sign(&acme, &key, body, NOW, Some("m-1")).unwrap();
    assert_eq!(h[1], ("x-acme-time".to_string(), format!("{NOW}000")));
    assert!(h[2].1.starts_with("s2="), "{:?}", h[2]);
    let v = verify(
        &acme,
        std::slice::from_ref(&key),
        &headers(&pairs(&h)),
        body,
        NOW + 60,
    );
    assert_eq!(v.verdict, Verdict::Valid, "{:?}", v.explanation);
    assert_eq!(v.event_type.as_deref(), Some("order.shipped"));
    assert_eq!(v.dedupe_key.as_deref(), Some("m-1\x1fb~/1"));
    let v = verify(&acme, &[key], &headers(&pairs(&h)), body, NOW + 61);
    assert_eq!(v.verdict, Verdict::Stale);
}

#[test]
fn rfc3339_body_timestamps_are_checked_after_the_mac() {
    // The SalesOS docs shape: the timestamp is inside the signed body.
    let docs = Profile::from_toml(
        r#"
id = "salesos-docs"
[signature]
algorithm = "hmac-sha256"
header = "X-Webhook-Signature"
[timestamp]
source = "json:/timestamp"
format = "rfc3339"
max_age_s = 300
[dedupe]
key = "json:/id"
[event]
type = "json:/type"
"#,
    )
    .unwrap();
    let key = Secret::new("whsec_000102030405060708090a0b0c0d0e0f1011121314151617".into());
    let body = br#"{"id":"evt_abc123","type":"lead.created","timestamp":"2025-01-15T10:30:00Z"}"#;
    let h = headers(&pairs(&sign(&docs, &key, body, 0, None).unwrap()));
    let at = 1736937000; // 2025-01-15T10:30:00Z
    let v = verify(&docs, std::slice::from_ref(&key), &h, body, at + 10);
    assert_eq!((v.verdict, v.timestamp), (Verdict::Valid, Some(at)));
    let v = verify(&docs, std::slice::from_ref(&key), &h, body, at + 301);
    assert_eq!(v.verdict, Verdict::Stale);
    assert_eq!(v.dedupe_key, None);
    let no_ts = br#"{"id":"evt_abc123","type":"lead.created"}"#;
    let h = headers(&pairs(&sign(&docs, &key, no_ts, 0, None).unwrap()));
    let v = verify(&docs, &[key], &h, no_ts, at);
    assert_eq!(v.verdict, Verdict::Malformed);
    assert!(v.explanation.unwrap().contains("JSON /timestamp"));
}

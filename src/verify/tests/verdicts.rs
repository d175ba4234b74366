//! Every verdict for every built-in (so every scheme family: raw hex, raw base64, prefixed,
//! timestamped, kv, list), timestamp directions, hostile headers and odd bodies.

use super::*;

pub(super) const ALL: [&str; 9] = [
    "salesloft",
    "salesloft-ts",
    "salesos",
    "github",
    "stripe",
    "standard-webhooks",
    "svix",
    "slack",
    "shopify",
];

pub(super) const NOW: i64 = 1_750_000_000;

/// A secret of the right shape for the profile.
pub(super) fn secret_for(id: &str) -> &'static str {
    match id {
        "standard-webhooks" | "svix" => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "stripe" => "whsec_stripe-test-secret-0123456789",
        _ => "callback-token-0123456789abcdef",
    }
}

pub(super) const OTHER: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

pub(super) const BODY: &[u8] = br#"{"id":"evt_1","event_id":"evt_1","type":"thing.happened","event_type":"thing.happened","updated_at":"2026-01-01T00:00:00Z","data":{"n":1}}"#;

/// A correctly signed delivery, plus the event headers header-sourced profiles read.
pub(super) fn delivery(id: &str, body: &[u8], at: i64) -> Vec<(String, String)> {
    let mut h = signed(id, secret_for(id), body, at, None);
    for (name, value) in [
        ("x-github-event", "push"),
        ("x-github-delivery", "d-1"),
        ("x-salesloft-event", "person_updated"),
        ("x-shopify-topic", "orders/create"),
        ("x-shopify-event-id", "s-1"),
    ] {
        h.push((name.into(), value.into()));
    }
    h
}

pub(super) fn replace(
    h: &[(String, String)],
    name: &str,
    value: Option<&str>,
) -> Vec<(String, String)> {
    let mut out: Vec<_> = h.iter().filter(|(k, _)| k != name).cloned().collect();
    if let Some(v) = value {
        out.push((name.into(), v.into()));
    }
    out
}

#[test]
fn valid_unverified_invalid_missing_malformed_for_every_builtin() {
    for id in ALL {
        let p = profile(id);
        let key = secret_for(id);
        let sig = p.signature_header().to_owned();
        let h = delivery(id, BODY, NOW);
        let run = |keys: &[&str], h: &[(String, String)], body: &[u8]| {
            check(id, keys, &pairs(h), body, NOW)
        };

        let v = run(&[key], &h, BODY);
        assert_eq!(v.verdict, Verdict::Valid, "{id}: {:?}", v.explanation);
        assert!(v.event_type.is_some(), "{id}: no event type");
        let key_of_valid = v.dedupe_key.clone();

        let v = run(&[], &h, BODY);
        assert_eq!(v.verdict, Verdict::Unverified, "{id}");
        assert!(
            v.explanation
                .as_deref()
                .unwrap()
                .contains("no secret configured")
        );
        assert_eq!(v.dedupe_key, key_of_valid, "{id}: unverified still dedupes");
        assert!(v.event_type.is_some(), "{id}");

        // Tampered body: one byte changed after signing.
        let tampered = String::from_utf8(BODY.to_vec())
            .unwrap()
            .replace("\"n\":1", "\"n\":2");
        let expected = signed(id, key, tampered.as_bytes(), NOW, None);
        let expected_sig = &expected.last().unwrap().1;
        let v = run(&[key], &h, tampered.as_bytes());
        assert_eq!(v.verdict, Verdict::Invalid, "{id}");
        assert_eq!(
            v.dedupe_key, None,
            "{id}: a forged delivery must not dedupe"
        );
        let why = v.explanation.clone().unwrap();
        assert!(why.contains(&p.signature.header), "{id}: {why}");
        assert!(
            why.contains("1 signature checked against 1 secret"),
            "{id}: {why}"
        );
        let mac = expected_sig
            .rsplit(['=', ','])
            .find(|s| s.len() > 8)
            .unwrap();
        assert_clean(&v, &[key], &[mac]);

        // Wrong secret, then rotation: the second of two secrets verifies.
        let v = run(&[OTHER], &h, BODY);
        assert_eq!(v.verdict, Verdict::Invalid, "{id}");
        assert_clean(&v, &[key, OTHER], &[]);
        let v = run(&[OTHER, key], &h, BODY);
        assert_eq!(v.verdict, Verdict::Valid, "{id}: rotation");

        let v = run(&[key], &replace(&h, &sig, None), BODY);
        assert_eq!(v.verdict, Verdict::Missing, "{id}");
        assert!(v.explanation.unwrap().contains(&p.signature.header));
        assert_eq!(v.dedupe_key, None);

        for garbage in ["%%% not a signature %%%", "", "sha256=", "v1,", "t=1,v1=zz"] {
            let v = run(&[key], &replace(&h, &sig, Some(garbage)), BODY);
            assert_eq!(
                v.verdict,
                Verdict::Malformed,
                "{id}: {garbage:?} -> {:?}",
                v.explanation
            );
            assert_eq!(v.dedupe_key, None);
            assert_clean(&v, &[key], &[]);
        }
        let huge = "a".repeat(100_000);
        let v = run(&[key], &replace(&h, &sig, Some(&huge)), BODY);
        assert_eq!(v.verdict, Verdict::Malformed, "{id}");
        assert!(v.explanation.unwrap().contains("over the 8192-byte limit"));
    }
}

#[test]
fn non_ascii_signature_header_is_malformed() {
    let mut h = headers(&[("x-github-event", "push")]);
    h.insert(
        "x-hub-signature-256",
        HeaderValue::from_bytes(b"sha256=\xff\xfe").unwrap(),
    );
    let v = verify(&profile("github"), &secrets(&["k"]), &h, b"{}", NOW);
    assert_eq!(v.verdict, Verdict::Malformed);
    assert!(v.explanation.unwrap().contains("not visible ASCII"));
}

#[test]
fn list_headers_skip_other_versions_and_cap_candidates() {
    let id = "standard-webhooks";
    let key = secret_for(id);
    let h = delivery(id, BODY, NOW);
    let good = h
        .iter()
        .find(|(k, _)| k == "webhook-signature")
        .unwrap()
        .1
        .clone();
    let noise = "v1a,aGVsbG8= ".repeat(20);
    let v = check(
        id,
        &[key],
        &pairs(&replace(
            &h,
            "webhook-signature",
            Some(&format!("{noise}{good}")),
        )),
        BODY,
        NOW,
    );
    assert_eq!(v.verdict, Verdict::Valid, "{:?}", v.explanation);
    let bad = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ".repeat(17);
    let v = check(
        id,
        &[key],
        &pairs(&replace(
            &h,
            "webhook-signature",
            Some(&format!("{bad}{good}")),
        )),
        BODY,
        NOW,
    );
    assert_eq!(v.verdict, Verdict::Malformed);
    assert!(v.explanation.unwrap().contains("more than the 16 accepted"));
    let many = "x ".repeat(70);
    let v = check(
        id,
        &[key],
        &pairs(&replace(
            &h,
            "webhook-signature",
            Some(&format!("{many}{good}")),
        )),
        BODY,
        NOW,
    );
    assert_eq!(v.verdict, Verdict::Malformed);
    // Two signatures, one per secret of the sender's rotation: either verifies.
    let v = check(
        id,
        &[key],
        &pairs(&replace(
            &h,
            "webhook-signature",
            Some(&format!("v1,{} {good}", "A".repeat(43))),
        )),
        BODY,
        NOW,
    );
    assert_eq!(v.verdict, Verdict::Valid);
    let why = check(
        id,
        &[OTHER],
        &pairs(&replace(
            &h,
            "webhook-signature",
            Some(&format!("v1,{} {good}", "A".repeat(43))),
        )),
        BODY,
        NOW,
    );
    assert!(why.explanation.unwrap().contains("2 signatures checked"));
}

#[test]
fn undecodable_configured_secrets_are_explained_not_printed() {
    let id = "svix";
    let h = delivery(id, BODY, NOW);
    let v = check(
        id,
        &["whsec_!!!not base64!!!", secret_for(id)],
        &pairs(&h),
        BODY,
        NOW,
    );
    assert_eq!(v.verdict, Verdict::Valid);
    let v = check(id, &["whsec_!!!not base64!!!"], &pairs(&h), BODY, NOW);
    assert_eq!(v.verdict, Verdict::Invalid);
    let why = v.explanation.clone().unwrap();
    assert!(
        why.contains("could not be decoded as base64 after stripping \"whsec_\""),
        "{why}"
    );
    assert_clean(&v, &["whsec_!!!not base64!!!"], &[]);
    let err = sign(
        &profile(id),
        &Secret::new("whsec_!!!".into()),
        BODY,
        NOW,
        None,
    )
    .unwrap_err();
    assert!(!err.to_string().contains("!!!"), "{err}");
}

#[test]
fn binary_and_non_json_bodies_verify_without_json() {
    let binary: Vec<u8> = (0..=255u8).rev().chain([0, 0xff, 0xc3, 0x28]).collect();
    for id in ALL {
        let bodies: [&[u8]; 4] = [&binary, b"not json at all", b"", b"{\"type\": "];
        for body in bodies {
            let h = delivery(id, body, NOW);
            let v = check(id, &[secret_for(id)], &pairs(&h), body, NOW);
            assert_eq!(v.verdict, Verdict::Valid, "{id}: {:?}", v.explanation);
            let header_typed = ["github", "salesloft", "shopify"].contains(&id);
            assert_eq!(
                v.event_type.is_some(),
                header_typed,
                "{id}: {:?}",
                v.event_type
            );
        }
    }
}

#[test]
fn json_fields_are_read_after_verification_only_as_needed() {
    // Numbers are kept as written, strings unescaped; long values are capped.
    let body = format!(
        r#"{{"id":9007199254740993,"type":"a\u00e9\"b","event_id":"{}"}}"#,
        "x".repeat(600)
    );
    let h = delivery("stripe", body.as_bytes(), NOW);
    let v = check(
        "stripe",
        &[secret_for("stripe")],
        &pairs(&h),
        body.as_bytes(),
        NOW,
    );
    assert_eq!(v.verdict, Verdict::Valid);
    assert_eq!(v.event_id.as_deref(), Some("9007199254740993"));
    assert_eq!(v.event_type.as_deref(), Some("aé\"b"));
    let h = delivery("salesloft-ts", body.as_bytes(), NOW);
    let v = check(
        "salesloft-ts",
        &[secret_for("salesloft-ts")],
        &pairs(&h),
        body.as_bytes(),
        NOW,
    );
    assert_eq!(v.event_id.as_ref().map(|s| s.chars().count()), Some(201));
    let key = v.dedupe_key.unwrap();
    assert!(key.starts_with("sha256:") && key.len() == 7 + 64, "{key}");
}

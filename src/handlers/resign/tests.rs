use super::*;
use crate::delivery::Summary;

const NOW: i64 = 1_750_000_000;

fn delivery(provider: &str, headers: Vec<(String, String)>, body: &[u8]) -> Delivery {
    Delivery {
        summary: Summary {
            id: 7,
            received_at_ms: (NOW - 3600) * 1000,
            provider: Some(provider.into()),
            event_type: Some("x".into()),
            event_id: None,
            verdict: Verdict::Valid,
            duplicate: false,
            status: 200,
            bytes: body.len() as u64,
            path: "/".into(),
            replay_of: None,
        },
        method: "POST".into(),
        headers: headers
            .into_iter()
            .map(|(n, v)| (n, v.into_bytes()))
            .chain([("user-agent".to_string(), b"Stripe/1.0".to_vec())])
            .collect(),
        body: body.to_vec(),
        dedupe_key: None,
        explanation: None,
    }
}

fn signed(provider: &str, secret: &str, body: &[u8], at: i64, id: Option<&str>) -> Delivery {
    let reg = Registry::builtin();
    let p = reg.get(provider).expect("profile");
    let h = verify::sign(p, &Secret::new(secret.into()), body, at, id).expect("sign");
    delivery(provider, h, body)
}

fn secrets(provider: &str, values: &[&str]) -> Secrets {
    let mut s = Secrets::new();
    for v in values {
        s.insert(provider, Secret::new((*v).to_string()));
    }
    s
}

/// The verdict the target would give the forwarded headers now, with only `secret`.
fn target_verdict(provider: &str, secret: &str, headers: &RawHeaders, body: &[u8]) -> Verdict {
    let reg = Registry::builtin();
    let p = reg.get(provider).expect("profile");
    let secrets = [Secret::new(secret.into())];
    verify::verify(p, &secrets, &to_header_map(headers), body, NOW).verdict
}

#[test]
fn a_stale_stripe_delivery_is_re_signed_and_verifies_again() {
    let body = br#"{"id":"evt_1","type":"invoice.paid"}"#;
    let d = signed("stripe", "whsec_test", body, NOW - 3600, None);
    assert_eq!(
        target_verdict("stripe", "whsec_test", &d.headers, body),
        Verdict::Stale
    );
    let (h, note) = headers_for_replay(
        &d,
        &Registry::builtin(),
        &secrets("stripe", &["whsec_test"]),
        NOW,
    );
    assert_eq!(
        target_verdict("stripe", "whsec_test", &h, body),
        Verdict::Valid
    );
    let note = note.expect("a note says it was re-signed");
    assert!(
        note.contains("re-signed") && note.contains("3600 s old"),
        "{note}"
    );
    assert!(!note.contains("whsec_test"), "the note leaks the secret");
    // Other headers travel unchanged, and the signature header is not duplicated.
    assert!(
        h.iter()
            .any(|(n, v)| n == "user-agent" && v == b"Stripe/1.0")
    );
    let sigs = h
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("stripe-signature"))
        .count();
    assert_eq!(sigs, 1);
}

#[test]
fn standard_webhooks_keeps_its_message_id() {
    let body = br#"{"type":"user.created"}"#;
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let d = signed(
        "standard-webhooks",
        secret,
        body,
        NOW - 7200,
        Some("msg_keep"),
    );
    let (h, note) = headers_for_replay(
        &d,
        &Registry::builtin(),
        &secrets("standard-webhooks", &[secret]),
        NOW,
    );
    assert!(note.is_some());
    assert_eq!(
        target_verdict("standard-webhooks", secret, &h, body),
        Verdict::Valid
    );
    let id: Vec<&[u8]> = h
        .iter()
        .filter(|(n, _)| n == "webhook-id")
        .map(|(_, v)| v.as_slice())
        .collect();
    assert_eq!(id, vec![b"msg_keep".as_slice()]);
}

#[test]
fn fresh_and_untimestamped_deliveries_are_forwarded_as_received() {
    let body = br#"{"id":"evt_2"}"#;
    let fresh = signed("stripe", "whsec_test", body, NOW - 10, None);
    let (h, note) = headers_for_replay(
        &fresh,
        &Registry::builtin(),
        &secrets("stripe", &["whsec_test"]),
        NOW,
    );
    assert_eq!((h, note), (fresh.headers.clone(), None));
    let gh = signed("github", "gh", body, NOW - 86_400, None);
    let (h, note) = headers_for_replay(&gh, &Registry::builtin(), &secrets("github", &["gh"]), NOW);
    assert_eq!((h, note), (gh.headers.clone(), None));
}

#[test]
fn a_forgery_is_never_re_signed() {
    let body = br#"{"id":"evt_3"}"#;
    let forged = signed("stripe", "attacker-secret", body, NOW - 3600, None);
    let (h, note) = headers_for_replay(
        &forged,
        &Registry::builtin(),
        &secrets("stripe", &["whsec_test"]),
        NOW,
    );
    assert_eq!(h, forged.headers);
    assert!(note.expect("note").contains("not re-signed"));
    // No signature at all: nothing to re-sign either.
    let unsigned = delivery(
        "stripe",
        vec![("content-type".into(), "application/json".into())],
        body,
    );
    let (h, note) = headers_for_replay(
        &unsigned,
        &Registry::builtin(),
        &secrets("stripe", &["whsec_test"]),
        NOW,
    );
    assert_eq!(h, unsigned.headers);
    assert!(note.expect("note").contains("not re-signed"));
}

#[test]
fn during_a_rotation_the_secret_that_signed_the_original_re_signs() {
    let body = br#"{"id":"evt_4"}"#;
    let d = signed("slack", "new-secret", body, NOW - 900, None);
    let (h, _) = headers_for_replay(
        &d,
        &Registry::builtin(),
        &secrets("slack", &["old-secret", "new-secret"]),
        NOW,
    );
    assert_eq!(
        target_verdict("slack", "new-secret", &h, body),
        Verdict::Valid
    );
    assert_eq!(
        target_verdict("slack", "old-secret", &h, body),
        Verdict::Invalid
    );
}

#[test]
fn without_a_secret_the_note_says_why() {
    let body = br#"{"event_id":"e1","event_type":"person_updated"}"#;
    let d = signed("salesloft-ts", "tok", body, NOW - 3600, None);
    let (h, note) = headers_for_replay(&d, &Registry::builtin(), &Secrets::new(), NOW);
    assert_eq!(h, d.headers);
    assert!(note.expect("note").contains("no secret is configured"));
}

//! Every official (and documented derived) vector from SIGNATURES.md / vectors.py that fits a
//! built-in profile: `verify` says valid at a fixed `now`, `sign` reproduces the exact headers.

use super::*;

const GH_SECRET: &str = "It's a Secret to Everybody";
const GH_SIG: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

#[test]
fn github_docs_vector() {
    let h = [
        ("X-Hub-Signature-256", GH_SIG),
        ("X-GitHub-Event", "push"),
        ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
    ];
    let v = check("github", &[GH_SECRET], &h, b"Hello, World!", 1_700_000_000);
    assert_eq!(v.verdict, Verdict::Valid, "{:?}", v.explanation);
    assert_eq!(v.explanation, None);
    assert_eq!(v.event_type.as_deref(), Some("push"));
    assert_eq!(
        v.event_id.as_deref(),
        Some("72d3162e-cc78-11e3-81ab-4c9367dc0958")
    );
    assert_eq!(
        v.dedupe_key.as_deref(),
        Some("72d3162e-cc78-11e3-81ab-4c9367dc0958")
    );
    assert_eq!(v.timestamp, None);
    assert_eq!(
        signed("github", GH_SECRET, b"Hello, World!", 0, None),
        vec![("x-hub-signature-256".to_string(), GH_SIG.to_string())]
    );
    // Hex is case-insensitive once decoded to bytes.
    let upper = format!("sha256={}", GH_SIG[7..].to_uppercase());
    let v = check(
        "github",
        &[GH_SECRET],
        &[("X-Hub-Signature-256", &upper)],
        b"Hello, World!",
        0,
    );
    assert_eq!(v.verdict, Verdict::Valid);
}

const SLACK_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
const SLACK_BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow\
&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner\
&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F\
commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN\
&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const SLACK_SIG: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

#[test]
fn slack_docs_vector() {
    let h = [
        ("X-Slack-Request-Timestamp", "1531420618"),
        ("X-Slack-Signature", SLACK_SIG),
    ];
    let v = check(
        "slack",
        &[SLACK_SECRET],
        &h,
        SLACK_BODY.as_bytes(),
        1531420618 + 10,
    );
    assert_eq!(v.verdict, Verdict::Valid, "{:?}", v.explanation);
    assert_eq!(v.timestamp, Some(1531420618));
    assert_eq!(v.event_type, None, "a form body has no JSON event type");
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        SLACK_BODY.as_bytes(),
    ));
    assert_eq!(v.dedupe_key, Some(digest));
    assert_eq!(
        signed(
            "slack",
            SLACK_SECRET,
            SLACK_BODY.as_bytes(),
            1531420618,
            None
        ),
        vec![
            (
                "x-slack-request-timestamp".to_string(),
                "1531420618".to_string()
            ),
            ("x-slack-signature".to_string(), SLACK_SIG.to_string())
        ]
    );
}

const SW_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SW_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const SW_BODY: &[u8] = br#"{"test": 2432232314}"#;
const SW_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

fn sw_headers(prefix: &str, sig: &str) -> Vec<(String, String)> {
    vec![
        (format!("{prefix}-id"), SW_ID.to_string()),
        (format!("{prefix}-timestamp"), "1614265330".to_string()),
        (format!("{prefix}-signature"), sig.to_string()),
    ]
}

#[test]
fn standard_webhooks_vectors() {
    let h = sw_headers("webhook", SW_SIG);
    let v = check(
        "standard-webhooks",
        &[SW_SECRET],
        &pairs(&h),
        SW_BODY,
        1614265330,
    );
    assert_eq!(v.verdict, Verdict::Valid, "{:?}", v.explanation);
    assert_eq!(v.event_id.as_deref(), Some(SW_ID));
    assert_eq!(v.dedupe_key.as_deref(), Some(SW_ID));
    assert_eq!(v.timestamp, Some(1614265330));
    assert_eq!(v.event_type, None);
    assert_eq!(
        signed(
            "standard-webhooks",
            SW_SECRET,
            SW_BODY,
            1614265330,
            Some(SW_ID)
        ),
        h
    );

    // Rust library vector.
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let body = br#"{"email":"test@example.com","username":"test_user"}"#;
    let h = vec![
        (
            "webhook-id".to_string(),
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk".to_string(),
        ),
        ("webhook-timestamp".to_string(), "1649367553".to_string()),
        (
            "webhook-signature".to_string(),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=".to_string(),
        ),
    ];
    let v = check("standard-webhooks", &[secret], &pairs(&h), body, 1649367553);
    assert_eq!(v.verdict, Verdict::Valid, "{:?}", v.explanation);
    let again = signed(
        "standard-webhooks",
        secret,
        body,
        1649367553,
        Some("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"),
    );
    assert_eq!(again, h);
}

#[test]
fn standard_webhooks_negative_vectors() {
    // Last character flipped: decodes to 32 bytes that do not match.
    let h = sw_headers("webhook", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=");
    let v = check(
        "standard-webhooks",
        &[SW_SECRET],
        &pairs(&h),
        SW_BODY,
        1614265330,
    );
    assert_eq!(v.verdict, Verdict::Invalid);
    let why = v.explanation.clone().unwrap();
    assert!(
        why.contains("webhook-signature")
            && why.contains("1 signature")
            && why.contains("1 secret"),
        "{why}"
    );
    assert_clean(
        &v,
        &[SW_SECRET],
        &["g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="],
    );
    assert_eq!(v.dedupe_key, None);
    // The libraries' truncated decoy does not even decode (43 chars, non-zero trailing bits).
    let h = sw_headers("webhook", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLawdd");
    let v = check(
        "standard-webhooks",
        &[SW_SECRET],
        &pairs(&h),
        SW_BODY,
        1614265330,
    );
    assert_eq!(v.verdict, Verdict::Malformed);
    assert!(v.explanation.unwrap().contains("no decodable v1"));
}

#[test]
fn svix_vector_with_and_without_prefix() {
    let h = sw_headers("svix", SW_SIG);
    for secret in [SW_SECRET, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] {
        let v = check("svix", &[secret], &pairs(&h), SW_BODY, 1614265330);
        assert_eq!(v.verdict, Verdict::Valid, "{:?}", v.explanation);
        assert_eq!(v.event_id.as_deref(), Some(SW_ID));
    }
    assert_eq!(
        signed("svix", SW_SECRET, SW_BODY, 1614265330, Some(SW_ID)),
        h
    );
    let v = check(
        "svix",
        &[SW_SECRET],
        &pairs(&sw_headers(
            "svix",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLawdd",
        )),
        SW_BODY,
        1614265330,
    );
    assert_ne!(v.verdict, Verdict::Valid);
}

const STRIPE_SECRET: &str = "whsec_test_secret";
const STRIPE_BODY: &[u8] = b"{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\"\n}";
const STRIPE_V1: &str = "c2f890decbc5ede7c5060bb9a6d31e0626a4342bacb9aeae2adb1bcea72f9812";

#[test]
fn stripe_derived_header_and_rotation() {
    let header = format!("t=1492774577,v1={STRIPE_V1}");
    let v = check(
        "stripe",
        &[STRIPE_SECRET],
        &[("Stripe-Signature", &header)],
        STRIPE_BODY,
        1492774577,
    );
    assert_eq!(v.verdict, Verdict::Valid, "{:?}", v.explanation);
    assert_eq!(v.event_id.as_deref(), Some("evt_test_webhook"));
    assert_eq!(v.dedupe_key.as_deref(), Some("evt_test_webhook"));
    assert_eq!(v.timestamp, Some(1492774577));
    assert_eq!(
        signed("stripe", STRIPE_SECRET, STRIPE_BODY, 1492774577, None),
        vec![("stripe-signature".to_string(), header)]
    );

    let rotation = format!(
        "t=1492774577,v1={},v1={STRIPE_V1},v0={}",
        "0".repeat(64),
        "f".repeat(64)
    );
    let v = check(
        "stripe",
        &[STRIPE_SECRET],
        &[("Stripe-Signature", &rotation)],
        STRIPE_BODY,
        1492774577,
    );
    assert_eq!(v.verdict, Verdict::Valid, "{:?}", v.explanation);

    let v0_only = format!("t=1492774577,v0={STRIPE_V1}");
    let v = check(
        "stripe",
        &[STRIPE_SECRET],
        &[("Stripe-Signature", &v0_only)],
        STRIPE_BODY,
        1492774577,
    );
    assert_eq!(v.verdict, Verdict::Malformed);
    let why = v.explanation.unwrap();
    assert!(
        why.contains("no decodable v1") && why.contains("v0"),
        "{why}"
    );
}

#[test]
fn shopify_third_party_vector() {
    let body = br#"{"id":1234567890,"email":"customer@example.com","total_price":"123.45"}"#;
    let sig = "QNyObTlKbMx2qDlPF/ZOZcBqg5OgPg+2oky3zldc0Gw=";
    let h = [
        ("X-Shopify-Hmac-SHA256", sig),
        ("X-Shopify-Topic", "orders/create"),
        ("X-Shopify-Event-Id", "98880550-7158-44d4-b7cd-2c97c8a091b5"),
    ];
    let v = check("shopify", &["test-webhook-secret"], &h, body, 0);
    assert_eq!(v.verdict, Verdict::Valid, "{:?}", v.explanation);
    assert_eq!(v.event_type.as_deref(), Some("orders/create"));
    assert_eq!(
        v.dedupe_key.as_deref(),
        Some("98880550-7158-44d4-b7cd-2c97c8a091b5")
    );
    assert_eq!(
        signed("shopify", "test-webhook-secret", body, 0, None),
        vec![("x-shopify-hmac-sha256".to_string(), sig.to_string())]
    );
}

const SL_TOKEN: &str = "test-callback-token";
const SL_BODY: &[u8] =
    br#"{"id":721356732,"subject":"Follow-up with John Kelly","updated_at":"2026-01-22T01:22:45.587713-05:00"}"#;

#[test]
fn salesloft_derived_sha1_vector() {
    let sig = "e594c9816c8f67e3d7df64e4cea63b37f1c5565e";
    let h = [
        ("x-salesloft-signature", sig),
        ("x-salesloft-event", "task_created"),
    ];
    let v = check("salesloft", &[SL_TOKEN], &h, SL_BODY, 0);
    assert_eq!(v.verdict, Verdict::Valid, "{:?}", v.explanation);
    assert_eq!(v.event_type.as_deref(), Some("task_created"));
    assert_eq!(v.event_id.as_deref(), Some("721356732"));
    assert_eq!(
        v.dedupe_key.as_deref(),
        Some("task_created\x1f721356732\x1f2026-01-22T01:22:45.587713-05:00")
    );
    assert_eq!(
        signed("salesloft", SL_TOKEN, SL_BODY, 0, None),
        vec![("x-salesloft-signature".to_string(), sig.to_string())]
    );
}

#[test]
fn salesloft_ts_derived_vector() {
    let sig = "12bc9dae873c313470e0d0390d4c0535d4e199b3b7ff96805724f9a97b6022d7";
    let h = [
        ("x-salesloft-signature", sig),
        ("x-salesloft-timestamp", "1700000000"),
    ];
    let v = check("salesloft-ts", &[SL_TOKEN], &h, SL_BODY, 1700000000);
    assert_eq!(v.verdict, Verdict::Valid, "{:?}", v.explanation);
    assert_eq!(v.timestamp, Some(1700000000));
    assert_eq!(v.dedupe_key, None, "this body has no event_id");
    assert_eq!(
        signed("salesloft-ts", SL_TOKEN, SL_BODY, 1700000000, None),
        vec![
            (
                "x-salesloft-timestamp".to_string(),
                "1700000000".to_string()
            ),
            ("x-salesloft-signature".to_string(), sig.to_string())
        ]
    );
    assert_eq!(profile("salesloft-ts").status, Status::Unofficial);
    // The official SHA-1 signature of the same body is not accepted by the variant.
    let h = [
        (
            "x-salesloft-signature",
            "e594c9816c8f67e3d7df64e4cea63b37f1c5565e",
        ),
        ("x-salesloft-timestamp", "1700000000"),
    ];
    let v = check("salesloft-ts", &[SL_TOKEN], &h, SL_BODY, 1700000000);
    assert_eq!(v.verdict, Verdict::Invalid);
    assert!(
        v.explanation
            .unwrap()
            .contains("expected a 32-byte HMAC-SHA256 MAC, got 20 bytes")
    );
}

const SOS_SECRET: &str = "whsec_000102030405060708090a0b0c0d0e0f1011121314151617";

#[test]
fn salesos_docs_and_code_shaped_vectors() {
    let docs = br#"{"id":"evt_abc123","type":"lead.created","timestamp":"2025-01-15T10:30:00Z","organizationId":"org_xyz789","data":{"id":"lead_def456","firstName":"Jane"}}"#;
    let sig = "2c1895c187440970a2054ad149b417e5ada7c29d0bd360c4b279d3da38bcb145";
    let v = check(
        "salesos",
        &[SOS_SECRET],
        &[("X-Webhook-Signature", sig)],
        docs,
        0,
    );
    assert_eq!(v.verdict, Verdict::Valid, "{:?}", v.explanation);
    assert_eq!(v.event_type.as_deref(), Some("lead.created"));
    assert_eq!(v.event_id.as_deref(), Some("evt_abc123"));
    assert_eq!(v.dedupe_key.as_deref(), Some("evt_abc123"));
    assert_eq!(
        signed("salesos", SOS_SECRET, docs, 0, None),
        vec![("x-webhook-signature".to_string(), sig.to_string())]
    );

    let code = br#"{"event":"test","eventId":"5f0c8f3e-2b1a-4c7e-9a55-0d7b1e0c9a11","timestamp":1736937000000,"data":{"test":true,"message":"This is a test webhook delivery"}}"#;
    let sig = "8082f13344a07d6282db01233bd42e6f296185325933661776fc18b159fc9341";
    let v = check(
        "salesos",
        &[SOS_SECRET],
        &[("X-Webhook-Signature", sig)],
        code,
        0,
    );
    assert_eq!(v.verdict, Verdict::Valid, "{:?}", v.explanation);
    assert_eq!(
        v.event_type.as_deref(),
        Some("test"),
        "falls back to JSON /event"
    );
    let h = [
        ("X-Webhook-Signature", sig),
        ("X-Webhook-Event", "lead.updated"),
    ];
    let v = check("salesos", &[SOS_SECRET], &h, code, 0);
    assert_eq!(
        v.event_type.as_deref(),
        Some("lead.updated"),
        "the header comes first"
    );

    // The key is the whole string as UTF-8: a base64/hex reading of it would not verify.
    let v = check(
        "salesos",
        &["000102030405060708090a0b0c0d0e0f1011121314151617"],
        &[("X-Webhook-Signature", sig)],
        code,
        0,
    );
    assert_eq!(v.verdict, Verdict::Invalid);
}

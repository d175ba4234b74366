//! Signed timestamps: stale in each provider's direction (Stripe: past only), the ±tolerance
//! edges, `is_stale` for replays, and missing or unparsable timestamps and ids.

use super::verdicts::{BODY, NOW, OTHER, delivery, replace, secret_for};
use super::*;

#[test]
fn stale_in_each_providers_direction() {
    for id in [
        "slack",
        "salesloft-ts",
        "stripe",
        "standard-webhooks",
        "svix",
    ] {
        let p = profile(id);
        let key = secret_for(id);
        let at = |when: i64| check(id, &[key], &pairs(&delivery(id, BODY, when)), BODY, NOW);

        for edge in [NOW - 300, NOW, NOW + 300] {
            let v = at(edge);
            assert_eq!(
                v.verdict,
                Verdict::Valid,
                "{id} at {edge}: {:?}",
                v.explanation
            );
        }
        let v = at(NOW - 301);
        assert_eq!(v.verdict, Verdict::Stale, "{id}");
        assert_eq!(v.timestamp, Some(NOW - 301));
        assert_eq!(v.dedupe_key, None, "{id}: stale deliveries do not dedupe");
        let why = v.explanation.unwrap();
        assert!(
            why.contains("301 s in the past") && why.contains("tolerance 300 s"),
            "{why}"
        );
        assert!(is_stale(
            &p,
            &headers(&pairs(&delivery(id, BODY, NOW - 301))),
            NOW
        ));
        assert!(!is_stale(
            &p,
            &headers(&pairs(&delivery(id, BODY, NOW - 30))),
            NOW
        ));

        let future = at(NOW + 3600);
        if id == "stripe" {
            // Stripe's libraries only check the past.
            assert_eq!(future.verdict, Verdict::Valid, "{:?}", future.explanation);
            assert!(!is_stale(
                &p,
                &headers(&pairs(&delivery(id, BODY, NOW + 3600))),
                NOW
            ));
        } else {
            assert_eq!(future.verdict, Verdict::Stale, "{id}");
            assert!(future.explanation.unwrap().contains("3600 s in the future"));
        }

        // An old timestamp with a bad signature is invalid, not stale.
        let old = delivery(id, BODY, NOW - 5000);
        let v = check(id, &[OTHER], &pairs(&old), BODY, NOW);
        assert_eq!(v.verdict, Verdict::Invalid, "{id}");
    }
    for id in ["github", "shopify", "salesloft", "salesos"] {
        assert!(
            !is_stale(&profile(id), &headers(&[]), NOW),
            "{id} has no timestamp"
        );
    }
}

#[test]
fn missing_or_unparsable_timestamp_and_id_are_malformed() {
    for (id, ts_header) in [
        ("slack", "x-slack-request-timestamp"),
        ("salesloft-ts", "x-salesloft-timestamp"),
        ("standard-webhooks", "webhook-timestamp"),
        ("svix", "svix-timestamp"),
    ] {
        let h = delivery(id, BODY, NOW);
        let v = check(
            id,
            &[secret_for(id)],
            &pairs(&replace(&h, ts_header, None)),
            BODY,
            NOW,
        );
        assert_eq!(v.verdict, Verdict::Malformed, "{id}");
        assert!(v.explanation.unwrap().contains("missing"));
        let v = check(
            id,
            &[secret_for(id)],
            &pairs(&replace(&h, ts_header, Some("soon\"ish"))),
            BODY,
            NOW,
        );
        assert_eq!(v.verdict, Verdict::Malformed, "{id}");
        let why = v.explanation.unwrap();
        assert!(
            why.contains("not unix seconds") && why.contains("soon\\\"ish"),
            "{why}"
        );
        assert!(is_stale(
            &profile(id),
            &headers(&pairs(&replace(&h, ts_header, None))),
            NOW
        ));
    }
    // Stripe: a signature without t=.
    let h = delivery("stripe", BODY, NOW);
    let without_t = h[0]
        .1
        .split(',')
        .filter(|p| !p.starts_with("t="))
        .collect::<Vec<_>>()
        .join(",");
    let v = check(
        "stripe",
        &[secret_for("stripe")],
        &[("stripe-signature", &without_t)],
        BODY,
        NOW,
    );
    assert_eq!(v.verdict, Verdict::Malformed);
    assert!(v.explanation.unwrap().contains("t= in Stripe-Signature"));
    // Standard Webhooks: the signed id is missing.
    let h = delivery("standard-webhooks", BODY, NOW);
    let v = check(
        "standard-webhooks",
        &[secret_for("standard-webhooks")],
        &pairs(&replace(&h, "webhook-id", None)),
        BODY,
        NOW,
    );
    assert_eq!(v.verdict, Verdict::Malformed);
    assert!(
        v.explanation
            .unwrap()
            .contains("message id (header webhook-id) is missing")
    );
}

#[test]
fn extreme_timestamps_are_stale_not_a_panic() {
    for id in ["stripe", "standard-webhooks", "slack"] {
        let key = secret_for(id);
        for when in [i64::MAX, i64::MIN, 0] {
            let h = delivery(id, BODY, when);
            let v = check(id, &[key], &pairs(&h), BODY, NOW);
            let future_ok = id == "stripe" && when > NOW;
            let want = if future_ok {
                Verdict::Valid
            } else {
                Verdict::Stale
            };
            assert_eq!(v.verdict, want, "{id} at {when}: {:?}", v.explanation);
            assert_eq!(v.timestamp, Some(when));
        }
    }
}

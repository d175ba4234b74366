//! Profile documents that must be rejected at load, with a message saying why.

use super::*;

const BASE: &str = "id = \"x\"\n[signature]\nalgorithm = \"hmac-sha256\"\nheader = \"X-Sig\"\n";

fn error(extra: &str) -> String {
    match Profile::from_toml(&format!("{BASE}{extra}")) {
        Ok(_) => panic!("accepted: {extra}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn minimal_profile_has_defaults() {
    let p = Profile::from_toml(BASE).unwrap();
    assert_eq!((p.name.as_str(), p.status), ("x", Status::Custom));
    assert_eq!(p.signature_header(), "x-sig");
    assert_eq!(
        (p.timestamp_header(), p.id_header(), p.has_timestamp()),
        (None, None, false)
    );
    assert_eq!(p.tolerance(), (0, 0));
    let stripe = profile("stripe");
    assert_eq!(
        (stripe.timestamp_header(), stripe.tolerance()),
        (None, (300, 0))
    );
    let sw = profile("standard-webhooks");
    assert_eq!(sw.timestamp_header(), Some("webhook-timestamp"));
    assert_eq!(sw.id_header(), Some("webhook-id"));
    assert!(sw.has_timestamp());
}

#[test]
fn bad_documents_are_rejected_with_reasons() {
    let cases = [
        (
            "[signed]\ntemplate = \"{ts}.{body}\"\n",
            "unknown placeholder {ts}",
        ),
        (
            "[signed]\ntemplate = \"{timestamp}\"\n",
            "must include {body}",
        ),
        (
            "[signed]\ntemplate = \"{id}.{body}\"\n",
            "signed.id must be",
        ),
        (
            "[signed]\ntemplate = \"{timestamp}.{body}\"\n",
            "timestamp.source must be",
        ),
        (
            "[timestamp]\nsource = \"sigparam:t\"\n",
            "sigparam: needs a kv",
        ),
        (
            "[timestamp]\nsource = \"none\"\nmax_age_s = 5\n",
            "needs a timestamp.source",
        ),
        (
            "[timestamp]\nsource = \"header:X-T\"\nsigned = true\n",
            "does not include {timestamp}",
        ),
        ("[dedupe]\nkey = \"json:id\"\n", "not a JSON pointer"),
        ("[dedupe]\nkey = \"cookie:x\"\n", "unknown selector"),
        (
            "[event]\ntype = \"header:bad header\"\n",
            "not a header name",
        ),
        ("[event]\nkind = \"x\"\n", "unknown field"),
        ("colour = \"red\"\n", "unknown field"),
        ("[secret]\ndecode = \"rot13\"\n", "unknown variant"),
    ];
    for (extra, want) in cases {
        let e = error(extra);
        assert!(e.contains(want), "{extra:?}: {e}");
    }
    let e = Profile::from_toml(
        "id = \"Bad Id\"\n[signature]\nalgorithm = \"hmac-sha1\"\nheader = \"x\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("must be 1-64 characters"), "{e}");
    let e = Profile::from_toml(&BASE.replace(
        "header = \"X-Sig\"\n",
        "header = \"x\"\nformat = \"list\"\n",
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("signature.versions"), "{e}");
}

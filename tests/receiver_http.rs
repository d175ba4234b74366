//! Every verdict and every HTTP answer, driven through a real socket on 127.0.0.1:0 into a
//! real SQLite file.

mod support;

use hookwatch::delivery::Verdict;
use hookwatch::store::Store;
use support::*;

const GH: &str = "It's a Secret to Everybody";
const LIMIT: u64 = 25 * 1024 * 1024;

fn gh_headers(body: &[u8], delivery: &str) -> Vec<(String, String)> {
    let mut h = sign("github", GH, body, now());
    h.push(("x-github-event".into(), "push".into()));
    h.push(("x-github-delivery".into(), delivery.into()));
    h.push(("content-type".into(), "application/json".into()));
    h
}

fn stored(db: &std::path::Path, id: i64) -> hookwatch::delivery::Delivery {
    Store::open(db)
        .expect("open")
        .get(id)
        .expect("get")
        .expect("row exists")
}

fn id_of(a: &Answer) -> i64 {
    a.json["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {}", a.json))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers() {
    let s = start(&[], LIMIT).await;
    let r = client()
        .get(format!("{}/healthz", s.base))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_delivery_is_committed_byte_for_byte_and_answered_200() {
    let s = start(&[("github", GH)], LIMIT).await;
    let body = b"{\"zen\":\"Keep it logically awesome.\",\"hook_id\":1}".to_vec();
    let a = post(
        &client(),
        &format!("{}/webhooks/github", s.base),
        &gh_headers(&body, "d-1"),
        body.clone(),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.json);
    assert_eq!(a.json["received"], true);
    let d = stored(&s.db, id_of(&a));
    assert_eq!(d.body, body);
    assert_eq!(d.summary.verdict, Verdict::Valid);
    assert_eq!(d.summary.provider.as_deref(), Some("github"));
    assert_eq!(d.summary.event_type.as_deref(), Some("push"));
    assert_eq!(d.summary.event_id.as_deref(), Some("d-1"));
    assert_eq!(d.summary.status, 200);
    assert_eq!(d.header("x-github-delivery").as_deref(), Some("d-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_verdicts_answer_401_and_are_recorded() {
    let s = start(
        &[
            ("github", GH),
            ("stripe", "whsec_test_secret"),
            (
                "standard-webhooks",
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            ),
        ],
        LIMIT,
    )
    .await;
    let c = client();
    let url = format!("{}/webhooks/github", s.base);
    let body = b"{\"action\":\"opened\"}".to_vec();

    // Tampered body.
    let h = gh_headers(&body, "t-1");
    let a = post(&c, &url, &h, b"{\"action\":\"closed\"}".to_vec()).await;
    assert_eq!(
        (a.status, a.json["verdict"].as_str()),
        (401, Some("invalid")),
        "{}",
        a.json
    );
    assert!(a.json["error"].as_str().unwrap_or("").contains("invalid"));
    let d = stored(&s.db, id_of(&a));
    assert_eq!(
        (d.summary.verdict, d.summary.status),
        (Verdict::Invalid, 401)
    );
    assert!(d.explanation.as_deref().is_some_and(|e| !e.contains(GH)));

    // Wrong secret.
    let mut h = sign("github", "not the secret", &body, now());
    h.push(("x-github-event".into(), "push".into()));
    let a = post(&c, &url, &h, body.clone()).await;
    assert_eq!(
        (a.status, a.json["verdict"].as_str()),
        (401, Some("invalid"))
    );

    // Absent signature header.
    let h = vec![("x-github-event".to_string(), "push".to_string())];
    let a = post(&c, &url, &h, body.clone()).await;
    assert_eq!(
        (a.status, a.json["verdict"].as_str()),
        (401, Some("missing"))
    );
    assert_eq!(stored(&s.db, id_of(&a)).summary.verdict, Verdict::Missing);

    // Garbage signature header.
    let h = vec![(
        "x-hub-signature-256".to_string(),
        "sha256=zz-not-hex".to_string(),
    )];
    let a = post(&c, &url, &h, body.clone()).await;
    assert_eq!(
        (a.status, a.json["verdict"].as_str()),
        (401, Some("malformed"))
    );

    // Huge signature header (60 KB).
    let h = vec![(
        "x-hub-signature-256".to_string(),
        format!("sha256={}", "ab".repeat(30_000)),
    )];
    let a = post(&c, &url, &h, body.clone()).await;
    assert_eq!(a.status, 401);
    assert!(
        matches!(a.json["verdict"].as_str(), Some("malformed" | "invalid")),
        "{}",
        a.json
    );

    // Stripe: an old timestamp is stale; a future one passes (Stripe checks the past only).
    let sbody = br#"{"id":"evt_1","object":"event","type":"invoice.paid"}"#.to_vec();
    let surl = format!("{}/webhooks/stripe", s.base);
    let a = post(
        &c,
        &surl,
        &sign("stripe", "whsec_test_secret", &sbody, now() - 3600),
        sbody.clone(),
    )
    .await;
    assert_eq!(
        (a.status, a.json["verdict"].as_str()),
        (401, Some("stale")),
        "{}",
        a.json
    );
    let explanation = stored(&s.db, id_of(&a)).explanation.unwrap_or_default();
    assert!(
        explanation.contains("3600") || explanation.contains("360"),
        "{explanation}"
    );
    let a = post(
        &c,
        &surl,
        &sign("stripe", "whsec_test_secret", &sbody, now() + 3600),
        sbody.clone(),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.json);

    // Standard Webhooks: both directions are checked.
    let wbody = br#"{"type":"contact.created","data":{}}"#.to_vec();
    let wurl = format!("{}/webhooks/standard-webhooks", s.base);
    let key = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let a = post(
        &c,
        &wurl,
        &sign("standard-webhooks", key, &wbody, now() + 3600),
        wbody.clone(),
    )
    .await;
    assert_eq!((a.status, a.json["verdict"].as_str()), (401, Some("stale")));
    let a = post(
        &c,
        &wurl,
        &sign("standard-webhooks", key, &wbody, now()),
        wbody.clone(),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.json);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_unknown_and_unconfigured_senders_are_recorded_unverified() {
    let s = start(&[("github", GH)], LIMIT).await;
    let c = client();
    // No secret configured for shopify.
    let body = br#"{"id":1234567890}"#.to_vec();
    let h = vec![
        ("x-shopify-topic".to_string(), "orders/create".to_string()),
        ("x-shopify-hmac-sha256".to_string(), "AAAA".to_string()),
    ];
    let a = post(
        &c,
        &format!("{}/webhooks/shopify", s.base),
        &h,
        body.clone(),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.json);
    let d = stored(&s.db, id_of(&a));
    assert_eq!(d.summary.verdict, Verdict::Unverified);
    assert_eq!(d.summary.event_type.as_deref(), Some("orders/create"));

    // Unknown provider name in the path.
    let a = post(
        &c,
        &format!("{}/webhooks/nosuchthing", s.base),
        &[],
        body.clone(),
    )
    .await;
    assert_eq!(a.status, 200);
    let d = stored(&s.db, id_of(&a));
    assert_eq!(d.summary.verdict, Verdict::Unverified);
    assert!(d.explanation.unwrap_or_default().contains("nosuchthing"));

    // Any other path, no recognisable headers.
    let a = post(
        &c,
        &format!("{}/some/hook?x=1", s.base),
        &[],
        b"plain text".to_vec(),
    )
    .await;
    assert_eq!(a.status, 200);
    let d = stored(&s.db, id_of(&a));
    assert_eq!(
        (d.summary.provider.clone(), d.summary.path.as_str()),
        (None, "/some/hook?x=1")
    );

    // Any other path, detected from GitHub's headers and verified.
    let gbody = b"{}".to_vec();
    let a = post(
        &c,
        &format!("{}/hooks", s.base),
        &gh_headers(&gbody, "det-1"),
        gbody,
    )
    .await;
    assert_eq!(a.status, 200);
    let d = stored(&s.db, id_of(&a));
    assert_eq!(
        (d.summary.provider.as_deref(), d.summary.verdict),
        (Some("github"), Verdict::Valid)
    );

    // GET on a webhook path that does not exist.
    let r = c.get(format!("{}/nope", s.base)).send().await.expect("get");
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_json_binary_and_control_character_bodies_are_kept_exactly() {
    let s = start(&[("github", GH)], LIMIT).await;
    let c = client();
    let url = format!("{}/webhooks/github", s.base);
    let bodies: Vec<Vec<u8>> = vec![
        b"this is not json".to_vec(),
        vec![0, 159, 146, 150, 255, 0, 27, b'[', b'2', b'J'],
        b"{\"a\":\"\x1b]52;c;aGk=\x07\"}".to_vec(),
        Vec::new(),
    ];
    for (i, body) in bodies.into_iter().enumerate() {
        let a = post(
            &c,
            &url,
            &gh_headers(&body, &format!("b-{i}")),
            body.clone(),
        )
        .await;
        assert_eq!(a.status, 200, "body {i}: {}", a.json);
        let d = stored(&s.db, id_of(&a));
        assert_eq!(d.body, body, "body {i}");
        assert_eq!(d.summary.verdict, Verdict::Valid);
        assert_eq!(d.summary.bytes, body.len() as u64);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_answer_already_processed() {
    let s = start(&[("github", GH)], LIMIT).await;
    let c = client();
    let url = format!("{}/webhooks/github", s.base);
    let body = b"{\"n\":1}".to_vec();
    let h = gh_headers(&body, "dup-1");
    let first = post(&c, &url, &h, body.clone()).await;
    let second = post(&c, &url, &h, body.clone()).await;
    assert_eq!(first.json["received"], true);
    assert_eq!(
        (second.status, second.json["status"].as_str()),
        (200, Some("already_processed"))
    );
    let d = stored(&s.db, id_of(&second));
    assert!(d.summary.duplicate);
    assert!(!stored(&s.db, id_of(&first)).summary.duplicate);

    // A forged delivery with the same id must not count as the original.
    let forged = vec![
        ("x-github-delivery".to_string(), "dup-2".to_string()),
        (
            "x-hub-signature-256".to_string(),
            format!("sha256={}", "00".repeat(32)),
        ),
    ];
    let a = post(&c, &url, &forged, body.clone()).await;
    assert_eq!(a.status, 401);
    let real = post(&c, &url, &gh_headers(&body, "dup-2"), body.clone()).await;
    assert_eq!(real.json["received"], true, "{}", real.json);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_duplicate_sent_concurrently_is_new_exactly_once() {
    let s = start(&[("github", GH)], LIMIT).await;
    let c = client();
    let url = format!("{}/webhooks/github", s.base);
    let body = b"{\"race\":true}".to_vec();
    let h = gh_headers(&body, "race-1");
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (c, url, h, body) = (c.clone(), url.clone(), h.clone(), body.clone());
        tasks.push(tokio::spawn(async move { post(&c, &url, &h, body).await }));
    }
    let mut new = 0;
    let mut dups = 0;
    for t in tasks {
        let a = t.await.expect("task");
        assert_eq!(a.status, 200);
        if a.json["received"] == true {
            new += 1;
        } else if a.json["status"] == "already_processed" {
            dups += 1;
        }
    }
    assert_eq!((new, dups), (1, 31));
    assert_eq!(
        Store::open(&s.db).expect("open").count().expect("count"),
        32
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_get_413_and_are_recorded() {
    let s = start(&[("github", GH)], LIMIT).await;
    let c = client();
    let body = vec![b'x'; 26 * 1024 * 1024];
    let a = post(
        &c,
        &format!("{}/webhooks/github", s.base),
        &gh_headers(b"", "big"),
        body,
    )
    .await;
    assert_eq!(a.status, 413, "{}", a.json);
    let d = stored(&s.db, id_of(&a));
    assert_eq!(d.summary.status, 413);
    assert_eq!(d.summary.bytes, 26 * 1024 * 1024);
    assert!(d.body.is_empty());
    assert!(d.explanation.unwrap_or_default().contains("limit"));

    // A small limit applies to chunked bodies too (no content-length).
    let s = start(&[], 1024).await;
    let addr = s.base.trim_start_matches("http://").to_string();
    let answer = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut tcp = std::net::TcpStream::connect(addr).expect("connect");
        let mut req = b"POST /webhooks/github HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n".to_vec();
        for _ in 0..8 {
            req.extend_from_slice(b"200\r\n");
            req.extend_from_slice(&[b'y'; 512]);
            req.extend_from_slice(b"\r\n");
        }
        req.extend_from_slice(b"0\r\n\r\n");
        tcp.write_all(&req).expect("write");
        let mut out = String::new();
        let _ = tcp.read_to_string(&mut out);
        out
    })
    .await
    .expect("join");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_store_answers_503_and_recovers() {
    let policy = hookwatch::store::BatchPolicy {
        busy_timeout: std::time::Duration::from_millis(100),
        ..Default::default()
    };
    let s = start_with(&[("github", GH)], LIMIT, policy).await;
    let c = client();
    let url = format!("{}/webhooks/github", s.base);
    let body = b"{\"locked\":true}".to_vec();
    // Another process holds the write lock.
    let blocker = rusqlite::Connection::open(&s.db).expect("open");
    blocker.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    let r = {
        let mut req = c.post(&url).body(body.clone());
        for (n, v) in gh_headers(&body, "locked-1") {
            req = req.header(n, v);
        }
        req.send().await.expect("send")
    };
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(
        r.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
    let text = r.text().await.expect("text");
    assert!(
        text.contains("store unavailable") && text.contains("locked"),
        "{text}"
    );
    blocker.execute_batch("ROLLBACK").expect("unlock");
    // The sender retries: now it is committed, and it was not counted as a duplicate.
    let a = post(&c, &url, &gh_headers(&body, "locked-1"), body.clone()).await;
    assert_eq!(
        (a.status, a.json["received"].as_bool()),
        (200, Some(true)),
        "{}",
        a.json
    );
    assert_eq!(Store::open(&s.db).expect("open").count().expect("count"), 1);
}

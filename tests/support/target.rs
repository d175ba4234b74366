//! A webhook target for the handler tests: a real axum server on 127.0.0.1:0 that checks
//! each request's signature itself (`hookwatch::verify` with the same secret, at its own
//! clock), records what it got, and answers like an app would: 401 when the signature does
//! not verify, else the next planned status (200 once the plan is used up), after an
//! optional delay.
#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hookwatch::delivery::Verdict;
use hookwatch::verify::{self, Registry, Secret};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Got {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub verdict: Verdict,
    pub explanation: Option<String>,
    pub at: Instant,
}

impl Got {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

struct Inner {
    provider: String,
    secret: Option<String>,
    got: Mutex<Vec<Got>>,
    plan: Mutex<VecDeque<u16>>,
    delay_ms: AtomicU64,
}

pub struct Target {
    /// `http://127.0.0.1:PORT/hooks`
    pub url: String,
    inner: Arc<Inner>,
}

impl Target {
    /// A target for `provider`'s scheme; without a secret every request is `unverified`.
    pub async fn start(provider: &str, secret: Option<&str>) -> Target {
        let inner = Arc::new(Inner {
            provider: provider.to_string(),
            secret: secret.map(str::to_string),
            got: Mutex::new(Vec::new()),
            plan: Mutex::new(VecDeque::new()),
            delay_ms: AtomicU64::new(0),
        });
        let app = axum::Router::new()
            .fallback(receive)
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind target");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Target {
            url: format!("http://{addr}/hooks"),
            inner,
        }
    }

    /// Answer the next requests with these statuses (then 200).
    pub fn plan(&self, statuses: &[u16]) {
        self.inner
            .plan
            .lock()
            .expect("lock")
            .extend(statuses.iter().copied());
    }

    /// Answer only after this long.
    pub fn delay(&self, d: Duration) {
        self.inner
            .delay_ms
            .store(d.as_millis() as u64, Ordering::SeqCst);
    }

    pub fn got(&self) -> Vec<Got> {
        self.inner.got.lock().expect("lock").clone()
    }

    /// Wait until at least `n` requests arrived.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Got> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.got();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "the target got {} requests, expected {n}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn receive(
    State(t): State<Arc<Inner>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let registry = Registry::builtin();
    let profile = registry.get(&t.provider).expect("profile");
    let secrets: Vec<Secret> = t.secret.iter().map(|s| Secret::new(s.clone())).collect();
    let now = chrono::Utc::now().timestamp();
    let v = verify::verify(profile, &secrets, &headers, &body, now);
    t.got.lock().expect("lock").push(Got {
        headers,
        body: body.to_vec(),
        verdict: v.verdict,
        explanation: v.explanation.clone(),
        at: Instant::now(),
    });
    let delay = t.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    if !matches!(v.verdict, Verdict::Valid | Verdict::Unverified) {
        return (StatusCode::UNAUTHORIZED, format!("signature {}", v.verdict));
    }
    let status = t.plan.lock().expect("lock").pop_front().unwrap_or(200);
    (
        StatusCode::from_u16(status).expect("status"),
        format!("target says {status}, signature {}", v.verdict),
    )
}

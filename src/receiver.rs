//! The HTTP receiver (axum): reads the raw body under a limit, picks the provider (from the
//! path or the headers), verifies, commits to the store and only then answers. Every request
//! that reaches a webhook route is recorded, including rejected and oversized ones.

use crate::delivery::{NewDelivery, RawHeaders, Verdict, now_ms};
use crate::store::WriterHandle;
use crate::verify::{self, Registry, Secrets, Verification};
use anyhow::{Context, Result};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// How far past the limit an oversized body is still read (to answer 413 cleanly and to
/// report its size); beyond this the connection is simply answered and closed.
const DRAIN_PAST_LIMIT: u64 = 64 * 1024 * 1024;
/// Longest provider name taken from a URL path.
const MAX_PROVIDER_NAME: usize = 64;

/// What the receiver needs: profiles, secrets, the store writer and the body limit.
pub struct Receiver {
    pub registry: Registry,
    pub secrets: Secrets,
    pub writer: WriterHandle,
    pub body_limit: u64,
}

/// The router: `POST /webhooks/{provider}`, `GET /healthz`, and any other POST path with
/// provider detection from the headers.
pub fn router(receiver: Arc<Receiver>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/webhooks/{provider}", post(receive_named))
        .fallback(receive_detected)
        .with_state(receiver)
}

/// Bind the listener, turning "address in use" into one clear line.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            " (another hookwatch or server is using it; pick another with --listen 127.0.0.1:PORT)"
        } else {
            ""
        };
        anyhow::anyhow!("cannot listen on {addr}: {e}{hint}")
    })
}

/// Serve until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .context("receiver stopped")
}

async fn healthz() -> impl IntoResponse {
    json_response(StatusCode::OK, r#"{"status":"ok"}"#.to_string())
}

async fn receive_named(
    State(rx): State<Arc<Receiver>>,
    Path(provider): Path<String>,
    req: Request,
) -> Response {
    let name = provider.to_ascii_lowercase();
    receive(rx, Some(name), req).await
}

async fn receive_detected(State(rx): State<Arc<Receiver>>, req: Request) -> Response {
    if req.method() != Method::POST {
        let body = r#"{"error":"not found: POST webhooks to /webhooks/{provider} or any path; GET /healthz"}"#;
        return json_response(StatusCode::NOT_FOUND, body.to_string());
    }
    receive(rx, None, req).await
}

async fn receive(rx: Arc<Receiver>, named: Option<String>, req: Request) -> Response {
    let received_at_ms = now_ms();
    let (parts, body) = req.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| parts.uri.path().to_string());
    let headers = parts.headers;
    let mut new = NewDelivery {
        received_at_ms,
        method: parts.method.as_str().to_string(),
        path,
        headers: raw_headers(&headers),
        body: Vec::new(),
        bytes: 0,
        provider: None,
        event_type: None,
        event_id: None,
        dedupe_key: None,
        verdict: Verdict::Unverified,
        explanation: None,
        status: 200,
        replay_of: None,
    };

    let profile = match &named {
        Some(name) => rx.registry.get(name),
        None => rx.registry.detect(&headers),
    };
    new.provider = match (&named, profile) {
        (_, Some(p)) => Some(p.id.clone()),
        (Some(name), None) => Some(name.chars().take(MAX_PROVIDER_NAME).collect()),
        (None, None) => None,
    };

    match read_body(body, &headers, rx.body_limit).await {
        BodyRead::Complete(bytes) => {
            new.bytes = bytes.len() as u64;
            new.body = bytes;
        }
        BodyRead::TooLarge(seen) => {
            new.bytes = seen;
            new.status = 413;
            new.explanation = Some(format!(
                "body of {seen} bytes exceeds the limit of {} bytes; not stored, not verified (raise --body-limit)",
                rx.body_limit
            ));
            return commit_and_answer(&rx, new).await;
        }
        BodyRead::Failed(e) => {
            new.status = 400;
            new.explanation = Some(format!("could not read the request body: {e}"));
            return commit_and_answer(&rx, new).await;
        }
    }

    let now_s = received_at_ms.div_euclid(1000);
    let verification = match profile {
        Some(p) => verify::verify(p, rx.secrets.get(&p.id), &headers, &new.body, now_s),
        None => {
            let mut v = verify::unknown_provider(&headers, &new.body);
            if let Some(name) = &named {
                v.explanation = Some(format!(
                    "no provider profile named '{}' (known: {}); recorded unverified",
                    new.provider.as_deref().unwrap_or(name),
                    rx.registry.ids().join(", ")
                ));
            }
            v
        }
    };
    apply(&mut new, verification);
    commit_and_answer(&rx, new).await
}

fn apply(new: &mut NewDelivery, v: Verification) {
    new.verdict = v.verdict;
    new.explanation = v.explanation;
    new.event_type = v.event_type;
    new.event_id = v.event_id;
    new.dedupe_key = v.dedupe_key;
    new.status = if v.verdict.is_rejection() { 401 } else { 200 };
}

async fn commit_and_answer(rx: &Receiver, new: NewDelivery) -> Response {
    let status = new.status;
    let verdict = new.verdict;
    let explanation = new.explanation.clone();
    match rx.writer.commit(new).await {
        Ok(summary) => {
            let id = summary.id;
            match status {
                200 if summary.duplicate => json_response(
                    StatusCode::OK,
                    format!(r#"{{"status":"already_processed","id":{id}}}"#),
                ),
                200 => json_response(StatusCode::OK, format!(r#"{{"received":true,"id":{id}}}"#)),
                401 => {
                    let body = serde_json::json!({
                        "error": format!("signature {verdict}: {}", explanation.unwrap_or_default()),
                        "verdict": verdict.as_str(),
                        "id": id,
                    });
                    json_response(StatusCode::UNAUTHORIZED, body.to_string())
                }
                other => {
                    let code =
                        StatusCode::from_u16(other).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                    let body = serde_json::json!({
                        "error": explanation.unwrap_or_else(|| "request rejected".into()),
                        "id": id,
                    });
                    json_response(code, body.to_string())
                }
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "store could not commit a delivery");
            let body = serde_json::json!({
                "error": format!("store unavailable: {e}; the delivery was not recorded, retry later"),
            });
            let mut resp = json_response(StatusCode::SERVICE_UNAVAILABLE, body.to_string());
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            resp
        }
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

fn raw_headers(headers: &HeaderMap) -> RawHeaders {
    headers
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
        .collect()
}

enum BodyRead {
    Complete(Vec<u8>),
    /// Over the limit; how many bytes were announced or seen.
    TooLarge(u64),
    Failed(String),
}

/// Read the whole body into an owned Vec (never keep hyper's buffers: they pin the
/// connection's read buffer), stopping at the limit.
async fn read_body(mut body: Body, headers: &HeaderMap, limit: u64) -> BodyRead {
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(n) = announced
        && n > limit
    {
        // Drain what arrives (bounded) so the sender reads our 413 instead of a reset.
        drain(body, limit.saturating_add(DRAIN_PAST_LIMIT)).await;
        return BodyRead::TooLarge(n);
    }
    let capacity = announced.unwrap_or(0).min(limit).min(1 << 20) as usize;
    let mut buf = Vec::with_capacity(capacity);
    loop {
        match body.frame().await {
            None => return BodyRead::Complete(buf),
            Some(Err(e)) => return BodyRead::Failed(e.to_string()),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    if (buf.len() + data.len()) as u64 > limit {
                        let seen = buf.len() as u64 + data.len() as u64;
                        drop(buf);
                        let rest = drain(body, DRAIN_PAST_LIMIT).await;
                        return BodyRead::TooLarge(seen + rest);
                    }
                    buf.extend_from_slice(&data);
                }
            }
        }
    }
}

/// Discard up to `cap` more bytes of a body; returns how many were read.
async fn drain(mut body: Body, cap: u64) -> u64 {
    let mut seen = 0u64;
    while seen <= cap {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    seen += data.len() as u64;
                }
            }
            _ => break,
        }
    }
    seen
}

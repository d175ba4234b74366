//! Forwards a delivery to the app under development: the original body byte for byte with
//! the original headers (minus hop-by-hop ones: the standard list, `expect`, and any named
//! in `Connection`), so the target's own signature check passes. Loopback targets never go
//! through a proxy; redirects are reported, not followed.

use super::outcome::{EXCERPT_BYTES, Outcome, RunResult, excerpt};
use crate::delivery::RawHeaders;
use crate::export::HOP_BY_HOP;
use anyhow::{Context, Result};
use std::time::{Duration, Instant};

/// HTTP clients for forwarding: one that never uses a proxy (loopback targets) and one that
/// honours the environment's proxy settings (anything else).
#[derive(Clone)]
pub struct Clients {
    local: reqwest::Client,
    remote: reqwest::Client,
}

impl Clients {
    pub fn new() -> Result<Clients> {
        let build = |proxy: bool| {
            let b = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(32);
            let b = if proxy { b } else { b.no_proxy() };
            b.build().context("cannot build the forwarding HTTP client")
        };
        Ok(Clients {
            local: build(false)?,
            remote: build(true)?,
        })
    }

    fn for_url(&self, url: &str) -> &reqwest::Client {
        if is_loopback(url) {
            &self.local
        } else {
            &self.remote
        }
    }
}

/// Is the URL's host a loopback name or address?
pub fn is_loopback(url: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return false;
    };
    let Some(host) = u.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            host.eq_ignore_ascii_case("localhost")
                || host.to_ascii_lowercase().ends_with(".localhost")
        }
    }
}

/// The headers that travel on: all but hop-by-hop ones, in their original order (repeated
/// headers stay repeated).
pub fn end_to_end(headers: &RawHeaders) -> impl Iterator<Item = &(String, Vec<u8>)> {
    let listed: Vec<String> = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
        .flat_map(|(_, v)| {
            String::from_utf8_lossy(v)
                .split(',')
                .map(|t| t.trim().to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .filter(|t| !t.is_empty())
        .collect();
    headers.iter().filter(move |(name, _)| {
        let n = name.to_ascii_lowercase();
        !(HOP_BY_HOP.contains(&n.as_str()) || n == "expect" || listed.contains(&n))
    })
}

/// POST (or the original method) `body` with `headers` to `url`, within `timeout`.
pub async fn run(
    clients: &Clients,
    url: &str,
    method: &str,
    headers: &RawHeaders,
    body: Vec<u8>,
    timeout: Duration,
) -> RunResult {
    let started = Instant::now();
    let done = |outcome: Outcome, excerpt: String| RunResult {
        outcome,
        duration_ms: started.elapsed().as_millis() as u64,
        excerpt,
        notes: Vec::new(),
    };
    let method = match reqwest::Method::from_bytes(method.as_bytes()) {
        Ok(m) => m,
        Err(_) => {
            return done(
                Outcome::Error {
                    message: format!("bad method {method}"),
                },
                String::new(),
            );
        }
    };
    let mut req = clients
        .for_url(url)
        .request(method, url)
        .timeout(timeout)
        .body(body);
    for (name, value) in end_to_end(headers) {
        req = req.header(name.as_str(), value.as_slice());
    }
    let mut resp = match req.send().await {
        Ok(r) => r,
        Err(e) => {
            let (outcome, message) = classify(&e);
            return done(outcome, message);
        }
    };
    let status = resp.status().as_u16();
    let mut kept = Vec::new();
    let mut total = 0usize;
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                total += chunk.len();
                let room = EXCERPT_BYTES.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if total > EXCERPT_BYTES * 16 {
                    break; // enough: do not read a huge answer to the end
                }
            }
            Ok(None) => break,
            Err(e) if e.is_timeout() => return done(Outcome::Timeout, excerpt(&kept, total)),
            Err(_) => break,
        }
    }
    done(Outcome::Http { status }, excerpt(&kept, total))
}

fn classify(e: &reqwest::Error) -> (Outcome, String) {
    if e.is_timeout() {
        return (
            Outcome::Timeout,
            "no answer within the handler's timeout".into(),
        );
    }
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return (
                Outcome::Refused,
                "connection refused: is your app running?".into(),
            );
        }
        source = s.source();
    }
    let message = format!("{e:#}");
    (
        Outcome::Error {
            message: message.clone(),
        },
        message,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_detection() {
        assert!(is_loopback("http://localhost:3000/x"));
        assert!(is_loopback("http://127.0.0.1:3000/x"));
        assert!(is_loopback("http://[::1]:3000/x"));
        assert!(!is_loopback("https://example.com/x"));
        assert!(!is_loopback("not a url"));
    }

    #[test]
    fn hop_by_hop_headers_stay_behind() {
        let h = |n: &str, v: &str| (n.to_string(), v.as_bytes().to_vec());
        let headers = vec![
            h("Host", "example.com"),
            h("Content-Length", "2"),
            h("Connection", "keep-alive, X-Hop"),
            h("X-Hop", "1"),
            h("Expect", "100-continue"),
            h("X-GitHub-Event", "push"),
            h("X-Multi", "a"),
            h("X-Multi", "b"),
            h("Transfer-Encoding", "chunked"),
        ];
        let kept: Vec<(&str, &[u8])> = end_to_end(&headers)
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        assert_eq!(
            kept,
            vec![
                ("X-GitHub-Event", b"push".as_slice()),
                ("X-Multi", b"a".as_slice()),
                ("X-Multi", b"b".as_slice()),
            ]
        );
    }

    #[tokio::test]
    async fn refused_when_nothing_listens() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        let clients = Clients::new().expect("clients");
        let r = run(
            &clients,
            &format!("http://127.0.0.1:{port}/"),
            "POST",
            &Vec::new(),
            b"{}".to_vec(),
            Duration::from_secs(2),
        )
        .await;
        assert_eq!(r.outcome, Outcome::Refused, "{}", r.excerpt);
    }
}

//! Shared test helpers: an in-process receiver on 127.0.0.1:0 with a real SQLite file,
//! the real binary as a child process, and signing helpers.
#![allow(dead_code)]

pub mod tmux;

use hookwatch::receiver::{self, Receiver};
use hookwatch::store::{BatchPolicy, Writer};
use hookwatch::verify::{self, Registry, Secret, Secrets};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

pub struct TestServer {
    pub base: String,
    pub db: PathBuf,
    pub dir: tempfile::TempDir,
}

pub fn secrets(pairs: &[(&str, &str)]) -> Secrets {
    let mut s = Secrets::default();
    for (p, v) in pairs {
        s.insert(p, Secret::new((*v).to_string()));
    }
    s
}

/// Start the real router on 127.0.0.1:0 over a fresh SQLite file.
pub async fn start(pairs: &[(&str, &str)], body_limit: u64) -> TestServer {
    start_with(pairs, body_limit, BatchPolicy::default()).await
}

pub async fn start_with(
    pairs: &[(&str, &str)],
    body_limit: u64,
    policy: BatchPolicy,
) -> TestServer {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("hookwatch.db");
    let writer = Writer::spawn(&db, policy).expect("writer");
    let rx = Arc::new(Receiver {
        registry: Registry::builtin(),
        secrets: secrets(pairs),
        writer,
        body_limit,
    });
    let listener = receiver::bind("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(receiver::serve(
        listener,
        receiver::router(rx),
        std::future::pending(),
    ));
    TestServer {
        base: format!("http://{addr}"),
        db,
        dir,
    }
}

/// Headers that sign `body` for `provider` with `secret` at `now`.
pub fn sign(provider: &str, secret: &str, body: &[u8], now: i64) -> Vec<(String, String)> {
    let registry = Registry::builtin();
    let profile = registry.get(provider).expect("profile");
    verify::sign(profile, &Secret::new(secret.to_string()), body, now, None).expect("sign")
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub struct Answer {
    pub status: u16,
    pub json: serde_json::Value,
}

pub async fn post(
    client: &reqwest::Client,
    url: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> Answer {
    let mut req = client.post(url).body(body);
    for (n, v) in headers {
        req = req.header(n.as_str(), v.as_str());
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    Answer { status, json }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// The real binary, `serve` on 127.0.0.1:0; returns the child and its base URL.
pub fn spawn_serve(db: &std::path::Path, extra: &[&str]) -> (Child, String) {
    spawn_serve_env(db, extra, &[])
}

/// Like [`spawn_serve`], with extra environment variables.
pub fn spawn_serve_env(
    db: &std::path::Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hookwatch"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .args(extra)
        .env_remove("HOOKWATCH_CONFIG")
        .env("XDG_CONFIG_HOME", db.parent().expect("parent"))
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn hookwatch serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("serve exited before listening")
            .expect("read stderr");
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().expect("url").to_string();
        }
    };
    // Keep draining stderr so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

/// The child's stdout, line by line, on a channel (read by a thread, so the child never
/// blocks on a full pipe).
pub fn stdout_lines(child: &mut Child) -> std::sync::mpsc::Receiver<String> {
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

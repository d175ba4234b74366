//! Helpers for the handler tests (included with `#[path]` by `tests/handlers*.rs`): the
//! real binary as a `serve` child killed on drop, `replay`/other subcommands, config files,
//! signed GitHub deliveries, the NDJSON `handler_run` lines, and polling the stored runs.
#![allow(dead_code)]

use crate::support::*;
use hookwatch::delivery::now_ms;
use hookwatch::store::Store;
use hookwatch::store::jobs::Run;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Output};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

pub const GH: &str = "handlers-test-secret";
pub const STRIPE: &str = "whsec_handlers_test";
pub const SW: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const WAIT: Duration = Duration::from_secs(10);

pub fn hookwatch(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hookwatch"))
        .args(args)
        .arg("--db")
        .arg(db)
        .env("XDG_CONFIG_HOME", db.parent().expect("parent"))
        .env_remove("HOOKWATCH_CONFIG")
        .output()
        .expect("run hookwatch")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn write_config(dir: &Path, toml: &str) -> String {
    let path = dir.join("config.toml");
    std::fs::write(&path, toml).expect("write config");
    path.display().to_string()
}

/// A GitHub delivery (signed when `secret` is given); returns (answer, latency).
pub async fn send_github(
    base: &str,
    event: &str,
    body: &[u8],
    secret: Option<&str>,
) -> (Answer, Duration) {
    let mut h = match secret {
        Some(s) => sign("github", s, body, now()),
        None => Vec::new(),
    };
    h.push(("x-github-event".into(), event.into()));
    // Unique per call: two sends in the same millisecond must not be duplicates.
    static SENT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SENT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    h.push((
        "x-github-delivery".into(),
        format!("{event}-{}-{n}", now_ms()),
    ));
    h.push(("content-type".into(), "application/json".into()));
    let started = Instant::now();
    let a = post(
        &client(),
        &format!("{base}/webhooks/github"),
        &h,
        body.to_vec(),
    )
    .await;
    (a, started.elapsed())
}

pub fn id_of(a: &Answer) -> i64 {
    a.json["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {}", a.json))
}

/// The next `handler_run` NDJSON line (delivery lines are skipped).
pub fn next_run(lines: &Receiver<String>) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .expect("a handler_run line from serve");
        let v: Value = serde_json::from_str(&line).expect("an NDJSON line");
        if v["type"] == "handler_run" {
            return v;
        }
    }
}

/// Poll the store until `delivery` has runs satisfying `done`.
pub async fn runs_until(db: &Path, delivery: i64, done: impl Fn(&[Run]) -> bool) -> Vec<Run> {
    let deadline = Instant::now() + WAIT;
    loop {
        let runs = Store::open(db)
            .expect("store")
            .runs(delivery)
            .expect("runs");
        if done(&runs) {
            return runs;
        }
        assert!(
            Instant::now() < deadline,
            "delivery #{delivery} has runs {runs:#?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A `serve` child that is killed (SIGKILL) when dropped, also when an assertion fails.
pub struct Serve(pub Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn serve(db: &Path, extra: &[&str], env: &[(&str, &str)]) -> (Serve, String) {
    let (child, base) = spawn_serve_env(db, extra, env);
    (Serve(child), base)
}

pub fn kill(child: Serve) {
    drop(child);
}

pub fn refused_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

//! The real binary end to end: `serve` streams NDJSON, `send` signs fixtures, `list`
//! filters, `export --format curl` reproduces a request byte for byte, a busy port is one
//! clear line.

mod support;

use hookwatch::store::Store;
use std::io::{BufRead, BufReader};
use std::process::{Command, Output};
use support::*;

fn hookwatch(db: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hookwatch"))
        .args(args)
        .arg("--db")
        .arg(db)
        .env("XDG_CONFIG_HOME", db.parent().expect("parent"))
        .env_remove("HOOKWATCH_CONFIG")
        .output()
        .expect("run hookwatch")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn send_serve_list_export_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("cli.db");
    let (mut child, base) = spawn_serve(&db, &["--secret", "salesloft=tok-123"]);
    let mut ndjson = BufReader::new(child.stdout.take().expect("stdout")).lines();

    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/salesloft/person_updated.json"
    );
    let out = hookwatch(
        &db,
        &[
            "send",
            fixture,
            "--to",
            &base,
            "--secret",
            "salesloft=tok-123",
        ],
    );
    assert!(
        out.status.success(),
        "send failed: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).starts_with("200 "),
        "{}",
        text(&out.stdout)
    );

    // The NDJSON line arrives at once with the documented fields.
    let line = ndjson.next().expect("a line").expect("read");
    let v: serde_json::Value = serde_json::from_str(&line).expect("json line");
    for key in [
        "id",
        "received_at",
        "provider",
        "event_type",
        "event_id",
        "verdict",
        "duplicate",
        "status",
        "bytes",
        "path",
    ] {
        assert!(v.get(key).is_some(), "missing {key} in {line}");
    }
    assert_eq!(v["verdict"], "valid");
    assert_eq!(v["provider"], "salesloft");
    assert_eq!(v["event_type"], "person_updated");
    let id = v["id"].as_i64().expect("id");

    // Without the secret the same fixture goes out unsigned and is rejected as missing.
    let out = hookwatch(&db, &["send", fixture, "--to", &base]);
    assert!(
        text(&out.stderr).contains("no secret configured"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).starts_with("401 "),
        "{}",
        text(&out.stdout)
    );

    let out = hookwatch(&db, &["list", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(rows.len(), 2);
    let out = hookwatch(&db, &["list", "--json", "--filter", "sig:missing"]);
    assert_eq!(
        text(&out.stdout).lines().count(),
        1,
        "{}",
        text(&out.stdout)
    );
    let out = hookwatch(&db, &["list"]);
    assert!(text(&out.stdout).contains("person_updated"));

    // The curl export replays the exact bytes: the copy verifies and is a duplicate.
    let out = hookwatch(
        &db,
        &["export", &id.to_string(), "--format", "curl", "--to", &base],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let curl = text(&out.stdout);
    let ran = Command::new("bash")
        .arg("-c")
        .arg(curl.trim())
        .output()
        .expect("bash");
    assert!(ran.status.success(), "curl failed: {}", text(&ran.stderr));
    assert!(
        text(&ran.stdout).contains("already_processed"),
        "{}",
        text(&ran.stdout)
    );
    let line = ndjson.next().expect("line").expect("read"); // the unsigned one
    let _ = line;
    let line = ndjson.next().expect("line").expect("read");
    let replay: serde_json::Value = serde_json::from_str(&line).expect("json");
    let store = Store::open(&db).expect("open");
    let original = store.get(id).expect("get").expect("row");
    let copy = store
        .get(replay["id"].as_i64().expect("id"))
        .expect("get")
        .expect("row");
    assert_eq!(copy.body, original.body);
    assert_eq!(copy.summary.verdict, hookwatch::delivery::Verdict::Valid);

    // JSON and fixture exports.
    let out = hookwatch(&db, &["export", &id.to_string(), "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json export");
    assert_eq!(doc["id"], id);
    let out = hookwatch(&db, &["export", &id.to_string(), "--format", "fixture"]);
    let fx = text(&out.stdout);
    assert!(
        fx.contains("person_updated") && !fx.contains("x-salesloft-signature"),
        "{fx}"
    );
    let out = hookwatch(&db, &["export", "999999"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no delivery #999999"));

    child.kill().expect("kill");
    child.wait().expect("reap");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_export_keeps_quotes_newlines_and_nul_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("curl.db");
    let (mut child, base) = spawn_serve(&db, &[]);
    let c = client();
    let bodies: Vec<Vec<u8>> = vec![
        b"{\"quote\":\"it's \\\"here\\\"\",\n\"dollar\":\"$HOME `x` %s \\\\n\"}\n".to_vec(),
        b"line1\r\nline2\ttab\x1b[31m\x00nul\xff".to_vec(),
    ];
    for body in bodies {
        let h = vec![("x-custom".to_string(), "a 'quoted' value".to_string())];
        let a = post(&c, &format!("{base}/raw/hook"), &h, body.clone()).await;
        let id = a.json["id"].as_i64().expect("id");
        let out = hookwatch(
            &db,
            &["export", &id.to_string(), "--format", "curl", "--to", &base],
        );
        let ran = Command::new("bash")
            .arg("-c")
            .arg(text(&out.stdout).trim())
            .output()
            .expect("bash");
        assert!(ran.status.success(), "{}", text(&ran.stderr));
        let answer: serde_json::Value = serde_json::from_slice(&ran.stdout).expect("answer");
        let store = Store::open(&db).expect("open");
        let copy = store
            .get(answer["id"].as_i64().expect("id"))
            .expect("get")
            .expect("row");
        assert_eq!(copy.body, body);
        assert_eq!(copy.summary.path, "/raw/hook");
        assert_eq!(copy.header("x-custom").as_deref(), Some("a 'quoted' value"));
    }
    child.kill().expect("kill");
    child.wait().expect("reap");
}

#[test]
fn a_busy_port_is_one_clear_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_hookwatch"))
        .args(["serve", "--listen", &addr, "--db"])
        .arg(dir.path().join("x.db"))
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
    assert!(err.contains("--listen"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

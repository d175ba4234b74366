//! Handlers end to end with real parts: `serve --forward` to a real HTTP target that checks
//! the signature itself (byte-for-byte body, headers, NDJSON run lines), `replay ID --to`,
//! `replay --edit`, `replay --filter`, and a real shell command reading its payload and
//! metadata.

#[path = "support/handler_kit.rs"]
mod kit;
mod support;
#[path = "support/target.rs"]
mod target;

use hookwatch::delivery::Verdict;
use hookwatch::store::Store;
use kit::*;
use serde_json::Value;
use std::process::Command;
use support::*;
use target::Target;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_passes_the_targets_own_signature_check_and_replay_runs_again() {
    let target = Target::start("github", Some(GH)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("fwd.db");
    let secret = format!("github={GH}");
    let (mut child, base) = serve(&db, &["--secret", &secret, "--forward", &target.url], &[]);
    let lines = stdout_lines(&mut child.0);

    // Whitespace, key order and UTF-8 that a re-serialisation would change.
    let body = "{ \"zen\" : \"caf\u{e9} \u{2603}\",\n  \"b\":1, \"a\" :[ 1.50 ] }\n".as_bytes();
    let (a, _) = send_github(&base, "push", body, Some(GH)).await;
    assert_eq!(a.status, 200, "{}", a.json);
    let id = id_of(&a);

    let run = next_run(&lines);
    assert_eq!(run["delivery_id"], id, "{run}");
    assert_eq!(run["handler"], "forward");
    assert_eq!(run["outcome"]["kind"], "http");
    assert_eq!(run["outcome"]["status"], 200, "{run}");
    assert_eq!(run["state"], "ok");
    assert!(run["result"].as_str().expect("result").starts_with("200 "));
    assert!(
        run["excerpt"]
            .as_str()
            .expect("excerpt")
            .contains("signature valid")
    );

    let got = target.wait_for(1, WAIT).await;
    assert_eq!(got[0].body, body, "the body travels byte for byte");
    assert_eq!(got[0].verdict, Verdict::Valid, "{:?}", got[0].explanation);
    assert_eq!(got[0].header("x-github-event"), Some("push"));
    assert_eq!(got[0].header("content-type"), Some("application/json"));
    assert!(got[0].header("x-github-delivery").is_some());
    assert_eq!(
        got[0].header("content-length"),
        Some(body.len().to_string().as_str()),
        "content-length is the transport's own, once"
    );
    assert_eq!(got[0].headers.get_all("content-length").iter().count(), 1);

    let stored = runs_until(&db, id, |r| !r.is_empty()).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].handler, "forward");
    assert!(stored[0].result.outcome.is_success());
    assert!(stored[0].started_at_ms > 0);
    assert!(stored[0].result.excerpt.contains("target says 200"));

    // `replay ID --to URL` runs once more, here and now, and stores a second run.
    let out = hookwatch(&db, &["replay", &id.to_string(), "--to", &target.url]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let line: Value = serde_json::from_str(text(&out.stdout).trim()).expect("replay line");
    assert_eq!(line["handler"], "replay");
    assert_eq!(line["outcome"]["status"], 200);
    let got = target.wait_for(2, WAIT).await;
    assert_eq!(got[1].body, body);
    assert_eq!(got[1].verdict, Verdict::Valid);
    let stored = Store::open(&db).expect("store").runs(id).expect("runs");
    let handlers: Vec<&str> = stored.iter().map(|r| r.handler.as_str()).collect();
    assert_eq!(handlers, vec!["forward", "replay"]);

    // `replay ID --edit`: the edited copy is stored as a new delivery marked as a replay,
    // signed again with the configured secret, and passes the target's check.
    let out = Command::new(env!("CARGO_BIN_EXE_hookwatch"))
        .args(["replay", &id.to_string(), "--edit", "--to", &target.url])
        .args(["--secret", &secret, "--db"])
        .arg(&db)
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("HOOKWATCH_CONFIG")
        .env("VISUAL", "sed -i s/zen/ZEN/")
        .output()
        .expect("replay --edit");
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let got = target.wait_for(3, WAIT).await;
    let edited = String::from_utf8(body.to_vec())
        .expect("utf8")
        .replace("zen", "ZEN");
    assert_eq!(got[2].body, edited.as_bytes());
    assert_eq!(got[2].verdict, Verdict::Valid, "{:?}", got[2].explanation);
    let line: Value = serde_json::from_str(text(&out.stdout).trim()).expect("line");
    let copy = Store::open(&db)
        .expect("store")
        .get(line["delivery_id"].as_i64().expect("id"))
        .expect("get")
        .expect("the edited copy is stored");
    assert_eq!(copy.summary.replay_of, Some(id));
    assert_eq!(copy.body, edited.as_bytes());

    // `replay --filter Q` re-runs the configured handlers of every matching delivery.
    let (b, _) = send_github(&base, "issues", b"{\"other\":1}", Some(GH)).await;
    let other = id_of(&b);
    runs_until(&db, other, |r| !r.is_empty()).await;
    let out = hookwatch(
        &db,
        &["replay", "--filter", "type:push", "--forward", &target.url],
    );
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let lines: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let mut replayed: Vec<i64> = lines
        .iter()
        .map(|l| l["delivery_id"].as_i64().expect("id"))
        .collect();
    replayed.sort();
    assert_eq!(replayed, vec![id, copy.summary.id], "{lines:?}");
    assert!(lines.iter().all(|l| l["handler"] == "forward"));
    assert_eq!(
        Store::open(&db)
            .expect("store")
            .runs(id)
            .expect("runs")
            .len(),
        3
    );
    assert_eq!(
        Store::open(&db)
            .expect("store")
            .runs(other)
            .expect("runs")
            .len(),
        1
    );
    kill(child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_gets_the_payload_on_stdin_and_its_metadata_in_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("cmd.db");
    let out_file = dir.path().join("handler.out");
    let config = write_config(
        dir.path(),
        r#"
        [[handlers]]
        name = "script"
        events = ["push", "pull_*"]
        command = ["sh", "-c", "cat > \"$OUT\"; env | grep '^HOOKWATCH_' | sort >> \"$OUT\"; echo handled; echo careful >&2; exit 3"]
        "#,
    );
    let out_path = out_file.display().to_string();
    let (mut child, base) = serve(
        &db,
        &["--config", &config],
        &[("OUT", &out_path), ("HOOKWATCH_SECRET_GITHUB", GH)],
    );
    let lines = stdout_lines(&mut child.0);
    // Not selected by the handler's event globs: no run.
    let (a, _) = send_github(&base, "issues", b"{\"skip\":true}", Some(GH)).await;
    assert_eq!(a.status, 200);
    let body = b"{\"action\":\"opened\",\"n\":\"\xc3\xa9\"}";
    let (a, _) = send_github(&base, "pull_request", body, Some(GH)).await;
    assert_eq!(a.status, 200, "{}", a.json);
    let id = id_of(&a);

    let run = next_run(&lines);
    assert_eq!(run["delivery_id"], id, "{run}");
    assert_eq!(run["handler"], "script");
    assert_eq!(run["outcome"]["kind"], "exit");
    assert_eq!(run["outcome"]["code"], 3);
    assert_eq!(run["result"], "exit 3");
    let excerpt = run["excerpt"].as_str().expect("excerpt");
    assert!(
        excerpt.starts_with("handled\n[stderr] careful"),
        "{excerpt}"
    );

    let written = std::fs::read(&out_file).expect("the command wrote its file");
    assert!(written.starts_with(body), "stdin was the raw body");
    let env = text(&written[body.len()..]);
    for expected in [
        format!("HOOKWATCH_DELIVERY_ID={id}"),
        "HOOKWATCH_EVENT_TYPE=pull_request".to_string(),
        "HOOKWATCH_PROVIDER=github".to_string(),
        "HOOKWATCH_VERDICT=valid".to_string(),
    ] {
        assert!(
            env.lines().any(|l| l == expected),
            "{expected} not in {env}"
        );
    }
    assert!(
        !env.contains("HOOKWATCH_SECRET") && !env.contains(GH),
        "{env}"
    );
    let stored = Store::open(&db).expect("store").runs(id).expect("runs");
    assert_eq!(stored.len(), 1);
    assert!(
        Store::open(&db)
            .expect("store")
            .runs(id - 1)
            .expect("runs")
            .is_empty()
    );
    kill(child);
}

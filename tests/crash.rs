//! Durability: a real `hookwatch serve` child under concurrent load is killed with SIGKILL;
//! after a restart, every delivery that was answered 2xx is in the database.

mod support;

use hookwatch::delivery::Verdict;
use hookwatch::store::Store;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;

const GH: &str = "crash-test-secret";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_deliveries_survive_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("crash.db");
    let secret = format!("github={GH}");
    let (mut child, base) = spawn_serve(&db, &["--secret", &secret]);
    let acked: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    let c = client();
    let url = format!("{base}/webhooks/github");
    let mut workers = Vec::new();
    for w in 0..16 {
        let (c, url, acked) = (c.clone(), url.clone(), Arc::clone(&acked));
        workers.push(tokio::spawn(async move {
            for i in 0.. {
                let guid = format!("w{w}-{i}");
                let body = format!(
                    "{{\"worker\":{w},\"n\":{i},\"pad\":\"{}\"}}",
                    "x".repeat(700)
                )
                .into_bytes();
                let mut h = sign("github", GH, &body, now());
                h.push(("x-github-event".into(), "push".into()));
                h.push(("x-github-delivery".into(), guid.clone()));
                let mut req = c.post(&url).body(body);
                for (n, v) in &h {
                    req = req.header(n.as_str(), v.as_str());
                }
                match req.send().await {
                    Ok(resp) if resp.status().is_success() => {
                        let text = resp.text().await.unwrap_or_default();
                        let json: serde_json::Value = match serde_json::from_str(&text) {
                            Ok(j) => j,
                            Err(_) => continue, // answer cut off by the kill: not acknowledged
                        };
                        if let Some(id) = json["id"].as_i64() {
                            acked.lock().expect("lock").push((id, guid));
                        }
                    }
                    Ok(_) => {}
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    // Let load build up, then kill -9 in the middle of it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    for w in workers {
        let _ = w.await;
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(
        acked.len() > 100,
        "only {} deliveries were acknowledged before the kill",
        acked.len()
    );

    // Restart on the same file: it opens (WAL recovery) and keeps serving.
    let (mut child, base) = spawn_serve(&db, &["--secret", &secret]);
    let store = Store::open(&db).expect("open after kill");
    for (id, guid) in &acked {
        let d = store
            .get(*id)
            .expect("read")
            .unwrap_or_else(|| panic!("acknowledged delivery #{id} ({guid}) was lost"));
        assert_eq!(d.summary.event_id.as_deref(), Some(guid.as_str()));
        assert_eq!(d.summary.verdict, Verdict::Valid);
    }
    let body = b"{}".to_vec();
    let mut h = sign("github", GH, &body, now());
    h.push(("x-github-delivery".into(), "after-restart".into()));
    let a = post(&client(), &format!("{base}/webhooks/github"), &h, body).await;
    assert_eq!(a.status, 200, "{}", a.json);
    child.kill().expect("kill");
    child.wait().expect("reap");
    eprintln!(
        "{} acknowledged deliveries all survived kill -9",
        acked.len()
    );
}

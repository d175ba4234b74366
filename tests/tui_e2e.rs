//! The dashboard end to end in a real terminal (tmux): the real binary receives signed
//! deliveries sent by `hookwatch send`, rows appear, the filter narrows them, the inspector
//! shows the body, `r` re-runs the forward handler (a real HTTP target), and `q` quits and
//! restores the terminal.

mod support;

use hookwatch::store::Store;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::tmux::Tmux;

const WAIT: Duration = Duration::from_secs(20);

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A forward target on 127.0.0.1:0 that counts what it receives.
async fn target() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = Arc::clone(&hits);
    let app = axum::Router::new().fallback(move || {
        let h = Arc::clone(&h);
        async move {
            h.fetch_add(1, Ordering::SeqCst);
            "ok"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), hits)
}

fn runs_of(db: &std::path::Path, id: i64) -> usize {
    Store::open(db).expect("open").runs(id).expect("runs").len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_in_a_real_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("e2e.db");
    let port = free_port();
    let (forward, hits) = target().await;
    let bin = env!("CARGO_BIN_EXE_hookwatch");
    let cmd = format!(
        "env XDG_CONFIG_HOME={cfg} XDG_DATA_HOME={cfg} {bin} --listen 127.0.0.1:{port} --db {db} --secret salesloft=tok-e2e --forward {forward}",
        cfg = dir.path().display(),
        db = db.display(),
    );
    let t = Tmux::start("hookwatch-e2e", &cmd, 160, 40);
    t.wait_for("the dashboard", WAIT, |s| {
        s.contains(&format!("127.0.0.1:{port}"))
    });
    assert!(
        t.alternate_on(),
        "the dashboard should hold the alternate screen"
    );

    // Signed deliveries through the real receiver.
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/salesloft");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(bin)
            .args([
                "send",
                fixtures,
                "--to",
                &format!("http://127.0.0.1:{port}"),
                "--secret",
                "salesloft=tok-e2e",
                "--quiet",
            ])
            .output()
            .expect("send")
    })
    .await
    .expect("join");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let screen = t.wait_for("rows", WAIT, |s| {
        s.contains("person_updated") && s.contains("call_created") && s.contains("account_updated")
    });
    assert!(screen.contains("valid"), "{screen}");

    // The filter narrows the list.
    t.keys(&["/"]);
    t.type_text("type:call_*");
    t.keys(&["Enter"]);
    let screen = t.wait_for("the filtered list", WAIT, |s| {
        s.contains("call_created") && !s.contains("person_updated")
    });
    assert!(screen.contains("type:call_*"), "{screen}");

    // The inspector shows the selected delivery's body.
    t.wait_for("the call body in the inspector", WAIT, |s| {
        s.contains("\"disposition\"")
    });

    // The forward handler ran once for every delivery; `r` re-runs the selection's.
    let store = Store::open(&db).expect("open");
    let call = store
        .recent(50, None)
        .expect("recent")
        .into_iter()
        .find(|s| s.event_type.as_deref() == Some("call_created"))
        .expect("call row");
    let deadline = std::time::Instant::now() + WAIT;
    while runs_of(&db, call.id) < 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the automatic run never happened"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = hits.load(Ordering::SeqCst);
    t.keys(&["r"]);
    while runs_of(&db, call.id) < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "`r` did not produce a second run"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(hits.load(Ordering::SeqCst) > before);
    t.wait_for("the handler result", WAIT, |s| s.contains("200 "));

    // `q` quits and gives the terminal back.
    t.keys(&["q"]);
    let deadline = std::time::Instant::now() + WAIT;
    while t.alive() {
        assert!(std::time::Instant::now() < deadline, "q did not quit");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!t.alternate_on(), "the alternate screen was not left");
}

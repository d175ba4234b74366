//! Runs a command handler: the payload on stdin, metadata in `HOOKWATCH_*` environment
//! variables (configured secrets are not passed on), stdout and stderr captured (bounded).
//! The command runs in its own process group, and the whole group is killed at the timeout
//! (or when the run is abandoned), so `sh -c '…'` leaves no orphan behind.

use super::outcome::{EXCERPT_BYTES, Outcome, RunResult, excerpt};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

/// Run `argv` with `payload` on stdin and `env` added to the environment.
pub async fn run(
    argv: &[String],
    payload: &[u8],
    env: &[(String, String)],
    timeout: Duration,
) -> RunResult {
    let started = Instant::now();
    let Some((program, args)) = argv.split_first() else {
        return error(started, "the handler's command is empty".into());
    };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with(SECRET_ENV_PREFIX) {
            cmd.env_remove(key);
        }
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return error(started, format!("cannot start {program}: {e}")),
    };
    let mut group = Group(child.id());
    let stdin = child.stdin.take();
    let body = payload.to_vec();
    let writer = tokio::spawn(async move {
        if let Some(mut stdin) = stdin {
            // A handler that does not read its stdin is fine: ignore the broken pipe.
            let _ = stdin.write_all(&body).await;
            let _ = stdin.shutdown().await;
        }
    });
    let out = tokio::spawn(read_bounded(child.stdout.take()));
    let err = tokio::spawn(read_bounded(child.stderr.take()));
    let outcome = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) => Outcome::Exit {
            code: status.code(),
        },
        Ok(Err(e)) => Outcome::Error {
            message: format!("waiting for {program}: {e}"),
        },
        Err(_) => {
            group.kill();
            let _ = child.kill().await;
            Outcome::Timeout
        }
    };
    // Finished on its own: what it left running in the background is its business.
    group.0 = None;
    writer.abort();
    // Grandchildren may keep the pipes open: give the readers a moment, not forever.
    let grace = Duration::from_millis(200);
    let (stdout, out_total) = tokio::time::timeout(grace, out)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let (stderr, err_total) = tokio::time::timeout(grace, err)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let mut text = excerpt(&stdout, out_total);
    if err_total > 0 {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str("[stderr] ");
        text.push_str(&excerpt(&stderr, err_total));
    }
    RunResult {
        outcome,
        duration_ms: started.elapsed().as_millis() as u64,
        excerpt: text,
        notes: Vec::new(),
    }
}

/// Environment variables never passed to a handler (`HOOKWATCH_SECRET_<PROVIDER>`).
const SECRET_ENV_PREFIX: &str = "HOOKWATCH_SECRET_";

/// The handler's process group (its id is the child's pid), killed with SIGKILL when the
/// run times out or is dropped unfinished. `kill(1)` does it: no `unsafe` signal call.
struct Group(Option<u32>);

impl Group {
    fn kill(&mut self) {
        if let Some(pgid) = self.0.take() {
            let _ = std::process::Command::new("kill")
                .args(["-9", "--", &format!("-{pgid}")])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Read a pipe to its end (so the child never blocks on it), keeping the first
/// `EXCERPT_BYTES`; returns what was kept and how many bytes there were in all.
async fn read_bounded<R: AsyncRead + Unpin>(pipe: Option<R>) -> (Vec<u8>, usize) {
    let Some(mut pipe) = pipe else {
        return (Vec::new(), 0);
    };
    let mut kept = Vec::new();
    let mut total = 0usize;
    let mut buf = [0u8; 8192];
    loop {
        match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = EXCERPT_BYTES.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
                total += n;
            }
        }
    }
    (kept, total)
}

fn error(started: Instant, message: String) -> RunResult {
    RunResult {
        outcome: Outcome::Error {
            message: message.clone(),
        },
        duration_ms: started.elapsed().as_millis() as u64,
        excerpt: message,
        notes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<String> {
        vec!["sh".into(), "-c".into(), script.into()]
    }

    #[tokio::test]
    async fn payload_on_stdin_and_metadata_in_env() {
        let env = vec![(
            "HOOKWATCH_EVENT_TYPE".to_string(),
            "person_updated".to_string(),
        )];
        let r = run(
            &sh("printf '%s|' \"$HOOKWATCH_EVENT_TYPE\"; cat; echo oops >&2; exit 3"),
            b"{\"a\":1}",
            &env,
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(r.outcome, Outcome::Exit { code: Some(3) });
        assert!(
            r.excerpt.starts_with("person_updated|{\"a\":1}"),
            "{}",
            r.excerpt
        );
        assert!(r.excerpt.contains("[stderr] oops"), "{}", r.excerpt);
    }

    #[tokio::test]
    async fn killed_at_the_timeout_with_its_children() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pid_file = dir.path().join("pid");
        // The shell forks `sleep` (it is not the last command) and waits for it.
        let script = format!(
            "echo started; sleep 30 & echo $! > {}; wait",
            pid_file.display()
        );
        let r = run(&sh(&script), b"", &[], Duration::from_millis(300)).await;
        assert_eq!(r.outcome, Outcome::Timeout);
        assert!(r.duration_ms < 5_000, "{}", r.duration_ms);
        assert!(r.excerpt.starts_with("started"), "{}", r.excerpt);
        let pid = std::fs::read_to_string(&pid_file).expect("pid");
        let alive = || {
            std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
                .map(|s| !s.contains(") Z "))
                .unwrap_or(false)
        };
        for _ in 0..50 {
            if !alive() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the handler's child {} outlived the timeout", pid.trim());
    }

    #[tokio::test]
    async fn a_missing_program_is_an_error_not_a_panic() {
        let r = run(
            &["/no/such/program".to_string()],
            b"",
            &[],
            Duration::from_secs(1),
        )
        .await;
        assert!(matches!(r.outcome, Outcome::Error { .. }));
        assert!(r.excerpt.contains("/no/such/program"));
    }

    #[tokio::test]
    async fn output_is_bounded_and_unread_stdin_is_fine() {
        let r = run(
            &sh("head -c 100000 /dev/zero | tr '\\0' x"),
            &vec![b'y'; 1 << 20],
            &[],
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(r.outcome, Outcome::Exit { code: Some(0) });
        assert!(r.excerpt.len() < EXCERPT_BYTES + 100, "{}", r.excerpt.len());
    }
}

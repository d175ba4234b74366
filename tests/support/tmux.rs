//! A real terminal for end-to-end tests: a detached tmux session running a command, keys
//! sent with `send-keys`, the screen read with `capture-pane`.
#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub session: String,
}

impl Tmux {
    /// Start `command` (a shell command line) in a new detached session of `width`x`height`.
    pub fn start(name: &str, command: &str, width: u16, height: u16) -> Tmux {
        assert!(
            Command::new("tmux").arg("-V").output().is_ok(),
            "tmux is required for the dashboard's end-to-end test (.ci/run installs it)"
        );
        let session = format!("{name}-{}", std::process::id());
        let status = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &session,
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .arg(command)
            .env("TERM", "xterm-256color")
            .status()
            .expect("tmux new-session");
        assert!(status.success(), "tmux new-session failed");
        // Keep the pane after the program exits, so its last screen can be read.
        let _ = Command::new("tmux")
            .args(["set-option", "-t", &session, "remain-on-exit", "on"])
            .status();
        Tmux { session }
    }

    /// The visible screen as text.
    pub fn capture(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.session])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Send keys (tmux key names, e.g. "q", "Enter", "C-c", or literal text with `literal`).
    pub fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["send-keys", "-t", &self.session])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(status.success());
    }

    /// Type literal text.
    pub fn type_text(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["send-keys", "-l", "-t", &self.session, text])
            .status()
            .expect("tmux send-keys -l");
        assert!(status.success());
    }

    /// Wait until the screen satisfies `pred`; panics with the last screen after `timeout`.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {what}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Is the pane's program still running?
    pub fn alive(&self) -> bool {
        let out = Command::new("tmux")
            .args(["display-message", "-p", "-t", &self.session, "#{pane_dead}"])
            .output()
            .expect("tmux display-message");
        String::from_utf8_lossy(&out.stdout).trim() == "0"
    }

    /// Is the alternate screen active (a full-screen program holds the terminal)?
    pub fn alternate_on(&self) -> bool {
        let out = Command::new("tmux")
            .args([
                "display-message",
                "-p",
                "-t",
                &self.session,
                "#{alternate_on}",
            ])
            .output()
            .expect("tmux display-message");
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.session])
            .status();
    }
}

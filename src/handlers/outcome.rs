//! What one handler run produced: an HTTP status, an exit code, a timeout, a refused
//! connection or another error, with a bounded excerpt of the response. Its short form is
//! what the dashboard's handler column shows (`200 12ms`, `exit 1`, `timeout`, `refused`).

use serde::{Deserialize, Serialize};

/// Longest response/stdout/stderr excerpt kept per run.
pub const EXCERPT_BYTES: usize = 8 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Outcome {
    /// A forward got an HTTP answer.
    Http { status: u16 },
    /// A command exited (code; None when killed by a signal).
    Exit { code: Option<i32> },
    /// Killed or abandoned at the handler's timeout.
    Timeout,
    /// Nothing listens at the forward target.
    Refused,
    /// Anything else (DNS, TLS, spawn failure, …).
    Error { message: String },
}

impl Outcome {
    /// A run that needs no retry.
    pub fn is_success(&self) -> bool {
        match self {
            Outcome::Http { status } => (200..300).contains(status),
            Outcome::Exit { code } => *code == Some(0),
            _ => false,
        }
    }

    /// The short form for the handler column (duration appended for HTTP answers).
    pub fn short(&self, duration_ms: u64) -> String {
        match self {
            Outcome::Http { status } => format!("{status} {duration_ms}ms"),
            Outcome::Exit { code: Some(c) } => format!("exit {c}"),
            Outcome::Exit { code: None } => "killed".to_string(),
            Outcome::Timeout => "timeout".to_string(),
            Outcome::Refused => "refused".to_string(),
            Outcome::Error { .. } => "error".to_string(),
        }
    }

    /// A stable word for storage and for the `handler:` filter.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Http { .. } => "http",
            Outcome::Exit { .. } => "exit",
            Outcome::Timeout => "timeout",
            Outcome::Refused => "refused",
            Outcome::Error { .. } => "error",
        }
    }
}

/// The result of one run, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunResult {
    pub outcome: Outcome,
    pub duration_ms: u64,
    /// Response body, or stdout then stderr for commands; bounded and lossily UTF-8.
    pub excerpt: String,
    /// Notes such as "re-signed with a fresh timestamp (original was 3600 s old)".
    pub notes: Vec<String>,
}

/// Keep at most `EXCERPT_BYTES` of `bytes` (of `total` produced) as text, marking a cut.
pub fn excerpt(bytes: &[u8], total: usize) -> String {
    let kept = &bytes[..bytes.len().min(EXCERPT_BYTES)];
    let mut s = String::from_utf8_lossy(kept).into_owned();
    if total > kept.len() {
        s.push_str(&format!("… ({} more bytes)", total - kept.len()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_match_the_handler_column() {
        assert_eq!(Outcome::Http { status: 200 }.short(12), "200 12ms");
        assert_eq!(Outcome::Exit { code: Some(1) }.short(5), "exit 1");
        assert_eq!(Outcome::Timeout.short(30_000), "timeout");
        assert_eq!(Outcome::Refused.short(1), "refused");
        assert!(Outcome::Http { status: 204 }.is_success());
        assert!(!Outcome::Http { status: 500 }.is_success());
        assert!(Outcome::Exit { code: Some(0) }.is_success());
        assert!(!Outcome::Exit { code: None }.is_success());
    }

    #[test]
    fn excerpts_are_bounded() {
        let big = vec![b'a'; EXCERPT_BYTES + 10];
        let e = excerpt(&big, big.len());
        assert!(e.ends_with("(10 more bytes)"));
        assert_eq!(excerpt(b"ok", 2), "ok");
        assert!(excerpt(b"ok", 5).ends_with("(3 more bytes)"));
    }

    #[test]
    fn outcomes_serialise_with_a_kind_tag() {
        let j = serde_json::to_string(&Outcome::Http { status: 503 }).expect("json");
        assert_eq!(j, r#"{"kind":"http","status":503}"#);
        let back: Outcome = serde_json::from_str(&j).expect("parse");
        assert_eq!(back, Outcome::Http { status: 503 });
    }
}

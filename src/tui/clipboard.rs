//! Copying for bug reports: one `arboard::Clipboard` for the whole run (on Linux the owner
//! process holds the content) plus OSC 52 written to the terminal. Under SSH only OSC 52 is
//! used (the local clipboard is the one that matters); OSC 52 payloads are capped.

use base64::Engine;
use std::io::Write;

/// Largest text sent through OSC 52 (terminals commonly drop longer sequences).
pub const OSC52_MAX_BYTES: usize = 75_000;

/// How a copy reached the user, for the toast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Copied {
    /// Native clipboard and OSC 52.
    Both,
    Native,
    Osc52,
    /// Native clipboard only: the text was too large for OSC 52.
    NativeOnlyTooLarge,
}

impl Copied {
    pub fn describe(&self) -> &'static str {
        match self {
            Copied::Both => "system clipboard + OSC 52",
            Copied::Native => "system clipboard",
            Copied::Osc52 => "OSC 52 (terminal clipboard)",
            Copied::NativeOnlyTooLarge => "system clipboard (too large for OSC 52)",
        }
    }
}

/// The clipboard for the whole run.
pub struct Clipboard {
    native: Option<arboard::Clipboard>,
    over_ssh: bool,
}

impl Clipboard {
    /// Open the native clipboard unless running under SSH.
    pub fn new() -> Clipboard {
        let over_ssh =
            std::env::var_os("SSH_CONNECTION").is_some() || std::env::var_os("SSH_TTY").is_some();
        let native = if over_ssh {
            None
        } else {
            arboard::Clipboard::new().ok()
        };
        Clipboard { native, over_ssh }
    }

    /// Copy `text`; OSC 52 goes to `tty` (the terminal's writer).
    pub fn copy(&mut self, text: &str, tty: &mut impl Write) -> Result<Copied, String> {
        let native_ok = match &mut self.native {
            Some(cb) if !self.over_ssh => cb.set_text(text.to_string()).is_ok(),
            _ => false,
        };
        let osc_ok = if text.len() <= OSC52_MAX_BYTES {
            write_osc52(tty, text).is_ok()
        } else {
            false
        };
        match (native_ok, osc_ok) {
            (true, true) => Ok(Copied::Both),
            (true, false) if text.len() > OSC52_MAX_BYTES => Ok(Copied::NativeOnlyTooLarge),
            (true, false) => Ok(Copied::Native),
            (false, true) => Ok(Copied::Osc52),
            (false, false) if text.len() > OSC52_MAX_BYTES => Err(format!(
                "{} bytes is too large for OSC 52 (max {OSC52_MAX_BYTES}) and no system clipboard is available; export it instead (x)",
                text.len()
            )),
            (false, false) => Err("no clipboard available".into()),
        }
    }
}

impl Default for Clipboard {
    fn default() -> Self {
        Clipboard::new()
    }
}

/// Write the OSC 52 "set clipboard" sequence for `text` into `w`.
pub fn write_osc52(w: &mut impl Write, text: &str) -> std::io::Result<()> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    write!(w, "\x1b]52;c;{b64}\x07")?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_sequence_is_base64_and_terminated() {
        let mut out = Vec::new();
        write_osc52(&mut out, "hi \x1b there").expect("write");
        assert_eq!(out, b"\x1b]52;c;aGkgGyB0aGVyZQ==\x07");
    }

    #[test]
    fn too_large_for_osc52_without_native_is_an_explained_error() {
        let mut cb = Clipboard {
            native: None,
            over_ssh: true,
        };
        let mut out = Vec::new();
        let big = "x".repeat(OSC52_MAX_BYTES + 1);
        let err = cb.copy(&big, &mut out).expect_err("too large");
        assert!(err.contains("too large"));
        assert!(out.is_empty());
        assert_eq!(cb.copy("small", &mut out), Ok(Copied::Osc52));
        assert!(!out.is_empty());
    }
}

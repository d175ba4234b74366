//! Fixtures: realistic, unsigned webhook deliveries stored as JSON files (`fixtures/` in the
//! repo, compiled in by [`builtin`]). `hookwatch send`, `--demo`, tests and benchmarks load
//! them; `export --format fixture` writes them. A fixture carries no signature headers: the
//! sender signs at send time with the configured secret (fresh timestamps where the scheme
//! has them).
//!
//! The file format is documented on [`Fixture`] and in `fixtures/README.md`.

mod builtin;
mod export;
mod files;
mod format;

pub use builtin::builtin;

use std::path::{Path, PathBuf};

/// One delivery to send: everything but the signature.
///
/// # File format
///
/// One JSON object per file, one delivery per object:
///
/// ```json
/// { "provider": "salesloft",
///   "description": "Person updated in Salesloft",
///   "method": "POST",
///   "path": "/webhooks/salesloft",
///   "headers": { "content-type": "application/json", "x-salesloft-event": "person_updated" },
///   "body": { "id": 436664215, "first_name": "Dana" } }
/// ```
///
/// * `provider` (required): a provider id (`salesloft`, `salesloft-ts`, `salesos`, `github`,
///   `stripe`, `standard-webhooks`, `svix`, `slack`, `shopify`, or a user profile's id);
///   ASCII letters, digits, `-` and `_`.
/// * `description` (optional): one line for humans.
/// * `method` (optional, default `POST`): an HTTP method, stored upper-case.
/// * `path` (optional, default `/webhooks/{provider}`): path and query, starting with `/`.
/// * `headers` (optional): an object of header name to string value, sent in the order written.
///   Hop-by-hop and framing headers (`host`, `content-length`, `transfer-encoding`, …) are
///   rejected: the sender sets them.
/// * exactly one body field:
///   * `body`: any JSON value, sent as its compact serialisation with keys in the order written;
///   * `body_text`: a string, sent as its UTF-8 bytes unchanged;
///   * `body_base64`: standard base64 (with padding), for bodies that are not UTF-8.
///
/// Any other key is an error, so a misspelt field never goes unnoticed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fixture {
    pub provider: String,
    pub description: Option<String>,
    /// HTTP method, upper-case.
    pub method: String,
    /// Path and query the delivery is posted to.
    pub path: String,
    /// Headers in send order (no signature, timestamp or hop-by-hop headers).
    pub headers: Vec<(String, String)>,
    /// The exact body bytes to send (and sign).
    pub body: Vec<u8>,
    /// The file it was loaded from (for built-ins: `fixtures/<provider>/<name>.json`;
    /// for an export: `delivery #<id>`).
    pub source: PathBuf,
}

/// Why a fixture could not be loaded; every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not valid JSON: {source}", path.display())]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("{}: no *.json fixture files in this folder", path.display())]
    Empty { path: PathBuf },
}

impl Fixture {
    /// Load one fixture file.
    pub fn load(path: &Path) -> Result<Fixture, FixtureError> {
        files::load(path)
    }

    /// Load files and folders in the order given; a folder contributes every `*.json` file
    /// below it (recursively, sorted by path, hidden entries skipped).
    pub fn load_all(paths: &[PathBuf]) -> Result<Vec<Fixture>, FixtureError> {
        files::load_all(paths)
    }

    /// Parse fixture text; `source` names it in errors.
    pub fn parse(text: &str, source: &Path) -> Result<Fixture, FixtureError> {
        format::parse(text, source)
    }

    /// A fixture that re-sends a stored delivery. `strip` names the profile's signature and
    /// timestamp headers (case-insensitive); hop-by-hop headers are always dropped. The body
    /// is kept byte for byte (see [`Fixture::to_json_pretty`]).
    pub fn from_delivery(d: &crate::delivery::Delivery, strip: &[&str]) -> Fixture {
        export::from_delivery(d, strip)
    }

    /// The fixture as a pretty-printed file (no trailing newline). The body is written as
    /// `body` when its compact serialisation reproduces the bytes exactly, else as
    /// `body_text` when it is UTF-8, else as `body_base64`, so loading the output gives back
    /// the same body bytes.
    pub fn to_json_pretty(&self) -> String {
        format::to_json_pretty(self)
    }

    /// First header value with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Headers a fixture never carries: connection management and framing, set by the sender.
pub const HOP_BY_HOP: [&str; 12] = [
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "expect",
];

/// Whether `name` is one of [`HOP_BY_HOP`] (case-insensitive).
pub fn is_hop_by_hop(name: &str) -> bool {
    HOP_BY_HOP.iter().any(|h| h.eq_ignore_ascii_case(name))
}

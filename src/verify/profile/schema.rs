//! The TOML document of a provider profile (SIGNATURES.md §8.1) as serde types: enums for
//! algorithm, format, encoding, key decoding and time format; `deny_unknown_fields` everywhere so
//! a typo in a user profile is an error, not a silently ignored knob.

use serde::Deserialize;

/// Where a profile's facts come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Published by the vendor.
    Official,
    /// Read from the vendor's published code, not its docs.
    ImplementationObserved,
    /// Not supported by any official source (available anyway).
    Unofficial,
    /// Written by the user.
    #[default]
    Custom,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Official => "official",
            Status::ImplementationObserved => "implementation-observed",
            Status::Unofficial => "unofficial",
            Status::Custom => "custom",
        }
    }
}

/// The MAC algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    HmacSha1,
    HmacSha256,
    HmacSha512,
}

/// How the signature header is laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// One signature, after an optional literal prefix (`sha256=`).
    #[default]
    Raw,
    /// Delimited `<version><delim><sig>` entries (Standard Webhooks).
    List,
    /// Delimited `<key>=<value>` pairs; signature keys listed in `versions` (Stripe).
    Kv,
}

/// How the signature bytes are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    #[default]
    Hex,
    Base64,
}

/// How a configured secret string becomes key bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decode {
    #[default]
    Utf8,
    Base64,
    Hex,
}

/// How a timestamp value is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeFormat {
    #[default]
    UnixS,
    UnixMs,
    Rfc3339,
}

/// `[secret]`: key derivation.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    #[serde(default)]
    pub decode: Decode,
    #[serde(default)]
    pub strip_prefix: String,
}

/// `[signature]`: where the signature is and how it is written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureSpec {
    pub algorithm: Algorithm,
    pub header: String,
    #[serde(default)]
    pub format: Format,
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub encoding: Encoding,
    #[serde(default = "space")]
    pub list_delimiter: String,
    #[serde(default = "comma")]
    pub version_delimiter: String,
    #[serde(default = "comma")]
    pub kv_delimiter: String,
    #[serde(default = "equals")]
    pub kv_assign: String,
    #[serde(default)]
    pub versions: Vec<String>,
    #[serde(default = "sixteen")]
    pub max_candidates: usize,
}

fn space() -> String {
    " ".into()
}
fn comma() -> String {
    ",".into()
}
fn equals() -> String {
    "=".into()
}
fn sixteen() -> usize {
    16
}
fn body_template() -> String {
    "{body}".into()
}
fn none() -> String {
    "none".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SignedSpec {
    #[serde(default = "body_template")]
    pub(super) template: String,
    #[serde(default = "none")]
    pub(super) id: String,
}

impl Default for SignedSpec {
    fn default() -> Self {
        SignedSpec {
            template: body_template(),
            id: none(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TimestampSpec {
    #[serde(default = "none")]
    pub(super) source: String,
    #[serde(default)]
    pub(super) format: TimeFormat,
    pub(super) signed: Option<bool>,
    #[serde(default)]
    pub(super) max_age_s: u64,
    #[serde(default)]
    pub(super) max_future_s: u64,
}

impl Default for TimestampSpec {
    fn default() -> Self {
        TimestampSpec {
            source: none(),
            format: TimeFormat::UnixS,
            signed: None,
            max_age_s: 0,
            max_future_s: 0,
        }
    }
}

/// A selector or a list of selectors.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum Selectors {
    One(String),
    Many(Vec<String>),
}

impl Selectors {
    pub(super) fn list(&self) -> Vec<&str> {
        match self {
            Selectors::One(s) if s == "none" => Vec::new(),
            Selectors::One(s) => vec![s.as_str()],
            Selectors::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

pub(super) fn no_selectors() -> Selectors {
    Selectors::Many(Vec::new())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DedupeSpec {
    #[serde(default = "no_selectors")]
    pub(super) key: Selectors,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EventSpec {
    /// First non-empty of these.
    #[serde(rename = "type", default = "no_selectors")]
    pub(super) event_type: Selectors,
    #[serde(default = "none")]
    pub(super) id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProfileFile {
    pub(super) id: String,
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) status: Status,
    #[serde(default)]
    pub(super) sources: Vec<String>,
    #[serde(default)]
    pub(super) notes: String,
    #[serde(default)]
    pub(super) secret: SecretSpec,
    pub(super) signature: SignatureSpec,
    #[serde(default)]
    pub(super) signed: SignedSpec,
    #[serde(default)]
    pub(super) timestamp: TimestampSpec,
    pub(super) dedupe: Option<DedupeSpec>,
    pub(super) event: Option<EventSpec>,
}

//! Declarative provider profiles: the TOML schema (SIGNATURES.md §8.1, serde with
//! `deny_unknown_fields`) and its compiled form used on the hot path (lowercase header names,
//! parsed selectors, JSON pointers and signed-content templates, all checked at load).

mod schema;

use super::json::Pointer;
use http::HeaderName;
use schema::ProfileFile;

pub use super::registry::Registry;
pub use schema::{
    Algorithm, Decode, Encoding, Format, SecretSpec, SignatureSpec, Status, TimeFormat,
};

/// Where a value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    None,
    Header(HeaderName),
    /// A parameter of a `kv` signature header (Stripe's `t`).
    SigParam(String),
    /// Index into [`Profile::json_pointers`]; read only after verification.
    Json(usize),
    /// Hex SHA-256 of the raw body.
    BodySha256,
}

/// One piece of the signed content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    Literal(String),
    Body,
    Timestamp,
    Id,
}

/// `[timestamp]`, compiled.
#[derive(Clone, Debug)]
pub struct TimestampRule {
    pub source: Selector,
    pub format: TimeFormat,
    /// Covered by the MAC: only then is the tolerance enforced (an unsigned one is advisory).
    pub signed: bool,
    /// Oldest accepted age in seconds; 0 = not checked.
    pub max_age_s: u64,
    /// Furthest accepted distance into the future in seconds; 0 = not checked.
    pub max_future_s: u64,
}

/// A loaded, validated provider profile.
#[derive(Clone, Debug)]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub status: Status,
    pub sources: Vec<String>,
    pub notes: String,
    pub secret: SecretSpec,
    pub signature: SignatureSpec,
    pub(crate) signature_header: HeaderName,
    pub(crate) template: Vec<Part>,
    pub(crate) id_source: Selector,
    pub(crate) timestamp: TimestampRule,
    pub(crate) dedupe: Vec<Selector>,
    pub(crate) event_type: Vec<Selector>,
    pub(crate) event_id: Selector,
    pub(crate) json_pointers: Vec<Pointer>,
}

/// Why a profile document was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    #[error("{0}")]
    Invalid(String),
}

fn invalid(msg: impl Into<String>) -> ProfileError {
    ProfileError::Invalid(msg.into())
}

impl Profile {
    /// Parses and validates one TOML profile document.
    pub fn from_toml(text: &str) -> Result<Profile, ProfileError> {
        let file: ProfileFile = toml::from_str(text)?;
        compile(file)
    }

    /// The signature header, lowercase.
    pub fn signature_header(&self) -> &str {
        self.signature_header.as_str()
    }

    pub fn signature_header_name(&self) -> &HeaderName {
        &self.signature_header
    }

    /// The timestamp header (lowercase), when the timestamp travels in its own header.
    pub fn timestamp_header(&self) -> Option<&str> {
        match &self.timestamp.source {
            Selector::Header(h) => Some(h.as_str()),
            _ => None,
        }
    }

    /// The message-id header (lowercase), when the signed content includes `{id}`.
    pub fn id_header(&self) -> Option<&str> {
        match &self.id_source {
            Selector::Header(h) => Some(h.as_str()),
            _ => None,
        }
    }

    /// Every header (lowercase) that `sign` writes: strip these before re-signing or exporting
    /// an unsigned fixture.
    pub fn signing_headers(&self) -> Vec<String> {
        let mut names = Vec::new();
        for (part, source) in [
            (Part::Id, &self.id_source),
            (Part::Timestamp, &self.timestamp.source),
        ] {
            if let (true, Selector::Header(h)) = (self.template.contains(&part), source) {
                names.push(h.as_str().to_owned());
            }
        }
        names.push(self.signature_header().to_owned());
        names
    }

    /// Whether the signed content includes a timestamp (so a replay must be re-signed).
    pub fn has_timestamp(&self) -> bool {
        self.template.contains(&Part::Timestamp)
    }

    /// The accepted clock skew: (max age, max future) in seconds; 0 = not checked.
    pub fn tolerance(&self) -> (u64, u64) {
        (self.timestamp.max_age_s, self.timestamp.max_future_s)
    }
}

fn compile(f: ProfileFile) -> Result<Profile, ProfileError> {
    let id_ok = !f.id.is_empty()
        && f.id.len() <= 64
        && f.id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !id_ok {
        return Err(invalid(format!(
            "id {:?} must be 1-64 characters of a-z, 0-9, '-' or '_'",
            f.id
        )));
    }
    let sig = f.signature;
    let signature_header = HeaderName::from_bytes(sig.header.as_bytes()).map_err(|_| {
        invalid(format!(
            "signature.header {:?} is not a header name",
            sig.header
        ))
    })?;
    if sig.format != Format::Raw && sig.versions.is_empty() {
        return Err(invalid(
            "signature.versions must list the accepted versions for list/kv formats",
        ));
    }
    if sig.format == Format::List
        && (sig.list_delimiter.is_empty() || sig.version_delimiter.is_empty())
    {
        return Err(invalid(
            "signature.list_delimiter and version_delimiter must not be empty",
        ));
    }
    if sig.format == Format::Kv && (sig.kv_delimiter.is_empty() || sig.kv_assign.is_empty()) {
        return Err(invalid(
            "signature.kv_delimiter and kv_assign must not be empty",
        ));
    }
    if !(1..=64).contains(&sig.max_candidates) {
        return Err(invalid("signature.max_candidates must be between 1 and 64"));
    }

    let mut pointers = Vec::new();
    let mut selector =
        |text: &str, what: &str| parse_selector(text, what, sig.format, &mut pointers);

    let template = parse_template(&f.signed.template)?;
    let id_source = selector(&f.signed.id, "signed.id")?;
    let ts_source = selector(&f.timestamp.source, "timestamp.source")?;
    let in_header = |s: &Selector| matches!(s, Selector::Header(_) | Selector::SigParam(_));
    if template.contains(&Part::Id) && !in_header(&id_source) {
        return Err(invalid(
            "the template uses {id}: signed.id must be a header: or sigparam: selector",
        ));
    }
    if template.contains(&Part::Timestamp) && !in_header(&ts_source) {
        return Err(invalid(
            "the template uses {timestamp}: timestamp.source must be a header: or sigparam: selector",
        ));
    }
    let signed = f
        .timestamp
        .signed
        .unwrap_or(template.contains(&Part::Timestamp) || matches!(ts_source, Selector::Json(_)));
    if signed && in_header(&ts_source) && !template.contains(&Part::Timestamp) {
        return Err(invalid(
            "timestamp.signed = true but the template does not include {timestamp}",
        ));
    }
    if ts_source == Selector::None && (f.timestamp.max_age_s > 0 || f.timestamp.max_future_s > 0) {
        return Err(invalid("a timestamp tolerance needs a timestamp.source"));
    }
    let timestamp = TimestampRule {
        source: ts_source,
        format: f.timestamp.format,
        signed,
        max_age_s: f.timestamp.max_age_s,
        max_future_s: f.timestamp.max_future_s,
    };
    let dedupe = match &f.dedupe {
        Some(d) => d
            .key
            .list()
            .into_iter()
            .map(|s| selector(s, "dedupe.key"))
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    let (event_type, event_id) = match &f.event {
        Some(e) => (
            e.event_type
                .list()
                .into_iter()
                .map(|s| selector(s, "event.type"))
                .collect::<Result<_, _>>()?,
            selector(&e.id, "event.id")?,
        ),
        None => (Vec::new(), Selector::None),
    };
    Ok(Profile {
        name: f.name.unwrap_or_else(|| f.id.clone()),
        id: f.id,
        status: f.status,
        sources: f.sources,
        notes: f.notes,
        secret: f.secret,
        signature: sig,
        signature_header,
        template,
        id_source,
        timestamp,
        dedupe,
        event_type,
        event_id,
        json_pointers: pointers,
    })
}

fn parse_selector(
    text: &str,
    what: &str,
    format: Format,
    pointers: &mut Vec<Pointer>,
) -> Result<Selector, ProfileError> {
    if text == "none" {
        return Ok(Selector::None);
    }
    if text == "body-sha256" {
        return Ok(Selector::BodySha256);
    }
    if let Some(name) = text.strip_prefix("header:") {
        let h = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid(format!("{what}: {name:?} is not a header name")))?;
        return Ok(Selector::Header(h));
    }
    if let Some(key) = text.strip_prefix("sigparam:") {
        if format != Format::Kv || key.is_empty() {
            return Err(invalid(format!(
                "{what}: sigparam: needs a kv signature format and a key"
            )));
        }
        return Ok(Selector::SigParam(key.to_owned()));
    }
    if let Some(ptr) = text.strip_prefix("json:") {
        let p = Pointer::parse(ptr).ok_or_else(|| {
            invalid(format!(
                "{what}: {ptr:?} is not a JSON pointer (starts with '/')"
            ))
        })?;
        let index = match pointers.iter().position(|q| *q == p) {
            Some(i) => i,
            None => {
                pointers.push(p);
                pointers.len() - 1
            }
        };
        return Ok(Selector::Json(index));
    }
    Err(invalid(format!(
        "{what}: unknown selector {text:?} (use header:, sigparam:, json:, body-sha256 or none)"
    )))
}

fn parse_template(text: &str) -> Result<Vec<Part>, ProfileError> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Literal(rest[..open].to_owned()));
        }
        let after = &rest[open..];
        let close = after
            .find('}')
            .ok_or_else(|| invalid(format!("signed.template {text:?}: unclosed '{{'")))?;
        parts.push(match &after[..=close] {
            "{body}" => Part::Body,
            "{timestamp}" => Part::Timestamp,
            "{id}" => Part::Id,
            other => {
                return Err(invalid(format!(
                    "signed.template: unknown placeholder {other} (use {{body}}, {{timestamp}}, {{id}})"
                )));
            }
        });
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest.to_owned()));
    }
    if !parts.contains(&Part::Body) {
        return Err(invalid("signed.template must include {body}"));
    }
    Ok(parts)
}

//! The mechanics shared by verifying and signing: turning a secret into key bytes, computing the
//! MAC over a profile's signed-content template (streamed, never concatenated), and parsing a
//! signature header (raw / list / kv) into decoded candidate signatures.

use super::profile::{Algorithm, Decode, Encoding, Format, Part, SecretSpec, SignatureSpec};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_PAD_INDIFFERENT};
use hmac::{Hmac, KeyInit, Mac};
use std::borrow::Cow;

/// Longest signature header (all values together) that is parsed at all.
pub const MAX_HEADER_LEN: usize = 8192;

/// A computed MAC (up to SHA-512's 64 bytes) on the stack.
pub struct Tag {
    bytes: [u8; 64],
    len: usize,
}

impl Tag {
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl Algorithm {
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HmacSha1 => "HMAC-SHA1",
            Algorithm::HmacSha256 => "HMAC-SHA256",
            Algorithm::HmacSha512 => "HMAC-SHA512",
        }
    }

    pub fn output_len(self) -> usize {
        match self {
            Algorithm::HmacSha1 => 20,
            Algorithm::HmacSha256 => 32,
            Algorithm::HmacSha512 => 64,
        }
    }
}

impl Decode {
    pub fn name(self) -> &'static str {
        match self {
            Decode::Utf8 => "utf8",
            Decode::Base64 => "base64",
            Decode::Hex => "hex",
        }
    }
}

/// The values a template's placeholders stand for.
pub struct Signed<'a> {
    pub body: &'a [u8],
    pub timestamp: &'a str,
    pub id: &'a str,
}

/// Key bytes from a configured secret: an optional prefix is stripped, then it is decoded.
/// Base64 tolerates missing padding. `None` when it does not decode.
pub fn key_bytes<'s>(spec: &SecretSpec, secret: &'s str) -> Option<Cow<'s, [u8]>> {
    let text = if spec.strip_prefix.is_empty() {
        secret
    } else {
        secret
            .strip_prefix(spec.strip_prefix.as_str())
            .unwrap_or(secret)
    };
    match spec.decode {
        Decode::Utf8 => Some(Cow::Borrowed(text.as_bytes())),
        Decode::Base64 => STANDARD_PAD_INDIFFERENT.decode(text).ok().map(Cow::Owned),
        Decode::Hex => hex::decode(text).ok().map(Cow::Owned),
    }
}

/// The MAC of the template's content under `key`.
pub fn compute(
    algorithm: Algorithm,
    key: &[u8],
    template: &[Part],
    signed: &Signed<'_>,
) -> Option<Tag> {
    match algorithm {
        Algorithm::HmacSha1 => run::<Hmac<sha1::Sha1>>(key, template, signed),
        Algorithm::HmacSha256 => run::<Hmac<sha2::Sha256>>(key, template, signed),
        Algorithm::HmacSha512 => run::<Hmac<sha2::Sha512>>(key, template, signed),
    }
}

fn run<M: Mac + KeyInit>(key: &[u8], template: &[Part], signed: &Signed<'_>) -> Option<Tag> {
    let mut mac = <M as KeyInit>::new_from_slice(key).ok()?;
    for part in template {
        match part {
            Part::Literal(s) => mac.update(s.as_bytes()),
            Part::Body => mac.update(signed.body),
            Part::Timestamp => mac.update(signed.timestamp.as_bytes()),
            Part::Id => mac.update(signed.id.as_bytes()),
        }
    }
    let out = mac.finalize().into_bytes();
    let mut tag = Tag {
        bytes: [0; 64],
        len: out.len(),
    };
    tag.bytes.get_mut(..out.len())?.copy_from_slice(&out);
    Some(tag)
}

pub fn encode(encoding: Encoding, bytes: &[u8]) -> String {
    match encoding {
        Encoding::Hex => hex::encode(bytes),
        Encoding::Base64 => STANDARD.encode(bytes),
    }
}

/// Decoded signature bytes; an empty signature does not decode.
fn decode(encoding: Encoding, text: &str) -> Option<Vec<u8>> {
    if text.is_empty() {
        return None;
    }
    match encoding {
        Encoding::Hex => hex::decode(text).ok(),
        Encoding::Base64 => STANDARD_PAD_INDIFFERENT.decode(text).ok(),
    }
}

/// A signature header broken into decoded candidates and (kv format) its other parameters.
#[derive(Debug, Default)]
pub struct Parsed<'h> {
    pub candidates: Vec<Vec<u8>>,
    pub params: Vec<(&'h str, &'h str)>,
}

impl<'h> Parsed<'h> {
    pub fn param(&self, key: &str) -> Option<&'h str> {
        self.params.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// Parses every value of the signature header. `Err` carries the malformed-verdict explanation.
pub fn parse<'h>(spec: &SignatureSpec, values: &[&'h str]) -> Result<Parsed<'h>, String> {
    let header = spec.header.as_str();
    let total: usize = values.iter().map(|v| v.len()).sum();
    if total > MAX_HEADER_LEN {
        return Err(format!(
            "{header} is {total} bytes long, over the {MAX_HEADER_LEN}-byte limit; not parsed"
        ));
    }
    let mut parsed = Parsed::default();
    let mut other_versions: Vec<&str> = Vec::new();
    let mut undecodable = 0usize;
    let mut entries = 0usize;
    for value in values {
        match spec.format {
            Format::Raw => {
                let v = value.trim();
                let Some(sig) = v.strip_prefix(spec.prefix.as_str()) else {
                    return Err(format!("{header} does not start with {:?}", spec.prefix));
                };
                let bytes = decode(spec.encoding, sig).ok_or_else(|| {
                    format!(
                        "{header} is not valid {} after the prefix",
                        encoding_name(spec.encoding)
                    )
                })?;
                parsed.candidates.push(bytes);
            }
            Format::List | Format::Kv => {
                let (delim, assign) = match spec.format {
                    Format::List => (&spec.list_delimiter, &spec.version_delimiter),
                    _ => (&spec.kv_delimiter, &spec.kv_assign),
                };
                for entry in value
                    .split(delim.as_str())
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                {
                    entries += 1;
                    if entries > spec.max_candidates * 4 {
                        return Err(format!(
                            "{header} has more than {} entries",
                            spec.max_candidates * 4
                        ));
                    }
                    let Some((key, val)) = entry.split_once(assign.as_str()) else {
                        undecodable += 1;
                        continue;
                    };
                    if spec.versions.iter().any(|v| v == key) {
                        match decode(spec.encoding, val) {
                            Some(bytes) => parsed.candidates.push(bytes),
                            None => undecodable += 1,
                        }
                    } else if spec.format == Format::Kv {
                        parsed.params.push((key, val));
                    } else if other_versions.len() < 4 {
                        other_versions.push(key);
                    }
                }
            }
        }
    }
    if parsed.candidates.len() > spec.max_candidates {
        return Err(format!(
            "{header} carries {} signatures, more than the {} accepted",
            parsed.candidates.len(),
            spec.max_candidates
        ));
    }
    if parsed.candidates.is_empty() {
        let accepted = spec.versions.join("/");
        let mut msg = format!("{header} has no decodable {accepted} signature");
        if undecodable > 0 {
            msg.push_str(&format!(
                " ({undecodable} entries could not be parsed or decoded)"
            ));
        }
        let others: Vec<&str> = match spec.format {
            Format::Kv => parsed.params.iter().map(|(k, _)| *k).take(4).collect(),
            _ => other_versions,
        };
        if !others.is_empty() {
            let shown: Vec<String> = others.iter().map(|s| short(s)).collect();
            msg.push_str(&format!("; found only: {}", shown.join(", ")));
        }
        return Err(msg);
    }
    Ok(parsed)
}

fn encoding_name(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Hex => "hex",
        Encoding::Base64 => "base64",
    }
}

/// A short, escaped excerpt of untrusted text for an explanation.
pub fn short(text: &str) -> String {
    let mut out: String = text.chars().take(24).flat_map(char::escape_debug).collect();
    if text.chars().count() > 24 {
        out.push('…');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn hex_mac(alg: Algorithm, key: &[u8], msg: &[u8]) -> String {
        let signed = Signed {
            body: msg,
            timestamp: "",
            id: "",
        };
        hex::encode(
            compute(alg, key, &[Part::Body], &signed)
                .unwrap()
                .as_slice(),
        )
    }

    #[test]
    fn rfc4231_and_rfc2202_test_case_2() {
        assert_eq!(
            hex_mac(
                Algorithm::HmacSha256,
                b"Jefe",
                b"what do ya want for nothing?"
            ),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex_mac(
                Algorithm::HmacSha1,
                b"Jefe",
                b"what do ya want for nothing?"
            ),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        // RFC 4231 TC2, HMAC-SHA-512.
        assert_eq!(
            hex_mac(
                Algorithm::HmacSha512,
                b"Jefe",
                b"what do ya want for nothing?"
            ),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
    }

    #[test]
    fn stripe_node_primitive_vectors() {
        let k = b"test_secret";
        assert_eq!(
            hex_mac(Algorithm::HmacSha256, k, b""),
            "f7f9bd47fb987337b5796fdc1fdb9ba221d0d5396814bfcaf9521f43fd8927fd"
        );
        assert_eq!(
            hex_mac(
                Algorithm::HmacSha256,
                k,
                br#"{"obj1":"hello","obj2":"world"}"#
            ),
            "bebb1a643997f419b315ddba19e6f5411e1ce7f810ba6d3617ce72823092f363"
        );
        assert_eq!(
            hex_mac(Algorithm::HmacSha256, k, "\u{1F600}".as_bytes()),
            "837da296d05c4fe31f61d5d7ead035099d9585a5bcde87de952012a78f0b0c43"
        );
    }

    #[test]
    fn template_is_streamed_in_order() {
        let template = [
            Part::Literal("v0:".into()),
            Part::Timestamp,
            Part::Literal(":".into()),
            Part::Body,
        ];
        let signed = Signed {
            body: b"x=1",
            timestamp: "42",
            id: "",
        };
        let a = compute(Algorithm::HmacSha256, b"k", &template, &signed).unwrap();
        assert_eq!(
            hex::encode(a.as_slice()),
            hex_mac(Algorithm::HmacSha256, b"k", b"v0:42:x=1")
        );
    }

    #[test]
    fn base64_secrets_tolerate_missing_padding() {
        let spec = SecretSpec {
            decode: Decode::Base64,
            strip_prefix: "whsec_".into(),
        };
        assert_eq!(
            key_bytes(&spec, "whsec_AAEC").unwrap().as_ref(),
            &[0u8, 1, 2]
        );
        assert_eq!(key_bytes(&spec, "whsec_AAE").unwrap().as_ref(), &[0u8, 1]);
        assert_eq!(key_bytes(&spec, "whsec_AAE=").unwrap().as_ref(), &[0u8, 1]);
        assert_eq!(key_bytes(&spec, "AAEC").unwrap().as_ref(), &[0u8, 1, 2]);
        assert!(key_bytes(&spec, "whsec_!!").is_none());
    }

    #[test]
    fn short_escapes_and_caps_untrusted_text() {
        assert_eq!(short("a\u{1b}[2J"), "a\\u{1b}[2J");
        assert_eq!(short(&"x".repeat(100)), format!("{}…", "x".repeat(24)));
    }
}

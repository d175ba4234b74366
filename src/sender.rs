//! Turns fixtures into signed HTTP requests and posts them: the engine behind
//! `hookwatch send`, the `--demo` sender, the tests and the benchmarks. Signing uses the
//! configured secret and a fresh timestamp; a `Mutation` makes a deliberately bad delivery.

use crate::export::replay_url;
use crate::fixture::Fixture;
use crate::verify::{self, Registry, Secrets};
use anyhow::{Context, Result, anyhow};

/// A deliberate defect, so the demo and the tests can show every verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutation {
    /// Signed correctly.
    None,
    /// Signed, then one body byte changed: `invalid`.
    TamperBody,
    /// Signed an hour ago (timestamped schemes only): `stale`.
    Stale,
    /// The signature header removed: `missing`.
    DropSignature,
    /// The signature header replaced by garbage: `malformed`.
    GarbageSignature,
}

/// A request ready to post.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Something the user should know (e.g. sent unsigned: no secret configured).
    pub warning: Option<String>,
}

/// Sign `fixture` for `base` (a URL; the fixture's path is appended unless it has one).
pub fn prepare(
    fixture: &Fixture,
    registry: &Registry,
    secrets: &Secrets,
    base: &str,
    now_unix: i64,
    mutation: Mutation,
) -> Result<Prepared> {
    let mut prepared = Prepared {
        method: fixture.method.clone(),
        url: replay_url(base, &fixture.path),
        headers: fixture.headers.clone(),
        body: fixture.body.clone(),
        warning: None,
    };
    let Some(profile) = registry.get(&fixture.provider) else {
        prepared.warning = Some(format!(
            "{}: unknown provider '{}', sent unsigned",
            fixture.source.display(),
            fixture.provider
        ));
        return Ok(prepared);
    };
    let Some(secret) = secrets.get(&profile.id).first() else {
        prepared.warning = Some(format!(
            "no secret configured for '{}' (--secret {}=… or HOOKWATCH_SECRET_{}), sent unsigned",
            profile.id,
            profile.id,
            profile.id.to_ascii_uppercase().replace('-', "_")
        ));
        return Ok(prepared);
    };
    let signed_at = match mutation {
        Mutation::Stale => now_unix - 3600,
        _ => now_unix,
    };
    let sig_headers =
        verify::sign(profile, secret, &fixture.body, signed_at, None).map_err(|e| {
            anyhow!(
                "cannot sign {} for {}: {e}",
                fixture.source.display(),
                profile.id
            )
        })?;
    let sig_name = profile.signature_header().to_ascii_lowercase();
    for (name, value) in sig_headers {
        prepared
            .headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        let is_sig = name.eq_ignore_ascii_case(&sig_name);
        match mutation {
            Mutation::DropSignature if is_sig => {}
            Mutation::GarbageSignature if is_sig => {
                prepared.headers.push((name, "%%not-a-signature%%".into()))
            }
            _ => prepared.headers.push((name, value)),
        }
    }
    if mutation == Mutation::TamperBody {
        match prepared.body.iter_mut().rev().find(|b| b.is_ascii_digit()) {
            Some(b) => *b = if *b == b'9' { b'0' } else { *b + 1 },
            None => prepared.body.push(b' '),
        }
    }
    Ok(prepared)
}

/// The answer to one post.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// A client for posting to local receivers: never goes through a proxy.
pub fn client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(64)
        .build()
        .context("cannot build the HTTP client")
}

/// POST a prepared request.
pub async fn post(client: &reqwest::Client, p: &Prepared) -> Result<Answer> {
    let method = reqwest::Method::from_bytes(p.method.as_bytes())
        .map_err(|_| anyhow!("bad method '{}'", p.method))?;
    let mut req = client.request(method, &p.url).body(p.body.clone());
    for (name, value) in &p.headers {
        req = req.header(name.as_str(), value.as_str());
    }
    let resp = req
        .send()
        .await
        .with_context(|| format!("cannot reach {}", p.url))?;
    let status = resp.status().as_u16();
    let body = resp.text().await.unwrap_or_default();
    Ok(Answer { status, body })
}

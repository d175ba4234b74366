//! `hookwatch send PATH...`: sign fixture files with the configured secrets (fresh
//! timestamps) and POST them, optionally repeated (`--count`) at a rate (`--rate`).

use crate::cli::SendArgs;
use crate::config::Settings;
use crate::fixture::Fixture;
use crate::sender::{self, Mutation};
use anyhow::{Result, bail};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

pub async fn run(mut settings: Settings, args: SendArgs) -> Result<()> {
    let fixtures = Fixture::load_all(&args.paths)?;
    if fixtures.is_empty() {
        bail!("no fixture files found in the given paths");
    }
    let registry = settings.registry();
    let base = args
        .to
        .clone()
        .unwrap_or_else(|| format!("http://{}", settings.listen));
    let client = sender::client()?;
    let now = chrono::Utc::now().timestamp();
    let mut prepared = Vec::with_capacity(fixtures.len());
    for f in &fixtures {
        let p = sender::prepare(f, &registry, &settings.secrets, &base, now, Mutation::None)?;
        if let Some(w) = &p.warning {
            eprintln!("hookwatch: {w}");
        }
        prepared.push((f.source.display().to_string(), p));
    }
    let total = prepared.len() as u64 * args.count;
    let sem = Arc::new(Semaphore::new(args.concurrency.max(1)));
    let mut ticker = args
        .rate
        .filter(|r| *r > 0.0)
        .map(|r| tokio::time::interval(Duration::from_secs_f64(1.0 / r)));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let mut stats = Stats::default();
    let prepared = Arc::new(prepared);
    // Timestamped schemes must be re-signed when a long run outlives their tolerance.
    let resign_every = Duration::from_secs(60);
    let mut signed_at = Instant::now();
    let mut current = prepared;
    for n in 0..total {
        if signed_at.elapsed() > resign_every {
            let now = chrono::Utc::now().timestamp();
            let mut fresh = Vec::with_capacity(fixtures.len());
            for f in &fixtures {
                let p =
                    sender::prepare(f, &registry, &settings.secrets, &base, now, Mutation::None)?;
                fresh.push((f.source.display().to_string(), p));
            }
            current = Arc::new(fresh);
            signed_at = Instant::now();
        }
        if let Some(t) = ticker.as_mut() {
            t.tick().await;
        }
        let permit = Arc::clone(&sem).acquire_owned().await?;
        let list = Arc::clone(&current);
        let client = client.clone();
        let quiet = args.quiet;
        tasks.spawn(async move {
            let (name, p) = &list[(n % list.len() as u64) as usize];
            let result = sender::post(&client, p).await;
            drop(permit);
            match result {
                Ok(a) => {
                    if !quiet {
                        println!("{} {name} -> {}", a.status, a.body.trim());
                    }
                    Some(a.status)
                }
                Err(e) => {
                    if !quiet {
                        println!("ERR {name} -> {e:#}");
                    }
                    None
                }
            }
        });
        while let Some(done) = tasks.try_join_next() {
            count(&mut stats, done.ok().flatten());
        }
    }
    while let Some(done) = tasks.join_next().await {
        count(&mut stats, done.ok().flatten());
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "sent {total} in {secs:.2}s ({:.0}/s): {} ok (2xx), {} rejected (4xx), {} server errors (5xx), {} failed to connect",
        total as f64 / secs.max(1e-9),
        stats.ok,
        stats.client_err,
        stats.server_err,
        stats.failed
    );
    if stats.failed > 0 || stats.server_err > 0 {
        bail!("some deliveries were not accepted");
    }
    Ok(())
}

#[derive(Default)]
struct Stats {
    ok: u64,
    client_err: u64,
    server_err: u64,
    failed: u64,
}

fn count(stats: &mut Stats, status: Option<u16>) {
    match status {
        Some(200..=299) => stats.ok += 1,
        Some(400..=499) => stats.client_err += 1,
        Some(_) => stats.server_err += 1,
        None => stats.failed += 1,
    }
}

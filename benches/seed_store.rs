//! Benchmark helper: fill a store with N realistic deliveries (the built-in fixtures, signed
//! with the demo secrets, with the demo's mix of bad signatures and duplicates), through the
//! real verifier and the real group-commit writer. Usage: seed_store DB N

use hookwatch::config::DEMO_SECRETS;
use hookwatch::delivery::{NewDelivery, now_ms};
use hookwatch::demo::schedule;
use hookwatch::fixture;
use hookwatch::handlers::resign::to_header_map;
use hookwatch::sender::{self, Mutation};
use hookwatch::store::{BatchPolicy, Writer};
use hookwatch::verify::{self, Registry, Secret, Secrets};
use std::time::Instant;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let db = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: seed_store DB N"))?;
    let n: u64 = args.next().unwrap_or_else(|| "100000".into()).parse()?;
    let registry = Registry::builtin();
    let mut secrets = Secrets::default();
    for (p, v) in DEMO_SECRETS {
        secrets.insert(p, Secret::new((*v).to_string()));
    }
    let fixtures = fixture::builtin();
    let writer = Writer::spawn(std::path::Path::new(&db), BatchPolicy::default())?;
    let started = Instant::now();
    let now_s = now_ms() / 1000;
    let mut pending = tokio::task::JoinSet::new();
    for i in 0..n {
        let f = &fixtures[(i as usize) % fixtures.len()];
        let (mutation, _) = schedule(i);
        let mutation = if mutation == Mutation::Stale
            && !registry.get(&f.provider).is_some_and(|p| p.has_timestamp())
        {
            Mutation::TamperBody
        } else {
            mutation
        };
        let mut p = sender::prepare(
            f,
            &registry,
            &secrets,
            "http://127.0.0.1:8787",
            now_s,
            mutation,
        )?;
        // Make most deliveries unique (the dedupe keys mostly come from ids in the body).
        if i % 9 != 4 {
            p.headers
                .retain(|(n, _)| !n.eq_ignore_ascii_case("x-github-delivery"));
            p.headers
                .push(("x-github-delivery".into(), format!("seed-{i}")));
        }
        let headers = to_header_map(
            &p.headers
                .iter()
                .map(|(n, v)| (n.clone(), v.clone().into_bytes()))
                .collect(),
        );
        let profile = registry.get(&f.provider);
        let v = match profile {
            Some(prof) => verify::verify(prof, secrets.get(&prof.id), &headers, &p.body, now_s),
            None => verify::unknown_provider(&headers, &p.body),
        };
        let d = NewDelivery {
            received_at_ms: now_ms() - (n - i) as i64 * 10,
            method: "POST".into(),
            path: f.path.clone(),
            headers: p
                .headers
                .iter()
                .map(|(n, v)| (n.clone(), v.clone().into_bytes()))
                .collect(),
            bytes: p.body.len() as u64,
            body: p.body,
            provider: profile.map(|p| p.id.clone()),
            event_type: v.event_type,
            event_id: v.event_id,
            dedupe_key: v.dedupe_key.map(|k| {
                if i % 9 == 4 {
                    k
                } else {
                    format!("{k}\u{1f}{i}")
                }
            }),
            verdict: v.verdict,
            explanation: v.explanation,
            status: if v.verdict.is_rejection() { 401 } else { 200 },
            replay_of: None,
        };
        let w = writer.clone();
        pending.spawn(async move { w.commit(d).await });
        if pending.len() >= 512 {
            while let Some(r) = pending.join_next().await {
                r??;
                if pending.len() < 256 {
                    break;
                }
            }
        }
    }
    while let Some(r) = pending.join_next().await {
        r??;
    }
    let stats = writer.stats();
    eprintln!(
        "seeded {n} deliveries in {:.2}s ({} commits, {:.1} rows per commit)",
        started.elapsed().as_secs_f64(),
        stats.batches,
        stats.rows as f64 / stats.batches.max(1) as f64
    );
    let _ = tokio::task::spawn_blocking(move || writer.close()).await;
    Ok(())
}

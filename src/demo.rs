//! The `--demo` sender: posts the built-in fixtures through the real receiver at a gentle
//! pace, signed with the demo secrets, with a few deliberate defects (tampered body, stale
//! timestamp, missing and garbage signatures, duplicates) so every verdict shows up.

use crate::fixture::{self, Fixture};
use crate::sender::{self, Mutation, Prepared};
use crate::verify::{Registry, Secrets};
use anyhow::Result;
use std::time::Duration;

/// Pause between demo deliveries.
pub const PACE: Duration = Duration::from_millis(700);

/// What the n-th demo delivery looks like (a fixed, repeating schedule).
pub fn schedule(n: u64) -> (Mutation, bool) {
    let duplicate = n % 9 == 4;
    let mutation = match n % 12 {
        3 => Mutation::TamperBody,
        6 => Mutation::Stale,
        8 => Mutation::DropSignature,
        10 => Mutation::GarbageSignature,
        _ => Mutation::None,
    };
    (mutation, duplicate)
}

/// Send forever (until the task is dropped).
pub async fn run(base: String, registry: Registry, secrets: Secrets) -> Result<()> {
    let fixtures = fixture::builtin();
    let client = sender::client()?;
    let mut previous: Option<Prepared> = None;
    for n in 0u64.. {
        tokio::time::sleep(PACE).await;
        let (mutation, duplicate) = schedule(n);
        let prepared = match (&previous, duplicate) {
            (Some(p), true) => p.clone(),
            _ => next(&fixtures, n, &registry, &secrets, &base, mutation)?,
        };
        if let Err(e) = sender::post(&client, &prepared).await {
            tracing::warn!(error = %e, "demo delivery failed");
        }
        previous = Some(prepared);
    }
    Ok(())
}

fn next(
    fixtures: &[Fixture],
    n: u64,
    registry: &Registry,
    secrets: &Secrets,
    base: &str,
    mutation: Mutation,
) -> Result<Prepared> {
    let mut i = (n as usize) % fixtures.len().max(1);
    // Only timestamped schemes can be stale: pick the next fixture that has one.
    if mutation == Mutation::Stale {
        for step in 0..fixtures.len() {
            let j = (i + step) % fixtures.len();
            if registry
                .get(&fixtures[j].provider)
                .is_some_and(|p| p.has_timestamp())
            {
                i = j;
                break;
            }
        }
    }
    let fixture = fixtures
        .get(i)
        .ok_or_else(|| anyhow::anyhow!("no built-in fixtures"))?;
    let now = chrono::Utc::now().timestamp();
    sender::prepare(fixture, registry, secrets, base, now, mutation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_shows_every_defect_within_a_cycle() {
        let mut seen = std::collections::HashSet::new();
        let mut dups = 0;
        for n in 0..36 {
            let (m, d) = schedule(n);
            seen.insert(format!("{m:?}"));
            dups += u32::from(d);
        }
        assert_eq!(seen.len(), 5);
        assert!(dups >= 3);
    }
}

//! `hookwatch replay ID [--to URL] [--edit]` and `hookwatch replay --filter Q`: run the
//! handlers again for stored deliveries, here and now, printing each run's outcome. With
//! `--edit` the payload is edited in $EDITOR and stored as a new delivery marked as a replay.

use crate::cli::ReplayArgs;
use crate::config::Settings;
use crate::delivery::{Delivery, NewDelivery, Summary, now_ms};
use crate::handlers::pool::{Pool, rerun_jobs};
use crate::handlers::resign::to_header_map;
use crate::handlers::spec::has_body;
use crate::store::{BatchPolicy, Store, Writer};
use crate::verify::{self, Registry, Secrets};
use anyhow::{Context, Result, anyhow, bail};

pub async fn run(mut settings: Settings, args: ReplayArgs) -> Result<()> {
    let registry = settings.registry();
    let store = Store::open(&settings.db_path)
        .with_context(|| format!("cannot open the store {}", settings.db_path.display()))?;
    let mut targets: Vec<Summary> = match (args.id, &args.filter) {
        (Some(id), _) => vec![
            store
                .get(id)?
                .ok_or_else(|| anyhow!("no delivery #{id} in {}", settings.db_path.display()))?
                .summary,
        ],
        (None, Some(q)) => super::list::select(&store, Some(q), args.limit)?,
        (None, None) => bail!("give a delivery id or --filter"),
    };
    if targets.is_empty() {
        bail!("no delivery matches the filter");
    }
    if settings.handlers.is_empty() && args.to.is_none() {
        bail!(
            "no handler configured: pass --to URL (or --forward URL), or add [[handlers]] to the config file"
        );
    }
    if args.edit {
        let original = store
            .get(targets[0].id)?
            .ok_or_else(|| anyhow!("delivery #{} vanished", targets[0].id))?;
        let edited = edit_in_editor(&original.body)?;
        if edited == original.body {
            eprintln!("hookwatch: payload unchanged; replaying it as a new delivery anyway");
        }
        let new = edited_delivery(&original, edited, &registry, &settings.secrets);
        let writer = Writer::spawn(&settings.db_path, BatchPolicy::default())?;
        let summary = writer.commit(new).await?;
        eprintln!(
            "hookwatch: stored the edited copy as delivery #{} (replay of #{}, verdict {})",
            summary.id, original.summary.id, summary.verdict
        );
        let _ = tokio::task::spawn_blocking(move || writer.close()).await;
        targets = vec![summary];
    }
    if !targets.iter().any(has_body) {
        bail!(
            "{} stored without its body (over the body limit): nothing to replay",
            match targets.as_slice() {
                [one] => format!("delivery #{} was", one.id),
                _ => "every matching delivery was".to_string(),
            }
        );
    }
    let jobs = rerun_jobs(&settings.handlers, &targets, args.to.clone());
    if jobs.is_empty() {
        bail!(
            "no configured handler takes these deliveries (their event types or providers do not match); use --to URL"
        );
    }
    let pool = Pool::new(
        &settings.db_path,
        std::mem::take(&mut settings.handlers),
        registry,
        settings.secrets,
        settings.handler_concurrency,
    )?;
    let events = pool.run_now(jobs).await;
    pool.shutdown().await;
    let events = events?;
    let mut failed = 0;
    for e in &events {
        let Some(run) = &e.run else { continue };
        if !run.outcome.is_success() {
            failed += 1;
        }
        println!("{}", e.to_json());
        for note in &run.notes {
            eprintln!("hookwatch: #{} {}: {note}", e.delivery_id, e.handler);
        }
    }
    eprintln!("hookwatch: {} run(s), {failed} failed", events.len());
    if failed > 0 {
        bail!("{failed} handler run(s) failed");
    }
    Ok(())
}

/// Open `body` in $VISUAL/$EDITOR (default `vi`) and return what was saved.
pub fn edit_in_editor(body: &[u8]) -> Result<Vec<u8>> {
    let dir = tempfile_dir()?;
    let path = dir.join("payload.json");
    std::fs::write(&path, body).with_context(|| format!("cannot write {}", path.display()))?;
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".to_string());
    let mut parts = editor.split_whitespace();
    let program = parts.next().ok_or_else(|| anyhow!("$EDITOR is empty"))?;
    let status = std::process::Command::new(program)
        .args(parts)
        .arg(&path)
        .status()
        .with_context(|| format!("cannot start the editor '{editor}'"))?;
    if !status.success() {
        bail!("the editor exited with {status}; nothing replayed");
    }
    let edited = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(edited)
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "hookwatch-edit-{}-{}",
        std::process::id(),
        now_ms()
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// A new delivery from an edited payload: re-signed with the configured secret when there
/// is one (so handlers that verify still accept it), verified, and marked as a replay.
pub fn edited_delivery(
    original: &Delivery,
    body: Vec<u8>,
    registry: &Registry,
    secrets: &Secrets,
) -> NewDelivery {
    let now = now_ms();
    let mut headers = original.headers.clone();
    let profile = original
        .summary
        .provider
        .as_deref()
        .and_then(|p| registry.get(p));
    let mut verification = None;
    if let Some(p) = profile {
        if let Some(secret) = secrets.get(&p.id).first() {
            let id = p
                .id_header()
                .and_then(|h| original.header(h))
                .map(|v| format!("{v}-edit-{now}"));
            if let Ok(fresh) = verify::sign(p, secret, &body, now / 1000, id.as_deref()) {
                headers.retain(|(n, _)| !fresh.iter().any(|(f, _)| f.eq_ignore_ascii_case(n)));
                headers.extend(
                    fresh
                        .into_iter()
                        .map(|(n, v)| (n.to_ascii_lowercase(), v.into_bytes())),
                );
            }
        }
        verification = Some(verify::verify(
            p,
            secrets.get(&p.id),
            &to_header_map(&headers),
            &body,
            now / 1000,
        ));
    }
    let v =
        verification.unwrap_or_else(|| verify::unknown_provider(&to_header_map(&headers), &body));
    NewDelivery {
        received_at_ms: now,
        method: original.method.clone(),
        path: original.summary.path.clone(),
        headers,
        bytes: body.len() as u64,
        body,
        provider: original.summary.provider.clone(),
        event_type: v.event_type.or_else(|| original.summary.event_type.clone()),
        event_id: v.event_id,
        // An edited copy is never deduplicated against its original.
        dedupe_key: None,
        verdict: v.verdict,
        explanation: Some(match v.explanation {
            Some(e) => format!("edited replay of #{}: {e}", original.summary.id),
            None => format!("edited replay of #{}", original.summary.id),
        }),
        status: if v.verdict.is_rejection() { 401 } else { 200 },
        replay_of: Some(original.summary.id),
    }
}

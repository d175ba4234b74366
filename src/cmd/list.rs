//! `hookwatch list [--filter Q] [--json]`: stored deliveries, newest first, as a table or
//! as NDJSON lines. The filter is the dashboard's query language.

use crate::cli::ListArgs;
use crate::config::Settings;
use crate::delivery::{Summary, rfc3339_ms};
use crate::filter::{self, Subject};
use crate::store::Store;
use crate::tui::sanitize;
use anyhow::{Context, Result, anyhow};

/// How many rows are read per page while filtering.
const PAGE: usize = 2_000;

pub fn run(settings: Settings, args: ListArgs) -> Result<()> {
    let store = Store::open(&settings.db_path)
        .with_context(|| format!("cannot open the store {}", settings.db_path.display()))?;
    let rows = select(&store, args.filter.as_deref(), args.limit)?;
    if args.json {
        for s in &rows {
            println!("{}", s.to_json());
        }
    } else {
        print_table(&rows);
    }
    Ok(())
}

/// Up to `limit` deliveries matching `query` (all when None), newest first.
pub fn select(store: &Store, query: Option<&str>, limit: usize) -> Result<Vec<Summary>> {
    let filter = match query {
        Some(q) => Some(filter::parse(q).map_err(|e| anyhow!("filter: {e}"))?),
        None => None,
    };
    let mut rows = Vec::new();
    let mut before = None;
    loop {
        let page = store.recent(PAGE, before)?;
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        for s in page {
            let keep = match &filter {
                None => true,
                Some(f) => {
                    let body = if f.needs_body() {
                        store.body(s.id)?
                    } else {
                        None
                    };
                    let json = body
                        .as_deref()
                        .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok());
                    f.matches(&Row {
                        summary: &s,
                        body: body.as_deref(),
                        json: json.as_ref(),
                    })
                }
            };
            if keep {
                rows.push(s);
                if rows.len() >= limit {
                    return Ok(rows);
                }
            }
        }
    }
    Ok(rows)
}

struct Row<'a> {
    summary: &'a Summary,
    body: Option<&'a [u8]>,
    json: Option<&'a serde_json::Value>,
}

impl Subject for Row<'_> {
    fn summary(&self) -> &Summary {
        self.summary
    }
    fn handler(&self) -> Option<filter::HandlerState> {
        None
    }
    fn body(&self) -> Option<&[u8]> {
        self.body
    }
    fn json(&self) -> Option<&serde_json::Value> {
        self.json
    }
}

fn print_table(rows: &[Summary]) {
    println!(
        "{:>6}  {:<24}  {:<18}  {:<32}  {:<10}  {:<3}  {:>6}  {:>9}",
        "ID", "RECEIVED", "PROVIDER", "EVENT", "VERDICT", "DUP", "STATUS", "BYTES"
    );
    for s in rows {
        let provider = sanitize::truncate_width(
            &sanitize::escape_str(s.provider.as_deref().unwrap_or("-")),
            18,
        );
        let event = sanitize::truncate_width(
            &sanitize::escape_str(s.event_type.as_deref().unwrap_or("-")),
            32,
        );
        println!(
            "{:>6}  {:<24}  {:<18}  {:<32}  {:<10}  {:<3}  {:>6}  {:>9}",
            s.id,
            rfc3339_ms(s.received_at_ms),
            provider,
            event,
            s.verdict.as_str(),
            if s.duplicate { "dup" } else { "" },
            s.status,
            s.bytes
        );
    }
}

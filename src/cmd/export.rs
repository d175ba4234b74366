//! `hookwatch export ID --format json|curl|fixture`: one stored delivery, for bug reports.

use crate::cli::{ExportArgs, ExportFormat};
use crate::config::Settings;
use crate::export;
use crate::store::Store;
use anyhow::{Context, Result, anyhow};

pub fn run(mut settings: Settings, args: ExportArgs) -> Result<()> {
    let store = Store::open(&settings.db_path)
        .with_context(|| format!("cannot open the store {}", settings.db_path.display()))?;
    let d = store
        .get(args.id)?
        .ok_or_else(|| anyhow!("no delivery #{} in {}", args.id, settings.db_path.display()))?;
    let text = match args.format {
        ExportFormat::Json => serde_json::to_string_pretty(&export::to_json(&d))?,
        ExportFormat::Curl => {
            let base = args
                .to
                .unwrap_or_else(|| format!("http://{}", settings.listen));
            export::curl_command(&d, &export::replay_url(&base, &d.summary.path))
        }
        ExportFormat::Fixture => export::fixture_text(&d, &settings.registry()),
    };
    println!("{text}");
    Ok(())
}

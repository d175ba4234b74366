//! Command-line definitions (clap derive) and nothing else: parsing flags into values.
//! The commands themselves live in `cmd/`, the dashboard in `tui`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// A terminal dashboard for live webhooks: receive, verify, store, inspect, replay.
#[derive(Debug, Parser)]
#[command(name = "hookwatch", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,

    /// Also run a built-in sender that posts signed fixture deliveries (with a few bad
    /// signatures, stale timestamps and duplicates) through the real receiver.
    #[arg(long, global = true)]
    pub demo: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags shared by every command.
#[derive(Debug, Args, Clone, Default)]
pub struct Common {
    /// Address the receiver listens on [default: 127.0.0.1:8787].
    #[arg(long, global = true, env = "HOOKWATCH_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    /// SQLite database file [default: <data dir>/hookwatch/hookwatch.db].
    #[arg(long, global = true, env = "HOOKWATCH_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Config file [default: <config dir>/hookwatch/config.toml].
    #[arg(long, global = true, env = "HOOKWATCH_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// A signing secret, as PROVIDER=VALUE (repeatable; several per provider for rotation).
    /// Also read from HOOKWATCH_SECRET_<PROVIDER> and the config file.
    #[arg(long = "secret", global = true, value_name = "PROVIDER=VALUE", value_parser = parse_secret)]
    pub secrets: Vec<(String, String)>,

    /// Colour theme: dark, light, high-contrast, or a user theme from <config dir>/themes.
    #[arg(long, global = true, env = "HOOKWATCH_THEME", value_name = "NAME")]
    pub theme: Option<String>,

    /// Forward every delivery to this URL (your app's webhook endpoint), as a handler.
    #[arg(long, global = true, value_name = "URL")]
    pub forward: Option<String>,

    /// Largest body accepted, e.g. 25MiB, 512KiB or a byte count [default: 25MiB].
    #[arg(long, global = true, value_name = "SIZE", value_parser = parse_size)]
    pub body_limit: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Headless receiver: one NDJSON line per delivery on stdout.
    Serve,
    /// Sign fixture files (or folders) with the configured secret and POST them.
    Send(SendArgs),
    /// Stored deliveries, newest first (a table, or JSON lines).
    List(ListArgs),
    /// Print one stored delivery as JSON, a curl command or a fixture file.
    Export(ExportArgs),
    /// Re-run the handlers for stored deliveries (or send them to --to URL).
    Replay(ReplayArgs),
}

#[derive(Debug, Args, Clone)]
pub struct ReplayArgs {
    /// Delivery id (see `hookwatch list`).
    #[arg(required_unless_present = "filter", conflicts_with = "filter")]
    pub id: Option<i64>,
    /// Replay every delivery matching this filter (newest first, up to --limit).
    #[arg(long, short)]
    pub filter: Option<String>,
    /// Send to this URL instead of the configured handlers.
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
    /// Open the payload in $EDITOR first and replay the edited copy as a new delivery
    /// (marked as a replay; the original stays untouched).
    #[arg(long, requires = "id")]
    pub edit: bool,
    /// With --filter: at most this many deliveries.
    #[arg(long, short = 'n', default_value_t = 100)]
    pub limit: usize,
}

#[derive(Debug, Args, Clone)]
pub struct SendArgs {
    /// Fixture files or folders (see fixtures/README.md).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Base URL to post to; the fixture's path is appended unless the URL has a path
    /// [default: http://<listen>].
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
    /// How many times to send the whole set.
    #[arg(long, default_value_t = 1)]
    pub count: u64,
    /// Deliveries per second across all connections (default: as fast as possible).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Print only the final summary.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args, Clone)]
pub struct ListArgs {
    /// A filter in the dashboard's query language, e.g. 'sig:invalid type:person_*'.
    #[arg(long, short)]
    pub filter: Option<String>,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
    /// At most this many deliveries.
    #[arg(long, short = 'n', default_value_t = 50)]
    pub limit: usize,
}

#[derive(Debug, Args, Clone)]
pub struct ExportArgs {
    /// Delivery id (see `hookwatch list`).
    pub id: i64,
    #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
    pub format: ExportFormat,
    /// For curl: the URL to target [default: http://<listen><original path>].
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Json,
    Curl,
    Fixture,
}

fn parse_secret(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((p, v)) if !p.trim().is_empty() && !v.is_empty() => {
            Ok((p.trim().to_ascii_lowercase(), v.to_string()))
        }
        _ => Err("expected PROVIDER=VALUE, e.g. --secret salesloft=my-callback-token".into()),
    }
}

/// Parse `25MiB`, `512KiB`, `1MB`, `1000` into bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a size (try 25MiB, 512KiB or 1048576)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => return Err(format!("unknown size unit '{other}' in '{s}'")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size '{s}' is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("25MiB"), Ok(25 * 1024 * 1024));
        assert_eq!(parse_size("512KiB"), Ok(512 * 1024));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("2mb"), Ok(2_000_000));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }

    #[test]
    fn secrets_and_subcommands_parse() {
        let cli = Cli::try_parse_from([
            "hookwatch",
            "serve",
            "--secret",
            "GitHub=abc=def",
            "--listen",
            "127.0.0.1:0",
        ])
        .expect("parses");
        assert_eq!(
            cli.common.secrets,
            vec![("github".into(), "abc=def".into())]
        );
        assert!(matches!(cli.command, Some(Command::Serve)));
        assert!(Cli::try_parse_from(["hookwatch", "--secret", "novalue"]).is_err());
        let cli =
            Cli::try_parse_from(["hookwatch", "export", "7", "--format", "curl"]).expect("parses");
        match cli.command {
            Some(Command::Export(a)) => assert_eq!((a.id, a.format), (7, ExportFormat::Curl)),
            other => panic!("unexpected {other:?}"),
        }
    }
}

//! Settings: the TOML config file (`deny_unknown_fields`), the data and config dirs, and the
//! secrets merged from the config file, `HOOKWATCH_SECRET_<PROVIDER>` and `--secret` flags.
//! Command-line flags win over the file; secrets from every source add up (rotation).

use crate::cli::Common;
use crate::handlers::{Handler, HandlerSpec};
use crate::verify::{Registry, Secret, Secrets};
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Default listen address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";
/// Default body limit: 25 MiB, GitHub's maximum payload.
pub const DEFAULT_BODY_LIMIT: u64 = 25 * 1024 * 1024;

/// Secrets the demo uses for providers that have none configured. Public, for demos only.
pub const DEMO_SECRETS: &[(&str, &str)] = &[
    ("salesloft", "demo-callback-token"),
    ("salesloft-ts", "demo-callback-token"),
    (
        "salesos",
        "whsec_000102030405060708090a0b0c0d0e0f1011121314151617",
    ),
    ("github", "It's a Secret to Everybody"),
    ("stripe", "whsec_test_secret"),
    (
        "standard-webhooks",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    ),
    ("svix", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
    ("slack", "8f742231b10e8888abcd99yyyzzz85a5"),
    ("shopify", "test-webhook-secret"),
];

/// The config file as written by the user.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub db: Option<PathBuf>,
    pub theme: Option<String>,
    pub body_limit: Option<SizeValue>,
    #[serde(default)]
    pub secrets: BTreeMap<String, OneOrMany>,
    /// Dashboard key bindings: `action = ["k", "up"]`.
    #[serde(default)]
    pub keys: toml::Table,
    /// `[[handlers]]`: forward targets and commands run for each delivery.
    #[serde(default)]
    pub handlers: Vec<HandlerSpec>,
    /// Handler runs at once.
    pub handler_concurrency: Option<usize>,
}

/// `body_limit = "25MiB"` or `body_limit = 26214400`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum SizeValue {
    Bytes(u64),
    Text(String),
}

/// `github = "s"` or `github = ["old", "new"]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Everything a command needs, resolved from flags, environment and the config file.
#[derive(Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    pub db_path: PathBuf,
    /// `<config dir>/hookwatch` (user providers in `providers/`, themes in `themes/`).
    pub config_dir: Option<PathBuf>,
    pub theme: String,
    pub body_limit: u64,
    pub secrets: Secrets,
    pub keys: toml::Table,
    /// Validated handlers (config file, plus `--forward`).
    pub handlers: Vec<Handler>,
    pub handler_concurrency: usize,
    /// Problems worth telling the user that did not stop the start.
    pub warnings: Vec<String>,
}

impl Settings {
    /// Resolve settings; `demo` adds the public demo secrets for unconfigured providers.
    pub fn resolve(common: &Common, demo: bool) -> Result<Settings> {
        let config_dir = dirs::config_dir().map(|d| d.join("hookwatch"));
        let (file, file_dir) = match &common.config {
            Some(path) => (read_config(path)?, path.parent().map(Path::to_path_buf)),
            None => {
                let path = config_dir.as_ref().map(|d| d.join("config.toml"));
                match path {
                    Some(p) if p.exists() => (read_config(&p)?, config_dir.clone()),
                    _ => (FileConfig::default(), config_dir.clone()),
                }
            }
        };
        let listen = match (common.listen, file.listen) {
            (Some(a), _) | (None, Some(a)) => a,
            (None, None) => DEFAULT_LISTEN.parse().context("default listen address")?,
        };
        let db_path = match (&common.db, &file.db) {
            (Some(p), _) | (None, Some(p)) => p.clone(),
            (None, None) => dirs::data_dir()
                .or_else(dirs::home_dir)
                .map(|d| d.join("hookwatch").join("hookwatch.db"))
                .unwrap_or_else(|| PathBuf::from("hookwatch.db")),
        };
        let body_limit = match (common.body_limit, &file.body_limit) {
            (Some(n), _) => n,
            (None, Some(SizeValue::Bytes(n))) => *n,
            (None, Some(SizeValue::Text(t))) => crate::cli::parse_size(t)
                .map_err(anyhow::Error::msg)
                .context("config: body_limit")?,
            (None, None) => DEFAULT_BODY_LIMIT,
        };
        let theme = common
            .theme
            .clone()
            .or(file.theme.clone())
            .unwrap_or_else(|| "dark".to_string());
        let secrets = collect_secrets(&file, std::env::vars(), &common.secrets, demo);
        let mut handlers = file
            .handlers
            .iter()
            .enumerate()
            .map(|(i, spec)| Handler::from_spec(spec, i))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("config: {e}"))?;
        if let Some(url) = &common.forward {
            handlers.push(Handler::forward(url).map_err(anyhow::Error::msg)?);
        }
        let mut names = std::collections::HashSet::new();
        for h in &handlers {
            if &*h.name == crate::handlers::pool::REPLAY_HANDLER {
                bail!(
                    "config: the handler name '{}' is reserved for `hookwatch replay --to`",
                    h.name
                );
            }
            if !names.insert(&*h.name) {
                bail!(
                    "config: two handlers are named '{}': give them distinct names",
                    h.name
                );
            }
        }
        Ok(Settings {
            listen,
            db_path,
            config_dir: file_dir,
            theme,
            body_limit,
            secrets,
            keys: file.keys,
            handlers,
            handler_concurrency: file
                .handler_concurrency
                .unwrap_or(crate::handlers::pool::DEFAULT_CONCURRENCY),
            warnings: Vec::new(),
        })
    }

    /// Built-in provider profiles plus the user's `<config dir>/providers/*.toml`.
    pub fn registry(&mut self) -> Registry {
        let mut registry = Registry::builtin();
        if let Some(dir) = &self.config_dir {
            let providers = dir.join("providers");
            if providers.is_dir() {
                self.warnings.extend(registry.load_dir(&providers));
            }
        }
        registry
    }
}

fn read_config(path: &Path) -> Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let file: FileConfig = toml::from_str(&text)
        .with_context(|| format!("config file {} is not valid", path.display()))?;
    for (provider, value) in &file.secrets {
        if let OneOrMany::Many(v) = value
            && v.is_empty()
        {
            bail!(
                "config file {}: secrets.{provider} is an empty list",
                path.display()
            );
        }
    }
    Ok(file)
}

/// Merge secrets: config file, then `HOOKWATCH_SECRET_<PROVIDER>` (`_` stands for `-`),
/// then `--secret` flags; all of them verify. Demo secrets fill only empty providers.
pub fn collect_secrets(
    file: &FileConfig,
    env: impl Iterator<Item = (String, String)>,
    flags: &[(String, String)],
    demo: bool,
) -> Secrets {
    let mut secrets = Secrets::default();
    for (provider, value) in &file.secrets {
        let values = match value {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        };
        for v in values {
            secrets.insert(&provider.to_ascii_lowercase(), Secret::new(v));
        }
    }
    for (key, value) in env {
        if let Some(rest) = key.strip_prefix("HOOKWATCH_SECRET_")
            && !rest.is_empty()
            && !value.is_empty()
        {
            let provider = rest.to_ascii_lowercase().replace('_', "-");
            secrets.insert(&provider, Secret::new(value));
        }
    }
    for (provider, value) in flags {
        secrets.insert(provider, Secret::new(value.clone()));
    }
    if demo {
        for (provider, value) in DEMO_SECRETS {
            if secrets.get(provider).is_empty() {
                secrets.insert(provider, Secret::new((*value).to_string()));
            }
        }
    }
    secrets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_add_up_from_every_source() {
        let file: FileConfig = toml::from_str(
            r#"
            [secrets]
            github = ["old", "new"]
            salesloft = "token"
            "#,
        )
        .expect("parses");
        let env = vec![
            (
                "HOOKWATCH_SECRET_STANDARD_WEBHOOKS".to_string(),
                "whsec_x".to_string(),
            ),
            ("HOOKWATCH_SECRET_GITHUB".to_string(), "env".to_string()),
            ("PATH".to_string(), "/bin".to_string()),
        ];
        let flags = vec![("github".to_string(), "flag".to_string())];
        let s = collect_secrets(&file, env.into_iter(), &flags, false);
        let gh: Vec<&str> = s.get("github").iter().map(|x| x.expose()).collect();
        assert_eq!(gh, vec!["old", "new", "env", "flag"]);
        assert_eq!(s.get("standard-webhooks").len(), 1);
        assert_eq!(s.get("salesloft").len(), 1);
        assert!(s.get("stripe").is_empty());
    }

    #[test]
    fn demo_fills_only_unconfigured_providers() {
        let flags = vec![("github".to_string(), "mine".to_string())];
        let s = collect_secrets(&FileConfig::default(), std::iter::empty(), &flags, true);
        assert_eq!(s.get("github").len(), 1);
        assert_eq!(s.get("github")[0].expose(), "mine");
        assert_eq!(s.get("stripe")[0].expose(), "whsec_test_secret");
    }

    #[test]
    fn unknown_config_keys_are_rejected() {
        let err = toml::from_str::<FileConfig>("listne = \"127.0.0.1:1\"").expect_err("typo");
        assert!(err.to_string().contains("listne"), "{err}");
    }
}

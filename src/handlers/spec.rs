//! Handler configuration: `[[handlers]]` tables in the config file (and `--forward URL`),
//! validated into `Handler`s: which deliveries they take, what they do, their timeout and
//! their retry schedule.

use crate::delivery::{Summary, Verdict};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

/// Default handler timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// One `[[handlers]]` table as written.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HandlerSpec {
    /// Shown in the dashboard and stored with each run [default: derived from the target].
    pub name: Option<String>,
    /// Event-type globs (`person_*`, `*.created`) [default: all].
    #[serde(default)]
    pub events: Vec<String>,
    /// Provider ids [default: all].
    #[serde(default)]
    pub providers: Vec<String>,
    /// POST the original request to this URL.
    pub forward: Option<String>,
    /// Run this program with the payload on stdin.
    pub command: Option<Vec<String>>,
    /// `"30s"`, `"10m"`, or seconds [default: 30s]. Long values are fine (breakpoints).
    pub timeout: Option<DurationValue>,
    /// Delays between attempts after a failure, e.g. `["1m", "5m", "30m", "2h", "24h"]`.
    #[serde(default)]
    pub retry: Vec<DurationValue>,
    /// Verdicts that run this handler [default: valid and unverified].
    pub verdicts: Option<Vec<String>>,
    /// Also run for duplicates [default: false].
    #[serde(default)]
    pub duplicates: bool,
}

/// `"90s"`, `"5m"`, `"2h"`, `"1d"`, `"250ms"` or a number of seconds.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum DurationValue {
    Seconds(u64),
    Text(String),
}

impl DurationValue {
    pub fn to_duration(&self) -> Result<Duration, String> {
        match self {
            DurationValue::Seconds(s) => Ok(Duration::from_secs(*s)),
            DurationValue::Text(t) => parse_duration(t),
        }
    }
}

/// Parse `250ms`, `30s`, `5m`, `2h`, `1d` (or a bare number of seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (try 30s, 5m, 2h)"))?;
    let ms = match unit.trim() {
        "ms" => n,
        "" | "s" => n.saturating_mul(1_000),
        "m" => n.saturating_mul(60_000),
        "h" => n.saturating_mul(3_600_000),
        "d" => n.saturating_mul(86_400_000),
        other => return Err(format!("unknown unit '{other}' in duration '{text}'")),
    };
    Ok(Duration::from_millis(ms))
}

/// Was the delivery stored with its whole body? Not when it was over the limit (413) or
/// its body could not be read (400): such a delivery has nothing to forward or pipe.
pub fn has_body(s: &Summary) -> bool {
    !matches!(s.status, 400 | 413)
}

/// What a handler does.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Forward(String),
    Command(Vec<String>),
}

/// A validated handler.
#[derive(Clone, Debug, PartialEq)]
pub struct Handler {
    pub name: Arc<str>,
    pub events: Vec<String>,
    pub providers: Vec<String>,
    pub action: Action,
    pub timeout: Duration,
    pub retry: Vec<Duration>,
    pub verdicts: Vec<Verdict>,
    pub duplicates: bool,
}

impl Handler {
    /// Validate a spec (`index` names it in errors).
    pub fn from_spec(spec: &HandlerSpec, index: usize) -> Result<Handler, String> {
        let at = |msg: String| format!("handlers[{index}]: {msg}");
        let action = match (&spec.forward, &spec.command) {
            (Some(url), None) => {
                let u =
                    reqwest::Url::parse(url).map_err(|e| at(format!("forward = {url:?}: {e}")))?;
                match u.scheme() {
                    "http" => {}
                    "https" => {
                        return Err(at(format!(
                            "forward = {url:?}: this build has no TLS; forward to your app's local http:// port"
                        )));
                    }
                    _ => return Err(at(format!("forward = {url:?}: only http:// URLs"))),
                }
                Action::Forward(url.clone())
            }
            (None, Some(argv)) if !argv.is_empty() && !argv[0].is_empty() => {
                Action::Command(argv.clone())
            }
            (None, Some(_)) => return Err(at("command is empty".into())),
            (Some(_), Some(_)) => return Err(at("set either forward or command, not both".into())),
            (None, None) => {
                return Err(at(
                    "set forward = \"http://…\" or command = [\"prog\", …]".into()
                ));
            }
        };
        let timeout = match &spec.timeout {
            Some(t) => t.to_duration().map_err(at)?,
            None => DEFAULT_TIMEOUT,
        };
        let retry = spec
            .retry
            .iter()
            .map(|d| d.to_duration().map_err(at))
            .collect::<Result<Vec<_>, _>>()?;
        let verdicts = match &spec.verdicts {
            None => vec![Verdict::Valid, Verdict::Unverified],
            Some(v) => v
                .iter()
                .map(|s| Verdict::parse(s).ok_or_else(|| at(format!("unknown verdict '{s}'"))))
                .collect::<Result<Vec<_>, _>>()?,
        };
        let name = spec.name.clone().unwrap_or_else(|| match &action {
            Action::Forward(url) => format!("forward {url}"),
            Action::Command(argv) => argv.join(" "),
        });
        if name.trim().is_empty() {
            return Err(at("name is empty".into()));
        }
        Ok(Handler {
            name: Arc::from(name),
            events: spec.events.clone(),
            providers: spec
                .providers
                .iter()
                .map(|p| p.to_ascii_lowercase())
                .collect(),
            action,
            timeout,
            retry,
            verdicts,
            duplicates: spec.duplicates,
        })
    }

    /// The `--forward URL` handler.
    pub fn forward(url: &str) -> Result<Handler, String> {
        let spec = HandlerSpec {
            name: Some("forward".into()),
            events: Vec::new(),
            providers: Vec::new(),
            forward: Some(url.to_string()),
            command: None,
            timeout: None,
            retry: Vec::new(),
            verdicts: None,
            duplicates: false,
        };
        Handler::from_spec(&spec, 0).map_err(|e| e.replace("handlers[0]", "--forward"))
    }

    /// Does this handler take this delivery automatically?
    pub fn takes(&self, s: &Summary) -> bool {
        if s.duplicate && !self.duplicates {
            return false;
        }
        has_body(s) && self.selects(s) && self.verdicts.contains(&s.verdict)
    }

    /// Does the delivery match the handler's event and provider selection (for re-runs,
    /// which ignore the verdict and duplicate rules)?
    pub fn selects(&self, s: &Summary) -> bool {
        let provider_ok = self.providers.is_empty()
            || s.provider
                .as_deref()
                .is_some_and(|p| self.providers.iter().any(|x| x == p));
        let event = s.event_type.as_deref().unwrap_or("");
        let event_ok = self.events.is_empty()
            || self
                .events
                .iter()
                .any(|g| crate::filter::glob_match(g, event));
        provider_ok && event_ok
    }

    /// Attempts in all (the first plus one per retry delay).
    pub fn max_attempts(&self) -> u32 {
        self.retry.len() as u32 + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(event: &str, verdict: Verdict, duplicate: bool) -> Summary {
        Summary {
            id: 1,
            received_at_ms: 0,
            provider: Some("salesloft".into()),
            event_type: Some(event.into()),
            event_id: None,
            verdict,
            duplicate,
            status: 200,
            bytes: 2,
            path: "/".into(),
            replay_of: None,
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("12"), Ok(Duration::from_secs(12)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5y").is_err());
    }

    #[test]
    fn specs_validate() {
        let specs: toml::Table = toml::from_str(
            r#"
            [[handlers]]
            events = ["person_*"]
            providers = ["SalesLoft"]
            forward = "http://localhost:3000/hooks"
            retry = ["1m", "5m", "30m", "2h", "24h"]

            [[handlers]]
            command = ["python3", "handle.py"]
            timeout = 600
            verdicts = ["valid", "invalid"]
            "#,
        )
        .expect("toml");
        let list: Vec<HandlerSpec> = specs["handlers"].clone().try_into().expect("specs");
        let a = Handler::from_spec(&list[0], 0).expect("valid");
        assert_eq!(a.max_attempts(), 6);
        assert_eq!(a.timeout, DEFAULT_TIMEOUT);
        assert!(a.takes(&summary("person_updated", Verdict::Valid, false)));
        assert!(!a.takes(&summary("person_updated", Verdict::Valid, true)));
        assert!(!a.takes(&summary("person_updated", Verdict::Invalid, false)));
        assert!(!a.takes(&summary("call_created", Verdict::Valid, false)));
        let mut oversized = summary("person_updated", Verdict::Unverified, false);
        oversized.status = 413;
        assert!(
            !a.takes(&oversized),
            "a 413 delivery has no body to forward"
        );
        assert_eq!(a.retry[0], Duration::from_secs(60));
        let b = Handler::from_spec(&list[1], 1).expect("valid");
        assert_eq!(&*b.name, "python3 handle.py");
        assert_eq!(b.timeout, Duration::from_secs(600));
        assert!(b.takes(&summary("anything", Verdict::Invalid, false)));
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        let both: HandlerSpec =
            toml::from_str("forward = \"http://x\"\ncommand = [\"a\"]").expect("toml");
        assert!(
            Handler::from_spec(&both, 2)
                .expect_err("both")
                .contains("handlers[2]")
        );
        let none: HandlerSpec = toml::from_str("events = [\"x\"]").expect("toml");
        assert!(Handler::from_spec(&none, 0).is_err());
        let ftp: HandlerSpec = toml::from_str("forward = \"ftp://x\"").expect("toml");
        assert!(
            Handler::from_spec(&ftp, 0)
                .expect_err("scheme")
                .contains("http")
        );
        let tls: HandlerSpec = toml::from_str("forward = \"https://x\"").expect("toml");
        assert!(
            Handler::from_spec(&tls, 0)
                .expect_err("tls")
                .contains("no TLS")
        );
        assert!(toml::from_str::<HandlerSpec>("fowrard = \"http://x\"").is_err());
        assert!(
            Handler::forward("not a url")
                .expect_err("bad")
                .starts_with("--forward")
        );
    }
}

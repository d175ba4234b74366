//! Signed timestamps: parsing the profile's time format, the tolerance check with each
//! provider's direction rules (e.g. Stripe checks the past only), and the check of a timestamp
//! that lives inside the signed body (read only after the MAC verified).

use super::fields::{Context, describe};
use super::profile::{Profile, TimeFormat};
use super::{Check, Verdict, scheme};

/// The stale explanation when `ts` is outside the profile's tolerance at `now`.
pub(crate) fn skew(profile: &Profile, ts: i64, now: i64) -> Option<String> {
    let rule = &profile.timestamp;
    if !rule.signed {
        return None;
    }
    let age = now.saturating_sub(ts);
    let limit = |s: u64| i64::try_from(s).unwrap_or(i64::MAX);
    if rule.max_age_s > 0 && age > limit(rule.max_age_s) {
        return Some(format!(
            "signed timestamp {ts} is {age} s in the past (tolerance {} s); clock skew or a replay. The signature itself verifies",
            rule.max_age_s
        ));
    }
    let ahead = age.saturating_neg();
    if rule.max_future_s > 0 && ahead > limit(rule.max_future_s) {
        return Some(format!(
            "signed timestamp {ts} is {ahead} s in the future (tolerance {} s); check the clocks. The signature itself verifies",
            rule.max_future_s
        ));
    }
    None
}

/// A timestamp read from the (signed) body: checked only once the signature verified.
pub(super) fn json_timestamp(
    profile: &Profile,
    ctx: &Context<'_>,
    now: i64,
    check: &mut Check<'_>,
) {
    let parsed = ctx
        .resolve(&profile.timestamp.source)
        .map(|t| (parse_time(profile.timestamp.format, &t), t));
    if let Some((Some(t), _)) = parsed {
        check.timestamp = Some(t);
    }
    let enforced = profile.timestamp.max_age_s > 0 || profile.timestamp.max_future_s > 0;
    if check.verdict != Verdict::Valid || !enforced {
        return;
    }
    let source = describe(&profile.timestamp.source, profile);
    let (verdict, why) = match parsed {
        None => (
            Verdict::Malformed,
            format!("the signed timestamp ({source}) is missing"),
        ),
        Some((None, text)) => (
            Verdict::Malformed,
            format!(
                "the signed timestamp ({source}) \"{}\" is not {}",
                scheme::short(&text),
                format_name(profile.timestamp.format)
            ),
        ),
        Some((Some(t), _)) => match skew(profile, t, now) {
            Some(why) => (Verdict::Stale, why),
            None => return,
        },
    };
    check.verdict = verdict;
    check.explanation = Some(why);
}

pub(crate) fn parse_time(format: TimeFormat, text: &str) -> Option<i64> {
    match format {
        TimeFormat::UnixS => text.parse().ok(),
        TimeFormat::UnixMs => text.parse::<i64>().ok().map(|ms| ms.div_euclid(1000)),
        TimeFormat::Rfc3339 => chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|d| d.timestamp()),
    }
}

pub(super) fn format_name(format: TimeFormat) -> &'static str {
    match format {
        TimeFormat::UnixS => "unix seconds",
        TimeFormat::UnixMs => "unix milliseconds",
        TimeFormat::Rfc3339 => "an RFC 3339 time",
    }
}

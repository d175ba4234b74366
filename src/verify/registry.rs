//! The set of known provider profiles: the built-ins compiled in from `verify/profiles/*.toml`,
//! user profiles loaded from a directory (a user profile with a built-in id replaces it), lookup
//! by id, and detection of the provider from the request headers.

use super::profile::{Profile, Selector};
use http::HeaderMap;
use std::path::Path;

/// Built-in profiles, in detection-preference order.
const BUILTIN: [(&str, &str); 9] = [
    ("salesloft", include_str!("profiles/salesloft.toml")),
    ("salesloft-ts", include_str!("profiles/salesloft-ts.toml")),
    ("salesos", include_str!("profiles/salesos.toml")),
    ("github", include_str!("profiles/github.toml")),
    ("stripe", include_str!("profiles/stripe.toml")),
    (
        "standard-webhooks",
        include_str!("profiles/standard-webhooks.toml"),
    ),
    ("svix", include_str!("profiles/svix.toml")),
    ("slack", include_str!("profiles/slack.toml")),
    ("shopify", include_str!("profiles/shopify.toml")),
];

/// Known profiles in a stable order (built-ins first, then user profiles by file name).
#[derive(Clone, Debug, Default)]
pub struct Registry {
    profiles: Vec<Profile>,
}

impl Registry {
    /// The built-in profiles. A built-in that fails to parse is a bug caught by the tests; it is
    /// skipped here rather than taking the program down.
    pub fn builtin() -> Registry {
        let mut registry = Registry::default();
        for (file, text) in BUILTIN {
            match Profile::from_toml(text) {
                Ok(p) => {
                    registry.insert(p);
                }
                Err(e) => tracing::error!("built-in profile {file}.toml is broken: {e}"),
            }
        }
        registry
    }

    /// Adds a profile, replacing one with the same id in place. Returns true if it replaced one.
    pub fn insert(&mut self, profile: Profile) -> bool {
        match self.profiles.iter_mut().find(|p| p.id == profile.id) {
            Some(slot) => {
                *slot = profile;
                true
            }
            None => {
                self.profiles.push(profile);
                false
            }
        }
    }

    /// Loads every `*.toml` in `dir` (sorted by name). Returns warnings: each broken file is
    /// skipped with a warning naming the file and the error. A missing directory is not an error.
    pub fn load_dir(&mut self, dir: &Path) -> Vec<String> {
        let mut warnings = Vec::new();
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return warnings,
            Err(e) => {
                warnings.push(format!("profiles directory {}: {e}", dir.display()));
                return warnings;
            }
        };
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .collect();
        paths.sort();
        let mut seen: Vec<String> = Vec::new();
        for path in paths {
            let loaded = std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|text| Profile::from_toml(&text).map_err(|e| e.to_string()));
            match loaded {
                Ok(profile) => {
                    if seen.contains(&profile.id) {
                        warnings.push(format!(
                            "{}: profile id {:?} is also defined by an earlier file; this one wins",
                            path.display(),
                            profile.id
                        ));
                    }
                    seen.push(profile.id.clone());
                    self.insert(profile);
                }
                Err(e) => warnings.push(format!("{}: skipped: {}", path.display(), e.trim_end())),
            }
        }
        warnings
    }

    pub fn get(&self, id: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }

    pub fn ids(&self) -> Vec<&str> {
        self.profiles.iter().map(|p| p.id.as_str()).collect()
    }

    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// Picks the profile whose signature header is present. When several share it, the one whose
    /// other signed headers (timestamp, id) are also present wins; ties go to the earlier one.
    pub fn detect(&self, headers: &HeaderMap) -> Option<&Profile> {
        let mut best: Option<(&Profile, usize)> = None;
        for profile in &self.profiles {
            if !headers.contains_key(profile.signature_header_name()) {
                continue;
            }
            let present =
                |s: &Selector| matches!(s, Selector::Header(h) if headers.contains_key(h));
            let score = 1
                + usize::from(present(&profile.timestamp.source))
                + usize::from(present(&profile.id_source));
            if best.is_none_or(|(_, s)| score > s) {
                best = Some((profile, score));
            }
        }
        best.map(|(p, _)| p)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(names: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for n in names {
            h.insert(
                http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                HeaderValue::from_static("x"),
            );
        }
        h
    }

    #[test]
    fn every_builtin_parses_with_its_file_name_as_id() {
        for (file, text) in BUILTIN {
            let p = Profile::from_toml(text).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(p.id, file);
        }
        assert_eq!(
            Registry::builtin().ids(),
            vec![
                "salesloft",
                "salesloft-ts",
                "salesos",
                "github",
                "stripe",
                "standard-webhooks",
                "svix",
                "slack",
                "shopify"
            ]
        );
    }

    #[test]
    fn detection_by_signature_header() {
        let r = Registry::builtin();
        let id = |names: &[&str]| r.detect(&headers(names)).map(|p| p.id.clone());
        assert_eq!(
            id(&["X-Hub-Signature-256", "X-GitHub-Event"]),
            Some("github".into())
        );
        assert_eq!(id(&["stripe-signature"]), Some("stripe".into()));
        assert_eq!(
            id(&["svix-signature", "svix-id", "svix-timestamp"]),
            Some("svix".into())
        );
        assert_eq!(
            id(&["webhook-signature", "webhook-id", "webhook-timestamp"]),
            Some("standard-webhooks".into())
        );
        assert_eq!(id(&["x-slack-signature"]), Some("slack".into()));
        assert_eq!(id(&["x-shopify-hmac-sha256"]), Some("shopify".into()));
        assert_eq!(
            id(&["x-webhook-signature", "x-webhook-event"]),
            Some("salesos".into())
        );
        assert_eq!(
            id(&["x-salesloft-signature", "x-salesloft-event"]),
            Some("salesloft".into())
        );
        assert_eq!(
            id(&["x-salesloft-signature", "x-salesloft-timestamp"]),
            Some("salesloft-ts".into())
        );
        assert_eq!(id(&["content-type", "x-github-event"]), None);
    }

    #[test]
    fn user_dir_overrides_builtins_and_reports_broken_files() {
        let dir = tempfile::tempdir().unwrap();
        let github = BUILTIN[3]
            .1
            .replace("name = \"GitHub\"", "name = \"GitHub (mine)\"");
        std::fs::write(dir.path().join("gh.toml"), github).unwrap();
        std::fs::write(
            dir.path().join("broken.toml"),
            "id = \"x\"\n[signature]\nalgorithm = \"md5\"\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("typo.toml"), "id = \"y\"\nsignatur = 1\n").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a profile").unwrap();
        let custom =
            "id = \"acme\"\n[signature]\nalgorithm = \"hmac-sha256\"\nheader = \"X-Acme-Sig\"\n";
        std::fs::write(dir.path().join("acme.toml"), custom).unwrap();

        let mut r = Registry::builtin();
        let warnings = r.load_dir(dir.path());
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].contains("broken.toml") && warnings[0].contains("md5"),
            "{warnings:?}"
        );
        assert!(
            warnings[1].contains("typo.toml") && warnings[1].contains("signatur"),
            "{warnings:?}"
        );
        assert_eq!(r.get("github").unwrap().name, "GitHub (mine)");
        assert_eq!(r.ids().iter().filter(|i| **i == "github").count(), 1);
        let acme = r.get("acme").unwrap();
        assert_eq!(acme.signature_header(), "x-acme-sig");
        assert_eq!(r.ids().last(), Some(&"acme"));
        assert!(r.load_dir(&dir.path().join("absent")).is_empty());
    }
}

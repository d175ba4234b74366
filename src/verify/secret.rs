//! Configured signing secrets: a newtype that never prints itself, and the per-provider list
//! that allows rotation (any configured secret may verify).

use std::collections::BTreeMap;
use std::fmt;

/// A configured signing secret. Never printed: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The secret itself, for key derivation only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Secrets per provider id; several per provider during a rotation (any one verifies).
#[derive(Clone, Debug, Default)]
pub struct Secrets(BTreeMap<String, Vec<Secret>>);

impl Secrets {
    pub fn new() -> Secrets {
        Secrets::default()
    }

    pub fn insert(&mut self, provider: &str, secret: Secret) {
        self.0.entry(provider.to_owned()).or_default().push(secret);
    }

    /// The secrets for `provider`, empty when none is configured.
    pub fn get(&self, provider: &str) -> &[Secret] {
        self.0.get(provider).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(Vec::is_empty)
    }

    /// Provider ids with at least one secret, sorted.
    pub fn providers(&self) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, _)| k.as_str())
            .collect()
    }
}

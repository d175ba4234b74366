//! The keymap: the default bindings (`keymap/default.toml`, `action = ["k", "up"]`), user
//! overrides from the config's `[keys]` table merged on top, pure resolution of a crossterm
//! `KeyEvent` to an [`Action`], and the help overlay's rows generated from the same data.

mod action;
mod key;
#[cfg(test)]
mod tests;

pub use action::Action;
pub use key::KeyBinding;

use crossterm::event::{KeyEvent, KeyEventKind};
use std::collections::HashMap;
use std::fmt;

const DEFAULT_KEYMAP: &str = include_str!("keymap/default.toml");

/// A bad `[keys]` entry; `entry` is the action name as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeymapError {
    pub entry: String,
    pub message: String,
}

impl fmt::Display for KeymapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "keys.{}: {}", self.entry, self.message)
    }
}

impl std::error::Error for KeymapError {}

fn entry_error(entry: &str, message: impl Into<String>) -> KeymapError {
    KeymapError {
        entry: entry.to_string(),
        message: message.into(),
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Keymap {
    /// Keys per action, in `Action::ALL` order (the help overlay's order).
    bindings: Vec<(Action, Vec<KeyBinding>)>,
    lookup: HashMap<KeyBinding, Action>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        let table: toml::Table = toml::from_str(DEFAULT_KEYMAP).unwrap_or_default();
        let (entries, _errors) = parse_entries(&table);
        let mut map = Keymap {
            bindings: Action::ALL.iter().map(|&a| (a, Vec::new())).collect(),
            lookup: HashMap::new(),
        };
        for (action, keys) in entries {
            map.set(action, keys);
        }
        map.rebuild();
        map
    }
}

/// Read `action = ["key", …]` (or `action = "key"`) entries; bad ones become errors.
fn parse_entries(table: &toml::Table) -> (Vec<(Action, Vec<KeyBinding>)>, Vec<KeymapError>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (name, value) in table {
        let Some(action) = Action::from_name(name) else {
            errors.push(entry_error(name, "unknown action"));
            continue;
        };
        let strings: Vec<&toml::Value> = match value {
            toml::Value::Array(items) => items.iter().collect(),
            single @ toml::Value::String(_) => vec![single],
            _ => {
                errors.push(entry_error(
                    name,
                    "expected a list of keys like [\"k\", \"up\"]",
                ));
                continue;
            }
        };
        let parsed: Result<Vec<KeyBinding>, String> = strings
            .into_iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| format!("`{v}` is not a key string"))
                    .and_then(KeyBinding::parse)
            })
            .collect();
        match parsed {
            Ok(keys) => entries.push((action, keys)),
            Err(message) => errors.push(entry_error(name, message)),
        }
    }
    (entries, errors)
}

impl Keymap {
    /// The default keymap with the user's `[keys]` table merged on top. Bad entries are
    /// skipped and returned as errors; the rest still apply.
    pub fn with_overrides(keys: &toml::Table) -> (Keymap, Vec<KeymapError>) {
        let mut map = Keymap::default();
        let errors = map.apply(keys);
        (map, errors)
    }

    /// Merge user entries: each replaces its action's keys and takes those keys away from
    /// any other action. Two entries claiming one key is an error for the later entry.
    pub fn apply(&mut self, keys: &toml::Table) -> Vec<KeymapError> {
        let (entries, mut errors) = parse_entries(keys);
        let mut claimed: HashMap<KeyBinding, Action> = HashMap::new();
        for (action, wanted) in entries {
            let mut mine = Vec::new();
            for key in wanted {
                match claimed.get(&key) {
                    Some(other) if *other != action => errors.push(entry_error(
                        action.name(),
                        format!("`{key}` is already bound to {} in [keys]", other.name()),
                    )),
                    _ => {
                        claimed.insert(key, action);
                        if !mine.contains(&key) {
                            mine.push(key);
                        }
                    }
                }
            }
            self.set(action, mine);
        }
        for (action, list) in &mut self.bindings {
            list.retain(|k| claimed.get(k).is_none_or(|owner| owner == action));
        }
        self.rebuild();
        errors
    }

    fn set(&mut self, action: Action, keys: Vec<KeyBinding>) {
        if let Some((_, list)) = self.bindings.iter_mut().find(|(a, _)| *a == action) {
            *list = keys;
        }
    }

    fn rebuild(&mut self) {
        self.lookup = self
            .bindings
            .iter()
            .flat_map(|(a, keys)| keys.iter().map(move |k| (*k, *a)))
            .collect();
    }

    /// The action bound to a key press (repeats count; releases never do).
    pub fn resolve(&self, ev: &KeyEvent) -> Option<Action> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        self.lookup.get(&KeyBinding::from_event(ev)).copied()
    }

    /// The keys bound to an action.
    pub fn keys(&self, action: Action) -> &[KeyBinding] {
        self.bindings
            .iter()
            .find(|(a, _)| *a == action)
            .map_or(&[], |(_, k)| k.as_slice())
    }

    /// One row per bound action for the help overlay: (`"j, down"`, description).
    pub fn help_rows(&self) -> Vec<(String, &'static str)> {
        self.bindings
            .iter()
            .filter(|(_, keys)| !keys.is_empty())
            .map(|(action, keys)| {
                let keys: Vec<String> = keys.iter().map(KeyBinding::to_string).collect();
                (keys.join(", "), action.description())
            })
            .collect()
    }
}

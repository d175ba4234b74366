//! Colour themes: flat TOML files of semantic roles (see [`Role`]), built in from `themes/`
//! and overridable by name from `<config dir>/themes/<name>.toml`. Colours are parsed by
//! ratatui (`Color: FromStr`); unset roles follow fallbacks; a broken user theme falls back
//! to `dark` and says so. [`Theme::no_color`] honours `NO_COLOR` with modifiers only.

mod role;

pub use role::{Fallback, Role};

use ratatui::style::{Color, Modifier, Style};
use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

/// The default theme's name.
pub const DEFAULT_THEME: &str = "dark";

/// Built-in themes, compiled in from `themes/`.
pub const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

/// A resolved theme: one colour per role.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    name: String,
    colors: HashMap<Role, Color>,
    no_color: bool,
}

/// A theme file read but not yet resolved: the roles it sets and the names it did not know.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ThemeFile {
    pub extends: Option<String>,
    pub roles: HashMap<Role, Color>,
    pub unknown: Vec<String>,
}

impl ThemeFile {
    /// Parse a theme file. Unknown role names are collected in `unknown`, not errors; a value
    /// that is not a colour is an error naming the role.
    pub fn parse(src: &str) -> Result<ThemeFile, String> {
        let table: toml::Table = toml::from_str(src).map_err(|e| short_toml_error(&e))?;
        let mut file = ThemeFile::default();
        for (key, value) in table {
            if key == "extends" {
                let base = value.as_str().ok_or("`extends` must be a theme name")?;
                file.extends = Some(base.to_string());
                continue;
            }
            let Some(role) = Role::from_name(&key) else {
                file.unknown.push(key);
                continue;
            };
            let color = value
                .as_str()
                .and_then(|s| Color::from_str(s).ok())
                .ok_or_else(|| format!("`{key}` = {value} is not a colour"))?;
            file.roles.insert(role, color);
        }
        Ok(file)
    }
}

/// The first and last lines of a toml error (position and reason), without the snippet.
fn short_toml_error(e: &toml::de::Error) -> String {
    let text = e.to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("invalid TOML");
    match lines.next_back() {
        Some(last) => format!("{first}: {last}"),
        None => first.to_string(),
    }
}

fn builtin_source(name: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, src)| *src)
}

impl Theme {
    /// Resolve every role of `roles` layered over `base` (user roles win), then fallbacks.
    fn resolve(
        name: &str,
        base: Option<&HashMap<Role, Color>>,
        roles: &HashMap<Role, Color>,
    ) -> Theme {
        let mut set = base.cloned().unwrap_or_default();
        set.extend(roles.iter().map(|(r, c)| (*r, *c)));
        let colors = Role::ALL
            .iter()
            .map(|&role| {
                let mut r = role;
                // Fallback chains are short and acyclic; the bound is only a guard.
                for _ in 0..Role::ALL.len() {
                    if let Some(c) = set.get(&r) {
                        return (role, *c);
                    }
                    match r.fallback() {
                        Fallback::Role(next) => r = next,
                        Fallback::Color(c) => return (role, c),
                    }
                }
                (role, Color::Reset)
            })
            .collect();
        Theme {
            name: name.to_string(),
            colors,
            no_color: false,
        }
    }

    /// The roles a built-in theme file sets.
    fn builtin_roles(name: &str) -> Option<HashMap<Role, Color>> {
        ThemeFile::parse(builtin_source(name)?)
            .ok()
            .map(|f| f.roles)
    }

    /// A built-in theme by name.
    pub fn builtin(name: &str) -> Option<Theme> {
        Theme::builtin_roles(name).map(|roles| Theme::resolve(name, None, &roles))
    }

    /// The default theme (`dark`); only fallbacks if the embedded file were ever broken.
    pub fn dark() -> Theme {
        Theme::builtin(DEFAULT_THEME)
            .unwrap_or_else(|| Theme::resolve(DEFAULT_THEME, None, &HashMap::new()))
    }

    /// Every role `Color::Reset`; styles carry only modifiers (bold, dim, reversed selection).
    pub fn no_color() -> Theme {
        Theme {
            name: "no-color".into(),
            colors: Role::ALL.iter().map(|&r| (r, Color::Reset)).collect(),
            no_color: true,
        }
    }

    /// True when the `NO_COLOR` environment variable is set to a non-empty value.
    pub fn no_color_requested() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }

    /// Load theme `name`: the user file `<config_dir>/themes/<name>.toml` layered over the
    /// built-in of the same name (or the one it `extends`), else the built-in alone. Returns a
    /// warning for the status bar when the theme is missing or broken (then `dark` is used)
    /// or names unknown roles (they are ignored).
    pub fn load(name: &str, config_dir: Option<&Path>) -> (Theme, Option<String>) {
        let safe_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        let user_path = config_dir
            .filter(|_| safe_name)
            .map(|d| d.join("themes").join(format!("{name}.toml")))
            .filter(|p| p.is_file());
        let Some(path) = user_path else {
            return match Theme::builtin(name) {
                Some(t) => (t, None),
                None => (
                    Theme::dark(),
                    Some(format!("theme {name} not found, using {DEFAULT_THEME}")),
                ),
            };
        };
        let loaded = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|src| Theme::from_user_file(name, &src));
        match loaded {
            Ok((theme, unknown)) if unknown.is_empty() => (theme, None),
            Ok((theme, unknown)) => {
                let list = unknown.join(", ");
                (
                    theme,
                    Some(format!("theme {name}: unknown roles ignored: {list}")),
                )
            }
            Err(e) => (
                Theme::dark(),
                Some(format!("theme {name} broken: {e}, using {DEFAULT_THEME}")),
            ),
        }
    }

    /// Resolve a user theme file's text; returns the theme and its unknown role names.
    pub fn from_user_file(name: &str, src: &str) -> Result<(Theme, Vec<String>), String> {
        let file = ThemeFile::parse(src)?;
        let base = match &file.extends {
            Some(b) => Some(Theme::builtin_roles(b).ok_or(format!("extends unknown theme `{b}`"))?),
            None => Theme::builtin_roles(name),
        };
        Ok((
            Theme::resolve(name, base.as_ref(), &file.roles),
            file.unknown,
        ))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn is_no_color(&self) -> bool {
        self.no_color
    }

    /// The resolved colour of a role.
    pub fn color(&self, role: Role) -> Color {
        self.colors.get(&role).copied().unwrap_or(Color::Reset)
    }

    /// The style to draw a role with: foreground (or, for background roles, background plus
    /// their text colour) and the role's modifiers. Without colour, the selection and the
    /// status bar are reversed instead.
    pub fn style(&self, role: Role) -> Style {
        let base = Style::default().add_modifier(role.modifiers());
        if self.no_color {
            return match role {
                Role::Selection | Role::StatusBar => base.add_modifier(Modifier::REVERSED),
                _ => base,
            };
        }
        match role {
            Role::Selection => base
                .bg(self.color(Role::Selection))
                .fg(self.color(Role::SelectionText)),
            Role::StatusBar => base
                .bg(self.color(Role::StatusBar))
                .fg(self.color(Role::Text)),
            r => base.fg(self.color(r)),
        }
    }
}

#[cfg(test)]
mod tests;

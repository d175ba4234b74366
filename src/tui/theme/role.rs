//! The semantic colour roles a theme file may set, their TOML names, what each falls back
//! to when a theme leaves it out, and the modifiers each carries (also without colour).

use ratatui::style::{Color, Modifier};

macro_rules! roles {
    ($($variant:ident = $name:literal => $fallback:expr),* $(,)?) => {
        /// A semantic colour role; themes map each to a colour.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Role {
            $($variant),*
        }

        impl Role {
            pub const ALL: &'static [Role] = &[$(Role::$variant),*];

            /// The key used in theme files.
            pub fn name(self) -> &'static str {
                match self {
                    $(Role::$variant => $name),*
                }
            }

            /// Where an unset role takes its colour from.
            pub fn fallback(self) -> Fallback {
                match self {
                    $(Role::$variant => $fallback),*
                }
            }
        }
    };
}

/// What an unset role resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    Role(Role),
    Color(Color),
}

use Fallback::{Color as C, Role as R};

roles! {
    Text = "text" => C(Color::Reset),
    Muted = "muted" => C(Color::DarkGray),
    Border = "border" => R(Role::Muted),
    BorderFocus = "border_focus" => R(Role::Accent),
    Title = "title" => R(Role::Accent),
    Selection = "selection" => C(Color::DarkGray),
    SelectionText = "selection_text" => R(Role::Text),
    Header = "header" => R(Role::Title),
    StatusBar = "status_bar" => C(Color::Reset),
    VerdictValid = "verdict_valid" => C(Color::Green),
    VerdictInvalid = "verdict_invalid" => R(Role::Error),
    VerdictMissing = "verdict_missing" => R(Role::Error),
    VerdictStale = "verdict_stale" => R(Role::Error),
    VerdictMalformed = "verdict_malformed" => R(Role::Error),
    VerdictUnverified = "verdict_unverified" => R(Role::Muted),
    Duplicate = "duplicate" => R(Role::Muted),
    HandlerOk = "handler_ok" => R(Role::VerdictValid),
    HandlerFailed = "handler_failed" => R(Role::Error),
    HandlerPending = "handler_pending" => R(Role::Muted),
    JsonKey = "json_key" => R(Role::Accent),
    JsonString = "json_string" => R(Role::Text),
    JsonNumber = "json_number" => R(Role::Text),
    JsonBool = "json_bool" => R(Role::Text),
    JsonNull = "json_null" => R(Role::Muted),
    JsonPunct = "json_punct" => R(Role::Muted),
    SearchMatch = "search_match" => R(Role::Accent),
    Toast = "toast" => R(Role::Accent),
    Error = "error" => C(Color::Red),
    Accent = "accent" => R(Role::Text),
}

impl Role {
    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.name() == name)
    }

    /// Modifiers a role always carries, so that it reads without colour too (`NO_COLOR`).
    pub fn modifiers(self) -> Modifier {
        match self {
            Role::Title
            | Role::Header
            | Role::Error
            | Role::BorderFocus
            | Role::Selection
            | Role::Toast
            | Role::VerdictInvalid
            | Role::VerdictMissing
            | Role::VerdictStale
            | Role::VerdictMalformed
            | Role::HandlerFailed => Modifier::BOLD,
            Role::SearchMatch => Modifier::BOLD.union(Modifier::UNDERLINED),
            Role::Muted | Role::Duplicate | Role::JsonPunct => Modifier::DIM,
            _ => Modifier::empty(),
        }
    }
}

//! The dashboard: pure building blocks (keymap, theme, sanitizing untrusted text, the JSON
//! inspector's tree model), the clipboard and the terminal guard; the app state, the
//! runtime loop and the panes build on them.

pub mod clipboard;
pub mod json_view;
pub mod keymap;
pub mod sanitize;
pub mod terminal;
pub mod theme;

//! The dashboard: pure building blocks (keymap, theme, sanitizing untrusted text, the JSON
//! inspector's tree model) and, later, the app state, the runtime loop and the panes.

pub mod json_view;
pub mod keymap;
pub mod sanitize;
pub mod theme;

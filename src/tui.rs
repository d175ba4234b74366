//! The dashboard: pure building blocks (keymap, theme, sanitizing untrusted text, the JSON
//! inspector's tree model), the app state with its pure `update` ([`app`]), the panes drawn
//! from it ([`ui`]) and the loop that owns the terminal and performs effects ([`runtime`]).

pub mod app;
pub mod clipboard;
pub mod json_view;
pub mod keymap;
pub mod runtime;
pub mod sanitize;
pub mod terminal;
pub mod theme;
pub mod ui;

use crate::config::Settings;

/// `hookwatch` / `hookwatch --demo`: the receiver and the dashboard in one process.
/// Returns when the user quits (or on SIGTERM/SIGHUP); the terminal is always restored.
pub fn run(settings: Settings, demo: bool) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(runtime::run(settings, demo));
    terminal::restore();
    // Background tasks (demo sender, keep-alive connections) must not hold the exit.
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}

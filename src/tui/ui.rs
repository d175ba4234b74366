//! Drawing: a pure function of `&App` and `&Theme` into a ratatui `Frame`. The layout comes
//! from [`crate::tui::app::layout`] (shared with mouse handling); each pane lives in its own
//! file. Every untrusted string is escaped by `sanitize` before it reaches a cell.

mod filter_bar;
mod help;
mod inspector;
mod list;
mod status;
#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod tests_inspector;
mod toast;

use crate::tui::app::{App, Focus, Mode};
use crate::tui::theme::{Role, Theme};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, BorderType, Borders};

/// Draw the whole screen.
pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let areas = app.areas();
    status::title(frame, areas.title, app, theme);
    filter_bar::draw(frame, areas.filter, app, theme);
    if areas.list.width > 0 {
        list::draw(frame, areas.list, app, theme);
    }
    if areas.inspector.width > 0 {
        inspector::draw(frame, areas.inspector, app, theme);
    }
    status::draw(frame, areas.status, app, theme);
    match &app.mode {
        Mode::Help { scroll } => help::draw(frame, app, theme, *scroll),
        Mode::ConfirmRerunAll(n) => toast::confirm(frame, *n, theme),
        _ => {}
    }
    toast::draw(frame, areas.status, app, theme);
}

/// A pane's bordered block, highlighted when focused.
fn pane(focused: bool, theme: &Theme) -> Block<'static> {
    let border = if focused {
        theme.style(Role::BorderFocus)
    } else {
        theme.style(Role::Border)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(border)
}

fn focused(app: &App, f: Focus) -> bool {
    app.focus == f && matches!(app.mode, Mode::Normal | Mode::Search)
}

/// A centered rect of `w` x `h` cells inside `r` (clamped).
fn centered(r: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(r.width);
    let h = h.min(r.height);
    Rect::new(r.x + (r.width - w) / 2, r.y + (r.height - h) / 2, w, h)
}

/// Human size: `512 B`, `1.6 KiB`, `5.2 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "K", "M", "G"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    match u {
        0 => format!("{n}B"),
        _ if v < 10.0 => format!("{v:.1}{}", UNITS[u]),
        _ => format!("{v:.0}{}", UNITS[u]),
    }
}

/// `HH:MM:SS.mmm` (or `HH:MM:SS` when `short`) in the app's local offset.
pub fn clock(ms: i64, offset_s: i32, short: bool) -> String {
    let local = ms + i64::from(offset_s) * 1000;
    let day_ms = local.rem_euclid(86_400_000);
    let (h, m, s, milli) = (
        day_ms / 3_600_000,
        day_ms / 60_000 % 60,
        day_ms / 1000 % 60,
        day_ms % 1000,
    );
    if short {
        format!("{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}.{milli:03}")
    }
}

fn muted(theme: &Theme) -> Style {
    theme.style(Role::Muted)
}

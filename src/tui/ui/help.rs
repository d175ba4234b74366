//! The help overlay: every bound key with its action's description, generated from the
//! keymap (user overrides included, so it cannot drift), then the filter language.

use super::{centered, muted};
use crate::tui::app::App;
use crate::tui::theme::{Role, Theme};
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

/// The filter language, one example per line.
const FILTER_HELP: &[(&str, &str)] = &[
    ("type:person_*", "event type glob (* and ?)"),
    ("provider:github", "provider glob"),
    ("sig:invalid  sig:bad", "verdict, or any rejected one"),
    ("dup:yes  status:4xx", "duplicates, answered status"),
    ("handler:failed", "ok, failed, pending, none"),
    ("id:42", "one delivery"),
    ("word \"a phrase\"", "type, provider or body contains it"),
    (".data.email ~ acme", "JSON field: == != > >= < <= ~"),
    ("-term   a or b", "negate a term; alternatives"),
];

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme, scroll: usize) {
    let screen = frame.area();
    let area = centered(screen, 72, screen.height.saturating_sub(2));
    let mut lines = vec![Line::from(Span::styled("Keys", theme.style(Role::Header)))];
    let rows = app.setup.keymap.help_rows();
    let key_w = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    for (keys, desc) in rows {
        lines.push(Line::from(vec![
            Span::styled(format!("  {keys:<key_w$}  "), theme.style(Role::Accent)),
            Span::styled(desc, theme.style(Role::Text)),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Filter",
        theme.style(Role::Header),
    )));
    for (example, desc) in FILTER_HELP {
        lines.push(Line::from(vec![
            Span::styled(format!("  {example:<22}  "), theme.style(Role::Accent)),
            Span::styled(*desc, muted(theme)),
        ]));
    }
    let inner_h = usize::from(area.height.saturating_sub(2));
    let scroll = scroll.min(lines.len().saturating_sub(inner_h));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocus))
        .title(Span::styled(" Help ", theme.style(Role::Title)))
        .title_bottom(Span::styled(" j/k scroll · any key closes ", muted(theme)));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll as u16, 0)),
        area,
    );
}

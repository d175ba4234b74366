//! Short-lived messages: the toast (what was copied and how, export paths, handler re-run
//! outcomes, errors) drawn above the status bar, and the y/n box before re-running all.

use super::{centered, muted};
use crate::tui::app::App;
use crate::tui::sanitize::{display_width, escape_str, truncate_width};
use crate::tui::theme::{Role, Theme};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

pub fn draw(frame: &mut Frame, status: Rect, app: &App, theme: &Theme) {
    let Some(t) = &app.toast else { return };
    let screen = frame.area();
    let max_w = usize::from(screen.width.saturating_sub(4)).max(10);
    let text = truncate_width(&escape_str(&t.text), max_w * 2);
    let w = (display_width(&text) + 4)
        .min(max_w + 4)
        .min(usize::from(screen.width)) as u16;
    let lines_needed = if display_width(&text) + 4 > usize::from(w) {
        2
    } else {
        1
    };
    let h = (lines_needed + 2).min(status.y as usize) as u16;
    if h < 3 {
        return;
    }
    let area = Rect::new(
        screen.width.saturating_sub(w + 1),
        status.y.saturating_sub(h),
        w,
        h,
    );
    let role = if t.error { Role::Error } else { Role::Toast };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.style(role));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(Span::styled(text, theme.style(role)))
            .block(block)
            .wrap(Wrap { trim: true }),
        area,
    );
}

pub fn confirm(frame: &mut Frame, n: usize, theme: &Theme) {
    let area = centered(frame.area(), 52, 5);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::Error))
        .title(Span::styled(" Re-run handlers ", theme.style(Role::Title)));
    let lines = vec![
        Line::from(format!("Re-run the handlers of {n} deliveries?")),
        Line::from(vec![
            Span::styled("y", theme.style(Role::Accent)),
            Span::styled(" yes   ", muted(theme)),
            Span::styled("n", theme.style(Role::Accent)),
            Span::styled(" no", muted(theme)),
        ]),
    ];
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block).centered(), area);
}

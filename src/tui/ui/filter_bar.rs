//! The filter bar: `/` and the query (being typed, with the cursor, or the one in effect),
//! what it shows (`12 of 3456`, or "filtering… N/M" while bodies are read), and on a second
//! line a parse error pointing at its position (the last good filter stays applied).

use super::muted;
use crate::tui::app::{App, Mode};
use crate::tui::sanitize::{display_width, escape_str, truncate_width};
use crate::tui::theme::{Role, Theme};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Shown in the empty bar.
pub const PLACEHOLDER: &str =
    "press / to filter: type:push sig:invalid provider:github handler:failed -dup .data.id==3";

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let editing = app.mode == Mode::Filter;
    let value = app.filter.input.value();
    let shown = app.list.shown_len(&app.rows);
    let count = match app.filter.progress {
        Some((done, total)) => format!(" filtering… {done}/{total} "),
        None if app.filter.applied.is_empty() => format!(" {} total ", app.rows.len()),
        None => format!(" {shown} of {} ", app.rows.len()),
    };
    let width = usize::from(area.width);
    let text_w = width.saturating_sub(3 + count.len());
    let prompt_role = if editing {
        Role::BorderFocus
    } else {
        Role::Muted
    };
    let mut spans = vec![Span::styled(" / ", theme.style(prompt_role))];
    let scroll = if editing {
        app.filter.input.visual_scroll(text_w)
    } else {
        0
    };
    if value.is_empty() && !editing {
        spans.push(Span::styled(
            truncate_width(PLACEHOLDER, text_w),
            muted(theme),
        ));
    } else {
        let text: String = value.chars().skip(scroll).collect();
        let role = if app.filter.error.is_some() {
            Role::Error
        } else {
            Role::Text
        };
        spans.push(Span::styled(
            truncate_width(&escape_str(&text), text_w),
            theme.style(role),
        ));
    }
    let used: usize = spans.iter().map(|s| display_width(&s.content)).sum();
    spans.push(Span::raw(
        " ".repeat(width.saturating_sub(used + count.len())),
    ));
    let count_role = if app.filter.progress.is_some() {
        Role::Accent
    } else {
        Role::Muted
    };
    spans.push(Span::styled(count, theme.style(count_role)));
    let line = Rect { height: 1, ..area };
    frame.render_widget(Paragraph::new(Line::from(spans)), line);
    if editing {
        let x = app.filter.input.visual_cursor().saturating_sub(scroll) + 3;
        frame.set_cursor_position(Position::new(area.x + x.min(width) as u16, area.y));
    }
    if let (Some(e), true) = (&app.filter.error, area.height > 1) {
        let col = value
            .get(..e.pos)
            .map(|head| display_width(&escape_str(head)))
            .unwrap_or(0)
            .saturating_sub(scroll);
        let msg = format!("{}^ {}", " ".repeat(col + 3), escape_str(&e.to_string()));
        let kept = if app.filter.applied.is_empty() {
            String::new()
        } else {
            format!(
                "  (still showing: {})",
                escape_str(&app.filter.applied_text)
            )
        };
        let err_line = Line::from(vec![
            Span::styled(truncate_width(&msg, width), theme.style(Role::Error)),
            Span::styled(kept, muted(theme)),
        ]);
        frame.render_widget(
            Paragraph::new(err_line),
            Rect {
                y: area.y + 1,
                height: 1,
                ..area
            },
        );
    }
}

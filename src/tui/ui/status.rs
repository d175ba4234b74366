//! The title line (name, listen address, key hints) and the status bar: counts by verdict
//! with their symbols, a deliveries/s sparkline over the last minute, the "caught up N"
//! notice after the channel lagged, warnings (theme, keys, config) and the last error.

use super::muted;
use crate::delivery::Verdict;
use crate::tui::app::details::{verdict_role, verdict_symbol};
use crate::tui::app::{App, Mode};
use crate::tui::sanitize::{display_width, escape_str, truncate_width};
use crate::tui::theme::{Role, Theme};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

/// Widest the sparkline gets (one column per second).
const SPARK_MAX: u16 = 30;

pub fn title(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut left = vec![
        Span::styled(" hookwatch ", theme.style(Role::Title)),
        Span::styled(
            format!("http://{}", app.setup.listen),
            theme.style(Role::Text),
        ),
    ];
    if app.setup.demo {
        left.push(Span::styled(" demo", theme.style(Role::Accent)));
    }
    let hints = match app.mode {
        Mode::Filter => " enter apply · esc close ",
        Mode::Search => " enter search · esc close ",
        Mode::Help { .. } => " esc close ",
        Mode::ConfirmRerunAll(_) => " y confirm · n cancel ",
        Mode::Normal => " / filter · ? help · q quit ",
    };
    let used: usize = left.iter().map(|s| display_width(&s.content)).sum();
    let room = usize::from(area.width).saturating_sub(used);
    if room > hints.len() {
        left.push(Span::raw(" ".repeat(room - hints.len())));
        left.push(Span::styled(hints, muted(theme)));
    }
    frame.render_widget(
        Paragraph::new(Line::from(left)).style(theme.style(Role::StatusBar)),
        area,
    );
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    frame.render_widget(Paragraph::new("").style(theme.style(Role::StatusBar)), area);
    let series = app.rows.rate_series(app.now_ms);
    let rate = series.last().copied().unwrap_or(0);
    let rate_text = format!(" {rate}/s ");
    let spark_w = if area.width >= 80 {
        SPARK_MAX
    } else if area.width >= 60 {
        12
    } else {
        0
    };
    let [text_area, spark_area, rate_area] = Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(spark_w),
        Constraint::Length(if spark_w > 0 {
            rate_text.len() as u16
        } else {
            0
        }),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(Line::from(left_spans(
            app,
            theme,
            usize::from(text_area.width),
        ))),
        text_area,
    );
    if spark_w > 0 {
        let tail = &series[series.len().saturating_sub(usize::from(spark_w))..];
        frame.render_widget(
            Sparkline::default()
                .data(tail)
                .style(theme.style(Role::Accent)),
            spark_area,
        );
        frame.render_widget(
            Paragraph::new(Span::styled(rate_text, muted(theme))),
            rate_area,
        );
    }
}

fn left_spans<'a>(app: &App, theme: &Theme, width: usize) -> Vec<Span<'a>> {
    let mut spans = vec![Span::raw(" ")];
    for v in Verdict::ALL {
        let n = app.rows.count(v);
        if n > 0 || matches!(v, Verdict::Valid | Verdict::Invalid) {
            spans.push(Span::styled(
                format!("{} {n} ", verdict_symbol(v)),
                theme.style(verdict_role(v)),
            ));
        }
    }
    if app.rows.duplicates() > 0 {
        spans.push(Span::styled(
            format!("dup {} ", app.rows.duplicates()),
            theme.style(Role::Duplicate),
        ));
    }
    if app.setup.stored > app.rows.len() as u64 && !app.rows.is_empty() {
        spans.push(Span::styled(
            format!(
                "(newest {} of {} loaded) ",
                app.rows.len(),
                app.setup.stored
            ),
            muted(theme),
        ));
    }
    let sep = || Span::styled("│ ", muted(theme));
    if let Some((done, total)) = app.filter.progress {
        spans.push(sep());
        spans.push(Span::styled(
            format!("filtering… {done}/{total} "),
            theme.style(Role::Accent),
        ));
    }
    if let Some((n, _)) = app.caught_up {
        spans.push(sep());
        spans.push(Span::styled(
            format!("lagged: caught up {n} from the store "),
            theme.style(Role::Accent),
        ));
    }
    let used: usize = spans.iter().map(|s| display_width(&s.content)).sum();
    let room = width.saturating_sub(used + 2);
    let mut tail = vec![sep()];
    if let Some(e) = &app.last_error {
        tail.push(Span::styled(
            truncate_width(&format!("error: {}", escape_str(e)), room),
            theme.style(Role::Error),
        ));
    } else if let Some(n) = app.setup.notices.first() {
        let more = match app.setup.notices.len() {
            1 => String::new(),
            k => format!(" (+{} more)", k - 1),
        };
        tail.push(Span::styled(
            truncate_width(&format!("⚠ {}{more}", escape_str(n)), room),
            theme.style(Role::Error),
        ));
    }
    if tail.len() > 1 {
        spans.extend(tail);
    }
    spans
}

//! The event list pane: one row per delivery in the visible window only (time, provider,
//! event type, verdict symbol + word, duplicate/replay mark, handler result, size), columns
//! dropped from the least important as the pane narrows; empty and no-match states.

use super::{clock, focused, human_bytes, muted, pane};
use crate::tui::app::details::{verdict_role, verdict_symbol};
use crate::tui::app::rows::Row as DeliveryRow;
use crate::tui::app::{App, Focus};
use crate::tui::sanitize::{escape_str, truncate_width};
use crate::tui::theme::{Role, Theme};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    /// The selection marker (the row also gets the selection style).
    Mark0,
    Id,
    Time,
    Provider,
    Event,
    Sig,
    Mark,
    Handler,
    Size,
}

impl Col {
    fn title(self) -> &'static str {
        match self {
            Col::Mark0 => "",
            Col::Id => "#",
            Col::Time => "time",
            Col::Provider => "provider",
            Col::Event => "event",
            Col::Sig => "signature",
            Col::Mark => "",
            Col::Handler => "handler",
            Col::Size => "size",
        }
    }
}

/// Columns and their widths for an inner width (the event column takes the rest).
fn columns(width: u16) -> Vec<(Col, u16)> {
    let all: &[(Col, u16)] = if width >= 100 {
        &[
            (Col::Id, 5),
            (Col::Time, 12),
            (Col::Provider, 12),
            (Col::Event, 0),
            (Col::Sig, 12),
            (Col::Mark, 4),
            (Col::Handler, 14),
            (Col::Size, 6),
        ]
    } else if width >= 84 {
        &[
            (Col::Time, 12),
            (Col::Provider, 12),
            (Col::Event, 0),
            (Col::Sig, 12),
            (Col::Mark, 4),
            (Col::Handler, 14),
            (Col::Size, 6),
        ]
    } else if width >= 64 {
        &[
            (Col::Time, 8),
            (Col::Provider, 10),
            (Col::Event, 0),
            (Col::Sig, 12),
            (Col::Mark, 4),
            (Col::Handler, 14),
        ]
    } else if width >= 52 {
        &[
            (Col::Time, 8),
            (Col::Event, 0),
            (Col::Sig, 12),
            (Col::Handler, 12),
        ]
    } else {
        &[(Col::Time, 8), (Col::Event, 0), (Col::Sig, 12)]
    };
    let fixed: u16 = all.iter().map(|(_, w)| w + 1).sum::<u16>() + 1;
    let event = width.saturating_sub(fixed).max(6);
    std::iter::once((Col::Mark0, 1))
        .chain(
            all.iter()
                .map(|&(c, w)| (c, if c == Col::Event { event } else { w })),
        )
        .collect()
}

/// One cell; `width` is the column's, `selected` marks the selected row.
struct Place {
    width: u16,
    selected: bool,
}

fn cell<'a>(app: &App, r: &DeliveryRow, col: Col, at: Place, theme: &Theme) -> Cell<'a> {
    let (width, selected) = (at.width, at.selected);
    let s = &r.summary;
    let fit = |text: &str| truncate_width(text, usize::from(width));
    let text = |text: &str, role: Role| Cell::from(Span::styled(fit(text), theme.style(role)));
    match col {
        Col::Mark0 if selected => Cell::from("▌"),
        Col::Mark0 => Cell::from(""),
        Col::Id => Cell::from(Line::from(fit(&s.id.to_string())).alignment(Alignment::Right)),
        Col::Time => text(
            &clock(s.received_at_ms, app.setup.utc_offset_s, width < 12),
            Role::Muted,
        ),
        Col::Provider => text(
            &escape_str(s.provider.as_deref().unwrap_or("-")),
            Role::Text,
        ),
        Col::Event => text(
            &escape_str(s.event_type.as_deref().unwrap_or("-")),
            Role::Text,
        ),
        Col::Sig => text(
            &format!("{} {}", verdict_symbol(s.verdict), s.verdict),
            verdict_role(s.verdict),
        ),
        Col::Mark => match (s.duplicate, s.replay_of) {
            (true, _) => text("dup", Role::Duplicate),
            (false, Some(_)) => text("edit", Role::Accent),
            _ => Cell::from(""),
        },
        Col::Handler => match &r.handler {
            Some(h) => {
                let role = match h.state() {
                    "ok" => Role::HandlerOk,
                    "failed" => Role::HandlerFailed,
                    _ => Role::HandlerPending,
                };
                text(&h.short(), role)
            }
            None => text("·", Role::Muted),
        },
        Col::Size => Cell::from(
            Line::from(Span::styled(human_bytes(s.bytes), theme.style(Role::Muted)))
                .alignment(Alignment::Right),
        ),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let shown = app.list.shown_len(&app.rows);
    let mut title = vec![Span::styled(" Deliveries ", theme.style(Role::Title))];
    if !app.filter.applied.is_empty() || shown != app.rows.len() {
        title.push(Span::styled(
            format!("{shown}/{} ", app.rows.len()),
            muted(theme),
        ));
    }
    let mode = match (app.list.frozen_at, app.list.follow) {
        (Some(_), _) => {
            let n = app.list.new_while_frozen(&app.rows);
            Span::styled(format!(" FROZEN +{n} new "), theme.style(Role::Error))
        }
        (None, true) => Span::styled(" FOLLOW ", theme.style(Role::VerdictValid)),
        (None, false) if app.list.offset > 0 => Span::styled(
            format!(" ↑ {} newer · PAUSED ", app.list.offset),
            theme.style(Role::Accent),
        ),
        (None, false) => Span::styled(" PAUSED ", muted(theme)),
    };
    let block = pane(focused(app, Focus::List), theme)
        .title(Line::from(title))
        .title(Line::from(mode).alignment(Alignment::Right));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if shown == 0 {
        empty(frame, inner, app, theme);
        return;
    }
    let cols = columns(inner.width);
    let header = Row::new(cols.iter().map(|(c, w)| {
        let line = Line::from(Span::styled(c.title(), theme.style(Role::Header)));
        let _ = w;
        match c {
            Col::Id | Col::Size => Cell::from(line.alignment(Alignment::Right)),
            _ => Cell::from(line),
        }
    }));
    let height = usize::from(inner.height.saturating_sub(1));
    let selected = app.list.selected_index(&app.rows);
    let rows: Vec<Row> = (app.list.offset..app.list.offset + height)
        .filter_map(|i| app.list.display_row(&app.rows, i).map(|r| (i, r)))
        .map(|(i, r)| {
            let sel = Some(i) == selected;
            let row = Row::new(cols.iter().map(|&(c, w)| {
                cell(
                    app,
                    r,
                    c,
                    Place {
                        width: w,
                        selected: sel,
                    },
                    theme,
                )
            }));
            if Some(i) == selected {
                row.style(theme.style(Role::Selection))
            } else {
                row
            }
        })
        .collect();
    let widths: Vec<Constraint> = cols.iter().map(|(_, w)| Constraint::Length(*w)).collect();
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, inner);
}

fn empty(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let lines = if app.rows.is_empty() {
        let url = format!("http://{}/webhooks/<provider>", app.setup.listen);
        let mut l = vec![
            Line::from(Span::styled(
                "Waiting for webhooks…",
                theme.style(Role::Title),
            )),
            Line::from(""),
            Line::from(vec![Span::styled("POST to ", muted(theme)), Span::raw(url)]),
        ];
        if !app.setup.demo {
            l.push(Line::from(Span::styled(
                "or run hookwatch --demo for sample deliveries",
                muted(theme),
            )));
        }
        l
    } else if app.list.frozen_at.is_some() && app.filter.applied.is_empty() {
        vec![Line::from(Span::styled(
            "Frozen (space to resume)",
            muted(theme),
        ))]
    } else {
        let q = escape_str(&app.filter.applied_text);
        let mut l = vec![
            Line::from(Span::styled(
                "No delivery matches",
                theme.style(Role::Title),
            )),
            Line::from(Span::raw(q)),
            Line::from(""),
        ];
        if let Some((done, total)) = app.filter.progress {
            l.push(Line::from(Span::styled(
                format!("still reading bodies… {done}/{total}"),
                muted(theme),
            )));
        }
        l.push(Line::from(Span::styled(
            "Esc clears the filter",
            muted(theme),
        )));
        l
    };
    let top = area.height.saturating_sub(lines.len() as u16) / 2;
    let area = Rect {
        y: area.y + top,
        height: area.height - top,
        ..area
    };
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: false }),
        area,
    );
}

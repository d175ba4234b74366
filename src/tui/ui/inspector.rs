//! The inspector pane: a tab line (Body, Headers, Raw, Verdict, Handler runs), the selected
//! delivery's content windowed to the pane (the JSON tree draws only its visible lines; raw
//! text is escaped and wrapped per segment; non-UTF-8 bodies show a hex dump) and, on the
//! bottom border, the jq path under the cursor and the search state.

use super::{focused, human_bytes, muted, pane};
use crate::tui::app::details::{self, DetailLine, verdict_role, verdict_symbol, wrap};
use crate::tui::app::inspector::{Loaded, Tab};
use crate::tui::app::{App, Focus, Mode};
use crate::tui::sanitize::{escape_bytes, escape_str, hex_dump, truncate_width};
use crate::tui::theme::{Role, Theme};
use ratatui::Frame;
use ratatui::layout::{Alignment, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let is_focused = focused(app, Focus::Inspector);
    let loaded = app.inspector.current(app.list.selected);
    let mut block = pane(is_focused, theme).title(title(app, loaded, theme));
    if let Some(bottom) = bottom_title(app, loaded, theme) {
        block = block.title_bottom(bottom);
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let tabs_area = Rect { height: 1, ..inner };
    let selected = Tab::ALL
        .iter()
        .position(|t| *t == app.inspector.tab)
        .unwrap_or(0);
    let tabs = Tabs::new(Tab::ALL.iter().map(|t| t.title()))
        .select(selected)
        .style(muted(theme))
        .highlight_style(
            theme
                .style(Role::Title)
                .add_modifier(ratatui::style::Modifier::UNDERLINED),
        );
    frame.render_widget(tabs, tabs_area);
    let body = app.areas().inspector_body();
    let body = Rect {
        x: inner.x,
        width: inner.width,
        ..body
    };
    let lines = match loaded {
        Some(l) => content(app, l, body, theme, is_focused),
        None => placeholder(app, theme),
    };
    frame.render_widget(Paragraph::new(lines), body);
    if app.mode == Mode::Search {
        search_line(frame, body, app, theme);
    }
}

fn title<'a>(app: &App, loaded: Option<&Loaded>, theme: &Theme) -> Line<'a> {
    let Some(l) = loaded else {
        return Line::from(Span::styled(" Inspector ", theme.style(Role::Title)));
    };
    let s = &l.delivery.summary;
    let label = format!(
        " #{} {} {}",
        s.id,
        escape_str(s.provider.as_deref().unwrap_or("-")),
        escape_str(s.event_type.as_deref().unwrap_or("-"))
    );
    let max = usize::from(app.size.width / 2).max(10);
    Line::from(vec![
        Span::styled(truncate_width(&label, max), theme.style(Role::Title)),
        Span::styled(
            format!(" {} {} ", verdict_symbol(s.verdict), s.verdict),
            theme.style(verdict_role(s.verdict)),
        ),
    ])
}

fn bottom_title<'a>(app: &App, loaded: Option<&Loaded>, theme: &Theme) -> Option<Line<'a>> {
    let l = loaded?;
    let mut spans = Vec::new();
    let search = &app.inspector.search;
    if app.mode == Mode::Search || !search.input.value().is_empty() {
        let count = match search.matches.len() {
            0 if search.input.value().is_empty() => String::new(),
            0 => " no match".into(),
            n => format!(" {}/{n}", search.current + 1),
        };
        spans.push(Span::styled(
            format!(" /{}{count} ", escape_str(search.input.value())),
            theme.style(Role::SearchMatch),
        ));
    }
    if let Some(path) = app.inspector.path() {
        let max = usize::from(app.areas().inspector.width).saturating_sub(24);
        spans.push(Span::styled(
            format!(" {} ", truncate_width(&path, max)),
            theme.style(Role::Accent),
        ));
    }
    let tab_len = match app.inspector.tab {
        Tab::Body => l.body_len(),
        Tab::Raw => l.raw_len(),
        t => details::lines(l, t, app.inspector.width).len(),
    };
    let pos = match app.inspector.tab {
        Tab::Body => app.inspector.cursor + 1,
        _ => app.inspector.scroll() + 1,
    };
    spans.push(Span::styled(
        format!(
            " {}/{} · {} ",
            pos.min(tab_len),
            tab_len,
            human_bytes(l.delivery.body.len() as u64)
        ),
        muted(theme),
    ));
    Some(Line::from(spans).alignment(Alignment::Right))
}

fn placeholder<'a>(app: &App, theme: &Theme) -> Vec<Line<'a>> {
    let text = match (&app.inspector.error, app.list.selected) {
        (Some(e), _) => {
            return vec![Line::from(Span::styled(
                escape_str(e),
                theme.style(Role::Error),
            ))];
        }
        (None, Some(id)) => format!("loading #{id}…"),
        (None, None) => "select a delivery to inspect it".into(),
    };
    vec![Line::from(Span::styled(text, muted(theme)))]
}

fn content<'a>(app: &App, l: &Loaded, area: Rect, theme: &Theme, focused: bool) -> Vec<Line<'a>> {
    let h = usize::from(area.height);
    let w = usize::from(area.width);
    let scroll = app.inspector.scroll();
    match app.inspector.tab {
        Tab::Body => match &l.tree {
            Ok(tree) => {
                let cursor_style = if focused {
                    theme.style(Role::Selection)
                } else {
                    muted(theme).add_modifier(ratatui::style::Modifier::REVERSED)
                };
                let matches = &app.inspector.search.matches;
                tree.lines(scroll, h, theme)
                    .into_iter()
                    .enumerate()
                    .map(|(i, line)| {
                        let n = scroll + i;
                        if n == app.inspector.cursor {
                            line.style(cursor_style)
                        } else if matches.binary_search(&n).is_ok() {
                            line.style(theme.style(Role::SearchMatch))
                        } else {
                            line
                        }
                    })
                    .collect()
            }
            Err(why) => {
                let mut out: Vec<Line> = details::wrap_words(&escape_str(why), w)
                    .into_iter()
                    .map(|p| Line::from(Span::styled(p, muted(theme))))
                    .collect();
                let rest = h.saturating_sub(out.len());
                out.extend(raw(l, scroll, rest, w, theme));
                out
            }
        },
        Tab::Raw => raw(l, scroll, h, w, theme),
        tab => details::lines(l, tab, w)
            .into_iter()
            .skip(scroll)
            .take(h)
            .map(|d| styled(d, theme))
            .collect(),
    }
}

fn styled<'a>(line: DetailLine, theme: &Theme) -> Line<'a> {
    Line::from(
        line.into_iter()
            .map(|(role, text)| Span::styled(text, theme.style(role)))
            .collect::<Vec<_>>(),
    )
}

/// The raw body from segment (or hex row) `first`: escaped, wrapped, at most `h` lines.
fn raw<'a>(l: &Loaded, first: usize, h: usize, w: usize, theme: &Theme) -> Vec<Line<'a>> {
    let body = &l.delivery.body;
    if body.is_empty() {
        let why = if l.delivery.summary.bytes > 0 {
            "(body over the limit: not stored)"
        } else {
            "(empty body)"
        };
        return vec![Line::from(Span::styled(why, muted(theme)))];
    }
    if !l.utf8 {
        return hex_dump(body, first, h)
            .into_iter()
            .map(|row| Line::from(Span::styled(row, theme.style(Role::Text))))
            .collect();
    }
    let mut out = Vec::with_capacity(h);
    for &(a, b) in l.segments.iter().skip(first) {
        for piece in wrap(&escape_bytes(&body[a..b]), w) {
            if out.len() == h {
                return out;
            }
            out.push(Line::from(Span::styled(piece, Style::default())));
        }
    }
    out
}

/// The search prompt on the pane's last line while typing, with the cursor in it.
fn search_line(frame: &mut Frame, body: Rect, app: &App, theme: &Theme) {
    let line = Rect {
        y: body.y + body.height.saturating_sub(1),
        height: 1,
        ..body
    };
    let input = &app.inspector.search.input;
    let width = usize::from(line.width.saturating_sub(2));
    let scroll = input.visual_scroll(width);
    let shown: String = escape_str(input.value()).chars().skip(scroll).collect();
    let text = Line::from(vec![
        Span::styled("/", theme.style(Role::Accent)),
        Span::styled(shown, theme.style(Role::Text)),
    ]);
    frame.render_widget(ratatui::widgets::Clear, line);
    frame.render_widget(Paragraph::new(text), line);
    let x = (input.visual_cursor().saturating_sub(scroll) + 1) as u16;
    frame.set_cursor_position(Position::new(line.x + x.min(line.width), line.y));
}

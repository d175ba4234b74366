//! Where each pane goes for a terminal size: a title line, the filter bar (two lines while
//! it shows an error), the event list and the inspector (side by side when wide, stacked
//! when tall, only the focused one when small) and the status bar. Pure, shared by the
//! drawing code and by mouse handling.

use ratatui::layout::{Constraint, Direction, Layout, Rect};

/// Width from which the list and the inspector sit side by side.
pub const SIDE_BY_SIDE_WIDTH: u16 = 110;
/// Height from which they are stacked; below it only the focused pane is shown.
pub const STACKED_HEIGHT: u16 = 24;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub title: Rect,
    pub filter: Rect,
    /// The list pane, border included (empty when hidden).
    pub list: Rect,
    /// The inspector pane, border included (empty when hidden).
    pub inspector: Rect,
    pub status: Rect,
}

impl Areas {
    /// Table body rows of the list: inside the border, below the column header.
    pub fn list_rows(&self) -> Rect {
        let inner = inner(self.list);
        Rect {
            y: inner.y.saturating_add(1),
            height: inner.height.saturating_sub(1),
            ..inner
        }
    }

    /// The inspector's content: inside the border, below the tab line.
    pub fn inspector_body(&self) -> Rect {
        let inner = inner(self.inspector);
        Rect {
            y: inner.y.saturating_add(1),
            height: inner.height.saturating_sub(1),
            ..inner
        }
    }
}

/// A rect without its one-cell border.
pub fn inner(r: Rect) -> Rect {
    Rect {
        x: r.x.saturating_add(1),
        y: r.y.saturating_add(1),
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}

/// Lay out a screen; `filter_lines` is 1, or 2 while the bar shows an error;
/// `inspector_focused` picks the pane shown when only one fits.
pub fn areas(screen: Rect, filter_lines: u16, inspector_focused: bool) -> Areas {
    let [title, filter, main, status] = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(1),
            Constraint::Length(filter_lines),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(screen);
    let empty = Rect::new(main.x, main.y, 0, 0);
    let (list, inspector) = if screen.width >= SIDE_BY_SIDE_WIDTH {
        let [l, i] = Layout::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(main);
        (l, i)
    } else if screen.height >= STACKED_HEIGHT {
        let [l, i] = Layout::default()
            .direction(Direction::Vertical)
            .constraints([Constraint::Percentage(45), Constraint::Percentage(55)])
            .areas(main);
        (l, i)
    } else if inspector_focused {
        (empty, main)
    } else {
        (main, empty)
    };
    Areas {
        title,
        filter,
        list,
        inspector,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_tall_and_small_screens() {
        let wide = areas(Rect::new(0, 0, 160, 40), 1, false);
        assert_eq!(wide.list.y, wide.inspector.y);
        assert!(wide.list.width > 0 && wide.inspector.width > 0);
        assert_eq!(wide.status.y, 39);
        let tall = areas(Rect::new(0, 0, 80, 40), 2, false);
        assert_eq!(tall.filter.height, 2);
        assert_eq!(tall.list.x, tall.inspector.x);
        assert!(tall.inspector.y > tall.list.y);
        let small = areas(Rect::new(0, 0, 40, 12), 1, false);
        assert_eq!(small.inspector.width, 0);
        assert_eq!(small.list.height, 9);
        assert_eq!(small.list_rows().height, 6);
        let small = areas(Rect::new(0, 0, 40, 12), 1, true);
        assert_eq!(small.list.width, 0);
        assert_eq!(small.inspector_body().height, 6);
    }
}

//! Keymap tests: key parsing and normalization, resolution, overrides, errors, defaults.

#![allow(clippy::unwrap_used)]

use super::*;
use crossterm::event::{KeyCode, KeyEventState, KeyModifiers as M};

fn ev(code: KeyCode, mods: M) -> KeyEvent {
    KeyEvent::new(code, mods)
}

fn ch(c: char) -> KeyEvent {
    ev(KeyCode::Char(c), M::NONE)
}

fn table(src: &str) -> toml::Table {
    toml::from_str(src).unwrap()
}

#[test]
fn default_map_parses_cleanly_and_binds_every_action() {
    let t: toml::Table = toml::from_str(DEFAULT_KEYMAP).unwrap();
    let (entries, errors) = parse_entries(&t);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(entries.len(), Action::ALL.len());
    let map = Keymap::default();
    for a in Action::ALL {
        assert!(!map.keys(*a).is_empty(), "{} unbound", a.name());
    }
}

#[test]
fn no_two_actions_share_a_key_by_default() {
    let t: toml::Table = toml::from_str(DEFAULT_KEYMAP).unwrap();
    let (entries, _) = parse_entries(&t);
    let mut seen: HashMap<KeyBinding, Action> = HashMap::new();
    for (action, keys) in entries {
        for k in keys {
            if let Some(prev) = seen.insert(k, action) {
                panic!("`{k}` bound to both {} and {}", prev.name(), action.name());
            }
        }
    }
}

#[test]
fn parses_key_strings() {
    let p = |s: &str| KeyBinding::parse(s).unwrap();
    assert_eq!(p("ctrl-c"), KeyBinding::new(KeyCode::Char('c'), M::CONTROL));
    assert_eq!(p("CTRL-c"), p("ctrl-c"));
    assert_eq!(p("shift-tab"), KeyBinding::new(KeyCode::BackTab, M::NONE));
    assert_eq!(p("backtab"), p("shift-tab"));
    assert_eq!(p("enter").code, KeyCode::Enter);
    assert_eq!(p("esc").code, KeyCode::Esc);
    assert_eq!(p("pgup").code, KeyCode::PageUp);
    assert_eq!(p("PageDown").code, KeyCode::PageDown);
    assert_eq!(p("space").code, KeyCode::Char(' '));
    assert_eq!(p("f5").code, KeyCode::F(5));
    assert_eq!(p("G"), KeyBinding::new(KeyCode::Char('G'), M::NONE));
    assert_eq!(p("shift-g"), p("G"));
    assert_eq!(p("?").code, KeyCode::Char('?'));
    assert_eq!(p("-").code, KeyCode::Char('-'));
    assert_eq!(p("ctrl--"), KeyBinding::new(KeyCode::Char('-'), M::CONTROL));
    assert_eq!(
        p("alt-shift-up"),
        KeyBinding::new(KeyCode::Up, M::ALT | M::SHIFT)
    );
    for bad in ["", "ctrl-", "ctrl-foo", "hyper-x", "f0", "f99", "\u{1b}"] {
        assert!(KeyBinding::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn key_strings_round_trip_through_display() {
    for s in [
        "ctrl-c",
        "shift-tab",
        "G",
        "?",
        "space",
        "pgdn",
        "alt-enter",
        "f12",
        "ctrl-y",
    ] {
        let k = KeyBinding::parse(s).unwrap();
        assert_eq!(k.to_string(), s);
        assert_eq!(KeyBinding::parse(&k.to_string()).unwrap(), k);
    }
}

#[test]
fn resolves_defaults_with_modifiers() {
    let m = Keymap::default();
    assert_eq!(m.resolve(&ch('j')), Some(Action::Down));
    assert_eq!(m.resolve(&ev(KeyCode::Down, M::NONE)), Some(Action::Down));
    assert_eq!(m.resolve(&ch('q')), Some(Action::Quit));
    assert_eq!(
        m.resolve(&ev(KeyCode::Char('c'), M::CONTROL)),
        Some(Action::Quit)
    );
    assert_eq!(m.resolve(&ch('c')), Some(Action::CopyCurl));
    assert_eq!(
        m.resolve(&ev(KeyCode::Char('d'), M::CONTROL)),
        Some(Action::PageDown)
    );
    assert_eq!(m.resolve(&ch('d')), None);
    assert_eq!(m.resolve(&ev(KeyCode::Char('j'), M::ALT)), None);
    assert_eq!(
        m.resolve(&ev(KeyCode::Tab, M::NONE)),
        Some(Action::FocusNext)
    );
    assert_eq!(m.resolve(&ch(' ')), Some(Action::ToggleFreeze));
    assert_eq!(
        m.resolve(&ev(KeyCode::Enter, M::NONE)),
        Some(Action::ToggleNode)
    );
}

#[test]
fn shift_and_uppercase_are_one_key() {
    let m = Keymap::default();
    // Terminals report G as 'G'+SHIFT, as 'G', or (kitty) as 'g'+SHIFT.
    assert_eq!(m.resolve(&ch('G')), Some(Action::Bottom));
    assert_eq!(
        m.resolve(&ev(KeyCode::Char('G'), M::SHIFT)),
        Some(Action::Bottom)
    );
    assert_eq!(
        m.resolve(&ev(KeyCode::Char('g'), M::SHIFT)),
        Some(Action::Bottom)
    );
    assert_eq!(m.resolve(&ch('g')), Some(Action::Top));
    assert_eq!(
        m.resolve(&ev(KeyCode::Char('?'), M::SHIFT)),
        Some(Action::Help)
    );
    assert_eq!(
        m.resolve(&ev(KeyCode::Char('Y'), M::SHIFT)),
        Some(Action::CopyHeadersAndPayload)
    );
    assert_eq!(
        m.resolve(&ev(KeyCode::BackTab, M::SHIFT)),
        Some(Action::FocusPrev)
    );
    assert_eq!(
        m.resolve(&ev(KeyCode::Tab, M::SHIFT)),
        Some(Action::FocusPrev)
    );
}

#[test]
fn releases_do_not_resolve_repeats_do() {
    let m = Keymap::default();
    let mut e = ch('j');
    e.kind = KeyEventKind::Release;
    assert_eq!(m.resolve(&e), None);
    e.kind = KeyEventKind::Repeat;
    e.state = KeyEventState::NONE;
    assert_eq!(m.resolve(&e), Some(Action::Down));
}

#[test]
fn user_overrides_replace_and_steal_keys() {
    let (m, errors) = Keymap::with_overrides(&table(
        "quit = [\"ctrl-q\"]\ncopy_curl = \"j\"\nhelp = []\n",
    ));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        m.resolve(&ev(KeyCode::Char('q'), M::CONTROL)),
        Some(Action::Quit)
    );
    assert_eq!(m.resolve(&ch('q')), None);
    assert_eq!(m.resolve(&ev(KeyCode::Char('c'), M::CONTROL)), None);
    // `j` moved from down to copy_curl; down keeps its other key.
    assert_eq!(m.resolve(&ch('j')), Some(Action::CopyCurl));
    assert_eq!(m.resolve(&ch('c')), None);
    assert_eq!(m.keys(Action::Down), [KeyBinding::parse("down").unwrap()]);
    assert_eq!(m.resolve(&ch('?')), None);
    assert!(
        m.help_rows()
            .iter()
            .all(|(_, d)| *d != Action::Help.description())
    );
}

#[test]
fn bad_entries_are_reported_by_name_and_the_rest_apply() {
    let (m, errors) = Keymap::with_overrides(&table(
        "down = [\"ctrl-nope\"]\nfrobnicate = [\"z\"]\nup = 5\ntop = [\"z\"]\nbottom = [\"z\"]\n",
    ));
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        shown.contains(&"keys.down: unknown key `ctrl-nope`".to_string()),
        "{shown:?}"
    );
    assert!(
        shown.contains(&"keys.frobnicate: unknown action".to_string()),
        "{shown:?}"
    );
    assert!(
        shown
            .iter()
            .any(|e| e.starts_with("keys.up: expected a list")),
        "{shown:?}"
    );
    // bottom and top both claim z: the later (table order) entry is refused.
    assert!(
        shown
            .iter()
            .any(|e| e.starts_with("keys.top: `z` is already bound to bottom")),
        "{shown:?}"
    );
    assert_eq!(errors.len(), 4);
    assert_eq!(m.resolve(&ch('z')), Some(Action::Bottom));
    // The broken `down` entry left the defaults in place.
    assert_eq!(m.resolve(&ch('j')), Some(Action::Down));
}

#[test]
fn help_rows_come_from_the_keymap() {
    let m = Keymap::default();
    let rows = m.help_rows();
    assert_eq!(rows.len(), Action::ALL.len());
    assert_eq!(rows[0], ("q, ctrl-c".to_string(), "quit hookwatch"));
    assert!(rows.contains(&("j, down".to_string(), Action::Down.description())));
    assert!(rows.contains(&("shift-tab".to_string(), Action::FocusPrev.description())));
    let (m, _) = Keymap::with_overrides(&table("down = [\"s\"]\n"));
    assert!(
        m.help_rows()
            .contains(&("s".to_string(), Action::Down.description()))
    );
}

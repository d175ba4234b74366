//! Theme tests: built-ins complete and parseable, fallbacks, user overrides, broken files.

#![allow(clippy::unwrap_used)]

use super::*;
use std::fs;

#[test]
fn every_builtin_theme_sets_and_resolves_every_role() {
    for (name, src) in BUILTIN {
        let file = ThemeFile::parse(src).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(file.unknown.is_empty(), "{name}: {:?}", file.unknown);
        for role in Role::ALL {
            assert!(
                file.roles.contains_key(role),
                "{name} lacks {}",
                role.name()
            );
        }
        let theme = Theme::builtin(name).unwrap();
        assert_eq!(theme.name(), *name);
        for role in Role::ALL {
            assert_eq!(theme.color(*role), file.roles[role]);
        }
    }
}

#[test]
fn every_file_in_themes_dir_is_built_in() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut builtin: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
    builtin.sort();
    assert_eq!(names, builtin);
}

#[test]
fn role_names_round_trip() {
    for role in Role::ALL {
        assert_eq!(Role::from_name(role.name()), Some(*role));
    }
    assert_eq!(Role::from_name("nope"), None);
}

#[test]
fn missing_roles_fall_back() {
    let (t, unknown) =
        Theme::from_user_file("mine", "error = \"#ff0000\"\naccent = \"lightblue\"\n").unwrap();
    assert!(unknown.is_empty());
    assert_eq!(t.color(Role::VerdictInvalid), Color::Rgb(255, 0, 0));
    assert_eq!(t.color(Role::VerdictStale), Color::Rgb(255, 0, 0));
    assert_eq!(t.color(Role::BorderFocus), Color::LightBlue);
    assert_eq!(t.color(Role::JsonKey), Color::LightBlue);
    assert_eq!(t.color(Role::Text), Color::Reset);
    assert_eq!(t.color(Role::JsonString), Color::Reset);
    assert_eq!(t.color(Role::Border), Color::DarkGray);
}

#[test]
fn colours_in_every_ratatui_form() {
    let src = "text = \"#1e1e2e\"\nmuted = \"dark-gray\"\naccent = \"42\"\nerror = \"Light Red\"\n";
    let (t, _) = Theme::from_user_file("x", src).unwrap();
    assert_eq!(t.color(Role::Text), Color::Rgb(0x1e, 0x1e, 0x2e));
    assert_eq!(t.color(Role::Muted), Color::DarkGray);
    assert_eq!(t.color(Role::Accent), Color::Indexed(42));
    assert_eq!(t.color(Role::Error), Color::LightRed);
}

#[test]
fn user_file_overrides_builtin_of_same_name_or_extends() {
    let (t, _) = Theme::from_user_file("light", "accent = \"red\"\n").unwrap();
    let light = Theme::builtin("light").unwrap();
    assert_eq!(t.color(Role::Accent), Color::Red);
    assert_eq!(t.color(Role::Text), light.color(Role::Text));
    let (t, _) =
        Theme::from_user_file("mine", "extends = \"high-contrast\"\ntext = \"red\"\n").unwrap();
    assert_eq!(t.color(Role::Text), Color::Red);
    assert_eq!(t.color(Role::Selection), Color::Blue);
    let e = Theme::from_user_file("mine", "extends = \"nope\"\n").unwrap_err();
    assert!(e.contains("nope"), "{e}");
}

fn config_with(name: &str, src: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("themes")).unwrap();
    fs::write(dir.path().join("themes").join(format!("{name}.toml")), src).unwrap();
    dir
}

#[test]
fn load_builtin_user_and_missing() {
    let (t, w) = Theme::load("light", None);
    assert_eq!((t.name(), w), ("light", None));
    let (t, w) = Theme::load("solarized", None);
    assert_eq!(t.name(), "dark");
    assert_eq!(w.unwrap(), "theme solarized not found, using dark");
    let dir = config_with("solarized", "extends = \"light\"\naccent = \"#268bd2\"\n");
    let (t, w) = Theme::load("solarized", Some(dir.path()));
    assert_eq!(w, None);
    assert_eq!(t.name(), "solarized");
    assert_eq!(t.color(Role::Accent), Color::Rgb(0x26, 0x8b, 0xd2));
    // Names that could escape the themes folder are never read.
    let (t, w) = Theme::load("../themes/solarized", Some(dir.path()));
    assert_eq!(t.name(), "dark");
    assert!(w.unwrap().contains("not found"));
}

#[test]
fn broken_user_theme_falls_back_and_says_so() {
    let dir = config_with("dark", "text = \"#12345\"\n");
    let (t, w) = Theme::load("dark", Some(dir.path()));
    assert_eq!(t, Theme::dark());
    let w = w.unwrap();
    assert!(w.starts_with("theme dark broken: "), "{w}");
    assert!(w.contains("`text`") && w.ends_with(", using dark"), "{w}");

    let dir = config_with("mine", "text = [unclosed\n");
    let (t, w) = Theme::load("mine", Some(dir.path()));
    assert_eq!(t.name(), "dark");
    let w = w.unwrap();
    assert!(w.starts_with("theme mine broken: TOML parse error"), "{w}");
    assert!(!w.contains('\n'), "{w}");
}

#[test]
fn unknown_roles_are_reported_not_fatal() {
    let dir = config_with(
        "mine",
        "txet = \"red\"\naccent = \"blue\"\nborder_focused = \"red\"\n",
    );
    let (t, w) = Theme::load("mine", Some(dir.path()));
    assert_eq!(t.color(Role::Accent), Color::Blue);
    let w = w.unwrap();
    assert!(
        w.contains("unknown roles ignored") && w.contains("txet") && w.contains("border_focused"),
        "{w}"
    );
}

#[test]
fn styles_and_no_color() {
    let t = Theme::dark();
    let sel = t.style(Role::Selection);
    assert_eq!(sel.bg, Some(t.color(Role::Selection)));
    assert_eq!(sel.fg, Some(t.color(Role::SelectionText)));
    assert_eq!(t.style(Role::JsonKey).fg, Some(t.color(Role::JsonKey)));
    assert!(t.style(Role::Title).add_modifier.contains(Modifier::BOLD));

    let n = Theme::no_color();
    assert!(n.is_no_color());
    for role in Role::ALL {
        assert_eq!(n.color(*role), Color::Reset);
        let s = n.style(*role);
        assert!(s.fg.is_none() && s.bg.is_none(), "{}", role.name());
    }
    assert!(
        n.style(Role::Selection)
            .add_modifier
            .contains(Modifier::REVERSED)
    );
    assert!(n.style(Role::Error).add_modifier.contains(Modifier::BOLD));
}

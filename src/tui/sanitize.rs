//! Makes untrusted text (bodies, headers, keys from the network) safe to draw: C0 controls in
//! caret notation (`^@`, `^[`, `^?` for DEL), C1 controls and bidi/invisible format characters
//! as `\u{…}`, invalid UTF-8 as `\xNN`, tabs expanded; plus display-width truncation and the
//! raw tab's hex dump. Output never contains a byte < 0x20, 0x7f or a C1 control.

use ratatui::text::Span;

/// Tab stops every this many columns.
pub const TAB_WIDTH: usize = 4;

/// Bytes per hex dump row.
pub const HEX_ROW: usize = 16;

/// Display width of one character in terminal columns (via ratatui's unicode-width).
pub fn char_width(c: char) -> usize {
    let mut buf = [0u8; 4];
    Span::raw(&*c.encode_utf8(&mut buf)).width()
}

/// Display width of a string in terminal columns.
pub fn display_width(s: &str) -> usize {
    Span::raw(s).width()
}

/// Characters that reorder or hide text: bidi embeddings/overrides/isolates, marks, line and
/// paragraph separators, zero-width space, BOM.
fn is_deceptive(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Accumulates escaped output and the current column (for tab stops).
struct Escaper {
    out: String,
    col: usize,
}

impl Escaper {
    fn with_capacity(n: usize) -> Escaper {
        Escaper {
            out: String::with_capacity(n),
            col: 0,
        }
    }

    fn push_visible(&mut self, s: &str) {
        self.out.push_str(s);
        self.col += display_width(s);
    }

    fn push_char(&mut self, c: char) {
        match c {
            '\t' => {
                let n = TAB_WIDTH - self.col % TAB_WIDTH;
                self.out.extend(std::iter::repeat_n(' ', n));
                self.col += n;
            }
            '\u{7f}' => self.push_visible("^?"),
            c if (c as u32) < 0x20 => {
                let caret = char::from(c as u8 ^ 0x40);
                self.push_visible(&format!("^{caret}"));
            }
            c if ('\u{80}'..='\u{9f}').contains(&c) || is_deceptive(c) => {
                self.push_visible(&format!("\\u{{{:x}}}", c as u32));
            }
            c => {
                self.out.push(c);
                self.col += char_width(c);
            }
        }
    }

    fn push_str(&mut self, s: &str) {
        for c in s.chars() {
            self.push_char(c);
        }
    }
}

/// Escape a string for display on one terminal line (a newline shows as `^J`; split lines
/// first where line breaks should be kept).
pub fn escape_str(s: &str) -> String {
    let mut e = Escaper::with_capacity(s.len());
    e.push_str(s);
    e.out
}

/// Like [`escape_str`] for bytes that may not be UTF-8: each invalid byte shows as `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut e = Escaper::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        e.push_str(chunk.valid());
        for b in chunk.invalid() {
            e.push_visible(&format!("\\x{b:02x}"));
        }
    }
    e.out
}

/// Cut `s` to at most `max` display columns, ending with `…` when something was cut.
/// Expects already escaped text (control characters have no sensible width).
pub fn truncate_width(s: &str, max: usize) -> String {
    if display_width(s) <= max {
        return s.to_string();
    }
    let budget = max.saturating_sub(1);
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = char_width(c);
        if used + w > budget {
            break;
        }
        out.push(c);
        used += w;
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// Number of rows [`hex_dump`] produces for `len` bytes.
pub fn hex_rows(len: usize) -> usize {
    len.div_ceil(HEX_ROW)
}

/// `rows` rows of a classic hex dump starting at row `first_row` (so a MiB body only formats
/// what is visible): `00000010  7b 22 61 22 …  |{"a"…|`, non-printable bytes as `.`.
pub fn hex_dump(bytes: &[u8], first_row: usize, rows: usize) -> Vec<String> {
    bytes
        .chunks(HEX_ROW)
        .enumerate()
        .skip(first_row)
        .take(rows)
        .map(|(row, chunk)| {
            let mut hex = String::with_capacity(HEX_ROW * 3 + 1);
            for i in 0..HEX_ROW {
                if i == HEX_ROW / 2 {
                    hex.push(' ');
                }
                match chunk.get(i) {
                    Some(b) => hex.push_str(&format!("{b:02x} ")),
                    None => hex.push_str("   "),
                }
            }
            let ascii: String = chunk
                .iter()
                .map(|&b| {
                    if (0x20..0x7f).contains(&b) {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            format!("{:08x}  {hex} |{ascii}|", row * HEX_ROW)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_terminal_safe(s: &str) {
        for b in s.bytes() {
            assert!(b >= 0x20 && b != 0x7f, "byte {b:#x} in {s:?}");
        }
        for c in s.chars() {
            assert!(!('\u{80}'..='\u{9f}').contains(&c), "C1 {c:?} in {s:?}");
            assert!(!is_deceptive(c), "{c:?} in {s:?}");
        }
    }

    #[test]
    fn caret_notation_for_c0_and_del() {
        assert_eq!(escape_str("a\0b"), "a^@b");
        assert_eq!(escape_str("\x1b[31mred"), "^[[31mred");
        assert_eq!(escape_str("x\x7f"), "x^?");
        assert_eq!(escape_str("l1\r\nl2"), "l1^M^Jl2");
        assert_eq!(escape_str("\x07\x08\x1f"), "^G^H^_");
    }

    #[test]
    fn c1_and_bidi_as_unicode_escapes() {
        assert_eq!(escape_str("a\u{85}b\u{9b}"), "a\\u{85}b\\u{9b}");
        assert_eq!(escape_str("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape_str("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(escape_str("\u{feff}bom"), "\\u{feff}bom");
        // Ordinary non-ASCII text passes through.
        assert_eq!(escape_str("héllo 世界 👋"), "héllo 世界 👋");
    }

    #[test]
    fn tabs_expand_to_stops_by_display_width() {
        assert_eq!(escape_str("\tx"), "    x");
        assert_eq!(escape_str("ab\tx"), "ab  x");
        assert_eq!(escape_str("abcd\tx"), "abcd    x");
        // A wide character takes two columns.
        assert_eq!(escape_str("世\tx"), "世  x");
    }

    #[test]
    fn invalid_utf8_as_hex() {
        assert_eq!(escape_bytes(b"ok\xff\xfe!"), "ok\\xff\\xfe!");
        assert_eq!(escape_bytes(b"\xe2\x82"), "\\xe2\\x82");
        assert_eq!(escape_bytes("é\t".as_bytes()), "é   ");
        assert_eq!(escape_bytes(b"\x1b\x00"), "^[^@");
    }

    #[test]
    fn output_is_terminal_safe_for_every_byte_and_c1() {
        let all: Vec<u8> = (0..=255u8).collect();
        assert_terminal_safe(&escape_bytes(&all));
        let mut s: String = (0u32..0x300).filter_map(char::from_u32).collect();
        s.push_str("\u{061c}\u{200e}\u{200f}\u{202a}\u{202b}\u{202c}\u{202d}\u{2028}\u{2029}");
        assert_terminal_safe(&escape_str(&s));
    }

    #[test]
    fn truncates_by_display_width() {
        assert_eq!(truncate_width("hello", 5), "hello");
        assert_eq!(truncate_width("hello world", 6), "hello…");
        assert_eq!(truncate_width("世界世界", 5), "世界…");
        assert_eq!(display_width(&truncate_width("世界世界", 4)), 3);
        assert_eq!(truncate_width("abc", 1), "…");
        assert_eq!(truncate_width("abc", 0), "");
        assert_eq!(truncate_width("", 0), "");
    }

    #[test]
    fn hex_dump_rows_and_window() {
        let bytes: Vec<u8> = b"{\"a\":\"\x1b\"}\n"
            .iter()
            .copied()
            .cycle()
            .take(40)
            .collect();
        assert_eq!(hex_rows(bytes.len()), 3);
        assert_eq!(hex_rows(0), 0);
        let rows = hex_dump(&bytes, 0, 10);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[0],
            "00000000  7b 22 61 22 3a 22 1b 22  7d 0a 7b 22 61 22 3a 22  |{\"a\":\".\"}.{\"a\":\"|"
        );
        let tail = hex_dump(&bytes, 2, 10);
        assert_eq!(tail.len(), 1);
        assert!(tail[0].starts_with("00000020  "));
        assert!(tail[0].ends_with("|"));
        assert_eq!(tail[0].len(), rows[0].len() - 8);
        for r in rows {
            assert_terminal_safe(&r);
        }
    }
}

//! Allocation-free text matching for the filter: `*`/`?` globs and substring search, both
//! ASCII-case-insensitive (non-ASCII letters compare exactly), over bytes so that a body that
//! is not UTF-8 can still be searched.

/// A glob over the whole text: `*` any run (also empty), `?` exactly one character.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Glob {
    pattern: Vec<char>,
}

impl Glob {
    pub(crate) fn new(pattern: &str) -> Glob {
        Glob {
            pattern: pattern.chars().collect(),
        }
    }

    /// Iterative matcher with single-star backtracking: O(len(text) * len(pattern)) worst case.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let p = &self.pattern;
        let ascii = text.is_ascii();
        let t: Vec<char> = if ascii {
            Vec::new()
        } else {
            text.chars().collect()
        };
        let get = |i: usize| -> Option<char> {
            if ascii {
                text.as_bytes().get(i).map(|&b| b as char)
            } else {
                t.get(i).copied()
            }
        };
        let len = if ascii { text.len() } else { t.len() };
        let (mut pi, mut ti) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while ti < len {
            let c = get(ti);
            match p.get(pi) {
                Some('*') => {
                    star = Some((pi, ti));
                    pi += 1;
                }
                Some(&pc) if pc == '?' || c.is_some_and(|c| c.eq_ignore_ascii_case(&pc)) => {
                    pi += 1;
                    ti += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        pi = sp + 1;
                        ti = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        p[pi.min(p.len())..].iter().all(|&c| c == '*')
    }
}

/// True when `hay` contains `needle` ignoring ASCII case; an empty needle always matches.
/// `needle` is expected lower-cased already.
pub(super) fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if hay.len() < needle.len() {
        return false;
    }
    (0..=hay.len() - needle.len()).any(|i| {
        hay[i].to_ascii_lowercase() == first
            && hay[i + 1..i + needle.len()]
                .iter()
                .zip(rest)
                .all(|(h, n)| h.to_ascii_lowercase() == *n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_whole_text_case_insensitively() {
        let g = Glob::new("person_*");
        assert!(g.matches("person_created"));
        assert!(g.matches("PERSON_updated"));
        assert!(g.matches("person_"));
        assert!(!g.matches("xperson_created"));
        assert!(Glob::new("*_created").matches("cadence_created"));
        assert!(Glob::new("a?c").matches("abc"));
        assert!(!Glob::new("a?c").matches("ac"));
        assert!(Glob::new("a*b*c").matches("axxbyyc"));
        assert!(!Glob::new("a*b*c").matches("axxbyy"));
        assert!(Glob::new("*").matches(""));
        assert!(Glob::new("é?").matches("éx"));
        assert!(!Glob::new("github").matches("github2"));
    }

    #[test]
    fn contains_ignores_ascii_case_on_bytes() {
        assert!(contains_ci(b"Hello World", b"world"));
        assert!(contains_ci(b"\xff\xfeABC", b"abc"));
        assert!(!contains_ci(b"ab", b"abc"));
        assert!(contains_ci(b"", b""));
    }
}

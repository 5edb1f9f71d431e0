//! Cells of every CSV file chemodose writes (`batch`, `schedule --format
//! csv`, `lines derive --format csv`).
//!
//! Owns: the one defence against formula injection (OWASP, "CSV
//! Injection"): a spreadsheet opening a CSV runs a cell that starts with
//! `=`, `+`, `-` or `@` (or a tab, CR or line feed before one) as a formula,
//! so a patient id `=HYPERLINK("http://…","click")` would become a live
//! link. A *text* cell that starts so, after any spaces, is written with a
//! single quote in front (`'=HYPERLINK(…)`, `'-1%`); the full-width forms
//! `＝ ＋ － ＠` are treated the same. Text cells are also made
//! [`visible`](crate::render::escape::visible) first, so no control or
//! bidirectional character reaches the file. RFC 4180 quoting for the
//! writers that do not use the `csv` crate.
//! Never does: touch a number. Doses, BSA, cycles, days, line numbers and
//! dates are written from numbers by their writers and never pass through
//! here, so a spreadsheet reads them as numbers (a negative number would
//! stay a number).

use std::borrow::Cow;

use crate::render::escape::visible;

/// Whether a spreadsheet would read a cell starting so as a formula:
/// its first character after any spaces is `=`, `+`, `-`, `@`, a tab, a CR
/// or a line feed, or a full-width `＝ ＋ － ＠`.
pub fn starts_like_formula(s: &str) -> bool {
    matches!(
        s.trim_start_matches(' ').chars().next(),
        Some(
            '=' | '+'
                | '-'
                | '@'
                | '\t'
                | '\r'
                | '\n'
                | '\u{FF1D}'
                | '\u{FF0B}'
                | '\u{FF0D}'
                | '\u{FF20}'
        )
    )
}

/// A text cell as written: refused characters made visible, then a single
/// quote in front when it would start like a formula. Empty text stays
/// empty. Quoting (commas, quotes) is the writer's job.
///
/// ```
/// use chemodose::render::csv::text;
/// assert_eq!(text("=HYPERLINK(\"http://x\",\"open\")"), "'=HYPERLINK(\"http://x\",\"open\")");
/// assert_eq!(text("-1%"), "'-1%");
/// assert_eq!(text("P-0042"), "P-0042");
/// ```
pub fn text(s: &str) -> Cow<'_, str> {
    let v = visible(s);
    if starts_like_formula(&v) {
        Cow::Owned(format!("'{v}"))
    } else {
        v
    }
}

/// A text cell given as bytes as read (a batch id, which may not be UTF-8):
/// as [`text`] when it is UTF-8; else the bytes as they are, with the
/// single quote when the first byte after spaces starts a formula.
pub fn text_bytes(b: &[u8]) -> Cow<'_, [u8]> {
    // Most ids are short printable ASCII: nothing to do.
    if b.iter().all(|c| (0x20..0x7f).contains(c))
        && !matches!(
            b.iter().find(|&&c| c != b' '),
            Some(b'=' | b'+' | b'-' | b'@')
        )
    {
        return Cow::Borrowed(b);
    }
    match std::str::from_utf8(b) {
        Ok(s) => match text(s) {
            Cow::Borrowed(t) => Cow::Borrowed(t.as_bytes()),
            Cow::Owned(t) => Cow::Owned(t.into_bytes()),
        },
        Err(_) => {
            let first = b.iter().find(|&&c| c != b' ');
            if matches!(
                first,
                Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r' | b'\n')
            ) {
                let mut v = Vec::with_capacity(b.len() + 1);
                v.push(b'\'');
                v.extend_from_slice(b);
                Cow::Owned(v)
            } else {
                Cow::Borrowed(b)
            }
        }
    }
}

/// Appends a field by RFC 4180: in double quotes (with `""` for `"`) when
/// it holds a comma, a quote or a line break; as it is otherwise.
pub fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    if field
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.push(b'"');
        for &b in field {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field);
    }
}

/// A text cell ready to write: [`text`], then quoted by [`push_field`].
pub fn text_field(s: &str) -> String {
    let mut out = Vec::new();
    push_field(&mut out, text(s).as_bytes());
    // Only ASCII quotes are added to valid UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised() {
        for s in ["=1+1", "+1", "-1", "@SUM(A1)", "  =1", "\u{FF1D}1", "-1%"] {
            let t = text(s);
            assert!(t.starts_with('\''), "{s:?} -> {t:?}");
        }
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        for s in ["", "P-0042", "gemcitabine", "1,638", "'quoted", "a=b"] {
            assert_eq!(text(s), s);
        }
    }

    #[test]
    fn controls_become_visible_before_the_check() {
        assert_eq!(text("\t=1"), "\\u{9}=1");
        assert_eq!(text("a\u{202E}b"), "a\\u{202e}b");
    }

    #[test]
    fn bytes_not_utf8_keep_their_bytes() {
        assert_eq!(text_bytes(b"=\xff"), &b"'=\xff"[..]);
        assert_eq!(text_bytes(b"P\xff"), &b"P\xff"[..]);
        assert_eq!(text_bytes(b"=x"), &b"'=x"[..]);
    }

    #[test]
    fn fields_are_quoted_by_rfc4180() {
        assert_eq!(text_field("a,b"), "\"a,b\"");
        assert_eq!(text_field("=a\"b"), "\"'=a\"\"b\"");
        assert_eq!(text_field("plain"), "plain");
    }
}

//! Text we did not write, made safe for the format it is written into.
//!
//! Owns: [`visible`], the one function every renderer (text, Markdown,
//! HTML, CSV, iCalendar) passes ids, names and notes through, which writes
//! a refused character ([`crate::text`]: control, bidirectional, invisible)
//! as `\u{1b}` instead of letting it act; [`markdown`] (Markdown and HTML
//! syntax written as literal text); [`ics_text`] (RFC 5545 TEXT escaping).
//! The loaders and the command line already refuse such characters: this is
//! the second defence, for a value that reached a renderer another way.
//! Never does: refuse anything (the loaders do), or escape HTML (the HTML
//! renderer's `escape` does, after [`visible`]) or CSV (`render::csv`).

use std::borrow::Cow;

use crate::text::is_unsafe;

/// `s` with every refused character written as its escape (`\u{1b}`,
/// `\u{202e}`, `\u{a}`), so that it can neither start a line, drive the
/// terminal nor reorder the text around it.
///
/// ```
/// use chemodose::render::escape::visible;
/// assert_eq!(visible("P1\nFAKE LINE"), "P1\\u{a}FAKE LINE");
/// assert_eq!(visible("ANC ≥ 1.5 ×10⁹/L"), "ANC ≥ 1.5 ×10⁹/L");
/// ```
pub fn visible(s: &str) -> Cow<'_, str> {
    // Printable ASCII, most text, is checked a byte at a time.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) || !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`visible`] for text of several lines: line feeds (and CR LF) are kept,
/// every other refused character is escaped. For messages on standard error.
pub fn visible_lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(s);
    }
    s.split('\n')
        .map(|line| {
            let (body, cr) = match line.strip_suffix('\r') {
                Some(b) => (b, "\r"),
                None => (line, ""),
            };
            format!("{}{cr}", visible(body))
        })
        .collect::<Vec<_>>()
        .join("\n")
        .into()
}

/// Text for a Markdown document (a table cell, a list item, a heading):
/// [`visible`], then every character Markdown or inline HTML would act on
/// written with a backslash, so that `<script>`, `[a](b)`, `![i](u)`,
/// `**x**`, `` `x` `` and `|` read as the characters they are. The bare
/// web addresses GitHub-flavoured Markdown turns into links by itself
/// (`https://…`, `www.…`) are broken the same way: the `:` before `//` and
/// the `.` after `www` take a backslash. (An e-mail address may still be
/// shown as a `mailto:` link by such a renderer: no escape prevents it.)
///
/// ```
/// use chemodose::render::escape::markdown;
/// assert_eq!(markdown("<b>[x](y)</b> | *z*"), r"\<b\>\[x\](y)\</b\> \| \*z\*");
/// assert_eq!(markdown("see https://e.example, www.e.example"), r"see https\://e.example, www\.e.example");
/// assert_eq!(markdown("DOXOrubicin 75 mg/m²"), "DOXOrubicin 75 mg/m²");
/// ```
pub fn markdown(s: &str) -> String {
    let v = visible(s);
    let mut out = String::with_capacity(v.len());
    for (i, c) in v.char_indices() {
        let autolink = match c {
            ':' => v[i..].starts_with("://"),
            '.' => v[..i]
                .get(i.saturating_sub(3)..)
                .is_some_and(|w| w.eq_ignore_ascii_case("www")),
            _ => false,
        };
        if autolink
            || matches!(
                c,
                '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '<' | '>' | '&' | '|'
            )
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A TEXT value of iCalendar (RFC 5545 §3.3.11): [`visible`] (no bare CR,
/// no control character), then backslash, semicolon and comma escaped.
pub fn ics_text(s: &str) -> String {
    let v = visible(s);
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            _ => out.push(c),
        }
    }
    out
}

/// Lines of one iCalendar TEXT value: each line [`ics_text`] (a CR or any
/// other control in a value becomes `\u{d}`), joined with the escaped line
/// break `\n`.
pub fn ics_lines<S: AsRef<str>>(lines: &[S]) -> String {
    lines
        .iter()
        .map(|l| ics_text(l.as_ref()))
        .collect::<Vec<_>>()
        .join("\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_escapes_each_refused_character() {
        assert_eq!(visible("a\u{1B}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(visible("doxo\u{202E}rubicin"), "doxo\\u{202e}rubicin");
        assert_eq!(visible("x\r\ny\tz"), "x\\u{d}\\u{a}y\\u{9}z");
        assert!(matches!(visible("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn visible_lines_keeps_line_breaks_only() {
        assert_eq!(visible_lines("a\nb\u{1B}\r\nc"), "a\nb\\u{1b}\r\nc");
        assert_eq!(visible_lines("a\rb"), "a\\u{d}b");
    }

    #[test]
    fn markdown_writes_syntax_as_text() {
        assert_eq!(
            markdown("<script>alert(1)</script>"),
            r"\<script\>alert(1)\</script\>"
        );
        assert_eq!(markdown("![x](http://e/i.png)"), r"!\[x\](http\://e/i.png)");
        assert_eq!(markdown("a\nb"), r"a\\u{a}b");
        assert_eq!(markdown("&amp;"), r"\&amp;");
        assert_eq!(markdown("WWW.e.x ftp://e.x"), r"WWW\.e.x ftp\://e.x");
        assert_eq!(markdown("é.www"), "é.www");
    }

    #[test]
    fn ics_text_escapes_rfc5545_specials() {
        assert_eq!(ics_text("a;b,c\\d"), "a\\;b\\,c\\\\d");
        assert_eq!(ics_text("a\rb"), r"a\\u{d}b");
    }

    #[test]
    fn ics_lines_joins_escaped_lines_with_an_escaped_line_break() {
        assert_eq!(ics_lines(&["a,b", "c\nd"]), r"a\,b\nc\\u{a}d");
        assert_eq!(ics_lines::<&str>(&[]), "");
    }
}

//! Text we did not write, made safe for the format it is written into.
//!
//! Owns: [`visible`], the one function every renderer (text, Markdown,
//! HTML, CSV, iCalendar) passes ids, names and notes through, which writes
//! a refused character ([`crate::text`]: control, bidirectional, invisible)
//! as `\u{1b}` instead of letting it act.
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
    if !s.chars().any(is_unsafe) {
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
}

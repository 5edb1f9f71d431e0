//! Located errors of a file drawn for a terminal, as rustc and cargo draw
//! them: file, line and column, the offending text underlined with its label,
//! and what would be valid.
//!
//! Owns: the one use of miette's graphical report handler and its fixed
//! settings (no colour, no links, 100 columns), so that the text is the same
//! on every terminal and in tests; the clipping of what is drawn (an excerpt
//! of at most [`BEFORE`] + [`AFTER`] bytes of the file around each problem,
//! messages of at most [`MESSAGE_CHARS`] characters), so that a 250 KB
//! one-line file prints a few lines, not the whole file.
//! Never does: decide what is wrong or where (the library's parsers do, and
//! hand over their problems with byte spans), or print (the caller does).

use std::ops::Range;

use chemodose::diagnostics::FileErrors;
use miette::{
    GraphicalReportHandler, GraphicalTheme, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};

/// Bytes of the file drawn before the start of a problem.
const BEFORE: usize = 120;
/// Bytes of the file drawn from the start of a problem on.
const AFTER: usize = 200;
/// Longest message, label or help drawn, in characters (a message may quote
/// a value of the file).
const MESSAGE_CHARS: usize = 600;

/// Every problem of `errors` drawn one after the other. A problem of the
/// whole file (it cannot be read, is empty, too large, not UTF-8) has no
/// place to draw, so its message starts with the file's name. A problem that
/// miette cannot draw falls back to its message on a line of its own.
pub fn render(errors: &FileErrors) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    // A file of a million bad lines must not print a million problems.
    for p in errors.problems.iter().take(MAX_PROBLEMS_SHOWN) {
        let message = clip(&p.message);
        let (message, span, window) = match &p.span {
            Some(r) => {
                let window = window(&errors.text, r.start);
                let end = r.end.max(r.start).min(window.end);
                (message, Some(SourceSpan::from(r.start..end)), window)
            }
            None => (format!("{}: {message}", errors.path), None, 0..0),
        };
        let diagnostic = Rendered {
            message: message.clone(),
            src: Excerpt {
                name: errors.path.clone(),
                text: errors.text.clone(),
                window,
            },
            span,
            label: clip(&p.label),
            help: p.help.as_deref().map(clip),
        };
        if handler.render_report(&mut out, &diagnostic).is_err() {
            out.push_str(&format!("{message}\n"));
        }
    }
    let more = errors.problems.len().saturating_sub(MAX_PROBLEMS_SHOWN);
    if more > 0 {
        out.push_str(&format!(
            "… and {more} more problems in {}: is this the right file?\n",
            errors.path
        ));
    }
    out
}

/// The most problems of one file drawn; the rest are counted.
const MAX_PROBLEMS_SHOWN: usize = 20;

/// `s` cut to [`MESSAGE_CHARS`] characters, with how much was left out.
fn clip(s: &str) -> String {
    match s.char_indices().nth(MESSAGE_CHARS) {
        None => s.to_owned(),
        Some((at, _)) => format!("{}… ({} more bytes)", &s[..at], s.len() - at),
    }
}

/// The bytes of `text` drawn for a problem starting at `start`: [`BEFORE`]
/// bytes before it and [`AFTER`] from it, on character boundaries.
fn window(text: &str, start: usize) -> Range<usize> {
    let start = start.min(text.len());
    let mut from = start.saturating_sub(BEFORE);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = start.saturating_add(AFTER).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    from..to
}

/// The file as miette reads it, cut to the window of one problem: miette
/// draws whole lines, and a long line (a minified or corrupted file) would
/// be drawn whole (miette even panics on a column past 65,535).
struct Excerpt {
    /// The file as named to the user.
    name: String,
    /// Its whole text, which the spans index.
    text: String,
    /// The bytes that may be drawn.
    window: Range<usize>,
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let whole =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        let start = whole.span().offset();
        let end = start + whole.data().len();
        let from = start.max(self.window.start).min(end);
        let to = end.min(self.window.end).max(from);
        let before = &self.text.as_bytes()[..from];
        let line = before.iter().filter(|&&b| b == b'\n').count();
        let column = from
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
        let data = &self.text.as_bytes()[from..to];
        let line_count = data.iter().filter(|&&b| b == b'\n').count() + 1;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data,
            SourceSpan::from(from..to),
            line,
            column,
            line_count,
        )))
    }
}

/// One problem in the shape miette draws.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
struct Rendered {
    /// What is wrong, the first line drawn.
    message: String,
    /// The file under its name as shown to the user, cut to the problem.
    #[source_code]
    src: Excerpt,
    /// The bytes to underline; none for a problem of the whole file.
    #[label("{label}")]
    span: Option<SourceSpan>,
    /// The words under the underline.
    label: String,
    /// What would be valid.
    #[help]
    help: Option<String>,
}

impl std::fmt::Debug for Excerpt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Excerpt({}, {:?})", self.name, self.window)
    }
}

//! Located errors of a file drawn for a terminal, as rustc and cargo draw
//! them: file, line and column, the offending text underlined with its label,
//! and what would be valid.
//!
//! Owns: the one use of miette's graphical report handler and its fixed
//! settings (no colour, no links, 100 columns), so that the text is the same
//! on every terminal and in tests.
//! Never does: decide what is wrong or where (the library's parsers do, and
//! hand over their problems with byte spans), or print (the caller does).

use chemodose::diagnostics::FileErrors;
use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};

/// Every problem of `errors` drawn one after the other. A problem that miette
/// cannot draw falls back to its message on a line of its own.
pub fn render(errors: &FileErrors) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for p in &errors.problems {
        // miette names the file only beside an underlined place; a problem
        // of the whole file (empty, too large, not a file) names it here.
        let message = match p.span {
            Some(_) => p.message.clone(),
            None => format!("{}: {}", errors.path, p.message),
        };
        let diagnostic = Rendered {
            message,
            src: NamedSource::new(&errors.path, errors.text.clone()),
            span: p
                .span
                .clone()
                .map(|r| SourceSpan::from(r.start..r.end.max(r.start))),
            label: p.label.clone(),
            help: p.help.clone(),
        };
        if handler.render_report(&mut out, &diagnostic).is_err() {
            out.push_str(&format!("{}\n", diagnostic.message));
        }
    }
    out
}

/// One problem in the shape miette draws.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
struct Rendered {
    /// What is wrong, the first line drawn.
    message: String,
    /// The whole file under its name as shown to the user.
    #[source_code]
    src: NamedSource<String>,
    /// The bytes to underline; none for a problem of the whole file.
    #[label("{label}")]
    span: Option<SourceSpan>,
    /// The words under the underline.
    label: String,
    /// What would be valid.
    #[help]
    help: Option<String>,
}

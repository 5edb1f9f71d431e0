//! Located problems in the files people write: regimen files, history files
//! and golden-check files.
//!
//! Owns: [`Problem`] (what is wrong, where as a byte span, the label under
//! it and what would be valid), [`FileErrors`] (every problem of one file,
//! with the file's text so that a span becomes a line and column), their
//! plain text form (one `path:line:col: message (help)` line per problem),
//! the collector each file parser fills as it checks, and the one conversion
//! of a TOML date into a calendar date.
//! Never does: decide what is wrong (each parser does), read files, or draw
//! problems with underlines (the command line does, with miette).

use std::fmt;
use std::ops::Range;

use chrono::NaiveDate;
use toml::Spanned;
use toml::value::Datetime;

/// One problem in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong, as one sentence naming the value.
    pub message: String,
    /// Where, as a byte range of the file's text; `None` for a problem of the
    /// whole file (too large, not UTF-8, empty).
    pub span: Option<Range<usize>>,
    /// A few words drawn under the underlined text ("not a valid dose").
    pub label: String,
    /// What would be valid, when the message alone does not say.
    pub help: Option<String>,
}

impl Problem {
    /// Replaces the label drawn under the value (the default is "here").
    pub(crate) fn label(&mut self, label: &str) -> &mut Self {
        label.clone_into(&mut self.label);
        self
    }

    /// Adds what would be valid.
    pub(crate) fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }
}

/// Every problem of one file, refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileErrors {
    /// The file as named to the user (a path, `bundled:<file>`, `inline regimen`).
    pub path: String,
    /// Its text, which the spans index; empty when the file could not be read
    /// as text.
    pub text: String,
    /// The problems: sorted by position for regimen and history files, in the
    /// order checked for check files.
    pub problems: Vec<Problem>,
}

impl FileErrors {
    /// A single problem of the whole file, without a place in it.
    pub(crate) fn whole_file(
        path: &str,
        text: &str,
        message: impl Into<String>,
        help: Option<&str>,
    ) -> Self {
        FileErrors {
            path: path.to_owned(),
            text: text.to_owned(),
            problems: vec![Problem {
                message: message.into(),
                span: None,
                label: String::new(),
                help: help.map(str::to_owned),
            }],
        }
    }

    /// The TOML error that stopped parsing (malformed TOML, a wrong type, an
    /// unknown key), where the toml crate found it; `help` names the format's
    /// documentation.
    pub(crate) fn toml(path: &str, text: &str, error: &toml::de::Error, help: &str) -> Self {
        // CR-only line ends: the parser's "carriage return must be followed
        // by newline" under an excerpt of the whole file as one line.
        if first_line_ends_in_cr(text.as_bytes()) {
            return FileErrors::whole_file(path, "", CR_LINE_ENDS, None);
        }
        FileErrors {
            path: path.to_owned(),
            text: text.to_owned(),
            problems: vec![Problem {
                message: error.message().trim_end().to_owned(),
                span: error.span(),
                label: "here".to_owned(),
                help: Some(help.to_owned()),
            }],
        }
    }

    /// Line and column (1-based, columns in characters) of a problem.
    pub fn location(&self, problem: &Problem) -> Option<(usize, usize)> {
        let start = problem.span.as_ref()?.start.min(self.text.len());
        let before = self.text.get(..start)?;
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Some((line, col))
    }
}

impl fmt::Display for FileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            match self.location(p) {
                Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.path, p.message)?,
                None => write!(f, "{}: {}", self.path, p.message)?,
            }
            if let Some(h) = &p.help {
                write!(f, " ({h})")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for FileErrors {}

/// The problems a parser finds in one file, gathered so that all of them are
/// reported together rather than only the first.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    problems: Vec<Problem>,
}

impl Collector {
    /// Records `message` at `span`, labelled "here" and without help; the
    /// returned problem takes a better label and help.
    pub(crate) fn at(&mut self, span: Range<usize>, message: impl Into<String>) -> &mut Problem {
        let index = self.problems.len();
        self.problems.push(Problem {
            message: message.into(),
            span: Some(span),
            label: "here".to_owned(),
            help: None,
        });
        &mut self.problems[index]
    }

    /// Reads `value` with `parser`; a refusal is recorded at the value with
    /// the parser's own message.
    pub(crate) fn parse<T, E: fmt::Display>(
        &mut self,
        value: &Spanned<String>,
        parser: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, &mut Problem> {
        parser(value.get_ref()).map_err(|e| self.at(value.span(), e.to_string()))
    }

    /// Reads `value` with `parser`; a refusal is recorded at the value as
    /// "{what}: {the parser's message}".
    pub(crate) fn parse_named<T, E: fmt::Display>(
        &mut self,
        value: &Spanned<String>,
        what: &str,
        parser: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, &mut Problem> {
        parser(value.get_ref()).map_err(|e| self.at(value.span(), format!("{what}: {e}")))
    }

    /// The calendar date `value` holds; a date with a time or an offset is
    /// recorded at the value with `message`, and a date outside the window
    /// of [`crate::dates`] with what is wrong.
    pub(crate) fn date(
        &mut self,
        value: &Spanned<Datetime>,
        message: impl Into<String>,
    ) -> Result<NaiveDate, &mut Problem> {
        match plain_date(value).map(crate::dates::check_date) {
            Some(Ok(d)) => Ok(d),
            Some(Err(outside)) => Err(self
                .at(value.span(), outside.to_string())
                .label("outside 1900 to 2199")),
            None => Err(self.at(value.span(), message)),
        }
    }

    /// How many problems have been recorded: a parser compares the count
    /// before and after one part of the file to know whether that part failed.
    pub(crate) fn len(&self) -> usize {
        self.problems.len()
    }

    /// Whether nothing is wrong so far.
    pub(crate) fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problems in the order they were found, as the errors of the file
    /// `path` with text `text`.
    pub(crate) fn into_errors(self, path: &str, text: &str) -> FileErrors {
        FileErrors {
            path: path.to_owned(),
            text: text.to_owned(),
            problems: self.problems,
        }
    }

    /// The problems in file order (problems of the whole file first; the
    /// order found is kept among problems that start at the same place).
    pub(crate) fn into_sorted_errors(self, path: &str, text: &str) -> FileErrors {
        let mut errors = self.into_errors(path, text);
        errors
            .problems
            .sort_by_key(|p| p.span.as_ref().map_or(0, |s| s.start));
        errors
    }
}

impl Collector {
    /// Records a problem at every string value and key of the TOML document
    /// `text` that holds a refused character (a control, bidirectional or
    /// invisible character, [`crate::text`]): a line break or an ESC in a
    /// name forges a line of output, a right-to-left override reverses it.
    /// Every value is checked (ids, names, drug names, notes, sources), so
    /// that no field is forgotten; a document that does not parse is left
    /// to the parser's own error.
    pub(crate) fn plain_text(&mut self, text: &str) {
        if let Ok(root) = toml::de::DeTable::parse(text) {
            self.plain_table(root.get_ref());
        }
    }

    /// A whole TOML file of one kind read into `T`: refused whole when it
    /// is over the kind's size or empty (saying what such a file needs),
    /// else as [`Collector::read_toml`], its TOML error located with the
    /// kind's help.
    ///
    /// # Errors
    /// The one problem of the whole file, or the located TOML error.
    pub(crate) fn read_file<T: serde::de::DeserializeOwned>(
        &mut self,
        path: &str,
        text: &str,
        kind: &TomlKind<'_>,
    ) -> Result<T, FileErrors> {
        if u64::try_from(text.len()).unwrap_or(u64::MAX) > kind.max_bytes {
            return Err(FileErrors::whole_file(
                path,
                "",
                kind.too_large.clone(),
                None,
            ));
        }
        if text.trim().is_empty() {
            return Err(FileErrors::whole_file(
                path,
                text,
                "the file is empty",
                Some(kind.empty_help),
            ));
        }
        self.read_toml(text)
            .map_err(|e| FileErrors::toml(path, text, &e, kind.keys_help))
    }

    /// A TOML document read into `T`, and every string of it checked as by
    /// [`Collector::plain_text`], from one parse of the text (parsing twice
    /// doubled the time to load the regimen library).
    ///
    /// # Errors
    /// The TOML error that stopped parsing or deserializing; the problems
    /// found by the check are then not needed and stay in the collector.
    pub(crate) fn read_toml<T: serde::de::DeserializeOwned>(
        &mut self,
        text: &str,
    ) -> Result<T, toml::de::Error> {
        let root = toml::de::DeTable::parse(text)?;
        self.plain_table(root.get_ref());
        T::deserialize(toml::de::Deserializer::from(root))
    }

    fn plain_table(&mut self, table: &toml::de::DeTable<'_>) {
        for (key, value) in table {
            if let Some(found) = crate::text::find_unsafe(key.get_ref()) {
                self.at(key.span(), format!("a key holds {found}"))
                    .label(found_label(found.kind))
                    .help(PLAIN_TEXT_HELP);
            }
            self.plain_value(key.get_ref(), value);
        }
    }

    fn plain_value(&mut self, key: &str, value: &Spanned<toml::de::DeValue<'_>>) {
        use toml::de::DeValue;
        match value.get_ref() {
            DeValue::String(s) => {
                if let Some(found) = crate::text::find_unsafe(s) {
                    let what = if crate::text::find_unsafe(key).is_none() {
                        format!("`{key}`")
                    } else {
                        "a value".to_owned()
                    };
                    self.at(value.span(), format!("{what} holds {found}"))
                        .label(found_label(found.kind))
                        .help(PLAIN_TEXT_HELP);
                }
            }
            DeValue::Array(items) => {
                for item in items.iter() {
                    self.plain_value(key, item);
                }
            }
            DeValue::Table(t) => self.plain_table(t),
            _ => {}
        }
    }
}

/// What would be valid, for a refused character in a file.
const PLAIN_TEXT_HELP: &str = "ids, names and notes must be plain printable text on one line: remove the character (an editor may not show it); to wrap a long note in the file, end each line of a \"\"\" string with a backslash";

/// The few words under a refused character.
fn found_label(kind: crate::text::UnsafeKind) -> &'static str {
    match kind {
        crate::text::UnsafeKind::Control => "control character",
        crate::text::UnsafeKind::Bidi => "bidirectional control",
        crate::text::UnsafeKind::Invisible => "invisible character",
    }
}

/// The calendar date of a TOML value written as a plain date (`2026-11-22`);
/// `None` for a time, a date with a time, or a date with an offset.
pub(crate) fn plain_date(value: &Spanned<Datetime>) -> Option<NaiveDate> {
    match value.get_ref() {
        Datetime {
            date: Some(d),
            time: None,
            offset: None,
        } => NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into()),
        _ => None,
    }
}

/// What a file whose lines end in a carriage return alone is told.
pub const CR_LINE_ENDS: &str =
    "the lines end in a carriage return alone (CR): save the file with LF or CRLF line ends";

/// Whether the first line of `bytes` ends in a carriage return alone (CR,
/// as classic Mac OS wrote lines): a reader that splits lines at LF would
/// take the whole file for one line, and the `csv` crate would read it but
/// count every record as line 1. A CR that ends `bytes` counts as alone.
pub fn first_line_ends_in_cr(bytes: &[u8]) -> bool {
    match bytes.iter().position(|b| *b == b'\r' || *b == b'\n') {
        Some(i) => bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'),
        None => false,
    }
}

/// What reading a TOML file of one kind needs to say ([`Collector::read_file`]).
pub(crate) struct TomlKind<'a> {
    /// The largest file, bytes.
    pub max_bytes: u64,
    /// The message for a larger one.
    pub too_large: String,
    /// What a file of the kind needs at least, said when it is empty.
    pub empty_help: &'a str,
    /// Where its keys are documented, said with a TOML error.
    pub keys_help: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spanned<T>(text: &str) -> Spanned<T>
    where
        T: for<'de> serde::Deserialize<'de>,
    {
        #[derive(serde::Deserialize)]
        struct Doc<T> {
            v: Spanned<T>,
        }
        toml::from_str::<Doc<T>>(text).unwrap().v
    }

    #[test]
    fn only_a_plain_date_is_a_date() {
        let date = |t: &str| plain_date(&spanned::<Datetime>(t));
        assert_eq!(
            date("v = 2026-11-22"),
            NaiveDate::from_ymd_opt(2026, 11, 22)
        );
        assert_eq!(date("v = 2026-11-22T10:00:00"), None);
        assert_eq!(date("v = 2026-11-22T10:00:00Z"), None);
        assert_eq!(date("v = 10:00:00"), None);
    }

    #[test]
    fn problems_are_located_by_line_and_character() {
        let text = "a = 1\nname = \"µ-x\"\n";
        let mut c = Collector::default();
        c.at(text.find('-').unwrap()..text.len(), "refused")
            .label("bad")
            .help("write y");
        let errors = c.into_errors("f.toml", text);
        // `name = "µ` is 9 characters (10 bytes): the dash is column 10.
        assert_eq!(errors.location(&errors.problems[0]), Some((2, 10)));
        assert_eq!(errors.to_string(), "f.toml:2:10: refused (write y)");
        assert_eq!(errors.problems[0].label, "bad");
    }

    #[test]
    fn a_refused_value_is_recorded_at_the_value_with_its_name() {
        let value = spanned::<String>("v = \"x\"");
        let mut c = Collector::default();
        assert!(c.parse(&value, |_| Err::<(), _>("no")).is_err());
        assert!(
            c.parse_named(&value, "height", |_| Err::<(), _>("no"))
                .is_err()
        );
        assert_eq!(c.parse(&value, |v| Ok::<_, String>(v.len())), Ok(1));
        let errors = c.into_errors("f.toml", "v = \"x\"");
        assert_eq!(errors.to_string(), "f.toml:1:5: no\nf.toml:1:5: height: no");
    }

    #[test]
    fn sorting_keeps_the_order_found_at_one_place() {
        let mut c = Collector::default();
        c.at(5..6, "second place");
        c.at(0..1, "first place, found first");
        c.at(0..1, "first place, found second");
        let text = "abcdefgh";
        let sorted: Vec<String> = c
            .into_sorted_errors("f", text)
            .problems
            .into_iter()
            .map(|p| p.message)
            .collect();
        assert_eq!(
            sorted,
            [
                "first place, found first",
                "first place, found second",
                "second place"
            ]
        );
    }
}

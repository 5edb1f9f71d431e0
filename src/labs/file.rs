//! The labs file formats, TOML and CSV (`docs/labs.md`): each result's
//! fields checked, and every problem of a file reported together at its line
//! and column.

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use super::{LabOrigin, LabResult, MAX_FILE_BYTES, MAX_PROBLEMS};
use crate::diagnostics::{FileErrors, Problem};
use crate::quantity::{Lab, LabValue, parse_lab, parse_uln};

/// A labs file in TOML, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabsFile {
    #[serde(default, rename = "result")]
    results: Vec<Spanned<ResultFile>>,
}

/// `[[result]]`. Every field is read as any TOML value so that a missing or
/// mistyped one is reported with the others, not as the first and only error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultFile {
    lab: Option<Spanned<toml::Value>>,
    value: Option<Spanned<toml::Value>>,
    date: Option<Spanned<toml::Value>>,
    uln: Option<Spanned<toml::Value>>,
}

/// One field of a result with where it is: a TOML value or a CSV cell.
struct Field {
    text: FieldText,
    span: Range<usize>,
}

enum FieldText {
    /// Text in quotes, a CSV cell, or a number (read as typed, so that a bare
    /// number is refused for its missing unit).
    Text(String),
    /// A TOML date.
    Date(toml::value::Datetime),
    /// Anything else (a boolean, an array, a table).
    Other(&'static str),
}

impl Field {
    fn from_toml(v: &Spanned<toml::Value>) -> Field {
        let text = match v.get_ref() {
            toml::Value::String(s) => FieldText::Text(s.clone()),
            toml::Value::Integer(i) => FieldText::Text(i.to_string()),
            toml::Value::Float(x) => FieldText::Text(x.to_string()),
            toml::Value::Datetime(d) => FieldText::Date(*d),
            toml::Value::Boolean(_) => FieldText::Other("a boolean"),
            toml::Value::Array(_) => FieldText::Other("an array"),
            toml::Value::Table(_) => FieldText::Other("a table"),
        };
        Field {
            text,
            span: v.span(),
        }
    }
}

/// A result as read from a file, before validation.
struct RawResult {
    /// Where the result starts (the `[[result]]` header or the CSV row).
    start: usize,
    lab: Option<Field>,
    value: Option<Field>,
    date: Option<Field>,
    uln: Option<Field>,
}

/// Collects the problems of one file.
struct Checker<'a> {
    path: &'a str,
    text: &'a str,
    problems: Vec<Problem>,
}

impl<'a> Checker<'a> {
    fn new(path: &'a str, text: &'a str) -> Self {
        Checker {
            path,
            text,
            problems: Vec::new(),
        }
    }

    fn push(&mut self, span: Range<usize>, label: &str, message: String, help: Option<&str>) {
        self.problems.push(Problem {
            message,
            span: Some(span),
            label: label.to_owned(),
            help: help.map(str::to_owned),
        });
    }

    /// The errors of the file, at most [`MAX_PROBLEMS`] of them in file order.
    fn errors(mut self) -> FileErrors {
        self.problems
            .sort_by_key(|p| p.span.as_ref().map_or(0, |s| s.start));
        let more = self.problems.len().saturating_sub(MAX_PROBLEMS);
        self.problems.truncate(MAX_PROBLEMS);
        if more > 0 {
            self.problems.push(Problem {
                message: format!("{more} more problems not shown"),
                span: None,
                label: String::new(),
                help: Some("fix the problems above and run again".to_owned()),
            });
        }
        FileErrors {
            path: self.path.to_owned(),
            text: self.text.to_owned(),
            problems: self.problems,
        }
    }

    /// Validates every raw result and returns them, or every problem of the
    /// file (with those recorded before).
    fn finish(mut self, raw: Vec<RawResult>) -> Result<Vec<LabResult>, FileErrors> {
        if raw.is_empty() && self.problems.is_empty() {
            self.problems.push(Problem {
                message: "the file holds no results".to_owned(),
                span: None,
                label: String::new(),
                help: Some(
                    "each result needs lab, value and date, optionally uln; see docs/labs.md"
                        .to_owned(),
                ),
            });
        }
        let mut out = Vec::with_capacity(raw.len());
        // (lab, date) → the line of its first result.
        let mut seen: BTreeMap<(Lab, NaiveDate), usize> = BTreeMap::new();
        // Byte offsets of the line ends, once: a line number is then a
        // binary search, not a scan from the start for every result.
        let line_ends: Vec<usize> = memchr::memchr_iter(b'\n', self.text.as_bytes()).collect();
        for r in raw {
            let line = line_ends.partition_point(|&end| end < r.start) + 1;
            let (key, result) = self.result(&r, line);
            if let (Some((lab, date)), Some(date_field)) = (key, r.date.as_ref()) {
                if let Some(&first) = seen.get(&(lab, date)) {
                    self.push(
                        date_field.span.clone(),
                        "second result",
                        format!(
                            "a second {} result dated {date}; the first is on line {first}",
                            lab.id()
                        ),
                        Some("keep one result per lab and date"),
                    );
                    continue;
                }
                seen.insert((lab, date), line);
            }
            out.extend(result);
        }
        if self.problems.is_empty() {
            Ok(out)
        } else {
            Err(self.errors())
        }
    }

    /// The lab and date of a result where both are valid (to find a second
    /// result for them), and the result, or `None` after recording its
    /// problems.
    #[allow(clippy::type_complexity)]
    fn result(
        &mut self,
        r: &RawResult,
        line: usize,
    ) -> (Option<(Lab, NaiveDate)>, Option<LabResult>) {
        let mut missing = Vec::new();
        for (name, field) in [("lab", &r.lab), ("value", &r.value), ("date", &r.date)] {
            if field.is_none() {
                missing.push(name);
            }
        }
        if !missing.is_empty() {
            self.push(
                r.start..r.start,
                "incomplete result",
                format!("this result has no {}", missing.join(", no ")),
                Some("each result needs lab, value and date, optionally uln"),
            );
        }
        let date = r.date.as_ref().and_then(|f| self.date(f));
        let lab = r.lab.as_ref().and_then(|f| self.lab(f));
        // The type of value and uln is checked whatever the lab.
        let example = lab.map_or("1.2x10^9/L", |l| {
            let e = l.example();
            e.split(" or ").next().unwrap_or(e)
        });
        let value = r
            .value
            .as_ref()
            .and_then(|f| self.text_of(f, "value", example).map(|t| (f, t)));
        let uln = r
            .uln
            .as_ref()
            .map(|f| self.text_of(f, "uln", example).map(|t| (f, t)));
        let key = lab.zip(date);
        let result = match (lab, value) {
            (Some(lab), Some(value)) => self.checked(lab, value, uln, date, line),
            _ => None,
        };
        (key, result)
    }

    /// A result whose lab and value text are known: the value and ULN
    /// parsed for the lab, every problem recorded; `None` if there was one
    /// or the date was not valid. `uln` is `None` when the result has none,
    /// `Some(None)` when it was not text.
    fn checked(
        &mut self,
        lab: Lab,
        (value_field, value_text): (&Field, String),
        uln: Option<Option<(&Field, String)>>,
        date: Option<NaiveDate>,
        line: usize,
    ) -> Option<LabResult> {
        let value = self.parsed(
            value_field,
            parse_lab(lab, &value_text),
            "not a valid value",
        );
        let uln = match uln {
            None => None,
            Some(None) => return None,
            Some(Some((f, t))) => Some((f, self.parsed(f, parse_uln(lab, &t), "not a valid ULN")?)),
        };
        let value = value?;
        if let (LabValue::TimesUln(_), Some((f, _))) = (value, uln) {
            self.push(
                f.span.clone(),
                "ULN given twice",
                format!(
                    "the {} value is already a multiple of the ULN, so it takes no uln",
                    lab.id()
                ),
                Some("give the value in its units with its uln, or the multiple without uln"),
            );
            return None;
        }
        Some(LabResult {
            lab,
            value,
            uln: uln.map(|(_, u)| u),
            date: Some(date?),
            origin: LabOrigin::File {
                path: self.path.to_owned(),
                line,
            },
        })
    }
    /// The text of a field that must be text (or a number, refused later
    /// for its missing unit).
    fn text_of(&mut self, f: &Field, name: &str, example: &str) -> Option<String> {
        match &f.text {
            FieldText::Text(s) => Some(s.clone()),
            FieldText::Date(_) => {
                self.push(
                    f.span.clone(),
                    "not a value",
                    format!("{name} is a date"),
                    Some(&format!(
                        "write it in quotes with its unit, e.g. \"{example}\""
                    )),
                );
                None
            }
            FieldText::Other(kind) => {
                self.push(
                    f.span.clone(),
                    "not a value",
                    format!("{name} is {kind}"),
                    Some(&format!(
                        "write it in quotes with its unit, e.g. \"{example}\""
                    )),
                );
                None
            }
        }
    }

    fn parsed<T>(
        &mut self,
        f: &Field,
        r: Result<T, crate::quantity::LabError>,
        label: &str,
    ) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(f.span.clone(), label, e.to_string(), None);
                None
            }
        }
    }

    fn lab(&mut self, f: &Field) -> Option<Lab> {
        let (message, help) = match &f.text {
            FieldText::Text(s) => match s.parse::<Lab>() {
                Ok(lab) => return Some(lab),
                Err(e) => (e.to_string(), None),
            },
            _ => (
                "lab must be a name in quotes".to_owned(),
                Some("e.g. lab = \"anc\""),
            ),
        };
        self.push(f.span.clone(), "not a lab", message, help);
        None
    }

    fn date(&mut self, f: &Field) -> Option<NaiveDate> {
        let date = match &f.text {
            FieldText::Date(d) => match (d.date, d.time, d.offset) {
                (Some(x), None, None) => {
                    NaiveDate::from_ymd_opt(x.year.into(), x.month.into(), x.day.into())
                }
                _ => None,
            },
            FieldText::Text(s) => strict_date(s),
            FieldText::Other(_) => None,
        };
        match date.map(crate::dates::check_date) {
            Some(Err(outside)) => {
                self.push(
                    f.span.clone(),
                    "outside 1900 to 2199",
                    format!(
                        "the date {} is outside 1900-01-01 to 2199-12-31",
                        outside.date
                    ),
                    Some("check the year"),
                );
                None
            }
            Some(Ok(d)) => Some(d),
            None => {
                self.push(
                    f.span.clone(),
                    "not a date",
                    "date must be a plain date, YYYY-MM-DD".to_owned(),
                    Some("write e.g. 2026-11-30"),
                );
                None
            }
        }
    }
}

/// `YYYY-MM-DD` exactly (four-digit year, two-digit month and day).
fn strict_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The error for a file over [`MAX_FILE_BYTES`], before any parsing.
fn too_large(path: &str, len: usize) -> FileErrors {
    FileErrors {
        path: path.to_owned(),
        text: String::new(),
        problems: vec![Problem {
            message: format!(
                "the file is {len} bytes; labs files are limited to {MAX_FILE_BYTES} bytes (1 MiB)"
            ),
            span: None,
            label: String::new(),
            help: None,
        }],
    }
}

/// Parses and validates a labs file in TOML:
///
/// ```toml
/// [[result]]
/// lab = "anc"
/// value = "1.2x10^9/L"
/// date = 2026-11-30
/// uln = "40U/L"    # optional; only for bilirubin, ast, alt, alp, cpk
/// ```
///
/// `path` is only used in messages and in [`LabOrigin::File`].
///
/// # Errors
/// Every problem of the file, each with its line and column: a file over
/// [`MAX_FILE_BYTES`] (checked first); malformed TOML or an unknown key
/// (these stop parsing, as in cargo); then, all together, a result without
/// lab, value or date, an unknown lab, a value or ULN refused by
/// [`parse_lab`] or [`parse_uln`], a date that is not a plain date or is
/// outside the window of [`crate::dates`] (1900-01-01 to 2199-12-31), a
/// ULN with a multiple of the ULN, and a second result for the same lab and
/// date. A file without results is an error too.
pub fn parse_labs_toml(path: &str, text: &str) -> Result<Vec<LabResult>, FileErrors> {
    if text.len() > MAX_FILE_BYTES {
        return Err(too_large(path, text.len()));
    }
    let checker = Checker::new(path, text);
    let file: LabsFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            return Err(FileErrors::toml(
                path,
                text,
                &e,
                "see docs/labs.md for the keys of a [[result]]",
            ));
        }
    };
    let raw = file
        .results
        .iter()
        .map(|r| {
            let f = r.get_ref();
            RawResult {
                // The span of an array-of-tables element is its header.
                start: r.span().start,
                lab: f.lab.as_ref().map(Field::from_toml),
                value: f.value.as_ref().map(Field::from_toml),
                date: f.date.as_ref().map(Field::from_toml),
                uln: f.uln.as_ref().map(Field::from_toml),
            }
        })
        .collect();
    checker.finish(raw)
}

/// Parses and validates a labs file in CSV. The first line is the header,
/// the columns `lab`, `value` and `date` in any order and optionally `uln`;
/// one result per line after it, dates as `YYYY-MM-DD`:
///
/// ```text
/// lab,value,date,uln
/// anc,1.2x10^9/L,2026-11-30,
/// alt,95U/L,2026-11-30,40U/L
/// ```
///
/// Cells may be quoted (`"…"`, with `""` for a quote inside); blank lines
/// are skipped. `path` is only used in messages and in [`LabOrigin::File`].
///
/// # Errors
/// Every problem of the file, each with its line and column: a file over
/// [`MAX_FILE_BYTES`] (checked first); a header without `lab`, `value` or
/// `date`, or with an unknown or repeated column; a row with another number
/// of cells than the header, or an unclosed quote; then the problems of
/// [`parse_labs_toml`] for each result.
pub fn parse_labs_csv(path: &str, text: &str) -> Result<Vec<LabResult>, FileErrors> {
    if text.len() > MAX_FILE_BYTES {
        return Err(too_large(path, text.len()));
    }
    if crate::diagnostics::first_line_ends_in_cr(text.as_bytes()) {
        return Err(FileErrors::whole_file(
            path,
            "",
            crate::diagnostics::CR_LINE_ENDS,
            None,
        ));
    }
    let mut c = Checker::new(path, text);
    let mut lines = csv_lines(text);
    let Some((header_start, header)) = lines.next() else {
        c.problems.push(Problem {
            message: "the file is empty".to_owned(),
            span: None,
            label: String::new(),
            help: Some("the first line is the header: lab,value,date,uln".to_owned()),
        });
        return Err(c.errors());
    };
    let Some(columns) = header_columns(&mut c, header_start, header) else {
        return Err(c.errors());
    };
    let mut raw = Vec::new();
    for (start, line) in lines {
        let Some(cells) = split_csv_line(&mut c, start, line) else {
            continue;
        };
        if cells.len() != columns.len() {
            c.push(
                start..start + line.len(),
                "wrong number of cells",
                format!(
                    "this row has {} cells; the header has {}",
                    cells.len(),
                    columns.len()
                ),
                Some("one cell per column, separated by commas; leave an empty uln cell empty"),
            );
            continue;
        }
        let mut r = RawResult {
            start,
            lab: None,
            value: None,
            date: None,
            uln: None,
        };
        for (column, (text, span)) in columns.iter().zip(cells) {
            // An empty cell is a missing field (an empty uln: none reported).
            let field = (!text.is_empty()).then_some(Field {
                text: FieldText::Text(text),
                span,
            });
            match column {
                Column::Lab => r.lab = field,
                Column::Value => r.value = field,
                Column::Date => r.date = field,
                Column::Uln => r.uln = field,
            }
        }
        raw.push(r);
    }
    c.finish(raw)
}

/// A column of the CSV header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Lab,
    Value,
    Date,
    Uln,
}

/// The columns of the header, or `None` after recording its problems.
fn header_columns(c: &mut Checker<'_>, start: usize, line: &str) -> Option<Vec<Column>> {
    let cells = split_csv_line(c, start, line)?;
    let mut columns = Vec::with_capacity(cells.len());
    let mut ok = true;
    for (name, span) in cells {
        let column = match name.trim().to_lowercase().as_str() {
            "lab" => Column::Lab,
            "value" => Column::Value,
            "date" => Column::Date,
            "uln" => Column::Uln,
            _ => {
                c.push(
                    span,
                    "unknown column",
                    format!("unknown column `{name}`"),
                    Some("the columns are lab, value, date and optionally uln"),
                );
                ok = false;
                continue;
            }
        };
        if columns.contains(&column) {
            c.push(
                span,
                "repeated column",
                format!("the column `{name}` appears twice"),
                None,
            );
            ok = false;
        }
        columns.push(column);
    }
    let missing: Vec<&str> = [
        (Column::Lab, "lab"),
        (Column::Value, "value"),
        (Column::Date, "date"),
    ]
    .into_iter()
    .filter(|(col, _)| !columns.contains(col))
    .map(|(_, name)| name)
    .collect();
    if !missing.is_empty() {
        c.push(
            start..start + line.len(),
            "header",
            format!("the header has no {} column", missing.join(", no ")),
            Some("the first line is the header: lab,value,date,uln"),
        );
        ok = false;
    }
    ok.then_some(columns)
}

/// The non-blank lines of `text` with their byte offsets, without line ends
/// and without a byte-order mark.
fn csv_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut offset = bom;
    text[bom..].split('\n').filter_map(move |raw| {
        let start = offset;
        offset += raw.len() + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        (!line.trim().is_empty()).then_some((start, line))
    })
}

/// The cells of one CSV line, trimmed, with their byte ranges in the file;
/// `None` after recording a malformed quote.
fn split_csv_line(
    c: &mut Checker<'_>,
    start: usize,
    line: &str,
) -> Option<Vec<(String, Range<usize>)>> {
    let mut cells = Vec::new();
    let mut pos = 0;
    loop {
        let rest = &line[pos..];
        let lead = rest.len() - rest.trim_start().len();
        let cell_start = pos + lead;
        if line[cell_start..].starts_with('"') {
            // A quoted cell: up to the closing quote, `""` for a quote.
            let mut text = String::new();
            let mut i = cell_start + 1;
            let mut closed = None;
            while i < line.len() {
                let ch = line[i..].chars().next()?;
                if ch == '"' {
                    if line[i + 1..].starts_with('"') {
                        text.push('"');
                        i += 2;
                        continue;
                    }
                    closed = Some(i);
                    break;
                }
                text.push(ch);
                i += ch.len_utf8();
            }
            let Some(close) = closed else {
                c.push(
                    start + cell_start..start + line.len(),
                    "unclosed quote",
                    "a quoted cell has no closing quote".to_owned(),
                    Some("close the quote on the same line"),
                );
                return None;
            };
            let after = &line[close + 1..];
            let gap = after.len() - after.trim_start().len();
            let next = close + 1 + gap;
            if next < line.len() && !line[next..].starts_with(',') {
                c.push(
                    start + next..start + line.len(),
                    "after the quote",
                    "text after a quoted cell".to_owned(),
                    Some("put a comma after the closing quote"),
                );
                return None;
            }
            cells.push((text, start + cell_start..start + close + 1));
            if next >= line.len() {
                break;
            }
            pos = next + 1;
        } else {
            let end = line[pos..].find(',').map_or(line.len(), |e| pos + e);
            let raw = &line[pos..end];
            let trimmed = raw.trim();
            let s = pos + lead;
            cells.push((trimmed.to_owned(), start + s..start + s + trimmed.len()));
            if end >= line.len() {
                break;
            }
            pos = end + 1;
        }
    }
    Some(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn strict_dates() {
        assert_eq!(strict_date("2026-11-30"), Some(day(2026, 11, 30)));
        assert_eq!(strict_date(" 2026-11-30 "), Some(day(2026, 11, 30)));
        for s in [
            "2026-1-30",
            "26-11-30",
            "2026/11/30",
            "30.11.2026",
            "2026-02-30",
            "",
            "+2026-11-30",
        ] {
            assert_eq!(strict_date(s), None, "{s}");
        }
    }

    #[test]
    fn csv_cells_keep_their_columns() {
        let text = "a, \"b,\"\"c\" ,d";
        let mut c = Checker::new("x.csv", text);
        let cells = split_csv_line(&mut c, 0, text).unwrap();
        let texts: Vec<&str> = cells.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, ["a", "b,\"c", "d"]);
        assert_eq!(cells[1].1, 3..10);
        assert_eq!(&text[cells[2].1.clone()], "d");
        assert!(split_csv_line(&mut c, 0, "\"open,").is_none());
        assert!(split_csv_line(&mut c, 0, "\"a\"b,c").is_none());
        assert_eq!(c.problems.len(), 2);
        let empty = split_csv_line(&mut c, 0, "a,,").unwrap();
        assert_eq!(empty.len(), 3);
    }
}

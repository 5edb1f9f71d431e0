//! The administrations file as read: its column names and header, one
//! record's cells to a patient id, a generic drug and a date (or the reason
//! the record is skipped), the drug names a worker has already checked, and
//! the errors and summary of a whole file.
//! Never does: cut the file (`stream.rs`) or decide a line (`derive`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use super::order::OrderBreak;
use super::{Drug, Rules};

/// Column names of the administrations file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnNames {
    /// Patient id column.
    pub patient: String,
    /// Drug column.
    pub drug: String,
    /// Date column.
    pub date: String,
}

impl Default for ColumnNames {
    fn default() -> Self {
        ColumnNames {
            patient: "patient_id".to_owned(),
            drug: "drug".to_owned(),
            date: "date".to_owned(),
        }
    }
}

impl ColumnNames {
    /// The roles and their column names, in order.
    fn roles(&self) -> [(&'static str, &str); 3] {
        [
            ("patient", &self.patient),
            ("drug", &self.drug),
            ("date", &self.date),
        ]
    }

    /// The positions of the patient, drug and date columns among `names`
    /// (a CSV header's, or a table's), compared trimmed and ignoring ASCII
    /// case.
    ///
    /// # Errors
    ///
    /// [`LinesError::MissingColumn`] for a name not there, and
    /// [`LinesError::DuplicateColumn`] for one there twice.
    pub fn locate<S: AsRef<str>>(&self, names: &[S]) -> Result<[usize; 3], LinesError> {
        let find = |name: &str| {
            let name = name.trim();
            let same = |h: &S| h.as_ref().trim().eq_ignore_ascii_case(name);
            match names.iter().filter(|h| same(h)).count() {
                0 => Err(LinesError::MissingColumn(name.to_owned())),
                1 => Ok(names.iter().position(same).unwrap_or_default()),
                count => Err(LinesError::DuplicateColumn {
                    name: name.to_owned(),
                    count,
                }),
            }
        };
        Ok([find(&self.patient)?, find(&self.drug)?, find(&self.date)?])
    }

    /// Checks that every role has a column name of its own (names are
    /// compared as the header is read: trimmed, ignoring ASCII case).
    ///
    /// # Errors
    ///
    /// [`LinesError::EmptyColumnName`] for a blank name, and
    /// [`LinesError::SameColumn`] for two roles read from one column
    /// (`patient=drug` leaves the drug in `drug` too).
    pub fn check(&self) -> Result<(), LinesError> {
        let roles = self.roles();
        for (role, name) in roles {
            if name.trim().is_empty() {
                return Err(LinesError::EmptyColumnName(role));
            }
        }
        for (i, (first, a)) in roles.iter().enumerate() {
            for (second, b) in &roles[i + 1..] {
                if a.trim().eq_ignore_ascii_case(b.trim()) {
                    return Err(LinesError::SameColumn {
                        column: a.trim().to_owned(),
                        first,
                        second,
                    });
                }
            }
        }
        Ok(())
    }
}

/// A skipped record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// Line in the file (header = 1).
    pub line: u64,
    /// Why.
    pub message: String,
}

/// The outcome of reading a whole file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeriveSummary {
    /// Records read.
    pub records: u64,
    /// Patients.
    pub patients: u64,
    /// Lines derived.
    pub lines: u64,
    /// Records skipped.
    pub skipped: u64,
    /// The first skipped records, with reasons.
    pub errors: Vec<SkippedRow>,
}

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinesError {
    /// A column is missing.
    #[error(
        "the administrations file has no `{0}` column (rename it, or name the column with --columns)"
    )]
    MissingColumn(String),
    /// Two roles read from one column.
    #[error(
        "`{column}` is the column for both the {first} and the {second}: give each of patient, drug and date its own column (--columns patient=pid,drug=medication,date=given_on)"
    )]
    SameColumn {
        /// The column name.
        column: String,
        /// The first role (`patient`, `drug` or `date`).
        first: &'static str,
        /// The second role.
        second: &'static str,
    },
    /// A role mapped to a blank column name.
    #[error(
        "the column name for the {0} is blank: write its header name, e.g. --columns patient=pid"
    )]
    EmptyColumnName(&'static str),
    /// The header names a column that is read more than once.
    #[error(
        "the header has {count} columns named `{name}`: which one to read would be a guess; rename all but one"
    )]
    DuplicateColumn {
        /// The name, as the role asks for it.
        name: String,
        /// How many header columns have it.
        count: usize,
    },
    /// The patients are in neither text nor numeric order, so one patient's
    /// records may not be together.
    #[error(
        "line {line}: patient `{patient}` comes after `{previous}`, and the file is sorted by patient id neither as text ({text}) nor as numbers ({numbers}): sort it with `LC_ALL=C sort -t, -k1,1 -s` (or `sort -t, -k1,1n -s` when every id is a number), keeping the header first, so that memory holds one patient's records at a time"
    )]
    NotSorted {
        /// The line of the record (the header is line 1).
        line: u64,
        /// Its patient id.
        patient: String,
        /// The patient id of the record before.
        previous: String,
        /// Where text order was first broken.
        text: OrderBreak,
        /// Where numeric order was first broken.
        numbers: OrderBreak,
    },
    /// Lines that end in a carriage return alone: every record would be
    /// counted as line 1.
    #[error("{}", crate::diagnostics::CR_LINE_ENDS)]
    CrLineEnds,
    /// Reading failed.
    #[error("{0}")]
    Io(String),
}

/// Most drug names remembered per worker with their generic names (a file
/// of a million different names must not grow memory without bound).
const MAX_KNOWN_DRUGS: usize = 4096;

/// A worker's drug cells, as written, and their generic names: a file
/// names a few drugs many times, so each cell is checked and named once.
pub(super) struct Drugs<'r> {
    rules: &'r Rules,
    /// The first few cells seen (found by a scan, the usual case).
    recent: Vec<(Box<[u8]>, Drug)>,
    /// The next ones, up to [`MAX_KNOWN_DRUGS`].
    more: HashMap<Box<[u8]>, Drug>,
}

impl<'r> Drugs<'r> {
    const RECENT: usize = 16;

    pub(super) fn new(rules: &'r Rules) -> Self {
        Drugs {
            rules,
            recent: Vec::with_capacity(Self::RECENT),
            more: HashMap::new(),
        }
    }

    /// The generic name of a cell already checked.
    pub(super) fn known(&self, cell: &[u8]) -> Option<Drug> {
        match self.recent.iter().find(|(c, _)| **c == *cell) {
            Some((_, d)) => Some(Arc::clone(d)),
            None => self.more.get(cell).cloned(),
        }
    }

    /// The generic name of `name`, a checked cell, remembered while there is room.
    pub(super) fn learn(&mut self, cell: &[u8], name: &str) -> Drug {
        let drug: Drug = Arc::from(self.rules.generic(name));
        if self.recent.len() < Self::RECENT {
            self.recent.push((cell.into(), Arc::clone(&drug)));
        } else if self.more.len() < MAX_KNOWN_DRUGS {
            self.more.insert(cell.into(), Arc::clone(&drug));
        }
        drug
    }
}

/// The header's columns.
pub(super) struct Header {
    pub(super) patient: usize,
    pub(super) drug: usize,
    pub(super) date: usize,
    /// The number of cells a record must have.
    pub(super) width: usize,
}

impl Header {
    /// Reads the header, the first record of `bytes`, and finds the columns
    /// of `columns` in it; also returns where the records after it start.
    pub(super) fn read(bytes: &[u8], columns: &ColumnNames) -> Result<(Header, usize), LinesError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut headers = csv::ByteRecord::new();
        reader
            .read_byte_record(&mut headers)
            .map_err(|e| LinesError::Io(e.to_string()))?;
        let end = reader.position().byte() as usize;
        let names: Vec<String> = headers
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        let [patient, drug, date] = columns.locate(&names)?;
        let header = Header {
            patient,
            drug,
            date,
            width: headers.len(),
        };
        Ok((header, end.min(bytes.len())))
    }
}

/// A cell's text, trimmed (invalid UTF-8 replaced, as the reports show it).
pub(super) fn cell_text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s.trim()),
        Err(_) => Cow::Owned(String::from_utf8_lossy(bytes).trim().to_owned()),
    }
}

/// A date cell written `YYYY-MM-DD`, inside the dates chemodose accepts.
/// The usual ten digits and dashes are read directly; anything else as
/// chrono's `%Y-%m-%d` reads the trimmed text.
pub(super) fn parse_date(cell: &[u8]) -> Result<NaiveDate, String> {
    let b = cell.trim_ascii();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let direct = if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        match (digits(0..4), digits(5..7), digits(8..10)) {
            (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y as i32, m, d),
            _ => None,
        }
    } else {
        None
    };
    let date = match direct {
        Some(d) => d,
        None => {
            let text = cell_text(cell);
            NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map_err(|_| format!("`{text}` is not a date (write 2019-03-04)"))?
        }
    };
    crate::dates::check_date(date).map_err(|e| e.to_string())
}

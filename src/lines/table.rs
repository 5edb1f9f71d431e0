//! Lines of therapy from a table of administrations held in memory (an
//! Arrow table from Python): the same records, checks and lines as `lines
//! derive` over a CSV file, whatever the order of the rows.
//!
//! Owns: the typed cells of a record ([`RecordCell`], [`DateCell`]) and the
//! table a caller reads them from ([`AdministrationCells`]); grouping the
//! records by patient (a patient's records need not be consecutive); and
//! deriving the patients on the threads ([`derive_table`]). A record is
//! read with the file's own rules (`records.rs`: the generic drug name
//! through [`Drugs`], the date's window) and skipped with the file's
//! reasons; each patient's lines come from [`derive`].
//! Never does: read Arrow or any file format (the caller turns its columns
//! into cells), decide a line, or format one.
//!
//! Memory: every record is held until the table is derived (a date and a
//! shared drug name, 24 bytes, in its patient's list), with one entry per
//! patient; the caller's table is read, never copied.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;

use super::records::{DeriveSummary, Drugs, LinesError, SkippedRow, parse_date};
use super::stream::MAX_RECORDS_PER_PATIENT;
use super::{Administration, DerivedLine, RegimenSets, Rules, derive};
use crate::regimen::Library;

/// Patients per run handed to a thread.
const RUN_PATIENTS: usize = 512;

/// A patient id or drug cell of a table, typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordCell<'a> {
    /// No value (a null): an empty CSV cell.
    Empty,
    /// Text, as written (read trimmed, as a CSV cell is).
    Text(&'a str),
    /// A whole number (a patient id), read as its decimal digits.
    Integer(i64),
}

/// A date cell of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateCell<'a> {
    /// No value (a null).
    Empty,
    /// Text, read as a CSV cell is (`2019-03-04`).
    Text(&'a str),
    /// A date.
    Date(NaiveDate),
}

/// A table of administrations, read cell by cell: one part of a table (an
/// Arrow record batch).
pub trait AdministrationCells: Sync {
    /// Its rows.
    fn rows(&self) -> usize;
    /// The patient id of row `row` (from 0).
    fn patient(&self, row: usize) -> RecordCell<'_>;
    /// The drug of row `row`.
    fn drug(&self, row: usize) -> RecordCell<'_>;
    /// The date of row `row`.
    fn date(&self, row: usize) -> DateCell<'_>;
}

/// The lines of a table: its patients in the order of their first record,
/// each patient's lines in order, and the counts and skipped records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableLines {
    /// The lines, as `lines derive` gives them for a file sorted by patient.
    pub lines: Vec<DerivedLine>,
    /// For each line, the part and row of its patient's first record (whose
    /// id is the patient's, as the table types it).
    pub first_record: Vec<(usize, usize)>,
    /// The counts, and the skipped records with their row in the whole
    /// table (from 1) in `line`: the first 100, or every one when asked.
    pub summary: DeriveSummary,
    /// For each skipped record reported, its part and row.
    pub skipped_at: Vec<(usize, usize)>,
}

/// One patient's records as read, in table order.
struct Group {
    patient: String,
    first: (usize, usize),
    records: Vec<Administration>,
}

/// The key a patient is grouped by: the trimmed text, or the number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Text(String),
    Integer(i64),
}

/// Derives the lines of every patient of `parts` (the parts of one table,
/// in order) with `rules`, matching lines against `library`, on `threads`
/// threads. A record with an empty patient id or drug, a drug or id holding
/// a control character, or a date that is not one (or outside the dates
/// chemodose accepts) is skipped with the reason `lines derive` gives; with
/// `every_error` every skipped record is reported, else the first 100.
///
/// # Errors
///
/// [`LinesError::Io`] when one patient has more than
/// [`MAX_RECORDS_PER_PATIENT`] records.
pub fn derive_table(
    parts: &[&dyn AdministrationCells],
    rules: &Rules,
    library: &Library,
    threads: usize,
    every_error: bool,
) -> Result<TableLines, LinesError> {
    let mut out = TableLines::default();
    let groups = group(parts, rules, every_error, &mut out)?;
    let regimens = RegimenSets::of(library);
    let runs: Vec<&[Group]> = groups.chunks(RUN_PATIENTS).collect();
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<Vec<DerivedLine>>>> = Mutex::new(vec![None; runs.len()]);
    let threads = threads.clamp(1, 256).min(runs.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut records = Vec::new();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(run) = runs.get(k) else { return };
                    let mut lines = Vec::new();
                    for g in *run {
                        records.clear();
                        records.extend_from_slice(&g.records);
                        lines.extend(derive(&g.patient, &mut records, rules, &regimens));
                    }
                    done.lock().unwrap_or_else(|p| p.into_inner())[k] = Some(lines);
                }
            });
        }
    });
    let done = done.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut lines = done.into_iter().flatten().flatten().peekable();
    for g in &groups {
        while let Some(l) = lines.next_if(|l| l.patient == g.patient) {
            out.first_record.push(g.first);
            out.lines.push(l);
        }
    }
    out.summary.patients = groups.len() as u64;
    out.summary.lines = out.lines.len() as u64;
    Ok(out)
}

/// Reads every record and groups the records by patient, in the order of
/// each patient's first record; skipped records are counted in `out`.
fn group(
    parts: &[&dyn AdministrationCells],
    rules: &Rules,
    every_error: bool,
    out: &mut TableLines,
) -> Result<Vec<Group>, LinesError> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut drugs = Drugs::new(rules);
    let mut place = 0u64;
    for (p, part) in parts.iter().enumerate() {
        // The group of the row before and its id cell: the usual table
        // lists a patient's records together.
        let mut last: Option<(RecordCell<'_>, usize)> = None;
        for row in 0..part.rows() {
            place += 1;
            out.summary.records += 1;
            let cell = part.patient(row);
            // The same id cell as the row before: the same patient, not
            // checked again (as a CSV record is not).
            let same = last.filter(|(c, _)| *c == cell).map(|(_, g)| g);
            let record = read(
                same.is_none().then_some(cell),
                part.drug(row),
                part.date(row),
                &mut drugs,
            )
            .map(|(key, drug, date)| {
                let g = match key {
                    // No key: the same patient as the row before.
                    None => same.unwrap_or_default(),
                    Some((key, text)) => *index.entry(key).or_insert_with(|| {
                        groups.push(Group {
                            patient: text,
                            first: (p, row),
                            records: Vec::new(),
                        });
                        groups.len() - 1
                    }),
                };
                (g, drug, date)
            });
            match record {
                Ok((g, drug, date)) => {
                    last = Some((cell, g));
                    let records = &mut groups[g].records;
                    if records.len() >= MAX_RECORDS_PER_PATIENT {
                        return Err(LinesError::Io(format!(
                            "row {place}: more than {MAX_RECORDS_PER_PATIENT} records for one patient"
                        )));
                    }
                    records.push(Administration { date, drug });
                }
                Err(message) => {
                    let s = &mut out.summary;
                    s.skipped += 1;
                    if every_error || s.errors.len() < 100 {
                        s.errors.push(SkippedRow {
                            line: place,
                            message,
                        });
                        out.skipped_at.push((p, row));
                    }
                }
            }
        }
    }
    Ok(groups)
}

/// A record as read: its patient's key and id text (`None`: the patient of
/// the row before), its generic drug name and its date.
type Record = (Option<(Key, String)>, super::Drug, NaiveDate);

/// A record's patient (when `patient` is given: not the same cell as the
/// record before), generic drug name and date, or why it is skipped: the
/// checks of a CSV record, in its order (an empty id, an empty drug, the
/// id's and the drug's characters, the date).
fn read(
    patient: Option<RecordCell<'_>>,
    drug: RecordCell<'_>,
    date: DateCell<'_>,
    drugs: &mut Drugs<'_>,
) -> Result<Record, String> {
    let patient = patient.map(|cell| match cell {
        RecordCell::Integer(i) => (Key::Integer(i), i.to_string()),
        RecordCell::Empty => (Key::Text(String::new()), String::new()),
        RecordCell::Text(t) => (Key::Text(t.trim().to_owned()), t.trim().to_owned()),
    });
    let number;
    let drug_cell: &str = match drug {
        RecordCell::Empty => "",
        RecordCell::Text(t) => t,
        RecordCell::Integer(i) => {
            number = i.to_string();
            &number
        }
    };
    let known = drugs.known(drug_cell.as_bytes());
    let name = drug_cell.trim();
    if patient.as_ref().is_some_and(|(_, t)| t.is_empty()) {
        return Err("the patient id is empty".to_owned());
    }
    if known.is_none() && name.is_empty() {
        return Err("the drug is empty".to_owned());
    }
    // A line break or an ESC would forge a line of the report; a
    // bidirectional control would reverse it.
    if let Some((_, p)) = &patient {
        crate::text::check_plain("the patient id", p).map_err(|e| e.to_string())?;
    }
    let drug = match known {
        Some(d) => d,
        None => {
            crate::text::check_plain("the drug", name).map_err(|e| e.to_string())?;
            drugs.learn(drug_cell.as_bytes(), name)
        }
    };
    let date = match date {
        DateCell::Empty => parse_date(b"")?,
        DateCell::Text(t) => parse_date(t.as_bytes())?,
        DateCell::Date(d) => crate::dates::check_date(d).map_err(|e| e.to_string())?,
    };
    Ok((patient, drug, date))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::{ColumnNames, derive_stream};

    /// A table of text cells.
    struct Rows(Vec<[&'static str; 3]>);

    impl AdministrationCells for Rows {
        fn rows(&self) -> usize {
            self.0.len()
        }
        fn patient(&self, row: usize) -> RecordCell<'_> {
            RecordCell::Text(self.0[row][0])
        }
        fn drug(&self, row: usize) -> RecordCell<'_> {
            RecordCell::Text(self.0[row][1])
        }
        fn date(&self, row: usize) -> DateCell<'_> {
            DateCell::Text(self.0[row][2])
        }
    }

    fn from_file(csv: &str) -> (Vec<DerivedLine>, DeriveSummary) {
        let mut lines = Vec::new();
        let library = Library::bundled().unwrap();
        let summary = derive_stream(
            csv.as_bytes(),
            &ColumnNames::default(),
            &Rules::default(),
            &library,
            &mut |l| {
                lines.extend_from_slice(l);
                Ok(())
            },
            &mut |_| {},
        )
        .unwrap();
        (lines, summary)
    }

    /// Patient 1: gemcitabine and docetaxel on 2020-01-01 and 01-22 are one
    /// line (within the 28-day window); doxorubicin on 2020-03-01, a new
    /// drug after the window, starts line 2. Patient 2: one line of
    /// doxorubicin. The table lists patient 2 between patient 1's records,
    /// and holds a bad date and an empty drug, which are skipped with the
    /// file's reasons.
    #[test]
    fn a_table_in_any_order_gives_the_lines_of_the_sorted_file() {
        let table = Rows(vec![
            ["1", "gemcitabine", "2020-01-01"],
            ["2", "doxorubicin", "2020-02-01"],
            ["1", "Taxotere", "2020-01-01"],
            ["1", "gemcitabine", "2020-01-22"],
            ["2", "", "2020-02-02"],
            [" 1", "doxorubicin", "2020-03-01"],
            ["1", "doxorubicin", "2020-13-01"],
        ]);
        let got = derive_table(
            &[&table],
            &Rules::default(),
            &Library::bundled().unwrap(),
            2,
            true,
        )
        .unwrap();
        let (want, summary) = from_file(
            "patient_id,drug,date\n1,gemcitabine,2020-01-01\n1,Taxotere,2020-01-01\n1,gemcitabine,2020-01-22\n 1,doxorubicin,2020-03-01\n1,doxorubicin,2020-13-01\n2,doxorubicin,2020-02-01\n2,,2020-02-02\n",
        );
        assert_eq!(got.lines, want);
        assert_eq!(got.lines.len(), 3);
        assert_eq!(
            got.lines[0].regimen.iter().cloned().collect::<Vec<_>>(),
            ["docetaxel", "gemcitabine"]
        );
        assert_eq!(got.lines[1].number, 2);
        assert_eq!(got.lines[2].patient, "2");
        assert_eq!(got.first_record, [(0, 0), (0, 0), (0, 1)]);
        assert_eq!(
            (
                got.summary.records,
                got.summary.patients,
                got.summary.lines,
                got.summary.skipped
            ),
            (
                summary.records,
                summary.patients,
                summary.lines,
                summary.skipped
            )
        );
        let reasons: Vec<(u64, &str)> = got
            .summary
            .errors
            .iter()
            .map(|e| (e.line, e.message.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (5, "the drug is empty"),
                (7, "`2020-13-01` is not a date (write 2019-03-04)")
            ]
        );
        let file_reasons: Vec<&str> = summary.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            file_reasons,
            [
                "`2020-13-01` is not a date (write 2019-03-04)",
                "the drug is empty"
            ]
        );
    }
}

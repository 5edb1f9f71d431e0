//! Lines of therapy from a table of administrations held in memory (an
//! Arrow table from Python): the same records, checks and lines as `lines
//! derive` over a CSV file, whatever the order of the rows.
//!
//! Owns: the typed cells of a record ([`RecordCell`], [`DateCell`]) and the
//! table a caller reads them from ([`AdministrationCells`]); reading runs of
//! rows on the threads, then grouping the records by patient (counted, then
//! placed: a patient's records need not be consecutive); and deriving the
//! patients on the threads ([`derive_table`]). A record is
//! read with the file's own rules (`records.rs`: the generic drug name
//! through [`Drugs`], the date's window) and skipped with the file's
//! reasons; each patient's lines come from [`derive`].
//! Never does: read Arrow or any file format (the caller turns its columns
//! into cells), decide a line, or format one.
//!
//! Memory: every record is held until the table is derived (a date and the
//! number of its drug's name, 8 bytes, in its patient's list), with one
//! entry per patient; the caller's table is read, never copied. Each thread
//! that derives patients has its own copy of the drug names, so that no two
//! threads count references to one shared name.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use super::records::{DeriveSummary, Drugs, LinesError, SkippedRow, parse_date};
use super::stream::MAX_RECORDS_PER_PATIENT;
use super::{Administration, DerivedLine, Drug, RegimenSets, Rules, derive};
use crate::regimen::Library;
use crate::table_runs::{on_threads, runs};

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

/// One patient of the table: its id text, its first record's part and row,
/// and where its records are in the grouped records.
struct Group {
    patient: String,
    first: (usize, usize),
    records: std::ops::Range<usize>,
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
    let threads = threads.clamp(1, 256);
    let mut out = TableLines::default();
    let chunks = read_runs(parts, rules, threads);
    let (groups, records, names) = group(chunks, every_error, &mut out)?;
    let regimens = RegimenSets::of(library);
    let runs: Vec<&[Group]> = groups.chunks(RUN_PATIENTS).collect();
    let (runs, records, names, regimens) = (&runs, &records, &names, &regimens);
    let done = on_threads(runs.len(), threads, || {
        // Each thread's own shared names: threads that shared one name's
        // count of references would wait on each other.
        let own: Vec<Drug> = names.iter().map(|n| Arc::from(&**n)).collect();
        let mut buffer = Vec::new();
        move |k: usize| {
            let mut lines = Vec::new();
            for g in runs[k] {
                buffer.clear();
                buffer.extend(records[g.records.clone()].iter().map(|&(date, drug)| {
                    Administration {
                        date,
                        drug: Arc::clone(&own[drug as usize]),
                    }
                }));
                lines.extend(derive(&g.patient, &mut buffer, rules, regimens));
            }
            lines
        }
    });
    let mut lines = done.into_iter().flatten().peekable();
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

/// One run of rows as a thread read it: its patients and drug names in the
/// order met, and each record by their numbers.
#[derive(Default)]
struct Chunk {
    /// The patients met, in the order of their first record: key, id text,
    /// the part and row of that record.
    patients: Vec<(Key, String, (usize, usize))>,
    /// The generic drug names met, in order.
    names: Vec<Drug>,
    /// Each record read: its patient's and its drug's number, and its date.
    records: Vec<(u32, u32, NaiveDate)>,
    /// Rows read.
    rows: u64,
    /// The records skipped: the row in the whole table (from 1), the part
    /// and row, and why.
    skipped: Vec<(u64, (usize, usize), String)>,
}

/// Reads every record of `parts`, runs of rows on the threads: each run's
/// patients, drugs and records in table order.
fn read_runs(parts: &[&dyn AdministrationCells], rules: &Rules, threads: usize) -> Vec<Chunk> {
    let runs = runs(parts.iter().map(|p| p.rows()));
    on_threads(runs.len(), threads, || {
        let runs = &runs;
        move |k: usize| {
            let (p, rows, first) = runs[k].clone();
            read_run(parts[p], p, rows, first, rules)
        }
    })
}

/// Reads one run of rows of part `p`; `first` is the table row (from 0) of
/// its first row.
fn read_run(
    part: &dyn AdministrationCells,
    p: usize,
    rows: std::ops::Range<usize>,
    first: u64,
    rules: &Rules,
) -> Chunk {
    let mut chunk = Chunk::default();
    let mut drugs = Drugs::new(rules);
    let mut names = Names::default();
    let mut index: HashMap<Key, u32> = HashMap::new();
    let start = rows.start;
    // The patient of the row before and its id cell: the usual table lists
    // a patient's records together.
    let mut last: Option<(RecordCell<'_>, u32)> = None;
    for row in rows {
        chunk.rows += 1;
        let cell = part.patient(row);
        // The same id cell as the row before: the same patient, not checked
        // again (as a CSV record is not).
        let same = last.filter(|(c, _)| *c == cell).map(|(_, g)| g);
        match read(
            same.is_none().then_some(cell),
            part.drug(row),
            part.date(row),
            &mut drugs,
        ) {
            Ok((key, drug, date)) => {
                let g = match key {
                    // No key: the same patient as the row before.
                    None => same.unwrap_or_default(),
                    Some((key, text)) => *index.entry(key.clone()).or_insert_with(|| {
                        chunk.patients.push((key, text, (p, row)));
                        chunk.patients.len() as u32 - 1
                    }),
                };
                last = Some((cell, g));
                chunk.records.push((g, names.number(drug), date));
            }
            Err(message) => {
                let place = first + (row - start) as u64 + 1;
                chunk.skipped.push((place, (p, row), message));
            }
        }
    }
    chunk.names = names.names;
    chunk
}

/// The patients, every record as its date and drug number (each patient's
/// together), and the drug names.
type Grouped = (Vec<Group>, Vec<(NaiveDate, u32)>, Vec<Drug>);

/// The runs' patients merged in the order of their first record, and their
/// records grouped by patient (each patient's in table order), with the
/// drug names they are numbered by; the counts and skipped records go to
/// `out`.
fn group(
    chunks: Vec<Chunk>,
    every_error: bool,
    out: &mut TableLines,
) -> Result<Grouped, LinesError> {
    let mut index: HashMap<Key, u32> = HashMap::new();
    let mut patients: Vec<(String, (usize, usize))> = Vec::new();
    let mut names = Names::default();
    // Each run's numbers of patients and drugs, as the table's.
    let mut maps: Vec<(Vec<u32>, Vec<u32>)> = Vec::with_capacity(chunks.len());
    for c in &chunks {
        out.summary.records += c.rows;
        for (place, at, message) in &c.skipped {
            let s = &mut out.summary;
            s.skipped += 1;
            if every_error || s.errors.len() < 100 {
                s.errors.push(SkippedRow {
                    line: *place,
                    message: message.clone(),
                });
                out.skipped_at.push(*at);
            }
        }
        let patient_map = c
            .patients
            .iter()
            .map(|(key, text, first)| {
                *index.entry(key.clone()).or_insert_with(|| {
                    patients.push((text.clone(), *first));
                    patients.len() as u32 - 1
                })
            })
            .collect();
        let drug_map = c
            .names
            .iter()
            .map(|d| names.number(Arc::clone(d)))
            .collect();
        maps.push((patient_map, drug_map));
    }
    // Counted, then placed: every patient's records together, in table order.
    let mut counts = vec![0usize; patients.len()];
    for (c, (pm, _)) in chunks.iter().zip(&maps) {
        for r in &c.records {
            counts[pm[r.0 as usize] as usize] += 1;
        }
    }
    if let Some(g) = counts.iter().position(|n| *n > MAX_RECORDS_PER_PATIENT) {
        return Err(LinesError::Io(format!(
            "patient `{}` has more than {MAX_RECORDS_PER_PATIENT} records",
            patients[g].0
        )));
    }
    let mut at = Vec::with_capacity(counts.len());
    let mut total = 0;
    for n in &counts {
        at.push(total);
        total += n;
    }
    let groups: Vec<Group> = patients
        .into_iter()
        .zip(&at)
        .zip(&counts)
        .map(|(((patient, first), from), n)| Group {
            patient,
            first,
            records: *from..*from + *n,
        })
        .collect();
    let mut records = vec![(NaiveDate::MIN, 0u32); total];
    for (c, (pm, dm)) in chunks.iter().zip(&maps) {
        for &(g, drug, date) in &c.records {
            let g = pm[g as usize] as usize;
            records[at[g]] = (date, dm[drug as usize]);
            at[g] += 1;
        }
    }
    Ok((groups, records, names.names))
}

/// The generic drug names of a table, each once, numbered in the order
/// met: a record holds its drug's number.
#[derive(Default)]
struct Names {
    names: Vec<Drug>,
    numbers: HashMap<Drug, u32>,
    /// The last few names met and their numbers, found by address first.
    recent: Vec<(Drug, u32)>,
}

impl Names {
    fn number(&mut self, drug: Drug) -> u32 {
        if let Some((_, n)) = self.recent.iter().find(|(d, _)| Arc::ptr_eq(d, &drug)) {
            return *n;
        }
        let n = match self.numbers.get(&drug) {
            Some(n) => *n,
            None => {
                let n = self.names.len() as u32;
                self.names.push(Arc::clone(&drug));
                self.numbers.insert(Arc::clone(&drug), n);
                n
            }
        };
        if self.recent.len() < 16 {
            self.recent.push((drug, n));
        }
        n
    }
}

/// A record as read: its patient's key and id text (`None`: the patient of
/// the row before), its generic drug name and its date.
type Record = (Option<(Key, String)>, Drug, NaiveDate);

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

    /// Owned rows, for tables larger than a run of rows.
    struct Owned(Vec<[String; 3]>);

    impl AdministrationCells for Owned {
        fn rows(&self) -> usize {
            self.0.len()
        }
        fn patient(&self, row: usize) -> RecordCell<'_> {
            RecordCell::Text(&self.0[row][0])
        }
        fn drug(&self, row: usize) -> RecordCell<'_> {
            RecordCell::Text(&self.0[row][1])
        }
        fn date(&self, row: usize) -> DateCell<'_> {
            DateCell::Text(&self.0[row][2])
        }
    }

    /// 70,000 records of 700 patients, each patient's records 700 rows
    /// apart (so every patient is in both runs of rows): the lines of the
    /// same records sorted by patient as a file, with a bad date counted.
    #[test]
    fn patients_spread_over_runs_of_rows() {
        let drugs = [
            "doxorubicin",
            "ifosfamide",
            "eribulin",
            "Gemzar",
            "taxotere",
        ];
        let day = |n: usize| {
            let d = NaiveDate::from_ymd_opt(2015, 1, 1).unwrap() + chrono::Days::new(n as u64);
            d.to_string()
        };
        let rows: Vec<[String; 3]> = (0..70_000)
            .map(|i| {
                let p = i % 700;
                let k = i / 700;
                // A new regimen every 30 records, 21 days apart.
                [
                    format!("P{p:03}"),
                    drugs[(k / 30 + p) % drugs.len()].to_owned(),
                    if i == 69_999 {
                        "2015-02-30".to_owned()
                    } else {
                        day(k * 21 + p % 5)
                    },
                ]
            })
            .collect();
        let table = Owned(rows.clone());
        let got = derive_table(
            &[&table],
            &Rules::default(),
            &Library::bundled().unwrap(),
            3,
            false,
        )
        .unwrap();
        let mut sorted = rows;
        sorted.sort_by(|a, b| a[0].cmp(&b[0]));
        let mut csv = String::from("patient_id,drug,date\n");
        for r in &sorted {
            csv.push_str(&r.join(","));
            csv.push('\n');
        }
        let (want, summary) = from_file(&csv);
        // Patients in the order of their first record: P000, P001, ... as sorted.
        assert_eq!(got.lines, want);
        assert_eq!(
            (
                got.summary.records,
                got.summary.patients,
                got.summary.skipped
            ),
            (70_000, 700, 1)
        );
        assert_eq!(summary.skipped, 1);
        assert_eq!(got.summary.errors[0].line, 70_000);
        assert!(got.lines.len() > 2000, "{}", got.lines.len());
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

//! Batch dosing of a table held in memory (an Arrow table from Python, a
//! data frame): the same patients, checks, doses and columns as
//! `chemodose batch` over a CSV file, as numbers instead of text.
//!
//! Owns: the typed cell ([`Cell`]) and the table a caller reads cells from
//! ([`PatientCells`]); the table's columns found by their names
//! ([`TableColumns`], the CSV header's names and checks); one row to a
//! [`Patient`] through the CSV's own row reader (`columns.rs`: a number is
//! read as the CSV cell holding its shortest decimal text, bit for bit);
//! the rows cut into runs for the threads ([`dose_table`]); and each run's
//! output as columns of numbers ([`TableDoses`]): the BSA and the doses as
//! the `f64` of the decimal the CSV prints ([`mg_f64`]).
//! Never does: read Arrow or any file format (the caller turns its columns
//! into cells), compute a dose (the plan's fast path or the engine), or
//! decide what a failed row becomes (the caller keeps it or drops it).

use std::ops::Range;

use rust_decimal::Decimal;

use super::columns::{Columns, RowProblem, Value, check_units_of, columns_named, read_patient};
use super::workers::defect;
use super::writer::bsa_ten_thousandths;
use super::{BatchError, BatchPlan, Layout, MAX_REPORTED_ERRORS, RowPlace};
use crate::patient::Patient;
use crate::table_runs::{on_threads, runs};

/// One cell of a patient table, typed. A text cell is read as the same text
/// in a CSV file would be; a number as the CSV cell holding its shortest
/// decimal text (`170.0` as `170`, `172.5` as `172.5`), to the same `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// No value (a null): an empty CSV cell.
    Empty,
    /// Text, as written (not trimmed).
    Text(&'a str),
    /// A floating-point number.
    Number(f64),
    /// A whole number.
    Integer(i64),
}

impl<'a> From<Cell<'a>> for Value<'a> {
    fn from(c: Cell<'a>) -> Self {
        match c {
            Cell::Empty => Value::Bytes(b""),
            Cell::Text(s) => Value::Bytes(s.as_bytes()),
            Cell::Number(v) => Value::Float(v),
            Cell::Integer(i) => Value::Integer(i),
        }
    }
}

/// A table of patients, read cell by cell: one part of a table (an Arrow
/// record batch), shared by the threads.
pub trait PatientCells: Sync {
    /// Its rows.
    fn rows(&self) -> usize;
    /// The cell of column `column` (an index into the names given to
    /// [`TableColumns::find`]) in row `row` (from 0).
    fn cell(&self, column: usize, row: usize) -> Cell<'_>;
}

/// The columns of a patient table, found by their names as `chemodose
/// batch` finds them in a CSV header, with the same refusals.
#[derive(Debug, Clone, PartialEq)]
pub struct TableColumns {
    columns: Columns,
}

impl TableColumns {
    /// Finds the columns among the table's column names.
    ///
    /// # Errors
    ///
    /// As for a CSV header: no id, height or weight column
    /// ([`BatchError::MissingColumn`]), two columns for one quantity
    /// ([`BatchError::DuplicateColumn`]), a measurement column chemodose
    /// does not read ([`BatchError::UnknownColumn`]).
    pub fn find<S: AsRef<str>>(names: &[S]) -> Result<TableColumns, BatchError> {
        let columns = columns_named(names.iter().map(|n| n.as_ref().to_owned()))?;
        Ok(TableColumns { columns })
    }

    /// The index of the id column.
    pub fn id(&self) -> usize {
        self.columns.id
    }

    /// The indexes of the columns read (the id first), each once; the
    /// others are not read.
    pub fn read(&self) -> Vec<usize> {
        let c = &self.columns;
        let mut read = vec![c.id, c.height.0, c.weight.0];
        read.extend(c.sex);
        read.extend(c.age);
        read.extend(c.scr.map(|s| s.0));
        read
    }

    /// One row's patient, `cell(i)` giving the row's cell of column `i`:
    /// the checks and the reasons of a CSV row (`chemodose batch` prints
    /// the reason after `line N: skipped: `).
    ///
    /// # Errors
    ///
    /// The row's first problem: an empty id, a measurement that is not a
    /// number, lacks its unit or is implausible, a height and weight that
    /// cannot be one person's, a sex other than female or male, an id with
    /// a control character.
    pub fn patient<'a>(&self, cell: impl Fn(usize) -> Cell<'a>) -> Result<Patient, RowProblem> {
        read_patient(&self.columns, |i| cell(i).into())
    }
}

/// A row that was not dosed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRowError {
    /// Its row in the whole table, from 1.
    pub row: u64,
    /// Why, in the words `chemodose batch` uses for a CSV row.
    pub message: String,
}

/// The output of one run of a table part's rows, column by column: the rows
/// `chemodose batch` writes for those rows, as numbers.
///
/// Every dose, cycle and course value is the `f64` nearest the decimal the
/// CSV prints ([`mg_f64`]), and the BSA is the 4-decimal value it prints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableDoses {
    /// The part of the table (0 for the first) the rows are of.
    pub part: usize,
    /// The part's rows this run covers.
    pub rows: Range<usize>,
    /// For each output row, the part's row it is of (its id is that row's).
    pub source: Vec<usize>,
    /// For each output row, whether it was dosed; a failed row kept for the
    /// caller ([`dose_table`]'s `keep_failed`) is not, and its values are
    /// meaningless (0).
    pub dosed: Vec<bool>,
    /// The BSA, m², to 4 decimals (the unrounded BSA as the CSV prints it).
    pub bsa_m2: Vec<f64>,
    /// The values after `bsa_m2`, one column each: in the wide layout every
    /// dose column, then every drug's cycle total, then every drug's course
    /// total (0 when [`BatchPlan::course_known`] is false, an empty cell in
    /// the CSV); in the long layout one column, `dose_mg`.
    pub values: Vec<Vec<f64>>,
    /// Long layout: for each output row, its dose column in the plan
    /// ([`BatchPlan::dose_columns`]: the drug and day).
    pub column: Vec<usize>,
    /// The rows not dosed: every one when failed rows are kept, else the
    /// first [`MAX_REPORTED_ERRORS`].
    pub errors: Vec<TableRowError>,
    /// Rows not dosed.
    pub failed: u64,
    /// Rows dosed by the fast path.
    pub fast_rows: u64,
}

/// A dose or total in mg as the `f64` nearest the decimal the CSV prints
/// (`1638`, `0.5`, `33.3333333333`), which is what a CSV reader gives for
/// that cell: for a mantissa below 2^53 and at most 22 decimals, one
/// correctly rounded division by an exact power of ten (Clinger's fast
/// path, as `str::parse` does it); any other is parsed from its text.
pub fn mg_f64(d: Decimal) -> f64 {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let m = d.mantissa();
    let scale = d.scale() as usize;
    if m.unsigned_abs() < (1u128 << 53) && scale < POW10.len() {
        return m as f64 / POW10[scale];
    }
    d.normalize().to_string().parse().unwrap_or(f64::NAN)
}

/// The BSA (m²) as the CSV prints it, to 4 decimals, as an `f64`: the
/// ten-thousandths over 10,000, one correctly rounded division, the value a
/// CSV reader gives for that cell.
fn bsa_f64(bsa: f64) -> f64 {
    bsa_ten_thousandths(bsa) as f64 / 10_000.0
}

impl BatchPlan<'_> {
    /// The dose columns, in output order: each drug and day.
    pub fn dose_columns(&self) -> impl Iterator<Item = (&str, u32)> {
        self.columns.iter().map(|c| (c.drug.as_str(), c.day))
    }
}

/// Buffers reused from row to row.
#[derive(Default)]
struct Scratch {
    doses: Vec<Decimal>,
    course: Vec<Decimal>,
    whole_mg: Vec<u64>,
    totals: Vec<Decimal>,
    whole_totals: Vec<u64>,
}

/// Doses the rows of `parts` (the parts of one table, in order) with `plan`
/// on `threads` threads, and gives the output of each run of rows, in table
/// order. A row that cannot be read or dosed is left out and reported with
/// its row and reason; with `keep_failed` it is kept as an undosed output
/// row, and every reason is kept.
///
/// As `chemodose batch`: the plan is checked once before any row, and a
/// table whose first row holds a bare number in a column without a unit in
/// its name is refused.
///
/// # Errors
///
/// [`BatchError::Plan`] when the plan is refused, [`BatchError::NoUnits`]
/// for a table without units.
pub fn dose_table(
    plan: &BatchPlan<'_>,
    columns: &TableColumns,
    parts: &[&dyn PatientCells],
    layout: Layout,
    keep_failed: bool,
    threads: usize,
) -> Result<Vec<TableDoses>, BatchError> {
    crate::dose::check_plan(plan.regimen(), plan.cycle(), plan.options())?;
    if let Some(first) = parts.iter().find(|p| p.rows() > 0) {
        check_units_of(
            &columns.columns,
            |i| first.cell(i, 0).into(),
            RowPlace::Row(1),
        )?;
    }
    let runs = runs(parts.iter().map(|p| p.rows()));
    let threads = threads.clamp(1, 64);
    Ok(on_threads(runs.len(), threads, || {
        let mut scratch = Scratch::default();
        let runs = &runs;
        move |k: usize| {
            dose_run(
                plan,
                &columns.columns,
                parts[runs[k].0],
                runs[k].clone(),
                layout,
                keep_failed,
                &mut scratch,
            )
        }
    }))
}

/// Doses one run of rows of one part; `first` is the table row (from 0) of
/// the run's first row.
fn dose_run(
    plan: &BatchPlan<'_>,
    c: &Columns,
    cells: &dyn PatientCells,
    (part, rows, first): (usize, Range<usize>, u64),
    layout: Layout,
    keep_failed: bool,
    st: &mut Scratch,
) -> TableDoses {
    let n = rows.len();
    let per_row = match layout {
        Layout::Wide => 1,
        Layout::Long => plan.columns.len(),
    };
    let width = match layout {
        Layout::Wide => plan.columns.len() + 2 * plan.drugs.len(),
        Layout::Long => 1,
    };
    let mut out = TableDoses {
        part,
        rows: rows.clone(),
        source: Vec::with_capacity(n * per_row),
        dosed: Vec::with_capacity(n * per_row),
        bsa_m2: Vec::with_capacity(n * per_row),
        values: (0..width)
            .map(|_| Vec::with_capacity(n * per_row))
            .collect(),
        ..TableDoses::default()
    };
    for row in rows {
        let len = out.source.len();
        let fast_rows = out.fast_rows;
        let place = first + (row - out.rows.start) as u64 + 1;
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            dose_one(plan, c, cells, row, layout, st, &mut out)
        }));
        let failure = match run {
            Ok(Ok(())) => None,
            Ok(Err(why)) => Some(why),
            Err(payload) => {
                // Nothing of the row stays written.
                out.source.truncate(len);
                out.dosed.truncate(len);
                out.bsa_m2.truncate(len);
                out.values.iter_mut().for_each(|v| v.truncate(len));
                out.column.truncate(len);
                out.fast_rows = fast_rows;
                Some(defect(payload.as_ref()))
            }
        };
        if let Some(message) = failure {
            out.failed += 1;
            if keep_failed || out.errors.len() < MAX_REPORTED_ERRORS {
                out.errors.push(TableRowError {
                    row: place,
                    message,
                });
            }
            if keep_failed {
                out.source.push(row);
                out.dosed.push(false);
                out.bsa_m2.push(0.0);
                out.values.iter_mut().for_each(|v| v.push(0.0));
                if layout == Layout::Long {
                    out.column.push(0);
                }
            }
        }
    }
    out
}

/// Reads and doses one row into `out`, or gives the reason it is not dosed.
fn dose_one(
    plan: &BatchPlan<'_>,
    c: &Columns,
    cells: &dyn PatientCells,
    row: usize,
    layout: Layout,
    st: &mut Scratch,
    out: &mut TableDoses,
) -> Result<(), String> {
    let patient = read_patient(c, |i| cells.cell(i, row).into()).map_err(|p| p.to_string())?;
    // As the CSV writer: whole-mg doses straight from the fast path.
    if layout == Layout::Wide
        && let Some(fast) = &plan.fast
        && fast.whole_mg
        && let Some(bsa) = fast.whole_mg_doses(&patient, &mut st.whole_mg)
    {
        out.fast_rows += 1;
        out.source.push(row);
        out.dosed.push(true);
        out.bsa_m2.push(bsa_f64(bsa));
        st.whole_totals.resize(plan.drugs.len(), 0);
        plan.cycle_totals(&st.whole_mg, &mut st.whole_totals);
        let mut values = out.values.iter_mut();
        // Whole mg below 2^53 are exact in an f64.
        for d in &st.whole_mg {
            push(&mut values, *d as f64);
        }
        for t in &st.whole_totals {
            push(&mut values, *t as f64);
        }
        for t in &st.whole_totals {
            push(
                &mut values,
                plan.course_whole_mg(*t).map_or(0.0, |c| c as f64),
            );
        }
        return Ok(());
    }
    let mut fast = false;
    let bsa = plan
        .doses(&patient, &mut st.doses, &mut st.course, &mut fast)
        .map_err(|e| e.to_string())?;
    out.fast_rows += u64::from(fast);
    let bsa = bsa_f64(bsa);
    match layout {
        Layout::Wide => {
            out.source.push(row);
            out.dosed.push(true);
            out.bsa_m2.push(bsa);
            st.totals.resize(plan.drugs.len(), Decimal::ZERO);
            plan.cycle_totals(&st.doses, &mut st.totals);
            let mut values = out.values.iter_mut();
            for d in &st.doses {
                push(&mut values, mg_f64(*d));
            }
            for t in &st.totals {
                push(&mut values, mg_f64(*t));
            }
            for (i, t) in st.totals.iter().enumerate() {
                let course = plan.course_total(i, &st.course, *t);
                push(&mut values, course.map_or(0.0, mg_f64));
            }
        }
        Layout::Long => {
            for (k, d) in st.doses.iter().enumerate() {
                out.source.push(row);
                out.dosed.push(true);
                out.bsa_m2.push(bsa);
                out.values[0].push(mg_f64(*d));
                out.column.push(k);
            }
        }
    }
    Ok(())
}

/// Appends `v` to the next value column.
fn push<'v>(columns: &mut impl Iterator<Item = &'v mut Vec<f64>>, v: f64) {
    if let Some(c) = columns.next() {
        c.push(v);
    }
}

#[cfg(test)]
mod tests;

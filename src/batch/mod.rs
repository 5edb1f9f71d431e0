//! Batch dosing: one regimen, a CSV of patients (or a table of them in
//! memory), one output row per patient (wide) or per patient × drug × day
//! (long). Streaming, in bounded memory, on every core.
//!
//! Owns: the public entry points ([`BatchPlan`], compiled once per regimen,
//! options and cycle, and [`run_batch`]), the outcome ([`BatchSummary`],
//! [`RowError`]), the errors that stop a batch ([`BatchError`]), and the
//! choice for each patient between a fast path and the dose engine. The fast
//! path covers the common case (per-m² and flat doses rounded to whole mg, no
//! caps, reductions, companions or limits) and gives the same doses as the
//! dose engine: it does the same floating-point operations in the same order
//! and hands every row whose rounding is within 1e-9 of a tie, or within
//! 0.01 percentage point of the tolerance, to the engine itself. Anything
//! outside that case goes through [`crate::dose::calculate`] row by row.
//! Never does: open files or touch the terminal; the caller passes a reader,
//! a writer and a progress callback.
//!
//! The parts, in the order a row meets them:
//! - `columns.rs`: the patient file's columns and units, header detection,
//!   one row of cells to a [`Patient`];
//! - `workers.rs`: blocks of whole lines, the threads, the loop over a
//!   block's rows, skipped rows, output back in input order;
//! - `fast.rs`: the fast path, compiled per dose column;
//! - `writer.rs`: the header line and the output rows;
//! - `table.rs`: the same for a table in memory (typed cells in, columns of
//!   numbers out), for the Python package's Arrow tables.

use std::io::{Read, Write};

use rust_decimal::Decimal;

use crate::dose::{DoseError, DoseOptions, calculate};
use crate::patient::Patient;
use crate::quantity::{self, DoseBasis, DoseUnit};
use crate::regimen::{Dosing, Regimen, Role};

mod columns;
mod fast;
mod table;
mod workers;
mod writer;

pub use columns::RowProblem;
use fast::FastPath;
pub use table::{Cell, PatientCells, TableColumns, TableDoses, TableRowError, dose_table, mg_f64};

/// Most skipped rows reported one by one; the rest are counted.
pub const MAX_REPORTED_ERRORS: usize = 100;

/// Output layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// One row per patient.
    #[default]
    Wide,
    /// One row per patient × drug × day.
    Long,
}

/// Why a batch could not run at all (bad rows are skipped, not fatal).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BatchError {
    /// The header lacks a required column (`id`, `height` or `weight`).
    #[error(
        "the patient file has no `{0}` column; the header needs id, height and weight (with units: height_cm, weight_kg), and optionally sex, age, scr_mg_dl or scr_umol_l"
    )]
    MissingColumn(&'static str),
    /// Two header columns for one quantity (`height_cm` and `height_in`,
    /// `scr_mg_dl` and `scr_umol_l`, `weight_kg` twice): which one to read
    /// would be a guess.
    #[error(
        "the header has {} columns for {quantity} ({}): keep one",
        columns.len(),
        columns.join(", ")
    )]
    DuplicateColumn {
        /// `id`, `height`, `weight`, `sex`, `age` or `scr`.
        quantity: &'static str,
        /// The header names, as read (trimmed, lower case).
        columns: Vec<String>,
    },
    /// A header column named like a measurement but not one chemodose reads
    /// (`weight_g`, `scr_mgdl`), and no column of that quantity that is
    /// read: it would be ignored.
    #[error(
        "the header's column `{name}` is not one chemodose reads; for {quantity} write {accepted}"
    )]
    UnknownColumn {
        /// The header name, as read.
        name: String,
        /// The quantity it looks like.
        quantity: &'static str,
        /// The columns that are read for it.
        accepted: &'static str,
    },
    /// Lines ending in a carriage return alone (CR, as classic Mac OS wrote
    /// them): the CSV reader would take the header for the whole file.
    #[error("{}", crate::diagnostics::CR_LINE_ENDS)]
    CrLineEnds,
    /// A column without a unit in the header and a bare number in the cells.
    #[error(
        "column `{column}` has no unit: name it {suggestion} in the header, or write the unit in every cell ({example}); {at} has `{value}`"
    )]
    NoUnits {
        /// The column as the error names it: `height`, `weight` or `scr`.
        column: String,
        /// Header names that carry the unit, e.g. `height_cm (or height_in)`.
        suggestion: &'static str,
        /// A cell written with its unit, e.g. `170cm`.
        example: &'static str,
        /// The first data row, where the bare number is.
        at: RowPlace,
        /// That row's cell, trimmed.
        value: String,
    },
    /// The plan itself is refused (a drug or cycle the regimen does not
    /// have, a withdrawn regimen without a reason): no row is dosed.
    #[error("{0}")]
    Plan(#[from] crate::dose::DoseError),
    /// Reading or writing failed: the I/O error's text.
    #[error("{0}")]
    Io(String),
    /// The file is not CSV (bad quoting, a line over 16 MiB, a header over
    /// 64 KiB).
    #[error("line {line}: {message}")]
    Csv {
        /// The line where reading stopped (the header is line 1).
        line: u64,
        /// What is wrong, as the CSV reader says it.
        message: String,
    },
}

/// Where a row is, as messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowPlace {
    /// A line of a CSV file (the header is line 1): "line 2".
    Line(u64),
    /// A row of a table (the first row is row 1): "row 1".
    Row(u64),
}

impl std::fmt::Display for RowPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowPlace::Line(n) => write!(f, "line {n}"),
            RowPlace::Row(n) => write!(f, "row {n}"),
        }
    }
}

/// A skipped row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    /// Why it was skipped.
    pub message: String,
}

/// The outcome of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchSummary {
    /// Data rows read.
    pub rows: u64,
    /// Rows written (patients).
    pub written: u64,
    /// Rows skipped.
    pub skipped: u64,
    /// The first skipped rows, with reasons.
    pub errors: Vec<RowError>,
    /// Rows computed by the fast path.
    pub fast_rows: u64,
}

/// One output column of doses: a drug on a day.
#[derive(Debug, Clone, PartialEq)]
struct DoseColumn {
    /// The drug's name, lower case, as in the regimen.
    drug: String,
    /// The day of the cycle (day 1 is the first).
    day: u32,
}

/// A regimen and options compiled for many patients.
#[derive(Debug, Clone)]
pub struct BatchPlan<'a> {
    /// The regimen every patient is dosed with.
    regimen: &'a Regimen,
    /// The engine's options for every patient.
    options: DoseOptions,
    /// The cycle dosed (1 is the first).
    cycle: u32,
    /// Cycles in the course, as `dose::calculate` reads them (the options',
    /// else the regimen's); `None` leaves the course columns empty.
    planned: Option<u32>,
    /// The dose columns: every drug with its own or companion dose given in
    /// `cycle`, day by day, in regimen order (instructions and flat-dose
    /// supportive care have none); a drug given several times a day has
    /// the day's total.
    columns: Vec<DoseColumn>,
    /// The drugs of `columns`, once each, in regimen order.
    drugs: Vec<String>,
    /// For each column, the index of its drug in `drugs`.
    column_drug: Vec<usize>,
    /// The fast path, when every column can take it.
    fast: Option<FastPath>,
}

/// Whether the clinical rules leave every row's dose as the arithmetic gives
/// it, the same for every patient: no rule reads what varies by row
/// (creatinine clearance, serum creatinine), and for a reference patient
/// none changes a dose, leaves a drug out or stops (a stop overridden by
/// the caller's reason is let through, as for every row). Only then may the
/// fast path, which knows no rules, write the rows.
fn rules_are_row_independent(regimen: &Regimen, options: &DoseOptions, cycle: u32) -> bool {
    use crate::rules::Variable;
    let per_row = |v: &Variable| matches!(v, Variable::Crcl | Variable::Scr);
    let reads_per_row = regimen.drugs.iter().any(|d| {
        d.requires.iter().any(per_row)
            || d.rules
                .iter()
                .any(|r| r.when.variables().iter().any(per_row))
    });
    if reads_per_row {
        return false;
    }
    let reference = crate::patient::Patient::new(
        crate::quantity::parse_height("170cm").expect("a plausible height"),
        crate::quantity::parse_weight("70kg").expect("a plausible weight"),
    );
    match crate::dose::calculate(regimen, &reference, cycle, options) {
        Ok(plan) => {
            plan.assessment.drugs.iter().all(|d| d.omitted.is_none())
                && plan.administrations.iter().all(|a| {
                    !a.adjustments
                        .iter()
                        .any(|x| matches!(x, crate::dose::Adjustment::Rule { .. }))
                })
        }
        Err(_) => false,
    }
}

impl<'a> BatchPlan<'a> {
    /// Compiles the regimen for cycle `cycle` with `options`.
    pub fn new(regimen: &'a Regimen, options: &DoseOptions, cycle: u32) -> Self {
        let mut columns = Vec::new();
        let mut drugs = Vec::new();
        for d in &regimen.drugs {
            // Supportive care at a flat dose (dexamethasone 8 mg) is the same
            // for every patient: no column (the schedule prints it).
            let flat_supportive = d.role != Role::Antineoplastic
                && matches!(&d.dosing, Dosing::Own { dose, .. } if dose.basis() == DoseBasis::Flat);
            if matches!(d.dosing, Dosing::Instruction(_))
                || flat_supportive
                || !d.given_in_cycle(cycle)
            {
                continue;
            }
            drugs.push(d.name.clone());
            // The day list prescribed for this cycle, where one replaces the regimen's.
            for &day in options.days.get(&d.name).unwrap_or(&d.days) {
                columns.push(DoseColumn {
                    drug: d.name.clone(),
                    day,
                });
            }
        }
        let fast = FastPath::compile(regimen, options, &columns)
            .filter(|_| rules_are_row_independent(regimen, options, cycle));
        let column_drug = columns
            .iter()
            .map(|c| drugs.iter().position(|d| *d == c.drug).unwrap_or(0))
            .collect();
        BatchPlan {
            regimen,
            options: options.clone(),
            cycle,
            planned: options.planned_cycles.or(regimen.cycle.count.planned()),
            columns,
            drugs,
            column_drug,
            fast,
        }
    }

    /// The regimen every patient is dosed with.
    pub fn regimen(&self) -> &Regimen {
        self.regimen
    }

    /// The cycle dosed.
    pub fn cycle(&self) -> u32 {
        self.cycle
    }

    /// The engine's options for every patient.
    pub fn options(&self) -> &DoseOptions {
        &self.options
    }

    /// Whether rows are computed by the fast path (for benchmarks and tests).
    pub fn is_fast(&self) -> bool {
        self.fast.is_some()
    }

    /// One patient's doses (mg, per column) and unrounded BSA (m²), by the fast
    /// path when it applies and is safe, else by the engine; the engine's
    /// refusal is the reason the row is skipped.
    /// `course` is filled with each drug's course total (mg) by the engine, and
    /// left empty by the fast path (course = cycle × planned cycles there).
    fn doses(
        &self,
        patient: &Patient,
        out: &mut Vec<Decimal>,
        course: &mut Vec<Decimal>,
        fast_used: &mut bool,
    ) -> Result<f64, DoseError> {
        out.clear();
        course.clear();
        if let Some(fast) = &self.fast
            && let Some(bsa) = fast.doses(patient, out)
        {
            *fast_used = true;
            return Ok(bsa);
        }
        out.clear();
        *fast_used = false;
        let plan = calculate(self.regimen, patient, self.cycle, &self.options)?;
        for c in &self.columns {
            // The day's total for a drug given several times a day.
            let v = plan
                .day_dose(&c.drug, crate::dose::cycle_day(c.day))
                .map_or(Decimal::ZERO, |a| a.final_mg());
            out.push(v);
        }
        // The engine's course totals: right for phases (a cycle-1 loading dose)
        // and drugs given in some cycles only.
        if self.planned.is_some() {
            for d in &self.drugs {
                let t = plan.totals.iter().find(|t| t.drug == *d);
                // To mg as `Administration::final_mg` converts a dose.
                let mg = t.and_then(|t| {
                    t.course_total.map(|c| match t.unit {
                        DoseUnit::Mg => c,
                        DoseUnit::Mcg => c / Decimal::ONE_THOUSAND,
                    })
                });
                course.push(mg.unwrap_or(Decimal::ZERO));
            }
        }
        Ok(quantity::m2(plan.bsa.unrounded))
    }
}

/// Runs the batch: reads `input`, writes `output`, calls `progress` with the
/// rows done so far. Bad rows are skipped and reported in the summary.
///
/// A reader thread cuts the input into blocks of whole lines, `threads`
/// workers compute them, and this thread writes the results in input order;
/// at most `2 × threads` blocks are in flight, so memory stays bounded
/// whatever the file's size.
///
/// # Errors
///
/// [`BatchError`] when the batch cannot run at all: the header lacks a
/// column, a column has no unit anywhere, the input is not CSV, or reading
/// or writing fails. Rows written before the error stay written.
pub fn run_batch(
    plan: &BatchPlan<'_>,
    mut input: impl Read + Send,
    mut output: impl Write,
    layout: Layout,
    threads: usize,
    progress: &mut dyn FnMut(u64),
) -> Result<BatchSummary, BatchError> {
    // What does not depend on the patient is checked once, before any row:
    // the fast path must never write a dose the engine would refuse.
    crate::dose::check_plan(plan.regimen(), plan.cycle(), plan.options())?;
    let io = |e: std::io::Error| BatchError::Io(e.to_string());
    let header = columns::read_header(&mut input)?;
    let columns = columns::find_columns(&header)?;
    output
        .write_all(plan.header(layout).as_bytes())
        .map_err(io)?;
    let summary = workers::run(
        plan,
        &columns,
        input,
        &mut output,
        layout,
        threads,
        progress,
    )?;
    output.flush().map_err(io)?;
    Ok(summary)
}

//! Batch dosing: one regimen, a CSV of patients, one output row per patient
//! (wide) or per patient × drug × day (long). Streaming, in bounded memory,
//! on every core.
//!
//! Owns: the public entry points ([`BatchPlan`], compiled once per regimen,
//! options and cycle, and [`run_batch`]), the outcome ([`BatchSummary`],
//! [`RowError`]), the errors that stop a batch ([`BatchError`]), and the
//! choice for each patient between a fast path and the dose engine. The fast
//! path covers the common case (per-m² and flat doses rounded to whole mg, no
//! caps, reductions, companions or limits) and gives the same doses as the
//! dose engine: it does the same floating-point operations in the same order
//! and hands every row whose rounding is within 1e-9 of a tie, or whose
//! rounding would exceed the tolerance, to the engine itself. Anything outside
//! that case goes through [`crate::dose::calculate`] row by row.
//! Never does: open files or touch the terminal; the caller passes a reader,
//! a writer and a progress callback.
//!
//! The parts, in the order a row meets them:
//! - `columns.rs`: the patient file's columns and units, header detection,
//!   one row of cells to a [`Patient`];
//! - `workers.rs`: blocks of whole lines, the threads, the loop over a
//!   block's rows, skipped rows, output back in input order;
//! - `fast.rs`: the fast path, compiled per dose column;
//! - `writer.rs`: the header line and the output rows.

use std::io::{Read, Write};

use rust_decimal::Decimal;

use crate::dose::{DoseError, DoseOptions, calculate};
use crate::patient::Patient;
use crate::quantity::{self, DoseUnit};
use crate::regimen::{Dosing, Regimen};

mod columns;
mod fast;
mod workers;
mod writer;

use fast::FastPath;

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
    /// The header lacks a column.
    #[error(
        "the patient file has no `{0}` column; the header needs id, height and weight (with units: height_cm, weight_kg), and optionally sex, age, scr_mg_dl or scr_umol_l"
    )]
    MissingColumn(&'static str),
    /// A column without a unit in the header and a bare number in the cells.
    #[error(
        "column `{column}` has no unit: name it {suggestion} in the header, or write the unit in every cell ({example}); line {line} has `{value}`"
    )]
    NoUnits {
        /// The column.
        column: String,
        /// Header names with units.
        suggestion: &'static str,
        /// A cell with a unit.
        example: &'static str,
        /// The line.
        line: u64,
        /// The cell.
        value: String,
    },
    /// Reading or writing failed.
    #[error("{0}")]
    Io(String),
    /// The file is not CSV.
    #[error("line {line}: {message}")]
    Csv {
        /// The line.
        line: u64,
        /// What is wrong.
        message: String,
    },
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
    drug: String,
    day: u32,
}

/// A regimen and options compiled for many patients.
#[derive(Debug, Clone)]
pub struct BatchPlan<'a> {
    regimen: &'a Regimen,
    options: DoseOptions,
    cycle: u32,
    planned: Option<u32>,
    columns: Vec<DoseColumn>,
    drugs: Vec<String>,
    /// For each column, the index of its drug in `drugs`.
    column_drug: Vec<usize>,
    fast: Option<FastPath>,
}

impl<'a> BatchPlan<'a> {
    /// Compiles the regimen for cycle `cycle` with `options`.
    pub fn new(regimen: &'a Regimen, options: &DoseOptions, cycle: u32) -> Self {
        let mut columns = Vec::new();
        let mut drugs = Vec::new();
        for d in &regimen.drugs {
            if matches!(d.dosing, Dosing::Instruction(_)) || !d.given_in_cycle(cycle) {
                continue;
            }
            drugs.push(d.name.clone());
            for &day in &d.days {
                columns.push(DoseColumn {
                    drug: d.name.clone(),
                    day,
                });
            }
        }
        let fast = FastPath::compile(regimen, options, &columns);
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
            let v = plan
                .administrations
                .iter()
                .find(|a| a.drug == c.drug && a.day == c.day)
                .map_or(Decimal::ZERO, |a| a.final_mg());
            out.push(v);
        }
        // The engine's course totals: right for phases (a cycle-1 loading dose)
        // and drugs given in some cycles only.
        if self.planned.is_some() {
            for d in &self.drugs {
                let t = plan.totals.iter().find(|t| t.drug == *d);
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
pub fn run_batch(
    plan: &BatchPlan<'_>,
    mut input: impl Read + Send,
    mut output: impl Write,
    layout: Layout,
    threads: usize,
    progress: &mut dyn FnMut(u64),
) -> Result<BatchSummary, BatchError> {
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

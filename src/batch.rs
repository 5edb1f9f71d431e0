//! Batch dosing: one regimen, a CSV of patients, one output row per patient
//! (wide) or per patient × drug × day (long). Streaming, in bounded memory,
//! on every core.
//!
//! Owns: the patient-file columns and their units, the row loop, and a fast
//! path for the common case (per-m² and flat doses rounded to whole mg, no
//! caps, reductions, companions or limits) that gives the same doses as the
//! dose engine: it does the same floating-point operations in the same order
//! and hands every row whose rounding is within 1e-9 of a tie, or whose
//! rounding would exceed the tolerance, to the engine itself. Anything outside
//! that case goes through [`crate::dose::calculate`] row by row.
//! Never does: open files or touch the terminal; the caller passes a reader,
//! a writer and a progress callback.

use std::io::{Read, Write};

use rust_decimal::Decimal;

use crate::bsa::{BsaFormula, BsaRounding, body_surface_area};
use crate::dose::{DoseOptions, calculate};
use crate::patient::{Patient, Sex};
use crate::quantity::{
    self, DoseUnit, Measure, PrescribedDose, check_plausible, parse_age, parse_height,
    parse_serum_creatinine, parse_weight,
};
use crate::regimen::{DosePer, Dosing, Regimen, Role, RoundingRule};
use crate::rounding::to_decimal;

/// Bytes per block of whole lines handed to a worker.
const BLOCK_BYTES: usize = 1 << 20;
/// The longest line accepted (a broken file must not exhaust memory).
const MAX_LINE_BYTES: usize = 16 << 20;
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

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    /// The header names the unit; cells are plain numbers, multiplied by this
    /// factor to the canonical unit (cm, kg, mg/dL).
    Header(f64),
    /// Every cell carries its unit.
    Cell,
}

#[derive(Debug, Clone, PartialEq)]
struct Columns {
    id: usize,
    height: (usize, Unit),
    weight: (usize, Unit),
    sex: Option<usize>,
    age: Option<usize>,
    scr: Option<(usize, Unit)>,
    names: Vec<String>,
}

fn find_columns(header: &csv::ByteRecord) -> Result<Columns, BatchError> {
    let names: Vec<String> = header
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_lowercase()
        })
        .collect();
    let find = |candidates: &[(&str, Unit)]| -> Option<(usize, Unit)> {
        candidates
            .iter()
            .find_map(|(n, u)| names.iter().position(|h| h == n).map(|i| (i, *u)))
    };
    let id = names
        .iter()
        .position(|h| h == "id" || h == "patient_id")
        .ok_or(BatchError::MissingColumn("id"))?;
    let height = find(&[
        ("height_cm", Unit::Header(1.0)),
        ("height_m", Unit::Header(100.0)),
        ("height_in", Unit::Header(2.54)),
        ("height", Unit::Cell),
    ])
    .ok_or(BatchError::MissingColumn("height"))?;
    let weight = find(&[
        ("weight_kg", Unit::Header(1.0)),
        ("weight_lb", Unit::Header(0.453_592_37)),
        ("weight", Unit::Cell),
    ])
    .ok_or(BatchError::MissingColumn("weight"))?;
    let scr = find(&[
        ("scr_mg_dl", Unit::Header(1.0)),
        (
            "scr_umol_l",
            Unit::Header(quantity::CREATININE_MOLAR_MASS_G_PER_MOL / 10_000.0),
        ),
        ("scr", Unit::Cell),
    ]);
    Ok(Columns {
        id,
        height,
        weight,
        sex: names.iter().position(|h| h == "sex"),
        age: names.iter().position(|h| h == "age" || h == "age_years"),
        scr,
        names,
    })
}

/// One patient's row, parsed.
struct Row<'a> {
    id: &'a [u8],
    patient: Patient,
}

fn cell<'a>(fields: &[&'a [u8]], i: usize) -> &'a str {
    fields
        .get(i)
        .map(|b| std::str::from_utf8(b).unwrap_or("\u{fffd}"))
        .unwrap_or("")
        .trim()
}

/// Parses a plain decimal such as `203.4` exactly as `str::parse::<f64>` does:
/// an integer mantissa below 2^53 divided by an exact power of ten is one
/// correctly rounded IEEE operation (Clinger's fast path). Anything else
/// (signs, exponents, long mantissas) goes to the standard parser.
fn fast_decimal(text: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (mut mantissa, mut decimals, mut seen_point, mut digits) = (0u64, 0usize, false, 0usize);
    for &b in text {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                digits += 1;
                if seen_point {
                    decimals += 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => return None,
        }
        if digits > 15 {
            return None;
        }
    }
    if digits == 0 {
        return None;
    }
    Some(mantissa as f64 / POW10[decimals])
}

fn number(measure: Measure, fields: &[&[u8]], i: usize, factor: f64) -> Result<f64, String> {
    let raw = fields.get(i).copied().unwrap_or_default();
    let v: f64 = match fast_decimal(raw) {
        Some(v) => v,
        None => {
            let text = cell(fields, i);
            text.parse()
                .map_err(|_| format!("{measure} `{text}` is not a number"))?
        }
    };
    let canonical = v * factor;
    // Bounds first without formatting; the message is built only on failure.
    let b = measure.bounds();
    if canonical.is_finite() && canonical >= b.min && canonical <= b.max && canonical > 0.0 {
        return Ok(canonical);
    }
    check_plausible(measure, canonical, cell(fields, i)).map_err(|e| e.to_string())?;
    Ok(canonical)
}

fn parse_row<'a>(c: &Columns, record: &[&'a [u8]]) -> Result<Row<'a>, String> {
    if record.len() < c.names.len() {
        return Err(format!(
            "{} fields, the header has {}",
            record.len(),
            c.names.len()
        ));
    }
    let id: &[u8] = record.get(c.id).copied().unwrap_or_default();
    if id.is_empty() {
        return Err("the id is empty".to_owned());
    }
    let height = match c.height.1 {
        Unit::Header(f) => uom::si::f64::Length::new::<uom::si::length::centimeter>(number(
            Measure::Height,
            record,
            c.height.0,
            f,
        )?),
        Unit::Cell => parse_height(cell(record, c.height.0)).map_err(|e| e.to_string())?,
    };
    let weight = match c.weight.1 {
        Unit::Header(f) => uom::si::f64::Mass::new::<uom::si::mass::kilogram>(number(
            Measure::Weight,
            record,
            c.weight.0,
            f,
        )?),
        Unit::Cell => parse_weight(cell(record, c.weight.0)).map_err(|e| e.to_string())?,
    };
    let mut patient = Patient::new(height, weight);
    if let Some(i) = c.sex {
        let s = cell(record, i);
        if !s.is_empty() {
            patient.sex = Some(s.parse::<Sex>().map_err(|e| e.to_string())?);
        }
    }
    if let Some(i) = c.age {
        let s = cell(record, i);
        if !s.is_empty() {
            patient.age = Some(parse_age(s).map_err(|e| e.to_string())?);
        }
    }
    if let Some((i, unit)) = c.scr {
        let s = cell(record, i);
        if !s.is_empty() {
            patient.serum_creatinine = Some(match unit {
                Unit::Header(f) => {
                    uom::si::f64::MassConcentration::new::<
                        uom::si::mass_concentration::milligram_per_deciliter,
                    >(number(Measure::SerumCreatinine, record, i, f)?)
                }
                Unit::Cell => parse_serum_creatinine(s).map_err(|e| e.to_string())?,
            });
        }
    }
    Ok(Row { id, patient })
}

/// One output column of doses: a drug on a day.
#[derive(Debug, Clone, PartialEq)]
struct DoseColumn {
    drug: String,
    day: u32,
}

/// The fast path for one dose column.
#[derive(Debug, Clone, Copy, PartialEq)]
struct FastItem {
    /// The engine's `dose.value()` for a per-m² dose, or the flat amount.
    value: f64,
    /// Days the cycle dose is split over (1 for per-day doses).
    split: f64,
    per_m2: bool,
    /// Whole-mg rounding step; `None` for no rounding.
    step: Option<u64>,
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
    fast: Option<Vec<FastItem>>,
    /// Every fast item rounds to whole mg: rows are written from integers.
    fast_int: bool,
    formula: BsaFormula,
    bsa_rounding: BsaRounding,
    tolerance: f64,
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
        let fast = Self::fast_items(regimen, options, &columns);
        let column_drug = columns
            .iter()
            .map(|c| drugs.iter().position(|d| *d == c.drug).unwrap_or(0))
            .collect();
        let fast_int = fast
            .as_ref()
            .is_some_and(|items| items.iter().all(|i| i.step.is_some()));
        BatchPlan {
            regimen,
            options: options.clone(),
            cycle,
            planned: options.planned_cycles.or(regimen.cycle.count.planned()),
            columns,
            drugs,
            column_drug,
            fast,
            fast_int,
            formula: options.bsa_formula,
            bsa_rounding: options.bsa_rounding,
            tolerance: crate::rounding::to_f64(options.rounding_tolerance.value()),
        }
    }

    /// Whether rows are computed by the fast path (for benchmarks and tests).
    pub fn is_fast(&self) -> bool {
        self.fast.is_some()
    }

    fn fast_items(
        regimen: &Regimen,
        options: &DoseOptions,
        columns: &[DoseColumn],
    ) -> Option<Vec<FastItem>> {
        if options.bsa_cap.is_some()
            || options.reductions.all.is_some()
            || !options.reductions.drugs.is_empty()
            || options.bsa_formula.needs_sex()
        {
            return None;
        }
        let mut items = Vec::new();
        for col in columns {
            let d = regimen.drug(&col.drug)?;
            let Dosing::Own { dose, per } = &d.dosing else {
                return None;
            };
            if !d.phases.is_empty()
                || d.cycles.is_some()
                || d.bsa_cap.is_some()
                || d.max_single_dose.is_some()
                || d.max_per_cycle.is_some()
                || d.lifetime_limit.is_some()
                || dose.unit() != DoseUnit::Mg
                || regimen
                    .drugs
                    .iter()
                    .any(|x| matches!(&x.dosing, Dosing::Companion { of, .. } if *of == d.name))
            {
                return None;
            }
            let rule = options
                .rounding
                .drugs
                .get(&d.name)
                .cloned()
                .or_else(|| {
                    if d.role == Role::Antineoplastic {
                        options.rounding.all.clone()
                    } else {
                        None
                    }
                })
                .unwrap_or_else(|| d.rounding.clone());
            let step = match rule {
                RoundingRule::None => None,
                RoundingRule::Nearest {
                    step,
                    unit: DoseUnit::Mg,
                } => {
                    let mg = DoseUnit::Mg.of(step);
                    if mg >= 1.0 && mg.fract() == 0.0 && mg <= 1e6 {
                        Some(mg as u64)
                    } else {
                        return None;
                    }
                }
                _ => return None,
            };
            let split = match per {
                DosePer::Day => 1.0,
                DosePer::Cycle => d.days.len() as f64,
            };
            let (value, per_m2) = match dose {
                PrescribedDose::PerM2(..) => (dose.value(), true),
                PrescribedDose::Flat(..) => (dose.value(), false),
                _ => return None,
            };
            items.push(FastItem {
                value,
                split,
                per_m2,
                step,
            });
        }
        Some(items)
    }

    /// The header line for `layout`.
    pub fn header(&self, layout: Layout) -> String {
        match layout {
            Layout::Long => "id,bsa_m2,drug,day,dose_mg\n".to_owned(),
            Layout::Wide => {
                let mut h = String::from("id,bsa_m2");
                for c in &self.columns {
                    h.push_str(&format!(",{}_d{}_mg", c.drug, c.day));
                }
                for d in &self.drugs {
                    h.push_str(&format!(",{d}_cycle_mg"));
                }
                for d in &self.drugs {
                    h.push_str(&format!(",{d}_course_mg"));
                }
                h.push('\n');
                h
            }
        }
    }

    /// One patient's doses (mg, per column) and unrounded BSA, by the fast path
    /// when it applies and is safe, else by the engine.
    /// `course` is filled with each drug's course total (mg) by the engine, and
    /// left empty by the fast path (course = cycle × planned cycles there).
    fn doses(
        &self,
        patient: &Patient,
        out: &mut Vec<Decimal>,
        course: &mut Vec<Decimal>,
        fast_used: &mut bool,
    ) -> Result<f64, String> {
        out.clear();
        course.clear();
        if let Some(items) = &self.fast
            && let Some(bsa) = self.fast_doses(items, patient, out)
        {
            *fast_used = true;
            return Ok(bsa);
        }
        out.clear();
        *fast_used = false;
        let plan = calculate(self.regimen, patient, self.cycle, &self.options)
            .map_err(|e| e.to_string())?;
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

    /// The fast path for regimens whose every dose rounds to whole mg.
    fn fast_int_doses(&self, patient: &Patient, out: &mut Vec<u64>) -> Option<f64> {
        let items = self.fast.as_deref()?;
        out.clear();
        let unrounded = quantity::m2(
            body_surface_area(self.formula, patient.height, patient.weight, patient.sex).ok()?,
        );
        let used = self.used_bsa(unrounded)?;
        let mut previous: Option<(FastItem, u64)> = None;
        for it in items {
            // Day 8 is usually day 1 again: same inputs, same dose.
            if let Some((p, r)) = previous
                && p == *it
            {
                out.push(r);
                continue;
            }
            let value = if it.per_m2 { it.value * used } else { it.value };
            // Dividing by 1 is exact: skipped, the result is the same f64.
            let x = if it.split == 1.0 {
                value
            } else {
                value / it.split
            };
            let step = it.step?;
            let r = if step == 1 {
                round_half_up_clear_of_tie(x)?
            } else {
                let s = step as f64;
                round_half_up_clear_of_tie(x / s)? * s
            };
            // Conservative: anything near or past the tolerance goes to the
            // engine, which decides in decimal arithmetic.
            if x <= 0.0 || (r - x).abs() * 100.0 >= (self.tolerance - 0.01) * x {
                return None;
            }
            out.push(r as u64);
            previous = Some((*it, r as u64));
        }
        Some(unrounded)
    }

    fn used_bsa(&self, unrounded: f64) -> Option<f64> {
        match self.bsa_rounding {
            BsaRounding::None => Some(unrounded),
            BsaRounding::Decimals(n) => {
                let scale = 10f64.powi(n as i32);
                Some(round_half_up_clear_of_tie(unrounded * scale)? / scale)
            }
        }
    }

    fn fast_doses(
        &self,
        items: &[FastItem],
        patient: &Patient,
        out: &mut Vec<Decimal>,
    ) -> Option<f64> {
        let unrounded = quantity::m2(
            body_surface_area(self.formula, patient.height, patient.weight, patient.sex).ok()?,
        );
        let used = self.used_bsa(unrounded)?;
        for it in items {
            let value = if it.per_m2 { it.value * used } else { it.value };
            let x = value / it.split;
            let dose = match it.step {
                None => to_decimal(x)?,
                Some(step) => {
                    let s = step as f64;
                    let r = round_half_up_clear_of_tie(x / s)? * s;
                    // The engine refuses a rounding beyond the tolerance; let it.
                    if x <= 0.0 || ((r - x) / x * 100.0).abs() > self.tolerance - 1e-9 {
                        return None;
                    }
                    Decimal::from(r as u64)
                }
            };
            out.push(dose);
        }
        Some(unrounded)
    }
}

/// Rounds half up when `y` is clearly not a tie; `None` within 1e-9 (relative)
/// of a tie, where the decimal arithmetic of the engine must decide.
fn round_half_up_clear_of_tie(y: f64) -> Option<f64> {
    if !y.is_finite() || !(0.0..=1e15).contains(&y) {
        return None;
    }
    // y is in [0, 1e15]: the integer cast truncates, which is floor here
    // (and avoids a libm call on baseline x86-64).
    let f = (y as u64) as f64;
    let frac = y - f;
    if (frac - 0.5).abs() <= 1e-9 * y.max(1.0) {
        return None;
    }
    Some(if frac > 0.5 { f + 1.0 } else { f })
}

fn push_decimal(out: &mut Vec<u8>, d: Decimal) {
    if (d.scale() == 0 || d.fract().is_zero())
        && let Ok(i) = i64::try_from(d.trunc().mantissa() / 10i128.pow(d.trunc().scale()))
    {
        out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
        return;
    }
    out.extend_from_slice(d.normalize().to_string().as_bytes());
}

/// BSA to 4 decimals, as the peer script prints it.
fn push_bsa(out: &mut Vec<u8>, bsa: f64) {
    let scaled = (bsa * 10_000.0).round() as u64;
    out.extend_from_slice(itoa::Buffer::new().format(scaled / 10_000).as_bytes());
    out.push(b'.');
    let frac = scaled % 10_000;
    out.extend_from_slice(&[
        b'0' + (frac / 1000) as u8,
        b'0' + (frac / 100 % 10) as u8,
        b'0' + (frac / 10 % 10) as u8,
        b'0' + (frac % 10) as u8,
    ]);
}

fn push_id(out: &mut Vec<u8>, id: &[u8]) {
    if id.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push(b'"');
        for &b in id {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(id);
    }
}

/// Results of one slice of the input.
#[derive(Default)]
struct Part {
    out: Vec<u8>,
    rows: u64,
    written: u64,
    fast: u64,
    errors: Vec<RowError>,
    skipped: u64,
    fatal: Option<BatchError>,
}

fn process(
    plan: &BatchPlan<'_>,
    c: &Columns,
    layout: Layout,
    bytes: &[u8],
    first_line: u64,
) -> Part {
    let mut part = Part {
        out: Vec::with_capacity(bytes.len() * 3),
        ..Part::default()
    };
    let mut rows = RowState {
        doses: Vec::with_capacity(plan.columns.len()),
        course: Vec::with_capacity(plan.drugs.len()),
        ints: Vec::with_capacity(plan.columns.len()),
        totals: vec![Decimal::ZERO; plan.drugs.len()],
        int_totals: vec![0u64; plan.drugs.len()],
    };
    if !bytes.contains(&b'"') {
        // No quoting anywhere: split lines and fields directly (the common case).
        let mut fields: Vec<&[u8]> = Vec::with_capacity(c.names.len() + 2);
        let mut start = 0;
        let mut index = 0u64;
        let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
        for end in ends {
            if start > bytes.len() {
                break;
            }
            let raw = &bytes[start..end];
            start = end + 1;
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            index += 1;
            if line.is_empty() {
                continue;
            }
            fields.clear();
            let mut from = 0;
            for comma in memchr::memchr_iter(b',', line) {
                fields.push(&line[from..comma]);
                from = comma + 1;
            }
            fields.push(&line[from..]);
            one_row(
                plan,
                c,
                layout,
                &fields,
                first_line + index - 1,
                &mut rows,
                &mut part,
            );
        }
        return part;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut line = first_line;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                part.fatal = Some(BatchError::Csv {
                    line,
                    message: e.to_string(),
                });
                break;
            }
        }
        line = first_line + record.position().map_or(0, |p| p.line() - 1);
        if record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty()) {
            continue;
        }
        let fields: Vec<&[u8]> = record.iter().collect();
        one_row(plan, c, layout, &fields, line, &mut rows, &mut part);
    }
    part
}

/// Buffers reused from row to row.
struct RowState {
    doses: Vec<Decimal>,
    course: Vec<Decimal>,
    ints: Vec<u64>,
    totals: Vec<Decimal>,
    int_totals: Vec<u64>,
}

fn one_row(
    plan: &BatchPlan<'_>,
    c: &Columns,
    layout: Layout,
    fields: &[&[u8]],
    line: u64,
    st: &mut RowState,
    part: &mut Part,
) {
    part.rows += 1;
    let row = match parse_row(c, fields) {
        Ok(r) => r,
        Err(message) => {
            part.skip(line, message);
            return;
        }
    };
    if plan.fast_int
        && layout == Layout::Wide
        && let Some(bsa) = plan.fast_int_doses(&row.patient, &mut st.ints)
    {
        part.written += 1;
        part.fast += 1;
        write_int_row(
            plan,
            row.id,
            bsa,
            &st.ints,
            &mut st.int_totals,
            &mut part.out,
        );
        return;
    }
    let mut fast = false;
    match plan.doses(&row.patient, &mut st.doses, &mut st.course, &mut fast) {
        Err(message) => part.skip(line, message),
        Ok(bsa) => {
            part.written += 1;
            part.fast += u64::from(fast);
            write_row(plan, layout, row.id, bsa, st, &mut part.out);
        }
    }
}

impl Part {
    fn skip(&mut self, line: u64, message: String) {
        self.skipped += 1;
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(RowError { line, message });
        }
    }
}

fn push_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// A wide row from whole-mg doses.
fn write_int_row(
    plan: &BatchPlan<'_>,
    id: &[u8],
    bsa: f64,
    doses: &[u64],
    totals: &mut [u64],
    out: &mut Vec<u8>,
) {
    push_id(out, id);
    out.push(b',');
    push_bsa(out, bsa);
    totals.iter_mut().for_each(|t| *t = 0);
    // Day 1 and day 8 doses are usually equal: copy the digits instead of
    // formatting them again.
    let mut last: Option<(u64, usize, usize)> = None;
    for (dose, drug) in doses.iter().zip(&plan.column_drug) {
        out.push(b',');
        match last {
            Some((v, from, to)) if v == *dose => out.extend_from_within(from..to),
            _ => {
                let from = out.len();
                push_u64(out, *dose);
                last = Some((*dose, from, out.len()));
            }
        }
        totals[*drug] += dose;
    }
    for t in totals.iter() {
        out.push(b',');
        push_u64(out, *t);
    }
    for t in totals.iter() {
        out.push(b',');
        // Course = cycle × planned cycles: the fast path only runs for regimens
        // without phases or cycle-restricted drugs.
        if let Some(n) = plan.planned {
            push_u64(out, t * u64::from(n));
        }
    }
    out.push(b'\n');
}

fn write_row(
    plan: &BatchPlan<'_>,
    layout: Layout,
    id: &[u8],
    bsa: f64,
    st: &mut RowState,
    out: &mut Vec<u8>,
) {
    let RowState {
        doses,
        course,
        totals,
        ..
    } = st;
    match layout {
        Layout::Long => {
            for (col, dose) in plan.columns.iter().zip(doses) {
                push_id(out, id);
                out.push(b',');
                push_bsa(out, bsa);
                out.push(b',');
                out.extend_from_slice(col.drug.as_bytes());
                out.push(b',');
                push_u64(out, u64::from(col.day));
                out.push(b',');
                push_decimal(out, *dose);
                out.push(b'\n');
            }
        }
        Layout::Wide => {
            push_id(out, id);
            out.push(b',');
            push_bsa(out, bsa);
            totals.iter_mut().for_each(|t| *t = Decimal::ZERO);
            for (dose, drug) in doses.iter().zip(&plan.column_drug) {
                out.push(b',');
                push_decimal(out, *dose);
                totals[*drug] += *dose;
            }
            for t in totals.iter() {
                out.push(b',');
                push_decimal(out, *t);
            }
            for (i, t) in totals.iter().enumerate() {
                out.push(b',');
                match (course.get(i), plan.planned) {
                    (Some(c), _) => push_decimal(out, *c),
                    (None, Some(n)) => push_decimal(out, *t * Decimal::from(n)),
                    (None, None) => {}
                }
            }
            out.push(b'\n');
        }
    }
}

/// Reads the header line one byte at a time (the rest is read in blocks).
fn read_header(input: &mut impl Read) -> Result<csv::ByteRecord, BatchError> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match input
            .read(&mut byte)
            .map_err(|e| BatchError::Io(e.to_string()))?
        {
            0 => break,
            _ if byte[0] == b'\n' => break,
            _ => line.push(byte[0]),
        }
        if line.len() > 64 * 1024 {
            return Err(BatchError::Csv {
                line: 1,
                message: "the header line is longer than 64 KiB".to_owned(),
            });
        }
    }
    let mut header = csv::ByteRecord::new();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line.as_slice())
        .read_byte_record(&mut header)
        .map_err(|e| BatchError::Csv {
            line: 1,
            message: e.to_string(),
        })?;
    Ok(header)
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
    use std::collections::BTreeMap;
    use std::sync::mpsc::sync_channel;
    use std::sync::{Arc, Mutex};

    let io = |e: std::io::Error| BatchError::Io(e.to_string());
    let header = read_header(&mut input)?;
    let columns = find_columns(&header)?;
    output
        .write_all(plan.header(layout).as_bytes())
        .map_err(io)?;
    let threads = threads.clamp(1, 64);
    let mut summary = BatchSummary::default();
    let failure: Mutex<Option<BatchError>> = Mutex::new(None);
    let fail = |e: BatchError| {
        let mut f = failure.lock().unwrap_or_else(|p| p.into_inner());
        f.get_or_insert(e);
    };
    std::thread::scope(|s| {
        let (work_tx, work_rx) = sync_channel::<(u64, Vec<u8>, u64)>(threads * 2);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = sync_channel::<(u64, Part)>(threads * 2);
        let columns = &columns;
        let fail = &fail;
        s.spawn(move || {
            // Read straight into each block; only the partial last line is copied
            // over to the next one.
            let mut carry: Vec<u8> = Vec::new();
            let (mut idx, mut line, mut eof) = (0u64, 2u64, false);
            while !eof {
                let mut block = Vec::with_capacity(BLOCK_BYTES + carry.len());
                block.extend_from_slice(&carry);
                carry.clear();
                let mut filled = block.len();
                let mut want = BLOCK_BYTES.max(filled + (64 << 10));
                loop {
                    block.resize(want, 0);
                    while filled < want {
                        match input.read(&mut block[filled..]) {
                            Ok(0) => {
                                eof = true;
                                break;
                            }
                            Ok(n) => filled += n,
                            Err(e) => return fail(BatchError::Io(e.to_string())),
                        }
                    }
                    block.truncate(filled);
                    if eof || memchr::memrchr(b'\n', &block).is_some() {
                        break;
                    }
                    // One line longer than a block: grow, up to a limit.
                    if want >= MAX_LINE_BYTES {
                        return fail(BatchError::Csv {
                            line,
                            message: format!("a line is longer than {MAX_LINE_BYTES} bytes"),
                        });
                    }
                    want *= 2;
                }
                if !eof && let Some(i) = memchr::memrchr(b'\n', &block) {
                    carry.extend_from_slice(&block[i + 1..]);
                    block.truncate(i + 1);
                }
                if idx == 0
                    && let Err(e) = check_units(columns, &block, line)
                {
                    return fail(e);
                }
                let lines = memchr::memchr_iter(b'\n', &block).count() as u64;
                if work_tx.send((idx, block, line)).is_err() {
                    return;
                }
                idx += 1;
                line += lines;
            }
        });
        for _ in 0..threads {
            let rx = Arc::clone(&work_rx);
            let tx = done_tx.clone();
            s.spawn(move || {
                loop {
                    let next = rx.lock().map(|r| r.recv());
                    let Ok(Ok((idx, block, line))) = next else {
                        break;
                    };
                    if tx
                        .send((idx, process(plan, columns, layout, &block, line)))
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let mut pending: BTreeMap<u64, Part> = BTreeMap::new();
        let mut next = 0u64;
        for (idx, part) in done_rx {
            pending.insert(idx, part);
            while let Some(r) = pending.remove(&next) {
                next += 1;
                if let Some(f) = r.fatal {
                    fail(f);
                    return;
                }
                if let Err(e) = output.write_all(&r.out) {
                    fail(io(e));
                    return;
                }
                summary.rows += r.rows;
                summary.written += r.written;
                summary.skipped += r.skipped;
                summary.fast_rows += r.fast;
                for e in r.errors {
                    if summary.errors.len() < MAX_REPORTED_ERRORS {
                        summary.errors.push(e);
                    }
                }
                progress(summary.rows);
            }
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    output.flush().map_err(io)?;
    Ok(summary)
}

/// Refuses a file whose header names no unit and whose cells carry none.
fn check_units(c: &Columns, block: &[u8], line: u64) -> Result<(), BatchError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(block);
    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record).unwrap_or(false) {
        return Ok(());
    }
    let checks = [
        (
            Some(c.height),
            "height",
            "height_cm (or height_in)",
            "170cm",
        ),
        (Some(c.weight), "weight", "weight_kg (or weight_lb)", "70kg"),
        (c.scr, "scr", "scr_mg_dl or scr_umol_l", "1.1mg/dL"),
    ];
    for (col, name, suggestion, example) in checks {
        if let Some((i, Unit::Cell)) = col {
            let fields: Vec<&[u8]> = record.iter().collect();
            let v = cell(&fields, i);
            if !v.is_empty() && v.parse::<f64>().is_ok() {
                return Err(BatchError::NoUnits {
                    column: name.to_owned(),
                    suggestion,
                    example,
                    line,
                    value: v.to_owned(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tie_detection() {
        assert_eq!(round_half_up_clear_of_tie(1637.4), Some(1637.0));
        assert_eq!(round_half_up_clear_of_tie(1637.6), Some(1638.0));
        assert_eq!(round_half_up_clear_of_tie(2092.4999999999995), None);
        assert_eq!(round_half_up_clear_of_tie(2092.5), None);
    }

    #[test]
    fn bsa_with_four_decimals() {
        let mut out = Vec::new();
        push_bsa(&mut out, 1.818_118_685_772_619);
        assert_eq!(out, b"1.8181");
    }
}

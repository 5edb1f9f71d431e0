//! The patient file's columns: which header names mean what, in which unit,
//! and how one row of cells becomes a [`Patient`].
//!
//! Owns: the header line (read byte by byte, at most 64 KiB) and header
//! detection (`id`, height and weight, and optionally sex, age and serum
//! creatinine, each with its unit named in the header, `height_cm`, or
//! written in every cell, `170cm`), from a CSV header or a table's column
//! names; the refusal of a file whose numbers carry no unit anywhere; row
//! parsing with the plausibility bounds of [`crate::quantity`], of a CSV
//! row's fields or a table's typed cells ([`Value`]: a number is read as
//! the CSV cell of its shortest decimal text would be); and
//! `fast_decimal`, the exact fast parser for plain decimals.
//! Never does: guess a unit, compute a BSA or a dose, or decide what happens
//! to a bad row (the workers skip it and count it).

use std::borrow::Cow;
use std::io::Read;

use crate::patient::{Patient, Sex, SexError};
use crate::quantity::{
    self, Measure, QuantityError, check_plausible_as_typed, parse_age, parse_height,
    parse_serum_creatinine, parse_weight,
};

use super::{BatchError, RowPlace};

/// Why a patient's row could not be read. The text is what `chemodose batch`
/// prints after `line N: skipped: ` (the line is added by the caller), and
/// what a table's row is refused with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RowProblem {
    /// The row has fewer cells than the header has columns.
    #[error(
        "{found} fields, the header has {expected}: write every column, an unknown value as an empty cell between commas"
    )]
    TooFewFields {
        /// Cells in the row.
        found: usize,
        /// Columns in the header.
        expected: usize,
    },
    /// The row has more cells than the header has columns: a cell is out of
    /// place (a comma inside an unquoted cell, a value typed twice).
    #[error(
        "{found} fields, the header has {expected}: a cell is out of place; put a cell that holds a comma in double quotes"
    )]
    TooManyFields {
        /// Cells in the row.
        found: usize,
        /// Columns in the header.
        expected: usize,
    },
    /// The id cell is empty.
    #[error("the id is empty")]
    EmptyId,
    /// A cell of a column whose header names the unit (`height_cm`) is not a
    /// plain number (digits and a decimal point: no exponent, no comma, no
    /// `inf`).
    #[error(
        "{measure} `{text}` is not a number; write digits and a decimal point only, e.g. {}",
        plain_example(*measure)
    )]
    NotANumber {
        /// The column's measurement.
        measure: Measure,
        /// The cell, trimmed.
        text: String,
    },
    /// A measurement refused by [`crate::quantity`]: implausible, not
    /// positive, not finite, or (in a column whose cells carry the unit)
    /// without a unit or with an unknown one.
    #[error(transparent)]
    Quantity(#[from] QuantityError),
    /// A sex other than female or male.
    #[error(transparent)]
    Sex(#[from] SexError),
    /// An id holding a control, bidirectional or invisible character.
    #[error(transparent)]
    Id(#[from] crate::text::UnsafeText),
}

/// A plain number for a column whose header names the unit.
fn plain_example(measure: Measure) -> &'static str {
    match measure {
        Measure::Height => "172.5",
        Measure::SerumCreatinine => "1.1",
        _ => "72.5",
    }
}

/// Where a column's unit is written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Unit {
    /// The header names the unit; cells are plain numbers, multiplied by this
    /// factor to the canonical unit (cm, kg, mg/dL); the unit as messages
    /// write it.
    Header(f64, &'static str),
    /// Every cell carries its unit.
    Cell,
}

/// The columns of a patient file: the index of each in a row, and where its
/// unit is written.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Columns {
    /// `id` or `patient_id`.
    pub(super) id: usize,
    /// `height_cm`, `height_m`, `height_in`, or `height` with units in cells.
    pub(super) height: (usize, Unit),
    /// `weight_kg`, `weight_lb`, or `weight` with units in cells.
    pub(super) weight: (usize, Unit),
    /// `sex`: female, male, f or m; an empty cell is unknown.
    pub(super) sex: Option<usize>,
    /// `age` or `age_years`: years when bare; an empty cell is unknown.
    pub(super) age: Option<usize>,
    /// `scr_mg_dl`, `scr_umol_l`, or `scr` with units in cells; an empty cell
    /// is unknown.
    pub(super) scr: Option<(usize, Unit)>,
    /// Every header name, trimmed and lower case; a row needs at least as
    /// many cells.
    pub(super) names: Vec<String>,
}

/// Finds the columns in the header; refuses a header without id, height or
/// weight.
pub(super) fn find_columns(header: &csv::ByteRecord) -> Result<Columns, BatchError> {
    columns_named(
        header
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned()),
    )
}

/// Finds the columns among header names, as read from a CSV header line or
/// a table's schema (trimmed and compared in lower case); refuses names
/// without id, height or weight, with two columns for one quantity, or with
/// a measurement column chemodose does not read.
pub(super) fn columns_named(
    names: impl IntoIterator<Item = String>,
) -> Result<Columns, BatchError> {
    let names: Vec<String> = names.into_iter().map(|h| h.trim().to_lowercase()).collect();
    check_names(&names)?;
    let find = |candidates: &[(&str, Unit)]| -> Option<(usize, Unit)> {
        candidates
            .iter()
            .find_map(|(n, u)| names.iter().position(|h| h == n).map(|i| (i, *u)))
    };
    let id = names
        .iter()
        .position(|h| h == "id" || h == "patient_id")
        .ok_or(BatchError::MissingColumn("id"))?;
    // The factors to cm, kg and mg/dL are those of the quantity parser's unit
    // table (`quantity::lookup_unit`), which is private to it.
    let height = find(&[
        ("height_cm", Unit::Header(1.0, "cm")),
        ("height_m", Unit::Header(100.0, "m")),
        ("height_in", Unit::Header(2.54, "in")),
        ("height", Unit::Cell),
    ])
    .ok_or(BatchError::MissingColumn("height"))?;
    let weight = find(&[
        ("weight_kg", Unit::Header(1.0, "kg")),
        ("weight_lb", Unit::Header(0.453_592_37, "lb")),
        ("weight", Unit::Cell),
    ])
    .ok_or(BatchError::MissingColumn("weight"))?;
    let scr = find(&[
        ("scr_mg_dl", Unit::Header(1.0, "mg/dL")),
        (
            "scr_umol_l",
            Unit::Header(
                quantity::CREATININE_MOLAR_MASS_G_PER_MOL / 10_000.0,
                "µmol/L",
            ),
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

/// The header names read for each quantity, with what a refusal suggests.
const QUANTITIES: [(&str, &[&str], &str); 6] = [
    ("id", &["id", "patient_id"], "id or patient_id"),
    (
        "height",
        &["height_cm", "height_m", "height_in", "height"],
        "height_cm, height_m, height_in, or height with the unit in every cell",
    ),
    (
        "weight",
        &["weight_kg", "weight_lb", "weight"],
        "weight_kg, weight_lb, or weight with the unit in every cell",
    ),
    ("sex", &["sex"], "sex"),
    ("age", &["age", "age_years"], "age or age_years (years)"),
    (
        "scr",
        &["scr_mg_dl", "scr_umol_l", "scr"],
        "scr_mg_dl, scr_umol_l, or scr with the unit in every cell",
    ),
];

/// Refuses a header with two columns for one quantity, and a column named
/// like a measurement (`weight_g`, `scr_mgdl`, `creatinine`) when no column
/// of that quantity is read: the user meant it to be read. Other columns (a
/// name, notes, `age_group` beside `age`) are not read.
fn check_names(names: &[String]) -> Result<(), BatchError> {
    for (quantity, members, _) in QUANTITIES {
        let found: Vec<String> = names
            .iter()
            .filter(|n| members.contains(&n.as_str()))
            .cloned()
            .collect();
        if found.len() > 1 {
            return Err(BatchError::DuplicateColumn {
                quantity,
                columns: found,
            });
        }
    }
    // `weight_g` and `weight (kg)` look like a weight; `weighting` and
    // `screening` do not.
    let looks_like = |name: &str, prefix: &str| {
        name.strip_prefix(prefix)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric()))
    };
    for name in names {
        let like = [
            ("height", "height"),
            ("weight", "weight"),
            ("scr", "scr"),
            ("creatinine", "scr"),
            ("serum_creatinine", "scr"),
            ("age", "age"),
            ("sex", "sex"),
        ]
        .into_iter()
        .find(|(prefix, _)| looks_like(name, prefix));
        let Some((_, quantity)) = like else { continue };
        let Some((quantity, members, accepted)) =
            QUANTITIES.iter().find(|(q, _, _)| *q == quantity)
        else {
            continue;
        };
        let read = names.iter().any(|n| members.contains(&n.as_str()));
        if !read {
            return Err(BatchError::UnknownColumn {
                name: name.clone(),
                quantity,
                accepted,
            });
        }
    }
    Ok(())
}

/// One patient's row, parsed.
pub(super) struct Row<'a> {
    /// The id cell as written (not trimmed), never empty.
    pub(super) id: &'a [u8],
    /// The measurements, in checked units.
    pub(super) patient: Patient,
}

/// One cell as a row reader gives it: a CSV field's bytes as written (a
/// table's text cell is the same, and its empty cell is an empty field), or
/// a number from a table's numeric column. A number is read as the CSV cell
/// holding its shortest decimal text ([`value_text`]) would be: the same
/// `f64`, bit for bit, and the same messages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Value<'a> {
    /// The cell's bytes, untrimmed; empty for an empty cell.
    Bytes(&'a [u8]),
    /// A floating-point number.
    Float(f64),
    /// A whole number.
    Integer(i64),
}

/// A cell as trimmed text (U+FFFD when it is not UTF-8); a number as the
/// shortest decimal that reads back as the same value (Rust's `Display`:
/// `170`, `172.5`, `NaN`, `inf`), which is what a CSV file would hold.
pub(super) fn value_text(value: Value<'_>) -> Cow<'_, str> {
    match value {
        Value::Bytes(b) => Cow::Borrowed(std::str::from_utf8(b).unwrap_or("\u{fffd}").trim()),
        // The digits of a whole number, without formatting machinery.
        Value::Float(v)
            if v.fract() == 0.0 && v.abs() < 1e15 && !(v == 0.0 && v.is_sign_negative()) =>
        {
            Cow::Owned(itoa::Buffer::new().format(v as i64).to_owned())
        }
        Value::Float(v) => Cow::Owned(v.to_string()),
        Value::Integer(i) => Cow::Owned(itoa::Buffer::new().format(i).to_owned()),
    }
}

/// Cell `i` of a row of CSV fields (an empty field when the row is short).
#[inline]
fn field<'a>(fields: &[&'a [u8]], i: usize) -> Value<'a> {
    Value::Bytes(fields.get(i).copied().unwrap_or_default())
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

/// A cell of a column whose header names the unit, a bare number in that
/// unit, times `factor`: `measure` in its canonical unit (cm, kg, mg/dL),
/// within the plausibility bounds of [`crate::quantity`]. Only a plain
/// decimal is read (an optional sign, digits, one decimal point): `1e29`,
/// `inf` and `70,5` are refused, not read as a float parser would; so is a
/// number that is not finite.
#[inline(always)]
fn number(
    measure: Measure,
    value: Value<'_>,
    (factor, unit): (f64, &'static str),
) -> Result<f64, RowProblem> {
    let not_a_number = || RowProblem::NotANumber {
        measure,
        text: value_text(value).into_owned(),
    };
    let v: f64 = match value {
        // `NaN` and `inf` are no plain decimal in a CSV cell either.
        Value::Float(v) if !v.is_finite() => return Err(not_a_number()),
        Value::Float(v) => v,
        // Rounded to the nearest f64 as `str::parse` rounds its digits.
        Value::Integer(i) => i as f64,
        Value::Bytes(raw) => match fast_decimal(raw) {
            Some(v) => v,
            None => {
                let text = value_text(value);
                let digits = text.strip_prefix(['+', '-']).unwrap_or(&text);
                let plain = digits.bytes().any(|b| b.is_ascii_digit())
                    && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                    && digits.bytes().filter(|b| *b == b'.').count() <= 1;
                if !plain {
                    return Err(not_a_number());
                }
                text.parse().map_err(|_| not_a_number())?
            }
        },
    };
    let canonical = v * factor;
    // Bounds first without formatting; the message is built only on failure.
    let b = measure.bounds();
    if canonical.is_finite() && canonical >= b.min && canonical <= b.max && canonical > 0.0 {
        return Ok(canonical);
    }
    let as_typed = quantity::AsTyped { value: v, unit };
    check_plausible_as_typed(measure, canonical, &value_text(value), Some(as_typed))?;
    Ok(canonical)
}

/// One row of CSV fields: its id and patient; every measurement is checked
/// for plausibility.
#[inline]
pub(super) fn parse_row<'a>(c: &Columns, record: &[&'a [u8]]) -> Result<Row<'a>, RowProblem> {
    if record.len() < c.names.len() {
        return Err(RowProblem::TooFewFields {
            found: record.len(),
            expected: c.names.len(),
        });
    }
    if record.len() > c.names.len() {
        return Err(RowProblem::TooManyFields {
            found: record.len(),
            expected: c.names.len(),
        });
    }
    let patient = read_patient(c, |i| field(record, i))?;
    Ok(Row {
        id: record.get(c.id).copied().unwrap_or_default(),
        patient,
    })
}

/// One patient from the cells of a row, `cell(i)` giving column `i`'s
/// (a CSV row or a table's): the id must not be empty, every measurement
/// is checked for plausibility, then the id's characters. The order of the
/// checks is the order of the reasons a row is skipped with.
#[inline(always)]
pub(super) fn read_patient<'a>(
    c: &Columns,
    cell: impl Fn(usize) -> Value<'a>,
) -> Result<Patient, RowProblem> {
    let id = cell(c.id);
    if id == Value::Bytes(b"") {
        return Err(RowProblem::EmptyId);
    }
    let text = |i: usize| value_text(cell(i));
    let height = match c.height.1 {
        Unit::Header(f, u) => uom::si::f64::Length::new::<uom::si::length::centimeter>(number(
            Measure::Height,
            cell(c.height.0),
            (f, u),
        )?),
        Unit::Cell => parse_height(&text(c.height.0))?,
    };
    let weight = match c.weight.1 {
        Unit::Header(f, u) => uom::si::f64::Mass::new::<uom::si::mass::kilogram>(number(
            Measure::Weight,
            cell(c.weight.0),
            (f, u),
        )?),
        Unit::Cell => parse_weight(&text(c.weight.0))?,
    };
    quantity::check_proportions(height, weight)?;
    let mut patient = Patient::new(height, weight);
    if let Some(i) = c.sex {
        let s = text(i);
        if !s.is_empty() {
            patient.sex = Some(s.parse::<Sex>()?);
        }
    }
    if let Some(i) = c.age {
        let s = text(i);
        if !s.is_empty() {
            patient.age = Some(parse_age(&s)?);
        }
    }
    if let Some((i, unit)) = c.scr {
        let s = text(i);
        if !s.is_empty() {
            patient.serum_creatinine = Some(match unit {
                Unit::Header(f, u) => {
                    uom::si::f64::MassConcentration::new::<
                        uom::si::mass_concentration::milligram_per_deciliter,
                    >(number(Measure::SerumCreatinine, cell(i), (f, u))?)
                }
                Unit::Cell => parse_serum_creatinine(&s)?,
            });
        }
    }
    if let Value::Bytes(id) = id {
        plain_id(id)?;
    }
    Ok(patient)
}

/// Refuses an id holding a control, bidirectional or invisible character
/// (`crate::text`): it would forge a line or reorder the text wherever the
/// id is shown. Printable ASCII, the usual id, is checked byte by byte.
fn plain_id(id: &[u8]) -> Result<(), crate::text::UnsafeText> {
    if id.iter().all(|b| (0x20..0x7f).contains(b)) {
        return Ok(());
    }
    crate::text::check_plain("the id", &String::from_utf8_lossy(id))
}

/// Reads the header line one byte at a time (the rest is read in blocks).
pub(super) fn read_header(input: &mut impl Read) -> Result<csv::ByteRecord, BatchError> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match input
            .read(&mut byte)
            .map_err(|e| BatchError::Io(e.to_string()))?
        {
            0 => break,
            _ if byte[0] == b'\n' => break,
            // A CR followed by anything but LF: CR-only line ends, which
            // the CSV reader would take as one header for the whole file.
            _ if line.last() == Some(&b'\r') => return Err(BatchError::CrLineEnds),
            _ => line.push(byte[0]),
        }
        if line.len() > 64 * 1024 {
            return Err(BatchError::Csv {
                line: 1,
                message: "the header line is longer than 64 KiB".to_owned(),
            });
        }
    }
    // A byte-order mark, as spreadsheet programs write before the header.
    let line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&line);
    let mut header = csv::ByteRecord::new();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line)
        .read_byte_record(&mut header)
        .map_err(|e| BatchError::Csv {
            line: 1,
            message: e.to_string(),
        })?;
    Ok(header)
}

/// Refuses a file whose header names no unit and whose cells carry none:
/// judged on its first data row, `block`'s first record.
pub(super) fn check_units(c: &Columns, block: &[u8], line: u64) -> Result<(), BatchError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(block);
    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record).unwrap_or(false) {
        return Ok(());
    }
    let fields: Vec<&[u8]> = record.iter().collect();
    check_units_of(c, |i| field(&fields, i), RowPlace::Line(line))
}

/// Refuses columns without a unit in the header whose first data row, at
/// `place`, holds a bare number (`cell(i)` gives its column `i`).
pub(super) fn check_units_of<'a>(
    c: &Columns,
    cell: impl Fn(usize) -> Value<'a>,
    place: RowPlace,
) -> Result<(), BatchError> {
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
            let v = value_text(cell(i));
            if !v.is_empty() && v.parse::<f64>().is_ok() {
                return Err(BatchError::NoUnits {
                    column: name.to_owned(),
                    suggestion,
                    example,
                    at: place,
                    value: v.into_owned(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(header: &str, row: &str) -> String {
        let columns = find_columns(&csv::ByteRecord::from(
            header.split(',').collect::<Vec<_>>(),
        ))
        .unwrap();
        let fields: Vec<&[u8]> = row.split(',').map(str::as_bytes).collect();
        match parse_row(&columns, &fields) {
            Ok(_) => panic!("{row} was read"),
            Err(problem) => problem.to_string(),
        }
    }

    /// The reasons `chemodose batch` prints for skipped rows, word for word.
    #[test]
    fn row_problems_name_the_cell() {
        let h = "id,height_cm,weight_kg,sex,age,scr_umol_l";
        assert_eq!(
            problem(h, "1,170"),
            "2 fields, the header has 6: write every column, an unknown value as an empty cell between commas"
        );
        assert_eq!(problem(h, ",170,70,,,"), "the id is empty");
        assert_eq!(
            problem(h, "1,170,abc,,,"),
            "weight `abc` is not a number; write digits and a decimal point only, e.g. 72.5"
        );
        assert_eq!(
            problem(h, "1,170,70,,,x"),
            "serum creatinine `x` is not a number; write digits and a decimal point only, e.g. 1.1"
        );
        // Issue 14: a float parser read these; the bounds then said
        // "weight of invalid kg".
        for cell in ["1e29", "inf", "NaN", "7_0", "0x46", "1.2.3"] {
            assert_eq!(
                problem(h, &format!("1,170,{cell},,,")),
                format!(
                    "weight `{cell}` is not a number; write digits and a decimal point only, e.g. 72.5"
                )
            );
        }
        // A value in the header's unit is shown as typed, and converted.
        assert_eq!(
            problem("id,height_cm,weight_lb", "1,170,1000"),
            "weight of 1,000 lb (453.59 kg) is implausible (got `1000`); accepted range is 0.5 to 350 kg (1.11 to 771.61 lb)"
        );
        assert_eq!(
            problem(h, "1,1700,70,,,"),
            "height of 1,700 cm is implausible (got `1700`); accepted range is 30 to 250 cm"
        );
        assert_eq!(
            problem(h, "1,170,70,other,,"),
            "sex must be `female` or `male` (got `other`)"
        );
        assert_eq!(
            problem(h, "1,170,70,,abc,"),
            "age: `abc` is not a number with a unit; write e.g. 64 or 64y"
        );
        assert_eq!(
            problem("id,height,weight", "1,170,70kg"),
            "height needs a unit, e.g. 170cm or 67in (got `170`)"
        );
    }

    #[test]
    fn fast_decimal_gives_the_f64_of_str_parse() {
        for text in ["203.4", "96.1", "0.1", ".5", "7.", "1", "123456789012345"] {
            let expected: f64 = text.parse().unwrap();
            assert_eq!(fast_decimal(text.as_bytes()), Some(expected), "{text}");
        }
        // Left to the standard parser.
        for text in ["", ".", "-1", "1e2", "1.2.3", "1234567890123456", " 1"] {
            assert_eq!(fast_decimal(text.as_bytes()), None, "{text}");
        }
    }
}

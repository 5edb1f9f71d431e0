//! `lines.derive` over Arrow: a table of administrations to a table of lines
//! of therapy, as `chemodose lines derive --format csv` gives them for the
//! same records in a file sorted by patient.
//!
//! Owns: reading the table's record batches, its patient, drug and date
//! columns (found by the names of `--columns`, as a CSV header's) as
//! cells (`cells.rs`), and the output table: the CSV's columns in its
//! order, typed (the patient id as the input's column, `line` and
//! `administration_days` int32, dates date32, the rest text; the
//! maintenance columns null for a line without a maintenance phase), then
//! the `error` column of `on_error="column"`.
//! Never does: parse an option or a cell, or decide a line: the command
//! layer reads the rules and library (`cli::prepare_lines`), the library's
//! lines module reads each record and derives each patient
//! (`lines::derive_table`).

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Date32Array, Int32Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use chemodose::cli::PreparedLines;
use chemodose::lines::{
    AdministrationCells, DateCell, DerivedLine, RecordCell, SkippedRow, TableLines, derive_table,
    drugs_text,
};
use chrono::NaiveDate;
use pyo3_arrow::PyTable;

use crate::cells::{Column, Dates};

/// The output columns, as `lines derive --format csv` names them.
const COLUMNS: [&str; 13] = [
    "patient_id",
    "line",
    "regimen_drugs",
    "later_drugs",
    "start",
    "end",
    "administration_days",
    "end_reason",
    "regimen_match",
    "maintenance_kind",
    "maintenance_drugs",
    "maintenance_start",
    "maintenance_end",
];

/// One record batch of the input, its three columns as cells.
struct Part {
    rows: usize,
    patient: Column,
    drug: Column,
    date: Dates,
}

impl AdministrationCells for Part {
    fn rows(&self) -> usize {
        self.rows
    }
    fn patient(&self, row: usize) -> RecordCell<'_> {
        self.patient.record(row)
    }
    fn drug(&self, row: usize) -> RecordCell<'_> {
        self.drug.record(row)
    }
    fn date(&self, row: usize) -> DateCell<'_> {
        self.date.cell(row)
    }
}

/// What a derivation over a table gave: the output table, the records
/// skipped (how many, and the first ones or, with `on_error="column"`, all,
/// each with its row from 1 in `line`).
pub struct Derived {
    pub table: PyTable,
    pub skipped: u64,
    pub errors: Vec<SkippedRow>,
}

/// Derives the lines of every patient of `batches` (with `schema`); a
/// record skipped is left out, or kept as a row with only its patient id
/// and its reason (`row N: ...`) in a last `error` column when
/// `keep_failed`. Errors are messages for `InputError`.
pub fn derive(
    prepared: &PreparedLines,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    keep_failed: bool,
) -> Result<Derived, String> {
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    prepared.columns.check().map_err(|e| e.to_string())?;
    let [p, d, t] = prepared.columns.locate(&names).map_err(|e| e.to_string())?;
    let parts = batches
        .iter()
        .map(|b| {
            Ok(Part {
                rows: b.num_rows(),
                patient: Column::records(names[p], b.column(p))?,
                drug: Column::records(names[d], b.column(d))?,
                date: Dates::of(names[t], b.column(t))?,
            })
        })
        .collect::<Result<Vec<Part>, String>>()?;
    let cells: Vec<&dyn AdministrationCells> = parts
        .iter()
        .map(|p| p as &dyn AdministrationCells)
        .collect();
    let derived = derive_table(
        &cells,
        &prepared.rules,
        &prepared.library,
        prepared.threads,
        keep_failed,
    )
    .map_err(|e| e.to_string())?;
    let ids: Vec<&dyn Array> = batches.iter().map(|b| b.column(p).as_ref()).collect();
    let id_type = schema.field(p).data_type();
    let patient_ids = patient_column(&derived, &parts, &ids, id_type, keep_failed)?;
    let (table_schema, batch) = output(&derived, patient_ids, id_type, keep_failed)?;
    let table = PyTable::try_new(vec![batch], table_schema).map_err(|e| e.to_string())?;
    Ok(Derived {
        table,
        skipped: derived.summary.skipped,
        errors: derived.summary.errors,
    })
}

/// Whether a patient id column of `t` is text, written back as the lines'
/// trimmed ids (as the CSV writes them).
fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

/// The patient id of every output row, typed as the input's: the line's
/// patient (for text, the trimmed id, as the CSV writes it; for numbers the
/// first record's value), then each kept skipped record's own cell.
fn patient_column(
    derived: &TableLines,
    parts: &[Part],
    ids: &[&dyn Array],
    id_type: &DataType,
    keep_failed: bool,
) -> Result<ArrayRef, String> {
    let kept: &[(usize, usize)] = if keep_failed {
        &derived.skipped_at
    } else {
        &[]
    };
    if is_text(id_type) {
        let text: StringArray = derived
            .lines
            .iter()
            .map(|l| Some(l.patient.as_str()))
            .chain(
                kept.iter()
                    .map(|&(part, row)| match parts[part].patient.record(row) {
                        RecordCell::Text(t) if !t.trim().is_empty() => Some(t.trim()),
                        _ => None,
                    }),
            )
            .collect();
        return arrow_cast::cast(&text, id_type).map_err(|e| e.to_string());
    }
    let at: Vec<(usize, usize)> = derived.first_record.iter().chain(kept).copied().collect();
    if ids.is_empty() {
        return Ok(arrow_array::new_empty_array(id_type));
    }
    arrow_select::interleave::interleave(ids, &at).map_err(|e| e.to_string())
}

/// Days since 1970-01-01, as date32 counts them.
fn days(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (d - epoch).num_days() as i32
}

/// The output schema and its one record batch.
fn output(
    derived: &TableLines,
    patient_ids: ArrayRef,
    id_type: &DataType,
    keep_failed: bool,
) -> Result<(SchemaRef, RecordBatch), String> {
    let lines: &[DerivedLine] = &derived.lines;
    let extra = if keep_failed {
        derived.skipped_at.len()
    } else {
        0
    };
    // Every line's value, then a null for each kept skipped record.
    let text = |f: &dyn Fn(&DerivedLine) -> Option<String>| -> ArrayRef {
        Arc::new(
            lines
                .iter()
                .map(f)
                .chain(std::iter::repeat_n(None, extra))
                .collect::<StringArray>(),
        )
    };
    let int = |f: &dyn Fn(&DerivedLine) -> i32| -> ArrayRef {
        Arc::new(
            lines
                .iter()
                .map(|l| Some(f(l)))
                .chain(std::iter::repeat_n(None, extra))
                .collect::<Int32Array>(),
        )
    };
    let date = |f: &dyn Fn(&DerivedLine) -> Option<NaiveDate>| -> ArrayRef {
        Arc::new(
            lines
                .iter()
                .map(|l| f(l).map(days))
                .chain(std::iter::repeat_n(None, extra))
                .collect::<Date32Array>(),
        )
    };
    let mut columns: Vec<ArrayRef> = vec![
        patient_ids,
        int(&|l| i32::try_from(l.number).unwrap_or(i32::MAX)),
        text(&|l| Some(drugs_text(&l.regimen))),
        text(&|l| Some(drugs_text(&l.later))),
        date(&|l| Some(l.start)),
        date(&|l| Some(l.end)),
        int(&|l| i32::try_from(l.administration_days).unwrap_or(i32::MAX)),
        text(&|l| Some(l.end_reason.text())),
        text(&|l| Some(l.regimen_match.text())),
        text(&|l| l.maintenance.as_ref().map(|m| m.kind.name().to_owned())),
        text(&|l| l.maintenance.as_ref().map(|m| drugs_text(&m.drugs))),
        date(&|l| l.maintenance.as_ref().map(|m| m.start)),
        date(&|l| l.maintenance.as_ref().map(|m| m.end)),
    ];
    let types = [
        id_type.clone(),
        DataType::Int32,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Date32,
        DataType::Date32,
        DataType::Int32,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Date32,
        DataType::Date32,
    ];
    let mut fields: Vec<Field> = COLUMNS
        .iter()
        .zip(types)
        .map(|(n, t)| Field::new(*n, t, true))
        .collect();
    if keep_failed {
        let error: StringArray = std::iter::repeat_n(None, lines.len())
            .chain(
                derived
                    .summary
                    .errors
                    .iter()
                    .map(|e| Some(format!("row {}: {}", e.line, e.message))),
            )
            .collect();
        columns.push(Arc::new(error));
        fields.push(Field::new("error", DataType::Utf8, true));
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(Arc::clone(&schema), columns).map_err(|e| e.to_string())?;
    Ok((schema, batch))
}

//! `batch_dose` over Arrow: a table of patients to a table of doses, as
//! `chemodose batch` gives them for the same rows of a CSV file.
//!
//! Owns: reading the table's record batches (pyarrow, pandas or polars
//! through the Arrow PyCapsule interface: the buffers are read where they
//! are, not copied), its columns as cells (`cells.rs`), and the output
//! table: the CLI's columns in its order, typed (the id as the input's
//! column, numbers as float64, the long layout's drug as text and day as
//! int32), one record batch per run of rows, and the `error` column of
//! `on_error="column"`.
//! Never does: parse an option or a cell, or compute anything: the command
//! layer parses the arguments (`cli::prepare_batch`), the library's batch
//! module reads each row and doses it (`batch::dose_table`).

use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, Float64Array, Int32Array, RecordBatch, StringArray, UInt64Array,
};
use arrow_buffer::{NullBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use chemodose::batch::{
    BatchPlan, Cell, Layout, PatientCells, TableColumns, TableDoses, TableRowError, dose_table,
};
use pyo3_arrow::PyTable;

use crate::cells::Column;

/// One record batch of the input, its read columns as cells.
struct Part {
    rows: usize,
    /// By the table's column index; `None` for the columns not read.
    columns: Vec<Option<Column>>,
}

impl PatientCells for Part {
    fn rows(&self) -> usize {
        self.rows
    }

    #[inline]
    fn cell(&self, column: usize, row: usize) -> Cell<'_> {
        match self.columns.get(column) {
            Some(Some(c)) => c.cell(row),
            _ => Cell::Empty,
        }
    }
}

/// What a batch over a table gave: the output table, the rows not dosed
/// (how many, and the first ones or, with `on_error="column"`, all).
pub struct Dosed {
    pub table: PyTable,
    pub failed: u64,
    pub errors: Vec<TableRowError>,
}

/// Doses every row of `batches` (with `schema`) by `plan`; a row not dosed
/// is left out, or kept with null values and its reason in a last `error`
/// column when `keep_failed`. Errors are messages for `InputError`.
pub fn dose(
    plan: &BatchPlan<'_>,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    layout: Layout,
    keep_failed: bool,
    threads: usize,
) -> Result<Dosed, String> {
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let found = TableColumns::find(&names).map_err(|e| e.to_string())?;
    let read = found.read();
    let parts = batches
        .iter()
        .map(|b| {
            let mut columns: Vec<Option<Column>> = (0..b.num_columns()).map(|_| None).collect();
            for &i in &read {
                columns[i] = Some(Column::of(names[i], b.column(i))?);
            }
            Ok(Part {
                rows: b.num_rows(),
                columns,
            })
        })
        .collect::<Result<Vec<Part>, String>>()?;
    let cells: Vec<&dyn PatientCells> = parts.iter().map(|p| p as &dyn PatientCells).collect();
    let runs = dose_table(plan, &found, &cells, layout, keep_failed, threads)
        .map_err(|e| e.to_string())?;
    let id_field = schema.field(found.id());
    let out_schema = output_schema(plan, layout, id_field, keep_failed);
    let mut out = Vec::with_capacity(runs.len());
    let (mut failed, mut errors) = (0, Vec::new());
    for mut run in runs {
        let id = batches[run.part].column(found.id());
        out.push(output_batch(
            plan,
            layout,
            &out_schema,
            id,
            &mut run,
            keep_failed,
        )?);
        failed += run.failed;
        errors.extend(run.errors);
    }
    let table = PyTable::try_new(out, out_schema).map_err(|e| e.to_string())?;
    Ok(Dosed {
        table,
        failed,
        errors,
    })
}

/// The output columns: the CLI's header for `layout`, typed, then `error`
/// when failed rows are kept.
fn output_schema(plan: &BatchPlan<'_>, layout: Layout, id: &Field, keep_failed: bool) -> SchemaRef {
    let names = plan.column_names(layout);
    let mut fields = vec![
        Field::new(&names[0], id.data_type().clone(), true),
        Field::new(&names[1], DataType::Float64, true),
    ];
    match layout {
        Layout::Wide => fields.extend(
            names[2..]
                .iter()
                .map(|n| Field::new(n, DataType::Float64, true)),
        ),
        Layout::Long => fields.extend([
            Field::new(&names[2], DataType::Utf8, true),
            Field::new(&names[3], DataType::Int32, true),
            Field::new(&names[4], DataType::Float64, true),
        ]),
    }
    if keep_failed {
        fields.push(Field::new("error", DataType::Utf8, true));
    }
    Arc::new(Schema::new(fields))
}

/// A column of numbers, null where `nulls` says (a row not dosed; a course
/// whose cycles are unknown).
fn numbers(values: Vec<f64>, nulls: Option<&NullBuffer>) -> ArrayRef {
    Arc::new(Float64Array::new(
        ScalarBuffer::from(values),
        nulls.cloned(),
    ))
}

/// One run's output rows as a record batch; its numbers are moved out of
/// `run`, not copied.
fn output_batch(
    plan: &BatchPlan<'_>,
    layout: Layout,
    schema: &SchemaRef,
    id: &ArrayRef,
    run: &mut TableDoses,
    keep_failed: bool,
) -> Result<RecordBatch, String> {
    let n = run.source.len();
    // The ids, as the input types them: the run's own rows when every one
    // is there once (no copy), else taken row by row.
    let consecutive = n == run.rows.len()
        && run.source.first() == Some(&run.rows.start)
        && run.source.windows(2).all(|w| w[1] == w[0] + 1);
    let ids = if consecutive {
        id.slice(run.rows.start, n)
    } else {
        let indices = UInt64Array::from_iter_values(run.source.iter().map(|&r| r as u64));
        arrow_select::take::take(id.as_ref(), &indices, None).map_err(|e| e.to_string())?
    };
    let dosed = if run.dosed.iter().all(|d| *d) {
        None
    } else {
        Some(NullBuffer::from(run.dosed.as_slice()))
    };
    let mut columns: Vec<ArrayRef> = vec![
        ids,
        numbers(std::mem::take(&mut run.bsa_m2), dosed.as_ref()),
    ];
    match layout {
        Layout::Wide => {
            let doses = plan.dose_columns().count();
            let drugs = (run.values.len() - doses) / 2;
            let unknown = NullBuffer::new_null(n);
            for (k, v) in std::mem::take(&mut run.values).into_iter().enumerate() {
                let course = k >= doses + drugs;
                let nulls = if course && !plan.course_known() {
                    Some(&unknown)
                } else {
                    dosed.as_ref()
                };
                columns.push(numbers(v, nulls));
            }
        }
        Layout::Long => {
            let days: Vec<(&str, u32)> = plan.dose_columns().collect();
            let drug: StringArray = run
                .column
                .iter()
                .zip(&run.dosed)
                .map(|(c, ok)| ok.then(|| days[*c].0))
                .collect();
            let day = Int32Array::new(
                ScalarBuffer::from(
                    run.column
                        .iter()
                        .map(|c| i32::try_from(days[*c].1).unwrap_or(i32::MAX))
                        .collect::<Vec<i32>>(),
                ),
                dosed.clone(),
            );
            columns.push(Arc::new(drug));
            columns.push(Arc::new(day));
            let dose = std::mem::take(&mut run.values).pop().unwrap_or_default();
            columns.push(numbers(dose, dosed.as_ref()));
        }
    }
    if keep_failed {
        // The failed rows are kept in table order, as their reasons are.
        let mut reasons = run.errors.iter();
        let error: StringArray = run
            .dosed
            .iter()
            .map(|ok| {
                if *ok {
                    None
                } else {
                    reasons.next().map(|e| e.message.as_str())
                }
            })
            .collect();
        columns.push(Arc::new(error));
    }
    RecordBatch::try_new(Arc::clone(schema), columns).map_err(|e| e.to_string())
}

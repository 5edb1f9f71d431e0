//! `chemodose._chemodose`: the extension module under the Python package
//! `chemodose` (`python/chemodose/`).
//!
//! Owns: the boundary between Python and the engine: a command given as
//! its arguments run by the command layer (`chemodose::cli::run_args`, the
//! same parsers, checks and messages as the command line and the web page),
//! Arrow tables dosed (`batch.rs`) and derived into lines of therapy
//! (`lines.rs`) with the arguments of `batch` and `lines derive` parsed by
//! that same layer, its failures raised as Python exceptions (`InputError`,
//! `SafetyStop` with each stop's code and source), the GIL released while
//! the engine works, and no panic ever crossing into Python.
//! Never does: compute, parse or word anything itself; the Python side
//! turns keyword arguments into flags and the JSON answer into objects.

mod batch;
mod cells;
mod lines;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use chemodose::batch::BatchPlan;
use chemodose::cli::{
    Failure, InputError as CliInputError, StopRef, prepare_batch, prepare_lines, run_args,
};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use pyo3_arrow::input::AnyRecordBatch;

create_exception!(
    chemodose,
    ChemodoseError,
    PyException,
    "Base class of chemodose's errors."
);
create_exception!(
    chemodose,
    InputError,
    ChemodoseError,
    "Bad input or usage: a value without its unit, an implausible value, an unknown regimen or option (the command line's exit 2). The message says what to write instead."
);
create_exception!(
    chemodose,
    SafetyStop,
    ChemodoseError,
    "A safety check refused (the command line's exit 1): `code` and `source` of the first stop, `stops` a list of (code, source) for all of them. Let one through with override={code: reason}."
);

/// The message of an engine panic: never expected, never a crash of the
/// Python process.
const INTERNAL: &str = "internal error in chemodose: this is a bug, nothing was computed; please report it with the inputs";

/// Runs `f` with the GIL released; a panic in it is a `ChemodoseError`,
/// never a crash of the Python process.
fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    py.detach(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)))
        .map_err(|_| ChemodoseError::new_err(INTERNAL))
}

/// A failure of the command layer as its Python exception.
fn raised(py: Python<'_>, failure: Failure) -> PyErr {
    match failure {
        Failure::Input(CliInputError(message)) => InputError::new_err(message),
        Failure::Partial { errors, .. } => InputError::new_err(errors.join("\n")),
        Failure::Check(refusal) => {
            let err = SafetyStop::new_err(refusal.message);
            if let Err(e) = stop_details(py, &err, &refusal.stops) {
                return e;
            }
            err
        }
    }
}

/// Sets `code`, `source` (the first stop's) and `stops` on a `SafetyStop`.
fn stop_details(py: Python<'_>, err: &PyErr, stops: &[StopRef]) -> PyResult<()> {
    let value = err.value(py);
    let first = stops.first();
    value.setattr("code", first.map(|s| s.code.clone()))?;
    value.setattr("source", first.and_then(|s| s.source.clone()))?;
    let stops: Vec<Bound<'_, PyTuple>> = stops
        .iter()
        .map(|s| {
            PyTuple::new(
                py,
                [
                    s.code.clone().into_pyobject(py)?.into_any(),
                    s.source.clone().into_pyobject(py)?.into_any(),
                ],
            )
        })
        .collect::<PyResult<_>>()?;
    value.setattr("stops", PyList::new(py, stops)?)?;
    Ok(())
}

/// Runs one command given as its arguments (without the program name), with
/// the GIL released, and gives (stdout, warnings, notes, problem): the
/// command line's standard output, its warning and note lines, and whether a
/// check found a problem (exit 1 with a report, as `order verify`'s QUERY).
///
/// Raises `InputError` for bad input and `SafetyStop` for a refusal.
#[pyfunction]
fn run(py: Python<'_>, args: Vec<String>) -> PyResult<(String, Vec<String>, Vec<String>, bool)> {
    match detached(py, || run_args(&args))? {
        Ok(report) => Ok((report.stdout, report.warnings, report.notes, report.problem)),
        Err(failure) => Err(raised(py, failure)),
    }
}

/// A table function's answer: the output as a pyarrow Table, the number of
/// rows not used, and the first of them (or all) as (row from 1, reason).
type TableAnswer<'py> = (Bound<'py, PyAny>, u64, Vec<(u64, String)>);

/// The record batches and schema of a table (pyarrow, pandas, polars: the
/// Arrow PyCapsule interface), read where they are.
fn batches(table: AnyRecordBatch) -> PyResult<(SchemaRef, Vec<RecordBatch>)> {
    let reader = table.into_reader()?;
    let schema = reader.schema();
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| InputError::new_err(format!("the table could not be read: {e}")))?;
    Ok((schema, batches))
}

/// Doses every row of `table` as `chemodose batch` with `args` (`batch
/// --patients=- ... -- REGIMEN`) would dose the same rows of a CSV file,
/// with the GIL released, and gives (the output as a pyarrow Table, the
/// number of rows not dosed, the first of them or with `keep_failed` all
/// of them as (row from 1, reason)). A row not dosed is left out, or kept
/// with null values and its reason in a last `error` column when
/// `keep_failed`.
///
/// Raises `InputError` for bad arguments or columns and `SafetyStop` when
/// the plan is refused.
#[pyfunction]
fn batch_dose<'py>(
    py: Python<'py>,
    table: AnyRecordBatch,
    args: Vec<String>,
    keep_failed: bool,
) -> PyResult<TableAnswer<'py>> {
    let prepared = detached(py, || prepare_batch(&args))?.map_err(|f| raised(py, f))?;
    let (schema, batches) = batches(table)?;
    let dosed = detached(py, || {
        let plan = BatchPlan::new(&prepared.regimen, &prepared.options, prepared.cycle);
        batch::dose(
            &plan,
            &schema,
            &batches,
            prepared.layout,
            keep_failed,
            prepared.threads,
        )
    })?
    .map_err(InputError::new_err)?;
    let errors = dosed
        .errors
        .into_iter()
        .map(|e| (e.row, e.message))
        .collect();
    Ok((dosed.table.into_pyarrow(py)?, dosed.failed, errors))
}

/// Derives the lines of therapy of every patient of `table` as `chemodose
/// lines derive --format csv` with `args` (`lines derive ... -- -`) would
/// for the same records in a file sorted by patient, with the GIL
/// released, and gives (the lines as a pyarrow Table, the number of
/// records skipped, the first of them or with `keep_failed` all of them as
/// (row from 1, reason)).
///
/// Raises `InputError` for bad arguments or columns.
#[pyfunction]
fn derive_lines<'py>(
    py: Python<'py>,
    table: AnyRecordBatch,
    args: Vec<String>,
    keep_failed: bool,
) -> PyResult<TableAnswer<'py>> {
    let prepared = detached(py, || prepare_lines(&args))?.map_err(|f| raised(py, f))?;
    let (schema, batches) = batches(table)?;
    let derived = detached(py, || {
        lines::derive(&prepared, &schema, &batches, keep_failed)
    })?
    .map_err(InputError::new_err)?;
    let errors = derived
        .errors
        .into_iter()
        .map(|e| (e.line, e.message))
        .collect();
    Ok((derived.table.into_pyarrow(py)?, derived.skipped, errors))
}

/// The extension module.
#[pymodule]
fn _chemodose(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ChemodoseError", py.get_type::<ChemodoseError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("SafetyStop", py.get_type::<SafetyStop>())?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(batch_dose, m)?)?;
    m.add_function(wrap_pyfunction!(derive_lines, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

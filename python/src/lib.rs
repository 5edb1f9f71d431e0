//! `chemodose._chemodose`: the extension module under the Python package
//! `chemodose` (`python/chemodose/`).
//!
//! Owns: the boundary between Python and the engine: a command given as
//! its arguments run by the command layer (`chemodose::cli::run_args`, the
//! same parsers, checks and messages as the command line and the web page),
//! its failures raised as Python exceptions (`InputError`, `SafetyStop` with
//! each stop's code and source), and no panic ever crossing into Python.
//! Never does: compute, parse or word anything itself; the Python side
//! turns keyword arguments into flags and the JSON answer into objects.

use chemodose::cli::{Failure, InputError as CliInputError, run_args};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

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

/// Runs one command given as its arguments (without the program name), with
/// the GIL released, and gives (stdout, warnings, notes, problem): the
/// command line's standard output, its warning and note lines, and whether a
/// check found a problem (exit 1 with a report, as `order verify`'s QUERY).
///
/// Raises `InputError` for bad input and `SafetyStop` for a refusal.
#[pyfunction]
fn run(py: Python<'_>, args: Vec<String>) -> PyResult<(String, Vec<String>, Vec<String>, bool)> {
    let outcome =
        py.detach(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_args(&args))));
    match outcome {
        Err(_) => Err(ChemodoseError::new_err(INTERNAL)),
        Ok(Ok(report)) => Ok((report.stdout, report.warnings, report.notes, report.problem)),
        Ok(Err(Failure::Input(CliInputError(message)))) => Err(InputError::new_err(message)),
        Ok(Err(Failure::Partial { errors, .. })) => Err(InputError::new_err(errors.join("\n"))),
        Ok(Err(Failure::Check(refusal))) => {
            let err = SafetyStop::new_err(refusal.message);
            let value = err.value(py);
            let first = refusal.stops.first();
            value.setattr("code", first.map(|s| s.code.clone()))?;
            value.setattr("source", first.and_then(|s| s.source.clone()))?;
            let stops: Vec<Bound<'_, PyTuple>> = refusal
                .stops
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
            Err(err)
        }
    }
}

/// The extension module.
#[pymodule]
fn _chemodose(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ChemodoseError", py.get_type::<ChemodoseError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("SafetyStop", py.get_type::<SafetyStop>())?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

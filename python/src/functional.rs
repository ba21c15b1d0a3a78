//! The functional API: what `cocokit stats --json` and `cocokit validate --json` print, as Python dicts.
//!
//! Each function opens the file as the command does and calls the same library function; the result is
//! serialized with the library's own `Serialize` form and built into Python objects (the reports are small).
//! Not here: anything a command decides (evaluation's `--json` is assembled by its command, so it has no
//! counterpart here yet).

use std::path::PathBuf;

use cocokit::io::Input;
use pyo3::prelude::*;

use crate::{err, json, msg};

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(stats, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    Ok(())
}

/// Opens `path` as the CLI does; a file that cannot be opened raises the matching `OSError`.
fn open(path: &PathBuf) -> PyResult<Input> {
    std::fs::metadata(path)?;
    let name = path
        .to_str()
        .ok_or_else(|| msg(format!("{}: path is not valid UTF-8", path.display())))?;
    Input::open(name).map_err(err)
}

fn to_python<'py, T: serde::Serialize>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_vec(v).map_err(|e| msg(e.to_string()))?;
    json::parse(py, &text).map_err(|e| msg(e.to_string()))
}

/// `cocokit stats --json PATH` as a dict (see docs/STATS.md for its fields).
#[pyfunction]
fn stats<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyAny>> {
    let input = open(&path)?;
    let st = py
        .detach(|| cocokit::ops::stats::compute(&input).map_err(|e| e.in_file(input.name())))
        .map_err(err)?;
    to_python(py, &st)
}

/// `cocokit validate --json PATH` as a dict: every finding, with counts of errors and warnings. Unlike the
/// command it does not raise for an invalid file (look at `errors`); it raises only when the file cannot
/// be read at all.
#[pyfunction]
fn validate<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyAny>> {
    let input = open(&path)?;
    let rep = py
        .detach(|| cocokit::ops::validate::validate(&input).map_err(|e| e.in_file(input.name())))
        .map_err(err)?;
    to_python(py, &rep)
}

//! `cocokit._native`: the compiled half of the `cocokit` Python package (a drop-in for pycocotools).
//!
//! What it is: conversions between Python/numpy values and the cocokit library's types, and calls into
//! the library (masks, the JSON reader, COCO evaluation), with the GIL released while the library works.
//! What it is not: a second implementation of anything. Every formula and every evaluation decision lives
//! in the `cocokit` crate; the pure-Python package (`python/cocokit/`) mirrors pycocotools' argument
//! dispatch and object layout and calls into here.
//!
//! Errors: cocokit's one-line errors arrive as `cocokit.CocokitError` (a `ValueError`); failures to open a
//! file as the matching `OSError` subclass (`FileNotFoundError`, ...). Nothing here panics on input data.

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

mod dataset;
mod eval;
mod functional;
mod json;
mod lvis;
mod mask;
mod ops;
mod panoptic;

create_exception!(
    cocokit,
    CocokitError,
    PyValueError,
    "An error reported by cocokit's engine (bad input data): what went wrong and where."
);

/// A cocokit library error as a Python exception.
pub(crate) fn err(e: cocokit::Error) -> PyErr {
    CocokitError::new_err(e.to_string())
}

/// A message as a [`CocokitError`].
pub(crate) fn msg(m: impl Into<String>) -> PyErr {
    CocokitError::new_err(m.into())
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("CocokitError", m.py().get_type::<CocokitError>())?;
    mask::register(m)?;
    json::register(m)?;
    eval::register(m)?;
    dataset::register(m)?;
    functional::register(m)?;
    lvis::register(m)?;
    panoptic::register(m)?;
    ops::register(m)?;
    Ok(())
}

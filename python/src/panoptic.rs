//! Panoptic quality for `cocokit.pq_compute` and `cocokit.eval_panoptic`: `ops::eval_panoptic` with the
//! GIL released (and Ctrl-C honoured) while it runs. Not here: any PQ rule (`eval::panoptic`).

use cocokit::ops::eval_panoptic as ops_panoptic;
use pyo3::prelude::*;

use crate::err;
use crate::eval::interruptible;
use crate::functional::{existing, to_python};

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(eval_panoptic, m)?)?;
    Ok(())
}

/// `cocokit eval panoptic --json` as a dict (`per_class` keyed by the category id as a string), and the
/// table panopticapi's `pq_compute` prints.
#[pyfunction]
fn eval_panoptic<'py>(
    py: Python<'py>,
    gt_json: std::path::PathBuf,
    gt_dir: std::path::PathBuf,
    pred_json: std::path::PathBuf,
    pred_dir: std::path::PathBuf,
) -> PyResult<(Bound<'py, PyAny>, String)> {
    let (gt_json, pred_json) = (existing(&gt_json)?, existing(&pred_json)?);
    let (gt_dir, pred_dir) = (existing(&gt_dir)?, existing(&pred_dir)?);
    let report = interruptible(py, move || {
        ops_panoptic::run(&gt_json, &gt_dir, &pred_json, &pred_dir)
    })?
    .map_err(err)?;
    Ok((
        to_python(py, &ops_panoptic::to_json(&report))?,
        report.text(),
    ))
}

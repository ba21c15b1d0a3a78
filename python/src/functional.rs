//! The functional API: what `cocokit stats --json` and `cocokit validate --json` print, as Python dicts.
//!
//! Each function opens the file as the command does and calls the same library function; the result is
//! serialized with the library's own `Serialize` form and built into Python objects (the reports are small).
//! `eval_coco` and `eval_merge` run `ops::eval_coco` / `ops::eval_shard` and return `EvalReport::to_json`.
//! Not here: anything a command decides.

use std::path::PathBuf;

use cocokit::eval::cocoeval::IouType;
use cocokit::io::Input;
use cocokit::ops::eval_coco::{self as ops_coco, Options};
use cocokit::ops::eval_shard;
use pyo3::prelude::*;

use crate::{err, json, msg};

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(stats, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(eval_coco, m)?)?;
    m.add_function(wrap_pyfunction!(eval_merge, m)?)?;
    Ok(())
}

/// A path as the library takes it; a file that does not exist raises the matching `OSError`.
pub(crate) fn existing(path: &PathBuf) -> PyResult<String> {
    std::fs::metadata(path)?;
    path.to_str()
        .map(str::to_string)
        .ok_or_else(|| msg(format!("{}: path is not valid UTF-8", path.display())))
}

/// Opens `path` as the CLI does; a file that cannot be opened raises the matching `OSError`.
fn open(path: &PathBuf) -> PyResult<Input> {
    std::fs::metadata(path)?;
    let name = path
        .to_str()
        .ok_or_else(|| msg(format!("{}: path is not valid UTF-8", path.display())))?;
    Input::open(name).map_err(err)
}

pub(crate) fn to_python<'py, T: serde::Serialize>(
    py: Python<'py>,
    v: &T,
) -> PyResult<Bound<'py, PyAny>> {
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

/// `cocokit eval coco --json` as a dict; with `partial`, writes the shard's checkpoint there instead
/// (`eval coco --partial`) and returns `{"images": n, "detections": m}`. Warnings go to Python's
/// `warnings`, from the Python wrapper.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (gt, dt, iou_type, img_ids, cats, max_dets, area_rng, use_cats, kpt_sigmas, dilation_ratio, partial))]
fn eval_coco<'py>(
    py: Python<'py>,
    gt: PathBuf,
    dt: PathBuf,
    iou_type: &str,
    img_ids: Vec<i64>,
    cats: Vec<String>,
    max_dets: Vec<usize>,
    area_rng: Vec<String>,
    use_cats: bool,
    kpt_sigmas: Vec<f64>,
    dilation_ratio: Option<f64>,
    partial: Option<PathBuf>,
) -> PyResult<(Bound<'py, PyAny>, Vec<String>)> {
    let iou_type = IouType::parse(iou_type).map_err(err)?;
    let params = ops_coco::params(
        iou_type,
        &img_ids,
        &max_dets,
        &area_rng,
        use_cats,
        &kpt_sigmas,
        dilation_ratio,
    )
    .map_err(err)?;
    let opts = Options {
        cats,
        ..Options::new(existing(&gt)?, existing(&dt)?, params)
    };
    if let Some(out) = partial {
        let out = out
            .to_str()
            .ok_or_else(|| msg(format!("{}: path is not valid UTF-8", out.display())))?
            .to_string();
        let info = py
            .detach(|| eval_shard::partial(&opts, &out))
            .map_err(err)?;
        let v = serde_json::json!({"images": info.images, "detections": info.detections});
        return Ok((to_python(py, &v)?, info.warnings));
    }
    let report = py.detach(|| ops_coco::run(&opts)).map_err(err)?;
    Ok((to_python(py, &report.to_json())?, report.warnings))
}

/// `cocokit eval merge --json PARTIAL...` as a dict.
#[pyfunction]
fn eval_merge<'py>(py: Python<'py>, partials: Vec<PathBuf>) -> PyResult<Bound<'py, PyAny>> {
    let paths = partials
        .iter()
        .map(existing)
        .collect::<PyResult<Vec<String>>>()?;
    let report = py.detach(|| eval_shard::merge(&paths)).map_err(err)?;
    to_python(py, &report.to_json())
}

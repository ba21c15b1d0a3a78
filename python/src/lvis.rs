//! LVIS evaluation for `cocokit.LVISEval` and `cocokit.eval_lvis`: `ops::eval_lvis` on a ground truth and
//! results given as files or as JSON text, with the GIL released (and Ctrl-C honoured) while it runs.
//! Not here: lvis-api's object layout (`python/cocokit/lvis.py`) or any evaluation rule (`eval::lvis`).

use cocokit::eval::cocoeval::IouType;
use cocokit::eval::lvis::LvisParams;
use cocokit::io::Input;
use cocokit::ops::eval_lvis as ops_lvis;
use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::eval::interruptible;
use crate::functional::to_python;
use crate::{err, msg};

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(lvis_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(eval_lvis, m)?)?;
    Ok(())
}

/// A file path (`str` / `os.PathLike`), or JSON text as `bytes` (named `what` in errors).
pub(crate) fn input(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Source> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Source::Json(what.to_string(), b.as_bytes().to_vec()));
    }
    let path: std::path::PathBuf = obj.extract()?;
    std::fs::metadata(&path)?;
    let s = path
        .to_str()
        .ok_or_else(|| msg(format!("{}: path is not valid UTF-8", path.display())))?;
    Ok(Source::Path(s.to_string()))
}

/// Where an input's bytes come from.
pub(crate) enum Source {
    Path(String),
    Json(String, Vec<u8>),
}

impl Source {
    pub(crate) fn open(self) -> cocokit::Result<Input> {
        match self {
            Source::Path(p) => Input::open(&p),
            Source::Json(name, bytes) => Ok(Input::from_bytes(&name, bytes)),
        }
    }
}

fn run(py: Python<'_>, gt: Source, dt: Source, params: LvisParams) -> PyResult<ops_lvis::LvisEval> {
    interruptible(py, move || -> cocokit::Result<_> {
        let gt = gt.open()?;
        let dt = dt.open()?;
        ops_lvis::run(&gt, &dt, &params)
    })?
    .map_err(err)
}

/// `LVISEval(...).run()`: a dict with `results` (lvis-api's keys and values, in order), `lines`
/// (`print_results`), `per_category` (`(category_id, frequency, ap)`), `precision` `[T, R, K, A]`,
/// `recall` `[T, K, A]`, `iou_thrs`, `rec_thrs`, `img_ids` and `cat_ids` as evaluated.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (gt, dt, iou_type, max_dets, dets_per_image, img_ids, cat_ids))]
fn lvis_evaluate<'py>(
    py: Python<'py>,
    gt: &Bound<'py, PyAny>,
    dt: &Bound<'py, PyAny>,
    iou_type: &str,
    max_dets: usize,
    dets_per_image: Option<usize>,
    img_ids: Option<Vec<i64>>,
    cat_ids: Option<Vec<i64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let iou_type = IouType::parse(iou_type).map_err(err)?;
    let params = LvisParams {
        dets_per_image,
        img_ids,
        cat_ids,
        ..LvisParams::new(iou_type, max_dets)
    };
    let (gt, dt) = (input(gt, "ground truth")?, input(dt, "results")?);
    let ev = run(py, gt, dt, params)?;
    let rep = ev.report;
    let acc = rep.accumulation;
    let [t, r, k, a, _] = acc.counts;
    let d = PyDict::new(py);
    d.set_item("results", rep.results)?;
    d.set_item("lines", rep.lines)?;
    let per: Vec<(i64, String, f64)> = rep
        .per_category
        .iter()
        .map(|c| (c.category_id, c.frequency.to_string(), c.ap))
        .collect();
    d.set_item("per_category", per)?;
    d.set_item(
        "precision",
        PyArray1::from_vec(py, acc.precision).reshape([t, r, k, a])?,
    )?;
    d.set_item(
        "recall",
        PyArray1::from_vec(py, acc.recall).reshape([t, k, a])?,
    )?;
    d.set_item("iou_thrs", PyArray1::from_slice(py, &acc.params.iou_thrs))?;
    d.set_item("rec_thrs", PyArray1::from_slice(py, &acc.params.rec_thrs))?;
    d.set_item("img_ids", &acc.params.img_ids)?;
    d.set_item("cat_ids", &acc.params.cat_ids)?;
    Ok(d)
}

/// `cocokit eval lvis --json` as a dict.
#[pyfunction]
#[pyo3(signature = (gt, dt, iou_type, max_dets))]
fn eval_lvis<'py>(
    py: Python<'py>,
    gt: &Bound<'py, PyAny>,
    dt: &Bound<'py, PyAny>,
    iou_type: &str,
    max_dets: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let params = LvisParams::new(IouType::parse(iou_type).map_err(err)?, max_dets);
    let (gt, dt) = (input(gt, "ground truth")?, input(dt, "results")?);
    let ev = run(py, gt, dt, params)?;
    to_python(py, &ev.to_json())
}

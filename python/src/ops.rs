//! The functional API's operations beyond stats/validate/eval coco: `eval_miou` (what `cocokit eval miou
//! --json` prints), and the file-writing commands. Each builds the library's request from keyword
//! arguments named after the command's flags and calls the same `ops` function as the command, with the
//! GIL released (and Ctrl-C honoured). Not here: any check or default the command applies (`ops::*`).

use cocokit::eval::miou::{report, AbsentAs, Background, MeanOver, Progress};
use cocokit::ops::eval_miou::{self as ops_miou, ConventionName, Request};
use pyo3::prelude::*;

use crate::eval::interruptible;
use crate::functional::existing;
use crate::{err, json, msg};

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(eval_miou, m)?)?;
    Ok(())
}

/// `cocokit eval miou --json` as a dict (docs/MIOU.md has its schema).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (gt, pred, num_classes, class_names, ignore_index, reduce_zero_label, background,
                    score_thr, convention, absent_as, mean_over, allow_extra))]
fn eval_miou<'py>(
    py: Python<'py>,
    gt: std::path::PathBuf,
    pred: std::path::PathBuf,
    num_classes: Option<usize>,
    class_names: Option<std::path::PathBuf>,
    ignore_index: u32,
    reduce_zero_label: bool,
    background: Option<&str>,
    score_thr: Option<f64>,
    convention: &str,
    absent_as: Option<&str>,
    mean_over: Option<&str>,
    allow_extra: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let background = match background {
        None => None,
        Some("class") => Some(Background::Class),
        Some("ignore") => Some(Background::Ignore),
        Some(b) => return Err(msg(format!("background {b:?}: \"class\" or \"ignore\""))),
    };
    let absent_as = match absent_as {
        None => None,
        Some("nan") => Some(AbsentAs::Nan),
        Some("zero") => Some(AbsentAs::Zero),
        Some(a) => return Err(msg(format!("absent_as {a:?}: \"nan\" or \"zero\""))),
    };
    let mean_over = match mean_over {
        None => None,
        Some("all") => Some(MeanOver::All),
        Some("gt-present" | "gt_present") => Some(MeanOver::GtPresent),
        Some(m) => return Err(msg(format!("mean_over {m:?}: \"all\" or \"gt-present\""))),
    };
    let req = Request {
        num_classes,
        class_names: class_names.as_ref().map(existing).transpose()?,
        ignore_index,
        reduce_zero_label,
        background,
        score_thr,
        convention: ConventionName::parse(convention).map_err(err)?,
        absent_as,
        mean_over,
        allow_extra,
        ..Request::new(existing(&gt)?, existing(&pred)?)
    };
    let text = interruptible(py, move || {
        ops_miou::run(&req, &|_: Progress| {}).and_then(|r| report::to_json(&r))
    })?
    .map_err(err)?;
    json::parse(py, text.as_bytes()).map_err(|e| msg(e.to_string()))
}

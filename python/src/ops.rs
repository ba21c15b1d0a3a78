//! The functional API's operations beyond stats/validate/eval coco: `eval_miou` (what `cocokit eval miou
//! --json` prints), and the file-writing commands `filter`, `convert` and `rasterize` (what their `--json`
//! prints, with the files written as the command writes them). Each builds the library's request from
//! keyword arguments named after the command's flags and calls the same `ops` function as the command, with
//! the GIL released (and Ctrl-C honoured). Not here: any check or default the command applies (`ops::*`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use cocokit::eval::miou::{report, AbsentAs, Background, MeanOver, Progress};
use cocokit::ops::eval_miou::{self as ops_miou, ConventionName, Request};
use cocokit::ops::{
    convert as ops_convert, filter as ops_filter, rasterize as ops_rasterize, Watch,
};
use pyo3::prelude::*;

use crate::eval::interruptible;
use crate::functional::{existing, to_python};
use crate::{err, json, msg};

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(eval_miou, m)?)?;
    m.add_function(wrap_pyfunction!(filter, m)?)?;
    m.add_function(wrap_pyfunction!(convert, m)?)?;
    m.add_function(wrap_pyfunction!(rasterize, m)?)?;
    Ok(())
}

/// The watch of an operation run from Python: asks it to stop once Ctrl-C was pressed.
#[derive(Default)]
struct Stop(AtomicBool);

impl Watch for Stop {
    fn stop(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Runs a file-writing operation on a thread of its own while this one waits without the GIL, looking for
/// Ctrl-C every 50 ms. On a signal the operation is asked to stop and waited for — so that no file is
/// written or renamed after the call has returned — and the signal's exception (`KeyboardInterrupt`) is
/// raised.
fn stoppable<T: Send + 'static>(
    py: Python<'_>,
    work: impl FnOnce(&dyn Watch) -> cocokit::Result<T> + Send + 'static,
) -> PyResult<T> {
    let stop = Arc::new(Stop::default());
    let (tx, rx) = mpsc::channel();
    let watch = Arc::clone(&stop);
    std::thread::Builder::new()
        .name("cocokit-op".into())
        .spawn(move || {
            let _ = tx.send(work(&*watch));
        })
        .map_err(|e| msg(format!("cannot start the operation's thread: {e}")))?;
    let mut rx = rx;
    loop {
        // The receiver goes into the GIL-free closure and back (it is Send, not Sync).
        let (got, back) = py.detach(move || (rx.recv_timeout(Duration::from_millis(50)), rx));
        rx = back;
        match got {
            // With the line and column of the error's byte offset, as the command prints it.
            Ok(result) => return result.map_err(|e| err(cocokit::io::locate(e))),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(signal) = py.check_signals() {
                    stop.0.store(true, Ordering::Relaxed);
                    let _ = py.detach(move || rx.recv());
                    return Err(signal);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(msg("the operation's thread stopped without a result"))
            }
        }
    }
}

/// Input arguments as the command takes them: a name that is no glob pattern (nor `-`) must exist (else
/// the matching `OSError`); directories and patterns are expanded by the library.
fn inputs(paths: Vec<PathBuf>) -> PyResult<Vec<String>> {
    paths
        .into_iter()
        .map(|p| {
            let s = p
                .to_str()
                .ok_or_else(|| msg(format!("{}: path is not valid UTF-8", p.display())))?
                .to_string();
            if s != "-" && !s.contains(['*', '?', '[']) {
                std::fs::metadata(&p)?;
            }
            Ok(s)
        })
        .collect()
}

fn utf8(p: PathBuf) -> PyResult<String> {
    p.to_str()
        .map(str::to_string)
        .ok_or_else(|| msg(format!("{}: path is not valid UTF-8", p.display())))
}

/// `cocokit filter INPUTS -o OUTPUT --json` as a dict, the dataset written to `output`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (inputs_, output, cats, supercats, keep_all_images, img_ids, file_names, area_rng,
                    iscrowd, score_thr, gt))]
fn filter<'py>(
    py: Python<'py>,
    inputs_: Vec<PathBuf>,
    output: PathBuf,
    cats: Vec<String>,
    supercats: Vec<String>,
    keep_all_images: bool,
    img_ids: Vec<i64>,
    file_names: Option<PathBuf>,
    area_rng: Vec<f64>,
    iscrowd: Option<i64>,
    score_thr: Option<f64>,
    gt: Option<PathBuf>,
) -> PyResult<Bound<'py, PyAny>> {
    let output = utf8(output)?;
    let req = ops_filter::Request {
        inputs: inputs(inputs_)?,
        output: Some(output.clone()),
        cats,
        supercats,
        keep_all_images,
        img_ids,
        file_names: file_names.as_ref().map(existing).transpose()?,
        area_rng,
        iscrowd,
        score_thr,
        gt: gt.as_ref().map(existing).transpose()?,
    };
    let rep = stoppable(py, move |w| ops_filter::run(&req, w))?;
    to_python(py, &rep.to_json(&output))
}

/// `cocokit convert INPUTS --to TO -o OUTPUT --json` as a dict, the converted file written to `output`.
#[pyfunction]
#[pyo3(signature = (inputs_, output, to, gt, tolerance, skip_invalid))]
fn convert<'py>(
    py: Python<'py>,
    inputs_: Vec<PathBuf>,
    output: PathBuf,
    to: &str,
    gt: Option<PathBuf>,
    tolerance: f64,
    skip_invalid: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let output = utf8(output)?;
    let req = ops_convert::Request {
        output: Some(output.clone()),
        gt: gt.as_ref().map(existing).transpose()?,
        tolerance,
        skip_invalid,
        ..ops_convert::Request::new(inputs(inputs_)?, ops_convert::Form::parse(to).map_err(err)?)
    };
    let rep = stoppable(py, move |w| ops_convert::run(&req, w))?;
    to_python(py, &rep.to_json(&output))
}

/// `cocokit rasterize INPUTS -o OUTPUT --json` as a dict, one label-map PNG per image written into the
/// directory `output`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (inputs_, output, mode, img_ids, crowd, palette, boxes, background, panoptic_dir, gt,
                    score_thr))]
fn rasterize<'py>(
    py: Python<'py>,
    inputs_: Vec<PathBuf>,
    output: PathBuf,
    mode: &str,
    img_ids: Vec<i64>,
    crowd: &str,
    palette: bool,
    boxes: bool,
    background: u16,
    panoptic_dir: Option<PathBuf>,
    gt: Option<PathBuf>,
    score_thr: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let output = utf8(output)?;
    let req = ops_rasterize::Request {
        options: ops_rasterize::RasterizeOptions {
            mode: ops_rasterize::Mode::parse(mode).map_err(err)?,
            crowd: ops_rasterize::CrowdRule::parse(crowd).map_err(err)?,
            images: (!img_ids.is_empty()).then(|| img_ids.into_iter().collect()),
            palette,
            boxes,
            background,
            panoptic_dir: panoptic_dir
                .as_ref()
                .map(existing)
                .transpose()?
                .map(PathBuf::from),
        },
        gt: gt.as_ref().map(existing).transpose()?,
        score_thr,
        ..ops_rasterize::Request::new(inputs(inputs_)?, output.clone())
    };
    let rep = stoppable(py, move |w| ops_rasterize::run(&req, w))?;
    to_python(py, &rep.to_json(&output))
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

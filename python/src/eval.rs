//! `COCOeval` on cocokit's engine (`cocokit::eval::cocoeval`): the ground truths and detections that
//! `COCOeval._prepare` selects, read from their Python dicts into the library's `Annotation`s, evaluated
//! with the GIL released; the accumulated arrays and the summary handed back as numpy arrays and strings.
//!
//! Not here: which annotations take part, parameter resolution, matching, accumulation or the stats' means
//! (the Python `COCOeval` selects as `_prepare` does; the engine decides everything else).

use cocokit::coco::{Annotation, Image, Segmentation};
use cocokit::eval::cocoeval::{self, CellDetails, Evaluation, GroundTruth, IouType, Params};
use numpy::{PyArray1, PyArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use crate::mask::dim;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use crate::{err, msg};

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_class::<NativeEvaluation>()?;
    m.add_class::<NativeAccumulation>()?;
    Ok(())
}

/// An id or other integer field: an `int` (or numpy integer), or a float holding an integer.
fn int_of(v: &Bound<'_, PyAny>) -> PyResult<i64> {
    if let Ok(i) = v.extract::<i64>() {
        return Ok(i);
    }
    let f: f64 = v.extract()?;
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Ok(f as i64)
    } else {
        Err(PyValueError::new_err(format!(
            "expected an integer id, got {f}"
        )))
    }
}

fn get<'py>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    Ok(d.get_item(key)?.filter(|v| !v.is_none()))
}

/// A segmentation as `annToRLE` reads it: polygons, uncompressed RLE (`counts` a list) or compressed RLE.
fn segmentation(v: &Bound<'_, PyAny>) -> PyResult<Segmentation> {
    if let Ok(d) = v.cast::<PyDict>() {
        let size = d
            .get_item("size")?
            .ok_or_else(|| PyValueError::new_err("RLE segmentation has no size"))?;
        let (h, w) = (dim(&size.get_item(0)?)?, dim(&size.get_item(1)?)?);
        let counts = d
            .get_item("counts")?
            .ok_or_else(|| PyValueError::new_err("RLE segmentation has no counts"))?;
        if let Ok(s) = counts.cast::<PyString>() {
            let counts = s.to_cow()?.as_bytes().to_vec();
            return Ok(Segmentation::CompressedRle { h, w, counts });
        }
        if let Ok(b) = counts.cast::<PyBytes>() {
            let counts = b.as_bytes().to_vec();
            return Ok(Segmentation::CompressedRle { h, w, counts });
        }
        let counts: Vec<u32> = counts.extract()?;
        return Ok(Segmentation::Rle { h, w, counts });
    }
    if let Ok(l) = v.cast::<PyList>() {
        if l.is_empty() {
            return Ok(Segmentation::Empty);
        }
        let mut parts = Vec::with_capacity(l.len());
        for p in l.iter() {
            parts.push(p.extract::<Vec<f64>>()?);
        }
        return Ok(Segmentation::Polygons(parts));
    }
    Err(PyTypeError::new_err(format!(
        "segmentation must be a list of polygons or an RLE dict, not {}",
        v.get_type().name()?
    )))
}

/// Keys `COCOeval` reads from every ground truth (`_prepare`, `computeIoU`, `evaluateImg`): pycocotools
/// raises `KeyError` without them, and so does this.
const GT_KEYS: &[&str] = &["id", "image_id", "category_id", "area", "iscrowd"];
/// Keys `COCOeval` reads from every detection.
const DT_KEYS: &[&str] = &["id", "image_id", "category_id", "area", "score"];

/// A list of numbers as the JSON text the engine reads from an annotation's unknown keys (Rust's `f64`
/// formatting is the shortest text that reads back as the same number).
fn json_numbers(v: &Bound<'_, PyAny>, key: &str) -> PyResult<String> {
    let nums: Vec<f64> = v.extract()?;
    let mut out = String::with_capacity(nums.len() * 6 + 2);
    out.push('[');
    for (i, n) in nums.iter().enumerate() {
        if !n.is_finite() {
            return Err(PyValueError::new_err(format!(
                "{key} must hold finite numbers, has {n}"
            )));
        }
        if i > 0 {
            out.push(',');
        }
        out.push_str(&n.to_string());
    }
    out.push(']');
    Ok(out)
}

/// `keypoints` and `num_keypoints`, as the engine's model keeps keys it does not know: raw JSON text.
fn keypoint_extra(d: &Bound<'_, PyDict>) -> PyResult<Vec<(String, String)>> {
    let mut extra = Vec::new();
    if let Some(kp) = get(d, "keypoints")? {
        extra.push(("keypoints".to_string(), json_numbers(&kp, "keypoints")?));
    }
    if let Some(n) = get(d, "num_keypoints")? {
        let n: f64 = n.extract()?;
        if !n.is_finite() {
            return Err(PyValueError::new_err(format!(
                "num_keypoints must be a finite number, is {n}"
            )));
        }
        extra.push(("num_keypoints".to_string(), n.to_string()));
    }
    Ok(extra)
}

/// The fields `COCOeval` reads from one annotation dict; `required` keys (and the geometry of the iou
/// type) missing raise `KeyError`.
fn annotation(
    obj: &Bound<'_, PyAny>,
    iou_type: IouType,
    required: &[&str],
) -> PyResult<Annotation> {
    let d = obj.cast::<PyDict>()?;
    let with_seg = iou_type == IouType::Segm;
    let geometry = match iou_type {
        IouType::Segm => "segmentation",
        IouType::Keypoints => "keypoints",
        _ => "bbox",
    };
    for key in required.iter().chain([&geometry]) {
        if !d.contains(*key)? {
            return Err(pyo3::exceptions::PyKeyError::new_err(key.to_string()));
        }
    }
    let image_id = int_of(
        &d.get_item("image_id")?
            .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err("image_id"))?,
    )?;
    let bbox = match get(d, "bbox")? {
        Some(b) => {
            let v: Vec<f64> = b.extract()?;
            match v[..] {
                [x, y, w, h] => Some([x, y, w, h]),
                [] => None,
                _ => {
                    return Err(PyValueError::new_err(format!(
                        "bbox must have 4 numbers, has {}",
                        v.len()
                    )))
                }
            }
        }
        None => None,
    };
    Ok(Annotation {
        id: get(d, "id")?.map(|v| int_of(&v)).transpose()?,
        image_id,
        category_id: get(d, "category_id")?.map(|v| int_of(&v)).transpose()?,
        segmentation: match (with_seg, get(d, "segmentation")?) {
            (true, Some(s)) => Some(segmentation(&s)?),
            _ => None,
        },
        area: get(d, "area")?.map(|v| v.extract::<f64>()).transpose()?,
        bbox,
        iscrowd: get(d, "iscrowd")?.map(|v| int_of(&v)).transpose()?,
        score: get(d, "score")?.map(|v| v.extract::<f64>()).transpose()?,
        extra: if iou_type == IouType::Keypoints {
            keypoint_extra(d)?
        } else {
            Vec::new()
        },
        offset: 0,
    })
}

fn annotations(
    list: &Bound<'_, PyAny>,
    iou_type: IouType,
    required: &[&str],
) -> PyResult<Vec<Annotation>> {
    let mut out = Vec::with_capacity(list.len().unwrap_or(0));
    for a in list.try_iter()? {
        out.push(annotation(&a?, iou_type, required)?);
    }
    Ok(out)
}

/// `COCOeval.evaluate()` on what `_prepare` selected: `gts` and `dts` (lists of annotation dicts),
/// `images` (`(id, height, width)` of the evaluated images, for rasterizing polygons) and the parameters.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (gts, dts, images, iou_type, img_ids, cat_ids, iou_thrs, rec_thrs, max_dets, area_rng, area_rng_lbl, use_cats, kpt_oks_sigmas=None))]
fn evaluate(
    py: Python<'_>,
    gts: &Bound<'_, PyAny>,
    dts: &Bound<'_, PyAny>,
    images: Vec<(i64, u32, u32)>,
    iou_type: &str,
    img_ids: Vec<i64>,
    cat_ids: Vec<i64>,
    iou_thrs: Vec<f64>,
    rec_thrs: Vec<f64>,
    max_dets: Vec<usize>,
    area_rng: Vec<[f64; 2]>,
    area_rng_lbl: Vec<String>,
    use_cats: bool,
    kpt_oks_sigmas: Option<Vec<f64>>,
) -> PyResult<NativeEvaluation> {
    let iou_type = IouType::parse(iou_type).map_err(err)?;
    let gts = annotations(gts, iou_type, GT_KEYS)?;
    let dts = annotations(dts, iou_type, DT_KEYS)?;
    let images: Vec<Image> = images
        .into_iter()
        .map(|(id, height, width)| Image {
            id,
            width,
            height,
            ..Image::default()
        })
        .collect();
    // Params::new first, so that fields added to Params later (keypoints' sigmas) keep their defaults here.
    let mut params = Params::new(iou_type);
    params.img_ids = Some(img_ids);
    params.cat_ids = Some(cat_ids);
    params.iou_thrs = iou_thrs;
    params.rec_thrs = rec_thrs;
    params.max_dets = max_dets;
    params.area_rng = area_rng;
    params.area_rng_lbl = area_rng_lbl;
    params.use_cats = use_cats;
    if let Some(sigmas) = kpt_oks_sigmas {
        params.kpt_oks_sigmas = sigmas;
    }
    let inputs = Arc::new(Inputs {
        images,
        gts,
        dts,
        params,
    });
    let inp = Arc::clone(&inputs);
    let ev = interruptible(py, move || {
        let gt = GroundTruth {
            images: &inp.images,
            annotations: &inp.gts,
            categories: &[],
        };
        cocoeval::evaluate_loaded_dets(gt, &inp.dts, &inp.params)
    })?
    .map_err(err)?;
    Ok(NativeEvaluation {
        ev,
        inputs: Some(inputs),
        details: std::sync::OnceLock::new(),
    })
}

/// Runs `work` on its own thread with the GIL released, checking for signals every 50 ms meanwhile, so
/// that Ctrl-C interrupts a long evaluation (`KeyboardInterrupt`). An interrupted `work` still runs to
/// its end in the background (the engine has no cancellation) and its result is dropped.
pub(crate) fn interruptible<T: Send + 'static>(
    py: Python<'_>,
    work: impl FnOnce() -> T + Send + 'static,
) -> PyResult<T> {
    interruptible_on(py, false, work)
}

/// [`interruptible`], `work` run on a thread of the engine's pool when `pool` (for work whose waits are
/// all rayon joins, so that it cannot wait for a pool it occupies): its serial parts then allocate where
/// the pool's earlier work freed memory (fewer fresh pages) and its parallel parts run beside it on the
/// same threads.
pub(crate) fn interruptible_on<T: Send + 'static>(
    py: Python<'_>,
    pool: bool,
    work: impl FnOnce() -> T + Send + 'static,
) -> PyResult<T> {
    let (tx, rx) = mpsc::channel();
    if pool {
        // A panic drops `tx` unsent, as a thread's would (rayon would abort the process on it).
        rayon::spawn(move || {
            if let Ok(v) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
                let _ = tx.send(v);
            }
        });
    } else {
        std::thread::Builder::new()
            .name("cocokit-eval".into())
            .spawn(move || {
                let _ = tx.send(work());
            })
            .map_err(|e| msg(format!("cannot start the evaluation thread: {e}")))?;
    }
    let mut rx = rx;
    loop {
        // The receiver goes into the GIL-free closure and back (it is Send, not Sync).
        let (got, back) = py.detach(move || (rx.recv_timeout(Duration::from_millis(50)), rx));
        rx = back;
        match got {
            Ok(v) => return Ok(v),
            Err(mpsc::RecvTimeoutError::Timeout) => py.check_signals()?,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(msg("the evaluation thread stopped without a result"))
            }
        }
    }
}

/// What an evaluation ran on, kept to make its details on request.
struct Inputs {
    images: Vec<Image>,
    gts: Vec<Annotation>,
    dts: Vec<Annotation>,
    params: Params,
}

/// The engine's per image × category outcomes (what `evaluate()` leaves for `accumulate()`).
#[pyclass(module = "cocokit._native", name = "Evaluation", frozen)]
pub(crate) struct NativeEvaluation {
    ev: Evaluation,
    /// `None` when the evaluation ran on native datasets (`COCOeval` then makes its details from a
    /// Python-side evaluation).
    inputs: Option<Arc<Inputs>>,
    details: std::sync::OnceLock<Vec<CellDetails>>,
}

/// A float64 array of `shape` (C order) from `v`.
fn array<'py>(py: Python<'py>, v: Vec<f64>, shape: [usize; 2]) -> PyResult<Bound<'py, PyAny>> {
    Ok(PyArray1::from_vec(py, v).reshape(shape)?.into_any())
}

impl NativeEvaluation {
    /// An evaluation whose details are not available here.
    pub(crate) fn without_details(ev: Evaluation) -> NativeEvaluation {
        NativeEvaluation {
            ev,
            inputs: None,
            details: std::sync::OnceLock::new(),
        }
    }
}

#[pymethods]
impl NativeEvaluation {
    /// Per evaluated cell (by category, then image): `(k, i, gts, dts, ious, [per area range: (order,
    /// gtIgnore, dtMatches, gtMatches, dtIgnore)])` — what pycocotools' `evalImgs` entries and `ious` hold,
    /// made by running the matching again with details kept. `gts` / `dts` are indices into the lists
    /// given to `evaluate` (ground truths in file order, detections by score), `order` the ground truths'
    /// evaluation order as positions in `gts`.
    fn details<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let inputs = self
            .inputs
            .as_ref()
            .ok_or_else(|| msg("this evaluation keeps no details"))?;
        let details = match self.details.get() {
            Some(d) => d,
            None => {
                let inp = Arc::clone(inputs);
                let (_, d) = interruptible(py, move || {
                    let gt = GroundTruth {
                        images: &inp.images,
                        annotations: &inp.gts,
                        categories: &[],
                    };
                    cocoeval::evaluate_loaded_dets_detailed(gt, &inp.dts, &inp.params)
                })?
                .map_err(err)?;
                let _ = self.details.set(d);
                self.details
                    .get()
                    .ok_or_else(|| msg("evaluation details unavailable"))?
            }
        };
        let p = &inputs.params;
        let (a_n, t_n) = (p.area_rng.len(), p.iou_thrs.len());
        let id = |a: &Annotation| a.id.unwrap_or(0);
        let out = PyList::empty(py);
        for c in details {
            let gts: Vec<&Annotation> = c.gt.iter().map(|&i| &inputs.gts[i as usize]).collect();
            let dts: Vec<&Annotation> = c.dt.iter().map(|&i| &inputs.dts[i as usize]).collect();
            let (g_n, d_n) = (gts.len(), dts.len());
            let gt_ids: Vec<i64> = gts.iter().map(|a| id(a)).collect();
            let dt_ids: Vec<i64> = dts.iter().map(|a| id(a)).collect();
            let ious = if c.iou.is_empty() {
                py.None().into_bound(py)
            } else {
                // maskUtils.iou's layout: Fortran order.
                PyArray1::from_slice(py, &c.iou)
                    .reshape([d_n, g_n])?
                    .call_method1("copy", ("F",))?
            };
            let per_area = PyList::empty(py);
            for a in 0..a_n {
                let order = &c.gt_order[a * g_n..(a + 1) * g_n];
                let gt_ignore: Vec<i64> = c.gt_ignore[a * g_n..(a + 1) * g_n]
                    .iter()
                    .map(|&b| b as i64)
                    .collect();
                let dtm: Vec<f64> = c.dt_match[a * t_n * d_n..(a + 1) * t_n * d_n]
                    .iter()
                    .map(|&m| {
                        if m == u32::MAX {
                            0.0
                        } else {
                            gt_ids[m as usize] as f64
                        }
                    })
                    .collect();
                let gtm: Vec<f64> = c.gt_match[a * t_n * g_n..(a + 1) * t_n * g_n]
                    .iter()
                    .map(|&d| {
                        if d == u32::MAX {
                            0.0
                        } else {
                            dt_ids[d as usize] as f64
                        }
                    })
                    .collect();
                let dt_ig: Vec<bool> = c.dt_ignore[a * t_n * d_n..(a + 1) * t_n * d_n].to_vec();
                per_area.append((
                    order.to_vec(),
                    PyArray1::from_vec(py, gt_ignore),
                    array(py, dtm, [t_n, d_n])?,
                    array(py, gtm, [t_n, g_n])?,
                    PyArray1::from_vec(py, dt_ig).reshape([t_n, d_n])?,
                ))?;
            }
            out.append((c.k, c.img, &c.gt, &c.dt, ious, per_area))?;
        }
        Ok(out)
    }

    /// `accumulate()`: precision, recall and scores, and the summary made from them.
    fn accumulate(&self, py: Python<'_>) -> PyResult<NativeAccumulation> {
        // The summary first, so that the arrays can then move into numpy without a copy (they are the
        // largest allocation of an evaluation); both without the GIL.
        let (acc, summary) = py.detach(|| {
            let acc = self.ev.accumulate();
            let summary = acc
                .summarize()
                .map(|s| (s.stats.to_vec(), s.lines))
                .map_err(|e| e.to_string());
            (acc, summary)
        });
        let [t, r, k, a, m] = acc.counts;
        let array = |v: Vec<f64>, shape: &[usize]| -> PyResult<Py<PyAny>> {
            Ok(PyArray1::from_vec(py, v)
                .reshape(shape)?
                .into_any()
                .unbind())
        };
        Ok(NativeAccumulation {
            counts: acc.counts,
            precision: array(acc.precision, &[t, r, k, a, m])?,
            recall: array(acc.recall, &[t, k, a, m])?,
            scores: array(acc.scores, &[t, r, k, a, m])?,
            summary,
        })
    }
}

/// The accumulated arrays (numpy, float64) and the summary computed from them.
#[pyclass(module = "cocokit._native", name = "Accumulation", frozen)]
struct NativeAccumulation {
    counts: [usize; 5],
    precision: Py<PyAny>,
    recall: Py<PyAny>,
    scores: Py<PyAny>,
    summary: Result<(Vec<f64>, Vec<String>), String>,
}

#[pymethods]
impl NativeAccumulation {
    /// `[T, R, K, A, M]`.
    #[getter]
    fn counts(&self) -> Vec<usize> {
        self.counts.to_vec()
    }
    /// `precision` `[T, R, K, A, M]`.
    fn precision(&self, py: Python<'_>) -> Py<PyAny> {
        self.precision.clone_ref(py)
    }
    /// `recall` `[T, K, A, M]`.
    fn recall(&self, py: Python<'_>) -> Py<PyAny> {
        self.recall.clone_ref(py)
    }
    /// `scores` `[T, R, K, A, M]`.
    fn scores(&self, py: Python<'_>) -> Py<PyAny> {
        self.scores.clone_ref(py)
    }
    /// `summarize()`: the 12 stats and printed lines for bbox/segm, the 10 for keypoints.
    fn summarize(&self) -> PyResult<(Vec<f64>, Vec<String>)> {
        self.summary.clone().map_err(msg)
    }
}

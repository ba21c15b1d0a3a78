//! A COCO dataset (or a `loadRes` results set) kept on the Rust side, for the Python `COCO` class: the
//! file's bytes and the evaluation reader's records of them (`cocokit::eval::cocoeval::load`, with
//! segmentations checked but not read until a mask evaluation reads them again), plus the ids
//! that pycocotools' `getImgIds` / `getCatIds` / `getAnnIds` return. No Python dict is built until the
//! Python side asks for the whole value (`to_python`, what `json.load` returns), and `COCOeval` on two such
//! objects runs wholly in the engine (`evaluate_loaded`, the path of `cocokit eval coco`).
//!
//! What it is not: a second reader or a second `loadRes` (the engine's `prepare` applies `loadRes`' rules),
//! nor an answer to every query. `load` and `load_results` return `None` whenever the file is one whose
//! Python objects would behave differently from these indexes (a record the reader refuses, an annotation
//! without `id`, duplicate ids, no images, annotations or categories, a caption or empty results list, a
//! result on an unknown image): the Python side then takes pycocotools' own path, errors included.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use cocokit::coco::reader::{parse_annotation, SegMode};
use cocokit::eval::cocoeval::load::{EvalGt, EvalResults, RecordKeys};
use cocokit::eval::cocoeval::{self, IouType, Params};
use pyo3::prelude::*;
use pyo3::types::PyList;
use self_cell::self_cell;

use crate::eval::{interruptible, NativeEvaluation};
use crate::{err, json};

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(load_dataset, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_datasets, m)?)?;
    m.add_class::<NativeDataset>()?;
    Ok(())
}

self_cell!(
    /// A ground-truth file's bytes and the records read from them (borrowing segmentations' bytes).
    struct GtCell {
        owner: Vec<u8>,
        #[covariant]
        dependent: EvalGt,
    }
);

self_cell!(
    /// A results file's bytes and the records read from them.
    struct ResCell {
        owner: Vec<u8>,
        #[covariant]
        dependent: EvalResults,
    }
);

/// A dataset loaded by `COCO(path)`, or the results of `loadRes(path)` on one.
#[pyclass(module = "cocokit._native", name = "Dataset", frozen)]
pub(crate) struct NativeDataset {
    gt: Arc<GtCell>,
    /// `Some` for a `loadRes` results set (its images and categories are `gt`'s).
    res: Option<Arc<ResCell>>,
    img_ids: Vec<i64>,
    cat_ids: Vec<i64>,
    /// Annotation (or result) ids, image ids and category ids, in file order; results are numbered from 1
    /// as `loadRes` numbers them.
    ann_ids: Vec<i64>,
    ann_imgs: Vec<i64>,
    ann_cats: Vec<Option<i64>>,
    /// `imgToAnns` as positions, made on first use.
    by_img: OnceLock<HashMap<i64, Vec<u32>>>,
}

/// Whether `ids` holds no id twice.
fn distinct(ids: &[i64]) -> bool {
    let mut seen = HashSet::with_capacity(ids.len());
    ids.iter().all(|&i| seen.insert(i))
}

impl NativeDataset {
    fn new(gt: Arc<GtCell>, res: Option<Arc<ResCell>>, keys: Vec<RecordKeys>) -> NativeDataset {
        let g = gt.borrow_dependent();
        let img_ids = g.images.iter().map(|i| i.id).collect();
        let cat_ids = g.categories.iter().map(|c| c.id).collect();
        let ann_ids = keys
            .iter()
            .enumerate()
            .map(|(i, k)| match res {
                Some(_) => i as i64 + 1,
                None => k.id.unwrap_or_default(),
            })
            .collect();
        NativeDataset {
            img_ids,
            cat_ids,
            ann_ids,
            ann_imgs: keys.iter().map(|k| k.image_id).collect(),
            ann_cats: keys.iter().map(|k| k.category_id).collect(),
            by_img: OnceLock::new(),
            gt,
            res,
        }
    }

    fn by_img(&self) -> &HashMap<i64, Vec<u32>> {
        self.by_img.get_or_init(|| {
            let mut m: HashMap<i64, Vec<u32>> = HashMap::new();
            for (i, &img) in self.ann_imgs.iter().enumerate() {
                m.entry(img).or_default().push(i as u32);
            }
            m
        })
    }
}

/// `COCO(path)`'s dataset kept native, or `None` when the Python objects are needed from the start (see
/// the module header). A file that cannot be read raises the matching `OSError`.
#[pyfunction]
fn load_dataset(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Option<NativeDataset>> {
    let bytes = py.detach(|| std::fs::read(&path))?;
    let cell = py.detach(|| GtCell::try_new(bytes, |b| EvalGt::parse(b, SegMode::Kind)));
    let Ok(cell) = cell else { return Ok(None) };
    let g = cell.borrow_dependent();
    let keys: Vec<RecordKeys> = g.annotation_keys().collect();
    if g.images.is_empty() || g.categories.is_empty() || keys.is_empty() {
        return Ok(None);
    }
    if keys.iter().any(|k| k.id.is_none()) {
        return Ok(None); // createIndex raises KeyError('id')
    }
    let ds = NativeDataset::new(Arc::new(cell), None, keys);
    if !distinct(&ds.img_ids) || !distinct(&ds.cat_ids) || !distinct(&ds.ann_ids) {
        return Ok(None); // pycocotools' dicts keep the last of equal ids
    }
    Ok(Some(ds))
}

#[pymethods]
impl NativeDataset {
    /// `loadRes(path)` on this dataset, kept native, or `None` (see the module header).
    fn load_results(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<Option<Self>> {
        if self.res.is_some() {
            return Ok(None);
        }
        let bytes = py.detach(|| std::fs::read(&path))?;
        let cell = py.detach(|| ResCell::try_new(bytes, |b| EvalResults::parse(b, SegMode::Kind)));
        let Ok(cell) = cell else { return Ok(None) };
        let keys: Vec<RecordKeys> = cell.borrow_dependent().keys().collect();
        let Some(first) = keys.first() else {
            return Ok(None); // loadRes reads anns[0]: IndexError
        };
        // loadRes takes the caption branch when the first result has a caption.
        let buf = cell.borrow_owner();
        match parse_annotation(buf, first.offset as usize) {
            Ok(a) if !a.extra.iter().any(|(k, _)| k == "caption") => {}
            _ => return Ok(None),
        }
        let imgs: HashSet<i64> = self.img_ids.iter().copied().collect();
        if !keys.iter().all(|k| imgs.contains(&k.image_id)) {
            return Ok(None); // "Results do not correspond to current coco set"
        }
        Ok(Some(NativeDataset::new(
            Arc::clone(&self.gt),
            Some(Arc::new(cell)),
            keys,
        )))
    }

    /// Whether this is a results set made by `load_results` on `gt`.
    fn is_results_of(&self, gt: &NativeDataset) -> bool {
        self.res.is_some() && gt.res.is_none() && Arc::ptr_eq(&self.gt, &gt.gt)
    }

    /// The whole file as `json.load` returns it (a results set: its list of results, before `loadRes`
    /// adds anything).
    fn to_python<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let bytes = match &self.res {
            Some(r) => r.borrow_owner(),
            None => self.gt.borrow_owner(),
        };
        json::parse(py, bytes).map_err(|e| crate::msg(e.to_string()))
    }

    /// Image ids in file order (`list(imgs.keys())`).
    fn img_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, &self.img_ids)
    }

    /// Category ids in file order.
    fn cat_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, &self.cat_ids)
    }

    /// `getAnnIds(imgIds, catIds)` without area or crowd filters: the annotations of `img_ids` (each in
    /// the order given, repeats repeated; all when empty) whose category is in `cat_ids` (all when empty).
    fn ann_ids<'py>(
        &self,
        py: Python<'py>,
        img_ids: Vec<i64>,
        cat_ids: Vec<i64>,
    ) -> PyResult<Bound<'py, PyList>> {
        let cats: HashSet<i64> = cat_ids.iter().copied().collect();
        let keep = |i: u32| {
            cats.is_empty() || self.ann_cats[i as usize].is_some_and(|c| cats.contains(&c))
        };
        let ids: Vec<i64> = if img_ids.is_empty() {
            (0..self.ann_ids.len() as u32)
                .filter(|&i| keep(i))
                .map(|i| self.ann_ids[i as usize])
                .collect()
        } else {
            let by_img = self.by_img();
            img_ids
                .iter()
                .filter_map(|img| by_img.get(img))
                .flatten()
                .filter(|&&i| keep(i))
                .map(|&i| self.ann_ids[i as usize])
                .collect()
        };
        PyList::new(py, ids)
    }

    /// `catToImgs[cat_id]`: the image id of every annotation of the category, in file order.
    fn cat_to_imgs<'py>(&self, py: Python<'py>, cat_id: i64) -> PyResult<Bound<'py, PyList>> {
        let imgs: Vec<i64> = self
            .ann_cats
            .iter()
            .zip(&self.ann_imgs)
            .filter(|(c, _)| **c == Some(cat_id))
            .map(|(_, &i)| i)
            .collect();
        PyList::new(py, imgs)
    }

    fn __len__(&self) -> usize {
        self.ann_ids.len()
    }
}

/// `COCOeval(gt, gt.loadRes(path), iou_type).evaluate()` with the given parameters, wholly in the engine
/// (`cocoeval::evaluate_loaded`, with the GIL released): `dt` must be a results set of `gt`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (gt, dt, iou_type, img_ids, cat_ids, iou_thrs, rec_thrs, max_dets, area_rng, area_rng_lbl, use_cats))]
fn evaluate_datasets(
    py: Python<'_>,
    gt: &NativeDataset,
    dt: &NativeDataset,
    iou_type: &str,
    img_ids: Vec<i64>,
    cat_ids: Vec<i64>,
    iou_thrs: Vec<f64>,
    rec_thrs: Vec<f64>,
    max_dets: Vec<usize>,
    area_rng: Vec<[f64; 2]>,
    area_rng_lbl: Vec<String>,
    use_cats: bool,
) -> PyResult<NativeEvaluation> {
    let res = match &dt.res {
        Some(r) if dt.is_results_of(gt) => Arc::clone(r),
        _ => {
            return Err(crate::msg(
                "the results are not a loadRes of this ground truth",
            ))
        }
    };
    let mut params = Params::new(IouType::parse(iou_type).map_err(err)?);
    params.img_ids = Some(img_ids);
    params.cat_ids = Some(cat_ids);
    params.iou_thrs = iou_thrs;
    params.rec_thrs = rec_thrs;
    params.max_dets = max_dets;
    params.area_rng = area_rng;
    params.area_rng_lbl = area_rng_lbl;
    params.use_cats = use_cats;
    let g = Arc::clone(&gt.gt);
    let ev = interruptible(py, move || {
        let (gt, dt) = (g.borrow_dependent(), res.borrow_dependent());
        // Records are kept with segmentations unread (box evaluation and the id queries need none); mask
        // evaluation, and loadRes' boxes from masks, read them again, as `cocokit eval coco` does.
        if params.iou_type.uses_masks() {
            let gt = EvalGt::parse(g.borrow_owner(), SegMode::Full)?;
            let dt = EvalResults::parse(res.borrow_owner(), SegMode::Full)?;
            cocoeval::evaluate_loaded(&gt, &dt, &params)
        } else if dt.first_has_no_bbox() && dt.first_has_segmentation() {
            let dt = EvalResults::parse(res.borrow_owner(), SegMode::Full)?;
            cocoeval::evaluate_loaded(gt, &dt, &params)
        } else {
            cocoeval::evaluate_loaded(gt, dt, &params)
        }
    })?
    .map_err(err)?;
    Ok(NativeEvaluation::without_details(ev))
}

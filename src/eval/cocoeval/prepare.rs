//! From typed records to the per image × category cells `evaluate` works on: pycocotools' `COCO.loadRes`
//! (result validation, id/area/bbox rules) and `COCOeval._prepare` (filtering by image and category ids,
//! grouping ground truth and detections per image × category, sorting and cutting detections).
//!
//! Not here: IoU or matching (see `evaluate`), making masks (see `geom`: done per cell during evaluation).
//! Everything lives in column vectors laid out cell by cell, so that each cell's ground truths and
//! detections are contiguous slices (no per-pair allocation later).

use std::borrow::Cow;
use std::collections::{HashMap as StdHashMap, HashSet as StdHashSet};
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;

use super::accumulate::desc_score_key;
use super::cell::Cell;
use super::geom::{self, Geometry, KeypointSources, MaskSources};
use super::load::{Keypoints, Record};
use super::masks::MaskSet;
use super::oks;
use super::params::{EvalParams, IouType, Params};
use crate::coco::{Annotation, Category, Image};
use crate::error::FirstFailure;
use crate::{Error, Result};

/// Hasher for integer ids: one multiply and a fold (ids are not attacker-chosen keys here, and SipHash showed up
/// in profiles of 65k-detection runs).
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_i64(&mut self, v: i64) {
        // Multiply, then fold the well-mixed high half into the low bits (hashbrown indexes buckets with
        // the low bits: ids that are all multiples of 1024 must still spread).
        let x = (v as u64 ^ self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = x ^ (x >> 32);
    }
}

type HashMap<K, V> = StdHashMap<K, V, BuildHasherDefault<IdHasher>>;
type HashSet<K> = StdHashSet<K, BuildHasherDefault<IdHasher>>;

/// The ground truth, borrowed: what `COCO(annotation_file)` holds for evaluation.
#[derive(Debug, Clone, Copy)]
pub struct GroundTruth<'a> {
    pub images: &'a [Image],
    pub annotations: &'a [Annotation],
    pub categories: &'a [Category],
}

impl<'a> From<&'a crate::coco::reader::Dataset> for GroundTruth<'a> {
    fn from(ds: &'a crate::coco::reader::Dataset) -> Self {
        GroundTruth {
            images: &ds.images,
            annotations: &ds.annotations,
            categories: &ds.categories,
        }
    }
}

/// The ground truth as evaluation reads it: annotations as records (borrowed from the model or read by
/// `load`).
#[derive(Clone, Copy)]
pub(crate) struct Gt<'a> {
    pub images: &'a [Image],
    pub annotations: &'a [Record<'a>],
    pub categories: &'a [Category],
}

/// One detection after `loadRes`: its geometry stays in the results' `Annotation` (or is derived from it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Detection {
    /// Index of the result in the results list (its `loadRes` id is `index + 1`).
    pub index: u32,
    pub image_id: i64,
    pub category_id: i64,
    pub score: f64,
    /// `area` as `loadRes` sets it: `w * h` of the box in the box branch, the mask area otherwise.
    pub area: f64,
    /// `bbox`: given, or the mask's box in the segmentation branch.
    pub bbox: [f64; 4],
    /// `id > 0` (see [`Prepared::dt_id_positive`]).
    pub id_positive: bool,
}

/// What stands in for a detection that failed its checks (never evaluated: the error is returned).
const PLACEHOLDER: Detection = Detection {
    index: 0,
    image_id: 0,
    category_id: 0,
    score: 0.0,
    area: 0.0,
    bbox: [0.0; 4],
    id_positive: false,
};

/// How the results reach `prepare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Results {
    /// A results file or list: `COCO.loadRes` runs on it (ids, areas and boxes assigned by its rules).
    LoadRes,
    /// The annotations of a results `COCO` object that has already been through `loadRes` (or was built by
    /// hand, as torchmetrics does): `COCOeval` reads each one's `id`, `area`, `score`, `bbox` (bbox) or
    /// `segmentation` (segm) as they are; results of images or categories outside the parameters are left
    /// out, as `_prepare` selects them.
    Loaded,
}

/// Which `loadRes` branch the results take: pycocotools decides on the *first* result only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResultsKind {
    /// The first result has a non-empty `bbox`: every area is `w * h`, box-only results get the box as polygon.
    Boxes,
    /// Otherwise, if the first result has a `segmentation`: every result needs one; area = mask area,
    /// bbox = given or the mask's box.
    Masks,
    /// Otherwise, if the first result has `keypoints`: area and bbox from the keypoints' extent
    /// (`oks::keypoints_area_bbox`).
    Keypoints,
}

/// `COCO.loadRes` semantics, as errors rather than assertions, plus the checks pycocotools does not make
/// but the CLI promises (unknown categories, missing or NaN scores, mixed box-only and mask results for segm).
///
/// Masks for segm evaluation are not kept here: they are made when their cell is evaluated.
pub(crate) fn load_results(
    gt: &Gt<'_>,
    results: &[Record<'_>],
    iou_type: IouType,
) -> Result<Vec<Detection>> {
    let img_dims: HashMap<i64, (u32, u32)> = gt
        .images
        .iter()
        .map(|im| (im.id, (im.height, im.width)))
        .collect();
    let cat_ids: HashSet<i64> = gt.categories.iter().map(|c| c.id).collect();
    let Some(first) = results.first() else {
        // pycocotools' loadRes fails on an empty list (it reads anns[0]); an empty result set evaluates as
        // "no detections", which is what COCOeval gives for a results COCO object with no annotations.
        return Ok(Vec::new());
    };
    let kind = if first.bbox.is_some() {
        ResultsKind::Boxes
    } else if first.seg.is_some() {
        ResultsKind::Masks
    } else if first.keypoints.is_some() {
        ResultsKind::Keypoints
    } else {
        return Err(
            Error::msg("result has neither bbox nor segmentation nor keypoints")
                .for_record(first.describe()),
        );
    };
    if kind == ResultsKind::Boxes && iou_type.uses_masks() {
        // pycocotools silently evaluates box-only results as box-shaped masks next to real masks; a mix is
        // almost always a mistake, so it is refused.
        let with = results.iter().filter(|r| r.seg.is_some()).count();
        if with != 0 && with != results.len() {
            let bad = results
                .iter()
                .find(|r| r.seg.is_some() != first.seg.is_some());
            let rec = bad.map(|r| r.describe()).unwrap_or_default();
            return Err(Error::msg(
                "results mix box-only detections and detections with a segmentation; segm evaluation needs one kind",
            )
            .for_record(rec));
        }
    }

    // Field checks, in parallel; the first bad record in file order is the one reported.
    let check = |kp: &mut Vec<f64>, i: usize, r: &Record<'_>| -> Result<Detection> {
        // At the record's byte, so that a many-file input's error names the file it came from.
        let fail = |msg: String| {
            Error::msg(msg)
                .for_record(r.describe())
                .at_offset(r.offset as usize)
        };
        if !img_dims.contains_key(&r.image_id) {
            return Err(fail(format!(
                "result image_id {} is not an image of the ground truth",
                r.image_id
            )));
        }
        let Some(category_id) = r.category_id else {
            return Err(fail("result has no category_id".into()));
        };
        if !cat_ids.contains(&category_id) {
            return Err(fail(format!(
                "result category_id {category_id} is not a category of the ground truth"
            )));
        }
        let Some(score) = r.score else {
            return Err(fail("result has no score".into()));
        };
        if score.is_nan() {
            return Err(fail("result score is NaN".into()));
        }
        let (area, bbox) = match kind {
            ResultsKind::Boxes => {
                let Some(bb) = r.bbox else {
                    return Err(fail(
                        "result has no bbox (the first result has one, so all must)".into(),
                    ));
                };
                (bb[2] * bb[3], bb)
            }
            ResultsKind::Masks => {
                if !r.seg.is_some() {
                    return Err(fail("result has no segmentation (the first result has no bbox, so all need one)".into()));
                }
                (0.0, r.bbox.unwrap_or([0.0; 4])) // filled from the mask below
            }
            ResultsKind::Keypoints => {
                let Some(raw) = &r.keypoints else {
                    return Err(fail("result has no keypoints (the first result has keypoints and no bbox or segmentation, so all need them)".into()));
                };
                let kp = keypoint_values(raw, None, kp).map_err(|e| e.for_record(r.describe()))?;
                oks::keypoints_area_bbox(kp)
                    .ok_or_else(|| fail("result has an empty keypoints list".into()))?
            }
        };
        Ok(Detection {
            index: i as u32,
            image_id: r.image_id,
            category_id,
            score,
            area,
            bbox,
            id_positive: true,
        })
    };
    let failed = FirstFailure::default();
    let mut dets = Vec::with_capacity(results.len());
    results
        .par_iter()
        .enumerate()
        .map_init(Vec::new, |kp, (i, r)| {
            if failed.skip(i) {
                return PLACEHOLDER;
            }
            check(kp, i, r).unwrap_or_else(|e| {
                failed.record(i, e);
                PLACEHOLDER
            })
        })
        .collect_into_vec(&mut dets);
    failed.into_result()?;

    if kind == ResultsKind::Masks {
        // Mask branch: every result's area and (missing) box come from its mask (decoded here, in parallel,
        // and dropped: evaluation decodes the ones it compares again, cell by cell).
        // Collected as results first: with several bad masks, the first in order is reported.
        let props: Vec<Result<(f64, [f64; 4])>> = results
            .par_iter()
            .zip(dets.par_iter())
            .map_init(
                || (MaskSet::default(), geom::MakeScratch::default()),
                |(set, sc), (r, d)| {
                    let dims = img_dims.get(&d.image_id).copied();
                    set.clear();
                    geom::push_mask(r, dims, false, set, sc)?;
                    Ok((set.area(0) as f64, set.bbox(0)))
                },
            )
            .collect();
        let props: Vec<(f64, [f64; 4])> = props.into_iter().collect::<Result<_>>()?;
        for ((d, r), (area, bbox)) in dets.iter_mut().zip(results).zip(props) {
            d.area = area;
            if r.bbox.is_none() {
                d.bbox = bbox;
            }
        }
    }
    Ok(dets)
}

/// The detections of a results set already loaded ([`Results::Loaded`]): fields as given. Missing fields
/// that `COCOeval` reads are errors (pycocotools raises `KeyError`); images and categories are not checked
/// against the ground truth (`_prepare` only selects the listed ones).
fn load_given(results: &[Record<'_>], iou_type: IouType) -> Result<Vec<Detection>> {
    let mut dets = Vec::with_capacity(results.len());
    for (i, r) in results.iter().enumerate() {
        let fail = |msg: &str| {
            Error::msg(msg.to_string())
                .for_record(r.describe())
                .at_offset(r.offset as usize)
        };
        let category_id = r
            .category_id
            .ok_or_else(|| fail("result has no category_id"))?;
        let score = r.score.ok_or_else(|| fail("result has no score"))?;
        if score.is_nan() {
            return Err(fail("result score is NaN"));
        }
        let area = r.area.ok_or_else(|| fail("result has no area"))?;
        let bbox = match (iou_type, r.bbox) {
            (IouType::Bbox, None) => return Err(fail("result has no bbox")),
            (_, bb) => bb.unwrap_or([0.0; 4]),
        };
        if iou_type == IouType::Segm && !r.seg.is_some() {
            return Err(fail("result has no segmentation"));
        }
        dets.push(Detection {
            index: i as u32,
            image_id: r.image_id,
            category_id,
            score,
            area,
            bbox,
            id_positive: r.id.is_some_and(|id| id > 0),
        });
    }
    Ok(dets)
}

/// What lvis-api's federated evaluation adds to COCOeval's `_prepare`, per image: the categories verified
/// absent (`neg_category_ids`) and those not exhaustively annotated (`not_exhaustive_category_ids`).
pub(crate) struct Federated {
    neg: HashMap<i64, Vec<i64>>,
    not_exhaustive: HashMap<i64, Vec<i64>>,
}

impl Federated {
    pub(crate) fn new(
        neg: impl IntoIterator<Item = (i64, Vec<i64>)>,
        not_exhaustive: impl IntoIterator<Item = (i64, Vec<i64>)>,
    ) -> Federated {
        Federated {
            neg: neg.into_iter().collect(),
            not_exhaustive: not_exhaustive.into_iter().collect(),
        }
    }
}

/// `get_ann_ids(..., cat_ids=...)` of lvis-api keeps only `0 < area < inf` (strictly), for ground truths
/// and results alike.
fn lvis_area_ok(area: f64) -> bool {
    area > 0.0 && area < f64::INFINITY
}

/// Everything `evaluate` needs, laid out cell by cell (cells ordered by category, then image).
pub(crate) struct Prepared<'a> {
    pub params: EvalParams,
    pub cells: Vec<Cell>,
    /// Ground truth columns, in cell order (within a cell: file order, as pycocotools keeps them).
    pub gt_area: Vec<f64>,
    pub gt_crowd: Vec<bool>,
    /// `gt['ignore']` of `_prepare`: crowd, or, for keypoints, also `num_keypoints == 0`.
    pub gt_ignore: Vec<bool>,
    /// `id != 0`: pycocotools stores the matched gt id as the match flag, so a match with id 0 counts as none.
    pub gt_id_nonzero: Vec<bool>,

    /// Detection columns, in cell order (within a cell: score descending, stable; truncated to maxDets[-1]).
    pub dt_score: Vec<f64>,
    pub dt_area: Vec<f64>,
    /// `id > 0`: `evaluateImg` marks a ground truth as taken with the detection's id (`gtm = d['id']`) and
    /// tests `gtm > 0`, so a detection with id 0 or below leaves it free. Always true after `loadRes`
    /// (ids 1..N); results given as already loaded ([`Results::Loaded`]) carry their own ids.
    pub dt_id_positive: Vec<bool>,
    /// Where each ground-truth / detection column comes from: its index in the annotations / results
    /// given (for [`super::evaluate::CellDetails`]).
    pub gt_src: Vec<u32>,
    pub dt_src: Vec<u32>,
    /// Boxes, or where the masks come from.
    pub geometry: Geometry<'a>,
}

/// Resolve the parameters as `COCOeval.__init__` + `evaluate` do.
pub(crate) fn resolve_params(gt: &Gt<'_>, p: &Params) -> Result<EvalParams> {
    p.validate()?;
    let mut img_ids = match &p.img_ids {
        Some(ids) => ids.clone(),
        None => gt.images.iter().map(|im| im.id).collect(),
    };
    img_ids.sort_unstable();
    img_ids.dedup();
    let mut cat_ids = match &p.cat_ids {
        Some(ids) => ids.clone(),
        None => {
            let mut v: Vec<i64> = gt.categories.iter().map(|c| c.id).collect();
            v.sort_unstable(); // sorted(cocoGt.getCatIds())
            v
        }
    };
    if p.use_cats {
        cat_ids.sort_unstable(); // np.unique, only when useCats
        cat_ids.dedup();
    }
    let mut max_dets = p.max_dets.clone();
    max_dets.sort_unstable();
    Ok(EvalParams {
        iou_type: p.iou_type,
        img_ids,
        cat_ids,
        iou_thrs: p.iou_thrs.clone(),
        rec_thrs: p.rec_thrs.clone(),
        max_dets,
        area_rng: p.area_rng.clone(),
        area_rng_lbl: p.area_rng_lbl.clone(),
        use_cats: p.use_cats,
        kpt_oks_sigmas: p.kpt_oks_sigmas.clone(),
        dilation_ratio: p.dilation_ratio,
    })
}

/// Where each record goes: (cell key, order within the cell, source index). Cell key = k * I + image.
/// (cell key, descending-score key (0 for ground truths), position among listed categories, source index).
type Slot = (u64, u64, u32, u32);

/// Assign records to cells the way `_prepare` + `computeIoU` concatenate them.
struct CellKeys {
    img_index: HashMap<i64, u32>,
    /// use_cats: category id → k. Without categories: category id → every position it has in `cat_ids`
    /// (pycocotools concatenates per listed category, so a category listed twice contributes twice).
    cat_pos: HashMap<i64, Vec<u32>>,
    use_cats: bool,
    n_imgs: u64,
}

impl CellKeys {
    fn new(p: &EvalParams) -> CellKeys {
        let img_index = p
            .img_ids
            .iter()
            .enumerate()
            .map(|(i, &id)| (id, i as u32))
            .collect();
        let mut cat_pos: HashMap<i64, Vec<u32>> = HashMap::default();
        for (k, &c) in p.cat_ids.iter().enumerate() {
            cat_pos.entry(c).or_default().push(k as u32);
        }
        CellKeys {
            img_index,
            cat_pos,
            use_cats: p.use_cats,
            n_imgs: p.img_ids.len() as u64,
        }
    }

    fn push(&self, image_id: i64, category_id: i64, score: u64, src: u32, out: &mut Vec<Slot>) {
        let Some(&img) = self.img_index.get(&image_id) else {
            return;
        };
        let Some(pos) = self.cat_pos.get(&category_id) else {
            return;
        };
        for &k in pos {
            if self.use_cats {
                out.push((k as u64 * self.n_imgs + img as u64, score, 0, src));
            } else {
                out.push((img as u64, score, k, src));
            }
        }
    }

    fn cell_of(&self, key: u64) -> (u32, u32) {
        if self.use_cats {
            ((key / self.n_imgs) as u32, (key % self.n_imgs) as u32)
        } else {
            (0, key as u32)
        }
    }
}

/// `_prepare` and the per-cell dt ordering of `computeIoU`/`evaluateImg`.
pub(crate) fn prepare<'a>(
    gt: &Gt<'a>,
    results: &'a [Record<'a>],
    params: &Params,
) -> Result<Prepared<'a>> {
    prepare_with(gt, results, params, Results::LoadRes, None)
}

/// [`prepare`] with results that have been through `loadRes` already or not (`mode`), or with `fed`
/// lvis-api's `LVISEval._prepare`: ground truths and results of area 0 dropped, results dropped for
/// categories an image neither has nor lists as negative, no crowds (lvis-api passes `iscrowd = 0` for all),
/// and unmatched results of not-exhaustive categories ignored.
pub(crate) fn prepare_with<'a>(
    gt: &Gt<'a>,
    results: &'a [Record<'a>],
    params: &Params,
    mode: Results,
    fed: Option<&Federated>,
) -> Result<Prepared<'a>> {
    let p = resolve_params(gt, params)?;
    let dets = match mode {
        Results::LoadRes => load_results(gt, results, p.iou_type)?,
        Results::Loaded => load_given(results, p.iou_type)?,
    };
    let keys = CellKeys::new(&p);

    // Ground truth: file order is kept within a cell (getAnnIds walks imgToAnns, which is file order).
    let gt_slots = || -> Result<Vec<Slot>> {
        let mut slots: Vec<Slot> = Vec::new();
        for (i, a) in gt.annotations.iter().enumerate() {
            if !keys.img_index.contains_key(&a.image_id) {
                continue;
            }
            let Some(c) = a.category_id else {
                return Err(Error::msg("ground-truth annotation has no category_id")
                    .for_record(a.describe()));
            };
            if fed.is_some() {
                let Some(area) = a.area else {
                    return Err(
                        Error::msg("ground-truth annotation has no area").for_record(a.describe())
                    );
                };
                if !lvis_area_ok(area) {
                    continue;
                }
            }
            keys.push(a.image_id, c, 0, i as u32, &mut slots);
        }
        // Sources were pushed in increasing order, so this is the stable sort on (cell, position).
        slots.sort_unstable();
        Ok(slots)
    };
    // Detections: within a cell by descending score, ties in (position, results order) — what
    // np.argsort(-scores, kind='mergesort') gives on the cell's detections concatenated that way — in one sort.
    let dt_slots = |present: Option<&HashSet<(i64, i64)>>| -> Vec<Slot> {
        let mut slots: Vec<Slot> = Vec::new();
        for (i, d) in dets.iter().enumerate() {
            if let (Some(f), Some(present)) = (fed, present) {
                let neg = f
                    .neg
                    .get(&d.image_id)
                    .is_some_and(|v| v.contains(&d.category_id));
                if !lvis_area_ok(d.area) || !(neg || present.contains(&(d.image_id, d.category_id)))
                {
                    continue;
                }
            }
            keys.push(
                d.image_id,
                d.category_id,
                desc_score_key(d.score),
                i as u32,
                &mut slots,
            );
        }
        slots.sort_unstable();
        slots
    };
    let (gt_slots, dt_slots) = match fed {
        // The detections kept depend on the categories present in each image (`img_pl`), from the kept
        // ground truths.
        Some(_) => {
            let gt_slots = gt_slots()?;
            let present: HashSet<(i64, i64)> = gt_slots
                .iter()
                .filter_map(|s| {
                    let a = &gt.annotations[s.3 as usize];
                    Some((a.image_id, a.category_id?))
                })
                .collect();
            let dt_slots = dt_slots(Some(&present));
            (gt_slots, dt_slots)
        }
        None => {
            let (g, d) = rayon::join(gt_slots, || dt_slots(None));
            (g?, d)
        }
    };

    // Walk both sorted lists to form cells.
    let max_det = *p.max_dets.last().unwrap_or(&0);
    let mut cells = Vec::new();
    let mut gt_order: Vec<u32> = Vec::with_capacity(gt_slots.len());
    let mut dt_order: Vec<u32> = Vec::with_capacity(dt_slots.len());
    let (mut gi, mut di) = (0usize, 0usize);
    while gi < gt_slots.len() || di < dt_slots.len() {
        let key = match (gt_slots.get(gi), dt_slots.get(di)) {
            (Some(g), Some(d)) => g.0.min(d.0),
            (Some(g), None) => g.0,
            (None, Some(d)) => d.0,
            (None, None) => break,
        };
        let g0 = gt_order.len() as u32;
        while gi < gt_slots.len() && gt_slots[gi].0 == key {
            gt_order.push(gt_slots[gi].3);
            gi += 1;
        }
        // Already in np.argsort(-scores, kind='mergesort') order; then dt[0:maxDets[-1]].
        let d0 = dt_order.len();
        while di < dt_slots.len() && dt_slots[di].0 == key {
            if dt_order.len() - d0 < max_det {
                dt_order.push(dt_slots[di].3);
            }
            di += 1;
        }
        let (k, img) = keys.cell_of(key);
        let unmatched_ignored = fed.is_some_and(|f| {
            let (img_id, cat_id) = (p.img_ids[img as usize], p.cat_ids[k as usize]);
            f.not_exhaustive
                .get(&img_id)
                .is_some_and(|v| v.contains(&cat_id))
        });
        cells.push(Cell {
            k,
            img,
            unmatched_ignored,
            gt_start: g0,
            gt_len: gt_order.len() as u32 - g0,
            dt_start: d0 as u32,
            dt_len: (dt_order.len() - d0) as u32,
        });
    }

    // Ground-truth columns.
    let mut gt_area = Vec::with_capacity(gt_order.len());
    let mut gt_crowd = Vec::with_capacity(gt_order.len());
    let mut gt_ignore = Vec::with_capacity(gt_order.len());
    let mut gt_id_nonzero = Vec::with_capacity(gt_order.len());
    for &i in &gt_order {
        let a = &gt.annotations[i as usize];
        let Some(area) = a.area else {
            return Err(Error::msg("ground-truth annotation has no area").for_record(a.describe()));
        };
        gt_area.push(area);
        let crowd = a.iscrowd && fed.is_none();
        gt_crowd.push(crowd);
        let mut ignore = crowd;
        if p.iou_type == IouType::Keypoints {
            // gt['ignore'] = (gt['num_keypoints'] == 0) or gt['ignore']
            let Some(no_keypoints) = a.no_keypoints else {
                return Err(Error::msg("ground-truth annotation has no num_keypoints")
                    .for_record(a.describe()));
            };
            ignore |= no_keypoints;
        }
        gt_ignore.push(ignore);
        gt_id_nonzero.push(a.id.unwrap_or(0) != 0);
    }
    // Detection columns.
    let dt_score = dt_order.iter().map(|&i| dets[i as usize].score).collect();
    let dt_area = dt_order.iter().map(|&i| dets[i as usize].area).collect();
    let dt_id_positive = dt_order
        .iter()
        .map(|&i| dets[i as usize].id_positive)
        .collect();
    let gt_src = gt_order.clone();
    let dt_src: Vec<u32> = dt_order.iter().map(|&i| dets[i as usize].index).collect();

    let geometry = match p.iou_type {
        IouType::Keypoints => {
            let k = p.kpt_oks_sigmas.len();
            const NO_GT_KP: &str = "ground-truth annotation has no keypoints";
            let gt_kp = keypoint_rows(&gt_order, k, |i| {
                let a = &gt.annotations[i as usize];
                (a.keypoints.as_ref(), a, NO_GT_KP)
            })?;
            let gt_boxes = gt_boxes(gt, &gt_order)?;
            let dt_kp = keypoint_rows(&dt_order, k, |i| {
                let r = &results[dets[i as usize].index as usize];
                (r.keypoints.as_ref(), r, "result has no keypoints")
            })?;
            Geometry::Keypoints(KeypointSources {
                vars: oks::oks_vars(&p.kpt_oks_sigmas),
                gt_kp,
                gt_bbox: gt_boxes,
                gt_area: gt_area.clone(),
                dt_kp,
            })
        }
        IouType::Bbox => {
            let gt_boxes = gt_boxes(gt, &gt_order)?;
            let dt_boxes = dt_order.iter().map(|&i| dets[i as usize].bbox).collect();
            Geometry::Boxes {
                gt: gt_boxes,
                dt: dt_boxes,
            }
        }
        IouType::Segm | IouType::Boundary => {
            // pycocotools converts every ground truth in _prepare and fails on one without segmentation.
            for &i in &gt_order {
                let a = &gt.annotations[i as usize];
                if !a.seg.is_some() {
                    return Err(Error::msg("ground-truth annotation has no segmentation")
                        .for_record(a.describe()));
                }
            }
            let dims: HashMap<i64, (u32, u32)> = gt
                .images
                .iter()
                .map(|im| (im.id, (im.height, im.width)))
                .collect();
            Geometry::Masks(MaskSources {
                gt_anns: gt.annotations,
                gt_src: gt_order,
                results,
                dt_src: dt_src.clone(),
                img_dims: p.img_ids.iter().map(|id| dims.get(id).copied()).collect(),
                dilation_ratio: (p.iou_type == IouType::Boundary).then_some(p.dilation_ratio),
            })
        }
    };

    Ok(Prepared {
        params: p,
        cells,
        gt_area,
        gt_crowd,
        gt_ignore,
        gt_id_nonzero,
        dt_score,
        dt_area,
        dt_id_positive,
        gt_src,
        dt_src,
        geometry,
    })
}

/// The keypoints of the records `order` names, `3 * k` numbers each, one row per record: the records'
/// own numbers, or read from their text in parallel; the first failing record in `order` is reported (a
/// missing keypoints value, with `missing` as its message, or a bad one), as a sequential loop would.
fn keypoint_rows<'r, 'a: 'r>(
    order: &[u32],
    k: usize,
    record: impl Fn(u32) -> (Option<&'r Keypoints<'a>>, &'r Record<'a>, &'static str) + Sync,
) -> Result<Vec<Cow<'r, [f64]>>> {
    let failed = FirstFailure::default();
    let mut out = Vec::with_capacity(order.len());
    order
        .par_iter()
        .enumerate()
        .map_init(Vec::new, |scratch, (j, &i)| {
            let empty = Cow::Borrowed(&[][..]);
            if failed.skip(j) {
                return empty;
            }
            let (raw, r, missing) = record(i);
            let read = match raw {
                None => Err(Error::msg(missing)),
                Some(Keypoints::Numbers(v)) => {
                    check_count(v, Some(k)).map(|()| Cow::Borrowed(&v[..]))
                }
                Some(text) => {
                    keypoint_values(text, Some(k), scratch).map(|v| Cow::Owned(v.to_vec()))
                }
            };
            read.unwrap_or_else(|e| {
                failed.record(j, e.for_record(r.describe()));
                empty
            })
        })
        .collect_into_vec(&mut out);
    failed.into_result().map(|()| out)
}

/// The boxes of the ground truths `order` names (each must have one).
fn gt_boxes(gt: &Gt<'_>, order: &[u32]) -> Result<Vec<[f64; 4]>> {
    let mut boxes = Vec::with_capacity(order.len());
    for &i in order {
        let a = &gt.annotations[i as usize];
        let Some(bb) = a.bbox else {
            return Err(Error::msg("ground-truth annotation has no bbox").for_record(a.describe()));
        };
        boxes.push(bb);
    }
    Ok(boxes)
}

/// A `keypoints` value's numbers (read into `scratch` when the reader left it as text): an array of
/// numbers, of `3 * k` of them when `k` is given (pycocotools fails, or silently broadcasts, on other
/// lengths).
fn keypoint_values<'v>(
    kp: &'v Keypoints<'_>,
    k: Option<usize>,
    scratch: &'v mut Vec<f64>,
) -> Result<&'v [f64]> {
    let values: &[f64] = match kp {
        Keypoints::Numbers(v) => v,
        Keypoints::Text(raw) => {
            scratch.clear();
            let mut c = crate::json::scan::Cursor::new(raw, 0);
            c.begin_array()
                .and_then(|()| c.f64_list(scratch))
                .map_err(|_| Error::msg("keypoints must be an array of numbers"))?;
            scratch
        }
    };
    check_count(values, k).map(|()| values)
}

/// `3 * k` values, when `k` is given.
fn check_count(values: &[f64], k: Option<usize>) -> Result<()> {
    match k {
        Some(k) if values.len() != 3 * k => Err(Error::msg(format!(
            "keypoints has {} values, expected {} (x, y, v for each of the {k} keypoint sigmas)",
            values.len(),
            3 * k
        ))),
        _ => Ok(()),
    }
}

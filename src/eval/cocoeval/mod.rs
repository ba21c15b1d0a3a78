//! COCO detection and keypoint evaluation (bbox, segm, keypoints), number for number pycocotools 2.0.11's
//! `COCOeval`.
//!
//! The steps mirror pycocotools: `prepare` (`COCO.loadRes` + `_prepare`), [`evaluate()`] (`evaluate`:
//! `computeIoU` + `evaluateImg` per image × category, in parallel), [`Evaluation::accumulate`]
//! (`accumulate`), [`Accumulation::summarize`] (`summarize`). [`run`] does all of it and is what
//! `cocokit eval coco` wraps. Every quirk that changes numbers is reproduced and named where it happens
//! (see each submodule's header); the ones users notice most:
//! - `loadRes` decides on the *first* result: if it has a non-empty `bbox`, every result's area is `w * h`,
//!   also for segm evaluation, and box-only results become box-shaped polygons;
//! - ground-truth area ranges use the file's `area` field, not the mask or box;
//! - `stats[0]` is always at maxDets = 100;
//! - thresholds are `np.linspace` values, sorting is numpy's stable mergesort, means are numpy's pairwise sums.
//!
//! Not here: reading JSON (see `coco::reader`), RLE arithmetic (see `mask`), printing JSON or tables (the
//! command does that from [`Report`]). OKS is defined in `oks` (`computeOks`, its quirks listed there);
//! Boundary IoU (boundary-iou-api's `computeBoundaryIoU`: `min(mask IoU, band IoU)`, mask IoU alone for
//! crowds) in `geom`, the bands in `crate::mask::boundary`. Not reproduced from boundary-iou-api: a ground
//! truth's own `ignore` field, which its `_prepare` keeps (COCO files have none).
//!
//! Where pycocotools crashes, cocokit returns an error (missing score, unknown image) or, for an empty
//! results list, evaluates "no detections". Where pycocotools silently accepts questionable input, cocokit
//! is stricter: results naming categories the ground truth does not have, NaN scores, and a mix of box-only
//! and mask results for segm evaluation are errors.

mod accumulate;
mod cell;
mod evaluate;
mod geom;
pub mod load;
mod masks;
mod oks;
mod owned;
mod params;
pub mod partial;
mod prepare;
mod summarize;

pub use accumulate::Accumulation;
pub use evaluate::{CellDetails, Evaluation};
pub(crate) use evaluate::{IGNORED, TP};
pub use params::{coco_kpt_oks_sigmas, linspace, EvalParams, IouType, Params};
pub(crate) use prepare::Federated;
pub use prepare::GroundTruth;
pub(crate) use summarize::pairwise_sum;
pub use summarize::{ClassStats, Summary};

use crate::coco::Annotation;
use crate::Result;
pub(crate) use cell::Cell;
pub(crate) use load::Record;
pub(crate) use load::Seg;
// For the per-image, class-agnostic IoU of `eval::image_iou` (TIDE, confusion matrix): the same IoU.
pub(crate) use geom::{box_iou, push_mask, MakeScratch};
use load::{EvalGt, EvalResults};
pub(crate) use masks::{
    iou as mask_iou, pair as mask_pair_iou, pair_reaching as mask_pair_iou_reaching,
    pair_upper_bound as mask_iou_upper_bound, MaskSet,
};

/// The annotations and results as records, `_prepare`d (`mode`: through loadRes or as given), then `then`.
fn with_records<T>(
    gt: GroundTruth<'_>,
    results: &[Annotation],
    params: &Params,
    mode: prepare::Results,
    then: impl FnOnce(prepare::Prepared<'_>) -> Result<T>,
) -> Result<T> {
    let anns: Vec<Record> = gt.annotations.iter().map(Record::of).collect();
    let res: Vec<Record> = results.iter().map(Record::of).collect();
    let gt = prepare::Gt {
        images: gt.images,
        annotations: &anns,
        categories: gt.categories,
    };
    then(prepare::prepare_with(&gt, &res, params, mode, None)?)
}

/// `COCOeval(cocoGt, cocoGt.loadRes(results), iouType)` with `params`, then `evaluate()`.
pub fn evaluate(
    gt: GroundTruth<'_>,
    results: &[Annotation],
    params: &Params,
) -> Result<Evaluation> {
    with_records(
        gt,
        results,
        params,
        prepare::Results::LoadRes,
        evaluate::evaluate,
    )
}

/// `COCOeval(cocoGt, cocoDt, iouType)` with `params`, then `evaluate()`, where `cocoDt` holds results that
/// have already been through `loadRes` (or were built by hand): each result's own `id`, `area`, `score` and
/// `bbox` (bbox) or `segmentation` (segm) are used as they are, and results outside the parameters' images
/// and categories are left out as `_prepare` does. What the Python package's `COCOeval` drives.
pub fn evaluate_loaded_dets(
    gt: GroundTruth<'_>,
    dets: &[Annotation],
    params: &Params,
) -> Result<Evaluation> {
    with_records(
        gt,
        dets,
        params,
        prepare::Results::Loaded,
        evaluate::evaluate,
    )
}

/// [`evaluate_loaded_dets`] that also returns, per evaluated cell, what pycocotools' `evalImgs` and
/// `ious` hold ([`CellDetails`], in cell order: by category, then image).
pub fn evaluate_loaded_dets_detailed(
    gt: GroundTruth<'_>,
    dets: &[Annotation],
    params: &Params,
) -> Result<(Evaluation, Vec<CellDetails>)> {
    with_records(gt, dets, params, prepare::Results::Loaded, |p| {
        evaluate::evaluate_with(p, true)
    })
}

/// [`evaluate()`] (`loadRes` included) that also returns each evaluated cell's [`CellDetails`]: which
/// detection matched which ground truth, as `evaluateImg` decides (what `cocokit show` colours).
pub fn evaluate_detailed(
    gt: GroundTruth<'_>,
    results: &[Annotation],
    params: &Params,
) -> Result<(Evaluation, Vec<CellDetails>)> {
    with_records(gt, results, params, prepare::Results::LoadRes, |p| {
        evaluate::evaluate_with(p, true)
    })
}

/// [`evaluate()`] on inputs read by [`load`] (what `cocokit eval coco` does: same numbers, same errors).
pub fn evaluate_loaded(
    gt: &EvalGt<'_>,
    results: &EvalResults<'_>,
    params: &Params,
) -> Result<Evaluation> {
    let g = prepare::Gt {
        images: &gt.images,
        annotations: &gt.annotations,
        categories: &gt.categories,
    };
    let prepared = prepare::prepare(&g, &results.records, params)?;
    evaluate::evaluate(prepared)
}

/// The prepared cells of a segm evaluation, for a caller that computes their IoU matrices
/// ([`evaluate_loaded_sharing`]).
pub(crate) struct CellLayout<'p> {
    /// In evaluation order (category, then image).
    pub cells: &'p [Cell],
    /// Index into the annotations / results of each cell's ground truths (file order) and kept detections
    /// (score order), at `gt_start..` / `dt_start..`.
    pub gt_src: &'p [u32],
    pub dt_src: &'p [u32],
    /// Image id of each `Cell::img`.
    pub img_ids: &'p [i64],
    /// The lowest IoU the matching compares with (`min(iouThr, 1 - 1e-10)` over the thresholds): an entry
    /// below it never matches, so any value below it may stand for it (a bound, no pixel walk).
    pub iou_floor: f64,
}

/// [`evaluate_loaded`] where, for segm, `share` may supply every cell's mask IoU matrix (`[d][g]`,
/// `maskUtils.iou` with the ground truths' `iscrowd`, for the cells with ground truths and detections, in
/// cell order, concatenated) together with a result of its own, so that a caller that needs the same masks
/// (TIDE) makes them once. `share` returning `None` (or another IoU type) leaves evaluation as it is;
/// the numbers are the same either way when the matrices are, or differ only in entries below
/// `CellLayout::iou_floor` that stay below it (the matching skips those alike). `before` runs beside the preparation (its
/// serial part leaves a core free) and hands `share` what it made.
pub(crate) fn evaluate_loaded_sharing<B: Send, T>(
    gt: &EvalGt<'_>,
    results: &EvalResults<'_>,
    params: &Params,
    before: impl FnOnce() -> B + Send,
    share: impl FnOnce(&CellLayout<'_>, B) -> Option<(Vec<f64>, T)>,
) -> Result<(Evaluation, Option<T>)> {
    let g = prepare::Gt {
        images: &gt.images,
        annotations: &gt.annotations,
        categories: &gt.categories,
    };
    let (prepared, b) = rayon::join(|| prepare::prepare(&g, &results.records, params), before);
    let mut prepared = prepared?;
    let mut shared = None;
    if prepared.params.iou_type == IouType::Segm {
        let layout = CellLayout {
            cells: &prepared.cells,
            gt_src: &prepared.gt_src,
            dt_src: &prepared.dt_src,
            img_ids: &prepared.params.img_ids,
            iou_floor: prepared
                .params
                .iou_thrs
                .iter()
                .fold(f64::INFINITY, |m, &t| m.min(t.min(1.0 - 1e-10))),
        };
        if let Some((iou, t)) = share(&layout, b) {
            let mut at = vec![0; prepared.dt_src.len()];
            let mut n = 0;
            for c in prepared
                .cells
                .iter()
                .filter(|c| c.gt_len > 0 && c.dt_len > 0)
            {
                at[c.dt_start as usize] = n;
                n += c.gt_len as usize * c.dt_len as usize;
            }
            if n == iou.len() {
                prepared.geometry = geom::Geometry::Given(geom::GivenIous { iou, at });
                shared = Some(t);
            }
        }
    }
    Ok((evaluate::evaluate(prepared)?, shared))
}

/// [`evaluate_loaded`] with lvis-api's federated rules (`prepare::prepare_with`), on results already cut
/// to lvis-api's detections per image; `eval::lvis` is its caller.
pub(crate) fn evaluate_federated(
    gt: &EvalGt<'_>,
    results: &[Record<'_>],
    params: &Params,
    fed: &prepare::Federated,
) -> Result<Evaluation> {
    let g = prepare::Gt {
        images: &gt.images,
        annotations: &gt.annotations,
        categories: &gt.categories,
    };
    let prepared =
        prepare::prepare_with(&g, results, params, prepare::Results::LoadRes, Some(fed))?;
    evaluate::evaluate(prepared)
}

/// Everything `cocokit eval coco` reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The 12 stats and printed lines.
    pub summary: Summary,
    /// Per category, in category id order (empty when categories are not used).
    pub per_class: Vec<ClassStats>,
    /// The arrays the stats come from.
    pub accumulation: Accumulation,
}

/// evaluate → accumulate → summarize, plus per-class numbers.
pub fn run(gt: GroundTruth<'_>, results: &[Annotation], params: &Params) -> Result<Report> {
    report(evaluate(gt, results, params)?)
}

/// [`run`] on inputs read by [`load`].
pub fn run_loaded(gt: &EvalGt<'_>, results: &EvalResults<'_>, params: &Params) -> Result<Report> {
    report(evaluate_loaded(gt, results, params)?)
}

/// accumulate → summarize, plus per-class numbers, from an evaluation.
pub fn report(ev: Evaluation) -> Result<Report> {
    let accumulation = ev.accumulate();
    // The evaluation is freed beside the summaries.
    let ((summary, per_class), ()) = rayon::join(
        || rayon::join(|| accumulation.summarize(), || accumulation.per_class()),
        move || drop(ev),
    );
    let (summary, per_class) = (summary?, per_class?);
    Ok(Report {
        summary,
        per_class,
        accumulation,
    })
}

#[cfg(test)]
mod loaded_tests;
#[cfg(test)]
mod tests;

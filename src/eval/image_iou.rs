//! Per-image, class-agnostic IoU of detections against ground truths, for the analyses that match across
//! categories (`tide`, `confusion`): every detection of an image against every ground truth of it, whatever
//! their categories.
//!
//! The IoU is cocoeval's, not a second one: boxes through `bbIou` (`mask::rle::bb_iou_one` via
//! `cocoeval::box_iou`), masks through `rleIou` (`cocoeval`'s mask IoU, masks made by its `annToRLE`). A crowd
//! ground truth's column is `iscrowd` IoU (intersection over the detection's area), as `maskUtils.iou` with
//! `iscrowd = 1` gives it.
//!
//! Not here: matching (each analysis has its own rule), reading files (see `cocoeval::load`).

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use super::cocoeval::load::{EvalGt, EvalResults};
use super::cocoeval::{box_iou, mask_iou, push_mask, MakeScratch, MaskSet, Record, Seg};
use crate::coco::Image;
use crate::{Error, Result};

/// The records of each ground-truth image, in the ground truth's image order.
pub(crate) struct ByImage {
    /// Per image: indices of its annotations (file order) and of its detections (file order).
    pub gt: Vec<Vec<u32>>,
    pub dt: Vec<Vec<u32>>,
}

/// Group annotations and detections by ground-truth image. Detections of images the ground truth does not
/// have are left out (nothing is compared with them).
pub(crate) fn by_image(gt: &EvalGt<'_>, dt: &EvalResults<'_>) -> ByImage {
    let mut at: HashMap<i64, usize, foldhash::fast::RandomState> =
        HashMap::with_capacity_and_hasher(gt.images.len(), Default::default());
    for (i, im) in gt.images.iter().enumerate() {
        at.entry(im.id).or_insert(i);
    }
    let mut out = ByImage {
        gt: vec![Vec::new(); gt.images.len()],
        dt: vec![Vec::new(); gt.images.len()],
    };
    for (j, a) in gt.annotations.iter().enumerate() {
        if let Some(&i) = at.get(&a.image_id) {
            out.gt[i].push(j as u32);
        }
    }
    for (j, r) in dt.records.iter().enumerate() {
        if let Some(&i) = at.get(&r.image_id) {
            out.dt[i].push(j as u32);
        }
    }
    out
}

/// `f` on each ground-truth image (in parallel, results in image order) with its annotations and detections
/// that `keep_gt` / `keep_dt` accept (file order); images not in `img_ids` (when given) give `T::default()`.
/// The first error in image order is returned.
pub(crate) fn per_image<T, F>(
    gt: &EvalGt<'_>,
    dt: &EvalResults<'_>,
    img_ids: Option<&[i64]>,
    keep_gt: impl Fn(&Record<'_>) -> bool + Sync,
    keep_dt: impl Fn(&Record<'_>) -> bool + Sync,
    f: F,
) -> Result<Vec<T>>
where
    T: Send + Default,
    F: Fn(&Image, &[&Record<'_>], &[&Record<'_>], &mut Scratch) -> Result<T> + Sync,
{
    let groups = by_image(gt, dt);
    let keep_img: Option<HashSet<i64>> = img_ids.map(|v| v.iter().copied().collect());
    (0..gt.images.len())
        .into_par_iter()
        .map_init(Scratch::default, |sc, i| {
            let im = &gt.images[i];
            if keep_img.as_ref().is_some_and(|k| !k.contains(&im.id)) {
                return Ok(T::default());
            }
            let gts: Vec<&Record<'_>> = groups.gt[i]
                .iter()
                .map(|&j| &gt.annotations[j as usize])
                .filter(|r| keep_gt(r))
                .collect();
            let dts: Vec<&Record<'_>> = groups.dt[i]
                .iter()
                .map(|&j| &dt.records[j as usize])
                .filter(|r| keep_dt(r))
                .collect();
            f(im, &gts, &dts, sc)
        })
        .collect()
}

/// What is compared: boxes or masks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Boxes,
    Masks,
}

/// Reused buffers of one thread.
#[derive(Default)]
pub(crate) struct Scratch {
    gt_masks: MaskSet,
    dt_masks: MaskSet,
    make: MakeScratch,
    gt_boxes: Vec<[f64; 4]>,
    dt_boxes: Vec<[f64; 4]>,
}

/// IoU `out[d * G + g]` of detections `dts` against ground truths `gts` (`crowd[g]`: `iscrowd` IoU for that
/// column) on an image of `dims = (height, width)`. Masks: a detection must have its own segmentation
/// (no box stands in for it).
#[allow(clippy::too_many_arguments)]
pub(crate) fn iou(
    shape: Shape,
    gts: &[&Record<'_>],
    dts: &[&Record<'_>],
    crowd: &[bool],
    dims: (u32, u32),
    sc: &mut Scratch,
    out: &mut Vec<f64>,
) -> Result<()> {
    match shape {
        Shape::Boxes => {
            let boxes = |rs: &[&Record<'_>], v: &mut Vec<[f64; 4]>| -> Result<()> {
                v.clear();
                for r in rs {
                    v.push(r.bbox.ok_or_else(|| {
                        Error::msg("no bbox (box IoU needs one)").for_record(r.describe())
                    })?);
                }
                Ok(())
            };
            boxes(gts, &mut sc.gt_boxes)?;
            boxes(dts, &mut sc.dt_boxes)?;
            box_iou(&sc.dt_boxes, &sc.gt_boxes, crowd, out);
        }
        Shape::Masks => {
            let (dm, gm) = masks(gts, dts, dims, sc)?;
            mask_iou(dm, gm, crowd, out);
        }
    }
    Ok(())
}

/// The masks [`iou`] compares, `(detections, ground truths)`, for a caller that wants only some of the
/// pairs (`cocoeval::mask_pair_iou` on them gives the same numbers as [`iou`]).
pub(crate) fn masks<'s>(
    gts: &[&Record<'_>],
    dts: &[&Record<'_>],
    dims: (u32, u32),
    sc: &'s mut Scratch,
) -> Result<(&'s MaskSet, &'s MaskSet)> {
    sc.gt_masks.clear();
    for r in gts {
        push_mask(r, Some(dims), false, &mut sc.gt_masks, &mut sc.make)?;
    }
    sc.dt_masks.clear();
    for r in dts {
        if matches!(r.seg, Seg::None) {
            return Err(Error::msg("no segmentation (mask IoU needs one)").for_record(r.describe()));
        }
        push_mask(r, Some(dims), true, &mut sc.dt_masks, &mut sc.make)?;
    }
    Ok((&sc.dt_masks, &sc.gt_masks))
}

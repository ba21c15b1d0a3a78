//! Geometry for COCOeval: boxes and masks of ground truths and detections, and their IoU matrices.
//!
//! Boxes: `bbIou` of maskApi.c, reproduced operation by operation (same rounding), written into a reused
//! buffer. Masks: annToRLE through `crate::mask` (polygons rasterized from the JSON text into reused
//! buffers, compressed strings decoded by `masks`), made when their cell is evaluated instead of all held.
//! Keypoints: OKS by `oks::compute_oks`.
//! Not here: matching (see `evaluate`).

use std::borrow::Cow;

use super::cell::Cell;
use super::load::{read_polygons, Record, Seg};
use super::masks::{self, MaskSet};
use super::oks;
use crate::coco::Segmentation;
use crate::mask::boundary::{boundary_of_intervals, dilation_of, BoundaryScratch};
use crate::mask::polygon::{rle_from_polygon_with, PolyScratch};
use crate::mask::rle::{bb_iou_one, Rle};
use crate::mask::segmentation::segmentation_to_rle;
use crate::{Error, Result};

/// The geometry evaluation compares, laid out in cell order.
pub(crate) enum Geometry<'a> {
    /// Boxes `[x, y, w, h]` of ground truths and detections.
    Boxes {
        gt: Vec<[f64; 4]>,
        dt: Vec<[f64; 4]>,
    },
    /// Where the masks come from: they are made cell by cell, when compared, and dropped after (peak
    /// memory stays that of the inputs; each mask is made once, as pycocotools' `_toMask` does).
    Masks(MaskSources<'a>),
    /// Keypoints, compared by OKS (`computeOks`).
    Keypoints(KeypointSources<'a>),
    /// Mask IoU matrices computed by the caller with the masks it made for work of its own (TIDE), so
    /// that each mask is made once (see `super::evaluate_loaded_sharing`).
    Given(GivenIous),
}

/// Each cell's IoU matrix, `[d][g]` as [`Geometry::cell_iou`] gives it, for the cells with ground truths
/// and detections.
pub(crate) struct GivenIous {
    pub iou: Vec<f64>,
    /// Where a cell's matrix starts in `iou`, by the cell's `dt_start`.
    pub at: Vec<usize>,
}

/// Keypoints of ground truths and detections, in cell order (`[x, y, v] × K` each): the records' own
/// numbers when the reader read them, else read from their text.
pub(crate) struct KeypointSources<'a> {
    /// `(2σ)²` per keypoint (K values).
    pub vars: Vec<f64>,
    pub gt_kp: Vec<Cow<'a, [f64]>>,
    pub gt_bbox: Vec<[f64; 4]>,
    /// The ground truths' `area` field.
    pub gt_area: Vec<f64>,
    pub dt_kp: Vec<Cow<'a, [f64]>>,
}

/// The records whose segmentations become masks, in cell order.
pub(crate) struct MaskSources<'a> {
    pub gt_anns: &'a [Record<'a>],
    /// Index into `gt_anns` of each ground truth, cell by cell.
    pub gt_src: Vec<u32>,
    pub results: &'a [Record<'a>],
    /// Index into `results` of each kept detection, cell by cell.
    pub dt_src: Vec<u32>,
    /// `(height, width)` of each evaluated image (by image index), `None` if it is not a ground-truth image.
    pub img_dims: Vec<Option<(u32, u32)>>,
    /// Boundary evaluation: the dilation ratio (IoU = min(mask IoU, boundary IoU) for non-crowd pairs).
    pub dilation_ratio: Option<f64>,
}

/// Per-thread buffers for a cell's masks.
#[derive(Default)]
pub(crate) struct MaskScratch {
    gt: MaskSet,
    dt: MaskSet,
    make: MakeScratch,
    /// OKS terms of one detection × ground truth pair.
    oks_e: Vec<f64>,
    /// Boundary bands of the cell's masks, their IoU, and buffers to make them.
    gt_b: MaskSet,
    dt_b: MaskSet,
    b_iou: Vec<f64>,
    band: BoundaryScratch,
}

/// Buffers for turning polygons into masks.
#[derive(Default)]
pub(crate) struct MakeScratch {
    coords: Vec<f64>,
    lens: Vec<usize>,
    poly: PolyScratch,
    parts: Vec<Rle>,
}

impl Geometry<'_> {
    /// IoU matrix of a cell, `out[d * G + g]`, detections in score order and ground truths in file order
    /// (`computeIoU`). Only called for cells with at least one ground truth and one detection.
    pub(crate) fn cell_iou(
        &self,
        cell: &Cell,
        crowd: &[bool],
        scratch: &mut MaskScratch,
        out: &mut Vec<f64>,
    ) -> Result<()> {
        let gr = cell.gt_start as usize..(cell.gt_start + cell.gt_len) as usize;
        let dr = cell.dt_start as usize..(cell.dt_start + cell.dt_len) as usize;
        match self {
            Geometry::Boxes { gt, dt } => {
                box_iou(&dt[dr], &gt[gr], crowd, out);
                Ok(())
            }
            Geometry::Given(given) => {
                let at = given.at[dr.start];
                out.clear();
                out.extend_from_slice(&given.iou[at..at + dr.len() * gr.len()]);
                Ok(())
            }
            Geometry::Keypoints(src) => {
                oks::compute_oks(
                    &src.dt_kp[dr],
                    &src.gt_kp[gr.clone()],
                    &src.gt_bbox[gr.clone()],
                    &src.gt_area[gr],
                    &src.vars,
                    &mut scratch.oks_e,
                    out,
                );
                Ok(())
            }
            Geometry::Masks(src) => {
                let dims = src.img_dims[cell.img as usize];
                let MaskScratch {
                    gt,
                    dt,
                    make,
                    gt_b,
                    dt_b,
                    b_iou,
                    band,
                    ..
                } = scratch;
                gt.clear();
                for &i in &src.gt_src[gr] {
                    push_mask(&src.gt_anns[i as usize], dims, false, gt, make)?;
                }
                dt.clear();
                for &i in &src.dt_src[dr] {
                    push_mask(&src.results[i as usize], dims, true, dt, make)?;
                }
                masks::iou(dt, gt, crowd, out);
                if let Some(ratio) = src.dilation_ratio {
                    // computeBoundaryIoU: crowd columns keep the mask IoU (their bands are not needed:
                    // an empty one stands in), the others take np.minimum(mask IoU, boundary IoU).
                    let bands = |set: &MaskSet,
                                 out: &mut MaskSet,
                                 skip: &dyn Fn(usize) -> bool,
                                 band: &mut BoundaryScratch| {
                        out.clear();
                        for k in 0..set.len() {
                            let (h, w) = set.size(k);
                            if skip(k) {
                                out.push_rle(Rle::zeros(h, w));
                            } else {
                                let d = dilation_of(h, w, ratio);
                                out.push_rle(boundary_of_intervals(
                                    h,
                                    w,
                                    set.intervals(k),
                                    d,
                                    band,
                                ));
                            }
                        }
                    };
                    bands(gt, gt_b, &|k| crowd[k], band);
                    bands(dt, dt_b, &|_| false, band);
                    masks::iou(dt_b, gt_b, crowd, b_iou);
                    let n = gt.len();
                    for (i, (o, &b)) in out.iter_mut().zip(b_iou.iter()).enumerate() {
                        if !crowd[i % n] {
                            // np.minimum: NaN wins
                            *o = if o.is_nan() || b.is_nan() {
                                f64::NAN
                            } else {
                                o.min(b)
                            };
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

/// annToRLE of a record on its image, added to `set`; a result (`is_result`) without segmentation gets
/// loadRes' box polygon.
pub(crate) fn push_mask(
    a: &Record<'_>,
    dims: Option<(u32, u32)>,
    is_result: bool,
    set: &mut MaskSet,
    sc: &mut MakeScratch,
) -> Result<()> {
    let res = (|| {
        let Some((h, w)) = dims else {
            return Err(Error::msg(format!(
                "image {} is not in the ground truth images",
                a.image_id
            )));
        };
        match (&a.seg, a.bbox.as_ref()) {
            (Seg::Parsed(seg), _) => set.push_rle(segmentation_to_mask(seg, h, w)?),
            (
                Seg::Compressed {
                    h,
                    w,
                    counts,
                    escaped,
                },
                _,
            ) => set.push_compressed(*h, *w, counts, *escaped)?,
            (Seg::Polygons(raw), _) => set.push_rle(polygons_to_mask(raw, h, w, sc)?),
            (Seg::None, Some(bb)) if is_result => set.push_rle(box_to_mask(bb, h, w)?),
            (Seg::Unparsed, _) => {
                return Err(Error::msg(
                    "segmentation was not read (the results were read for box evaluation)",
                ))
            }
            (Seg::None, _) => return Err(Error::msg("no segmentation")),
        }
        Ok(())
    })();
    res.map_err(|e| e.for_record(a.describe()))
}

/// `segmentation_to_rle` of a polygon list kept as JSON text, without building the polygons: parts are
/// rasterized from a reused buffer and merged. On any input `segmentation_to_rle` refuses, it is called
/// on the decoded polygons so that the error is its own.
fn polygons_to_mask(raw: &[u8], h: u32, w: u32, sc: &mut MakeScratch) -> Result<Rle> {
    read_polygons(raw, &mut sc.coords, &mut sc.lens)?;
    let first = sc.lens.first().copied().unwrap_or(0);
    if sc.lens.is_empty() || first <= 4 || sc.lens.iter().any(|n| n % 2 != 0) {
        let mut parts = Vec::with_capacity(sc.lens.len());
        let mut at = 0;
        for &n in &sc.lens {
            parts.push(sc.coords[at..at + n].to_vec());
            at += n;
        }
        return segmentation_to_mask(&Segmentation::Polygons(parts), h, w);
    }
    if sc.lens.len() == 1 {
        return Ok(rle_from_polygon_with(&sc.coords, h, w, &mut sc.poly));
    }
    sc.parts.clear();
    let mut at = 0;
    for &n in &sc.lens {
        let part = &sc.coords[at..at + n];
        sc.parts
            .push(rle_from_polygon_with(part, h, w, &mut sc.poly));
        at += n;
    }
    Ok(Rle::merge(&sc.parts, false))
}

/// annToRLE: polygons (merged), uncompressed or compressed RLE, on an image of `h × w`. An empty
/// segmentation (`[]`) has no mask; pycocotools fails on it, so it is an error here.
pub(crate) fn segmentation_to_mask(seg: &Segmentation, h: u32, w: u32) -> Result<Rle> {
    segmentation_to_rle(seg, h, w)?.ok_or_else(|| {
        Error::msg("empty segmentation: no mask to evaluate (segm evaluation needs one)")
    })
}

/// The polygon `[x1, y1, x1, y2, x2, y2, x2, y1]` loadRes gives a box-only result, as a mask.
pub(crate) fn box_to_mask(bb: &[f64; 4], h: u32, w: u32) -> Result<Rle> {
    let (x1, x2, y1, y2) = (bb[0], bb[0] + bb[2], bb[1], bb[1] + bb[3]);
    segmentation_to_mask(
        &Segmentation::Polygons(vec![vec![x1, y1, x1, y2, x2, y2, x2, y1]]),
        h,
        w,
    )
}

/// `bbIou(dt, gt, m, n, iscrowd, o)` of maskApi.c, written as `out[d * G + g]` (row per detection).
/// For a crowd ground truth the union is the detection's area.
pub(crate) fn box_iou(dt: &[[f64; 4]], gt: &[[f64; 4]], crowd: &[bool], out: &mut Vec<f64>) {
    let n = gt.len();
    out.clear();
    out.resize(dt.len() * n, 0.0);
    for (g, (gb, &is_crowd)) in gt.iter().zip(crowd).enumerate() {
        for (d, db) in dt.iter().enumerate() {
            out[d * n + g] = bb_iou_one(db, gb, is_crowd);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_iou_matches_bbiou() {
        let gt = [[0.0, 0.0, 10.0, 10.0], [5.0, 5.0, 10.0, 10.0]];
        let dt = [
            [0.0, 0.0, 10.0, 10.0],
            [5.0, 0.0, 10.0, 10.0],
            [20.0, 20.0, 1.0, 1.0],
            [2.0, 2.0, 2.0, 2.0],
        ];
        let mut out = Vec::new();
        box_iou(&dt, &gt, &[false, true], &mut out);
        assert_eq!(out.len(), 8);
        assert_eq!(out[0], 1.0); // identical
        assert_eq!(out[1], 25.0 / 100.0); // crowd: intersection over the detection's area
        assert_eq!(out[2], 50.0 / 150.0);
        assert_eq!(out[3], 50.0 / 100.0); // crowd
        assert_eq!(out[4], 0.0); // disjoint
        assert_eq!(out[5], 0.0);
        assert_eq!(out[6], 4.0 / 100.0);
        assert_eq!(out[7], 0.0); // disjoint: w <= 0
                                 // Degenerate boxes: zero width never overlaps.
        box_iou(
            &[[1.0, 1.0, 0.0, 5.0]],
            &[[0.0, 0.0, 10.0, 10.0]],
            &[true],
            &mut out,
        );
        assert_eq!(out, vec![0.0]);
    }
}

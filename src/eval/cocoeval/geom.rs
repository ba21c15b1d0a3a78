//! Geometry for COCOeval: boxes and masks of ground truths and detections, and their IoU matrices.
//!
//! Boxes: `bbIou` of maskApi.c, reproduced operation by operation (same rounding), written into a reused
//! buffer. Masks: RLE from `crate::mask` (annToRLE, area, toBbox, rleIou) — this module only adapts.
//! Not here: matching (see `evaluate`).

use crate::coco::Segmentation;
use crate::mask::polygon::segmentation_to_rle;
use crate::mask::rle::{self, Rle};
use crate::{Error, Result};

/// A detection's or ground truth's mask.
pub(crate) type Mask = Rle;

/// The geometry of a column of ground truths or detections.
pub(crate) enum Shapes {
    Boxes(Vec<[f64; 4]>),
    /// Masks with their boxes (`rleToBbox`, which `rleIou` uses to skip pairs whose boxes do not overlap).
    Masks {
        rles: Vec<Rle>,
        boxes: Vec<[f64; 4]>,
    },
}

impl Shapes {
    /// Masks and their boxes, computed once.
    pub(crate) fn masks(rles: Vec<Rle>) -> Shapes {
        let boxes = rles.iter().map(Rle::to_bbox).collect();
        Shapes::Masks { rles, boxes }
    }
}

/// annToRLE: polygons (merged), uncompressed or compressed RLE, on an image of `h × w`. An empty
/// segmentation (`[]`) has no mask; pycocotools fails on it, so it is an error here.
pub(crate) fn segmentation_to_mask(seg: &Segmentation, h: u32, w: u32) -> Result<Mask> {
    segmentation_to_rle(seg, h, w)?.ok_or_else(|| {
        Error::msg("empty segmentation: no mask to evaluate (segm evaluation needs one)")
    })
}

/// The polygon `[x1, y1, x1, y2, x2, y2, x2, y1]` loadRes gives a box-only result, as a mask.
pub(crate) fn box_to_mask(bb: &[f64; 4], h: u32, w: u32) -> Result<Mask> {
    let (x1, x2, y1, y2) = (bb[0], bb[0] + bb[2], bb[1], bb[1] + bb[3]);
    segmentation_to_mask(
        &Segmentation::Polygons(vec![vec![x1, y1, x1, y2, x2, y2, x2, y1]]),
        h,
        w,
    )
}

/// maskUtils.area.
pub(crate) fn mask_area(m: &Mask) -> f64 {
    m.area() as f64
}

/// maskUtils.toBbox.
pub(crate) fn mask_bbox(m: &Mask) -> [f64; 4] {
    m.to_bbox()
}

/// `bbIou(dt, gt, m, n, iscrowd, o)` of maskApi.c, written as `out[d * G + g]` (row per detection).
/// For a crowd ground truth the union is the detection's area.
pub(crate) fn box_iou(dt: &[[f64; 4]], gt: &[[f64; 4]], crowd: &[bool], out: &mut Vec<f64>) {
    let n = gt.len();
    out.clear();
    out.resize(dt.len() * n, 0.0);
    for (g, (gb, &is_crowd)) in gt.iter().zip(crowd).enumerate() {
        let ga = gb[2] * gb[3];
        for (d, db) in dt.iter().enumerate() {
            let da = db[2] * db[3];
            let w = (db[2] + db[0]).min(gb[2] + gb[0]) - db[0].max(gb[0]);
            if w <= 0.0 {
                continue;
            }
            let h = (db[3] + db[1]).min(gb[3] + gb[1]) - db[1].max(gb[1]);
            if h <= 0.0 {
                continue;
            }
            let i = w * h;
            let u = if is_crowd { da } else { da + ga - i };
            out[d * n + g] = i / u;
        }
    }
}

/// IoU matrix of a cell, `out[d * G + g]`, detections in score order and ground truths in file order.
pub(crate) fn cell_iou(
    dt: &Shapes,
    dt_range: std::ops::Range<usize>,
    gt: &Shapes,
    gt_range: std::ops::Range<usize>,
    crowd: &[bool],
    out: &mut Vec<f64>,
) {
    match (dt, gt) {
        (Shapes::Boxes(d), Shapes::Boxes(g)) => box_iou(&d[dt_range], &g[gt_range], crowd, out),
        (
            Shapes::Masks {
                rles: dr,
                boxes: db,
            },
            Shapes::Masks {
                rles: gr,
                boxes: gb,
            },
        ) => {
            out.clear();
            out.resize(dt_range.len() * gt_range.len(), 0.0);
            rle::iou_into(
                &dr[dt_range.clone()],
                &db[dt_range],
                &gr[gt_range.clone()],
                &gb[gt_range],
                crowd,
                out,
            );
        }
        _ => unreachable!("ground truth and detections always share one geometry"),
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

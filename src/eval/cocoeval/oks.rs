//! Object keypoint similarity: pycocotools 2.0.11's `COCOeval.computeOks`, the one definition of OKS in
//! cocokit, plus the keypoint side of `COCO.loadRes` (a result's area and box from its keypoints).
//!
//! Not here: matching (see `evaluate`: OKS plays the IoU's part there), reading keypoints from JSON
//! (see `prepare`).
//!
//! Quirks of `computeOks` reproduced:
//! - `vars = (2σ)²`, and each keypoint's `e = (dx² + dy²) / vars / (area + np.spacing(1)) / 2`, divided in
//!   that order, with `area` the ground truth's `area` field (not its box);
//! - a ground truth with visible keypoints (`v > 0`) averages `exp(-e)` over those only; one with none
//!   ("k1 == 0") averages over *all* keypoints a distance to its box enlarged to three times its size
//!   (`[x - w, x + 2w] × [y - h, y + 2h]`), zero for a detected keypoint inside it — detections' own
//!   visibilities are never looked at;
//! - the mean is numpy's: `np.sum` (pairwise, 8 accumulators from 8 values on) over the kept values, then a
//!   division by their count;
//! - crowd ground truths get no special formula (only the matching treats them differently).

/// `(2σ)²` per keypoint, as `computeOks` squares `sigmas * 2`.
pub(crate) fn oks_vars(sigmas: &[f64]) -> Vec<f64> {
    sigmas
        .iter()
        .map(|s| {
            let d = s * 2.0;
            d * d
        })
        .collect()
}

/// `computeOks` for one image × category: `out[d * G + g]`. `dt_kp` holds the detections' keypoints
/// (`[x, y, v] × K` each, in score order), `gt_kp` the ground truths' (file order) with their `bbox` and
/// `area`; `K = vars.len()`. `e` is a reused buffer.
pub(crate) fn compute_oks<R: AsRef<[f64]>>(
    dt_kp: &[R],
    gt_kp: &[R],
    gt_bbox: &[[f64; 4]],
    gt_area: &[f64],
    vars: &[f64],
    e: &mut Vec<f64>,
    out: &mut Vec<f64>,
) {
    let n = gt_bbox.len();
    out.clear();
    out.resize(dt_kp.len() * n, 0.0);
    for (j, ((g, bb), &area)) in gt_kp
        .iter()
        .map(AsRef::as_ref)
        .zip(gt_bbox)
        .zip(gt_area)
        .enumerate()
    {
        let k1 = g.chunks_exact(3).filter(|p| p[2] > 0.0).count();
        let (x0, x1) = (bb[0] - bb[2], bb[0] + bb[2] * 2.0);
        let (y0, y1) = (bb[1] - bb[3], bb[1] + bb[3] * 2.0);
        let denom = area + f64::EPSILON; // np.spacing(1)
        for (i, d) in dt_kp.iter().map(AsRef::as_ref).enumerate() {
            e.clear();
            for ((dp, gp), &var) in d.chunks_exact(3).zip(g.chunks_exact(3)).zip(vars) {
                let (xd, yd) = (dp[0], dp[1]);
                let (dx, dy) = if k1 > 0 {
                    if gp[2] <= 0.0 {
                        continue; // e[vg > 0]
                    }
                    (xd - gp[0], yd - gp[1])
                } else {
                    // np.max((z, x0 - xd), axis=0) + np.max((z, xd - x1), axis=0)
                    (max0(x0 - xd) + max0(xd - x1), max0(y0 - yd) + max0(yd - y1))
                };
                e.push((-((dx * dx + dy * dy) / var / denom / 2.0)).exp());
            }
            out[i * n + j] = super::summarize::pairwise_sum(e) / e.len() as f64;
        }
    }
}

/// `np.max((0, v))` of one element: NaN propagates as numpy's maximum does.
fn max0(v: f64) -> f64 {
    if v.is_nan() {
        v
    } else {
        v.max(0.0)
    }
}

/// `loadRes`' keypoint branch: `x0, x1, y0, y1 = min/max of the xs and ys` over *all* keypoints (invisible
/// ones at 0 included), area `(x1 - x0) * (y1 - y0)`, bbox `[x0, y0, x1 - x0, y1 - y0]`. `None` for an
/// empty list (numpy fails on it).
pub(crate) fn keypoints_area_bbox(kp: &[f64]) -> Option<(f64, [f64; 4])> {
    let mut it = kp.chunks_exact(3);
    let first = it.next()?;
    let (mut x0, mut x1, mut y0, mut y1) = (first[0], first[0], first[1], first[1]);
    for p in it {
        // np.min/np.max propagate NaN
        x0 = nan_min(x0, p[0]);
        x1 = nan_max(x1, p[0]);
        y0 = nan_min(y0, p[1]);
        y1 = nan_max(y1, p[1]);
    }
    Some(((x1 - x0) * (y1 - y0), [x0, y0, x1 - x0, y1 - y0]))
}

fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oks_of_identical_keypoints_is_one_and_fallback_uses_the_box() {
        let vars = oks_vars(&[0.1, 0.1]);
        let g = [10.0, 10.0, 2.0, 20.0, 20.0, 0.0];
        let bb = [[5.0, 5.0, 20.0, 20.0]];
        let d = [10.0, 10.0, 1.0, 99.0, 99.0, 1.0];
        let (mut e, mut out) = (Vec::new(), Vec::new());
        compute_oks(&[d], &[g], &bb, &[100.0], &vars, &mut e, &mut out);
        assert_eq!(out, vec![1.0]); // only the visible keypoint counts
                                    // No visible keypoint: distance to the enlarged box [-15, 45]²; inside it counts as 0.
        let g0 = [0.0; 6];
        let d = [0.0, 0.0, 0.0, 55.0, 45.0, 0.0];
        compute_oks(&[d], &[g0], &bb, &[100.0], &vars, &mut e, &mut out);
        let e1 = (10.0f64 * 10.0) / ((0.2f64 * 0.2) * 1.0) / (100.0 + f64::EPSILON) / 2.0;
        let want = (1.0 + (-e1).exp()) / 2.0;
        assert_eq!(out, vec![want]);
    }

    #[test]
    fn keypoint_area_includes_invisible_zeros() {
        let (area, bb) =
            keypoints_area_bbox(&[10.0, 20.0, 2.0, 0.0, 0.0, 0.0, 30.0, 25.0, 1.0]).unwrap();
        assert_eq!(bb, [0.0, 0.0, 30.0, 25.0]);
        assert_eq!(area, 750.0);
        assert!(keypoints_area_bbox(&[]).is_none());
    }
}

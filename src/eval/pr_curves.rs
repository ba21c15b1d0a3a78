//! Precision–recall curves from COCOeval's accumulated precision array (`eval['precision']`, `[T, R, K, A, M]`):
//! per category and over all categories, at IoU 0.5, at IoU 0.75 and averaged over the IoU thresholds
//! (0.5:0.95), for area range "all" and maxDets 100 — the slices `summarize` reads for AP, AP50 and AP75.
//!
//! The points are pycocotools' interpolated precision at its 101 recall thresholds (`recThrs`), as
//! accumulated: the precision envelope, zero past the highest recall reached. A category without ground
//! truth (precision −1 everywhere) has no curve. The mean over IoU thresholds and the overall curve average
//! the defined values (> −1) as `_summarize` does (`np.mean(s[s > -1])`).
//!
//! Not here: the CSV and SVG files (`ops::eval_coco`, `render::chart`).

use super::cocoeval::{pairwise_sum, Accumulation};

/// Which precision slice a curve is: IoU 0.5, 0.75, or the mean over all thresholds.
pub const IOU_LABELS: [&str; 3] = ["0.50", "0.75", "0.50:0.95"];

/// One curve set: `precision[i][r]` for each of [`IOU_LABELS`] (`None` where the threshold is not
/// evaluated), at the recall thresholds of [`PrCurves::recall`].
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// The category id; `None` for the curve over all categories.
    pub category_id: Option<i64>,
    pub precision: [Option<Vec<f64>>; 3],
}

/// Every curve of one evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct PrCurves {
    /// The recall thresholds (`recThrs`).
    pub recall: Vec<f64>,
    /// The curve over all categories (first) and one per category with ground truth, in category id order.
    pub overall: Curve,
    pub per_class: Vec<Curve>,
}

impl PrCurves {
    /// The curves of `acc` (area "all", or the first range; maxDets 100, or the largest).
    pub fn from_accumulation(acc: &Accumulation) -> PrCurves {
        let p = &acc.params;
        let [t_n, r_n, k_n, _, _] = acc.counts;
        let a = p.area_rng_lbl.iter().position(|l| l == "all").unwrap_or(0);
        let m = p
            .max_dets
            .iter()
            .position(|&d| d == 100)
            .unwrap_or(p.max_dets.len().saturating_sub(1));
        let t_of = |v: f64| p.iou_thrs.iter().position(|&t| (t - v).abs() < 1e-9);
        let slices: [Vec<usize>; 3] = [
            t_of(0.5).into_iter().collect(),
            t_of(0.75).into_iter().collect(),
            (0..t_n).collect(),
        ];
        // `np.mean(s[s > -1])` of `s = precision[ts, r, ks, a, m]` (C order: t major): numpy's pairwise sum
        // over the defined values, divided by their count.
        let mut vals = Vec::new();
        let mut mean = |ts: &[usize], ks: &[usize], r: usize| -> f64 {
            vals.clear();
            for &t in ts {
                for &k in ks {
                    let v = acc.precision_at(t, r, k, a, m);
                    if v > -1.0 {
                        vals.push(v);
                    }
                }
            }
            if vals.is_empty() {
                -1.0
            } else {
                pairwise_sum(&vals) / vals.len() as f64
            }
        };
        let mut curve = |id: Option<i64>, ks: &[usize]| -> Option<Curve> {
            let mut precision: [Option<Vec<f64>>; 3] = Default::default();
            let mut any = false;
            for (i, ts) in slices.iter().enumerate() {
                if ts.is_empty() {
                    continue;
                }
                let v: Vec<f64> = (0..r_n).map(|r| mean(ts, ks, r)).collect();
                if v.iter().any(|&x| x > -1.0) {
                    any = true;
                    precision[i] = Some(v);
                }
            }
            any.then_some(Curve {
                category_id: id,
                precision,
            })
        };
        let all: Vec<usize> = (0..k_n).collect();
        let overall = curve(None, &all).unwrap_or(Curve {
            category_id: None,
            precision: Default::default(),
        });
        let per_class = if p.use_cats {
            p.cat_ids
                .iter()
                .enumerate()
                .filter_map(|(k, &id)| curve(Some(id), &[k]))
                .collect()
        } else {
            Vec::new()
        };
        PrCurves {
            recall: p.rec_thrs.clone(),
            overall,
            per_class,
        }
    }
}

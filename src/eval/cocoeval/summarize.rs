//! `COCOeval.summarize`: the 12 detection stats (`_summarizeDets`) or the 10 keypoint stats
//! (`_summarizeKps`) and their printed lines, plus per-category AP.
//!
//! Not here: accumulation (see `accumulate`).
//!
//! Quirks reproduced on purpose: `stats[0]` is taken at maxDets = 100 whatever `max_dets` holds (so it is −1
//! when 100 is not one of them), the other stats at `max_dets[0..3]` of the sorted list; every keypoint
//! stat is taken at maxDets = 20 whatever `max_dets` holds; thresholds are
//! found by exact equality with 0.5 and 0.75; a setting with no value above −1 gives −1; the mean is
//! numpy's (pairwise summation over the selected values in C order, then one division), and area ranges and
//! maxDets pick their indices by label and value with numpy's fancy-index broadcasting.

use rayon::prelude::*;

use super::accumulate::Accumulation;
use super::params::IouType;
use crate::{Error, Result};

/// The stats and the lines pycocotools prints for them.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub iou_type: IouType,
    /// bbox/segm (12): AP, AP50, AP75, AP small/medium/large, AR1, AR10, AR100, AR small/medium/large.
    /// keypoints (10): AP, AP50, AP75, AP medium/large, AR, AR50, AR75, AR medium/large (maxDets 20).
    pub stats: Vec<f64>,
    /// The lines of `summarize()`, one per stat, without newlines.
    pub lines: Vec<String>,
}

impl Summary {
    /// The 12 lines joined with newlines (with a trailing one), as pycocotools prints them.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            s.push_str(l);
            s.push('\n');
        }
        s
    }
}

/// Per-category numbers (over all IoU thresholds unless named): AP, AP at IoU 0.5 and 0.75, and AR, all at
/// area range `all` and maxDets `max_dets[2]` (100 by default) — the same selections as stats 0-2 and 8;
/// for keypoints at maxDets 20, as stats 0-2 and 5 (`ar100` then holds AR at 20 detections).
/// −1 where undefined (no ground truth of the category).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassStats {
    pub category_id: i64,
    pub ap: f64,
    pub ap50: f64,
    pub ap75: f64,
    pub ar100: f64,
}

/// numpy's pairwise summation (`pairwise_sum` in loops_utils.h), as `np.add.reduce` runs it on a
/// contiguous float64 array: blocks of up to 128 summed with 8 accumulators, larger runs split in halves
/// (the first half a multiple of 8).
pub(crate) fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &v in a {
            res += v;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// `np.mean(v)`, or −1 for an empty selection (pycocotools' `mean_s = -1`).
fn mean_or_minus_one(v: &[f64]) -> f64 {
    if v.is_empty() {
        -1.0
    } else {
        pairwise_sum(v) / v.len() as f64
    }
}

/// The (area index, maxDets index) pairs of `s[..., aind, mind]`: numpy broadcasts the two index lists.
fn broadcast(aind: &[usize], mind: &[usize]) -> Result<Vec<(usize, usize)>> {
    let n = match (aind.len(), mind.len()) {
        (x, y) if x == y => x,
        (1, y) => y,
        (x, 1) => x,
        (x, y) => {
            return Err(Error::msg(format!(
            "area range labels and maxDets select {x} and {y} entries; numpy cannot broadcast them"
        )))
        }
    };
    Ok((0..n)
        .map(|i| {
            (
                aind[if aind.len() == 1 { 0 } else { i }],
                mind[if mind.len() == 1 { 0 } else { i }],
            )
        })
        .collect())
}

/// What one `_summarize(...)` call selects.
struct Select<'a> {
    ap: bool,
    iou_thr: Option<f64>,
    area: &'a str,
    max_dets: usize,
}

impl Accumulation {
    /// `_summarize(ap, iouThr, areaRng, maxDets)`, optionally restricted to category index `k`.
    fn mean_of(&self, s: &Select<'_>, only_k: Option<usize>, buf: &mut Vec<f64>) -> Result<f64> {
        let p = &self.params;
        let [t_n, r_n, k_n, _, _] = self.counts;
        let ts: Vec<usize> = match s.iou_thr {
            None => (0..t_n).collect(),
            Some(thr) => (0..t_n).filter(|&t| p.iou_thrs[t] == thr).collect(),
        };
        let aind: Vec<usize> = (0..p.area_rng_lbl.len())
            .filter(|&i| p.area_rng_lbl[i] == s.area)
            .collect();
        let mind: Vec<usize> = (0..p.max_dets.len())
            .filter(|&i| p.max_dets[i] == s.max_dets)
            .collect();
        let pairs = broadcast(&aind, &mind)?;
        let ks = match only_k {
            Some(k) => k..k + 1,
            None => 0..k_n,
        };
        buf.clear();
        for &t in &ts {
            if s.ap {
                for r in 0..r_n {
                    for k in ks.clone() {
                        for &(a, m) in &pairs {
                            buf.push(self.precision_at(t, r, k, a, m));
                        }
                    }
                }
            } else {
                for k in ks.clone() {
                    for &(a, m) in &pairs {
                        buf.push(self.recall_at(t, k, a, m));
                    }
                }
            }
        }
        buf.retain(|&v| v > -1.0);
        Ok(mean_or_minus_one(buf))
    }

    fn line(&self, s: &Select<'_>, value: f64) -> String {
        let p = &self.params;
        let title = if s.ap {
            "Average Precision"
        } else {
            "Average Recall"
        };
        let kind = if s.ap { "(AP)" } else { "(AR)" };
        let iou = match s.iou_thr {
            None => format!(
                "{:.2}:{:.2}",
                p.iou_thrs[0],
                p.iou_thrs[p.iou_thrs.len() - 1]
            ),
            Some(t) => format!("{t:.2}"),
        };
        format!(
            " {title:<18} {kind} @[ IoU={iou:<9} | area={:>6} | maxDets={:>3} ] = {value:.3}",
            s.area, s.max_dets
        )
    }

    /// The stats' selections: `_summarizeKps` for keypoints, `_summarizeDets` otherwise.
    fn selections(&self) -> Result<Vec<Select<'static>>> {
        let sel = |ap: bool, iou_thr: Option<f64>, area: &'static str, max_dets: usize| Select {
            ap,
            iou_thr,
            area,
            max_dets,
        };
        if self.params.iou_type == IouType::Keypoints {
            return Ok(vec![
                sel(true, None, "all", 20),
                sel(true, Some(0.5), "all", 20),
                sel(true, Some(0.75), "all", 20),
                sel(true, None, "medium", 20),
                sel(true, None, "large", 20),
                sel(false, None, "all", 20),
                sel(false, Some(0.5), "all", 20),
                sel(false, Some(0.75), "all", 20),
                sel(false, None, "medium", 20),
                sel(false, None, "large", 20),
            ]);
        }
        let md = &self.params.max_dets;
        if md.len() < 3 {
            return Err(Error::msg(format!(
                "the 12 COCO stats need at least 3 maxDets values (got {})",
                md.len()
            )));
        }
        Ok(vec![
            sel(true, None, "all", 100),
            sel(true, Some(0.5), "all", md[2]),
            sel(true, Some(0.75), "all", md[2]),
            sel(true, None, "small", md[2]),
            sel(true, None, "medium", md[2]),
            sel(true, None, "large", md[2]),
            sel(false, None, "all", md[0]),
            sel(false, None, "all", md[1]),
            sel(false, None, "all", md[2]),
            sel(false, None, "small", md[2]),
            sel(false, None, "medium", md[2]),
            sel(false, None, "large", md[2]),
        ])
    }

    /// `summarize()`: the 12 stats and lines for bbox/segm (`_summarizeDets`), the 10 for keypoints
    /// (`_summarizeKps`).
    pub fn summarize(&self) -> Result<Summary> {
        let sels = self.selections()?;
        // Each stat is a mean over a slice of the arrays, independent of the others: in parallel (the first
        // error in order, as one after the other).
        let stats: Vec<Result<f64>> = sels
            .par_iter()
            .map_init(Vec::new, |buf, s| self.mean_of(s, None, buf))
            .collect();
        let stats = stats.into_iter().collect::<Result<Vec<f64>>>()?;
        let lines = sels
            .iter()
            .zip(&stats)
            .map(|(s, &v)| self.line(s, v))
            .collect();
        Ok(Summary {
            iou_type: self.params.iou_type,
            stats,
            lines,
        })
    }

    /// AP, AP50, AP75 and AR per category (empty without categories), in `cat_ids` order.
    pub fn per_class(&self) -> Result<Vec<ClassStats>> {
        let p = &self.params;
        if !p.use_cats {
            return Ok(Vec::new());
        }
        let sels = self.selections()?;
        // AP over all thresholds, AP50, AP75 and AR at area `all` and the stats' maxDets.
        let (ap_sel, ar_at) = if p.iou_type == IouType::Keypoints {
            (
                Select {
                    ap: true,
                    iou_thr: None,
                    area: "all",
                    max_dets: 20,
                },
                5,
            )
        } else {
            (
                Select {
                    ap: true,
                    iou_thr: None,
                    area: "all",
                    max_dets: p.max_dets[2],
                },
                8,
            )
        };
        // Categories in parallel; the results (and the first error) in category order.
        let out: Vec<Result<ClassStats>> = p
            .cat_ids
            .par_iter()
            .enumerate()
            .map_init(Vec::new, |buf, (k, &category_id)| {
                Ok(ClassStats {
                    category_id,
                    ap: self.mean_of(&ap_sel, Some(k), buf)?,
                    ap50: self.mean_of(&sels[1], Some(k), buf)?,
                    ap75: self.mean_of(&sels[2], Some(k), buf)?,
                    ar100: self.mean_of(&sels[ar_at], Some(k), buf)?,
                })
            })
            .collect();
        out.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_small_and_large() {
        assert_eq!(pairwise_sum(&[]), 0.0);
        assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
        let v: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        assert_eq!(pairwise_sum(&v), 499500.0);
        // Left to right, every 1 added to 1e16 is lost; numpy's 8 accumulators lose only the one that meets
        // 1e16 (r[0]) and keep the other 14.
        let mut w = vec![1.0; 16];
        w[0] = 1e16;
        let naive: f64 = w.iter().sum();
        assert_eq!(naive, 1e16);
        assert_eq!(pairwise_sum(&w), 1e16 + 14.0);
    }

    #[test]
    fn broadcast_rules() {
        assert_eq!(broadcast(&[0], &[2]).unwrap(), vec![(0, 2)]);
        assert_eq!(broadcast(&[0, 1], &[2]).unwrap(), vec![(0, 2), (1, 2)]);
        assert_eq!(broadcast(&[1, 3], &[0, 2]).unwrap(), vec![(1, 0), (3, 2)]);
        assert!(broadcast(&[], &[2]).unwrap().is_empty());
        assert!(broadcast(&[0, 1], &[0, 1, 2]).is_err());
    }
}

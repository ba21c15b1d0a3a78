//! `COCOeval.accumulate`: precision `[T, R, K, A, M]`, recall `[T, K, A, M]` and scores `[T, R, K, A, M]`
//! from the per-cell outcomes, in parallel over categories.
//!
//! Not here: the 12 stats (see `summarize`).
//!
//! numpy details reproduced: detections of all images are ordered by a stable sort on −score (numpy's
//! mergesort), images in id order and each image's detections in its own score order; precision is
//! `tp / (fp + tp + np.spacing(1))`, recall `tp / npig`; the precision envelope is taken right to left;
//! recall thresholds are looked up with `np.searchsorted(rc, recThrs, side='left')` and the lookup stops at
//! the first threshold beyond the reached recall (pycocotools' `try/except IndexError`), leaving zeros.
//! Settings with no detections-or-ground-truth cell, or with no non-ignored ground truth, stay −1.

use rayon::prelude::*;

use super::evaluate::{Evaluation, FP, TP};
use super::params::EvalParams;

/// `np.spacing(1)`: the distance from 1.0 to the next double.
const SPACING_1: f64 = f64::EPSILON;

/// A key whose ascending order is the descending order of `score` (−0.0 equal to 0.0, as numpy compares
/// them): sorting (key, position) with an unstable sort gives `np.argsort(-scores, kind='mergesort')`.
pub(crate) fn desc_score_key(score: f64) -> u64 {
    let bits = (score + 0.0).to_bits();
    let ascending = if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    };
    !ascending
}

/// The accumulated arrays (pycocotools' `COCOeval.eval`), C order.
#[derive(Debug, Clone, PartialEq)]
pub struct Accumulation {
    pub params: EvalParams,
    /// `[T, R, K, A, M]`.
    pub counts: [usize; 5],
    /// `[T][R][K][A][M]`, −1 where undefined.
    pub precision: Vec<f64>,
    /// `[T][K][A][M]`, −1 where undefined.
    pub recall: Vec<f64>,
    /// `[T][R][K][A][M]`: score of the detection where each recall threshold is reached, −1 where undefined.
    pub scores: Vec<f64>,
}

impl Accumulation {
    /// `precision[t, r, k, a, m]`.
    pub fn precision_at(&self, t: usize, r: usize, k: usize, a: usize, m: usize) -> f64 {
        let [_, rn, kn, an, mn] = self.counts;
        self.precision[(((t * rn + r) * kn + k) * an + a) * mn + m]
    }
    /// `recall[t, k, a, m]`.
    pub fn recall_at(&self, t: usize, k: usize, a: usize, m: usize) -> f64 {
        let [_, _, kn, an, mn] = self.counts;
        self.recall[((t * kn + k) * an + a) * mn + m]
    }
    /// `scores[t, r, k, a, m]`.
    pub fn scores_at(&self, t: usize, r: usize, k: usize, a: usize, m: usize) -> f64 {
        let [_, rn, kn, an, mn] = self.counts;
        self.scores[(((t * rn + r) * kn + k) * an + a) * mn + m]
    }
}

/// One category's arrays: precision/scores `[T][R][A][M]`, recall `[T][A][M]`.
struct PerCat {
    precision: Vec<f64>,
    recall: Vec<f64>,
    scores: Vec<f64>,
}

impl Evaluation {
    /// `COCOeval.accumulate()` with the parameters evaluation ran with.
    pub fn accumulate(&self) -> Accumulation {
        let p = &self.params;
        let (t_n, r_n, k_n, a_n, m_n) = (
            p.iou_thrs.len(),
            p.rec_thrs.len(),
            p.n_cats(),
            p.area_rng.len(),
            p.max_dets.len(),
        );

        // Cells are ordered by category then image: find each category's run.
        let mut starts = vec![0usize; k_n + 1];
        for c in &self.cells {
            starts[c.k as usize + 1] += 1;
        }
        for k in 0..k_n {
            starts[k + 1] += starts[k];
        }

        // Every element is written below (each category's arrays cover all of its places), so the arrays
        // start as fresh zeroed memory, not filled first.
        let mut precision = vec![0.0; t_n * r_n * k_n * a_n * m_n];
        let mut scores = vec![0.0; t_n * r_n * k_n * a_n * m_n];
        let mut recall = vec![0.0; t_n * k_n * a_n * m_n];
        let am = a_n * m_n;
        // Categories in parallel, a batch at a time, each batch copied into place (in parallel over
        // thresholds: each threshold's part of the arrays is contiguous) and dropped: the per-category
        // arrays never add up to a second copy of the result.
        let threads = rayon::current_num_threads().max(1);
        let batch = 16 * threads;
        // Fewer categories than threads (keypoints: one): each category's sort and outcome table are
        // made in parallel instead.
        let few = k_n < threads;
        let rk = r_n * k_n * am;
        for k0 in (0..k_n).step_by(batch) {
            let ks = k0..(k0 + batch).min(k_n);
            let per_cat: Vec<PerCat> = ks
                .clone()
                .into_par_iter()
                .map(|k| self.accumulate_cat(starts[k]..starts[k + 1], few))
                .collect();
            precision
                .par_chunks_mut(rk.max(1))
                .zip(scores.par_chunks_mut(rk.max(1)))
                .enumerate()
                .for_each(|(t, (prec_t, scores_t))| {
                    for (k, pc) in ks.clone().zip(&per_cat) {
                        for r in 0..r_n {
                            let src = (t * r_n + r) * am;
                            let dst = (r * k_n + k) * am;
                            prec_t[dst..dst + am].copy_from_slice(&pc.precision[src..src + am]);
                            scores_t[dst..dst + am].copy_from_slice(&pc.scores[src..src + am]);
                        }
                    }
                });
            for (k, pc) in ks.zip(&per_cat) {
                for t in 0..t_n {
                    let dst = (t * k_n + k) * am;
                    recall[dst..dst + am].copy_from_slice(&pc.recall[t * am..(t + 1) * am]);
                }
            }
        }
        Accumulation {
            params: p.clone(),
            counts: [t_n, r_n, k_n, a_n, m_n],
            precision,
            recall,
            scores,
        }
    }

    fn accumulate_cat(&self, cells: std::ops::Range<usize>, par: bool) -> PerCat {
        let p = &self.params;
        let (t_n, r_n, a_n, m_n) = (
            p.iou_thrs.len(),
            p.rec_thrs.len(),
            p.area_rng.len(),
            p.max_dets.len(),
        );
        let am = a_n * m_n;
        let mut out = PerCat {
            precision: vec![-1.0; t_n * r_n * am],
            recall: vec![-1.0; t_n * am],
            scores: vec![-1.0; t_n * r_n * am],
        };
        if cells.is_empty() {
            return out; // E is empty for every area range and maxDets
        }

        // All detections of the category, image by image, each image's in its score order; then a stable
        // sort on descending score (= np.argsort(-dtScores, kind='mergesort')).
        let mut keyed: Vec<(u64, u32, u32)> = Vec::new(); // (score key, cell, rank): unique, so unstable = stable
        for c in cells.clone() {
            let cell = &self.cells[c];
            let d0 = cell.dt_start as usize;
            for rank in 0..cell.dt_len {
                keyed.push((
                    desc_score_key(self.dt_score[d0 + rank as usize]),
                    c as u32,
                    rank,
                ));
            }
        }
        if par {
            keyed.par_sort_unstable();
        } else {
            keyed.sort_unstable();
        }
        let entries: Vec<(f64, u32, u32)> = keyed
            .into_iter()
            .map(|(_, c, rank)| {
                let d = self.cells[c as usize].dt_start as usize + rank as usize;
                (self.dt_score[d], c, rank)
            })
            .collect();
        let n = entries.len();
        let max_rank = entries.iter().map(|e| e.2 as usize + 1).max().unwrap_or(0);

        // Outcomes in that order, one contiguous row per (area range, threshold): st[(a * T + t) * n + i].
        let mut st = vec![0u8; a_n * t_n * n];
        if par {
            st.par_chunks_mut(n.max(1))
                .enumerate()
                .for_each(|(at, row)| {
                    for (x, &(_, c, rank)) in row.iter_mut().zip(&entries) {
                        let stride = self.cells[c as usize].dt_len as usize;
                        *x = self.states[self.state_off[c as usize] + rank as usize + at * stride];
                    }
                });
        } else {
            for (i, &(_, c, rank)) in entries.iter().enumerate() {
                let base = self.state_off[c as usize] + rank as usize;
                let stride = self.cells[c as usize].dt_len as usize;
                for at in 0..a_n * t_n {
                    st[at * n + i] = self.states[base + at * stride];
                }
            }
        }

        // Per (area range, maxDets, threshold) only the true positives need arithmetic: with rc = tp / npig
        // non-decreasing, searchsorted(rc, thr) is the entry where the cumulative tp first reaches the
        // smallest v with v / npig >= thr (v = 0: the first entry), and the right-to-left precision envelope
        // at a true positive is the maximum of pr over the true positives from there on (pr only rises at a
        // true positive). Same doubles as pycocotools' full arrays, computed the same way.
        let mut rc_of: Vec<f64> = Vec::new();
        let mut v_need: Vec<usize> = Vec::with_capacity(r_n);
        let mut tp_entry: Vec<u32> = Vec::new(); // entry index of the v-th true positive
        let mut pr_tp: Vec<f64> = Vec::new(); // pr there, then its suffix maximum
        let mut fp_at: Vec<u32> = Vec::new(); // false positives before the v-th true positive
        let mut kept: Vec<u32> = Vec::new(); // entries within maxDet of their image (when not all are)
        for a in 0..a_n {
            let npig: u64 = cells.clone().map(|c| self.npig[c * a_n + a] as u64).sum();
            if npig == 0 {
                continue;
            }
            rc_of.clear();
            rc_of.extend((0..=npig).map(|v| v as f64 / npig as f64));
            v_need.clear();
            v_need.extend(
                p.rec_thrs
                    .iter()
                    .map(|&thr| rc_of.partition_point(|&x| x < thr)),
            );
            let mut done_all: Option<usize> = None; // an m that kept every entry, to copy from
            for (m, &max_det) in p.max_dets.iter().enumerate() {
                // e['dtScores'][0:maxDet] per image
                let all = max_rank <= max_det;
                if all {
                    if let Some(m0) = done_all {
                        // Same detections as maxDets index m0: same numbers.
                        for t in 0..t_n {
                            out.recall[t * am + a * m_n + m] = out.recall[t * am + a * m_n + m0];
                            for ri in 0..r_n {
                                let base = (t * r_n + ri) * am + a * m_n;
                                out.precision[base + m] = out.precision[base + m0];
                                out.scores[base + m] = out.scores[base + m0];
                            }
                        }
                        continue;
                    }
                    done_all = Some(m);
                }
                kept.clear();
                if !all {
                    kept.extend(
                        (0..n as u32).filter(|&i| (entries[i as usize].2 as usize) < max_det),
                    );
                }
                let nd = if all { n } else { kept.len() };
                let first = if all {
                    0
                } else {
                    kept.first().map_or(0, |&i| i as usize)
                };
                for t in 0..t_n {
                    let row = &st[(a * t_n + t) * n..(a * t_n + t + 1) * n];
                    // One branch-free pass: the entry index and running fp count are written at slot `tp`
                    // for every entry, and `tp` advances on true positives only.
                    tp_entry.resize(nd + 1, 0);
                    fp_at.resize(nd + 1, 0);
                    let (mut tp, mut fp) = (0usize, 0u32);
                    let mut visit = |i: usize, state: u8| {
                        tp_entry[tp] = i as u32;
                        fp_at[tp] = fp;
                        tp += (state == TP) as usize;
                        fp += (state == FP) as u32;
                    };
                    if all {
                        for (i, &state) in row.iter().enumerate() {
                            visit(i, state);
                        }
                    } else {
                        for &i in &kept {
                            visit(i as usize, row[i as usize]);
                        }
                    }
                    // pr at the v-th true positive: v / (fp + v + eps), fp counted before it.
                    pr_tp.clear();
                    pr_tp.extend((0..tp).map(|j| {
                        let v = (j + 1) as f64;
                        v / (fp_at[j] as f64 + v + SPACING_1)
                    }));
                    out.recall[t * am + a * m_n + m] = if nd > 0 { rc_of[tp] } else { 0.0 };
                    // pr at the first entry: a true positive's, or 0 / (fp + 0 + eps) = 0.
                    let pr0 = if nd > 0 && row[first] == TP {
                        pr_tp[0]
                    } else {
                        0.0
                    };
                    for j in (0..pr_tp.len().saturating_sub(1)).rev() {
                        if pr_tp[j + 1] > pr_tp[j] {
                            pr_tp[j] = pr_tp[j + 1];
                        }
                    }
                    for (ri, &v) in v_need.iter().enumerate() {
                        let dst = (t * r_n + ri) * am + a * m_n + m;
                        let hit = if v == 0 && nd > 0 {
                            let env = pr_tp
                                .first()
                                .map_or(pr0, |&x| if x > pr0 { x } else { pr0 });
                            Some((env, first))
                        } else if v >= 1 && v <= tp {
                            Some((pr_tp[v - 1], tp_entry[v - 1] as usize))
                        } else {
                            None
                        };
                        let Some((q, i)) = hit else {
                            // searchsorted gave an index past the end: pycocotools' IndexError leaves this
                            // threshold and every later one at 0.
                            for rj in ri..r_n {
                                let dst = (t * r_n + rj) * am + a * m_n + m;
                                out.precision[dst] = 0.0;
                                out.scores[dst] = 0.0;
                            }
                            break;
                        };
                        out.precision[dst] = q;
                        out.scores[dst] = entries[i].0;
                    }
                }
            }
        }
        out
    }
}

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

        let per_cat: Vec<PerCat> = (0..k_n)
            .into_par_iter()
            .map(|k| self.accumulate_cat(starts[k]..starts[k + 1]))
            .collect();

        let mut precision = vec![-1.0; t_n * r_n * k_n * a_n * m_n];
        let mut scores = vec![-1.0; t_n * r_n * k_n * a_n * m_n];
        let mut recall = vec![-1.0; t_n * k_n * a_n * m_n];
        let am = a_n * m_n;
        for (k, pc) in per_cat.iter().enumerate() {
            for t in 0..t_n {
                for r in 0..r_n {
                    let src = (t * r_n + r) * am;
                    let dst = ((t * r_n + r) * k_n + k) * am;
                    precision[dst..dst + am].copy_from_slice(&pc.precision[src..src + am]);
                    scores[dst..dst + am].copy_from_slice(&pc.scores[src..src + am]);
                }
                let dst = (t * k_n + k) * am;
                recall[dst..dst + am].copy_from_slice(&pc.recall[t * am..(t + 1) * am]);
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

    fn accumulate_cat(&self, cells: std::ops::Range<usize>) -> PerCat {
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
        struct Entry {
            score: f64,
            cell: u32,
            rank: u32,
        }
        let mut entries: Vec<Entry> = Vec::new();
        for c in cells.clone() {
            let cell = &self.cells[c];
            let d0 = cell.dt_start as usize;
            for rank in 0..cell.dt_len {
                entries.push(Entry {
                    score: self.dt_score[d0 + rank as usize],
                    cell: c as u32,
                    rank,
                });
            }
        }
        entries.sort_by(|a, b| {
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(std::cmp::Ordering::Equal)
        });

        let mut kept: Vec<&Entry> = Vec::with_capacity(entries.len());
        let mut rc: Vec<f64> = Vec::with_capacity(entries.len());
        let mut pr: Vec<f64> = Vec::with_capacity(entries.len());
        for (m, &max_det) in p.max_dets.iter().enumerate() {
            // e['dtScores'][0:maxDet] per image, in the global order.
            kept.clear();
            kept.extend(entries.iter().filter(|e| (e.rank as usize) < max_det));
            let nd = kept.len();
            for a in 0..a_n {
                let npig: u64 = cells.clone().map(|c| self.npig[c * a_n + a] as u64).sum();
                if npig == 0 {
                    continue;
                }
                for t in 0..t_n {
                    rc.clear();
                    pr.clear();
                    let (mut tp, mut fp) = (0u64, 0u64);
                    for e in &kept {
                        let cell = &self.cells[e.cell as usize];
                        let idx = self.state_off[e.cell as usize]
                            + (a * t_n + t) * cell.dt_len as usize
                            + e.rank as usize;
                        match self.states[idx] {
                            TP => tp += 1,
                            FP => fp += 1,
                            _ => {}
                        }
                        let (tpf, fpf) = (tp as f64, fp as f64);
                        rc.push(tpf / npig as f64);
                        pr.push(tpf / (fpf + tpf + SPACING_1));
                    }
                    out.recall[t * am + a * m_n + m] = if nd > 0 { rc[nd - 1] } else { 0.0 };
                    for i in (1..nd).rev() {
                        if pr[i] > pr[i - 1] {
                            pr[i - 1] = pr[i];
                        }
                    }
                    for (ri, &thr) in p.rec_thrs.iter().enumerate() {
                        let pi = rc.partition_point(|&x| x < thr);
                        let dst = (t * r_n + ri) * am + a * m_n + m;
                        if pi >= nd {
                            // IndexError: this and all later thresholds keep 0
                            for rj in ri..r_n {
                                let dst = (t * r_n + rj) * am + a * m_n + m;
                                out.precision[dst] = 0.0;
                                out.scores[dst] = 0.0;
                            }
                            break;
                        }
                        out.precision[dst] = pr[pi];
                        out.scores[dst] = kept[pi].score;
                    }
                }
            }
        }
        out
    }
}

//! `COCOeval.evaluate`: per image × category IoU (`computeIoU`) and greedy matching per area range and IoU
//! threshold (`evaluateImg`), in parallel over cells.
//!
//! Not here: reading or loadRes (see `prepare`), precision/recall (see `accumulate`).
//!
//! Each detection's outcome at (area range, threshold) is kept as one byte: true positive, false positive or
//! ignored — all `accumulate` reads from pycocotools' `dtMatches`/`dtIgnore`. Quirks reproduced on purpose:
//! - the IoU to beat starts at `min(t, 1 - 1e-10)` and a later ground truth with an equal IoU wins;
//! - a detection stops scanning at the first ignored ground truth once it holds a match to a regular one;
//! - crowd ground truths can be matched many times;
//! - the match flag is the ground truth's *id*, so a match with a ground truth of id 0 counts as no match
//!   (a false positive, or ignored when the detection is outside the area range);
//! - unmatched detections outside the area range are ignored, matched ones keep their match's ignore flag.

use rayon::prelude::*;

use super::cell::Cell;
use super::geom;
use super::params::EvalParams;
use super::prepare::Prepared;
use crate::error::{FirstFailure, Result};

/// Detection outcome: counted as a false positive.
pub(crate) const FP: u8 = 0;
/// Detection outcome: counted as a true positive.
pub(crate) const TP: u8 = 1;
/// Detection outcome: neither (matched an ignored ground truth, or unmatched and outside the area range).
pub(crate) const IGNORED: u8 = 2;

/// The result of `evaluate`: per cell, the detections' scores and outcomes and the count of non-ignored
/// ground truths per area range (pycocotools' `evalImgs`, compacted).
pub struct Evaluation {
    pub(crate) params: EvalParams,
    pub(crate) cells: Vec<Cell>,
    /// Scores of the kept detections, in cell order (score descending within a cell).
    pub(crate) dt_score: Vec<f64>,
    /// Per cell at `state_off[c]`: outcome `[a][t][d]` (A × T × D bytes).
    pub(crate) states: Vec<u8>,
    pub(crate) state_off: Vec<usize>,
    /// Per cell: `[a]` number of ground truths not ignored (A values at `c * A`).
    pub(crate) npig: Vec<u32>,
}

impl Evaluation {
    /// The parameters evaluation ran with (sorted ids, sorted maxDets).
    pub fn params(&self) -> &EvalParams {
        &self.params
    }
}

#[derive(Default)]
struct Scratch {
    masks: geom::MaskScratch,
    /// IoU `[d][g]`, ground truths in file order.
    iou: Vec<f64>,
    /// The same in evaluation order (regular ground truths first).
    iou_sorted: Vec<f64>,
    /// Per detection: the largest IoU with any ground truth (+inf if one is NaN, which always "matches").
    best_iou: Vec<f64>,
    /// Ignore flag of each ground truth (file order) per area range: `[a][g]`.
    ig_of: Vec<bool>,
    /// Ground truths in evaluation order (regular first, stable): index into the cell.
    order: Vec<u32>,
    ig: Vec<bool>,
    crowd: Vec<bool>,
    id_nonzero: Vec<bool>,
    gtm: Vec<bool>,
    /// Matching outcome `[t][d]` per distinct ignore pattern: FP (no match that counts), TP, IGNORED.
    raw: Vec<u8>,
    /// For each area range, which `raw` block holds its matching.
    raw_of: Vec<usize>,
}

/// Run `evaluate` on prepared cells.
pub(crate) fn evaluate(prep: Prepared<'_>) -> Result<Evaluation> {
    let p = &prep.params;
    let (a_n, t_n) = (p.area_rng.len(), p.iou_thrs.len());
    let mut state_off = Vec::with_capacity(prep.cells.len() + 1);
    let mut total = 0usize;
    for c in &prep.cells {
        state_off.push(total);
        total += a_n * t_n * c.dt_len as usize;
    }
    state_off.push(total);
    let mut states = vec![0u8; total];
    let mut npig = vec![0u32; prep.cells.len() * a_n];

    // Hand each cell its own output slices, then evaluate cells in parallel.
    let mut chunks: Vec<(&Cell, &mut [u8], &mut [u32])> = Vec::with_capacity(prep.cells.len());
    let mut rest_s: &mut [u8] = &mut states;
    let mut rest_n: &mut [u32] = &mut npig;
    for c in &prep.cells {
        let (s, r) = std::mem::take(&mut rest_s).split_at_mut(a_n * t_n * c.dt_len as usize);
        let (n, rn) = std::mem::take(&mut rest_n).split_at_mut(a_n);
        rest_s = r;
        rest_n = rn;
        chunks.push((c, s, n));
    }
    // The first failing cell in cell order is reported, whatever the thread timing: a cell is skipped only
    // when a cell before it has already failed.
    let failed = FirstFailure::default();
    chunks.into_par_iter().enumerate().for_each_init(
        Scratch::default,
        |scratch, (ci, (cell, s, n))| {
            if failed.skip(ci) {
                return;
            }
            if let Err(e) = eval_cell(&prep, cell, scratch, s, n) {
                failed.record(ci, e);
            }
        },
    );
    failed.into_result()?;

    Ok(Evaluation {
        params: prep.params,
        cells: prep.cells,
        dt_score: prep.dt_score,
        states,
        state_off,
        npig,
    })
}

/// `computeIoU` + `evaluateImg` for every area range of one cell.
///
/// The matching depends on the area range only through the ground truths' ignore flags, so area ranges
/// with the same flags share one matching; the detections' own area check is applied per range after.
fn eval_cell(
    prep: &Prepared<'_>,
    cell: &Cell,
    sc: &mut Scratch,
    states: &mut [u8],
    npig: &mut [u32],
) -> Result<()> {
    let p = &prep.params;
    let (g0, g_n) = (cell.gt_start as usize, cell.gt_len as usize);
    let (d0, d_n) = (cell.dt_start as usize, cell.dt_len as usize);
    let (a_n, t_n) = (p.area_rng.len(), p.iou_thrs.len());
    let crowd = &prep.gt_crowd[g0..g0 + g_n];
    let gt_area = &prep.gt_area[g0..g0 + g_n];
    let id_nz = &prep.gt_id_nonzero[g0..g0 + g_n];
    let dt_area = &prep.dt_area[d0..d0 + d_n];

    let have_iou = g_n > 0 && d_n > 0;
    if have_iou {
        prep.geometry
            .cell_iou(cell, crowd, &mut sc.masks, &mut sc.iou)?;
        sc.best_iou.clear();
        sc.best_iou.extend(sc.iou.chunks_exact(g_n).map(|row| {
            row.iter().fold(f64::NEG_INFINITY, |m, &v| {
                if v.is_nan() {
                    f64::INFINITY
                } else {
                    m.max(v)
                }
            })
        }));
    }

    // gt['_ignore'] per area range.
    sc.ig_of.clear();
    for rng in &p.area_rng {
        let (lo, hi) = (rng[0], rng[1]);
        sc.ig_of
            .extend((0..g_n).map(|g| crowd[g] || gt_area[g] < lo || gt_area[g] > hi));
    }

    sc.raw.clear();
    sc.raw_of.clear();
    let mut patterns: Vec<usize> = Vec::with_capacity(a_n); // area range that owns each raw block
    for (a, npig_a) in npig.iter_mut().enumerate() {
        let ig_a = &sc.ig_of[a * g_n..(a + 1) * g_n];
        *npig_a = ig_a.iter().filter(|&&x| !x).count() as u32;
        if let Some(pi) = patterns
            .iter()
            .position(|&a2| &sc.ig_of[a2 * g_n..(a2 + 1) * g_n] == ig_a)
        {
            sc.raw_of.push(pi);
            continue;
        }
        sc.raw_of.push(patterns.len());
        patterns.push(a);
        let base = sc.raw.len();
        sc.raw.resize(base + t_n * d_n, FP);
        if !have_iou {
            continue; // no ground truth or no detection: nothing matches
        }

        // Ground truths sorted with ignored last (mergesort: stable), and the IoU columns to match.
        sc.order.clear();
        sc.order
            .extend((0..g_n as u32).filter(|&g| !ig_a[g as usize]));
        let n_regular = sc.order.len();
        sc.order
            .extend((0..g_n as u32).filter(|&g| ig_a[g as usize]));
        sc.ig.clear();
        sc.ig.extend((0..g_n).map(|i| i >= n_regular));
        sc.crowd.clear();
        sc.crowd.extend(sc.order.iter().map(|&g| crowd[g as usize]));
        sc.id_nonzero.clear();
        sc.id_nonzero
            .extend(sc.order.iter().map(|&g| id_nz[g as usize]));
        sc.iou_sorted.clear();
        for row in sc.iou.chunks_exact(g_n) {
            sc.iou_sorted
                .extend(sc.order.iter().map(|&g| row[g as usize]));
        }

        for (t, &thr) in p.iou_thrs.iter().enumerate() {
            let out = &mut sc.raw[base + t * d_n..base + (t + 1) * d_n];
            let start = thr.min(1.0 - 1e-10);
            sc.gtm.clear();
            sc.gtm.resize(g_n, false);
            for (d, o) in out.iter_mut().enumerate() {
                if sc.best_iou[d] < start {
                    continue; // no IoU reaches the threshold: unmatched
                }
                let row = &sc.iou_sorted[d * g_n..(d + 1) * g_n];
                let mut best = start;
                let mut m = usize::MAX;
                for (gi, &v) in row.iter().enumerate() {
                    // already matched and not a crowd: skip
                    if sc.gtm[gi] && !sc.crowd[gi] {
                        continue;
                    }
                    // holding a match to a regular gt and reaching the ignored ones: stop
                    if m != usize::MAX && !sc.ig[m] && sc.ig[gi] {
                        break;
                    }
                    if v < best {
                        continue;
                    }
                    best = v;
                    m = gi;
                }
                if m == usize::MAX {
                    continue;
                }
                sc.gtm[m] = true; // gtm holds the detection id, always >= 1
                *o = if sc.ig[m] {
                    IGNORED
                } else if sc.id_nonzero[m] {
                    TP
                } else {
                    FP // dtm = gt id 0 reads as "no match"
                };
            }
        }
    }

    // Unmatched detections outside the area range are ignored.
    for a in 0..a_n {
        let (lo, hi) = (p.area_rng[a][0], p.area_rng[a][1]);
        let raw = &sc.raw[sc.raw_of[a] * t_n * d_n..(sc.raw_of[a] + 1) * t_n * d_n];
        let out = &mut states[a * t_n * d_n..(a + 1) * t_n * d_n];
        for t in 0..t_n {
            for d in 0..d_n {
                let r = raw[t * d_n + d];
                out[t * d_n + d] = if r == FP && (dt_area[d] < lo || dt_area[d] > hi) {
                    IGNORED
                } else {
                    r
                };
            }
        }
    }
    Ok(())
}

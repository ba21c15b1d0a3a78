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
//! - unmatched detections outside the area range are ignored, matched ones keep their match's ignore flag;
//! - keypoints: ground truths with `num_keypoints == 0` are ignored like crowds (but matched only once),
//!   and without categories nothing matches (`computeOks` looks up the category -1, which has no objects).

use rayon::prelude::*;

use super::cell::Cell;
use super::geom;
use super::params::{EvalParams, IouType};
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

/// One image × category cell as pycocotools' `evalImgs` entries (one per area range) and `ious[imgId,
/// catId]` describe it: made only on request ([`super::evaluate_loaded_dets_detailed`]), from the same
/// matching as the outcomes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellDetails {
    /// Category index into the evaluated `cat_ids` (0 without categories) and image index into `img_ids`.
    pub k: u32,
    pub img: u32,
    /// The cell's ground truths (file order) and kept detections (score order, at most `maxDets[-1]`):
    /// indices into the annotations and results given.
    pub gt: Vec<u32>,
    pub dt: Vec<u32>,
    /// `ious[imgId, catId]`: IoU `[d][g]` (ground truths in file order); empty without gt or dt.
    pub iou: Vec<f64>,
    /// Per area range: the ground truths in evaluation order (regular first, stable), as positions in `gt`
    /// (`[a][g]`, `G` each), with their ignore flags (`gtIgnore`, same layout).
    pub gt_order: Vec<u32>,
    pub gt_ignore: Vec<bool>,
    /// Per area range and threshold: the position in `gt` of each detection's match (`dtMatches`, which
    /// holds that ground truth's id), `u32::MAX` for none; `[a][t][d]`.
    pub dt_match: Vec<u32>,
    /// Per area range and threshold: the position in `dt` of the detection that took each ground truth, in
    /// evaluation order (`gtMatches`, which holds that detection's id), `u32::MAX` for none; `[a][t][g]`.
    pub gt_match: Vec<u32>,
    /// `dtIgnore` `[a][t][d]`.
    pub dt_ignore: Vec<bool>,
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
    /// With details: per `raw` block, the evaluation order of the ground truths, each detection's match
    /// (`[t][d]`, position in the evaluation order) and each ground truth's taker (`[t][g]`).
    orders: Vec<u32>,
    dt_partner: Vec<u32>,
    gt_partner: Vec<u32>,
}

/// Run `evaluate` on prepared cells.
pub(crate) fn evaluate(prep: Prepared<'_>) -> Result<Evaluation> {
    evaluate_with(prep, false).map(|(ev, _)| ev)
}

/// [`evaluate`], with each cell's [`CellDetails`] when `details` (else none).
pub(crate) fn evaluate_with(
    prep: Prepared<'_>,
    details: bool,
) -> Result<(Evaluation, Vec<CellDetails>)> {
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

    let mut cell_details: Vec<CellDetails> = if details {
        vec![CellDetails::default(); prep.cells.len()]
    } else {
        Vec::new()
    };
    let mut det_iter = cell_details.iter_mut();

    // Hand each cell its own output slices, then evaluate cells in parallel.
    type Chunk<'c> = (
        &'c Cell,
        &'c mut [u8],
        &'c mut [u32],
        Option<&'c mut CellDetails>,
    );
    let mut chunks: Vec<Chunk> = Vec::with_capacity(prep.cells.len());
    let mut rest_s: &mut [u8] = &mut states;
    let mut rest_n: &mut [u32] = &mut npig;
    for c in &prep.cells {
        let (s, r) = std::mem::take(&mut rest_s).split_at_mut(a_n * t_n * c.dt_len as usize);
        let (n, rn) = std::mem::take(&mut rest_n).split_at_mut(a_n);
        rest_s = r;
        rest_n = rn;
        chunks.push((c, s, n, det_iter.next()));
    }
    // The first failing cell in cell order is reported, whatever the thread timing: a cell is skipped only
    // when a cell before it has already failed.
    let failed = FirstFailure::default();
    chunks.into_par_iter().enumerate().for_each_init(
        Scratch::default,
        |scratch, (ci, (cell, s, n, det))| {
            if failed.skip(ci) {
                return;
            }
            if let Err(e) = eval_cell(&prep, cell, scratch, s, n, det) {
                failed.record(ci, e);
            }
        },
    );
    failed.into_result()?;

    let ev = Evaluation {
        params: prep.params,
        cells: prep.cells,
        dt_score: prep.dt_score,
        states,
        state_off,
        npig,
    };
    Ok((ev, cell_details))
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
    details: Option<&mut CellDetails>,
) -> Result<()> {
    let want = details.is_some();
    let p = &prep.params;
    let (g0, g_n) = (cell.gt_start as usize, cell.gt_len as usize);
    let (d0, d_n) = (cell.dt_start as usize, cell.dt_len as usize);
    let (a_n, t_n) = (p.area_rng.len(), p.iou_thrs.len());
    let crowd = &prep.gt_crowd[g0..g0 + g_n];
    let gt_area = &prep.gt_area[g0..g0 + g_n];
    let id_nz = &prep.gt_id_nonzero[g0..g0 + g_n];
    let dt_area = &prep.dt_area[d0..d0 + d_n];
    let dt_id_pos = &prep.dt_id_positive[d0..d0 + d_n];

    let ignore = &prep.gt_ignore[g0..g0 + g_n];
    // computeOks reads `_gts[imgId, -1]` without categories, which is empty: no OKS, nothing matches.
    let have_iou = g_n > 0 && d_n > 0 && (p.use_cats || p.iou_type != IouType::Keypoints);
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
            .extend((0..g_n).map(|g| ignore[g] || gt_area[g] < lo || gt_area[g] > hi));
    }

    sc.raw.clear();
    sc.raw_of.clear();
    sc.orders.clear();
    sc.dt_partner.clear();
    sc.gt_partner.clear();
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
        // Ground truths sorted with ignored last (mergesort: stable), and the IoU columns to match.
        sc.order.clear();
        sc.order
            .extend((0..g_n as u32).filter(|&g| !ig_a[g as usize]));
        let n_regular = sc.order.len();
        sc.order
            .extend((0..g_n as u32).filter(|&g| ig_a[g as usize]));
        if want {
            sc.orders.extend_from_slice(&sc.order);
            sc.dt_partner
                .resize(sc.dt_partner.len() + t_n * d_n, u32::MAX);
            sc.gt_partner
                .resize(sc.gt_partner.len() + t_n * g_n, u32::MAX);
        }
        if !have_iou {
            continue; // no ground truth or no detection: nothing matches
        }

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
                sc.gtm[m] = dt_id_pos[d]; // gtm holds the detection id: taken when > 0
                if want {
                    let pat = patterns.len() - 1;
                    sc.dt_partner[pat * t_n * d_n + t * d_n + d] = m as u32;
                    sc.gt_partner[pat * t_n * g_n + t * g_n + m] = d as u32;
                }
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
                out[t * d_n + d] =
                    if r == FP && (dt_area[d] < lo || dt_area[d] > hi || cell.unmatched_ignored) {
                        IGNORED
                    } else {
                        r
                    };
            }
        }
    }
    if let Some(det) = details {
        det.k = cell.k;
        det.img = cell.img;
        det.gt = prep.gt_src[g0..g0 + g_n].to_vec();
        det.dt = prep.dt_src[d0..d0 + d_n].to_vec();
        if have_iou {
            det.iou = sc.iou.clone();
        }
        for a in 0..a_n {
            let pat = sc.raw_of[a];
            let order = &sc.orders[pat * g_n..(pat + 1) * g_n];
            det.gt_order.extend_from_slice(order);
            let ig_a = &sc.ig_of[a * g_n..(a + 1) * g_n];
            det.gt_ignore
                .extend(order.iter().map(|&g| ig_a[g as usize]));
            // Partners are positions in the evaluation order: turn a detection's into a position in `gt`.
            let dp = &sc.dt_partner[pat * t_n * d_n..(pat + 1) * t_n * d_n];
            det.dt_match.extend(dp.iter().map(
                |&m| {
                    if m == u32::MAX {
                        m
                    } else {
                        order[m as usize]
                    }
                },
            ));
            det.gt_match
                .extend_from_slice(&sc.gt_partner[pat * t_n * g_n..(pat + 1) * t_n * g_n]);
            det.dt_ignore.extend(
                states[a * t_n * d_n..(a + 1) * t_n * d_n]
                    .iter()
                    .map(|&s| s == IGNORED),
            );
        }
    }
    Ok(())
}

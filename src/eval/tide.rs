//! TIDE's error decomposition (Bolya et al., ECCV 2020), number for number tidecv 1.0.1's: how many AP
//! points each kind of error costs a detector.
//!
//! What it mirrors, function by function (tidecv/quantify.py unless named):
//! - `TIDEExample._run`: per image, predictions sorted by score (stable) and cut to `max_dets` = 100 *per
//!   image, over all classes* (`datasets.COCO` sets 100; COCOeval cuts per image and class); class-aware
//!   matching in score order, each prediction taking the first (`argmax`) highest-IoU unused same-class
//!   ground truth if that IoU is `>= pos_thresh` (0.5); crowd annotations are ignore regions, and an
//!   unmatched prediction with crowd IoU `> pos_thresh` (strict) with a same-class region is ignored
//!   (not in the AP data, still an error candidate).
//! - `TIDERun._eval_image`: the error of each unmatched or ignored prediction, first rule that holds:
//!   no ground truth in the image → Bkg; best same-class IoU in `[bg_thresh, pos_thresh]` (0.1, 0.5, both
//!   inclusive) → Loc; best other-class IoU `>= 0.5` → Cls; best IoU with a *matched* same-class ground
//!   truth `>= 0.5` → Dupe; best IoU of any class `<= 0.1` → Bkg; else Both. An unmatched ground truth is a
//!   Miss unless a Cls or Loc error points at it (`usable`).
//! - `errors/error.py BestGTMatch`: of the Cls/Loc errors pointing at one unmatched ground truth, only the
//!   highest-scored (the first in score order on ties) becomes a true positive when fixed; the others are
//!   removed — also when fixing Cls removes a Loc error's rival, and also for ignored predictions, which
//!   thus can become true positives.
//! - `TIDERun.fix_errors` / `fix_main_errors` (not progressive) / `fix_special_errors`: each main error type
//!   is fixed alone against the original AP, dAP = `max(fixed − AP, 0)`; fixing Cls moves the prediction to
//!   the ground truth's class, fixing Dupe/Bkg/Both removes it, fixing Miss removes the ground truth from
//!   the positives. FalsePos: every false positive's score set to 0 and every true positive's to 1; FalseNeg:
//!   the unmatched ground truths removed from the positives. Special errors are not clamped at 0.
//! - `ap.py APDataObject.get_ap`: AP ×100 over 101 recall points `x / 100` (not `np.linspace`), precision
//!   made monotone, `np.searchsorted(recalls, x, 'left')`, a plain left-to-right sum; a class with no
//!   ground truth scores 0 but still counts in the mean when it has predictions
//!   (`ClassedAPDataObject.get_mAP`: classes in first-touched order, empty ones left out).
//! - The order of data points (which decides ties in score) is tidecv's: images in ground-truth order,
//!   predictions in score order; in a fixed copy, the errors' points first, then the kept true positives.
//!
//! Units: AP points (0-100), as tidecv prints them. Where tidecv divides by zero (no class left to average,
//! e.g. no predictions at all once Miss is fixed) the AP is 0 here.
//! With segm, `eval coco --tide` runs COCOeval and TIDE in one pass per image ([`evaluate_with_tide`]):
//! each mask is made once and each pair's mask IoU computed at most once, COCOeval's cells taking their
//! matrices from it (`cocoeval::evaluate_loaded_sharing`); same numbers as the two run apart.
//!
//! Not here: tidecv's qualifiers, plots, `evaluate_range`; IoU itself (see `image_iou`, `cocoeval::masks`).

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use super::cocoeval::load::{EvalGt, EvalResults};
use super::cocoeval::{
    self, mask_iou_upper_bound, mask_pair_iou, mask_pair_iou_reaching, push_mask, Cell, CellLayout,
    Evaluation, MakeScratch, MaskSet, Params, Record, Seg,
};
use super::image_iou::{self, Shape};
use crate::{Error, Result};

/// tidecv's `TIDE` defaults.
const POS_THRESH: f64 = 0.5;
const BG_THRESH: f64 = 0.1;
/// `datasets.COCO`'s `max_dets`.
const MAX_DETS: usize = 100;

/// The six main errors of TIDE (dAP, AP points) or their counts.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TideMain<T> {
    /// Classification: right place, wrong class.
    pub cls: T,
    /// Localization: right class, IoU in [0.1, 0.5].
    pub loc: T,
    /// Both: wrong class and poorly localized.
    pub both: T,
    /// Duplicate: the ground truth was already taken by a higher-scored detection.
    pub dupe: T,
    /// Background: no object there (IoU <= 0.1 with everything).
    pub bkg: T,
    /// Missed ground truths no other error accounts for.
    pub miss: T,
}

/// What `--tide` reports: tidecv's `summarize()` numbers, unrounded.
#[derive(Debug, Clone, PartialEq)]
pub struct TideReport {
    /// `"bbox"` or `"mask"` (tidecv's mode names).
    pub mode: &'static str,
    /// tidecv's AP at IoU 0.5 (its own matching and 101-point AP), AP points.
    pub ap50: f64,
    /// dAP of fixing each main error type alone.
    pub main: TideMain<f64>,
    /// dAP of perfect precision (`false_pos`) and of perfect recall (`false_neg`).
    pub false_pos: f64,
    pub false_neg: f64,
    /// How many errors of each type (`TIDERun.count_errors`).
    pub counts: TideMain<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cls,
    Loc,
    Both,
    Dupe,
    Bkg,
    Miss,
}

/// A fixed error's data point (`C`: a class id, or its index in the run's classes).
#[derive(Debug, Clone, Copy)]
enum Fixed<C> {
    /// Suppressed: the point goes.
    Gone,
    /// Becomes a true positive of this class with this score.
    Positive(C, f64),
    /// A missed ground truth of this class leaves the positives.
    Miss(C),
}

#[derive(Debug, Clone, Copy)]
struct TideError<C> {
    kind: Kind,
    /// The unfixed data point (class, score; a false positive), `None` for ignored predictions and misses.
    original: Option<(C, f64)>,
    fixed: Fixed<C>,
}

impl TideError<i64> {
    /// The error with class indices of `base` for class ids (every class of an error has ground truths or
    /// points, so it is there already; one that was not would be added without either, which no AP sees).
    fn indexed(self, base: &mut ApData) -> TideError<usize> {
        let mut at = |c: i64| base.class(c);
        TideError {
            kind: self.kind,
            original: self.original.map(|(c, s)| (at(c), s)),
            fixed: match self.fixed {
                Fixed::Gone => Fixed::Gone,
                Fixed::Positive(c, s) => Fixed::Positive(at(c), s),
                Fixed::Miss(c) => Fixed::Miss(at(c)),
            },
        }
    }
}

/// What one image adds, in tidecv's order.
#[derive(Default)]
struct ImageOut {
    /// Class of each non-ignored ground truth (`add_gt_positives`).
    gt_classes: Vec<i64>,
    /// Data points pushed: (class, score, true positive).
    points: Vec<(i64, f64, bool)>,
    errors: Vec<TideError<i64>>,
    /// Classes of the unmatched ground truths (`false_negatives`).
    false_neg: Vec<i64>,
}

/// `ClassedAPDataObject`: per class (first-touched order) its positives count and data points.
#[derive(Default, Clone)]
struct ApData {
    order: Vec<i64>,
    at: HashMap<i64, usize, foldhash::fast::RandomState>,
    n_gt: Vec<i64>,
    points: Vec<Vec<(f64, bool)>>,
}

impl ApData {
    fn class(&mut self, c: i64) -> usize {
        if let Some(&i) = self.at.get(&c) {
            return i;
        }
        self.order.push(c);
        self.n_gt.push(0);
        self.points.push(Vec::new());
        self.at.insert(c, self.order.len() - 1);
        self.order.len() - 1
    }

    fn push(&mut self, c: i64, score: f64, tp: bool) {
        let i = self.class(c);
        self.points[i].push((score, tp));
    }

    /// `get_mAP`: mean of the non-empty classes' AP; 0 where tidecv divides by zero.
    fn map(&self) -> f64 {
        let mut sum = 0.0;
        let mut n = 0usize;
        for (pts, &g) in self.points.iter().zip(&self.n_gt) {
            if pts.is_empty() && g == 0 {
                continue;
            }
            sum += ap(pts, g);
            n += 1;
        }
        if n == 0 {
            0.0
        } else {
            sum / n as f64
        }
    }
}

/// `APDataObject.get_ap`.
fn ap(points: &[(f64, bool)], n_gt: i64) -> f64 {
    if n_gt == 0 {
        return 0.0;
    }
    // Stable, by descending score.
    let mut pts: Vec<(u64, bool)> = points.iter().map(|&(s, t)| (score_key(s), t)).collect();
    pts.sort_by_key(|p| p.0);
    ap_sorted(pts.into_iter().map(|p| p.1), n_gt)
}

/// A sort key of a score: ascending keys are descending scores (no NaN: scores are checked when read;
/// -0.0 is made 0.0 so that it ties with 0.0, as the float comparison has it).
fn score_key(s: f64) -> u64 {
    let b = (s + 0.0).to_bits();
    let up = if b >> 63 == 1 { !b } else { b | 1 << 63 };
    !up
}

/// The rest of `get_ap`, on the true-positive flags of the points in sorted order.
fn ap_sorted(flags: impl ExactSizeIterator<Item = bool>, n_gt: i64) -> f64 {
    if n_gt == 0 {
        return 0.0;
    }
    let (mut tp, mut fp) = (0u64, 0u64);
    let mut precision = Vec::with_capacity(flags.len());
    let mut recall = Vec::with_capacity(flags.len());
    for t in flags {
        if t {
            tp += 1;
        } else {
            fp += 1;
        }
        precision.push(tp as f64 / (tp + fp) as f64);
        recall.push(tp as f64 / n_gt as f64);
    }
    for i in (1..precision.len()).rev() {
        if precision[i] > precision[i - 1] {
            precision[i - 1] = precision[i];
        }
    }
    let mut sum = 0.0;
    let mut j = 0usize;
    for bar in 0..=100u32 {
        let x = bar as f64 / 100.0;
        // searchsorted(side='left'): the first recall >= x (recalls never decrease).
        while j < recall.len() && recall[j] < x {
            j += 1;
        }
        if j < precision.len() {
            sum += precision[j];
        }
    }
    sum / 101.0 * 100.0
}

/// Index of the first largest value (`np.argmax`).
fn argmax(row: impl Iterator<Item = f64>) -> (usize, f64) {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, v) in row.enumerate() {
        if i == 0 || v > best.1 {
            best = (i, v);
        }
    }
    best
}

/// The IoU of an image's detections (rows) against its ground truths (columns), entry by entry as the
/// rules ask for them. Boxes: the whole matrix (`image_iou::iou`), cheap. Masks: the masks are made once,
/// and an entry is [`Table::get`]`(r, c, need)`: the exact IoU (`mask_pair_iou`, the numbers of
/// `image_iou::iou` and of COCOeval's `computeIoU`), except that a non-crowd pair whose upper bound
/// (`mask_iou_upper_bound`, no pixel walk) is below `need` gets that bound. Every rule of `_eval_image`
/// compares an IoU with a threshold (0.5 to match, for Cls and Dupe; 0.1 for Loc and Bkg), or takes the
/// argmax of IoUs of which only a winner reaching the threshold is used, or multiplies it by 0; a bound
/// below the threshold decides each of these as the exact value would (the exact value is below it too,
/// and a bound never wins an argmax that reaches the threshold). tidecv compares every pixel of every pair
/// of the image; most pairs are neighbours whose IoU could not reach the threshold asked.
struct Table<'m> {
    nc: usize,
    vals: Vec<f64>,
    /// Per entry: 0 not looked at, 1 `vals` holds a bound, 2 `vals` holds the IoU.
    state: Vec<u8>,
    masks: Option<TableMasks<'m>>,
    /// Use the bounds (off: every entry exact, for the tests).
    bounds: bool,
}

/// The masks of a [`Table`]'s rows and columns.
#[derive(Clone, Copy)]
struct TableMasks<'m> {
    dt: &'m MaskSet,
    gt: &'m MaskSet,
    /// The mask of each row in `dt` and of each column in `gt` (only those asked for need one).
    row: &'m [u32],
    col: &'m [u32],
    /// `iscrowd` of each column (its IoU is then intersection over the detection's area).
    crowd: &'m [bool],
}

impl<'m> Table<'m> {
    /// No entry (no prediction or no ground truth: no rule asks for an IoU).
    fn empty() -> Table<'m> {
        Table {
            nc: 0,
            vals: Vec::new(),
            state: Vec::new(),
            masks: None,
            bounds: false,
        }
    }

    /// Every entry known (`vals[r * nc + c]`).
    fn full(vals: Vec<f64>, nc: usize) -> Table<'m> {
        Table {
            nc,
            state: vec![2; vals.len()],
            vals,
            masks: None,
            bounds: false,
        }
    }

    /// Entries computed from the masks when asked.
    fn lazy(nr: usize, nc: usize, masks: TableMasks<'m>, bounds: bool) -> Table<'m> {
        Table {
            nc,
            vals: vec![0.0; nr * nc],
            state: vec![0; nr * nc],
            masks: Some(masks),
            bounds,
        }
    }

    /// IoU of row `r` and column `c`, or a bound `< need` of it (`NEG_INFINITY`: always exact).
    #[inline]
    fn get(&mut self, r: usize, c: usize, need: f64) -> f64 {
        let k = r * self.nc + c;
        let Some(m) = self.masks else {
            return self.vals[k];
        };
        let (d, g) = (m.row[r] as usize, m.col[c] as usize);
        if self.state[k] == 0 {
            self.state[k] = 1;
            let bound = self.bounds && need > f64::NEG_INFINITY && !m.crowd[c];
            match bound
                .then(|| mask_iou_upper_bound(m.dt, d, m.gt, g))
                .flatten()
            {
                Some(b) => self.vals[k] = b,
                None => {
                    self.vals[k] = mask_pair_iou(m.dt, d, m.gt, g, m.crowd[c]);
                    self.state[k] = 2;
                }
            }
        }
        if self.state[k] == 1 && self.vals[k] >= need {
            // A bound is kept only for non-crowd pairs: a shorter walk may give a closer one.
            let (v, exact) = mask_pair_iou_reaching(m.dt, d, m.gt, g, need);
            self.vals[k] = v;
            if exact {
                self.state[k] = 2;
            } else if v >= need {
                self.vals[k] = mask_pair_iou(m.dt, d, m.gt, g, false);
                self.state[k] = 2;
            }
        }
        self.vals[k]
    }
}

/// A [`Table`] seen as TIDE's: rows its predictions (score order), columns the regular ground truths then
/// the crowd regions.
struct Ious<'t, 'm> {
    table: &'t mut Table<'m>,
    rows: &'t [usize],
    cols: &'t [usize],
}

impl Ious<'_, '_> {
    #[inline]
    fn get(&mut self, p: usize, g: usize, need: f64) -> f64 {
        self.table.get(self.rows[p], self.cols[g], need)
    }

    /// `get(p, g, need) * factor` for a factor of 0 or 1. Mask IoUs are finite, so a 0 factor gives ±0
    /// (which every rule treats as 0) without looking the entry up; boxes keep the product (a NaN IoU
    /// would survive it).
    #[inline]
    fn times(&mut self, p: usize, g: usize, need: f64, factor: f64) -> f64 {
        if factor == 0.0 && self.table.masks.is_some() {
            return 0.0;
        }
        self.get(p, g, need) * factor
    }
}

/// What `TIDEExample` compares in one image: the regular ground truths and the crowd regions (indices into
/// the image's annotations, file order), the predictions (indices into its detections: score order,
/// stable, cut to `MAX_DETS`).
struct Chosen {
    regular: Vec<usize>,
    ignore: Vec<usize>,
    preds: Vec<usize>,
}

impl Chosen {
    fn of(gts: &[&Record<'_>], dts: &[&Record<'_>]) -> Chosen {
        let regular = (0..gts.len()).filter(|&g| !gts[g].iscrowd).collect();
        let ignore = (0..gts.len()).filter(|&g| gts[g].iscrowd).collect();
        let mut preds: Vec<usize> = (0..dts.len()).collect();
        let score = |i: usize| dts[i].score.unwrap_or(0.0);
        preds.sort_by(|&a, &b| {
            score(b)
                .partial_cmp(&score(a))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        preds.truncate(MAX_DETS);
        Chosen {
            regular,
            ignore,
            preds,
        }
    }

    /// The IoU columns: the regular ground truths, then the crowd regions.
    fn cols(&self) -> impl Iterator<Item = usize> + '_ {
        self.regular.iter().chain(&self.ignore).copied()
    }

    /// Whether any rule asks for an IoU.
    fn compares(&self) -> bool {
        !self.preds.is_empty() && (!self.regular.is_empty() || !self.ignore.is_empty())
    }
}

/// `_eval_image` for one image: `gts` its annotations (file order), `dts` its detections (file order),
/// `ch` what TIDEExample keeps of them, `ious` their IoUs (rows `ch.preds`, columns `ch.cols()`).
fn eval_image(
    gts: &[&Record<'_>],
    dts: &[&Record<'_>],
    ch: &Chosen,
    ious: &mut Ious<'_, '_>,
) -> ImageOut {
    let mut out = ImageOut::default();
    let regular: Vec<&Record<'_>> = ch.regular.iter().map(|&g| gts[g]).collect();
    let ignore: Vec<&Record<'_>> = ch.ignore.iter().map(|&g| gts[g]).collect();
    let class = |r: &Record<'_>| r.category_id.unwrap_or(0);
    out.gt_classes = regular.iter().map(|g| class(g)).collect();
    if dts.is_empty() {
        for g in &regular {
            out.errors.push(TideError {
                kind: Kind::Miss,
                original: None,
                fixed: Fixed::Miss(class(g)),
            });
            out.false_neg.push(class(g));
        }
        return out;
    }
    let preds: Vec<&Record<'_>> = ch.preds.iter().map(|&p| dts[p]).collect();
    let score = |r: &Record<'_>| r.score.unwrap_or(0.0);
    let (np, ng) = (preds.len(), regular.len());

    // IoU of the predictions against the regular ground truths then the crowd regions (crowd columns:
    // iscrowd IoU), computed as the rules ask for them (see `Table`).
    let same: Vec<bool> = (0..np * ng)
        .map(|k| class(preds[k / ng]) == class(regular[k % ng]))
        .collect();
    let same_f = |p: usize, g: usize| if same[p * ng + g] { 1.0 } else { 0.0 };
    // What a rule multiplies by `same_f` (`cross`: by `1 - same_f`) needs the exact IoU only where the
    // factor is 1; where it is 0, any finite bound gives the same product.
    let any = f64::INFINITY;
    let exact = f64::NEG_INFINITY;
    // A same-class IoU is compared with `thr` (after an argmax, whose winner then reaches `thr`).
    let need_same = |p: usize, g: usize, thr: f64| if same[p * ng + g] { thr } else { any };

    // None: ignored; Some(true): matched.
    let mut used: Vec<Option<bool>> = vec![Some(false); np];
    let mut gt_used = vec![false; ng];
    if ng > 0 {
        let mut buffer: Vec<f64> = (0..np * ng)
            .map(|k| {
                let (p, g) = (k / ng, k % ng);
                ious.times(p, g, need_same(p, g, POS_THRESH), same_f(p, g))
            })
            .collect();
        for p in 0..np {
            let (g, v) = argmax(buffer[p * ng..(p + 1) * ng].iter().copied());
            if v >= POS_THRESH {
                used[p] = Some(true);
                gt_used[g] = true;
                for q in 0..np {
                    buffer[q * ng + g] = 0.0;
                }
            }
        }
    }
    for (r, region) in ignore.iter().enumerate() {
        for p in 0..np {
            if used[p] != Some(true)
                && class(region) == class(preds[p])
                && ious.get(p, ng + r, exact) > POS_THRESH
            {
                used[p] = None;
            }
        }
    }

    // BestGTMatch state per ground truth: usable, best score, best prediction.
    let mut usable = vec![false; ng];
    let mut best: Vec<(f64, Option<usize>)> = vec![(-1.0, None); ng];
    // Errors whose fix depends on BestGTMatch: (index in out.errors, gt, pred, class when fixed).
    let mut pending: Vec<(usize, usize, usize, i64)> = Vec::new();
    for p in 0..np {
        let pred = preds[p];
        let (c, s) = (class(pred), score(pred));
        if let Some(tp) = used[p] {
            out.points.push((c, s, tp));
        }
        if used[p] == Some(true) {
            continue;
        }
        let original = used[p].map(|_| (c, s));
        let push = |kind: Kind, out: &mut ImageOut| {
            out.errors.push(TideError {
                kind,
                original,
                fixed: Fixed::Gone,
            })
        };
        if ng == 0 {
            push(Kind::Bkg, &mut out);
            continue;
        }
        let (g, v) =
            argmax((0..ng).map(|g| ious.times(p, g, need_same(p, g, BG_THRESH), same_f(p, g))));
        let mut best_match = |kind: Kind, g: usize, fixed_class: i64, out: &mut ImageOut| {
            if !gt_used[g] {
                usable[g] = true;
                if best[g].0 < s {
                    best[g] = (s, Some(p));
                }
                pending.push((out.errors.len(), g, p, fixed_class));
            }
            push(kind, out);
        };
        if (BG_THRESH..=POS_THRESH).contains(&v) {
            best_match(Kind::Loc, g, c, &mut out);
            continue;
        }
        // Only an IoU >= 0.5 can make a Cls error: below, a bound is as good as the value.
        let need_cross = |g: usize| if same[p * ng + g] { any } else { POS_THRESH };
        let (g, v) = argmax((0..ng).map(|g| ious.times(p, g, need_cross(g), 1.0 - same_f(p, g))));
        if v >= POS_THRESH {
            best_match(Kind::Cls, g, class(regular[g]), &mut out);
            continue;
        }
        let used_f = |g: usize| if gt_used[g] { 1.0 } else { 0.0 };
        let (_, v) = argmax(
            (0..ng)
                .map(|g| used_f(g) * ious.times(p, g, need_same(p, g, POS_THRESH), same_f(p, g))),
        );
        if v >= POS_THRESH {
            push(Kind::Dupe, &mut out);
            continue;
        }
        // Bkg asks whether every IoU is <= 0.1: a bound below 0.1 answers for its pair.
        let (_, v) = argmax((0..ng).map(|g| ious.get(p, g, BG_THRESH)));
        if v <= BG_THRESH {
            push(Kind::Bkg, &mut out);
            continue;
        }
        push(Kind::Both, &mut out);
    }
    for (e, g, p, c) in pending {
        if best[g].1 == Some(p) {
            out.errors[e].fixed = Fixed::Positive(c, score(preds[p]));
        }
    }
    for (g, truth) in regular.iter().enumerate() {
        if !gt_used[g] {
            out.false_neg.push(class(truth));
            if !usable[g] {
                out.errors.push(TideError {
                    kind: Kind::Miss,
                    original: None,
                    fixed: Fixed::Miss(class(truth)),
                });
            }
        }
    }
    out
}

/// The whole run (`TIDERun._run`) and its decomposition.
struct Run {
    base: ApData,
    /// Classes as indices into `base`.
    errors: Vec<TideError<usize>>,
    /// Unmatched ground truths per class of `base`.
    false_neg: Vec<i64>,
}

/// An [`ApData`] being filled from a run's, class by class in first-touched order (only what `map` reads).
#[cfg(test)]
struct NewData<'b> {
    base: &'b ApData,
    /// Index in `data` of each class of `base`, `usize::MAX` before it is touched.
    at: Vec<usize>,
    data: ApData,
}

#[cfg(test)]
impl NewData<'_> {
    fn class(&mut self, b: usize) -> usize {
        if self.at[b] == usize::MAX {
            self.at[b] = self.data.order.len();
            self.data.order.push(self.base.order[b]);
            self.data.n_gt.push(0);
            self.data.points.push(Vec::new());
        }
        self.at[b]
    }

    fn push(&mut self, b: usize, score: f64, tp: bool) {
        let i = self.class(b);
        self.data.points[i].push((score, tp));
    }
}

/// An error's point in a class of [`Sorted`]: its unfixed false positive (there while its kind is not
/// fixed) or its fixed true positive (there while its kind is).
#[derive(Clone, Copy)]
struct ErrPoint {
    key: u64,
    kind: Kind,
    fixed: bool,
}

/// A run's points, class by class, in the order that `get_ap` sorts every fixed copy of them into, sorted
/// once: a fixed copy of a class is its errors' points (in error order) then its true positives (in run
/// order), and a stable sort of a part of a sequence is that part of the sequence's stable sort.
struct Sorted {
    /// Per class: the errors' points, by key (stable: error order).
    errs: Vec<Vec<ErrPoint>>,
    /// Per class: the keys of its true positives, sorted.
    tps: Vec<Vec<u64>>,
}

impl Sorted {
    fn of(run: &Run) -> Sorted {
        let nk = run.base.order.len();
        let mut errs: Vec<Vec<ErrPoint>> = vec![Vec::new(); nk];
        for e in &run.errors {
            if let Some((c, s)) = e.original {
                errs[c].push(ErrPoint {
                    key: score_key(s),
                    kind: e.kind,
                    fixed: false,
                });
            }
            if let Fixed::Positive(c, s) = e.fixed {
                errs[c].push(ErrPoint {
                    key: score_key(s),
                    kind: e.kind,
                    fixed: true,
                });
            }
        }
        let sort = |v: &mut Vec<ErrPoint>| v.sort_by_key(|p| p.key);
        errs.par_iter_mut().for_each(sort);
        let tps = run
            .base
            .points
            .par_iter()
            .map(|pts| {
                let mut k: Vec<u64> = pts.iter().filter(|p| p.1).map(|p| score_key(p.0)).collect();
                k.sort_unstable();
                k
            })
            .collect();
        Sorted { errs, tps }
    }
}

impl Run {
    /// `fix_errors(...).get_mAP()` (what [`Run::fix`] gives, then [`ApData::map`]) without copying or
    /// sorting the points again: from [`Sorted`].
    fn fix_map(&self, sorted: &Sorted, kind: Option<Kind>, fp: bool, fneg: bool) -> f64 {
        let nk = self.base.order.len();
        let mut gt_pos = self.base.n_gt.clone();
        // The classes in the order the fixed copy touches them: the errors' (in error order), then the
        // others in run order (its true positives and positives are added class by class).
        let mut seen = vec![false; nk];
        let mut order = Vec::with_capacity(nk);
        let mut touch = |c: usize, order: &mut Vec<usize>| {
            if !seen[c] {
                seen[c] = true;
                order.push(c);
            }
        };
        for e in &self.errors {
            if Some(e.kind) == kind {
                match e.fixed {
                    Fixed::Gone => {}
                    Fixed::Positive(c, _) => touch(c, &mut order),
                    Fixed::Miss(c) => gt_pos[c] -= 1,
                }
            } else if let Some((c, _)) = e.original {
                touch(c, &mut order);
            }
        }
        for c in 0..nk {
            touch(c, &mut order);
        }
        let active = |p: &ErrPoint| (Some(p.kind) == kind) == p.fixed;
        let mut flags: Vec<bool> = Vec::new();
        let mut sum = 0.0;
        let mut n = 0usize;
        for c in order {
            let g = if fneg {
                gt_pos[c] - self.false_neg[c]
            } else {
                gt_pos[c]
            };
            let (errs, tps) = (&sorted.errs[c], &sorted.tps[c]);
            flags.clear();
            if fp {
                // Every true positive scores 1 and every false positive 0: all of the former come first.
                let (mut t, mut f) = (tps.len(), 0);
                for p in errs.iter().filter(|p| active(p)) {
                    if p.fixed {
                        t += 1;
                    } else {
                        f += 1;
                    }
                }
                flags.extend(std::iter::repeat_n(true, t));
                flags.extend(std::iter::repeat_n(false, f));
            } else {
                // Merged; on a tie the error's point first (it comes first in the fixed copy).
                let mut tp_at = 0;
                for p in errs.iter().filter(|p| active(p)) {
                    while tp_at < tps.len() && tps[tp_at] < p.key {
                        flags.push(true);
                        tp_at += 1;
                    }
                    flags.push(p.fixed);
                }
                flags.extend(std::iter::repeat_n(true, tps.len() - tp_at));
            }
            if flags.is_empty() && g == 0 {
                continue;
            }
            sum += ap_sorted(flags.iter().copied(), g);
            n += 1;
        }
        if n == 0 {
            0.0
        } else {
            sum / n as f64
        }
    }

    /// `fix_errors`: errors of `kind` fixed (none if `None`), `fp`: FalsePositiveError's transform,
    /// `fneg`: the false negatives removed from the positives.
    #[cfg(test)]
    fn fix(&self, kind: Option<Kind>, fp: bool, fneg: bool) -> ApData {
        let mut gt_pos = self.base.n_gt.clone();
        let mut new = NewData {
            base: &self.base,
            at: vec![usize::MAX; self.base.order.len()],
            data: ApData::default(),
        };
        let tf = |s: f64, t: bool| {
            if !fp {
                s
            } else if t {
                1.0
            } else {
                0.0
            }
        };
        for e in &self.errors {
            if Some(e.kind) == kind {
                match e.fixed {
                    Fixed::Gone => {}
                    Fixed::Positive(c, s) => new.push(c, tf(s, true), true),
                    Fixed::Miss(c) => {
                        if let Some(n) = gt_pos.get_mut(c) {
                            *n -= 1;
                        }
                    }
                }
            } else if let Some((c, s)) = e.original {
                new.push(c, tf(s, false), false);
            }
        }
        for (i, points) in self.base.points.iter().enumerate() {
            for &(s, t) in points {
                if t {
                    new.push(i, tf(s, true), true);
                }
            }
        }
        for (i, &n) in gt_pos.iter().enumerate() {
            let n = if fneg { n - self.false_neg[i] } else { n };
            let k = new.class(i);
            new.data.n_gt[k] += n;
        }
        new.data
    }
}

/// TIDE's per-image results, before the decomposition ([`TideImages::report`]). It holds no reference to
/// the inputs, so that they can be freed first and the decomposition run beside COCOeval's accumulation.
pub(crate) struct TideImages {
    outs: Vec<ImageOut>,
    masks: bool,
}

impl TideImages {
    /// The decomposition (`TIDERun` after `_run`).
    pub(crate) fn report(self) -> TideReport {
        report(self.outs, self.masks)
    }
}

/// Run TIDE on ground truth and results read for evaluation: images in the ground truth's order (those in
/// `img_ids` if given), annotations and detections of the categories in `cat_ids` if given.
pub(crate) fn tide(
    gt: &EvalGt<'_>,
    dt: &EvalResults<'_>,
    masks: bool,
    img_ids: Option<&[i64]>,
    cat_ids: Option<&[i64]>,
) -> Result<TideImages> {
    tide_with(gt, dt, masks, img_ids, cat_ids, true)
}

/// Whether a record's category is among `keep` (all when `None`).
fn cat_filter(keep: Option<&[i64]>) -> impl Fn(&Record<'_>) -> bool + Sync {
    let keep: Option<HashSet<i64>> = keep.map(|v| v.iter().copied().collect());
    move |r: &Record<'_>| {
        keep.as_ref()
            .is_none_or(|k| k.contains(&r.category_id.unwrap_or(0)))
    }
}

/// [`tide`], with the IoU bounds of [`Table`] on or off (the same report either way).
fn tide_with(
    gt: &EvalGt<'_>,
    dt: &EvalResults<'_>,
    masks: bool,
    img_ids: Option<&[i64]>,
    cat_ids: Option<&[i64]>,
    bounds: bool,
) -> Result<TideImages> {
    let shape = if masks { Shape::Masks } else { Shape::Boxes };
    let cat_ok = cat_filter(cat_ids);
    let outs = image_iou::per_image(gt, dt, img_ids, &cat_ok, &cat_ok, |im, gts, dts, sc| {
        let ch = Chosen::of(gts, dts);
        let preds: Vec<&Record<'_>> = ch.preds.iter().map(|&p| dts[p]).collect();
        let cols: Vec<&Record<'_>> = ch.cols().map(|g| gts[g]).collect();
        let crowd: Vec<bool> = cols.iter().map(|g| g.iscrowd).collect();
        let (rows, col_ids): (Vec<usize>, Vec<usize>) =
            ((0..preds.len()).collect(), (0..cols.len()).collect());
        let ident = |n: usize| (0..n as u32).collect::<Vec<u32>>();
        let (row_masks, col_masks) = (ident(preds.len()), ident(cols.len()));
        let dims = (im.height, im.width);
        let mut table = if !ch.compares() {
            Table::empty()
        } else if shape == Shape::Boxes {
            let mut vals = Vec::new();
            image_iou::iou(shape, &cols, &preds, &crowd, dims, sc, &mut vals)?;
            Table::full(vals, cols.len())
        } else {
            let (dm, gm) = image_iou::masks(&cols, &preds, dims, sc)?;
            let m = TableMasks {
                dt: dm,
                gt: gm,
                row: &row_masks,
                col: &col_masks,
                crowd: &crowd,
            };
            Table::lazy(preds.len(), cols.len(), m, bounds)
        };
        let mut ious = Ious {
            table: &mut table,
            rows: &rows,
            cols: &col_ids,
        };
        Ok(eval_image(gts, dts, &ch, &mut ious))
    })?;
    Ok(TideImages { outs, masks })
}

/// COCOeval (segm) and TIDE on the same masks: each mask is made once and each mask IoU computed once
/// ([`cocoeval::evaluate_loaded_sharing`]), COCOeval's cells reading the per-image [`Table`] that TIDE's
/// rules read. Other IoU types, and inputs where this pass fails (a bad mask, an image id twice, ...),
/// give `None`: the caller runs [`tide`] after evaluating, which reports errors as it always does.
pub(crate) fn evaluate_with_tide(
    gt: &EvalGt<'_>,
    dt: &EvalResults<'_>,
    params: &Params,
) -> Result<(Evaluation, Option<TideImages>)> {
    evaluate_with_tide_bounds(gt, dt, params, true)
}

fn evaluate_with_tide_bounds(
    gt: &EvalGt<'_>,
    dt: &EvalResults<'_>,
    params: &Params,
    bounds: bool,
) -> Result<(Evaluation, Option<TideImages>)> {
    let (img_ids, cat_ids) = (params.img_ids.as_deref(), params.cat_ids.as_deref());
    let (ev, outs) = cocoeval::evaluate_loaded_sharing(
        gt,
        dt,
        params,
        || ImageIndex::of(gt, dt),
        |layout, index| shared_pass(gt, dt, layout, index.ok()?, img_ids, cat_ids, bounds).ok(),
    )?;
    Ok((ev, outs.map(|outs| TideImages { outs, masks: true })))
}

/// The images of [`shared_pass`]: each one's annotations and detections, and the position of each image id.
struct ImageIndex {
    groups: image_iou::ByImage,
    at: HashMap<i64, usize, foldhash::fast::RandomState>,
}

impl ImageIndex {
    /// Made beside COCOeval's preparation (it needs no cell).
    fn of(gt: &EvalGt<'_>, dt: &EvalResults<'_>) -> Result<ImageIndex> {
        let mut at: HashMap<i64, usize, foldhash::fast::RandomState> =
            HashMap::with_capacity_and_hasher(gt.images.len(), Default::default());
        for (i, im) in gt.images.iter().enumerate() {
            if at.insert(im.id, i).is_some() {
                // COCOeval and TIDE take different images of that id for its size.
                return Err(Error::msg("image id twice"));
            }
        }
        let groups = image_iou::by_image(gt, dt);
        Ok(ImageIndex { groups, at })
    }
}

/// Per-thread buffers of [`shared_pass`].
#[derive(Default)]
struct SharedScratch {
    gt: MaskSet,
    dt: MaskSet,
    make: MakeScratch,
    /// The mask (in `gt` / `dt`) of each of the image's annotations / detections, `u32::MAX`: none yet.
    gt_slot: Vec<u32>,
    dt_slot: Vec<u32>,
    /// Table rows and columns of each cell's detections and ground truths, cell after cell.
    cell_rows: Vec<usize>,
    cell_cols: Vec<usize>,
}

/// Cells of one image: each with its part of the IoU output.
type ImageCells<'c> = Vec<(&'c Cell, &'c mut [f64])>;

/// COCOeval's cell IoU matrices and TIDE's per-image outputs, image by image (in parallel): the image's
/// masks are made once, for the cells' and for TIDE's records, into one [`Table`] over all of the image's
/// detections and annotations.
fn shared_pass(
    gt: &EvalGt<'_>,
    dt: &EvalResults<'_>,
    layout: &CellLayout<'_>,
    index: ImageIndex,
    img_ids: Option<&[i64]>,
    cat_ids: Option<&[i64]>,
    bounds: bool,
) -> Result<(Vec<f64>, Vec<ImageOut>)> {
    let ImageIndex { groups, at } = index;
    let both = |c: &Cell| c.gt_len > 0 && c.dt_len > 0;
    let total: usize = layout
        .cells
        .iter()
        .filter(|c| both(c))
        .map(|c| c.gt_len as usize * c.dt_len as usize)
        .sum();
    let mut iou = vec![0.0; total];
    let mut cells: Vec<ImageCells<'_>> = (0..gt.images.len()).map(|_| Vec::new()).collect();
    let mut rest: &mut [f64] = &mut iou;
    for c in layout.cells.iter().filter(|c| both(c)) {
        let (part, r) =
            std::mem::take(&mut rest).split_at_mut(c.gt_len as usize * c.dt_len as usize);
        rest = r;
        let id = layout.img_ids[c.img as usize];
        let i = *at
            .get(&id)
            .ok_or_else(|| Error::msg(format!("image {id} is not in the ground truth images")))?;
        cells[i].push((c, part));
    }
    let keep_img: Option<HashSet<i64>> = img_ids.map(|v| v.iter().copied().collect());
    let cat_ok = cat_filter(cat_ids);
    let outs = cells
        .into_par_iter()
        .enumerate()
        .map_init(SharedScratch::default, |sc, (i, cells)| {
            let im = &gt.images[i];
            let tide_on = keep_img.as_ref().is_none_or(|k| k.contains(&im.id));
            shared_image(
                gt, dt, layout, &groups, i, cells, tide_on, &cat_ok, sc, bounds,
            )
        })
        .collect::<Result<Vec<ImageOut>>>()?;
    Ok((iou, outs))
}

/// One image of [`shared_pass`]: its cells' IoU matrices filled, TIDE's output returned (empty when
/// `tide_on` is false: an image not asked for).
#[allow(clippy::too_many_arguments)]
fn shared_image(
    gt: &EvalGt<'_>,
    dt: &EvalResults<'_>,
    layout: &CellLayout<'_>,
    groups: &image_iou::ByImage,
    i: usize,
    mut cells: ImageCells<'_>,
    tide_on: bool,
    cat_ok: &(impl Fn(&Record<'_>) -> bool + Sync),
    sc: &mut SharedScratch,
    bounds: bool,
) -> Result<ImageOut> {
    let im = &gt.images[i];
    let dims = Some((im.height, im.width));
    let (g_all, d_all) = (&groups.gt[i], &groups.dt[i]);
    sc.gt.clear();
    sc.dt.clear();
    sc.gt_slot.clear();
    sc.gt_slot.resize(g_all.len(), u32::MAX);
    sc.dt_slot.clear();
    sc.dt_slot.resize(d_all.len(), u32::MAX);
    let SharedScratch {
        gt: gm,
        dt: dm,
        make,
        gt_slot,
        dt_slot,
        cell_rows,
        cell_cols,
    } = sc;
    let mut make_gt = |c: usize, make: &mut MakeScratch| -> Result<()> {
        if gt_slot[c] == u32::MAX {
            gt_slot[c] = gm.len() as u32;
            push_mask(&gt.annotations[g_all[c] as usize], dims, false, gm, make)?;
        }
        Ok(())
    };
    // The cells' records: positions among the image's (both lists are in increasing index order).
    cell_rows.clear();
    cell_cols.clear();
    let local = |all: &[u32], j: u32| {
        all.binary_search(&j)
            .map_err(|_| Error::msg("a cell's record is not the image's"))
    };
    for (c, _) in &cells {
        let gr = c.gt_start as usize..(c.gt_start + c.gt_len) as usize;
        for &j in &layout.gt_src[gr] {
            let col = local(g_all, j)?;
            make_gt(col, make)?;
            cell_cols.push(col);
        }
    }
    let mut make_dt = |r: usize, make: &mut MakeScratch| -> Result<()> {
        if dt_slot[r] == u32::MAX {
            dt_slot[r] = dm.len() as u32;
            push_mask(&dt.records[d_all[r] as usize], dims, true, dm, make)?;
        }
        Ok(())
    };
    for (c, _) in &cells {
        let dr = c.dt_start as usize..(c.dt_start + c.dt_len) as usize;
        for &j in &layout.dt_src[dr] {
            let row = local(d_all, j)?;
            make_dt(row, make)?;
            cell_rows.push(row);
        }
    }
    // TIDE's records (the image's, of the categories asked for), and their masks when a rule compares them.
    let (mut gts, mut g_local, mut dts, mut d_local) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    if tide_on {
        for (c, &j) in g_all.iter().enumerate() {
            let r = &gt.annotations[j as usize];
            if cat_ok(r) {
                gts.push(r);
                g_local.push(c);
            }
        }
        for (row, &j) in d_all.iter().enumerate() {
            let r = &dt.records[j as usize];
            if cat_ok(r) {
                dts.push(r);
                d_local.push(row);
            }
        }
    }
    let ch = Chosen::of(&gts, &dts);
    let rows: Vec<usize> = ch.preds.iter().map(|&p| d_local[p]).collect();
    let cols: Vec<usize> = ch.cols().map(|g| g_local[g]).collect();
    if tide_on && ch.compares() {
        for &c in &cols {
            make_gt(c, make)?;
        }
        for (&p, &row) in ch.preds.iter().zip(&rows) {
            if matches!(dts[p].seg, Seg::None) {
                return Err(Error::msg("no segmentation"));
            }
            make_dt(row, make)?;
        }
    }
    let crowd: Vec<bool> = g_all
        .iter()
        .map(|&j| gt.annotations[j as usize].iscrowd)
        .collect();
    let masks = TableMasks {
        dt: dm,
        gt: gm,
        row: dt_slot,
        col: gt_slot,
        crowd: &crowd,
    };
    let mut table = Table::lazy(d_all.len(), g_all.len(), masks, bounds);
    // COCOeval's cells: `computeIoU`'s entries, except that one below every threshold the matching
    // compares with may be a bound below them (it skips both alike).
    let floor = if bounds {
        layout.iou_floor
    } else {
        f64::NEG_INFINITY
    };
    let (mut ro, mut co) = (0, 0);
    for (c, out) in cells.iter_mut() {
        let (nd, ng) = (c.dt_len as usize, c.gt_len as usize);
        let (rs, cs) = (&cell_rows[ro..ro + nd], &cell_cols[co..co + ng]);
        for (d, &r) in rs.iter().enumerate() {
            for (g, &col) in cs.iter().enumerate() {
                out[d * ng + g] = table.get(r, col, floor);
            }
        }
        ro += nd;
        co += ng;
    }
    if !tide_on {
        return Ok(ImageOut::default());
    }
    let mut ious = Ious {
        table: &mut table,
        rows: &rows,
        cols: &cols,
    };
    Ok(eval_image(&gts, &dts, &ch, &mut ious))
}

/// TIDE's numbers from the images' outputs (image order).
fn report(outs: Vec<ImageOut>, masks: bool) -> TideReport {
    let run = run_of(outs);
    report_of(run, masks)
}

/// The run (`TIDERun._run`'s state) from the images' outputs.
fn run_of(outs: Vec<ImageOut>) -> Run {
    let mut base = ApData::default();
    let mut errors = Vec::new();
    let mut false_neg = Vec::new();
    for o in outs {
        for c in o.gt_classes {
            let k = base.class(c);
            base.n_gt[k] += 1;
        }
        for (c, s, t) in o.points {
            base.push(c, s, t);
        }
        errors.extend(o.errors);
        false_neg.extend(o.false_neg);
    }
    let errors = errors.into_iter().map(|e| e.indexed(&mut base)).collect();
    let mut fneg = vec![0; base.order.len()];
    for c in false_neg {
        if let Some(&k) = base.at.get(&c) {
            fneg[k] += 1;
        }
    }
    Run {
        errors,
        false_neg: fneg,
        base,
    }
}

/// The decomposition of a run.
fn report_of(run: Run, masks: bool) -> TideReport {
    let (ap50, sorted) = rayon::join(|| run.base.map(), || Sorted::of(&run));
    // The six main fixes, then FalsePos and FalseNeg.
    let fixes = [
        (Some(Kind::Cls), false, false),
        (Some(Kind::Loc), false, false),
        (Some(Kind::Both), false, false),
        (Some(Kind::Dupe), false, false),
        (Some(Kind::Bkg), false, false),
        (Some(Kind::Miss), false, false),
        (None, true, false),
        (None, false, true),
    ];
    let fixed: Vec<f64> = fixes
        .par_iter()
        .map(|&(k, fp, fneg)| run.fix_map(&sorted, k, fp, fneg) - ap50)
        .collect();
    let d: Vec<f64> = fixed[..6].iter().map(|v| v.max(0.0)).collect();
    let (false_pos, false_neg) = (fixed[6], fixed[7]);
    let count = |k: Kind| run.errors.iter().filter(|e| e.kind == k).count();
    TideReport {
        mode: if masks { "mask" } else { "bbox" },
        ap50,
        main: TideMain {
            cls: d[0],
            loc: d[1],
            both: d[2],
            dupe: d[3],
            bkg: d[4],
            miss: d[5],
        },
        false_pos,
        false_neg,
        counts: TideMain {
            cls: count(Kind::Cls),
            loc: count(Kind::Loc),
            both: count(Kind::Both),
            dupe: count(Kind::Dupe),
            bkg: count(Kind::Bkg),
            miss: count(Kind::Miss),
        },
    }
}

impl TideReport {
    /// The `"tide"` value of `--json`.
    pub fn to_json(&self) -> serde_json::Value {
        let m = &self.main;
        let c = &self.counts;
        serde_json::json!({
            "mode": self.mode,
            "ap50": self.ap50,
            "main": {"cls": m.cls, "loc": m.loc, "both": m.both, "dupe": m.dupe, "bkg": m.bkg, "miss": m.miss},
            "special": {"false_pos": self.false_pos, "false_neg": self.false_neg},
            "counts": {"cls": c.cls, "loc": c.loc, "both": c.both, "dupe": c.dupe, "bkg": c.bkg, "miss": c.miss},
        })
    }

    /// tidecv's `summarize()` tables (its `print_table` layout), without the run-name line.
    pub fn text(&self) -> String {
        let m = &self.main;
        let f = |v: f64| format!("{v:6.2}");
        let mut s = format!("{} AP @ 50: {:.2}\n\n", self.mode, self.ap50);
        s += &table(
            &[
                vec!["Type", "Cls", "Loc", "Both", "Dupe", "Bkg", "Miss"]
                    .into_iter()
                    .map(String::from)
                    .collect(),
                std::iter::once(" dAP".to_string())
                    .chain([m.cls, m.loc, m.both, m.dupe, m.bkg, m.miss].map(f))
                    .collect(),
            ],
            "Main Errors",
        );
        s += "\n";
        s += &table(
            &[
                vec!["Type".into(), "FalsePos".into(), "FalseNeg".into()],
                vec![" dAP".into(), f(self.false_pos), f(self.false_neg)],
            ],
            "Special Error",
        );
        s
    }
}

/// tidecv's `plotting.print_table`.
fn table(rows: &[Vec<String>], title: &str) -> String {
    let ncol = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..ncol)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let divider = format!(
        "--{}-",
        width
            .iter()
            .map(|&w| "-".repeat(w))
            .collect::<Vec<_>>()
            .join("---")
    );
    let thick = divider.replace('-', "=");
    let pad = divider.chars().count().saturating_sub(title.len()) / 2;
    let mut s = format!("{:>w$}\n{thick}\n", title, w = pad + title.len());
    for (i, r) in rows.iter().enumerate() {
        let cells: Vec<String> = (0..ncol)
            .map(|c| format!("{:>w$}", r.get(c).map_or("", String::as_str), w = width[c]))
            .collect();
        s += &format!("  {}  \n", cells.join("   "));
        if i == 0 {
            s += &divider;
            s += "\n";
        }
    }
    s += &thick;
    s += "\n";
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coco::reader::SegMode;

    fn read(name: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// The bounds of `Ious` change no number: every output (dAP, special errors, counts) is the same, to
    /// the bit, as with every IoU computed, on the real val2014 segm results.
    #[test]
    fn bounds_change_nothing() {
        let gt_bytes = read("cocoapi-val2014-100/instances_val2014_100.json");
        let dt_bytes = read("cocoapi-val2014-100/instances_val2014_fakesegm100_results.json");
        let gt = EvalGt::parse(&gt_bytes, SegMode::Full).unwrap();
        let dt = EvalResults::parse(&dt_bytes, SegMode::Full).unwrap();
        let exact = tide_with(&gt, &dt, true, None, None, false)
            .unwrap()
            .report();
        let bounded = tide_with(&gt, &dt, true, None, None, true)
            .unwrap()
            .report();
        assert_eq!(format!("{exact:?}"), format!("{bounded:?}"));
        assert!(exact.counts.cls + exact.counts.bkg + exact.counts.both > 0);
    }

    /// Each fix's mAP from the points sorted once (`Run::fix_map`) is, to the bit, that of the fixed copy
    /// sorted again (`Run::fix` then `ApData::map`, tidecv's way), on the real val2014 segm and bbox results.
    #[test]
    fn presorted_fixes_change_nothing() {
        let gt_bytes = read("cocoapi-val2014-100/instances_val2014_100.json");
        for (name, masks) in [
            ("instances_val2014_fakesegm100_results.json", true),
            ("instances_val2014_fakebbox100_results.json", false),
        ] {
            let dt_bytes = read(&format!("cocoapi-val2014-100/{name}"));
            let gt = EvalGt::parse(&gt_bytes, SegMode::Full).unwrap();
            let dt = EvalResults::parse(&dt_bytes, SegMode::Full).unwrap();
            let images = tide(&gt, &dt, masks, None, None).unwrap();
            let run = run_of(images.outs);
            let sorted = Sorted::of(&run);
            let kinds = [
                Kind::Cls,
                Kind::Loc,
                Kind::Both,
                Kind::Dupe,
                Kind::Bkg,
                Kind::Miss,
            ];
            let fixes = kinds.iter().map(|&k| (Some(k), false, false)).chain([
                (None, true, false),
                (None, false, true),
                (None, false, false),
            ]);
            for (k, fp, fneg) in fixes {
                let want = run.fix(k, fp, fneg).map();
                let got = run.fix_map(&sorted, k, fp, fneg);
                assert_eq!(got.to_bits(), want.to_bits(), "{name} {k:?} {fp} {fneg}");
            }
            assert!(run.errors.iter().any(|e| e.kind == Kind::Cls));
        }
    }

    /// COCOeval and TIDE on shared masks (`evaluate_with_tide`) give what each gives alone: the same
    /// COCOeval report, and the TIDE report of every IoU computed; also with images and categories left
    /// out (an image id the ground truth does not have among them), and with other IoU thresholds.
    #[test]
    fn shared_masks_change_nothing() {
        use crate::eval::cocoeval::{report, IouType};
        let gt_bytes = read("cocoapi-val2014-100/instances_val2014_100.json");
        let dt_bytes = read("cocoapi-val2014-100/instances_val2014_fakesegm100_results.json");
        let gt = EvalGt::parse(&gt_bytes, SegMode::Full).unwrap();
        let dt = EvalResults::parse(&dt_bytes, SegMode::Full).unwrap();
        assert!(gt.annotations.iter().any(|a| a.iscrowd));
        let some_imgs: Vec<i64> = gt
            .images
            .iter()
            .step_by(3)
            .map(|im| im.id)
            .chain([-5])
            .collect();
        let some_cats = vec![1, 3, 18, 44, 62];
        // Other thresholds move the floor below which COCOeval's entries may be bounds.
        for (imgs, cats, thrs) in [
            (None, None, None),
            (None, None, Some(vec![0.1, 0.3, 0.75])),
            (Some(some_imgs.clone()), None, None),
            (None, Some(some_cats.clone()), None),
            (Some(some_imgs), Some(some_cats), Some(vec![0.9])),
        ] {
            let mut params = Params::new(IouType::Segm);
            params.img_ids = imgs.clone();
            params.cat_ids = cats.clone();
            if let Some(t) = thrs {
                params.iou_thrs = t;
            }
            let alone = report(cocoeval::evaluate_loaded(&gt, &dt, &params).unwrap()).unwrap();
            let want = tide_with(&gt, &dt, true, imgs.as_deref(), cats.as_deref(), false)
                .unwrap()
                .report();
            for bounds in [false, true] {
                let (ev, t) = evaluate_with_tide_bounds(&gt, &dt, &params, bounds).unwrap();
                assert_eq!(report(ev).unwrap(), alone);
                assert_eq!(
                    format!("{:?}", t.expect("masks shared").report()),
                    format!("{want:?}")
                );
            }
        }
    }
}

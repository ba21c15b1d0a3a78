//! Precision, recall and F1 at one operating point (a score threshold and an IoU threshold), per category
//! and over all of them, and the score that maximizes F1.
//!
//! Matching rule: pycocotools' `COCOeval.evaluateImg`, unchanged (it is `cocoeval`'s evaluation run with
//! `iouThrs = [I]`, one area range "all" = `[0, 1e5**2]`, `maxDets = [max of the given maxDets]`): per image
//! and category, detections in score order (stable, cut to maxDets), each taking the best unmatched
//! ground truth with IoU >= I, regular ground truths before crowd/ignored ones; a detection matched to a
//! crowd or ignored ground truth counts neither way. Matching in score order means a threshold applied
//! after matching gives the same matches as one applied before, so:
//! - TP(S) / FP(S): matched / unmatched detections with score >= S;
//! - FN(S) = ground truths not ignored − TP(S);
//! - precision = TP / (TP + FP) (0 without detections), recall = TP / (TP + FN) (0 without ground
//!   truths), F1 = 2PR / (P + R) (0 when P + R = 0) — plain ratios, not interpolated.
//!
//! The F1-maximizing score: each distinct detection score s is tried as the threshold (score >= s); the
//! highest F1 wins, the higher score on ties; none when F1 is 0 everywhere. "Overall" pools the counts of
//! all categories (micro average) and sweeps one threshold for all of them.
//!
//! Not here: the matching itself (see `cocoeval`), reading files.

use super::cocoeval::load::{EvalGt, EvalResults};
use super::cocoeval::{evaluate_loaded, Params};
use crate::Result;

/// Counts and ratios of one category (or all) at the operating point, and its F1-maximizing score.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassPoint {
    /// The category (`None` for the overall row and when categories are not used).
    pub category_id: Option<i64>,
    pub tp: u64,
    pub fp: u64,
    pub fn_: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// The score threshold with the highest F1, and that F1 (`None` / 0 when no threshold gives F1 > 0).
    pub best_score: Option<f64>,
    pub best_f1: f64,
}

/// What `--operating-point score=S,iou=I` reports.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatingPoint {
    pub score_thr: f64,
    pub iou_thr: f64,
    /// maxDets used (the largest of the evaluation's).
    pub max_dets: usize,
    /// Per category in id order.
    pub per_class: Vec<ClassPoint>,
    /// All categories pooled.
    pub overall: ClassPoint,
}

/// `(precision, recall, f1)` of counts.
fn ratios(tp: u64, fp: u64, npos: u64) -> (f64, f64, f64) {
    let p = if tp + fp > 0 {
        tp as f64 / (tp + fp) as f64
    } else {
        0.0
    };
    let r = if npos > 0 {
        tp as f64 / npos as f64
    } else {
        0.0
    };
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// One row from its detections `(score, true positive)` and its ground truths not ignored.
fn class_point(
    category_id: Option<i64>,
    dets: &mut [(f64, bool)],
    npos: u64,
    s: f64,
) -> ClassPoint {
    let tp = dets.iter().filter(|d| d.1 && d.0 >= s).count() as u64;
    let fp = dets.iter().filter(|d| !d.1 && d.0 >= s).count() as u64;
    let (precision, recall, f1) = ratios(tp, fp, npos);
    dets.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
    let (mut ctp, mut cfp) = (0u64, 0u64);
    let (mut best_score, mut best_f1) = (None, 0.0);
    for (i, &(score, t)) in dets.iter().enumerate() {
        if t {
            ctp += 1;
        } else {
            cfp += 1;
        }
        if dets.get(i + 1).is_some_and(|n| n.0 == score) {
            continue; // a threshold keeps all detections of one score
        }
        let f = ratios(ctp, cfp, npos).2;
        if f > best_f1 {
            best_f1 = f;
            best_score = Some(score);
        }
    }
    ClassPoint {
        category_id,
        tp,
        fp,
        fn_: npos - tp,
        precision,
        recall,
        f1,
        best_score,
        best_f1,
    }
}

/// Evaluate at one IoU threshold and count at one score threshold (see the module doc).
pub(crate) fn operating_point(
    gt: &EvalGt<'_>,
    dt: &EvalResults<'_>,
    params: &Params,
    score_thr: f64,
    iou_thr: f64,
) -> Result<OperatingPoint> {
    let mut p = params.clone();
    let max_dets = p.max_dets.iter().copied().max().unwrap_or(100);
    p.iou_thrs = vec![iou_thr];
    p.area_rng = vec![[0.0, 1e10]];
    p.area_rng_lbl = vec!["all".into()];
    p.max_dets = vec![max_dets];
    let ev = evaluate_loaded(gt, dt, &p)?;
    let n = ev.params.n_cats();
    let mut dets: Vec<Vec<(f64, bool)>> = vec![Vec::new(); n];
    let mut npos = vec![0u64; n];
    for (c, cell) in ev.cells.iter().enumerate() {
        let k = cell.k as usize;
        npos[k] += u64::from(ev.npig[c]);
        let at = ev.state_off[c];
        for d in 0..cell.dt_len as usize {
            let state = ev.states[at + d];
            if state == super::cocoeval::IGNORED {
                continue;
            }
            let score = ev.dt_score[cell.dt_start as usize + d];
            dets[k].push((score, state == super::cocoeval::TP));
        }
    }
    let ids: Vec<Option<i64>> = if ev.params.use_cats {
        ev.params.cat_ids.iter().map(|&c| Some(c)).collect()
    } else {
        vec![None]
    };
    let mut all: Vec<(f64, bool)> = dets.iter().flatten().copied().collect();
    let total: u64 = npos.iter().sum();
    let per_class = ids
        .iter()
        .zip(dets.iter_mut())
        .zip(&npos)
        .map(|((&id, d), &np)| class_point(id, d, np, score_thr))
        .collect();
    Ok(OperatingPoint {
        score_thr,
        iou_thr,
        max_dets,
        per_class,
        overall: class_point(None, &mut all, total, score_thr),
    })
}

impl ClassPoint {
    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "category_id": self.category_id, "tp": self.tp, "fp": self.fp, "fn": self.fn_,
            "precision": self.precision, "recall": self.recall, "f1": self.f1,
            "best_score": self.best_score, "best_f1": self.best_f1,
        })
    }
}

impl OperatingPoint {
    /// The `"operating_point"` value of `--json` (`names`: category id → name).
    pub fn to_json(&self, name: impl Fn(i64) -> String) -> serde_json::Value {
        let per_class: Vec<serde_json::Value> = self
            .per_class
            .iter()
            .map(|c| {
                let mut v = c.to_json();
                v["name"] = c.category_id.map(&name).into();
                v
            })
            .collect();
        serde_json::json!({
            "score_thr": self.score_thr, "iou_thr": self.iou_thr, "max_dets": self.max_dets,
            "per_class": per_class, "overall": self.overall.to_json(),
        })
    }

    /// A table: one row per category and the overall row.
    pub fn text(&self, name: impl Fn(i64) -> String) -> String {
        use std::fmt::Write;
        let mut s = format!(
            "Operating point: score >= {}, IoU >= {} (maxDets {})\n",
            self.score_thr, self.iou_thr, self.max_dets
        );
        let names: Vec<String> = self
            .per_class
            .iter()
            .map(|c| c.category_id.map_or_else(|| "all".into(), &name))
            .collect();
        let w = names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(7, 40);
        let _ = writeln!(
            s,
            "{:<w$}  {:>7}  {:>7}  {:>7}  {:>6}  {:>6}  {:>6}  {:>10}  {:>7}",
            "name", "TP", "FP", "FN", "P", "R", "F1", "best score", "best F1"
        );
        let rows = names
            .iter()
            .map(String::as_str)
            .zip(&self.per_class)
            .chain(std::iter::once(("overall", &self.overall)));
        for (n, c) in rows {
            let best = c
                .best_score
                .map_or_else(|| "-".into(), |b| format!("{b:.4}"));
            let _ = writeln!(
                s,
                "{:<w$}  {:>7}  {:>7}  {:>7}  {:>6.3}  {:>6.3}  {:>6.3}  {:>10}  {:>7.3}",
                n, c.tp, c.fp, c.fn_, c.precision, c.recall, c.f1, best, c.best_f1
            );
        }
        s
    }
}

//! A detection confusion matrix over the categories plus background: which category each ground truth was
//! detected as, which ground truths were missed, which detections hit nothing.
//!
//! The rule (stated here, reimplemented in numpy by scripts/golden_confusion.py), per image:
//! 1. detections with score >= `score_thr` (all of them: no maxDets cut), ground truths with `iscrowd = 0`;
//! 2. class-agnostic IoU of every such detection with every ground truth (box or mask as `--iou-type`,
//!    cocoeval's IoU);
//! 3. the pairs with IoU >= `iou_thr` are taken greedily by IoU, highest first (ties: higher detection
//!    score, then earlier detection, then earlier ground truth in the files), a pair only when neither side
//!    is taken yet;
//! 4. a taken pair adds 1 at `[ground truth's category][detection's category]` (the diagonal when right);
//!    an untaken ground truth adds 1 at `[its category][background]`; an untaken detection adds 1 at
//!    `[background][its category]` unless it covers a crowd region (`iscrowd` IoU — intersection over the
//!    detection's area — >= `iou_thr`, any category), where it counts nowhere, as pycocotools ignores it.
//!
//! Why this rule: class-agnostic matching is what makes class confusions visible (class-aware matching, as
//! COCOeval's, can only say "false positive"); taking pairs by IoU gives each object its best-overlapping
//! detection whatever the scores. It is ultralytics' `ConfusionMatrix.process_batch` (class-agnostic, IoU
//! ordered, one detection per ground truth) without its quirks: there, IoU and score thresholds are strict
//! (`>`), detections are deduplicated per ground truth before ground truths per detection (so a detection
//! whose best ground truth is taken does not fall back to its next one), unmatched detections are not
//! counted at all in an image where nothing matched, ties follow numpy's unstable argsort, and crowd regions
//! are not known.
//!
//! Rows are the truth, columns the prediction; the last row and column are background (`[bg][bg]` is 0).
//! Not here: IoU (see `image_iou`).

use std::collections::{HashMap, HashSet};

use super::cocoeval::load::{EvalGt, EvalResults};
use super::cocoeval::Record;
use super::image_iou::{self, Shape};
use crate::Result;

/// The matrix and how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfusionMatrix {
    /// Category names in id order, then `"background"`.
    pub labels: Vec<String>,
    /// Category ids in the same order (background has none).
    pub category_ids: Vec<i64>,
    /// `counts[truth][predicted]`, `labels.len()` square.
    pub counts: Vec<Vec<u64>>,
    pub iou_thr: f64,
    pub score_thr: f64,
}

/// Build the matrix (see the module doc); `cat_ids`/`img_ids` restrict categories and images.
pub(crate) fn confusion(
    gt: &EvalGt<'_>,
    dt: &EvalResults<'_>,
    masks: bool,
    iou_thr: f64,
    score_thr: f64,
    img_ids: Option<&[i64]>,
    cat_ids: Option<&[i64]>,
) -> Result<ConfusionMatrix> {
    let shape = if masks { Shape::Masks } else { Shape::Boxes };
    let keep_cat: Option<HashSet<i64>> = cat_ids.map(|v| v.iter().copied().collect());
    let mut cats: Vec<(i64, String)> = gt
        .categories
        .iter()
        .filter(|c| keep_cat.as_ref().is_none_or(|k| k.contains(&c.id)))
        .map(|c| (c.id, c.name.clone()))
        .collect();
    cats.sort_by_key(|c| c.0);
    cats.dedup_by_key(|c| c.0);
    let at: HashMap<i64, usize> = cats.iter().enumerate().map(|(i, c)| (c.0, i)).collect();
    let bg = cats.len();
    let n = bg + 1;
    let row_of = |r: &Record<'_>| r.category_id.and_then(|c| at.get(&c).copied());
    let keep_dt = |r: &Record<'_>| row_of(r).is_some() && r.score.unwrap_or(0.0) >= score_thr;
    let parts = image_iou::per_image(
        gt,
        dt,
        img_ids,
        |r| row_of(r).is_some(),
        keep_dt,
        |im, gts, dts, sc| {
            let mut cells = Vec::new();
            // Regular ground truths first, then crowd regions (their columns are iscrowd IoU).
            let mut cols: Vec<&Record<'_>> = gts.iter().copied().filter(|g| !g.iscrowd).collect();
            let ng = cols.len();
            cols.extend(gts.iter().copied().filter(|g| g.iscrowd));
            let crowd: Vec<bool> = cols.iter().map(|g| g.iscrowd).collect();
            let nc = cols.len();
            let mut iou = Vec::new();
            if nc > 0 && !dts.is_empty() {
                image_iou::iou(
                    shape,
                    &cols,
                    dts,
                    &crowd,
                    (im.height, im.width),
                    sc,
                    &mut iou,
                )?;
            }
            let mut pairs: Vec<(usize, usize)> = Vec::new();
            for d in 0..dts.len() {
                for g in 0..ng {
                    if iou[d * nc + g] >= iou_thr {
                        pairs.push((d, g));
                    }
                }
            }
            let score = |d: usize| dts[d].score.unwrap_or(0.0);
            pairs.sort_by(|&(d1, g1), &(d2, g2)| {
                iou[d2 * nc + g2]
                    .total_cmp(&iou[d1 * nc + g1])
                    .then(score(d2).total_cmp(&score(d1)))
                    .then(d1.cmp(&d2))
                    .then(g1.cmp(&g2))
            });
            let mut d_taken = vec![false; dts.len()];
            let mut g_taken = vec![false; ng];
            for (d, g) in pairs {
                if !d_taken[d] && !g_taken[g] {
                    d_taken[d] = true;
                    g_taken[g] = true;
                    cells.push((row_of(cols[g]).unwrap_or(bg), row_of(dts[d]).unwrap_or(bg)));
                }
            }
            for g in 0..ng {
                if !g_taken[g] {
                    cells.push((row_of(cols[g]).unwrap_or(bg), bg));
                }
            }
            for d in 0..dts.len() {
                let in_crowd = (ng..nc).any(|g| iou[d * nc + g] >= iou_thr);
                if !d_taken[d] && !in_crowd {
                    cells.push((bg, row_of(dts[d]).unwrap_or(bg)));
                }
            }
            Ok(cells)
        },
    )?;
    let mut counts = vec![vec![0u64; n]; n];
    for p in parts {
        for (r, c) in p {
            counts[r][c] += 1;
        }
    }
    let mut labels: Vec<String> = cats.iter().map(|c| c.1.clone()).collect();
    labels.push("background".into());
    Ok(ConfusionMatrix {
        labels,
        category_ids: cats.iter().map(|c| c.0).collect(),
        counts,
        iou_thr,
        score_thr,
    })
}

impl ConfusionMatrix {
    /// The `"confusion"` value of `--json`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "labels": self.labels, "category_ids": self.category_ids, "matrix": self.counts,
            "iou_thr": self.iou_thr, "score_thr": self.score_thr,
        })
    }

    /// Totals, then the whole matrix when it has at most 12 rows, else the 15 largest off-diagonal cells.
    pub fn text(&self) -> String {
        use std::fmt::Write;
        let n = self.labels.len();
        let bg = n - 1;
        let (mut right, mut confused, mut missed, mut background) = (0u64, 0u64, 0u64, 0u64);
        for (r, row) in self.counts.iter().enumerate() {
            for (c, &v) in row.iter().enumerate() {
                match (r == bg, c == bg) {
                    (false, false) if r == c => right += v,
                    (false, false) => confused += v,
                    (false, true) => missed += v,
                    (true, false) => background += v,
                    (true, true) => {}
                }
            }
        }
        let mut s = format!(
            "Confusion matrix (IoU >= {}, score >= {}; rows: truth, columns: predicted)\n\
             right class {right}, wrong class {confused}, missed (truth -> background) {missed}, \
             background detections {background}\n",
            self.iou_thr, self.score_thr
        );
        if n <= 12 {
            let w = self
                .labels
                .iter()
                .map(|l| l.chars().count())
                .max()
                .unwrap_or(4)
                .clamp(4, 20);
            let cut = |l: &str| l.chars().take(w).collect::<String>();
            let _ = write!(s, "{:<w$}", "");
            for l in &self.labels {
                let _ = write!(s, "  {:>w$}", cut(l));
            }
            let _ = writeln!(s);
            for (l, row) in self.labels.iter().zip(&self.counts) {
                let _ = write!(s, "{:<w$}", cut(l));
                for v in row {
                    let _ = write!(s, "  {v:>w$}");
                }
                let _ = writeln!(s);
            }
            return s;
        }
        let mut cells: Vec<(u64, usize, usize)> = Vec::new();
        for (r, row) in self.counts.iter().enumerate() {
            for (c, &v) in row.iter().enumerate() {
                if r != c && v > 0 {
                    cells.push((v, r, c));
                }
            }
        }
        cells.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let _ = writeln!(s, "most frequent errors (truth -> predicted: count):");
        for &(v, r, c) in cells.iter().take(15) {
            let _ = writeln!(s, "  {} -> {}: {v}", self.labels[r], self.labels[c]);
        }
        s
    }
}

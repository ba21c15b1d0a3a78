//! Per-class and mean metrics from a confusion matrix, under a named [`Convention`].
//!
//! Per class `c`, with `I` = correctly predicted pixels, `G` = ground-truth pixels, `P` = predicted pixels (on
//! labelled ground truth), `U = G + P − I`: IoU = I/U, Acc = I/G (recall), Dice = 2I/(P+G), Precision = I/P,
//! F-score = (1+β²)·Precision·Acc / (β²·Precision + Acc) with β = 1. These are the formulas of mmsegmentation's
//! `IoUMetric.total_area_to_metrics` (and its `f_score`), computed in `f64` from exact `u64` counts (mmseg sums
//! `torch.histc` outputs in `float32`, exact only below 2²⁴ pixels per class). A zero denominator gives NaN, as
//! numpy's `0/0` does.
//!
//! Overall: aAcc = ΣI/ΣG (mmseg's `aAcc`, detectron2's `pACC`, the ADE20K script's pixel accuracy); fwIoU =
//! Σ over classes with G > 0 of (G/ΣG)·IoU (detectron2's `SemSegEvaluator.evaluate` `fwIoU`); mIoU, mAcc, mDice,
//! mPrecision, mFscore = the mean of the per-class values the convention keeps:
//!
//! - [`Convention::MMSEG`] (`--absent-as nan --mean-over all`, the default): a metric whose denominator is 0 is
//!   NaN and left out of its mean (`np.nanmean` in `IoUMetric.compute_metrics`). A class absent from both ground
//!   truth and prediction is NaN everywhere; a class only predicted has IoU 0 (counted) and Acc NaN.
//! - [`Convention::ADE20K`] (`--absent-as zero`): NaN counts 0 and every mean is over all classes — the official
//!   ADE20K `evaluationCode/utils_eval.py` (`IoU = I / (eps + U)`), i.e. mmseg with `nan_to_num=0`. The ADE20K
//!   script's `eps = 2.2e-16` is not added: it changes a result by less than 1e-15.
//! - [`Convention::DETECTRON2`] (`--mean-over gt-present`): classes without ground-truth pixels are NaN and left
//!   out of every mean (detectron2's `acc_valid = pos_gt > 0`, `iou_valid = acc_valid & union > 0`); mIoU, mAcc,
//!   fwIoU and aAcc are detectron2's `mIoU`, `mACC`, `fwIoU`, `pACC` exactly. Dice, Precision and F-score (which
//!   detectron2 does not compute) follow the same rule.
//!
//! The two switches combine: `--absent-as zero --mean-over gt-present` averages over ground-truth classes and
//! counts an undefined value (e.g. Precision of a class never predicted) as 0.
//!
//! Not here: counting (see `confusion`), output formats (see `report`).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::confusion::ConfusionMatrix;
use crate::{Error, Result};

/// What an undefined (0/0) per-class value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AbsentAs {
    /// NaN, left out of the means (mmseg).
    Nan,
    /// 0, counted in the means (ADE20K's official script; mmseg `nan_to_num=0`).
    Zero,
}

/// Which classes the means run over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MeanOver {
    /// All classes (NaN values skipped, as `np.nanmean`).
    All,
    /// Classes with ground-truth pixels only (detectron2).
    GtPresent,
}

/// A metric convention: the two switches. See the module doc and `docs/MIOU.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Convention {
    pub absent_as: AbsentAs,
    pub mean_over: MeanOver,
}

impl Convention {
    /// mmsegmentation's `IoUMetric` (the default).
    pub const MMSEG: Convention = Convention {
        absent_as: AbsentAs::Nan,
        mean_over: MeanOver::All,
    };
    /// The official ADE20K scene-parsing script (and mmseg with `nan_to_num=0`).
    pub const ADE20K: Convention = Convention {
        absent_as: AbsentAs::Zero,
        mean_over: MeanOver::All,
    };
    /// detectron2's `SemSegEvaluator`.
    pub const DETECTRON2: Convention = Convention {
        absent_as: AbsentAs::Nan,
        mean_over: MeanOver::GtPresent,
    };

    /// The convention's name: `mmseg`, `ade20k`, `detectron2`, or `zero-over-gt-present` for the fourth
    /// combination.
    pub fn name(&self) -> &'static str {
        match (self.absent_as, self.mean_over) {
            (AbsentAs::Nan, MeanOver::All) => "mmseg",
            (AbsentAs::Zero, MeanOver::All) => "ade20k",
            (AbsentAs::Nan, MeanOver::GtPresent) => "detectron2",
            (AbsentAs::Zero, MeanOver::GtPresent) => "zero-over-gt-present",
        }
    }

    /// Look a convention up by [`Convention::name`].
    pub fn from_name(name: &str) -> Result<Self> {
        [Self::MMSEG, Self::ADE20K, Self::DETECTRON2, Convention { absent_as: AbsentAs::Zero, mean_over: MeanOver::GtPresent }]
            .into_iter()
            .find(|c| c.name() == name)
            .ok_or_else(|| {
                Error::msg(format!(
                    "unknown mIoU convention {name:?} (expected mmseg, ade20k, detectron2 or zero-over-gt-present)"
                ))
            })
    }
}

impl Default for Convention {
    fn default() -> Self {
        Convention::MMSEG
    }
}

impl FromStr for AbsentAs {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "nan" => Ok(AbsentAs::Nan),
            "zero" => Ok(AbsentAs::Zero),
            _ => Err(Error::msg(format!(
                "--absent-as takes nan or zero, got {s:?}"
            ))),
        }
    }
}

impl fmt::Display for AbsentAs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AbsentAs::Nan => "nan",
            AbsentAs::Zero => "zero",
        })
    }
}

impl FromStr for MeanOver {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "all" => Ok(MeanOver::All),
            "gt-present" => Ok(MeanOver::GtPresent),
            _ => Err(Error::msg(format!(
                "--mean-over takes all or gt-present, got {s:?}"
            ))),
        }
    }
}

impl fmt::Display for MeanOver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MeanOver::All => "all",
            MeanOver::GtPresent => "gt-present",
        })
    }
}

/// A class of the label space: its id as written in the inputs (pixel value of the label PNGs, category id of
/// a COCO file) and its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassInfo {
    pub id: i64,
    pub name: String,
}

/// One class's metrics (fractions in 0..=1; NaN = undefined, `null` in JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassMetrics {
    pub id: i64,
    pub name: String,
    pub iou: f64,
    pub acc: f64,
    pub dice: f64,
    pub precision: f64,
    pub fscore: f64,
    pub gt_pixels: u64,
    pub pred_pixels: u64,
}

/// The result of a semantic-segmentation evaluation; serializes to the `--json` schema of `docs/MIOU.md`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MiouResult {
    pub miou: f64,
    pub macc: f64,
    pub mdice: f64,
    pub aacc: f64,
    pub fwiou: f64,
    pub mprecision: f64,
    pub mfscore: f64,
    /// `mmseg`, `ade20k`, `detectron2`, `zero-over-gt-present`.
    pub convention: &'static str,
    pub absent_as: AbsentAs,
    pub mean_over: MeanOver,
    pub num_classes: usize,
    pub images: u64,
    /// Ground-truth images without a prediction (counted as predicted background; see `docs/MIOU.md`).
    pub missing_predictions: Vec<String>,
    /// Ground-truth pixels equal to the ignore index (left out).
    pub ignored_pixels: u64,
    /// Labelled pixels whose prediction was the ignore index ("no prediction": a miss for the class).
    pub unpredicted_pixels: u64,
    pub per_class: Vec<ClassMetrics>,
    /// The confusion matrix the numbers come from (not in the JSON; see `report::write_confusion_csv`).
    #[serde(skip)]
    pub confusion: ConfusionMatrix,
}

/// numpy's `np.nanmean` (sum of the non-NaN values over their count; NaN when there are none).
fn nanmean(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut count) = (0.0f64, 0usize);
    for v in values.filter(|v| !v.is_nan()) {
        sum += v;
        count += 1;
    }
    if count == 0 {
        f64::NAN
    } else {
        sum / count as f64
    }
}

/// mmseg's `f_score(precision, recall, beta)`, same operation order.
fn f_score(precision: f64, recall: f64, beta: f64) -> f64 {
    (1.0 + beta * beta) * (precision * recall) / ((beta * beta) * precision + recall)
}

/// Compute every metric of `cm` under `convention`; `classes` names the `cm.num_classes()` classes in order.
pub fn compute_metrics(
    cm: &ConfusionMatrix,
    classes: &[ClassInfo],
    convention: Convention,
) -> Result<MiouResult> {
    let n = cm.num_classes();
    if classes.len() != n {
        return Err(Error::msg(format!(
            "{} class names for {n} classes",
            classes.len()
        )));
    }
    let zero = convention.absent_as == AbsentAs::Zero;
    let fix = |v: f64| if zero && v.is_nan() { 0.0 } else { v };
    let mut per_class = Vec::with_capacity(n);
    let (mut total_i, mut total_g) = (0u64, 0u64);
    for (c, info) in classes.iter().enumerate() {
        let (i, g, p) = (cm.intersection(c), cm.gt_pixels(c), cm.pred_pixels(c));
        total_i += i;
        total_g += g;
        let (fi, fg, fp) = (i as f64, g as f64, p as f64);
        let included = convention.mean_over == MeanOver::All || g > 0;
        let value = |v: f64| if included { fix(v) } else { f64::NAN };
        let precision = fi / fp;
        let acc = fi / fg;
        per_class.push(ClassMetrics {
            id: info.id,
            name: info.name.clone(),
            iou: value(fi / (fg + fp - fi)),
            acc: value(acc),
            dice: value(2.0 * fi / (fp + fg)),
            precision: value(precision),
            fscore: value(f_score(precision, acc, 1.0)),
            gt_pixels: g,
            pred_pixels: p,
        });
    }
    let mean = |f: fn(&ClassMetrics) -> f64| fix(nanmean(per_class.iter().map(f)));
    let fwiou = if total_g == 0 {
        if convention.mean_over == MeanOver::GtPresent {
            0.0 // detectron2: the sum over an empty set of classes
        } else {
            fix(f64::NAN)
        }
    } else {
        let total = total_g as f64;
        (0..n)
            .filter(|&c| cm.gt_pixels(c) > 0)
            .map(|c| {
                let (i, g, p) = (
                    cm.intersection(c) as f64,
                    cm.gt_pixels(c) as f64,
                    cm.pred_pixels(c) as f64,
                );
                (i / (g + p - i)) * (g / total)
            })
            .sum()
    };
    Ok(MiouResult {
        miou: mean(|m| m.iou),
        macc: mean(|m| m.acc),
        mdice: mean(|m| m.dice),
        aacc: fix(total_i as f64 / total_g as f64),
        fwiou,
        mprecision: mean(|m| m.precision),
        mfscore: mean(|m| m.fscore),
        convention: convention.name(),
        absent_as: convention.absent_as,
        mean_over: convention.mean_over,
        num_classes: n,
        images: cm.images(),
        missing_predictions: Vec::new(),
        ignored_pixels: cm.ignored_pixels(),
        unpredicted_pixels: cm.unpredicted_pixels(),
        per_class,
        confusion: cm.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(n: usize) -> Vec<ClassInfo> {
        (0..n)
            .map(|i| ClassInfo {
                id: i as i64,
                name: format!("c{i}"),
            })
            .collect()
    }

    /// 4 classes: 0 perfect, 1 partly right, 2 only predicted, 3 absent everywhere.
    fn matrix() -> ConfusionMatrix {
        #[rustfmt::skip]
        let counts = vec![
            10, 0, 0, 0, 0,
            0, 6, 2, 0, 2,
            0, 0, 0, 0, 0,
            0, 0, 0, 0, 0,
        ];
        ConfusionMatrix::from_counts(4, counts).unwrap()
    }

    #[test]
    fn mmseg_convention() {
        let r = compute_metrics(&matrix(), &classes(4), Convention::MMSEG).unwrap();
        let c1 = &r.per_class[1];
        assert_eq!((c1.gt_pixels, c1.pred_pixels), (10, 6));
        assert_eq!(c1.iou, 6.0 / 10.0);
        assert_eq!(c1.acc, 6.0 / 10.0);
        assert_eq!(c1.precision, 1.0);
        assert_eq!(c1.dice, 12.0 / 16.0);
        assert_eq!(c1.fscore, 2.0 * 0.6 / 1.6);
        let c2 = &r.per_class[2];
        assert_eq!(c2.iou, 0.0);
        assert!(c2.acc.is_nan() && c2.dice == 0.0 && c2.precision == 0.0 && c2.fscore.is_nan());
        assert!(r.per_class[3].iou.is_nan());
        assert_eq!(r.miou, (1.0 + 0.6 + 0.0) / 3.0);
        assert_eq!(r.macc, (1.0 + 0.6) / 2.0);
        assert_eq!(r.aacc, 16.0 / 20.0);
        assert_eq!(r.fwiou, 0.5 * 1.0 + 0.5 * 0.6);
        assert_eq!(r.unpredicted_pixels, 2);
        assert_eq!(r.convention, "mmseg");
    }

    #[test]
    fn ade20k_convention() {
        let r = compute_metrics(&matrix(), &classes(4), Convention::ADE20K).unwrap();
        assert_eq!(r.miou, (1.0 + 0.6) / 4.0);
        assert_eq!(r.macc, (1.0 + 0.6) / 4.0);
        assert_eq!(r.per_class[3].iou, 0.0);
        assert_eq!(r.per_class[2].fscore, 0.0);
        assert_eq!(r.aacc, 0.8);
    }

    #[test]
    fn detectron2_convention() {
        let r = compute_metrics(&matrix(), &classes(4), Convention::DETECTRON2).unwrap();
        assert!(
            r.per_class[2].iou.is_nan(),
            "only-predicted class has no IoU in detectron2"
        );
        assert_eq!(r.miou, (1.0 + 0.6) / 2.0);
        assert_eq!(r.macc, (1.0 + 0.6) / 2.0);
        assert_eq!(r.fwiou, 0.8);
        let z = Convention {
            absent_as: AbsentAs::Zero,
            mean_over: MeanOver::GtPresent,
        };
        let r = compute_metrics(&matrix(), &classes(4), z).unwrap();
        assert_eq!(r.miou, 0.8);
        assert!(r.per_class[3].iou.is_nan());
        assert_eq!(r.convention, "zero-over-gt-present");
    }

    #[test]
    fn empty_matrix() {
        let cm = ConfusionMatrix::from_counts(2, vec![0; 6]).unwrap();
        let r = compute_metrics(&cm, &classes(2), Convention::MMSEG).unwrap();
        assert!(r.miou.is_nan() && r.aacc.is_nan() && r.fwiou.is_nan());
        let r = compute_metrics(&cm, &classes(2), Convention::ADE20K).unwrap();
        assert_eq!((r.miou, r.aacc, r.fwiou), (0.0, 0.0, 0.0));
        let r = compute_metrics(&cm, &classes(2), Convention::DETECTRON2).unwrap();
        assert!(r.miou.is_nan());
        assert_eq!(r.fwiou, 0.0);
        assert!(compute_metrics(&cm, &classes(3), Convention::MMSEG).is_err());
    }

    #[test]
    fn names_and_parsing() {
        for c in [
            Convention::MMSEG,
            Convention::ADE20K,
            Convention::DETECTRON2,
        ] {
            assert_eq!(Convention::from_name(c.name()).unwrap(), c);
        }
        assert!(Convention::from_name("voc").is_err());
        assert_eq!("zero".parse::<AbsentAs>().unwrap(), AbsentAs::Zero);
        assert_eq!(
            "gt-present".parse::<MeanOver>().unwrap(),
            MeanOver::GtPresent
        );
        assert!("Zero".parse::<AbsentAs>().is_err());
        assert!("gt".parse::<MeanOver>().is_err());
        assert_eq!(MeanOver::GtPresent.to_string(), "gt-present");
    }
}

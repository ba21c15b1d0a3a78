//! `eval miou` as an operation: which inputs are given (a COCO dataset + COCO results, a COCO dataset + a
//! folder of label PNGs, two folders of label PNGs), the named convention with its overrides, the checks
//! of the options against the inputs, and the evaluation (`eval::miou`). It prints nothing and writes
//! nothing: `cmd::eval_miou` (its table, CSV, JSON, plots) and the Python package's `cocokit.eval_miou`
//! format the [`MiouResult`] it returns. Formulas and conventions are `eval::miou`'s.

use crate::error::{Error, Result};
use crate::eval::miou::{
    evaluate_coco_files, evaluate_coco_gt_png_pred, evaluate_png_dirs_with, read_class_names,
    AbsentAs, Background, CocoMiouOptions, Convention, MeanOver, MiouOptions, MiouResult, Progress,
    Unpredicted,
};
use crate::io::Input;
use std::path::Path;

/// A named convention (`--convention`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConventionName {
    /// mmsegmentation: a class absent from GT and prediction is NaN, left out of the means.
    Mmseg,
    /// ADE20K's official script: absent classes count 0, means over all classes.
    Ade20k,
    /// detectron2: classes without GT pixels are left out of the means.
    Detectron2,
    /// COCO-Stuff's official scoring (cocostuffapi's COCOStuffeval): detectron2's means, background
    /// ignored, score threshold 0, a pixel no result paints counts as the last class, every image needs a
    /// result.
    Cocostuff,
}

impl ConventionName {
    /// `mmseg`, `ade20k`, `detectron2` or `cocostuff`.
    pub fn parse(s: &str) -> Result<ConventionName> {
        match s {
            "mmseg" => Ok(ConventionName::Mmseg),
            "ade20k" => Ok(ConventionName::Ade20k),
            "detectron2" => Ok(ConventionName::Detectron2),
            "cocostuff" => Ok(ConventionName::Cocostuff),
            _ => Err(Error::msg(format!(
                "unknown convention {s:?}: mmseg, ade20k, detectron2 or cocostuff"
            ))),
        }
    }
}

/// What `eval miou` is asked: the inputs and every option that changes the numbers.
#[derive(Clone, Debug)]
pub struct Request {
    /// A COCO dataset JSON, or a folder of label PNGs.
    pub gt: String,
    /// A COCO results JSON, or a folder of label PNGs.
    pub pred: String,
    /// Number of classes (PNG inputs).
    pub num_classes: Option<usize>,
    /// A file with one class name per line (PNG inputs).
    pub class_names: Option<String>,
    /// Label value ignored in the ground truth (PNG inputs).
    pub ignore_index: u32,
    /// mmseg's reduce_zero_label (PNG inputs).
    pub reduce_zero_label: bool,
    /// COCO ground truth: what an unannotated pixel is (default: the convention's).
    pub background: Option<Background>,
    /// COCO results: detections below this score are not painted (default: the convention's).
    pub score_thr: Option<f64>,
    pub convention: ConventionName,
    /// Overrides of the convention's parts.
    pub absent_as: Option<AbsentAs>,
    pub mean_over: Option<MeanOver>,
    /// Predictions for images not in the ground truth are skipped instead of an error.
    pub allow_extra: bool,
}

impl Request {
    /// The two inputs with the command's defaults (mmseg convention, ignore index 255).
    pub fn new(gt: impl Into<String>, pred: impl Into<String>) -> Request {
        Request {
            gt: gt.into(),
            pred: pred.into(),
            num_classes: None,
            class_names: None,
            ignore_index: 255,
            reduce_zero_label: false,
            background: None,
            score_thr: None,
            convention: ConventionName::Mmseg,
            absent_as: None,
            mean_over: None,
            allow_extra: false,
        }
    }

    fn convention(&self) -> Convention {
        let mut c = match self.convention {
            ConventionName::Mmseg => Convention::MMSEG,
            ConventionName::Ade20k => Convention::ADE20K,
            ConventionName::Detectron2 | ConventionName::Cocostuff => Convention::DETECTRON2,
        };
        if let Some(a) = self.absent_as {
            c.absent_as = a;
        }
        if let Some(m) = self.mean_over {
            c.mean_over = m;
        }
        c
    }
}

/// Evaluates `req`, reporting progress through `progress`. Under the cocostuff convention a ground-truth
/// image without a result is an error (COCOStuffeval raises); otherwise such images are listed in
/// `missing_predictions` and counted as predicted background.
pub fn run(req: &Request, progress: &(dyn Fn(Progress) + Sync)) -> Result<MiouResult> {
    let conv = req.convention();
    let cocostuff = req.convention == ConventionName::Cocostuff;
    let (gt_dir, pred_dir) = (Path::new(&req.gt).is_dir(), Path::new(&req.pred).is_dir());
    if gt_dir && !pred_dir {
        return Err(Error::msg(
            "label-PNG ground truth takes label-PNG predictions (--pred DIR); COCO results need a COCO JSON --gt",
        ));
    }
    let result = if gt_dir {
        let class_names = req
            .class_names
            .as_deref()
            .map(|p| read_class_names(Path::new(p)))
            .transpose()?;
        if req.num_classes.is_none() && class_names.is_none() {
            return Err(Error::msg(
                "label PNG inputs need --num-classes N or --class-names FILE",
            ));
        }
        let opts = MiouOptions {
            num_classes: req.num_classes,
            class_names,
            ignore_index: req.ignore_index,
            reduce_zero_label: req.reduce_zero_label,
            convention: conv,
            allow_extra: req.allow_extra,
        };
        evaluate_png_dirs_with(Path::new(&req.gt), Path::new(&req.pred), &opts, progress)?
    } else {
        if req.num_classes.is_some() || req.class_names.is_some() || req.reduce_zero_label {
            return Err(Error::msg(
                "--num-classes, --class-names and --reduce-zero-label apply to label PNG inputs; COCO JSON takes its classes from the ground truth's categories",
            ));
        }
        let score_thr = req.score_thr.unwrap_or(if cocostuff { 0.0 } else { 0.5 });
        if !(0.0..=1.0).contains(&score_thr) {
            return Err(Error::msg("--score-thr must be between 0 and 1"));
        }
        let background = req.background.unwrap_or(if cocostuff {
            Background::Ignore
        } else {
            Background::Class
        });
        let opts = CocoMiouOptions {
            background,
            score_thr,
            convention: conv,
            allow_extra: req.allow_extra,
            unpredicted: if cocostuff {
                Unpredicted::AsLastClass
            } else {
                Unpredicted::AsUnannotated
            },
        };
        if pred_dir {
            let gt = Input::open(&req.gt)?;
            evaluate_coco_gt_png_pred(gt.bytes(), Path::new(&req.pred), &opts, gt.name(), progress)?
        } else {
            evaluate_coco_files(&req.gt, &req.pred, &opts, progress)?
        }
    };
    if cocostuff && !result.missing_predictions.is_empty() {
        // COCOStuffeval.evaluate raises "%d evaluation images not found in the result!".
        let n = result.missing_predictions.len();
        let what = if n == 1 {
            "ground-truth image has"
        } else {
            "ground-truth images have"
        };
        return Err(Error::msg(format!(
            "--convention cocostuff: {n} {what} no result (COCO-Stuff's evaluation needs every image), e.g. image {}",
            result.missing_predictions[0]
        ))
        .in_file(&req.pred));
    }
    Ok(result)
}

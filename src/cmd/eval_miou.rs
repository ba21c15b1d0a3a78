//! `cocokit eval miou`: per-class semantic IoU and mIoU, conventions selectable by name.

use crate::error::{Error, Result};
use crate::eval::miou::{
    evaluate_coco_files, evaluate_coco_png, evaluate_png_dirs_with, read_class_names, report,
    AbsentAs, Background, CocoMiouOptions, Convention, MeanOver, MiouOptions, MiouResult, Progress,
};
use crate::io::{progress, Output};
use std::path::Path;

const EXAMPLES: &str = "Examples:
  cocokit eval miou --gt instances_val2017.json --pred segm_results.json
  cocokit eval miou --gt ade/annotations --pred ade/predictions --num-classes 150 --reduce-zero-label --absent-as zero
  cocokit eval miou --gt labels/ --pred preds/ --class-names classes.txt --convention detectron2 --json
  cocokit eval miou --gt val.json --pred res.json --plot iou.svg --confusion confusion.csv --csv per_class.csv

Inputs: a COCO dataset + COCO results JSON (instance masks painted in ascending score, score >= --score-thr;
or COCO-Stuff style one RLE per class and image), a COCO dataset + a directory of label PNGs (pixel = category
id, 0 = none, as `cocokit rasterize` writes them; matched by file_name stem), or two directories of label PNGs.
Conventions: mmseg (default: a class absent from GT and prediction is NaN and left out of the means),
ade20k (absent classes count 0, averaged over all classes), detectron2 (classes without GT pixels left out).
See docs/MIOU.md for every formula and the --json schema.";

/// Semantic segmentation metrics: per-class IoU, Acc, Dice, Precision, F-score; mIoU, mAcc, aAcc, fwIoU.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Ground truth: a COCO dataset JSON, or a directory of label PNGs.
    #[arg(long)]
    pub gt: String,
    /// Predictions: a COCO results JSON, or a directory of label PNGs (matched to --gt by file stem).
    #[arg(long)]
    pub pred: String,
    /// Number of classes (PNG inputs).
    #[arg(long)]
    pub num_classes: Option<usize>,
    /// File with one class name per line, in label order (PNG inputs).
    #[arg(long)]
    pub class_names: Option<String>,
    /// Label value that is ignored in the ground truth (PNG inputs).
    #[arg(long, default_value_t = 255)]
    pub ignore_index: u32,
    /// mmseg's reduce_zero_label: 0 → ignore, others − 1 (ground truth and prediction PNGs).
    #[arg(long)]
    pub reduce_zero_label: bool,
    /// COCO ground truth: is an unannotated pixel the class "background" or ignored.
    #[arg(long, default_value = "class", value_parser = ["class", "ignore"])]
    pub background: String,
    /// COCO results: detections below this score are not painted.
    #[arg(long, default_value_t = 0.5)]
    pub score_thr: f64,
    /// Named convention: mmseg, ade20k, detectron2 (overridden by --absent-as / --mean-over).
    #[arg(long, default_value = "mmseg", value_parser = ["mmseg", "ade20k", "detectron2"])]
    pub convention: String,
    /// Classes absent from both GT and prediction: nan (left out of means) or zero.
    #[arg(long, value_parser = ["nan", "zero"])]
    pub absent_as: Option<String>,
    /// Average over all classes or only those with GT pixels (gt-present).
    #[arg(long, value_parser = ["all", "gt-present"])]
    pub mean_over: Option<String>,
    /// Predictions for images not in the ground truth are skipped instead of an error.
    #[arg(long)]
    pub allow_extra: bool,
    /// Print JSON (schema in docs/MIOU.md) instead of the table.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print per-class CSV instead of the table.
    #[arg(long)]
    pub csv: bool,
    /// Also write the full confusion matrix as CSV to this file.
    #[arg(long)]
    pub confusion: Option<String>,
    /// Also write a per-class IoU bar chart (SVG) to this file.
    #[arg(long)]
    pub plot: Option<String>,
    /// Write the report to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

fn convention(args: &Args) -> Result<Convention> {
    let mut c = Convention::from_name(&args.convention)?;
    if let Some(a) = &args.absent_as {
        c.absent_as = if a == "zero" {
            AbsentAs::Zero
        } else {
            AbsentAs::Nan
        };
    }
    if let Some(m) = &args.mean_over {
        c.mean_over = if m == "gt-present" {
            MeanOver::GtPresent
        } else {
            MeanOver::All
        };
    }
    Ok(c)
}

pub fn run(args: Args) -> Result<()> {
    let conv = convention(&args)?;
    let (gt_dir, pred_dir) = (Path::new(&args.gt).is_dir(), Path::new(&args.pred).is_dir());
    if gt_dir && !pred_dir {
        return Err(Error::msg(
            "COCO results as --pred need a COCO dataset as --gt (its images' sizes and file names); label-PNG ground truth takes a directory of label-PNG predictions",
        ));
    }
    let pb = progress(0, args.quiet, "eval miou");
    let prog = |p: Progress| match p {
        Progress::Start(n) => pb.set_length(n),
        Progress::Image => pb.inc(1),
    };
    let result: MiouResult = if gt_dir {
        let class_names = args
            .class_names
            .as_deref()
            .map(|p| read_class_names(Path::new(p)))
            .transpose()?;
        if args.num_classes.is_none() && class_names.is_none() {
            return Err(Error::msg(
                "label PNG inputs need --num-classes N or --class-names FILE",
            ));
        }
        let opts = MiouOptions {
            num_classes: args.num_classes,
            class_names,
            ignore_index: args.ignore_index,
            reduce_zero_label: args.reduce_zero_label,
            convention: conv,
            allow_extra: args.allow_extra,
        };
        evaluate_png_dirs_with(Path::new(&args.gt), Path::new(&args.pred), &opts, &prog)?
    } else {
        if args.num_classes.is_some() || args.class_names.is_some() || args.reduce_zero_label {
            return Err(Error::msg(
                "--num-classes, --class-names and --reduce-zero-label apply to label PNG inputs; COCO JSON takes its classes from the ground truth's categories",
            ));
        }
        if !(0.0..=1.0).contains(&args.score_thr) {
            return Err(Error::msg("--score-thr must be between 0 and 1"));
        }
        let opts = CocoMiouOptions {
            background: if args.background == "ignore" {
                Background::Ignore
            } else {
                Background::Class
            },
            score_thr: args.score_thr,
            convention: conv,
            allow_extra: args.allow_extra,
        };
        if pred_dir {
            // COCO JSON ground truth, label-PNG predictions (pixel = category id, as rasterize writes).
            evaluate_coco_png(&args.gt, Path::new(&args.pred), &opts, &prog)?
        } else {
            evaluate_coco_files(&args.gt, &args.pred, &opts, &prog)?
        }
    };
    pb.finish_and_clear();
    let inputs = [args.gt.as_str(), args.pred.as_str()];
    if let Some(path) = &args.confusion {
        let mut o = Output::create(Some(path), &inputs)?;
        report::write_confusion_csv(&result, o.writer())?;
        o.commit()?;
    }
    if let Some(path) = &args.plot {
        let mut o = Output::create(Some(path), &inputs)?;
        o.writer()
            .write_all(report::render_svg(&result).as_bytes())?;
        o.commit()?;
    }
    let mut out = Output::create(args.output.as_deref(), &inputs)?;
    let w = out.writer();
    if args.json {
        writeln!(w, "{}", report::to_json(&result)?)?;
    } else if args.csv {
        report::write_csv(&result, &mut *w)?;
    } else {
        w.write_all(report::format_table(&result).as_bytes())?;
    }
    out.commit()?;
    if !result.missing_predictions.is_empty() && !args.quiet {
        eprintln!(
            "note: {} ground-truth images had no prediction and count as predicted background",
            result.missing_predictions.len()
        );
    }
    Ok(())
}

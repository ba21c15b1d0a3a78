//! `cocokit eval miou`: per-class semantic IoU and mIoU, conventions selectable by name.

use super::count;
use crate::error::Result;
use crate::eval::miou::{report, AbsentAs, Background, MeanOver, MiouResult, Progress};
use crate::io::{progress_count, Output};
use crate::ops::eval_miou::{self, ConventionName, Request};

const EXAMPLES: &str = "Examples:
  cocokit eval miou --gt instances_val2017.json --pred segm_results.json
  cocokit eval miou --gt ade/annotations --pred ade/predictions --num-classes 150 --reduce-zero-label --absent-as zero
  cocokit eval miou --gt labels/ --pred preds/ --class-names classes.txt --convention detectron2 --json
  cocokit eval miou --gt val.json --dt res.json --plot iou.svg --confusion confusion.csv --csv -o per_class.csv
  cocokit eval miou --gt stuff_val2017.json --dt stuff_results.json --convention cocostuff
  cocokit eval miou --gt val.json --pred res.json --report miou.html

Inputs: a COCO dataset + COCO results JSON (instance masks painted in ascending score, score >= --score-thr;
or COCO-Stuff style one RLE per class and image), a COCO dataset + a directory of label PNGs (pixel = category
id, 0 = nothing; matched by the images' file_name stem), or two directories of label PNGs matched by file stem.
Conventions: mmseg (default: a class absent from GT and prediction is NaN and left out of the means),
ade20k (absent classes count 0, averaged over all classes), detectron2 (classes without GT pixels left out),
cocostuff (COCO-Stuff's official COCOStuffeval: detectron2's means, --background ignore, --score-thr 0, a pixel
no result paints counts as the class with the largest id, \"other\"; every image needs a result).
See docs/MIOU.md for every formula and the --json schema.";

/// Semantic segmentation metrics: per-class IoU, Acc, Dice, Precision, F-score; mIoU, mAcc, aAcc, fwIoU.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Ground truth: a COCO dataset JSON, or a directory of label PNGs.
    #[arg(long)]
    pub gt: String,
    /// Predictions: a COCO results JSON, or a directory of label PNGs (matched by file stem to --gt's PNGs, or to
    /// the file_name of --gt's images; with COCO JSON ground truth a pixel holds a category id, 0 = nothing).
    #[arg(long, visible_alias = "dt")]
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
    /// COCO ground truth: what an unannotated pixel is [default: class; ignore under --convention cocostuff].
    #[arg(long, value_enum)]
    pub background: Option<BackgroundArg>,
    /// COCO results: detections below this score are not painted [default: 0.5; 0 under --convention cocostuff].
    #[arg(long)]
    pub score_thr: Option<f64>,
    /// Named convention (--absent-as / --mean-over / --background / --score-thr override its parts).
    #[arg(long, value_enum, default_value_t = ConventionArg::Mmseg)]
    pub convention: ConventionArg,
    /// Classes absent from both GT and prediction.
    #[arg(long, value_enum)]
    pub absent_as: Option<AbsentAsArg>,
    /// Which classes the means average over.
    #[arg(long, value_enum)]
    pub mean_over: Option<MeanOverArg>,
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
    /// Write a self-contained HTML report: the means, a sortable per-class table, the confusion heatmap.
    #[arg(long, value_name = "FILE")]
    pub report: Option<String>,
    /// Write the report to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
    /// No progress bar or notes on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `--background`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackgroundArg {
    /// The class "background" (id 0).
    Class,
    /// Ignored.
    Ignore,
}

/// `--convention`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConventionArg {
    /// mmsegmentation: a class absent from GT and prediction is NaN, left out of the means.
    Mmseg,
    /// ADE20K's official script: absent classes count 0, means over all classes.
    Ade20k,
    /// detectron2: classes without GT pixels are left out of the means.
    Detectron2,
    /// COCO-Stuff's official scoring (cocostuffapi's COCOStuffeval): detectron2's means, --background ignore,
    /// --score-thr 0, a pixel no result paints counts as the last class ("other"), every image needs a result.
    Cocostuff,
}

/// `--absent-as`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbsentAsArg {
    /// NaN, left out of the means.
    Nan,
    /// 0, counted in the means.
    Zero,
}

/// `--mean-over`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeanOverArg {
    /// Every class.
    All,
    /// Only classes with ground-truth pixels.
    GtPresent,
}

fn request(args: &Args) -> Request {
    Request {
        num_classes: args.num_classes,
        class_names: args.class_names.clone(),
        ignore_index: args.ignore_index,
        reduce_zero_label: args.reduce_zero_label,
        background: args.background.map(|b| match b {
            BackgroundArg::Class => Background::Class,
            BackgroundArg::Ignore => Background::Ignore,
        }),
        score_thr: args.score_thr,
        convention: match args.convention {
            ConventionArg::Mmseg => ConventionName::Mmseg,
            ConventionArg::Ade20k => ConventionName::Ade20k,
            ConventionArg::Detectron2 => ConventionName::Detectron2,
            ConventionArg::Cocostuff => ConventionName::Cocostuff,
        },
        absent_as: args.absent_as.map(|a| match a {
            AbsentAsArg::Nan => AbsentAs::Nan,
            AbsentAsArg::Zero => AbsentAs::Zero,
        }),
        mean_over: args.mean_over.map(|m| match m {
            MeanOverArg::All => MeanOver::All,
            MeanOverArg::GtPresent => MeanOver::GtPresent,
        }),
        allow_extra: args.allow_extra,
        ..Request::new(&args.gt, &args.pred)
    }
}

pub fn run(args: Args) -> Result<()> {
    let pb = progress_count(Some(0), "images", args.quiet, "eval miou");
    let prog = |p: Progress| match p {
        Progress::Start(n) => pb.set_length(n),
        Progress::Image => pb.inc(1),
    };
    let result = eval_miou::run(&request(&args), &prog);
    pb.finish_and_clear();
    let result: MiouResult = result?;
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
    if let Some(path) = &args.report {
        let page = crate::ops::report::miou_page(&result, &args.gt, &args.pred);
        let mut o = Output::create(Some(path), &inputs)?;
        o.writer().write_all(page.render().as_bytes())?;
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
        let n = result.missing_predictions.len() as u64;
        eprintln!(
            "note: {} no prediction and {} as predicted background",
            count(n, "ground-truth image had", "ground-truth images had"),
            if n == 1 { "counts" } else { "count" }
        );
    }
    Ok(())
}

//! `cocokit eval coco`: COCO detection AP (bbox, segm) and keypoint AP (OKS), the 12 (10) numbers of
//! pycocotools' COCOeval.

use crate::cmd::count;
use crate::error::{Error, Result};
use crate::eval::cocoeval::IouType;
use crate::io::Output;
use crate::ops::eval_coco::{self, Options};
use crate::ops::eval_shard;
use crate::ops::report::coco_page as report_page;
use std::path::Path;

const EXAMPLES: &str = "Examples:
  cocokit eval coco --gt instances_val2017.json --dt segm_results.json --iou-type segm
  cocokit eval coco --gt instances_val2017.json --dt bbox_results.json --iou-type bbox --per-class
  cocokit eval coco --gt val.json --dt res.json --iou-type bbox --json | jq '.stats[0]'
  cocokit eval coco --gt val.json --pred res.json --iou-type segm --max-dets 1,10,100 --cats person,3 --img-ids 42,73
  cocokit eval coco --gt val.json --dt res.json --iou-type bbox --area-rng all=0:1e10,tiny=0:256 --no-cats
  cocokit eval coco --gt person_keypoints_val2017.json --dt kp_results.json --iou-type keypoints
  cocokit eval coco --gt instances_val2017.json --dt segm_results.json --iou-type boundary --dilation-ratio 0.02
  cocokit eval coco --gt instances_val2017.json --dt bbox_results.json --iou-type bbox --tide
  cocokit eval coco --gt instances_val2017.json --dt bbox_results.json --iou-type bbox --score-thr 0.3 --confusion
  cocokit eval coco --gt instances_val2017.json --dt segm_results.json --iou-type segm --operating-point score=0.5,iou=0.5
  cocokit eval coco --gt instances_val2017.json --dt bbox_results.json --iou-type bbox --pr-curves pr/
  cocokit eval coco --gt val2017_sample.json --dt sample_results.json --iou-type segm --report report.html \
      --images-dir val2017/
  cocokit eval coco --gt val.json --dt res.json --iou-type bbox --img-ids 1,2,3 --partial shard1.ckpt
  cocokit eval coco --gt val.json --dt 'bbox_gpu*.json' --iou-type bbox
  cocokit eval coco --gt crowdpose_val.json --dt res.json --iou-type keypoints \
      --kpt-sigmas .079,.079,.072,.072,.062,.062,.107,.107,.087,.087,.089,.089,.079,.079

Numbers are pycocotools 2.0.11's, quirks included: results are read as loadRes reads them (if the first result
has a non-empty bbox, every area is w*h — also for segm), stats[0] is at maxDets 100, -1 where undefined.
Keypoints: OKS as computeOks (ground truths without visible keypoints use the distance to their box enlarged
3x; num_keypoints == 0 makes a ground truth ignored), area ranges all/medium/large, maxDets 20, 10 stats.
Boundary: boundary-iou-api's Boundary AP — IoU = min(mask IoU, IoU of the bands within dilation_ratio x
image diagonal of each mask's edge), mask IoU alone for crowd ground truths; the 12 stats.

A warning goes to stderr (the numbers are still pycocotools') when --img-ids or --cats name ids the ground
truth does not have, when --max-dets has no 100, or when --area-rng lacks a label summarize looks up.

--partial evaluates one shard (its --img-ids, or the images its results file has results for) and writes the
state `cocokit eval merge` accumulates: merged partials of any split of the images give the one-shot numbers
bit for bit.";

/// COCO detection evaluation, identical to pycocotools' COCOeval.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Ground-truth COCO dataset.
    #[arg(long)]
    pub gt: String,
    /// Detections: a COCO results file (a JSON array); several files, a directory of them or a quoted glob
    /// (one file per GPU) are read as one, their arrays concatenated in order.
    #[arg(long, visible_alias = "pred", num_args = 1.., required = true)]
    pub dt: Vec<String>,
    /// What to compare: segm (masks), bbox (boxes), keypoints (OKS) or boundary (min of mask and
    /// boundary IoU).
    #[arg(long, value_enum)]
    pub iou_type: IouTypeArg,
    /// Boundary width as a fraction of the image diagonal (boundary-iou-api's dilation_ratio). Boundary
    /// only.
    #[arg(long)]
    pub dilation_ratio: Option<f64>,
    /// Keypoint sigmas, one per keypoint (comma-separated; default COCO's 17 person sigmas). Keypoints only.
    #[arg(long, value_delimiter = ',')]
    pub kpt_sigmas: Vec<f64>,
    /// Print JSON: iou_type, stats (12 numbers; 10 for keypoints), per_class (ap, ap50, ap75 and ar100,
    /// or ar20 for keypoints).
    #[arg(long)]
    pub json: bool,
    /// Also print AP, AP50, AP75, AR100 per category.
    #[arg(long)]
    pub per_class: bool,
    /// Only these image ids (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub img_ids: Vec<i64>,
    /// Only these categories: names or ids, comma-separated (pycocotools' catIds).
    #[arg(
        long,
        visible_alias = "cat-ids",
        value_delimiter = ',',
        value_name = "CATS"
    )]
    pub cats: Vec<String>,
    /// maxDets values (comma-separated; default 1,10,100).
    #[arg(long, value_delimiter = ',')]
    pub max_dets: Vec<usize>,
    /// Area ranges as LABEL=LO:HI, comma-separated (default all=0:1e10,small=0:1024,medium=1024:9216,large=9216:1e10).
    #[arg(long, value_delimiter = ',')]
    pub area_rng: Vec<String>,
    /// Ignore categories (pycocotools' useCats = 0).
    #[arg(long)]
    pub no_cats: bool,
    /// Write PR curves to this directory: pr_curves.csv (category_id, name, iou, recall, precision) and an SVG
    /// per category plus overall.svg (IoU 0.50, 0.75 and 0.50:0.95; area all; maxDets 100).
    #[arg(long, value_name = "DIR")]
    pub pr_curves: Option<String>,
    /// Write a self-contained HTML report (numbers, sortable per-class table, PR curves; the worst images
    /// with --images-dir).
    #[arg(long, value_name = "FILE")]
    pub report: Option<String>,
    /// The images (file_name relative to it): the report shows the worst images with their overlays.
    #[arg(long, value_name = "DIR", requires = "report")]
    pub images_dir: Option<String>,
    /// Write the report to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
    /// No warnings on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Also report TIDE's error decomposition as tidecv 1.0.1 computes it (dAP of cls, loc, both, dupe,
    /// bkg, miss; false_pos, false_neg), bbox or segm.
    #[arg(long)]
    pub tide: bool,
    /// Also report a detection confusion matrix over the categories plus background (class-agnostic
    /// greedy matching by IoU), bbox or segm.
    #[arg(long)]
    pub confusion: bool,
    /// IoU threshold of --confusion.
    #[arg(long, default_value_t = 0.5, requires = "confusion")]
    pub iou_thr: f64,
    /// Score threshold of --confusion (detections with score >= it).
    #[arg(long, default_value_t = 0.25, requires = "confusion")]
    pub score_thr: f64,
    /// Also report per category TP, FP, FN, precision, recall, F1 at score >= S and IoU >= I (COCOeval's
    /// matching), and the F1-maximizing score.
    #[arg(long, value_name = "score=S,iou=I")]
    pub operating_point: Option<String>,
    /// Sharded evaluation: evaluate the results of this shard's images (--img-ids, or else the images the
    /// results file has results for) and write their evaluation state to this file, for `eval merge`.
    #[arg(long, value_name = "OUT.ckpt", conflicts_with_all = ["json", "per_class", "output", "tide", "confusion", "operating_point", "pr_curves", "report"])]
    pub partial: Option<String>,
}

/// `--iou-type`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum IouTypeArg {
    /// Masks.
    Segm,
    /// Boxes.
    Bbox,
    /// Keypoints (OKS).
    Keypoints,
    /// The minimum of mask IoU and boundary IoU.
    Boundary,
}

pub fn run(args: Args) -> Result<()> {
    let iou_type = match args.iou_type {
        IouTypeArg::Segm => IouType::Segm,
        IouTypeArg::Bbox => IouType::Bbox,
        IouTypeArg::Keypoints => IouType::Keypoints,
        IouTypeArg::Boundary => IouType::Boundary,
    };
    let params = eval_coco::params(
        iou_type,
        &args.img_ids,
        &args.max_dets,
        &args.area_rng,
        !args.no_cats,
        &args.kpt_sigmas,
        args.dilation_ratio,
    )?;
    let report_analyses =
        args.report.is_some() && matches!(iou_type, IouType::Bbox | IouType::Segm);
    let Some((dt, more_dt)) = args.dt.split_first() else {
        return Err(Error::msg("--dt needs a results file"));
    };
    if !more_dt.is_empty() && args.images_dir.is_some() {
        return Err(Error::msg(
            "--images-dir draws the results of one file: give --dt one results file",
        ));
    }
    let inputs: Vec<&str> = std::iter::once(args.gt.as_str())
        .chain(args.dt.iter().map(String::as_str))
        .collect();
    let opts = Options {
        gt: args.gt.clone(),
        dt: dt.clone(),
        more_dt: more_dt.to_vec(),
        params,
        cats: args.cats.clone(),
        // The report shows TIDE's bars and the confusion heatmap where they apply (bbox/segm; TIDE by category).
        tide: args.tide || (report_analyses && !args.no_cats),
        confusion: (args.confusion || report_analyses).then_some((args.iou_thr, args.score_thr)),
        operating_point: args
            .operating_point
            .as_deref()
            .map(eval_coco::parse_operating_point)
            .transpose()?,
        pr_curves: args.pr_curves.is_some() || args.report.is_some(),
    };
    if let Some(out) = &args.partial {
        let info = eval_shard::partial(&opts, out)?;
        if !args.quiet {
            for w in &info.warnings {
                eprintln!("cocokit: warning: {w}");
            }
            eprintln!(
                "cocokit: {out}: partial evaluation of {} ({})",
                count(info.images as u64, "image", "images"),
                count(info.detections as u64, "detection", "detections")
            );
        }
        return Ok(());
    }
    let mut report = eval_coco::run(&opts)?;
    if !args.quiet {
        for w in &report.warnings {
            eprintln!("cocokit: warning: {w}");
        }
    }
    // Everything is made before anything is written.
    let page = args
        .report
        .as_ref()
        .map(|_| report_page(&report, &opts, args.images_dir.as_deref().map(Path::new)))
        .transpose()?;
    // Made for the report only: printed when asked for.
    if !args.tide {
        report.tide = None;
    }
    if !args.confusion {
        report.confusion = None;
    }
    if let Some(dir) = &args.pr_curves {
        report.write_pr_curves(Path::new(dir))?;
    }
    if let (Some(path), Some(page)) = (&args.report, page) {
        let mut o = Output::create(Some(path), &inputs)?;
        o.writer().write_all(page.render().as_bytes())?;
        o.commit()?;
    }
    let mut out = Output::create(args.output.as_deref(), &inputs)?;
    let w = out.writer();
    if args.json {
        serde_json::to_writer_pretty(&mut *w, &report.to_json())
            .map_err(|e| Error::msg(e.to_string()))?;
        writeln!(w)?;
    } else {
        w.write_all(report.text(args.per_class).as_bytes())?;
    }
    out.commit()
}

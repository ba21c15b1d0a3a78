//! `cocokit eval coco`: COCO detection AP (bbox, segm) and keypoint AP (OKS), the 12 (10) numbers of
//! pycocotools' COCOeval.

use crate::coco::reader::SegMode;
use crate::error::{Error, Result};
use crate::eval::cocoeval::load::{EvalGt, EvalResults};
use crate::eval::cocoeval::{self, evaluate_loaded, IouType, Params};
use crate::io::{Input, Output};
use serde_json::json;
use std::collections::HashMap;

const EXAMPLES: &str = "Examples:
  cocokit eval coco --gt instances_val2017.json --dt segm_results.json --iou-type segm
  cocokit eval coco --gt instances_val2017.json --dt bbox_results.json --iou-type bbox --per-class
  cocokit eval coco --gt val.json --dt res.json --iou-type bbox --json | jq '.stats[0]'
  cocokit eval coco --gt val.json --dt res.json --iou-type segm --max-dets 1,10,300 --cat-ids 1,3 --img-ids 42,73
  cocokit eval coco --gt val.json --dt res.json --iou-type bbox --area-rng all=0:1e10,tiny=0:256 --no-cats
  cocokit eval coco --gt person_keypoints_val2017.json --dt kp_results.json --iou-type keypoints
  cocokit eval coco --gt instances_val2017.json --dt segm_results.json --iou-type boundary --dilation-ratio 0.02
  cocokit eval coco --gt crowdpose_val.json --dt res.json --iou-type keypoints \
      --kpt-sigmas .079,.079,.072,.072,.062,.062,.107,.107,.087,.087,.089,.089,.079,.079

Numbers are pycocotools 2.0.11's, quirks included: results are read as loadRes reads them (if the first result
has a non-empty bbox, every area is w*h — also for segm), stats[0] is at maxDets 100, -1 where undefined.
Keypoints: OKS as computeOks (ground truths without visible keypoints use the distance to their box enlarged
3x; num_keypoints == 0 makes a ground truth ignored), area ranges all/medium/large, maxDets 20, 10 stats.
Boundary: boundary-iou-api's Boundary AP — IoU = min(mask IoU, IoU of the bands within dilation_ratio x
image diagonal of each mask's edge), mask IoU alone for crowd ground truths; the 12 stats.";

/// COCO detection evaluation, identical to pycocotools' COCOeval.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Ground-truth COCO dataset.
    #[arg(long)]
    pub gt: String,
    /// Detections: a COCO results file (a JSON array).
    #[arg(long)]
    pub dt: String,
    /// What to compare: segm (masks), bbox (boxes), keypoints (OKS) or boundary (min of mask and
    /// boundary IoU).
    #[arg(long, value_parser = ["segm", "bbox", "keypoints", "boundary"])]
    pub iou_type: String,
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
    #[arg(long, value_delimiter = ',')]
    pub img_ids: Vec<i64>,
    /// Only these category ids (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub cat_ids: Vec<i64>,
    /// maxDets values (comma-separated; default 1,10,100).
    #[arg(long, value_delimiter = ',')]
    pub max_dets: Vec<usize>,
    /// Area ranges as LABEL=LO:HI, comma-separated (default all=0:1e10,small=0:1024,medium=1024:9216,large=9216:1e10).
    #[arg(long, value_delimiter = ',')]
    pub area_rng: Vec<String>,
    /// Ignore categories (pycocotools' useCats = 0).
    #[arg(long)]
    pub no_cats: bool,
    /// Write the report to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
}

fn area_ranges(specs: &[String]) -> Result<(Vec<[f64; 2]>, Vec<String>)> {
    let mut rng = Vec::new();
    let mut lbl = Vec::new();
    for s in specs {
        let bad = || {
            Error::msg(format!(
                "--area-rng {s}: expected LABEL=LO:HI, e.g. small=0:1024"
            ))
        };
        let (label, range) = s.split_once('=').ok_or_else(bad)?;
        let (lo, hi) = range.split_once(':').ok_or_else(bad)?;
        let lo: f64 = lo.trim().parse().map_err(|_| bad())?;
        let hi: f64 = hi.trim().parse().map_err(|_| bad())?;
        if lo.is_nan() || hi.is_nan() || lo > hi {
            return Err(bad());
        }
        rng.push([lo, hi]);
        lbl.push(label.trim().to_string());
    }
    Ok((rng, lbl))
}

pub fn run(args: Args) -> Result<()> {
    let iou_type = IouType::parse(&args.iou_type)?;
    let mut params = Params::new(iou_type);
    if !args.img_ids.is_empty() {
        params.img_ids = Some(args.img_ids.clone());
    }
    if !args.cat_ids.is_empty() {
        params.cat_ids = Some(args.cat_ids.clone());
    }
    if !args.max_dets.is_empty() {
        params.max_dets = args.max_dets.clone();
    }
    if !args.area_rng.is_empty() {
        let (rng, lbl) = area_ranges(&args.area_rng)?;
        params.area_rng = rng;
        params.area_rng_lbl = lbl;
    }
    params.use_cats = !args.no_cats;
    if !args.kpt_sigmas.is_empty() {
        if iou_type != IouType::Keypoints {
            return Err(Error::msg("--kpt-sigmas is for --iou-type keypoints"));
        }
        params.kpt_oks_sigmas = args.kpt_sigmas.clone();
    }
    if let Some(r) = args.dilation_ratio {
        if iou_type != IouType::Boundary {
            return Err(Error::msg("--dilation-ratio is for --iou-type boundary"));
        }
        params.dilation_ratio = r;
    }
    params.validate()?;
    // Read both files at once: they are independent. Box evaluation needs no masks: segmentations are only
    // checked, not decoded — unless the results have no boxes (loadRes then takes boxes from the masks).
    let mode = if !iou_type.uses_masks() {
        SegMode::Kind
    } else {
        SegMode::Full
    };
    let (gt_in, dt_in) = rayon::join(|| Input::open(&args.gt), || Input::open(&args.dt));
    let gt_in = gt_in?;
    let dt_in = match dt_in {
        Ok(d) => d,
        Err(e) => {
            // As when each file is read in turn: an error in the ground truth comes first.
            EvalGt::parse(gt_in.bytes(), mode).map_err(|e| e.in_file(&args.gt))?;
            return Err(e);
        }
    };
    let (gt, dt) = rayon::join(
        || EvalGt::parse(gt_in.bytes(), mode).map_err(|e| e.in_file(&args.gt)),
        || EvalResults::parse(dt_in.bytes(), mode).map_err(|e| e.in_file(&args.dt)),
    );
    let (gt, mut dt) = (gt?, dt?);
    if mode == SegMode::Kind && dt.first_has_no_bbox() && dt.first_has_segmentation() {
        dt = EvalResults::parse(dt_in.bytes(), SegMode::Full).map_err(|e| e.in_file(&args.dt))?;
    }
    let ev = evaluate_loaded(&gt, &dt, &params).map_err(|e| e.in_file(&args.dt))?;
    let names: HashMap<i64, String> = gt
        .categories
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    // The inputs are not needed any more: free them before the accumulated arrays are made.
    drop(dt);
    drop(gt);
    drop(dt_in);
    drop(gt_in);
    let report = cocoeval::report(ev)?;
    let mut out = Output::create(args.output.as_deref(), &[&args.gt, &args.dt])?;
    let w = out.writer();
    if args.json {
        let ar_key = if iou_type == IouType::Keypoints {
            "ar20"
        } else {
            "ar100"
        };
        let per_class: Vec<serde_json::Value> = report
            .per_class
            .iter()
            .map(|c| {
                let mut v = json!({"category_id": c.category_id, "name": names.get(&c.category_id).map_or("", String::as_str),
                       "ap": c.ap, "ap50": c.ap50, "ap75": c.ap75});
                v[ar_key] = json!(c.ar100);
                v
            })
            .collect();
        let v = json!({"iou_type": iou_type.name(), "stats": report.summary.stats.to_vec(), "per_class": per_class});
        serde_json::to_writer_pretty(&mut *w, &v).map_err(|e| Error::msg(e.to_string()))?;
        writeln!(w)?;
    } else {
        w.write_all(report.summary.text().as_bytes())?;
        if args.per_class {
            let width = names
                .values()
                .map(|n| n.chars().count())
                .max()
                .unwrap_or(4)
                .clamp(4, 40);
            writeln!(w)?;
            writeln!(
                w,
                "{:>6}  {:<width$}  {:>6}  {:>6}  {:>6}  {:>6}",
                "id",
                "name",
                "AP",
                "AP50",
                "AP75",
                if iou_type == IouType::Keypoints {
                    "AR20"
                } else {
                    "AR100"
                }
            )?;
            for c in &report.per_class {
                let name = names.get(&c.category_id).map_or("", String::as_str);
                writeln!(
                    w,
                    "{:>6}  {:<width$}  {:>6.3}  {:>6.3}  {:>6.3}  {:>6.3}",
                    c.category_id, name, c.ap, c.ap50, c.ap75, c.ar100
                )?;
            }
        }
    }
    out.commit()
}

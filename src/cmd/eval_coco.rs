//! `cocokit eval coco`: COCO detection AP (bbox, segm), the 12 numbers of pycocotools' COCOeval.

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

Numbers are pycocotools 2.0.11's, quirks included: results are read as loadRes reads them (if the first result
has a non-empty bbox, every area is w*h — also for segm), stats[0] is at maxDets 100, -1 where undefined.";

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
    /// What to compare: segm (masks) or bbox (boxes).
    #[arg(long, value_parser = ["segm", "bbox"])]
    pub iou_type: String,
    /// Print JSON: iou_type, stats (the 12 numbers), per_class.
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
    params.validate()?;
    // Read both files at once: they are independent. Box evaluation needs no masks: segmentations are only
    // checked, not decoded — unless the results have no boxes (loadRes then takes boxes from the masks).
    let mode = if iou_type == IouType::Bbox {
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
    if mode == SegMode::Kind && dt.first_has_no_bbox() {
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
        let per_class: Vec<serde_json::Value> = report
            .per_class
            .iter()
            .map(|c| {
                json!({"category_id": c.category_id, "name": names.get(&c.category_id).map_or("", String::as_str),
                       "ap": c.ap, "ap50": c.ap50, "ap75": c.ap75, "ar100": c.ar100})
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
                "id", "name", "AP", "AP50", "AP75", "AR100"
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

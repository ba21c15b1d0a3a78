//! `cocokit eval lvis`: LVIS federated AP (bbox, segm), the numbers of lvis-api 0.5.3's `LVISEval`.

use crate::error::{Error, Result};
use crate::eval::cocoeval::IouType;
use crate::eval::lvis::LvisParams;
use crate::io::Output;
use crate::ops::eval_lvis;

const EXAMPLES: &str = "Examples:
  cocokit eval lvis --gt lvis_v1_val.json --dt lvis_segm_results.json --iou-type segm
  cocokit eval lvis --gt lvis_v1_val.json --dt lvis_bbox_results.json --iou-type bbox --json | jq '.APr'
  cocokit eval lvis --gt lvis_v1_val.json --dt lvis_bbox_results.json --iou-type bbox --max-dets 100

Numbers are lvis-api 0.5.3's: at most --max-dets results per image (its highest scores), results of
categories an image neither has nor lists in neg_category_ids are dropped, unmatched results of its
not_exhaustive_category_ids are ignored, APr/APc/APf over the categories' frequency groups, -1 where
undefined.";

/// LVIS federated evaluation, identical to lvis-api's LVISEval.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Ground-truth LVIS dataset (images with neg_category_ids and not_exhaustive_category_ids,
    /// categories with frequency).
    #[arg(long)]
    pub gt: String,
    /// Detections: a results file (a JSON array).
    #[arg(long)]
    pub dt: String,
    /// What to compare: segm (masks) or bbox (boxes).
    #[arg(long, value_parser = ["segm", "bbox"])]
    pub iou_type: String,
    /// Results kept per image (lvis-api's max_dets).
    #[arg(long, default_value_t = 300)]
    pub max_dets: usize,
    /// Print JSON: AP, AP50, AP75, APs, APm, APl, APr, APc, APf, AR@N, ARs@N, ARm@N, ARl@N, per_category.
    #[arg(long)]
    pub json: bool,
    /// Write the report to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
}

pub fn run(args: Args) -> Result<()> {
    let params = LvisParams::new(IouType::parse(&args.iou_type)?, args.max_dets);
    let ev = eval_lvis::run_files(&args.gt, &args.dt, &params)?;
    let mut out = Output::create(args.output.as_deref(), &[&args.gt, &args.dt])?;
    let w = out.writer();
    if args.json {
        serde_json::to_writer_pretty(&mut *w, &ev.to_json())
            .map_err(|e| Error::msg(e.to_string()))?;
        writeln!(w)?;
    } else {
        for l in &ev.report.lines {
            writeln!(w, "{l}")?;
        }
    }
    out.commit()
}

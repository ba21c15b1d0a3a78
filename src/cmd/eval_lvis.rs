//! `cocokit eval lvis`: LVIS federated AP (bbox, segm), the numbers of lvis-api 0.5.3's `LVISEval`.

use crate::coco::reader::SegMode;
use crate::error::{Error, Result};
use crate::eval::cocoeval::load::{EvalGt, EvalResults};
use crate::eval::cocoeval::IouType;
use crate::eval::lvis::{self, LvisGt, LvisParams};
use crate::io::{Input, Output};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

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
    let iou_type = IouType::parse(&args.iou_type)?;
    let mode = if iou_type == IouType::Bbox {
        SegMode::Kind
    } else {
        SegMode::Full
    };
    let gt_in = Input::open(&args.gt)?;
    let gt = EvalGt::parse(gt_in.bytes(), mode).map_err(|e| e.in_file(&args.gt))?;
    let lvis_gt = LvisGt::read(&gt).map_err(|e| e.in_file(&args.gt))?;
    let dt_in = Input::open(&args.dt)?;
    let mut dt = EvalResults::parse(dt_in.bytes(), mode).map_err(|e| e.in_file(&args.dt))?;
    if mode == SegMode::Kind && dt.first_has_no_bbox() {
        dt = EvalResults::parse(dt_in.bytes(), SegMode::Full).map_err(|e| e.in_file(&args.dt))?;
    }
    let params = LvisParams {
        iou_type,
        max_dets: args.max_dets,
    };
    let report = lvis::run_loaded(&gt, &lvis_gt, &dt, &params).map_err(|e| e.in_file(&args.dt))?;
    let names: HashMap<i64, String> = gt
        .categories
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    drop(dt);
    drop(gt);
    let mut out = Output::create(args.output.as_deref(), &[&args.gt, &args.dt])?;
    let w = out.writer();
    if args.json {
        let mut m = Map::new();
        m.insert("iou_type".into(), json!(iou_type.name()));
        for (k, v) in &report.results {
            m.insert(k.clone(), json!(v));
        }
        let per: Vec<Value> = report
            .per_category
            .iter()
            .map(|c| {
                json!({"category_id": c.category_id,
                       "name": names.get(&c.category_id).map_or("", String::as_str),
                       "frequency": c.frequency.to_string(), "ap": c.ap})
            })
            .collect();
        m.insert("per_category".into(), Value::Array(per));
        serde_json::to_writer_pretty(&mut *w, &Value::Object(m))
            .map_err(|e| Error::msg(e.to_string()))?;
        writeln!(w)?;
    } else {
        for l in &report.lines {
            writeln!(w, "{l}")?;
        }
    }
    out.commit()
}

//! `eval lvis` as an operation: read an LVIS ground truth and a results file, run lvis-api's federated
//! evaluation on them (`eval::lvis`), and return what the command reports — lvis-api's `results`, the
//! lines `print_results` prints, per-category AP with names, and the accumulated arrays. It prints
//! nothing: `cmd::eval_lvis` and the Python package (`cocokit.LVISEval`, `cocokit.eval_lvis`) format what
//! it returns. The numbers and their quirks are `eval::lvis`'s; this file only wires inputs and the report.

use crate::coco::reader::SegMode;
use crate::error::Result;
use crate::eval::cocoeval::load::{EvalGt, EvalResults};
use crate::eval::cocoeval::IouType;
use crate::eval::lvis::{self, LvisGt, LvisParams, LvisReport};
use crate::io::Input;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// What an LVIS evaluation reports.
#[derive(Debug, Clone)]
pub struct LvisEval {
    /// Bbox or Segm.
    pub iou_type: IouType,
    /// lvis-api's `results`, `print_results` lines, per-category AP and the accumulated arrays.
    pub report: LvisReport,
    /// Category id → name, from the ground truth.
    pub names: HashMap<i64, String>,
}

/// `LVISEval(LVIS(gt), LVISResults(gt, dt, max_dets), iou_type).run()` on two opened inputs (files, or
/// JSON text given as [`Input::from_bytes`]); errors name the input they come from.
pub fn run(gt: &Input, dt: &Input, params: &LvisParams) -> Result<LvisEval> {
    let iou_type = params.iou_type;
    let mode = if iou_type == IouType::Bbox {
        SegMode::Kind
    } else {
        SegMode::Full
    };
    let g = EvalGt::parse(gt.bytes(), mode).map_err(|e| e.in_file(gt.name()))?;
    let lvis_gt = LvisGt::read(&g).map_err(|e| e.in_file(gt.name()))?;
    let mut d = EvalResults::parse(dt.bytes(), mode).map_err(|e| e.in_file(dt.name()))?;
    if mode == SegMode::Kind && d.first_has_no_bbox() {
        // LVISResults takes area and box from the masks when the first result has no bbox.
        d = EvalResults::parse(dt.bytes(), SegMode::Full).map_err(|e| e.in_file(dt.name()))?;
    }
    let report = lvis::run_loaded(&g, &lvis_gt, &d, params).map_err(|e| e.in_file(dt.name()))?;
    let names = g
        .categories
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    Ok(LvisEval {
        iou_type,
        report,
        names,
    })
}

/// [`run`] on two files.
pub fn run_files(gt: &str, dt: &str, params: &LvisParams) -> Result<LvisEval> {
    let gt = Input::open(gt)?;
    let dt = Input::open(dt)?;
    run(&gt, &dt, params)
}

impl LvisEval {
    /// What `eval lvis --json` prints: `iou_type`, lvis-api's `results` keys in its order, and
    /// `per_category` (`category_id`, `name`, `frequency`, `ap`) in category id order.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("iou_type".into(), json!(self.iou_type.name()));
        for (k, v) in &self.report.results {
            m.insert(k.clone(), json!(v));
        }
        let per: Vec<Value> = self
            .report
            .per_category
            .iter()
            .map(|c| {
                json!({"category_id": c.category_id,
                       "name": self.names.get(&c.category_id).map_or("", String::as_str),
                       "frequency": c.frequency.to_string(), "ap": c.ap})
            })
            .collect();
        m.insert("per_category".into(), Value::Array(per));
        Value::Object(m)
    }
}

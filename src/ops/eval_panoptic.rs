//! `eval panoptic` as an operation: panopticapi's `pq_compute` on two panoptic JSON files and their
//! folders of segment PNGs (`eval::panoptic`), and the report's `--json` form. It prints nothing:
//! `cmd::eval_panoptic` and the Python package (`cocokit.pq_compute`, `cocokit.eval_panoptic`) format what
//! it returns. The numbers and their quirks are `eval::panoptic`'s.

use std::path::Path;

use crate::error::{Error, Result};
use crate::eval::panoptic::{self, PqAverage, PqReport};
use serde_json::{json, Map, Value};

/// `pq_compute(gt_json, pred_json, gt_folder=gt_dir, pred_folder=pred_dir)`; a folder that is not one is
/// an error naming it.
pub fn run(gt_json: &str, gt_dir: &str, pred_json: &str, pred_dir: &str) -> Result<PqReport> {
    for dir in [gt_dir, pred_dir] {
        if !Path::new(dir).is_dir() {
            return Err(Error::msg(format!("{dir}: not a folder of segment PNGs")));
        }
    }
    panoptic::pq_compute(
        Path::new(gt_json),
        Path::new(gt_dir),
        Path::new(pred_json),
        Path::new(pred_dir),
    )
}

/// What `eval panoptic --json` prints: `All`, `Things`, `Stuff` (`pq`, `sq`, `rq`, `n`) and `per_class`
/// (`{"<id>": {pq, sq, rq}}`, ground-truth category order).
pub fn to_json(report: &PqReport) -> Value {
    let group = |g: &PqAverage| json!({"pq": g.pq, "sq": g.sq, "rq": g.rq, "n": g.n});
    let mut per = Map::new();
    for c in &report.per_class {
        per.insert(
            c.category_id.to_string(),
            json!({"pq": c.pq, "sq": c.sq, "rq": c.rq}),
        );
    }
    json!({"All": group(&report.all), "Things": group(&report.things),
           "Stuff": group(&report.stuff), "per_class": Value::Object(per)})
}

//! `cocokit eval panoptic`: panoptic quality (PQ, SQ, RQ), the numbers of panopticapi's `pq_compute`.

use std::path::Path;

use crate::error::{Error, Result};
use crate::eval::panoptic;
use crate::io::Output;
use serde_json::{json, Map, Value};

const EXAMPLES: &str = "Examples:
  cocokit eval panoptic --gt-json panoptic_val2017.json --gt-dir panoptic_val2017/ --pred-json panoptic_pred.json --pred-dir panoptic_pred/
  cocokit eval panoptic --gt-json panoptic_val2017.json --gt-dir panoptic_val2017/ --pred-json panoptic_pred.json --pred-dir panoptic_pred/ --json | jq .All

Numbers are panopticapi's: segment ids from RGB as R + 256*G + 256^2*B, a match is IoU > 0.5 within a
category (VOID pixels left out of the union), crowd regions and VOID excuse unmatched predictions lying
mostly on them, Things/Stuff by the categories' isthing. Images are evaluated in parallel.";

/// Panoptic quality, identical to panopticapi's pq_compute.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Ground-truth COCO panoptic JSON (categories with isthing, annotations with segments_info).
    #[arg(long)]
    pub gt_json: String,
    /// Folder of the ground-truth segment PNGs.
    #[arg(long)]
    pub gt_dir: String,
    /// Predicted COCO panoptic JSON.
    #[arg(long)]
    pub pred_json: String,
    /// Folder of the predicted segment PNGs.
    #[arg(long)]
    pub pred_dir: String,
    /// Print JSON: All, Things, Stuff ({pq, sq, rq, n}) and per_class ({"<id>": {pq, sq, rq}}).
    #[arg(long)]
    pub json: bool,
    /// Write the report to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
}

pub fn run(args: Args) -> Result<()> {
    for dir in [&args.gt_dir, &args.pred_dir] {
        if !Path::new(dir).is_dir() {
            return Err(Error::msg(format!("{dir}: not a folder of segment PNGs")));
        }
    }
    let report = panoptic::pq_compute(
        Path::new(&args.gt_json),
        Path::new(&args.gt_dir),
        Path::new(&args.pred_json),
        Path::new(&args.pred_dir),
    )?;
    let mut out = Output::create(args.output.as_deref(), &[&args.gt_json, &args.pred_json])?;
    let w = out.writer();
    if args.json {
        let group = |g: &panoptic::PqAverage| json!({"pq": g.pq, "sq": g.sq, "rq": g.rq, "n": g.n});
        let mut per = Map::new();
        for c in &report.per_class {
            per.insert(
                c.category_id.to_string(),
                json!({"pq": c.pq, "sq": c.sq, "rq": c.rq}),
            );
        }
        let v = json!({"All": group(&report.all), "Things": group(&report.things),
                       "Stuff": group(&report.stuff), "per_class": Value::Object(per)});
        serde_json::to_writer_pretty(&mut *w, &v).map_err(|e| Error::msg(e.to_string()))?;
        writeln!(w)?;
    } else {
        w.write_all(report.text().as_bytes())?;
    }
    out.commit()
}

//! `cocokit eval panoptic`: panoptic quality (PQ, SQ, RQ), the numbers of panopticapi's `pq_compute`.

use crate::error::{Error, Result};
use crate::io::Output;
use crate::ops::eval_panoptic;

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
    let report = eval_panoptic::run(&args.gt_json, &args.gt_dir, &args.pred_json, &args.pred_dir)?;
    let mut out = Output::create(args.output.as_deref(), &[&args.gt_json, &args.pred_json])?;
    let w = out.writer();
    if args.json {
        serde_json::to_writer_pretty(&mut *w, &eval_panoptic::to_json(&report))
            .map_err(|e| Error::msg(e.to_string()))?;
        writeln!(w)?;
    } else {
        w.write_all(report.text().as_bytes())?;
    }
    out.commit()
}

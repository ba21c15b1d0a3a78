//! `cocokit eval merge`: accumulate and summarize the partial evaluations of shards (`eval coco --partial`),
//! printing what `eval coco` prints.

use crate::error::{Error, Result};
use crate::io::Output;
use crate::ops::eval_shard;

const EXAMPLES: &str = "Examples:
  cocokit eval merge shard1.ckpt shard2.ckpt
  cocokit eval merge shard*.ckpt --json -o stats.json
  cocokit eval merge part*.ckpt --per-class

The partials come from `cocokit eval coco ... --partial part0.ckpt`, one per shard, run anywhere (e.g.
`seq 0 7 | xargs -P 8 -I{} cocokit eval coco --gt val.json --dt res{}.json --iou-type segm --partial part{}.ckpt`).
The stats are those of `eval coco` on all the shards' results at once, bit for bit, whatever the split:
cells are laid out in image-id order before pycocotools' stable sort on scores. Refused, naming both files:
partials of different ground truths or parameters, and shards sharing an image. Images no shard holds
results for count with their ground truths only.";

/// Merge partial evaluations of shards into the stats of the whole.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Checkpoints written by `cocokit eval coco --partial`.
    #[arg(required = true, value_name = "PARTIAL")]
    pub partials: Vec<String>,
    /// Print JSON: iou_type, stats, per_class (as `eval coco --json`).
    #[arg(long)]
    pub json: bool,
    /// Also print AP, AP50, AP75, AR100 per category.
    #[arg(long)]
    pub per_class: bool,
    /// Write the report to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
}

pub fn run(args: Args) -> Result<()> {
    let report = eval_shard::merge(&args.partials)?;
    let inputs: Vec<&str> = args.partials.iter().map(String::as_str).collect();
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

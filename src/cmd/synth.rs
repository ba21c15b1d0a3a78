//! `cocokit synth`: write a deterministic, realistic synthetic COCO dataset.

use crate::error::{Error, Result};
use crate::io::{progress_count, Output};
use crate::ops::synth::{write_dataset, SynthOptions};
use crate::ops::synth_detections::write_results;

const EXAMPLES: &str = "Examples:
  cocokit synth --images 5000 -o val_like.json
  cocokit synth --images 118287 --seed 1 -o train_like.json      # ~450 MB, like instances_train2017.json

The same --images and --seed always give the same bytes.";

/// Generate a synthetic COCO dataset (80 real categories, polygons, crowd RLEs).
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// How many images to make (a count, not image ids).
    #[arg(long, value_name = "COUNT")]
    pub images: u64,
    /// Random seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output file (written atomically; `-` = standard output, the default).
    #[arg(short, long)]
    pub output: Option<String>,
    /// Also write a matching COCO results file (detections with scores) here.
    #[arg(long)]
    pub results: Option<String>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<()> {
    if args.results.as_deref() == Some("-") && args.output.as_deref().is_none_or(|o| o == "-") {
        return Err(Error::msg(
            "the dataset and --results cannot both go to standard output",
        ));
    }
    let opts = SynthOptions {
        images: args.images,
        seed: args.seed,
    };
    let mut out = Output::create(args.output.as_deref(), &[])?;
    // The dataset is written in two passes over the images: their records, then their annotations.
    let pb = progress_count(Some(args.images), "images", args.quiet, "synth: images");
    let images = args.images;
    write_dataset(&opts, out.writer(), &|n| {
        if n > images {
            if pb.message() != "synth: annotations of" {
                pb.set_message("synth: annotations of");
            }
            pb.set_position(n - images);
        } else {
            pb.set_position(n);
        }
    })?;
    pb.finish_and_clear();
    out.commit()?;
    if let Some(r) = &args.results {
        let mut out = Output::create(Some(r), &[])?;
        let pb = progress_count(
            Some(args.images),
            "images",
            args.quiet,
            "synth: results for",
        );
        write_results(&opts, out.writer(), &|n| pb.set_position(n))?;
        pb.finish_and_clear();
        out.commit()?;
    }
    Ok(())
}

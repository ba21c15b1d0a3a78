//! `cocokit sample`: a deterministic subset of a dataset's images, with their annotations.

use super::count;
use crate::error::{Error, Result};
use crate::io::{progress, Output};
use crate::ops::sample::{sample, SampleOptions, Size};
use std::io::Write;

const EXAMPLES: &str = "Examples:
  cocokit sample instances_train2017.json --images 50 --seed 1 -o debug50.json
  cocokit sample instances_val2017.json --fraction 0.1 --seed 2 -o val10pct.json
  cocokit sample instances_val2017.json --images 50 --per-category 1 --seed 3 -o every_category.json
  cocokit sample sa1b/ --images 3 --seed 1 -o sa1b_3.json

Images are ranked by a hash (XXH3) of their file name and the seed, and the first ones taken: the same sample on
every machine and run, and a larger sample with the same seed contains a smaller one. With --per-category K, the
rarest category's images are taken first until each category has K images in the sample (or all it has), then
the sample is filled in rank order; if the quotas need more images than asked for, that is an error. Each image
keeps all its annotations, records byte for byte; categories, info and licenses are kept.";

/// A deterministic subset of the images, with their annotations; records kept byte for byte.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
#[command(group(clap::ArgGroup::new("size").required(true).args(["images", "fraction"])))]
pub struct Args {
    /// COCO dataset: files, directories of *.json, quoted globs, read as one (`-` for standard input alone).
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<String>,
    /// How many images.
    #[arg(long, value_name = "COUNT")]
    pub images: Option<u64>,
    /// Which share of the images, in (0, 1].
    #[arg(long)]
    pub fraction: Option<f64>,
    /// Random seed (with the images' file names, all that decides the sample).
    #[arg(long)]
    pub seed: u64,
    /// At least this many images of each category (where the dataset has them), then filled in rank order.
    #[arg(long, value_name = "COUNT")]
    pub per_category: Option<u64>,
    /// Output file (written atomically; `-` = standard output, the default).
    #[arg(short, long)]
    pub output: Option<String>,
    /// No progress bar and no summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the summary as JSON on standard output (with -o FILE).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<()> {
    super::json_needs_output_file(args.json, args.output.as_deref(), "dataset")?;
    let size = match (args.images, args.fraction) {
        (Some(n), _) => Size::Images(n),
        (None, Some(f)) => Size::Fraction(f),
        (None, None) => return Err(Error::msg("give --images or --fraction")),
    };
    let opts = SampleOptions {
        size,
        seed: args.seed,
        per_category: args.per_category,
    };
    let src = super::open_source(&args.inputs, args.quiet)?;
    let input = src.input();
    let mut out = Output::create(args.output.as_deref(), &src.paths())?;
    let pb = progress(2 * input.bytes().len() as u64, args.quiet, "sample");
    let rep = sample(input, &opts, out.writer(), &|p| pb.set_position(p)).map_err(|e| {
        if e.broken_pipe {
            e
        } else {
            src.blame(e)
        }
    })?;
    pb.finish_and_clear();
    out.commit()?;
    if args.json {
        let v = serde_json::json!({"images": rep.kept.images, "annotations": rep.kept.annotations,
                                   "of_images": rep.of_images, "output": args.output});
        writeln!(std::io::stdout(), "{v}")?;
    }
    if !args.quiet {
        eprintln!(
            "kept {} of {}, {}",
            count(rep.kept.images, "image", "images"),
            rep.of_images,
            count(rep.kept.annotations, "annotation", "annotations")
        );
    }
    Ok(())
}

//! `cocokit synth`: write a deterministic, realistic synthetic COCO dataset (instances, keypoints, LVIS or
//! panoptic), optionally with matching results.

use crate::error::{Error, Result};
use crate::io::{progress_count, Output};
use crate::ops::synth::{write_dataset, SynthOptions};
use crate::ops::synth_detections::write_results;
use crate::ops::synth_kinds::{
    write_keypoints_dataset, write_keypoints_results, write_lvis_dataset, write_lvis_results,
    SynthKind,
};
use crate::ops::synth_panoptic::{write_panoptic, PanopticTargets};
use std::io::Write;
use std::path::Path;

const EXAMPLES: &str = "Examples:
  cocokit synth --images 5000 -o val_like.json
  cocokit synth --images 118287 --seed 1 -o train_like.json      # ~450 MB, like instances_train2017.json
  cocokit synth --kind keypoints --images 5000 -o person_keypoints.json --results keypoint_results.json
  cocokit synth --kind lvis --images 5000 -o lvis_like.json --results lvis_like_results.json
  cocokit synth --kind panoptic --images 500 -o panoptic.json --png-dir panoptic_pngs --results panoptic_pred.json --results-png-dir panoptic_pred_pngs

The same --kind, --images and --seed always give the same bytes.";

/// Generate a synthetic COCO dataset (instances, keypoints, LVIS or panoptic).
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// How many images to make (a count, not image ids).
    #[arg(long, value_name = "COUNT")]
    pub images: u64,
    /// Random seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// What to make: instances (80 categories, polygons, crowd RLEs), keypoints (17 person keypoints),
    /// lvis (1,203 categories, federated labels) or panoptic (JSON + segment PNGs).
    #[arg(long, default_value = "instances", value_parser = ["instances", "keypoints", "lvis", "panoptic"])]
    pub kind: String,
    /// Output file (written atomically; `-` = standard output, the default).
    #[arg(short, long)]
    pub output: Option<String>,
    /// Also write a matching results file here (detections with scores; for panoptic, the predicted JSON).
    #[arg(long)]
    pub results: Option<String>,
    /// Panoptic: folder of the ground-truth segment PNGs (created if missing).
    #[arg(long, value_name = "DIR")]
    pub png_dir: Option<String>,
    /// Panoptic: folder of the predicted segment PNGs (created if missing).
    #[arg(long, value_name = "DIR")]
    pub results_png_dir: Option<String>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

type Writer = fn(&SynthOptions, &mut dyn Write, &dyn Fn(u64)) -> Result<()>;

pub fn run(args: Args) -> Result<()> {
    if args.results.as_deref() == Some("-") && args.output.as_deref().is_none_or(|o| o == "-") {
        return Err(Error::msg(
            "the dataset and --results cannot both go to standard output",
        ));
    }
    let kind = SynthKind::parse(&args.kind)
        .ok_or_else(|| Error::msg(format!("unknown --kind {}", args.kind)))?;
    if kind != SynthKind::Panoptic && (args.png_dir.is_some() || args.results_png_dir.is_some()) {
        return Err(Error::msg(
            "--png-dir and --results-png-dir are for --kind panoptic",
        ));
    }
    let opts = SynthOptions {
        images: args.images,
        seed: args.seed,
    };
    if kind == SynthKind::Panoptic {
        return run_panoptic(&args, &opts);
    }
    let (dataset, results): (Writer, Writer) = match kind {
        SynthKind::Keypoints => (write_keypoints_dataset, write_keypoints_results),
        SynthKind::Lvis => (write_lvis_dataset, write_lvis_results),
        _ => (write_dataset, write_results),
    };
    let mut out = Output::create(args.output.as_deref(), &[])?;
    let pb = progress_count(Some(args.images), "images", args.quiet, "synth: images");
    let images = args.images;
    // The instance dataset is written in two passes over the images: their records, then their annotations.
    dataset(&opts, out.writer(), &|n| {
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
        results(&opts, out.writer(), &|n| pb.set_position(n))?;
        pb.finish_and_clear();
        out.commit()?;
    }
    Ok(())
}

fn make_dir(dir: &str) -> Result<&Path> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.to_string(), e))?;
    Ok(Path::new(dir))
}

fn run_panoptic(args: &Args, opts: &SynthOptions) -> Result<()> {
    let gt_dir = args.png_dir.as_deref().ok_or_else(|| {
        Error::msg("--kind panoptic needs --png-dir (the ground-truth PNG folder)")
    })?;
    if args.results.is_some() != args.results_png_dir.is_some() {
        return Err(Error::msg(
            "--kind panoptic: --results and --results-png-dir go together",
        ));
    }
    if args.results_png_dir.as_deref() == Some(gt_dir) {
        return Err(Error::msg(
            "--png-dir and --results-png-dir must be different folders",
        ));
    }
    let gt_dir = make_dir(gt_dir)?;
    let mut out = Output::create(args.output.as_deref(), &[])?;
    let mut pred = match (&args.results, &args.results_png_dir) {
        (Some(r), Some(d)) => Some((Output::create(Some(r), &[])?, make_dir(d)?)),
        _ => None,
    };
    let pb = progress_count(Some(args.images), "images", args.quiet, "synth: panoptic");
    let targets = PanopticTargets {
        gt_dir,
        pred: pred.as_mut().map(|(o, d)| (o.writer(), *d)),
    };
    write_panoptic(opts, out.writer(), targets, &|n| pb.set_position(n))?;
    pb.finish_and_clear();
    out.commit()?;
    if let Some((o, _)) = pred {
        o.commit()?;
    }
    Ok(())
}

//! `cocokit show`: images with their annotations (and predictions, coloured TP/FP/FN) drawn on them.

use super::count;
use crate::error::{Error, Result};
use crate::io::progress_count;
use crate::ops::show::{self, Format, Options};
use std::io::Write;
use std::path::PathBuf;

const EXAMPLES: &str = "Examples:
  cocokit show val2017_sample.json --images-dir val2017/ -o overlays
  cocokit show val2017_sample.json --images-dir val2017/ --dt sample_results.json --score-thr 0.5 -o overlays
  cocokit show val2017_sample.json --images-dir val2017/ --img-ids 142238 --cats person,horse -o overlays
  cocokit show val2017_sample.json --images-dir val2017/ --grid 2 --format png -o sheets
  cocokit show person_keypoints_val2017.json --images-dir val2017/ -o keypoints

Drawn: masks filled translucently (one colour per category), boxes, keypoint skeletons (the category's
skeleton), category labels. With --dt, predictions with a score >= --score-thr are matched to the ground truth
as COCOeval matches them (per image and category, by descending score, IoU >= 0.5; mask IoU when everything
has a mask, else box IoU): true positives green, false positives red, missed ground truths (false negatives)
orange, matched ground truths outlined blue, crowd regions grey.
One JPEG (quality 90; --format png for exact pixels) per image, named after its file_name, or with --grid N
contact sheets of N x N images (sheet_0001.jpg, ...). Every image is checked before anything is written: a
missing or mis-sized file is an error naming the image id and path.";

/// Draw annotations (and predictions) on the images.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The COCO dataset: files, directories of *.json, quoted globs, read as one.
    #[arg(required = true, num_args = 1..)]
    pub dataset: Vec<String>,
    /// The directory the images' file_name is relative to.
    #[arg(long, value_name = "DIR")]
    pub images_dir: String,
    /// Predictions (a COCO results file), coloured as true/false positives against the ground truth.
    #[arg(long, visible_alias = "pred", value_name = "RESULTS")]
    pub dt: Option<String>,
    /// Only these image ids (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub img_ids: Vec<i64>,
    /// Only these categories: names or ids, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "CATS")]
    pub cats: Vec<String>,
    /// Predictions below this score are not drawn (nor matched).
    #[arg(long, default_value_t = 0.5)]
    pub score_thr: f64,
    /// Output directory (created if missing).
    #[arg(short, long, value_name = "DIR")]
    pub output: String,
    /// Write contact sheets of N x N images instead of one file per image.
    #[arg(long, value_name = "N")]
    pub grid: Option<u32>,
    /// Output image format.
    #[arg(long, value_enum, default_value_t = FormatArg::Jpeg)]
    pub format: FormatArg,
    /// Print a JSON summary on stdout.
    #[arg(long)]
    pub json: bool,
    /// No progress bar or summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `--format`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    /// JPEG, quality 90.
    Jpeg,
    /// PNG.
    Png,
}

pub fn run(args: Args) -> Result<()> {
    let out = PathBuf::from(&args.output);
    if out.exists() && !out.is_dir() {
        return Err(Error::msg("-o/--output must be a directory").in_file(&args.output));
    }
    let opts = Options {
        dataset: args.dataset.clone(),
        images_dir: PathBuf::from(&args.images_dir),
        dt: args.dt.clone(),
        img_ids: args.img_ids.clone(),
        cats: args.cats.clone(),
        score_thr: args.score_thr,
        out_dir: out,
        grid: args.grid,
        format: match args.format {
            FormatArg::Jpeg => Format::Jpeg,
            FormatArg::Png => Format::Png,
        },
    };
    let pb = progress_count(None, "images", args.quiet, "show");
    let rep = show::run(&opts, &|n| pb.set_position(n))?;
    pb.finish_and_clear();
    if args.json {
        let mut v = serde_json::to_value(&rep).map_err(|e| Error::msg(e.to_string()))?;
        v["output"] = serde_json::json!(args.output);
        writeln!(std::io::stdout(), "{v}")?;
    }
    if !args.quiet {
        let what = if args.grid.is_some() {
            count(rep.files as u64, "contact sheet", "contact sheets")
        } else {
            count(rep.files as u64, "image", "images")
        };
        eprint!(
            "wrote {what} ({}, {}",
            count(rep.images as u64, "image", "images"),
            count(rep.annotations, "annotation", "annotations")
        );
        if args.dt.is_some() {
            eprint!(
                ", {}: {} TP, {} FP, {} FN at IoU 0.5",
                count(rep.predictions, "prediction", "predictions"),
                rep.tp,
                rep.fp,
                rep.fn_
            );
        }
        eprintln!(") to {}", args.output);
    }
    Ok(())
}

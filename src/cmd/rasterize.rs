//! `cocokit rasterize`: one label-map PNG per image (semantic or instance).

use crate::error::{Error, Result};
use crate::io::{progress, Input};
use crate::ops::rasterize::{rasterize, rasterize_results, CrowdRule, Mode, RasterizeOptions};
use std::collections::HashSet;
use std::path::Path;

const EXAMPLES: &str = "Examples:
  cocokit rasterize instances_val2017.json --out labels/
  cocokit rasterize instances_val2017.json --out inst/ --mode instance --images 139,285
  cocokit rasterize stuff_val2017.json --out stuff/ --palette     # also colour previews in stuff/palette/
  cocokit rasterize visdrone.json --out boxes/ --boxes --background 12   # boxes; category 0 is a class
  cocokit rasterize segm_results.json --gt instances_val2017.json --score-thr 0.5 --out pred/

semantic: pixel = category id (8-bit when every id <= 254, else 16-bit), 0 = nothing, later annotations win,
crowd pixels = 255 (65535 in 16-bit maps) unless --crowd paint. instance: 16-bit, pixel = 1-based position of
the annotation among its image's annotations. Files are named after each image's file_name stem.";

/// Paint annotations into label-map PNGs.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// COCO dataset file.
    pub input: String,
    /// Output directory (created if missing).
    #[arg(long)]
    pub out: String,
    /// semantic (pixel = category id) or instance (pixel = annotation index).
    #[arg(long, default_value = "semantic", value_parser = ["semantic", "instance"])]
    pub mode: String,
    /// Only these image ids, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub images: Vec<i64>,
    /// Crowd annotations: ignore (paint the ignore value) or paint (like the others).
    #[arg(long, default_value = "ignore", value_parser = ["ignore", "paint"])]
    pub crowd: String,
    /// Also write colour previews a person can look at, in OUT/palette/.
    #[arg(long)]
    pub palette: bool,
    /// Paint the bbox of annotations that have no segmentation (box-only datasets).
    #[arg(long)]
    pub boxes: bool,
    /// Semantic maps: the value of pixels no annotation covers (no category may have it).
    #[arg(long, default_value_t = 0)]
    pub background: u16,
    /// For a results file: the dataset giving its images (sizes, file names) and categories.
    #[arg(long)]
    pub gt: Option<String>,
    /// For a results file: detections below this score are not painted (the others in ascending score).
    #[arg(long, default_value_t = 0.5)]
    pub score_thr: f64,
    /// No progress bar or summary.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<()> {
    let opts = RasterizeOptions {
        mode: if args.mode == "instance" {
            Mode::Instance
        } else {
            Mode::Semantic
        },
        crowd: if args.crowd == "paint" {
            CrowdRule::Paint
        } else {
            CrowdRule::Ignore
        },
        images: (!args.images.is_empty())
            .then(|| args.images.iter().copied().collect::<HashSet<i64>>()),
        palette: args.palette,
        boxes: args.boxes,
        background: args.background,
    };
    let out = Path::new(&args.out);
    if out.is_file() {
        return Err(Error::msg("--out must be a directory").in_file(&args.out));
    }
    let input = Input::open(&args.input)?;
    let pb = progress(0, args.quiet, "rasterize");
    let rep = match &args.gt {
        Some(gt) => {
            if !args.score_thr.is_finite() {
                return Err(Error::msg("--score-thr must be a finite number"));
            }
            let gt = Input::open(gt)?;
            rasterize_results(&input, &gt, args.score_thr, &opts, out, &|n| {
                pb.set_position(n)
            })
        }
        None => rasterize(&input, &opts, out, &|n| pb.set_position(n)),
    }
    .map_err(|e| e.in_file(input.name()))?;
    pb.finish_and_clear();
    if !args.quiet {
        eprintln!(
            "wrote {} {}-bit label maps ({} annotations) to {}",
            rep.images,
            if rep.sixteen_bit { 16 } else { 8 },
            rep.annotations,
            args.out
        );
        if rep.orphans > 0 {
            eprintln!(
                "note: {} annotations refer to images that are not in the file",
                rep.orphans
            );
        }
    }
    Ok(())
}

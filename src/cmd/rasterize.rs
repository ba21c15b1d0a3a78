//! `cocokit rasterize`: one label-map PNG per image (semantic or instance).

use super::{count, Bars};
use crate::error::Result;
use crate::ops::rasterize::{run as run_request, CrowdRule, Mode, RasterizeOptions, Request};
use std::collections::HashSet;
use std::io::Write;

const EXAMPLES: &str = concat!(
    "Examples:
  cocokit rasterize instances_val2017.json -o labels/
  cocokit rasterize instances_val2017.json -o inst/ --mode instance --img-ids 139,285
  cocokit rasterize stuff_val2017.json -o stuff/ --palette     # also colour previews in stuff/palette/
  cocokit rasterize instances_val2017.json -o labels/ -q --json | jq .images
  cocokit rasterize visdrone.json -o boxes/ --boxes --background 12   # boxes; category 0 is a class
  cocokit rasterize segm_results.json --gt instances_val2017.json --score-thr 0.5 -o pred/
  cocokit rasterize panoptic_val2017.json --panoptic-dir panoptic_val2017/ -o semantic/
  cocokit rasterize sa1b/ --mode instance -o sa1b_instances/   # SA-1B per-image files (no categories)

semantic: pixel = category id (8-bit when every id <= 254, else 16-bit), 0 = nothing, later annotations win,
crowd pixels = 255 (65535 in 16-bit maps) unless --crowd paint. instance: 16-bit, pixel = 1-based position of
the annotation among its image's annotations. Files are named after each image's file_name stem.

",
    inputs_help!()
);

/// Paint annotations into label-map PNGs.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// COCO files, directories of *.json, quoted globs (`-` for standard input alone).
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<String>,
    /// Output directory (created if missing).
    #[arg(short, long, visible_alias = "out", value_name = "DIR")]
    pub output: String,
    /// What a pixel holds.
    #[arg(long, value_enum, default_value_t = ModeArg::Semantic)]
    pub mode: ModeArg,
    /// Only these image ids, comma-separated.
    #[arg(long, alias = "images", value_delimiter = ',', value_name = "IDS")]
    pub img_ids: Vec<i64>,
    /// Crowd annotations.
    #[arg(long, value_enum, default_value_t = CrowdArg::Ignore)]
    pub crowd: CrowdArg,
    /// Also write colour previews a person can look at, in DIR/palette/.
    #[arg(long)]
    pub palette: bool,
    /// Paint the bbox of annotations that have no segmentation (box-only datasets).
    #[arg(long)]
    pub boxes: bool,
    /// Semantic maps: the value of pixels no annotation covers (no category may have it).
    #[arg(long, default_value_t = 0)]
    pub background: u16,
    /// Panoptic files: the directory of their segment-id PNGs.
    #[arg(long, value_name = "PNGS")]
    pub panoptic_dir: Option<String>,
    /// For a results file: the dataset giving its images (sizes, file names) and categories.
    #[arg(long)]
    pub gt: Option<String>,
    /// For a results file: detections below this score are not painted (the others in ascending score).
    #[arg(long, default_value_t = 0.5)]
    pub score_thr: f64,
    /// No progress bar or summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the summary as JSON on standard output: images, bits, annotations, orphans, output.
    #[arg(long)]
    pub json: bool,
}

/// `--mode`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModeArg {
    /// Pixel = category id.
    Semantic,
    /// Pixel = 1-based index of the annotation in its image.
    Instance,
}

/// `--crowd`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrowdArg {
    /// Paint the ignore value (255, or 65535 in 16-bit maps).
    Ignore,
    /// Paint like the other annotations.
    Paint,
}

pub fn run(args: Args) -> Result<()> {
    let req = Request {
        options: RasterizeOptions {
            mode: match args.mode {
                ModeArg::Semantic => Mode::Semantic,
                ModeArg::Instance => Mode::Instance,
            },
            crowd: match args.crowd {
                CrowdArg::Ignore => CrowdRule::Ignore,
                CrowdArg::Paint => CrowdRule::Paint,
            },
            images: (!args.img_ids.is_empty())
                .then(|| args.img_ids.iter().copied().collect::<HashSet<i64>>()),
            palette: args.palette,
            boxes: args.boxes,
            background: args.background,
            panoptic_dir: args.panoptic_dir.as_ref().map(std::path::PathBuf::from),
        },
        gt: args.gt,
        score_thr: args.score_thr,
        ..Request::new(args.inputs, args.output)
    };
    let bars = Bars::new(args.quiet, "rasterize", Some("images"));
    let rep = run_request(&req, &bars)?;
    bars.finish();
    if args.json {
        writeln!(std::io::stdout(), "{}", rep.to_json(&req.output))?;
    }
    if !args.quiet {
        let bits = if rep.sixteen_bit { 16 } else { 8 };
        eprintln!(
            "wrote {} ({}) to {}",
            count(
                rep.images,
                &format!("{bits}-bit label map"),
                &format!("{bits}-bit label maps")
            ),
            count(rep.annotations, "annotation", "annotations"),
            req.output
        );
        if rep.orphans > 0 {
            eprintln!(
                "note: {} to images that are not in the file",
                count(rep.orphans, "annotation refers", "annotations refer")
            );
        }
    }
    Ok(())
}

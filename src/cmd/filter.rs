//! `cocokit filter`: keep some categories, their annotations and the images that contain them.

use super::{count, Bars};
use crate::error::Result;
use crate::ops::filter::{run as run_request, Request};
use std::io::Write;

const EXAMPLES: &str = concat!(
    "Examples:
  cocokit filter instances_train2017.json --cats person -o person_train2017.json
  cocokit filter instances_val2017.json --cats dog,cat,18 -o pets.json
  cocokit filter instances_val2017.json --supercats animal --keep-all-images -o animals.json
  cocokit filter instances_val2017.json --cats person -o people.json -q --json | jq .annotations
  cocokit filter detections.json --cats 1,18 --score-thr 0.5 -o confident.json   # a results file stays one
  cocokit filter detections.json --gt instances_val2017.json --cats person --img-ids 139,285
  cocokit filter instances_val2017.json --area-rng 0,1024 --iscrowd 0 -o small.json   # getAnnIds(areaRng, iscrowd)
  cocokit filter instances_val2017.json --file-names keep.txt --keep-all-images -o subset.json
  cocokit filter sa1b/ --img-ids 5001,10764 -o two.json     # SA-1B per-image files in, one COCO file out

Categories are given by name or id; the output keeps the file's key order, record order and every unknown field
byte for byte, and loads in pycocotools selecting what getCatIds / getAnnIds / getImgIds select (images: the
union over the kept categories).

",
    inputs_help!()
);

/// Keep only some categories (and their annotations and images).
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// COCO files, directories of *.json, quoted globs (`-` for standard input alone).
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<String>,
    /// Categories to keep: names or ids, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub cats: Vec<String>,
    /// Supercategories to keep, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub supercats: Vec<String>,
    /// Keep every image, also those without a kept annotation.
    #[arg(long)]
    pub keep_all_images: bool,
    /// Only these image ids, comma-separated (with their annotations or detections).
    #[arg(long, value_delimiter = ',')]
    pub img_ids: Vec<i64>,
    /// Only these images, by file_name: a text file with one file_name per line (blank lines skipped).
    #[arg(long, value_name = "LIST.txt")]
    pub file_names: Option<String>,
    /// Only annotations with LO < area < HI (pycocotools' getAnnIds areaRng: both bounds excluded).
    #[arg(long, value_delimiter = ',', num_args = 1, value_name = "LO,HI")]
    pub area_rng: Vec<f64>,
    /// Only annotations with this iscrowd (absent counts as 0).
    #[arg(long, value_parser = clap::value_parser!(i64).range(0..=1))]
    pub iscrowd: Option<i64>,
    /// Results files: only detections with score >= this.
    #[arg(long)]
    pub score_thr: Option<f64>,
    /// Results files: the ground truth, to choose categories by name.
    #[arg(long)]
    pub gt: Option<String>,
    /// Output file (written atomically; `-` = standard output, the default).
    #[arg(short, long)]
    pub output: Option<String>,
    /// Do not print the summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the summary as JSON on standard output (with -o FILE: standard output otherwise carries the dataset).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<()> {
    super::json_needs_output_file(args.json, args.output.as_deref(), "dataset")?;
    let req = Request {
        inputs: args.inputs,
        output: args.output,
        cats: args.cats,
        supercats: args.supercats,
        keep_all_images: args.keep_all_images,
        img_ids: args.img_ids,
        file_names: args.file_names,
        area_rng: args.area_rng,
        iscrowd: args.iscrowd,
        score_thr: args.score_thr,
        gt: args.gt,
    };
    let bars = Bars::new(args.quiet, "filter", None);
    let rep = run_request(&req, &bars)?;
    bars.finish();
    if args.json {
        writeln!(
            std::io::stdout(),
            "{}",
            rep.to_json(req.output.as_deref().unwrap_or("-"))
        )?;
    }
    if !args.quiet {
        if rep.results {
            eprintln!("kept {}", count(rep.annotations, "detection", "detections"));
        } else {
            eprintln!(
                "kept {}, {}, {}",
                count(rep.categories, "category", "categories"),
                count(rep.annotations, "annotation", "annotations"),
                count(rep.images, "image", "images")
            );
        }
    }
    Ok(())
}

//! `cocokit filter`: keep some categories, their annotations and the images that contain them.

use super::count;
use crate::error::{Error, Result};
use crate::io::{Input, Output};
use crate::ops::filter::{filter, Selection};
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
    if args.cats.is_empty()
        && args.supercats.is_empty()
        && args.img_ids.is_empty()
        && args.score_thr.is_none()
        && args.file_names.is_none()
        && args.area_rng.is_empty()
        && args.iscrowd.is_none()
    {
        return Err(Error::msg(
            "nothing to keep: give --cats, --supercats, --img-ids, --file-names, --area-rng, --iscrowd and/or --score-thr",
        ));
    }
    let area_rng = match args.area_rng[..] {
        [] => None,
        [lo, hi] if !lo.is_nan() && !hi.is_nan() && lo < hi => Some((lo, hi)),
        _ => {
            return Err(Error::msg(
                "--area-rng takes two numbers LO,HI with LO < HI, e.g. 0,1024",
            ))
        }
    };
    let file_names = match &args.file_names {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let names: std::collections::HashSet<String> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
            if names.is_empty() {
                return Err(Error::msg("no file names in the list").in_file(path));
            }
            Some(names)
        }
    };
    if args.json && args.output.as_deref().is_none_or(|o| o == "-") {
        return Err(Error::msg(
            "--json prints the summary on standard output: give -o FILE for the dataset",
        ));
    }
    if args.score_thr.is_some_and(|t| !t.is_finite()) {
        return Err(Error::msg("--score-thr must be a finite number"));
    }
    let gt_categories = match &args.gt {
        Some(gt) => Some(crate::ops::filter::categories_of(&Input::open(gt)?)?),
        None => None,
    };
    let sel = Selection {
        cats: args.cats,
        supercats: args.supercats,
        keep_all_images: args.keep_all_images,
        img_ids: (!args.img_ids.is_empty()).then(|| args.img_ids.iter().copied().collect()),
        score_thr: args.score_thr,
        gt_categories,
        area_rng,
        iscrowd: args.iscrowd,
        file_names,
    };
    let src = super::open_source(&args.inputs, args.quiet)?;
    let mut out = Output::create(args.output.as_deref(), &src.paths())?;
    let rep = filter(src.input(), &sel, out.writer()).map_err(|e| {
        if e.broken_pipe {
            e
        } else {
            src.blame(e)
        }
    })?;
    out.commit()?;
    if args.json {
        let v = serde_json::json!({"categories": rep.categories, "annotations": rep.annotations,
                                   "images": rep.images, "output": args.output});
        writeln!(std::io::stdout(), "{v}")?;
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

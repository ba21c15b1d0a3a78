//! `cocokit filter`: keep some categories, their annotations and the images that contain them.

use super::count;
use crate::error::{Error, Result};
use crate::io::{Input, Output};
use crate::ops::filter::{filter, Selection};
use std::io::Write;

const EXAMPLES: &str = "Examples:
  cocokit filter instances_train2017.json --cats person -o person_train2017.json
  cocokit filter instances_val2017.json --cats dog,cat,18 -o pets.json
  cocokit filter instances_val2017.json --supercats animal --keep-all-images -o animals.json
  cocokit filter instances_val2017.json --cats person -o people.json -q --json | jq .annotations

Categories are given by name or id; the output keeps the file's key order, record order and every unknown field
byte for byte, and loads in pycocotools selecting what getCatIds / getAnnIds / getImgIds select (images: the
union over the kept categories).";

/// Keep only some categories (and their annotations and images).
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// COCO dataset file (`-` for standard input).
    pub input: String,
    /// Categories to keep: names or ids, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub cats: Vec<String>,
    /// Supercategories to keep, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub supercats: Vec<String>,
    /// Keep every image, also those without a kept annotation.
    #[arg(long)]
    pub keep_all_images: bool,
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
    if args.cats.is_empty() && args.supercats.is_empty() {
        return Err(Error::msg(
            "nothing to keep: give --cats and/or --supercats",
        ));
    }
    if args.json && args.output.as_deref().is_none_or(|o| o == "-") {
        return Err(Error::msg(
            "--json prints the summary on standard output: give -o FILE for the dataset",
        ));
    }
    let sel = Selection {
        cats: args.cats,
        supercats: args.supercats,
        keep_all_images: args.keep_all_images,
    };
    let input = Input::open(&args.input)?;
    let mut out = Output::create(args.output.as_deref(), &[&args.input])?;
    let rep = filter(&input, &sel, out.writer()).map_err(|e| {
        if e.broken_pipe {
            e
        } else {
            e.in_file(input.name())
        }
    })?;
    out.commit()?;
    if args.json {
        let v = serde_json::json!({"categories": rep.categories, "annotations": rep.annotations,
                                   "images": rep.images, "output": args.output});
        writeln!(std::io::stdout(), "{v}")?;
    }
    if !args.quiet {
        eprintln!(
            "kept {}, {}, {}",
            count(rep.categories, "category", "categories"),
            count(rep.annotations, "annotation", "annotations"),
            count(rep.images, "image", "images")
        );
    }
    Ok(())
}

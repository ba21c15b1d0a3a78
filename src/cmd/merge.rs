//! `cocokit merge`: the union of COCO datasets in one file.

use super::count;
use crate::error::{Error, Result};
use crate::io::{progress, Input, Output};
use crate::ops::merge::{merge, CategoryKey, Dedupe, Options};
use std::io::Write;

const EXAMPLES: &str = "Examples:
  cocokit merge train.json val.json -o trainval.json
  cocokit merge export_from_cvat.json export.json -o merged.json --map-out merged_ids.json
  cocokit merge train.json val.json --categories by-id --dedupe-images none -o both.json -q --json

Categories are unified by name (or by id); images with the same file_name are one image (the first record,
with the annotations of every file pointing to it) unless --dedupe-images none. Ids keep their value unless an
earlier record of the output has it; then the record takes the next id above all ids of its kind. Every record
is written as read, with only the id, image_id or category_id values that change replaced. A category defined
differently in two files (supercategory, keypoints, skeleton), or one file_name with two sizes, is an error.
--map-out writes {\"inputs\": [{\"file\": F, \"images\": {OLD: NEW}, \"annotations\": {...}, \"categories\":
{...}}, ...]}: per input, the ids that changed.";

/// What identifies a category across files.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum CategoriesBy {
    ByName,
    ById,
}

/// Which images of different files are one.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum DedupeBy {
    FileName,
    None,
}

/// Merge COCO datasets: categories unified, images merged by file name, colliding ids renumbered.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// COCO dataset files, in order (the first one's records and top-level values come first).
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<String>,
    /// Output file (written atomically; `-` = standard output, the default).
    #[arg(short, long)]
    pub output: Option<String>,
    /// How categories of different files are recognised as one.
    #[arg(long, value_enum, default_value = "by-name")]
    pub categories: CategoriesBy,
    /// Images of different files with the same `file_name` are one image (`file-name`), or never (`none`).
    #[arg(long, value_enum, default_value = "file-name")]
    pub dedupe_images: DedupeBy,
    /// Write the ids that changed (per input: images, annotations, categories; old → new) to this file.
    #[arg(long, value_name = "MAP.json")]
    pub map_out: Option<String>,
    /// No progress bar or summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the summary as JSON on standard output (with -o FILE: standard output otherwise carries the dataset).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<()> {
    super::json_needs_output_file(args.json, args.output.as_deref(), "dataset")?;
    if args.map_out.as_deref() == Some("-") && args.output.as_deref().is_none_or(|o| o == "-") {
        return Err(Error::msg(
            "--map-out - and the dataset cannot both go to standard output: give -o FILE",
        ));
    }
    if args.map_out.is_some() && args.map_out == args.output {
        return Err(Error::msg("--map-out and -o name the same file"));
    }
    if args.inputs.iter().filter(|i| *i == "-").count() > 1 {
        return Err(Error::msg(
            "standard input (`-`) can be only one of the inputs",
        ));
    }
    let inputs = args
        .inputs
        .iter()
        .map(|p| Input::open(p))
        .collect::<Result<Vec<Input>>>()?;
    let names: Vec<&str> = args.inputs.iter().map(String::as_str).collect();
    let opts = Options {
        categories: match args.categories {
            CategoriesBy::ByName => CategoryKey::ByName,
            CategoriesBy::ById => CategoryKey::ById,
        },
        dedupe: match args.dedupe_images {
            DedupeBy::FileName => Dedupe::FileName,
            DedupeBy::None => Dedupe::None,
        },
    };
    let mut out = Output::create(args.output.as_deref(), &names)?;
    let mut map = match &args.map_out {
        Some(m) => Some(Output::create(Some(m), &names)?),
        None => None,
    };
    let total: u64 = inputs.iter().map(|i| i.bytes().len() as u64).sum();
    let pb = progress(2 * total, args.quiet, "merge");
    let rep = merge(
        &inputs,
        &opts,
        out.writer(),
        map.as_mut().map(|m| m.writer()),
        &|p| pb.set_position(p),
    )?;
    pb.finish_and_clear();
    out.commit()?;
    if let Some(m) = map {
        m.commit()?;
    }
    if args.json {
        let mut v = serde_json::to_value(&rep).map_err(|e| Error::msg(e.to_string()))?;
        v["output"] = serde_json::json!(args.output);
        v["map_out"] = serde_json::json!(args.map_out);
        writeln!(std::io::stdout(), "{v}")?;
    }
    if !args.quiet {
        let merged = if rep.images_merged > 0 {
            format!(" ({} merged by file name)", rep.images_merged)
        } else {
            String::new()
        };
        eprintln!(
            "merged {}: {}{merged}, {}, {}; renumbered {}, {}, {}",
            count(rep.inputs, "file", "files"),
            count(rep.images, "image", "images"),
            count(rep.annotations, "annotation", "annotations"),
            count(rep.categories, "category", "categories"),
            count(rep.renumbered_images, "image", "images"),
            count(rep.renumbered_annotations, "annotation", "annotations"),
            count(rep.renumbered_categories, "category", "categories"),
        );
    }
    Ok(())
}

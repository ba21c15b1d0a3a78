//! `cocokit remap`: rename, merge and drop categories.

use super::count;
use crate::error::{Error, Result};
use crate::io::{progress, Output};
use crate::ops::remap::{remap, Options, Spec};
use std::io::Write;

const EXAMPLES: &str = "Examples:
  cocokit remap instances_val2017.json --rename motorcycle=motorbike -o renamed.json
  cocokit remap instances_val2017.json --merge car,truck,bus=vehicle --drop toaster,hair\\ drier -o fewer.json
  cocokit remap instances_val2017.json --drop person --drop-empty-images --keep-ids -o no_people.json -q --json
  cocokit remap instances_val2017.json --map names.json -o renamed.json

A merged category keeps the record and id of its target: the category already named so if there is one, else
the first one listed. Categories are then numbered 1..N in the file's order (--keep-ids: their ids stay).
Annotations of dropped categories go with them; --drop-empty-images also drops the images that had annotations
and have none left. --map MAP.json is a JSON object {\"old name\": \"new name\" | null} (null drops). Records are
written as read, with only the category_id, id and name values that change replaced.";

/// Rename, merge or drop categories (and their annotations).
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// COCO dataset: files, directories of *.json, quoted globs, read as one (`-` for standard input alone).
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<String>,
    /// A JSON object {"old name": "new name" | null, ...}.
    #[arg(long, value_name = "MAP.json")]
    pub map: Option<String>,
    /// Rename a category: OLD=NEW (repeatable).
    #[arg(long, value_name = "OLD=NEW")]
    pub rename: Vec<String>,
    /// Merge categories into one: A,B=C (repeatable); C keeps its id if it exists.
    #[arg(long, value_name = "A,B=C")]
    pub merge: Vec<String>,
    /// Drop categories and their annotations: names, comma-separated (repeatable).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub drop: Vec<String>,
    /// Also drop the images whose annotations were all dropped.
    #[arg(long)]
    pub drop_empty_images: bool,
    /// Keep the categories' ids (a merged one takes its target's) instead of numbering them 1..N.
    #[arg(long)]
    pub keep_ids: bool,
    /// Output file (written atomically; `-` = standard output, the default).
    #[arg(short, long)]
    pub output: Option<String>,
    /// No progress bar or summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the summary (per category, annotations before and after) as JSON on standard output (with -o FILE).
    #[arg(long)]
    pub json: bool,
}

fn split_eq<'a>(opt: &str, v: &'a str, shape: &str) -> Result<(&'a str, &'a str)> {
    match v.rsplit_once('=') {
        Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => Ok((a.trim(), b.trim())),
        _ => Err(Error::msg(format!("{opt} {v:?}: expected {shape}"))),
    }
}

pub fn run(args: Args) -> Result<()> {
    super::json_needs_output_file(args.json, args.output.as_deref(), "dataset")?;
    let mut spec = Spec::default();
    if let Some(m) = &args.map {
        let bytes = std::fs::read(m).map_err(|e| Error::io(m, e))?;
        spec.add_map_json(&bytes).map_err(|e| e.in_file(m))?;
    }
    for r in &args.rename {
        let (old, new) = split_eq("--rename", r, "OLD=NEW")?;
        spec.rename(old, new)?;
    }
    for m in &args.merge {
        let (sources, target) = split_eq("--merge", m, "A,B=C")?;
        let sources: Vec<String> = sources.split(',').map(|s| s.trim().to_string()).collect();
        if sources.iter().any(String::is_empty) {
            return Err(Error::msg(format!("--merge {m:?}: an empty name")));
        }
        spec.merge(&sources, target)?;
    }
    for d in &args.drop {
        spec.drop_category(d.trim())?;
    }
    if spec.is_empty() {
        return Err(Error::msg(
            "nothing to remap: give --map, --rename, --merge and/or --drop",
        ));
    }
    let opts = Options {
        spec,
        drop_empty_images: args.drop_empty_images,
        keep_ids: args.keep_ids,
    };
    let src = super::open_source(&args.inputs, args.quiet)?;
    let input = src.input();
    let mut inputs = src.paths();
    inputs.extend(args.map.as_deref());
    let mut out = Output::create(args.output.as_deref(), &inputs)?;
    let pb = progress(3 * input.bytes().len() as u64, args.quiet, "remap");
    let rep = remap(input, &opts, out.writer(), &|p| pb.set_position(p)).map_err(|e| {
        if e.broken_pipe {
            e
        } else {
            src.blame(e)
        }
    })?;
    pb.finish_and_clear();
    out.commit()?;
    if args.json {
        let mut v = serde_json::to_value(&rep).map_err(|e| Error::msg(e.to_string()))?;
        v["categories"] = serde_json::json!(rep.after.len());
        v["output"] = serde_json::json!(args.output);
        writeln!(std::io::stdout(), "{v}")?;
    }
    if !args.quiet {
        eprintln!(
            "kept {} ({} before), {} ({} dropped), {} ({} dropped)",
            count(rep.after.len() as u64, "category", "categories"),
            rep.before.len(),
            count(rep.annotations, "annotation", "annotations"),
            rep.annotations_dropped,
            count(rep.images, "image", "images"),
            rep.images_dropped
        );
    }
    Ok(())
}

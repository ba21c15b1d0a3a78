//! `cocokit split`: cut a dataset into parts (train / val / test) by ratio, deterministically.

use super::count;
use crate::error::{Error, Result};
use crate::io::{progress, Output};
use crate::ops::split::{split, SplitOptions};
use std::io::Write;

const EXAMPLES: &str = "Examples:
  cocokit split instances_train2017.json --ratios 0.8,0.1,0.1 --seed 1 -o coco
  cocokit split instances_val2017.json --ratios 0.9,0.1 --seed 7 --stratify category -o parts/val2017
  cocokit split videos.json --ratios 0.7,0.3 --names fit,holdout --seed 3 --group-by video_id -o splits/
  cocokit split instances_val2017.json --ratios 0.5,0.5 --seed 1 -o halves -q --json | jq '.parts[].images'
  cocokit split 'sa1b/sa_*.json' --ratios 0.5,0.5 --seed 1 -o sa1b_halves

Writes PREFIX_NAME.json per part (DIR/NAME.json when -o is a directory or ends with /): coco_train.json,
coco_val.json, coco_test.json above. Parts are named train,val,test for three ratios and train,val for two;
otherwise give --names. Each image goes to one part with all its annotations, records byte for byte as in the
input; categories, info, licenses and every other top-level key go to every part. The parts depend only on the
seed and the images' file names (XXH3 hash): the same on every machine, run and thread count. All parts are
written, or none. Bad ratios (not positive, not summing to 1) are an error (exit 1).";

/// How to stratify.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stratify {
    /// Keep each category's share of images in every part.
    Category,
}

/// Split a dataset into parts (train/val/test) by ratio; records kept byte for byte.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// COCO dataset: files, directories of *.json, quoted globs, read as one (`-` for standard input alone).
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<String>,
    /// The share of images of each part, comma-separated, positive, summing to 1.
    #[arg(long, value_delimiter = ',', required = true)]
    pub ratios: Vec<f64>,
    /// The parts' names, comma-separated (default: train,val,test or train,val).
    #[arg(long, value_delimiter = ',')]
    pub names: Vec<String>,
    /// Random seed (with the images' file names, all that decides the parts).
    #[arg(long)]
    pub seed: u64,
    /// Keep each category's share of images in every part (iterative stratification).
    #[arg(long, value_enum)]
    pub stratify: Option<Stratify>,
    /// Keep the images sharing a value of this image key (video_id, sequence, ...) in one part.
    #[arg(long, value_name = "KEY")]
    pub group_by: Option<String>,
    /// Output prefix: PREFIX_NAME.json per part (or DIR/NAME.json for a directory).
    #[arg(short, long, value_name = "PREFIX")]
    pub output: String,
    /// No progress bar and no summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the summary as JSON on standard output.
    #[arg(long)]
    pub json: bool,
}

/// The parts' names: given, or the defaults for two or three ratios.
fn names(args: &Args) -> Result<Vec<String>> {
    let names: Vec<String> = if !args.names.is_empty() {
        args.names.iter().map(|n| n.trim().to_string()).collect()
    } else {
        match args.ratios.len() {
            2 => vec!["train".into(), "val".into()],
            3 => vec!["train".into(), "val".into(), "test".into()],
            n => {
                return Err(Error::msg(format!(
                    "{n} ratios: name the parts with --names (defaults exist for 2 and 3)"
                )))
            }
        }
    };
    if names.len() != args.ratios.len() {
        return Err(Error::msg(format!(
            "{} names for {} ratios",
            names.len(),
            args.ratios.len()
        )));
    }
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() || n.contains('/') || n.contains('\\') {
            return Err(Error::msg(format!(
                "--names: \"{n}\" is not a part name (empty, or a path)"
            )));
        }
        if names[..i].contains(n) {
            return Err(Error::msg(format!("--names: \"{n}\" is given twice")));
        }
    }
    Ok(names)
}

/// The file of part `name`: PREFIX_name.json, or DIR/name.json.
fn part_path(prefix: &str, name: &str) -> String {
    if prefix.ends_with('/') || std::path::Path::new(prefix).is_dir() {
        format!("{}/{name}.json", prefix.trim_end_matches('/'))
    } else {
        format!("{prefix}_{name}.json")
    }
}

pub fn run(args: Args) -> Result<()> {
    crate::ops::split::check_ratios(&args.ratios)?;
    let names = names(&args)?;
    let paths: Vec<String> = names.iter().map(|n| part_path(&args.output, n)).collect();
    let src = super::open_source(&args.inputs, args.quiet)?;
    let input = src.input();
    let mut outs = paths
        .iter()
        .map(|p| Output::create(Some(p), &src.paths()))
        .collect::<Result<Vec<Output>>>()?;
    let opts = SplitOptions {
        ratios: args.ratios.clone(),
        seed: args.seed,
        stratify: args.stratify == Some(Stratify::Category),
        group_by: args.group_by.clone(),
    };
    let pb = progress(2 * input.bytes().len() as u64, args.quiet, "split");
    let rep = {
        let mut ws: Vec<&mut dyn Write> = outs.iter_mut().map(|o| o.writer()).collect();
        split(input, &opts, &mut ws, &|p| pb.set_position(p)).map_err(|e| src.blame(e))?
    };
    pb.finish_and_clear();
    // Every part is complete before the first is renamed into place.
    for o in outs {
        o.commit()?;
    }
    if args.json {
        let parts: Vec<serde_json::Value> = rep
            .parts
            .iter()
            .zip(names.iter().zip(&paths))
            .map(|(c, (n, p))| {
                serde_json::json!({"name": n, "file": p, "images": c.images, "annotations": c.annotations})
            })
            .collect();
        let v = serde_json::json!({"parts": parts, "groups": rep.groups});
        writeln!(std::io::stdout(), "{v}")?;
    }
    if !args.quiet {
        for (c, p) in rep.parts.iter().zip(&paths) {
            eprintln!(
                "{p}: {}, {}",
                count(c.images, "image", "images"),
                count(c.annotations, "annotation", "annotations")
            );
        }
    }
    Ok(())
}

//! `cocokit import`: a COCO dataset from another format (`--from`), one variant per format: `yolo`
//! (`ops::yolo`), `parquet` (`ops::parquet`).

use super::{count, print_json_report};
use crate::error::{Error, Result};
use crate::io::{progress_count, Output};
use crate::ops::{parquet, yolo};
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "Examples:
  cocokit import --from yolo yolo/labels --images yolo/images -o instances.json
  cocokit import --from yolo labels/train --images images/train --names data.yaml -o train.json
  cocokit import --from yolo labels/ --images images/ --names classes.txt -o out.json -q --json | jq .annotations
  cocokit import --from parquet val2017_parquet/ -o instances_val2017.json

yolo: image sizes are read from the image headers (nothing decoded); image a/b.jpg has labels a/b.txt.
`class cx cy w h` lines become boxes, `class x1 y1 ...` lines polygons (with the area of their mask). Class
names come from --names (data.yaml or a text file, one name per line), by default DIR/data.yaml or the
data.yaml next to DIR; category ids are class + 1, or the ids `cocokit export` kept in data.yaml.

parquet: the directory `cocokit export --to parquet` wrote; the records of the COCO file it gives are equal,
as JSON values, to the exported file's (integers stay integers, unknown keys come back).";

/// Read a dataset from another format into one COCO file.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The format to read.
    #[arg(long, value_enum)]
    pub from: Format,
    /// yolo: the label files' directory (DIR/labels when DIR has one); parquet: the export's directory.
    pub input: String,
    /// yolo: the images' directory (required).
    #[arg(long, value_name = "DIR")]
    pub images: Option<String>,
    /// yolo: the class names: a data.yaml or a text file with one name per line.
    #[arg(long, value_name = "FILE")]
    pub names: Option<String>,
    /// Output file (written atomically; `-` = standard output).
    #[arg(short, long, visible_alias = "out", value_name = "FILE")]
    pub output: String,
    /// No progress bar or summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the summary as JSON on standard output.
    #[arg(long)]
    pub json: bool,
}

/// `--from`: one variant per format.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Ultralytics YOLO label files.
    Yolo,
    /// Apache Parquet, as written by `cocokit export --to parquet`.
    Parquet,
}

pub fn run(args: Args) -> Result<()> {
    match args.from {
        Format::Yolo => import_yolo(&args),
        Format::Parquet => {
            let mut out = Output::create(Some(&args.output), &[])?;
            let pb = progress_count(None, "records", args.quiet, "import");
            parquet::import(Path::new(&args.input), out.writer(), &|n| {
                pb.set_position(n)
            })?;
            pb.finish_and_clear();
            out.commit()
        }
    }
}

fn import_yolo(args: &Args) -> Result<()> {
    let dir = PathBuf::from(&args.input);
    let labels = if dir.join("labels").is_dir() {
        dir.join("labels")
    } else {
        dir
    };
    let opts =
        yolo::ImportOptions {
            labels,
            images: PathBuf::from(args.images.as_deref().ok_or_else(|| {
                Error::msg("--from yolo needs --images DIR (the images' directory)")
            })?),
            names: args.names.as_ref().map(PathBuf::from),
        };
    let names = opts
        .names
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>();
    let inputs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut out = Output::create(Some(&args.output), &inputs)?;
    let pb = progress_count(None, "images", args.quiet, "import");
    let rep = yolo::import(&opts, out.writer(), &|n| pb.set_position(n))?;
    out.commit()?;
    pb.finish_and_clear();
    if args.json {
        print_json_report(&rep, &args.output)?;
    }
    if !args.quiet {
        eprintln!(
            "wrote {} ({}: {} and {}; {}) to {}",
            count(rep.images, "image", "images"),
            count(rep.annotations, "annotation", "annotations"),
            count(rep.boxes, "box", "boxes"),
            count(rep.polygons, "polygon", "polygons"),
            count(rep.categories, "category", "categories"),
            args.output
        );
        if rep.unmatched_labels > 0 {
            eprintln!(
                "note: {} no image in {} (not imported)",
                count(rep.unmatched_labels, "label file has", "label files have"),
                args.images.as_deref().unwrap_or_default()
            );
        }
    }
    Ok(())
}

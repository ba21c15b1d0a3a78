//! `cocokit import`: a COCO dataset from another format (`--from`), one variant per format.

use super::{count, print_json_report};
use crate::error::Result;
use crate::io::{progress_count, Output};
use crate::ops::yolo;
use std::path::PathBuf;

const EXAMPLES: &str = "Examples:
  cocokit import --from yolo yolo/labels --images yolo/images -o instances.json
  cocokit import --from yolo labels/train --images images/train --names data.yaml -o train.json
  cocokit import --from yolo labels/ --images images/ --names classes.txt -o out.json -q --json | jq .annotations

yolo: image sizes are read from the image headers (nothing decoded); image a/b.jpg has labels a/b.txt.
`class cx cy w h` lines become boxes, `class x1 y1 ...` lines polygons (with the area of their mask). Class
names come from --names (data.yaml or a text file, one name per line), by default DIR/data.yaml or the
data.yaml next to DIR; category ids are class + 1, or the ids `cocokit export` kept in data.yaml.";

/// Read a dataset from another format into one COCO file.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The format to read.
    #[arg(long, value_enum)]
    pub from: Format,
    /// yolo: the label files' directory (DIR/labels when DIR has one).
    pub input: String,
    /// yolo: the images' directory.
    #[arg(long, value_name = "DIR")]
    pub images: String,
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
}

pub fn run(args: Args) -> Result<()> {
    match args.from {
        Format::Yolo => import_yolo(&args),
    }
}

fn import_yolo(args: &Args) -> Result<()> {
    let dir = PathBuf::from(&args.input);
    let labels = if dir.join("labels").is_dir() {
        dir.join("labels")
    } else {
        dir
    };
    let opts = yolo::ImportOptions {
        labels,
        images: PathBuf::from(&args.images),
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
                args.images
            );
        }
    }
    Ok(())
}

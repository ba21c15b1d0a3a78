//! `cocokit export`: a COCO dataset written in another format (`--to`), one variant per format: `yolo`
//! (`ops::yolo`), `parquet` (`ops::parquet`).

use super::{count, print_json_report};
use crate::coco::source::Source;
use crate::error::{Error, Result};
use crate::io::{progress, progress_count, Input};
use crate::ops::parquet::{self, DEFAULT_ROW_GROUP_SIZE};
use crate::ops::yolo;
use std::path::Path;

const EXAMPLES: &str = concat!(
    "Examples:
  cocokit export --to yolo instances_val2017.json -o yolo/
  cocokit export --to yolo instances_val2017.json -o yolo-seg/ --segments
  cocokit export --to yolo instances_val2017.json -o yolo/ --crowd keep -q --json | jq .labels
  cocokit export --to parquet instances_val2017.json -o val2017_parquet
  cocokit export --to parquet instances_train2017.json -o train2017_parquet --row-group-size 65536
  cocokit export --to parquet 'sa1b/sa_*.json' -o sa1b_parquet     # SA-1B per-image files, one export

yolo: DIR/labels/<file_name with .txt> per image (every image; empty when it has no object) and DIR/data.yaml
(names, nc). Put the images in DIR/images/ at the same relative paths. Lines are `class cx cy w h`, or with
--segments `class x1 y1 x2 y2 ...` (several parts joined into one as ultralytics' merge_multi_segment does),
normalized by the image size, written with %g as ultralytics' convert_coco writes them. Class k = the k-th
category by id. Crowd annotations are skipped as convert_coco skips them, unless --crowd keep.

parquet: images.parquet, annotations.parquet and categories.parquet in DIR (the three replaced together or not
at all), for DuckDB, Polars, Spark or pandas:
  duckdb -c \"SELECT category_id, count(*) FROM 'val2017_parquet/annotations.parquet' GROUP BY 1\"
The columns are described in docs/SCALE.md; `cocokit import --from parquet` gives the COCO file back.

",
    inputs_help!()
);

/// Write a dataset in another format.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The format to write.
    #[arg(long, value_enum)]
    pub to: Format,
    /// COCO files, directories of *.json, quoted globs (`-` for standard input alone).
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<String>,
    /// Output directory (created if missing).
    #[arg(short, long, visible_alias = "out", value_name = "DIR")]
    pub output: String,
    /// yolo: polygons instead of boxes.
    #[arg(long)]
    pub segments: bool,
    /// yolo: crowd annotations (iscrowd 1).
    #[arg(long, value_enum, default_value_t = Crowd::Skip)]
    pub crowd: Crowd,
    /// yolo: numbers as the shortest decimals that read back exactly, instead of %g (6 significant digits).
    #[arg(long)]
    pub full_precision: bool,
    /// parquet: rows per row group (the unit engines read in parallel).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_ROW_GROUP_SIZE as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub row_group_size: u64,
    /// No progress bar or summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the summary as JSON on standard output.
    #[arg(long)]
    pub json: bool,
}

/// `--to`: one variant per format.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Ultralytics YOLO label files and data.yaml.
    Yolo,
    /// Apache Parquet: images.parquet, annotations.parquet, categories.parquet.
    Parquet,
}

/// `--crowd`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crowd {
    /// Leave them out (ultralytics' convert_coco does).
    Skip,
    /// Write them like the others (RLE masks traced to polygons).
    Keep,
}

pub fn run(args: Args) -> Result<()> {
    let out = Path::new(&args.output);
    if out.exists() && !out.is_dir() {
        return Err(Error::msg("-o/--output must be a directory").in_file(&args.output));
    }
    let src = super::open_source(&args.inputs, args.quiet)?;
    let input = src.input();
    match args.to {
        Format::Yolo => export_yolo(&args, &src, out),
        Format::Parquet => {
            let pb = progress(input.bytes().len() as u64, args.quiet, "export");
            let opts = parquet::ExportOptions {
                row_group_size: usize::try_from(args.row_group_size).unwrap_or(usize::MAX),
            };
            parquet::export(input, out, &opts, &|p| pb.set_position(p))
                .map_err(|e| src.blame(e))?;
            pb.finish_and_clear();
            Ok(())
        }
    }
}

fn export_yolo(args: &Args, src: &Source, out: &Path) -> Result<()> {
    let input: &Input = src.input();
    let opts = yolo::ExportOptions {
        segments: args.segments,
        keep_crowd: args.crowd == Crowd::Keep,
        full_precision: args.full_precision,
    };
    let pb = progress_count(None, "images", args.quiet, "export");
    let rep = yolo::export(input, &opts, out, &|n| pb.set_position(n)).map_err(|e| src.blame(e))?;
    pb.finish_and_clear();
    if args.json {
        print_json_report(&rep, &args.output)?;
    }
    if !args.quiet {
        eprintln!(
            "wrote {} ({}, {}) and data.yaml to {}",
            count(rep.images, "label file", "label files"),
            count(rep.labels, "line", "lines"),
            count(rep.classes, "class", "classes"),
            args.output
        );
        let notes = [
            (
                rep.crowd_skipped,
                "crowd annotation skipped (--crowd keep writes them)",
                "crowd annotations skipped (--crowd keep writes them)",
            ),
            (
                rep.empty_boxes,
                "annotation skipped: its box has no width or height",
                "annotations skipped: their box has no width or height",
            ),
            (
                rep.box_segments,
                "annotation has no usable polygon: written as its box's rectangle",
                "annotations have no usable polygon: written as their box's rectangle",
            ),
            (
                rep.duplicates,
                "repeated line written once",
                "repeated lines written once",
            ),
            (
                rep.orphans,
                "annotation refers to an image that is not in the file",
                "annotations refer to images that are not in the file",
            ),
        ];
        for (n, one, many) in notes {
            if n > 0 {
                eprintln!("note: {}", count(n, one, many));
            }
        }
    }
    Ok(())
}

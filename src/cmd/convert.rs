//! `cocokit convert`: rewrite every annotation's segmentation as compressed RLE, raw RLE or polygons.

use super::{count, Bars};
use crate::error::Result;
use crate::ops::convert::{run as run_request, Form, Request};
use std::io::Write;

const EXAMPLES: &str = concat!(
    "Examples:
  cocokit convert instances_val2017.json --to rle -o instances_val2017_rle.json
  cocokit convert segm_results.json --to rle-raw --gt instances_val2017.json -o raw.json
  cocokit convert stuff_val2017.json --to polygon --tolerance 1 -o stuff_polygons.json
  cocokit convert export.json --to rle --skip-invalid -o export_rle.json -q --json | jq .skipped
  cocokit convert sa1b/ --to polygon -o sa1b_polygons.json     # SA-1B per-image files into one COCO file

--to rle gives exactly pycocotools' annToRLE: {\"size\": [h, w], \"counts\": \"<string>\"}.
Everything else (other keys, other fields, order, number literals) is copied byte for byte: only the
annotations' id, image_id and segmentation and the images' id, height and width are read (use
`cocokit validate` to check the other fields).

",
    inputs_help!()
);

/// Convert segmentations between polygons, RLE and compressed RLE.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// COCO files, directories of *.json, quoted globs (`-` for standard input alone).
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<String>,
    /// Target form.
    #[arg(long, value_enum)]
    pub to: To,
    /// Ground-truth dataset giving image sizes (for a results file with polygons).
    #[arg(long)]
    pub gt: Option<String>,
    /// Polygon simplification tolerance in pixels (Douglas–Peucker; 0 = exact contours).
    #[arg(long, default_value_t = 0.0)]
    pub tolerance: f64,
    /// Leave out annotations that cannot be converted, and report how many, instead of stopping.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Output file (written atomically; `-` = standard output, the default).
    #[arg(short, long)]
    pub output: Option<String>,
    /// No progress bar or summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the summary as JSON on standard output (with -o FILE: standard output otherwise carries the data).
    #[arg(long)]
    pub json: bool,
}

/// `--to`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum To {
    /// Compressed RLE (a counts string), as pycocotools' annToRLE.
    Rle,
    /// Uncompressed RLE (integer counts).
    RleRaw,
    /// Polygons (traced contours, simplified by --tolerance).
    Polygon,
}

pub fn run(args: Args) -> Result<()> {
    super::json_needs_output_file(args.json, args.output.as_deref(), "converted file")?;
    let req = Request {
        output: args.output,
        gt: args.gt,
        tolerance: args.tolerance,
        skip_invalid: args.skip_invalid,
        ..Request::new(
            args.inputs,
            match args.to {
                To::Rle => Form::Rle,
                To::RleRaw => Form::RleRaw,
                To::Polygon => Form::Polygon,
            },
        )
    };
    let bars = Bars::new(args.quiet, "convert", None);
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
        eprintln!(
            "converted {} ({} empty or without segmentation left as {})",
            count(rep.converted, "annotation", "annotations"),
            rep.unchanged,
            if rep.unchanged == 1 {
                "it was"
            } else {
                "they were"
            }
        );
    }
    if rep.skipped > 0 {
        eprintln!(
            "skipped {}, e.g.: {}",
            count(rep.skipped, "invalid annotation", "invalid annotations"),
            rep.skipped_examples.join("; ")
        );
    }
    Ok(())
}

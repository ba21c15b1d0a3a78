//! `cocokit validate`: report everything wrong with a COCO file, grouped by kind.

use super::count;
use crate::error::{Error, Result};
use crate::io::{Input, Output};
use crate::ops::validate::{validate_with, Report, Severity, ValidateOptions};
use std::io::Write;

const EXAMPLES: &str = concat!(
    "Examples:
  cocokit validate instances_val2017.json
  cocokit validate export_from_cvat.json --json | jq '.findings[] | select(.severity == \"error\")'
  cocokit validate train.json --strict          # warnings fail too (exit 1)
  cocokit validate detections.json --gt instances_val2017.json   # ids exist, scores, boxes, RLE sizes
  cocokit validate sa1b/ -q                     # every SA-1B per-image file of a directory

Errors: malformed JSON or records, missing keys or wrong types, duplicate ids, annotations pointing at missing
images or categories, odd-length / 4-number polygons, RLE counts that do not sum to h*w, RLE size != image size,
iscrowd not 0/1. Warnings: polygons with fewer than 3 points, boxes or polygons outside the image, boxes with a
side <= 0, stored area more than 1% off the mask area, images without annotations, unused categories,
categories with an empty name. A file that is neither a COCO dataset nor a results array is an error. --json lists
every occurrence (the table the first 5 of each kind). Exit 0 when clean (warnings allowed unless --strict), 1 otherwise.
Many files: each occurrence names the file it is in, and its line, column and byte there.

",
    inputs_help!()
);

/// Check a COCO file and report every problem found.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// COCO files, directories of *.json, quoted globs (`-` for standard input alone).
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<String>,
    /// Print the report as JSON, with every occurrence of every finding.
    #[arg(long)]
    pub json: bool,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
    /// For a results file: the ground truth its image and category ids must exist in.
    #[arg(long)]
    pub gt: Option<String>,
    /// Write the report to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
    /// No report: only the exit code (and the one-line error when the file is invalid).
    #[arg(short, long, conflicts_with_all = ["json", "output"])]
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<()> {
    let src = super::open_source(&args.inputs, args.quiet)?;
    let input = src.input();
    let gt = args.gt.as_deref().map(Input::open).transpose()?;
    let opts = ValidateOptions {
        every_example: args.json,
        gt: gt.as_ref(),
    };
    let mut rep = validate_with(input, opts).map_err(|e| src.blame(e))?;
    if src.is_assembled() {
        crate::ops::validate::place_examples(&mut rep, &|off| src.origin(off));
    }
    if !args.quiet {
        let mut out = Output::create(args.output.as_deref(), &src.paths())?;
        let w = out.writer();
        if args.json {
            serde_json::to_writer_pretty(&mut *w, &rep).map_err(|e| Error::msg(e.to_string()))?;
            writeln!(w)?;
        } else {
            table(w, src.name(), &rep)?;
        }
        out.commit()?;
    }
    let failing = rep.errors + if args.strict { rep.warnings } else { 0 };
    if failing > 0 {
        let what = if rep.errors > 0 {
            count(rep.errors, "error", "errors")
        } else {
            format!("{} (--strict)", count(rep.warnings, "warning", "warnings"))
        };
        return Err(Error::msg(format!("invalid: {what}")).in_file(src.name()));
    }
    Ok(())
}

fn table(w: &mut dyn Write, name: &str, rep: &Report) -> Result<()> {
    writeln!(
        w,
        "{name}: {}, {} ({}, {}, {})",
        count(rep.errors, "error", "errors"),
        count(rep.warnings, "warning", "warnings"),
        count(rep.images, "image", "images"),
        count(rep.annotations, "annotation", "annotations"),
        count(rep.categories, "category", "categories")
    )?;
    for f in &rep.findings {
        let sev = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(w, "  {sev:<7} {:<28} {:>8}", f.kind, f.count)?;
        for e in &f.examples {
            writeln!(
                w,
                "          {} ({}line {}, column {}, byte {}): {}",
                e.record,
                e.file
                    .as_deref()
                    .map(|f| format!("{f}, "))
                    .unwrap_or_default(),
                e.line,
                e.column,
                e.offset,
                e.detail
            )?;
        }
        if f.count > f.examples.len() as u64 {
            writeln!(
                w,
                "          ... and {} more",
                f.count - f.examples.len() as u64
            )?;
        }
    }
    if rep.findings.is_empty() {
        writeln!(w, "  no problems found")?;
    }
    Ok(())
}

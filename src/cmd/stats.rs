//! `cocokit stats`: counts of a COCO file, as a table or JSON (schema in docs/STATS.md).

use crate::error::Result;
use crate::io::{progress, Output};
use crate::ops::stats::{compute_with_progress, Stats};
use std::io::Write;

const EXAMPLES: &str = concat!(
    "Examples:
  cocokit stats instances_val2017.json
  cocokit stats instances_train2017.json --json | jq '.per_category[] | select(.images < 100)'
  cocokit stats sa1b/ --json                     # a directory of SA-1B per-image files
  cocokit stats 'sa1b/sa_*.json' part2.json      # a quoted glob and a file, as one dataset

Reports images, annotations, categories, crowd annotations, segmentation kinds, images without annotations,
annotations per image (min/median/mean/max), area buckets (COCOeval's 32² and 96²), and per category the number
of annotations and of images containing it.

",
    inputs_help!()
);

/// Count what a COCO file holds.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// COCO files, directories of *.json, quoted globs (`-` for standard input alone).
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Write to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<()> {
    let src = super::open_source(&args.inputs, args.quiet)?;
    let input = src.input();
    let pb = progress(input.bytes().len() as u64, args.quiet, "stats");
    let st = compute_with_progress(input, &|p| pb.set_position(p)).map_err(|e| src.blame(e))?;
    pb.finish_and_clear();
    let mut out = Output::create(args.output.as_deref(), &src.paths())?;
    let w = out.writer();
    if args.json {
        serde_json::to_writer_pretty(&mut *w, &st).map_err(|e| crate::Error::msg(e.to_string()))?;
        writeln!(w)?;
    } else {
        table(w, src.name(), &st)?;
    }
    out.commit()
}

fn table(w: &mut dyn Write, name: &str, st: &Stats) -> Result<()> {
    if st.kind == "results" {
        return results_table(w, name, st);
    }
    let s = &st.segmentation;
    let a = &st.area;
    let p = &st.annotations_per_image;
    writeln!(w, "{name} ({})", st.kind)?;
    writeln!(w, "  images                      {:>10}", st.images)?;
    writeln!(w, "  annotations                 {:>10}", st.annotations)?;
    if let Some(n) = st.segments {
        // Panoptic: per category, crowd and area below count segments.
        writeln!(w, "  segments                    {:>10}", n)?;
    }
    writeln!(w, "  categories                  {:>10}", st.categories)?;
    writeln!(w, "  crowd annotations           {:>10}", st.crowd)?;
    writeln!(
        w,
        "  images without annotations  {:>10}",
        st.images_without_annotations
    )?;
    writeln!(
        w,
        "  annotations per image       min {} / median {} / mean {:.2} / max {}",
        p.min, p.median, p.mean, p.max
    )?;
    writeln!(
        w,
        "  segmentation                polygon {} / rle {} / compressed rle {} / empty {} / none {}",
        s.polygon, s.rle, s.compressed_rle, s.empty, s.none
    )?;
    writeln!(
        w,
        "  area (<32², <96², ≥96²)     small {} / medium {} / large {} / no area {}",
        a.small, a.medium, a.large, a.unknown
    )?;
    if st.unknown_image_refs > 0 {
        writeln!(
            w,
            "  annotations of unknown images     {}",
            st.unknown_image_refs
        )?;
    }
    if st.unknown_category_refs > 0 {
        writeln!(
            w,
            "  annotations of unknown categories {}",
            st.unknown_category_refs
        )?;
    }
    if !st.other_keys.is_empty() {
        writeln!(
            w,
            "  other top-level keys        {}",
            st.other_keys.join(", ")
        )?;
    }
    if !st.per_category.is_empty() {
        let width = st
            .per_category
            .iter()
            .map(|c| c.name.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(4, 40);
        writeln!(w)?;
        writeln!(
            w,
            "  {:>6}  {:<width$}  {:>11}  {:>8}",
            "id", "name", "annotations", "images"
        )?;
        for c in &st.per_category {
            writeln!(
                w,
                "  {:>6}  {:<width$}  {:>11}  {:>8}",
                c.id, c.name, c.annotations, c.images
            )?;
        }
    }
    Ok(())
}

/// The table of a results file: detections, not images and categories.
fn results_table(w: &mut dyn Write, name: &str, st: &Stats) -> Result<()> {
    let s = &st.segmentation;
    writeln!(w, "{name} (results)")?;
    writeln!(w, "  detections                  {:>10}", st.annotations)?;
    writeln!(
        w,
        "  images covered              {:>10}",
        st.images_covered.unwrap_or(0)
    )?;
    writeln!(
        w,
        "  categories                  {:>10}",
        st.per_category.len()
    )?;
    match &st.score {
        Some(q) => writeln!(
            w,
            "  score                       min {} / p25 {} / median {} / p75 {} / max {}",
            q.min, q.p25, q.median, q.p75, q.max
        )?,
        None => writeln!(w, "  score                       none")?,
    }
    if st.without_score.unwrap_or(0) > 0 {
        writeln!(
            w,
            "  detections without score    {:>10}",
            st.without_score.unwrap_or(0)
        )?;
    }
    writeln!(
        w,
        "  bbox                        {:>10}",
        st.with_bbox.unwrap_or(0)
    )?;
    writeln!(
        w,
        "  segmentation                polygon {} / rle {} / compressed rle {} / empty {} / none {}",
        s.polygon, s.rle, s.compressed_rle, s.empty, s.none
    )?;
    if !st.per_category.is_empty() {
        writeln!(w)?;
        writeln!(
            w,
            "  {:>11}  {:>10}  {:>8}",
            "category_id", "detections", "images"
        )?;
        for c in &st.per_category {
            writeln!(w, "  {:>11}  {:>10}  {:>8}", c.id, c.annotations, c.images)?;
        }
    }
    Ok(())
}

//! Rewriting every annotation's `segmentation` of a dataset or results file (`cocokit convert`).
//!
//! `--to rle` writes `{"size": [h, w], "counts": "<string>"}`, the dict pycocotools' `annToRLE` returns (its
//! counts bytes decoded as ASCII); `--to rle-raw` writes the same mask with integer counts; `--to polygon`
//! traces the mask's contours. Everything else in the file — other keys, other fields, record order, number
//! literals — is copied byte for byte: each record's bytes are spliced around the new segmentation.
//!
//! One pass over the memory-mapped input when the images come before the annotations (their sizes are
//! collected on the way), else two: the first collects image sizes. Annotations are converted in parallel
//! batches (rayon) and written in file order.
//! Both are pipelined: one thread cuts records ([`scan_top_batched`]) while batch N+1 converts and batch N is
//! written. Memory holds the image sizes and a few batches. An empty segmentation (`[]`) and a missing one stay as they are.

use crate::coco::reader::{
    par_map_ordered, parse_annotation_segmentation, parse_image_size, recycle_segmentation,
    scan_top, scan_top_batched, Chunk, Event, Layout, Section, SegInfo,
};
use crate::coco::writer::{TopWriter, RECORD_SEP};
use crate::coco::{Annotation, Segmentation};
use crate::error::{Error, Result};
use crate::io::Input;
use crate::json::pretty::write_escaped;
use crate::mask::polygon::{
    polygon_compressed_json, polygons_from_mask, segmentation_to_rle, single_polygon,
};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Write;

/// Image id → (height, width).
pub type ImageSizes = HashMap<i64, (u32, u32), foldhash::fast::RandomState>;

/// What to convert segmentations to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// Compressed RLE (pycocotools' string).
    Rle,
    /// Uncompressed RLE (integer counts).
    RleRaw,
    /// Polygons traced from the mask (Douglas–Peucker `tolerance` in pixels; 0 = exact contour).
    Polygon { tolerance: f64 },
}

/// Options of a conversion.
#[derive(Clone, Debug)]
pub struct ConvertOptions {
    pub target: Target,
    /// Leave out annotations that cannot be converted (and count them) instead of stopping.
    pub skip_invalid: bool,
}

/// What a conversion did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConvertReport {
    pub converted: u64,
    /// Annotations whose segmentation was empty or absent, left as they were.
    pub unchanged: u64,
    /// Annotations left out because of `--skip-invalid`.
    pub skipped: u64,
    /// The first few skipped, with the reason.
    pub skipped_examples: Vec<String>,
}

const BATCH: usize = 4096;

/// Image sizes (id → (height, width)) of a dataset buffer.
pub fn image_sizes(buf: &[u8]) -> Result<ImageSizes> {
    image_sizes_releasing(buf, &|_| {})
}

/// [`image_sizes`], telling `release` every few thousand records how far the walk has gone (so the pages of
/// a memory-mapped input can be let go: this pass reads the whole file).
pub fn image_sizes_releasing(buf: &[u8], release: &dyn Fn(usize)) -> Result<ImageSizes> {
    let mut sizes = ImageSizes::default();
    scan_top_batched(buf, BATCH, |chunk| {
        if let Chunk::Records { section, records } = chunk {
            if section == Section::Images {
                sizes.extend(sizes_of(buf, &records)?);
            }
            if let Some(&(_, last)) = records.last() {
                release(last);
            }
        }
        Ok(())
    })?;
    Ok(sizes)
}

/// (id, (height, width)) of a batch of image records, parsed in parallel.
fn sizes_of(buf: &[u8], records: &[(usize, usize)]) -> Result<Vec<(i64, (u32, u32))>> {
    par_map_ordered(records, |&(s, _)| {
        parse_image_size(buf, s).map(|im| (im.id, (im.height, im.width)))
    })
}

/// Whether a dataset's `images` array comes before its `annotations` (the walk stops at the first of the
/// two; `false` for anything else, including input the full walk will report as broken).
fn images_before_annotations(buf: &[u8]) -> bool {
    let mut first = None;
    let _ = scan_top(buf, |ev| match ev {
        Event::SectionStart {
            section: section @ (Section::Images | Section::Annotations),
        } => {
            first = Some(section);
            Err(Error::msg("found"))
        }
        _ => Ok(()),
    });
    first == Some(Section::Images)
}

/// Converts one annotation record, appending the rewritten record to `out`: `Ok(false)` (nothing appended)
/// when its segmentation is empty or absent (the record stays as it is). On error `out` is left as it was.
fn convert_record(
    buf: &[u8],
    start: usize,
    end: usize,
    sizes: &ImageSizes,
    target: Target,
    out: &mut Vec<u8>,
) -> Result<bool> {
    let (mut ann, info) = parse_annotation_segmentation(buf, start)?;
    let res = convert_parsed(buf, start, end, &ann, info, sizes, target, out);
    // The polygons' memory serves the next record this thread parses.
    if let Some(seg) = ann.segmentation.take() {
        recycle_segmentation(seg);
    }
    res
}

/// [`convert_record`] once the record is parsed.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn convert_parsed(
    buf: &[u8],
    start: usize,
    end: usize,
    ann: &Annotation,
    info: SegInfo,
    sizes: &ImageSizes,
    target: Target,
    out: &mut Vec<u8>,
) -> Result<bool> {
    let (Some(seg), Some((seg_start, seg_end))) = (&ann.segmentation, info.range) else {
        return Ok(false);
    };
    if matches!(seg, Segmentation::Empty) {
        return Ok(false);
    }
    let (h, w) = match seg {
        Segmentation::Polygons(_) => match sizes.get(&ann.image_id) {
            Some(&(h, w)) => (h, w),
            None => {
                return Err(Error::at(
                    start,
                    format!(
                        "image id {} is unknown: its size is needed to rasterize polygons",
                        ann.image_id
                    ),
                )
                .for_record(ann.describe()))
            }
        },
        // RLEs carry their own size (annToRLE does not look at the image for them).
        Segmentation::Rle { h, w, .. } | Segmentation::CompressedRle { h, w, .. } => (*h, *w),
        Segmentation::Empty => (0, 0),
    };
    let refused = |e: Error| e.at_offset(seg_start).for_record(ann.describe());
    if let Target::Rle = target {
        // One polygon (nearly every annotation): its runs encoded as they are found, framed as the
        // `Target::Rle` arm below frames an RLE's string.
        if let Some(xy) = single_polygon(seg, h, w).map_err(refused)? {
            out.extend_from_slice(&buf[start..seg_start]);
            write_size(out, h, w);
            out.extend_from_slice(b"\"counts\": \"");
            polygon_compressed_json(xy, h, w, out);
            out.extend_from_slice(b"\"}");
            out.extend_from_slice(&buf[seg_end..end]);
            return Ok(true);
        }
    }
    let rle = segmentation_to_rle(seg, h, w).map_err(refused)?;
    let Some(rle) = rle else { return Ok(false) };
    // The record's bytes with the new segmentation spliced in where the old one was.
    out.extend_from_slice(&buf[start..seg_start]);
    match target {
        Target::Rle => {
            write_size(out, rle.h, rle.w);
            out.extend_from_slice(b"\"counts\": ");
            match seg {
                // annToRLE hands a compressed RLE back untouched: keep its string (validated above) even if
                // it is not the canonical encoding of its counts.
                Segmentation::CompressedRle { counts, .. } => write_escaped(out, counts),
                _ => {
                    out.push(b'"');
                    rle.write_compressed_json(out);
                    out.push(b'"');
                }
            }
            out.push(b'}');
        }
        Target::RleRaw => {
            write_size(out, rle.h, rle.w);
            out.extend_from_slice(b"\"counts\": [");
            let mut ib = itoa::Buffer::new();
            for (i, c) in rle.counts.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                out.extend_from_slice(ib.format(*c).as_bytes());
            }
            out.extend_from_slice(b"]}");
        }
        Target::Polygon { tolerance } => {
            let polys = polygons_from_mask(&rle, tolerance);
            out.push(b'[');
            let mut rb = ryu::Buffer::new();
            for (k, p) in polys.iter().enumerate() {
                if k > 0 {
                    out.extend_from_slice(b", ");
                }
                out.push(b'[');
                for (i, v) in p.iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(b", ");
                    }
                    out.extend_from_slice(rb.format(*v).as_bytes());
                }
                out.push(b']');
            }
            out.push(b']');
        }
    }
    out.extend_from_slice(&buf[seg_end..end]);
    Ok(true)
}

/// `{"size": [h, w], ` (itoa: `write!` goes through the formatting machinery, once per annotation).
fn write_size(out: &mut Vec<u8>, h: u32, w: u32) {
    let mut ib = itoa::Buffer::new();
    out.extend_from_slice(b"{\"size\": [");
    out.extend_from_slice(ib.format(h).as_bytes());
    out.extend_from_slice(b", ");
    out.extend_from_slice(ib.format(w).as_bytes());
    out.extend_from_slice(b"], ");
}

/// How many records one parallel job converts into one buffer.
const JOB: usize = 64;

/// What converting one record gave.
enum Outcome {
    /// Rewritten: the record's new bytes end at this offset of its job's buffer.
    Converted(usize),
    /// Empty or absent segmentation: the record is written as it was.
    Unchanged,
    Failed(Error),
}

/// Converts `records` (one job's worth), their new bytes one after the other in one buffer.
fn convert_job(
    buf: &[u8],
    records: &[(usize, usize)],
    sizes: &ImageSizes,
    target: Target,
) -> (Vec<u8>, Vec<Outcome>) {
    let mut bytes = Vec::with_capacity(records.iter().map(|&(s, e)| e - s).sum::<usize>() + 1024);
    let outcomes = records
        .iter()
        .enumerate()
        .map(|(i, &(s, e))| {
            // The next record's bytes are fetched while this one is rasterized (mostly arithmetic):
            // otherwise its parse waits for them line after line.
            if let Some(&(ns, ne)) = records.get(i + 1) {
                prefetch(&buf[ns..ne]);
            }
            // Each converted record preceded by its separator, so that a run of them is written in
            // one piece (`TopWriter::records_joined`).
            let at = bytes.len();
            bytes.extend_from_slice(RECORD_SEP);
            match convert_record(buf, s, e, sizes, target, &mut bytes) {
                Ok(true) => Outcome::Converted(bytes.len()),
                Ok(false) => {
                    bytes.truncate(at);
                    Outcome::Unchanged
                }
                Err(err) => {
                    bytes.truncate(at);
                    Outcome::Failed(err)
                }
            }
        })
        .collect();
    (bytes, outcomes)
}

/// Asks the processor to bring `bytes` into its cache (a hint: nothing happens elsewhere than x86-64).
#[inline]
fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    for line in bytes.chunks(64) {
        // SAFETY: a prefetch of an address inside a live slice; it never faults and changes nothing.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                line.as_ptr().cast(),
            )
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}

/// Convert every annotation of `input`. For a results file, `sizes` come from the ground truth (`--gt`);
/// for a dataset they are read from the file itself when `sizes` is `None`.
pub fn convert(
    input: &Input,
    sizes: Option<ImageSizes>,
    opts: &ConvertOptions,
    w: &mut dyn Write,
    progress: &dyn Fn(u64),
) -> Result<ConvertReport> {
    let buf = input.bytes();
    // When the images come before the annotations (as in the official files), their sizes are collected on
    // the way and one pass does; otherwise a first pass reads them.
    let collect = sizes.is_none() && images_before_annotations(buf);
    let mut sizes = match sizes {
        Some(s) => s,
        None if collect => ImageSizes::default(),
        None => image_sizes_releasing(buf, &|upto| input.release(upto))?,
    };
    let mut rep = ConvertReport::default();
    let mut t = TopWriter::new(w);
    // Has the top level been opened in the output yet (`{` for a dataset, `[` for a results array)?
    let mut opened = false;
    // The batch converted last, written while the next one converts.
    let mut pending: Option<Converted> = None;

    let layout = scan_top_batched(buf, BATCH, |chunk| {
        if let Chunk::Records {
            section: Section::Annotations,
            records,
        } = chunk
        {
            if !opened {
                // Records before any key: a results file, whose top level is the array itself.
                t.begin_array()?;
                opened = true;
            }
            let previous = pending.take();
            // Convert this batch on the pool while this thread writes the previous one.
            let mut done = None;
            let written = rayon::in_place_scope(|scope| {
                let target = opts.target;
                let sizes = &sizes;
                let slot = &mut done;
                scope.spawn(move |_| {
                    // One job per split (`with_max_len(1)`): rayon otherwise cuts the batch into a few
                    // large pieces up front, and one thread idled while the other finished a piece (a
                    // third of the second thread's time on the bench file).
                    let jobs = records
                        .par_chunks(JOB)
                        .with_max_len(1)
                        .map(|job| convert_job(buf, job, sizes, target))
                        .collect();
                    *slot = Some(Converted { records, jobs });
                });
                write_converted(previous, buf, &mut t, &mut rep, opts, input, progress)
            });
            written?;
            let done = done.expect("the scope waited for the conversion");
            pending = Some(done);
            return Ok(());
        }
        write_converted(pending.take(), buf, &mut t, &mut rep, opts, input, progress)?;
        match chunk {
            Chunk::Event(Event::Other { key, raw, .. }) => {
                if !opened {
                    opened = true;
                    t.begin_object()?;
                }
                t.raw_member(&key, raw)?
            }
            Chunk::Event(Event::SectionStart { section }) => {
                if !opened {
                    opened = true;
                    t.begin_object()?;
                }
                t.begin_section(section.key())?
            }
            Chunk::Event(Event::SectionEnd { .. }) => t.end_array()?,
            Chunk::Event(Event::Record { start, end, .. }) => t.record(&buf[start..end])?,
            Chunk::Records { section, records } => {
                if collect && section == Section::Images {
                    sizes.extend(sizes_of(buf, &records)?);
                }
                for (start, end) in records {
                    t.record(&buf[start..end])?;
                }
            }
        }
        Ok(())
    });
    let layout = match layout {
        Ok(layout) => layout,
        Err(walk) => {
            // The walk stopped after the batch still pending: an error inside that batch comes first.
            if let Some(batch) = pending.take().filter(|_| !opts.skip_invalid) {
                let outcomes = batch.jobs.into_iter().flat_map(|(_, o)| o);
                if let Some(Outcome::Failed(first)) = outcomes
                    .into_iter()
                    .find(|o| matches!(o, Outcome::Failed(_)))
                {
                    return Err(first);
                }
            }
            return Err(walk);
        }
    };
    write_converted(pending.take(), buf, &mut t, &mut rep, opts, input, progress)?;
    match layout {
        Layout::Dataset => {
            if !opened {
                t.begin_object()?;
            }
            t.end_object()?;
        }
        Layout::Results => {
            if !opened {
                t.begin_array()?;
            }
            t.end_array()?;
            w_newline(&mut t)?;
        }
    }
    Ok(rep)
}

/// A batch of annotation records and what converting each gave, by job of [`JOB`] records.
struct Converted {
    records: Vec<(usize, usize)>,
    jobs: Vec<(Vec<u8>, Vec<Outcome>)>,
}

/// Write a converted batch in file order (the first error stops, unless `skip_invalid`).
fn write_converted(
    batch: Option<Converted>,
    buf: &[u8],
    t: &mut TopWriter,
    rep: &mut ConvertReport,
    opts: &ConvertOptions,
    input: &Input,
    progress: &dyn Fn(u64),
) -> Result<()> {
    let Some(batch) = batch else {
        return Ok(());
    };
    for (job, (bytes, outcomes)) in batch.records.chunks(JOB).zip(batch.jobs) {
        // Converted records follow each other in `bytes` (separators included): `from..to` is the run
        // not written yet, written in one piece when something else comes or the job ends.
        let (mut from, mut to) = (0, 0);
        for (&(s, e), outcome) in job.iter().zip(outcomes) {
            if !matches!(outcome, Outcome::Converted(_)) {
                t.records_joined(&bytes[from..to])?;
                from = to;
            }
            match outcome {
                Outcome::Converted(end) => {
                    rep.converted += 1;
                    to = end;
                }
                Outcome::Unchanged => {
                    rep.unchanged += 1;
                    t.record(&buf[s..e])?;
                }
                Outcome::Failed(err) if opts.skip_invalid => {
                    rep.skipped += 1;
                    if rep.skipped_examples.len() < 5 {
                        rep.skipped_examples.push(err.to_string());
                    }
                }
                Outcome::Failed(err) => return Err(err),
            }
        }
        t.records_joined(&bytes[from..to])?;
    }
    if let Some(&(_, e)) = batch.records.last() {
        input.release(e);
        progress(e as u64);
    }
    Ok(())
}

fn w_newline(t: &mut TopWriter) -> Result<()> {
    t.raw_bytes(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str, target: Target, skip: bool) -> Result<(String, ConvertReport)> {
        let input = Input::from_bytes("t", src.as_bytes().to_vec());
        let mut out = Vec::new();
        let opts = ConvertOptions {
            target,
            skip_invalid: skip,
        };
        let rep = convert(&input, None, &opts, &mut out, &|_| {})?;
        Ok((String::from_utf8(out).expect("utf8"), rep))
    }

    #[test]
    fn converts_polygons_and_keeps_everything_else() {
        let src = r#"{"info": {"v": 1.0}, "annotations": [{"id": 1, "image_id": 5, "segmentation": [[1, 1, 4, 1, 4, 4, 1, 4]], "area": 9.0}, {"id": 2, "image_id": 5, "segmentation": []}], "images": [{"id": 5, "width": 5, "height": 5}]}"#;
        let (out, rep) = run(src, Target::RleRaw, false).unwrap();
        assert_eq!(
            rep,
            ConvertReport {
                converted: 1,
                unchanged: 1,
                ..Default::default()
            }
        );
        assert_eq!(
            out,
            "{\"info\": {\"v\": 1.0}, \"annotations\": [{\"id\": 1, \"image_id\": 5, \"segmentation\": {\"size\": [5, 5], \"counts\": [6, 3, 2, 3, 2, 3, 6]}, \"area\": 9.0}, {\"id\": 2, \"image_id\": 5, \"segmentation\": []}], \"images\": [{\"id\": 5, \"width\": 5, \"height\": 5}]}\n"
        );
        let (out, _) = run(src, Target::Rle, false).unwrap();
        assert!(
            out.contains("\"segmentation\": {\"size\": [5, 5], \"counts\": \"6320004\"}"),
            "{out}"
        );
    }

    #[test]
    fn one_pass_when_images_come_first() {
        let ann = r#""annotations": [{"id": 1, "image_id": 5, "segmentation": [[1, 1, 4, 1, 4, 4, 1, 4]]}, {"id": 2, "image_id": 6, "segmentation": [[0, 0, 2, 0, 2, 2]]}]"#;
        let imgs =
            r#""images": [{"id": 5, "width": 5, "height": 5}, {"id": 6, "width": 3, "height": 4}]"#;
        let first = format!("{{\"info\": {{}}, {imgs}, {ann}}}");
        let last = format!("{{\"info\": {{}}, {ann}, {imgs}}}");
        assert!(images_before_annotations(first.as_bytes()));
        assert!(!images_before_annotations(last.as_bytes()));
        let (a, ra) = run(&first, Target::RleRaw, false).unwrap();
        let (b, rb) = run(&last, Target::RleRaw, false).unwrap();
        assert_eq!((ra.converted, rb.converted), (2, 2));
        // The same segmentations either way.
        let segs = |s: &str| -> Vec<String> {
            s.split("\"segmentation\": ")
                .skip(1)
                .map(|p| p[..p.find('}').unwrap()].to_string())
                .collect()
        };
        assert_eq!(segs(&a), segs(&b));
        // pycocotools 2.0.11: frPyObjects([[0, 0, 2, 0, 2, 2]], 4, 3) gives counts b"417" — the same runs
        // as mask::polygon's rasterizer (checked against scripts/ goldens) gives here:
        assert_eq!(
            crate::mask::polygon::rle_from_polygon(&[0.0, 0.0, 2.0, 0.0, 2.0, 2.0], 4, 3).counts,
            vec![4, 1, 7]
        );
        assert!(
            a.contains("{\"size\": [4, 3], \"counts\": [4, 1, 7]}"),
            "{a}"
        );
        // A broken image record is reported in the one-pass walk as in the first pass of two.
        let bad = first.replace(r#""height": 4"#, r#""height": -4"#);
        let e1 = run(&bad, Target::Rle, false).unwrap_err();
        let e2 = run(
            &bad.replace(&format!("{imgs}, {ann}"), &format!("{ann}, {imgs}"))
                .replace(r#""height": 4"#, r#""height": -4"#),
            Target::Rle,
            false,
        )
        .unwrap_err();
        assert!(e1.to_string().contains("image id 6"), "{e1}");
        assert!(e2.to_string().contains("image id 6"), "{e2}");
    }

    #[test]
    fn results_arrays_and_errors() {
        let src = r#"[{"image_id": 1, "category_id": 1, "segmentation": {"size": [2, 2], "counts": [1, 2, 1]}, "score": 0.5}]"#;
        let (out, rep) = run(src, Target::Rle, false).unwrap();
        assert_eq!(rep.converted, 1);
        assert!(out.starts_with("[{") && out.ends_with("}]\n"), "{out}");
        let bad = r#"{"images": [], "annotations": [{"id": 9, "image_id": 3, "segmentation": [[1, 2, 3, 4, 5, 6]]}, {"id": 10, "image_id": 3, "segmentation": []}]}"#;
        let e = run(bad, Target::Rle, false).unwrap_err();
        assert_eq!(e.record.as_deref(), Some("annotation id 9"));
        assert!(e.msg.contains("image id 3 is unknown"), "{e}");
        let (out, rep) = run(bad, Target::Rle, true).unwrap();
        assert_eq!((rep.skipped, rep.unchanged), (1, 1));
        assert!(!out.contains("\"id\": 9"));
        let odd = r#"{"images": [{"id": 3, "width": 4, "height": 4}], "annotations": [{"id": 11, "image_id": 3, "segmentation": [[1, 2, 3, 4, 5, 6, 7]]}]}"#;
        let e = run(odd, Target::Rle, false).unwrap_err();
        assert!(
            e.to_string().contains("annotation id 11") && e.msg.contains("odd"),
            "{e}"
        );
    }
}

//! Rewriting every annotation's `segmentation` of a dataset or results file (`cocokit convert`).
//!
//! `--to rle` writes `{"size": [h, w], "counts": "<string>"}`, the dict pycocotools' `annToRLE` returns (its
//! counts bytes decoded as ASCII); `--to rle-raw` writes the same mask with integer counts; `--to polygon`
//! traces the mask's contours. Everything else in the file — other keys, other fields, record order, number
//! literals — is copied byte for byte: each record's bytes are spliced around the new segmentation.
//!
//! [`run`] is the command's whole request ([`Request`], its flags): the options checked, the ground truth's
//! image sizes read, the inputs opened (files, directories, globs: `coco::source`), the output written
//! atomically, the report returned ([`ConvertReport::to_json`], what `--json` prints). It prints nothing.
//!
//! One pass over the memory-mapped input when the images come before the annotations (their sizes are
//! collected on the way), else two: the first collects image sizes. A thread walks the top level and cuts
//! the other sections' records ([`scan_top_batched_handing_over`]); the annotation array is handed over to
//! `convert_array`, whose workers cut its records themselves, each walking the records of its own stretch
//! of the array from a guessed record start (checked before anything is written), so that no thread reads
//! the annotations twice. Batch N+1 converts (rayon) while batch N is written, in file order. Memory holds
//! the image sizes and a few batches. An empty segmentation (`[]`) and a missing one stay as they are.

use crate::coco::reader::{
    parse_annotation_segmentation, parse_image_size, recycle_segmentation, SegInfo,
};
use crate::coco::source::Source;
use crate::coco::walk::{
    par_map_ordered, scan_top, scan_top_batched, scan_top_batched_handing_over, walk_elements,
    walk_records, Chunk, Event, Layout, Piece, RecordsStop, Resume, Section, BATCH_HEAVY,
};
use crate::coco::writer::{TopWriter, RECORD_SEP};
use crate::coco::{Annotation, Segmentation};
use crate::error::{Error, Result};
use crate::io::{Input, Output};
use crate::json::pretty::write_escaped;
use crate::json::scan::{skip_ws, ElementGuess};
use crate::mask::contour::polygons_from_mask;
use crate::mask::segmentation::{polygon_compressed_json, segmentation_to_rle, single_polygon};
use crate::ops::{interrupted, Stoppable, Watch};
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

impl ConvertReport {
    /// What `cocokit convert --json` prints: the counts and where the output went.
    pub fn to_json(&self, output: &str) -> serde_json::Value {
        serde_json::json!({"converted": self.converted, "unchanged": self.unchanged,
                           "skipped": self.skipped, "output": output})
    }
}

/// `--to`: the form segmentations are converted to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `rle`: compressed RLE, as pycocotools' annToRLE.
    Rle,
    /// `rle-raw`: uncompressed RLE.
    RleRaw,
    /// `polygon`: traced contours.
    Polygon,
}

impl Form {
    /// `rle`, `rle-raw` or `polygon`.
    pub fn parse(s: &str) -> Result<Form> {
        match s {
            "rle" => Ok(Form::Rle),
            "rle-raw" => Ok(Form::RleRaw),
            "polygon" => Ok(Form::Polygon),
            _ => Err(Error::msg(format!("--to {s:?}: rle, rle-raw or polygon"))),
        }
    }
}

/// A `cocokit convert` request: its inputs, output and flags, unchecked.
#[derive(Clone, Debug)]
pub struct Request {
    /// COCO files, directories of `*.json`, globs (`-`: standard input alone).
    pub inputs: Vec<String>,
    /// The output file; `None` or `-`: standard output.
    pub output: Option<String>,
    /// `--to`.
    pub to: Form,
    /// `--gt`: the dataset giving a results file's image sizes.
    pub gt: Option<String>,
    /// `--tolerance` (polygons; checked whatever the form).
    pub tolerance: f64,
    /// `--skip-invalid`.
    pub skip_invalid: bool,
}

impl Request {
    /// The inputs and the form, with the command's defaults.
    pub fn new(inputs: Vec<String>, to: Form) -> Request {
        Request {
            inputs,
            output: None,
            to,
            gt: None,
            tolerance: 0.0,
            skip_invalid: false,
        }
    }
}

/// `cocokit convert`: checks `req`, converts its inputs into its output (atomically: nothing is written on
/// error) and returns what was done. The main pass's position ([`Watch::start`]) is in bytes of the input.
pub fn run(req: &Request, watch: &dyn Watch) -> Result<ConvertReport> {
    let target = match req.to {
        Form::Rle => Target::Rle,
        Form::RleRaw => Target::RleRaw,
        Form::Polygon => Target::Polygon {
            tolerance: req.tolerance,
        },
    };
    if !(req.tolerance >= 0.0 && req.tolerance.is_finite()) {
        return Err(Error::msg("--tolerance must be a finite number >= 0"));
    }
    let sizes = match &req.gt {
        Some(gt) => {
            let g = Input::open(gt)?;
            Some(image_sizes(g.bytes()).map_err(|e| e.in_file(gt))?)
        }
        None => None,
    };
    let src = Source::open(&req.inputs, &|done, total| watch.files(done, total))?;
    let input = src.input();
    let mut inputs = src.paths();
    if let Some(gt) = &req.gt {
        inputs.push(gt);
    }
    let mut out = Output::create(req.output.as_deref(), &inputs)?;
    watch.start(Some(input.bytes().len() as u64));
    let opts = ConvertOptions {
        target,
        skip_invalid: req.skip_invalid,
    };
    let mut w = Stoppable {
        w: out.writer(),
        watch,
    };
    let rep = convert(input, sizes, &opts, &mut w, &|p| watch.position(p)).map_err(|e| {
        if e.broken_pipe {
            e
        } else {
            src.blame(e)
        }
    })?;
    if watch.stop() {
        return Err(interrupted());
    }
    out.commit()?;
    Ok(rep)
}

/// Image sizes (id → (height, width)) of a dataset buffer.
pub fn image_sizes(buf: &[u8]) -> Result<ImageSizes> {
    image_sizes_releasing(buf, &|_| {})
}

/// [`image_sizes`], telling `release` every few thousand records how far the walk has gone (so the pages of
/// a memory-mapped input can be let go: this pass reads the whole file).
pub fn image_sizes_releasing(buf: &[u8], release: &dyn Fn(usize)) -> Result<ImageSizes> {
    let mut sizes = ImageSizes::default();
    scan_top_batched(buf, BATCH_HEAVY, |chunk| {
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

/// Converts the annotation record at `start`, appending the rewritten record to `out`: `Ok(false)`
/// (nothing appended) when its segmentation is empty or absent (the record stays as it is). On error `out`
/// is left as it was. Also gives where the record ended when it could be parsed.
fn convert_record(
    buf: &[u8],
    start: usize,
    sizes: &ImageSizes,
    target: Target,
    out: &mut Vec<u8>,
) -> (Option<usize>, Result<bool>) {
    let (mut ann, info) = match parse_annotation_segmentation(buf, start) {
        Ok(parsed) => parsed,
        Err(e) => return (None, Err(e)),
    };
    let res = convert_parsed(buf, start, info.end, &ann, info, sizes, target, out);
    // The polygons' memory serves the next record this thread parses.
    if let Some(seg) = ann.segmentation.take() {
        recycle_segmentation(seg);
    }
    (Some(info.end), res)
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

/// How many records one parallel job converts into one buffer (when the records are cut before: see
/// [`convert_exact`]).
const JOB: usize = 64;

/// What converting one record gave.
enum Outcome {
    /// Rewritten: the record's new bytes end at this offset of its job's buffer.
    Converted(usize),
    /// Empty or absent segmentation: the record is written as it was.
    Unchanged,
    Failed(Error),
}

/// One job's records, `(start, end, outcome)` in file order, and the new bytes of those converted, one
/// after the other (each preceded by its separator, so that a run of them is written in one piece:
/// `TopWriter::records_joined`).
struct JobDone {
    bytes: Vec<u8>,
    records: Vec<(usize, usize, Outcome)>,
}

impl JobDone {
    fn with_capacity(bytes: usize, records: usize) -> JobDone {
        JobDone {
            bytes: Vec::with_capacity(bytes),
            records: Vec::with_capacity(records),
        }
    }

    /// Converts the record at `start` into `bytes`; its end, when it was parsed, and what happened.
    #[inline]
    fn convert(
        &mut self,
        buf: &[u8],
        start: usize,
        sizes: &ImageSizes,
        target: Target,
    ) -> (Option<usize>, Outcome) {
        let bytes = &mut self.bytes;
        let at = bytes.len();
        bytes.extend_from_slice(RECORD_SEP);
        match convert_record(buf, start, sizes, target, bytes) {
            (end, Ok(true)) => (end, Outcome::Converted(bytes.len())),
            (end, Ok(false)) => {
                bytes.truncate(at);
                (end, Outcome::Unchanged)
            }
            (end, Err(err)) => {
                bytes.truncate(at);
                (end, Outcome::Failed(err))
            }
        }
    }
}

/// Converts `records` (one job's worth, already cut).
fn convert_job(
    buf: &[u8],
    records: &[(usize, usize)],
    sizes: &ImageSizes,
    target: Target,
) -> JobDone {
    let bytes = records.iter().map(|&(s, e)| e - s).sum::<usize>() + 1024;
    let mut job = JobDone::with_capacity(bytes, records.len());
    for (i, &(s, e)) in records.iter().enumerate() {
        // The next record's bytes are fetched while this one is rasterized (mostly arithmetic):
        // otherwise its parse waits for them line after line.
        if let Some(&(ns, ne)) = records.get(i + 1) {
            prefetch(&buf[ns..ne]);
        }
        let (_, outcome) = job.convert(buf, s, sizes, target);
        job.records.push((s, e, outcome));
    }
    job
}

/// How many bytes of annotation records a job of [`convert_array`] starts with (about 60 annotations of
/// the synthetic files); its walk stops at the first record beyond its guessed end, or 4 times as far.
const SPAN: usize = 32 * 1024;

/// Jobs per batch of [`convert_array`] (the batch converted while the one before is written).
const SPAN_JOBS: usize = 64;

/// A job of [`convert_array`]: the records from `start` (a guessed record start) to the first at or after
/// `limit` (the next job's guessed start; `usize::MAX` for none), or beyond `4 · size` bytes.
#[derive(Clone, Copy)]
struct Span {
    start: usize,
    limit: usize,
    size: usize,
}

/// A [`Span`] converted: its records and where its walk stopped.
struct SpanDone {
    span: Span,
    job: JobDone,
    stop: RecordsStop,
}

/// Walks and converts the records of `span` (see [`walk_records`]).
fn convert_span(buf: &[u8], span: Span, sizes: &ImageSizes, target: Target) -> SpanDone {
    let mut job = JobDone::with_capacity(span.size + span.size / 4, 2 * JOB);
    let mut records = std::mem::take(&mut job.records);
    let max_bytes = 4 * span.size;
    let stop = walk_records(buf, span.start, span.limit, max_bytes, &mut records, |s| {
        job.convert(buf, s, sizes, target)
    });
    job.records = records;
    SpanDone { span, job, stop }
}

/// Where the records of an array handed over by the walk stand while [`convert_array`] writes them.
struct ArrayState {
    /// The next record to write (a verified start) and where the exact walk takes up before it; `None`
    /// once the array is done.
    next: Option<(usize, Resume)>,
    /// The position after the array's `]`, once known.
    end: Option<usize>,
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
    convert_tuned(input, sizes, opts, w, progress, SPAN).map(|(rep, _)| rep)
}

/// [`convert`] with the annotation array cut into jobs of about `span` bytes (0: its records cut first) —
/// for the fuzz target, which checks that every way gives the same bytes, report and error.
#[doc(hidden)]
pub fn convert_with_span(
    input: &Input,
    sizes: Option<ImageSizes>,
    opts: &ConvertOptions,
    w: &mut dyn Write,
    span: usize,
) -> Result<ConvertReport> {
    convert_tuned(input, sizes, opts, w, &|_| {}, span).map(|(rep, _)| rep)
}

/// [`convert`] with jobs of `span` bytes; 0 cuts the annotation records before converting them, as the
/// other sections' (the tests compare both ways). Also gives how many guessed job starts were wrong.
fn convert_tuned(
    input: &Input,
    sizes: Option<ImageSizes>,
    opts: &ConvertOptions,
    w: &mut dyn Write,
    progress: &dyn Fn(u64),
    span: usize,
) -> Result<(ConvertReport, usize)> {
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
    let mut out = Out {
        t: TopWriter::new(w),
        rep: &mut rep,
        opts,
        input,
        progress,
        wrong_guesses: 0,
    };
    // Has the top level been opened in the output yet (`{` for a dataset, `[` for a results array)?
    let mut opened = false;

    // The annotations are handed over by the walk: `convert_array` cuts their records on the workers.
    let layout = scan_top_batched_handing_over(buf, BATCH_HEAVY, Section::Annotations, |piece| {
        let chunk = match piece {
            Piece::Array(array) => {
                if !opened {
                    // A results file, whose top level is the array itself.
                    out.t.begin_array()?;
                    opened = true;
                }
                let end = convert_array(buf, array.open, &sizes, &mut out, span)?;
                array.done(end);
                return Ok(());
            }
            Piece::Chunk(chunk) => chunk,
        };
        let t = &mut out.t;
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
    })?;
    let t = &mut out.t;
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
            w_newline(t)?;
        }
    }
    let wrong = out.wrong_guesses;
    Ok((rep, wrong))
}

/// Where converted records go, and what the conversion reports.
struct Out<'w, 'r> {
    t: TopWriter<'w>,
    rep: &'r mut ConvertReport,
    opts: &'r ConvertOptions,
    input: &'r Input,
    progress: &'r dyn Fn(u64),
    /// Jobs whose guessed start turned out not to be a record's (counted for the tests).
    wrong_guesses: usize,
}

/// Converts and writes the records of the annotation array whose `[` is at `open`; returns the position
/// after its `]`.
///
/// The records are cut by the workers, not before: the array is split into jobs of about `span` bytes at
/// guessed record starts (the first record's opening, e.g. `{"segmentation"`, after a `,`:
/// [`ElementGuess`]), and each job walks its records from its start by parsing them ([`walk_records`]).
/// A guess is taken only if the walk of the job before it stopped exactly there, which makes it a record
/// start; a wrong one (the opening in a nested object) has its job done again from where that walk
/// stopped. Anything the fast walk does not handle (a record that is not an object or not JSON, a bad
/// separator) goes to [`convert_exact`] from the last record written, which reports it as the walk of the
/// other sections does. Batches of [`SPAN_JOBS`] jobs convert while the batch before is written.
fn convert_array(
    buf: &[u8],
    open: usize,
    sizes: &ImageSizes,
    out: &mut Out,
    span: usize,
) -> Result<usize> {
    let entry = Resume::at_open(open + 1);
    let first = skip_ws(buf, open + 1);
    let guess = if span == 0 {
        None
    } else {
        ElementGuess::new(buf, first)
    };
    let Some(guess) = guess else {
        // Empty, not objects, no plain first key: the records are cut first.
        return convert_exact(buf, entry, sizes, out);
    };
    let target = out.opts.target;
    let mut state = ArrayState {
        next: Some((first, entry)),
        end: None,
    };
    // Where the next batch's first job starts: the last guess so far, or `None` when the guesses ran
    // out, until the batches written tell where the walk is.
    let mut plan_from = Some(first);
    // The next batch's jobs: up to SPAN_JOBS guessed starts from `plan_from` on.
    let plan = |plan_from: &mut Option<usize>| {
        let mut spans = Vec::with_capacity(SPAN_JOBS);
        while let Some(start) = plan_from.filter(|_| spans.len() < SPAN_JOBS) {
            let limit = guess.next(buf, start, span);
            spans.push(Span {
                start,
                limit: limit.unwrap_or(usize::MAX),
                size: span,
            });
            *plan_from = limit;
        }
        spans
    };
    let mut spans = plan(&mut plan_from);
    let mut pending: Vec<SpanDone> = Vec::new();
    loop {
        if spans.is_empty() && pending.is_empty() {
            match state.next {
                // The guesses ran out before the array did: go on from where the walk is.
                Some((next, _)) => {
                    plan_from = Some(next);
                    spans = plan(&mut plan_from);
                    continue;
                }
                None => break,
            }
        }
        // Convert this batch on the pool while this thread writes the previous one and plans the next
        // (whose guesses touch the input's next pages first: done serially, the pool would wait for it).
        let previous = std::mem::take(&mut pending);
        let mut done = Vec::new();
        let mut next_spans = Vec::new();
        let written = rayon::in_place_scope(|scope| {
            let slot = &mut done;
            let spans = &spans;
            scope.spawn(move |_| {
                // One job per task (see `convert_exact`'s batches).
                *slot = spans
                    .par_iter()
                    .with_max_len(1)
                    .map(|&span| convert_span(buf, span, sizes, target))
                    .collect();
            });
            let written = write_spans(previous, buf, sizes, &mut state, out);
            if written.is_ok() {
                next_spans = plan(&mut plan_from);
            }
            written
        });
        written?;
        pending = done;
        spans = next_spans;
    }
    state
        .end
        .ok_or_else(|| Error::msg("internal error: the annotations' end was not found"))
}

/// Writes a converted batch of [`convert_array`], checking each job's start against where the walk is.
fn write_spans(
    batch: Vec<SpanDone>,
    buf: &[u8],
    sizes: &ImageSizes,
    state: &mut ArrayState,
    out: &mut Out,
) -> Result<()> {
    for done in batch {
        let Some((next, entry)) = state.next else {
            // Past the array's end: a guess found beyond it.
            out.wrong_guesses += 1;
            continue;
        };
        let done = if done.span.start == next {
            done
        } else {
            // A wrong guess: the walk is elsewhere. This job's records are those from there on, up to its
            // own guessed end (none if the walk is already beyond it).
            out.wrong_guesses += 1;
            if next >= done.span.limit {
                continue;
            }
            let span = Span {
                start: next,
                ..done.span
            };
            convert_span(buf, span, sizes, out.opts.target)
        };
        write_job(done.job, buf, out)?;
        match done.stop {
            RecordsStop::Next { next, after } => state.next = Some((next, Resume::after(after))),
            RecordsStop::End(end) => {
                state.next = None;
                state.end = Some(end);
            }
            RecordsStop::Broken(from) => {
                let end = convert_exact(buf, from.unwrap_or(entry), sizes, out)?;
                state.next = None;
                state.end = Some(end);
            }
        }
    }
    Ok(())
}

/// Converts and writes an annotation array's records from `from` on, cut first by the walk of
/// [`walk_elements`] (which reports broken structure exactly), in batches converted in parallel. Returns
/// the position after the array's `]`.
fn convert_exact(buf: &[u8], from: Resume, sizes: &ImageSizes, out: &mut Out) -> Result<usize> {
    let target = out.opts.target;
    let mut records = Vec::new();
    let convert_batch = |records: &mut Vec<(usize, usize)>, out: &mut Out| -> Result<()> {
        // One job per task (`with_max_len(1)`): rayon otherwise cuts the batch into a few large pieces
        // up front, and one thread idles while the other finishes a piece.
        let jobs: Vec<JobDone> = records
            .par_chunks(JOB)
            .with_max_len(1)
            .map(|job| convert_job(buf, job, sizes, target))
            .collect();
        records.clear();
        for job in jobs {
            write_job(job, buf, out)?;
        }
        Ok(())
    };
    let walked = walk_elements(buf, from, Section::Annotations, |s, e| {
        records.push((s, e));
        if records.len() >= BATCH_HEAVY {
            convert_batch(&mut records, out)?;
        }
        Ok(())
    });
    // The records before a broken one first: an error among them comes first in the file.
    convert_batch(&mut records, out)?;
    walked
}

/// Writes a converted job in file order (the first error stops, unless `skip_invalid`).
fn write_job(job: JobDone, buf: &[u8], out: &mut Out) -> Result<()> {
    let JobDone { bytes, records } = job;
    let (t, rep) = (&mut out.t, &mut *out.rep);
    // Converted records follow each other in `bytes` (separators included): `from..to` is the run not
    // written yet, written in one piece when something else comes or the job ends.
    let (mut from, mut to) = (0, 0);
    let last = records.last().map(|r| r.1);
    for (s, e, outcome) in records {
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
            Outcome::Failed(err) if out.opts.skip_invalid => {
                rep.skipped += 1;
                if rep.skipped_examples.len() < 5 {
                    rep.skipped_examples.push(err.to_string());
                }
            }
            Outcome::Failed(err) => return Err(err),
        }
    }
    t.records_joined(&bytes[from..to])?;
    if let Some(e) = last {
        out.input.release(e);
        (out.progress)(e as u64);
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

    /// Converts `src` with the annotation records cut first (span 0) and cut by the workers from guessed
    /// job starts of several sizes: the same output, report and error every time. Returns the first, and
    /// the most wrong guesses met with one size.
    fn same_every_way(
        src: &str,
        skip: bool,
    ) -> (std::result::Result<(String, ConvertReport), String>, usize) {
        // Span 1 guesses nothing (no record within 4 bytes): every job takes one record. The records here
        // are about 80 bytes long: spans up to 160 put guessed starts everywhere.
        same_with_spans(src, skip, (1..=160).step_by(3).chain([300, SPAN]))
    }

    fn same_with_spans(
        src: &str,
        skip: bool,
        spans: impl Iterator<Item = usize>,
    ) -> (std::result::Result<(String, ConvertReport), String>, usize) {
        let input = Input::from_bytes("t", src.as_bytes().to_vec());
        let opts = ConvertOptions {
            target: Target::Rle,
            skip_invalid: skip,
        };
        let conv = |span| {
            let mut out = Vec::new();
            let r = convert_tuned(&input, None, &opts, &mut out, &|_| {}, span);
            match r {
                Ok((rep, wrong)) => (Ok((String::from_utf8(out).expect("utf8"), rep)), wrong),
                Err(e) => (Err(e.to_string()), 0),
            }
        };
        let (exact, _) = conv(0);
        let mut most_wrong = 0;
        for span in spans {
            let (r, wrong) = conv(span);
            assert_eq!(r, exact, "span {span}: {src}");
            most_wrong = most_wrong.max(wrong);
        }
        (exact, most_wrong)
    }

    fn ann(id: u32, extra: &str) -> String {
        format!(
            r#"{{"segmentation": [[1, 1, 4, 1, 4, 4, 1, 4]], "id": {id}, "image_id": 5{extra}}}"#
        )
    }

    fn dataset(anns: &[String], sep: &str, after: &str) -> String {
        format!(
            r#"{{"images": [{{"id": 5, "width": 6, "height": 6}}], "annotations": [{}]{after}, "categories": [{{"id": 1}}]}}"#,
            anns.join(sep)
        )
    }

    #[test]
    fn records_cut_by_the_workers_as_by_the_walk() {
        let plain: Vec<String> = (1..=9).map(|i| ann(i, "")).collect();
        let (r, wrong) = same_every_way(&dataset(&plain, ", ", ""), false);
        let (out, rep) = r.unwrap();
        assert_eq!((rep.converted, wrong), (9, 0));
        assert_eq!(out.matches(r#""counts": "#).count(), 9);
        // Openings of nested objects look like record starts: the guesses are wrong and are found out.
        let mut nested = plain.clone();
        nested[2] = ann(
            3,
            r#", "extra": [1, {"segmentation": [[0, 0, 1, 0, 1, 1]], "id": 77}]"#,
        );
        nested[5] = ann(
            6,
            r#", "x": {"a": 1, "b": [0, {"segmentation": 5}, {"segmentation": 6}]}"#,
        );
        let (r, wrong) = same_every_way(&dataset(&nested, ", ", ""), false);
        assert_eq!(r.unwrap().1.converted, 9);
        assert!(wrong >= 2, "{wrong}");
        // ... and beyond the array's end.
        let more = r#", "more": [{"segmentation": 1}, {"segmentation": 2}]"#;
        let (r, wrong) = same_every_way(&dataset(&plain, ", ", more), false);
        assert!(r.unwrap().0.contains(r#""more": [{"segmentation": 1}"#));
        assert!(wrong >= 1, "{wrong}");
        // Other separators, pretty-printed records, an empty array, a results file.
        same_every_way(&dataset(&plain, ",\n  ", ""), false)
            .0
            .unwrap();
        same_every_way(&dataset(&plain, " ,", ""), false).0.unwrap();
        let pretty: Vec<String> = plain
            .iter()
            .map(|a| a.replacen("{", "{\n    ", 1))
            .collect();
        same_every_way(&dataset(&pretty, ",\n", ""), false)
            .0
            .unwrap();
        same_every_way(&dataset(&[], "", ""), false).0.unwrap();
        let results = format!("[{}]", plain.join(", "));
        let out = same_every_way(
            &results.replace(r#""image_id": 5"#, r#""image_id": 5, "score": 1"#),
            false,
        );
        // No --gt here: the polygons' image is unknown.
        assert!(out.0.unwrap_err().contains("image id 5 is unknown"));
    }

    #[test]
    fn broken_records_are_reported_as_by_the_walk() {
        let plain: Vec<String> = (1..=9).map(|i| ann(i, "")).collect();
        for at in [0, 4, 8] {
            let mut anns = plain.clone();
            // (record, skipped by --skip-invalid rather than stopping)
            let cases = [
                // Not JSON inside a record: the walk cuts it, the parse refuses it.
                (ann(at as u32 + 1, r#", "x": tru"#), true),
                // An odd polygon: refused by the conversion.
                (ann(at as u32 + 1, "").replace("1, 4]]", "1]]"), true),
                // Broken structure, not an object: the walk itself stops.
                (ann(at as u32 + 1, r#", "x": [1, 2"#), false),
                ("5".to_string(), false),
                (r#""text""#.to_string(), false),
            ];
            for (case, skippable) in cases {
                anns[at] = case.clone();
                for skip in [false, true] {
                    let (r, _) = same_every_way(&dataset(&anns, ", ", ""), skip);
                    match r {
                        Ok((_, rep)) => assert!(skip && skippable && rep.skipped == 1, "{case}"),
                        Err(e) => assert!(!(skip && skippable), "{case}: {e}"),
                    }
                }
            }
        }
        // Separators and ends the walk refuses.
        let joined = plain.join(", ");
        for src in [
            format!(r#"{{"annotations": [{joined}, ]}}"#),
            format!(r#"{{"annotations": [{joined},, {}]}}"#, plain[0]),
            format!(r#"{{"annotations": [{} {}]}}"#, plain[0], plain[1]),
            format!(r#"{{"annotations": [{}; {}]}}"#, plain[0], plain[1]),
            format!(r#"{{"annotations": [{joined}"#),
            format!(r#"{{"annotations": [{joined}}}"#),
            format!(r#"[{joined}"#),
        ] {
            let (r, _) = same_every_way(&src, true);
            assert!(r.is_err(), "{src}: {r:?}");
        }
    }

    /// Random datasets, half of them with one byte changed: the workers' cut gives what the walk's gives.
    #[test]
    fn random_files_cut_alike() {
        let mut rng = crate::testing::xorshift(0x5eed_c0c0);
        let extras = [
            "",
            r#", "area": 3.5"#,
            r#", "e": [0, {"segmentation": [[1, 1, 2, 1, 2, 2]]}]"#,
            r#", "s": "}, {\"segmentation\": 1""#,
            r#", "s": "}, {""#,
            r#", "segmentation": []"#,
            r#", "segmentation": {"size": [6, 6], "counts": [36]}"#,
        ];
        let seps = [", ", ",", ",\n", " , "];
        let (mut converted, mut failed) = (0, 0);
        for round in 0..300 {
            let n = (rng() % 12) as usize;
            let anns: Vec<String> = (0..n)
                .map(|i| ann(i as u32 + 1, extras[(rng() % extras.len() as u64) as usize]))
                .collect();
            let mut src = dataset(&anns, seps[(rng() % 4) as usize], "").into_bytes();
            if round % 2 == 1 {
                let at = (rng() % src.len() as u64) as usize;
                src[at] = b"{}[],:\" 0a"[(rng() % 10) as usize];
            }
            let src = String::from_utf8(src).expect("ascii");
            let skip = rng().is_multiple_of(2);
            match same_with_spans(&src, skip, [1, 30, 55, 90, SPAN].into_iter()).0 {
                Ok(_) => converted += 1,
                Err(_) => failed += 1,
            }
        }
        // Both kinds of file were met.
        assert!(converted > 100 && failed > 50, "{converted} {failed}");
    }
}

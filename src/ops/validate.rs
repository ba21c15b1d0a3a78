//! Checking a COCO file (`cocokit validate`): every problem found, grouped by kind, with the first examples
//! (every occurrence with [`ValidateOptions::every_example`], as `--json` asks).
//!
//! It stands on the same reader as every other command, but instead of stopping at the first bad record it
//! parses each record on its own, so one run reports everything: malformed records, duplicate ids, dangling
//! references, polygons and RLEs pycocotools cannot use, sizes that disagree, and softer problems (warnings).
//! Only malformed JSON structure stops it (after that nothing can be trusted), reported as an error too.
//!
//! Errors are what pycocotools' `COCO()` / `loadRes` or `annToRLE` would fail on, or what makes a file mean
//! something else than it says: records without the keys pycocotools indexes by (annotation `id`, `image_id`,
//! `category_id` when the file has `categories`; image `id`; category `id`) or the ones every consumer needs
//! (image `width`/`height`, category `name`), wrong types, duplicate or dangling ids. What the official COCO
//! files themselves contain (crowd areas that are not mask areas, polygons leaving the image, unused
//! categories) is a warning, an error only under `--strict`. Panoptic annotations (`segments_info`) have no
//! `id` or `category_id` of their own and are not asked for them.//!
//! Two pipelined passes over the memory-mapped file: images and categories first (they may come after the
//! annotations), then the annotations in parallel batches. Mask areas use the same pycocotools-exact code as `convert`. This
//! module decides what is wrong; it does not print (see `cmd::validate`).

use crate::coco::ids::{BitSet, IdIndex, IdSet};
use crate::coco::reader::{parse_annotation, parse_category, parse_image};
use crate::coco::walk::{scan_top_batched, Chunk, Event, Layout, Section, BATCH_HEAVY, PIECE};
use crate::coco::Segmentation;
use crate::error::Result;
use crate::io::Input;
use crate::mask::rle::Rle;
use crate::mask::segmentation::segmentation_to_rle;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One occurrence of a problem.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Example {
    /// e.g. `annotation id 42`.
    pub record: String,
    /// The file the record is in, when the input was many files (`offset`, `line` and `column` are then
    /// positions in that file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Byte offset of the record (or of the problem, for malformed JSON).
    pub offset: u64,
    /// 1-based line and column (characters) of `offset`.
    pub line: u64,
    pub column: u64,
    pub detail: String,
}

/// All occurrences of one kind of problem.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub kind: &'static str,
    pub severity: Severity,
    pub count: u64,
    /// The first few occurrences (all of them with [`ValidateOptions::every_example`]), in file order.
    pub examples: Vec<Example>,
}

/// The result of validating a file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub layout: String,
    pub images: u64,
    pub annotations: u64,
    pub categories: u64,
    pub errors: u64,
    pub warnings: u64,
    /// Errors first, then warnings; by kind.
    pub findings: Vec<Finding>,
}

/// How many examples each kind keeps.
pub const EXAMPLES: usize = 5;

/// How to validate.
#[derive(Clone, Copy, Default)]
pub struct ValidateOptions<'g> {
    /// Keep every occurrence of every finding, not the first [`EXAMPLES`] of each kind.
    pub every_example: bool,
    /// For a results file: its ground truth, whose images and categories the detections must refer to (and
    /// whose image sizes their RLEs must have).
    pub gt: Option<&'g Input>,
}

struct Collector {
    map: BTreeMap<(Severity, &'static str), Finding>,
    keep: usize,
}

impl Collector {
    fn add(
        &mut self,
        sev: Severity,
        kind: &'static str,
        record: String,
        offset: u64,
        detail: String,
    ) {
        let f = self.map.entry((sev, kind)).or_insert_with(|| Finding {
            kind,
            severity: sev,
            count: 0,
            examples: Vec::new(),
        });
        f.count += 1;
        if f.examples.len() < self.keep {
            f.examples.push(Example {
                record,
                file: None,
                offset,
                line: 0,
                column: 0,
                detail,
            });
        }
    }
}

type Local = Vec<(Severity, &'static str, String, u64, String)>;

/// (annotation id, image id, category id) of an annotation that parsed.
type AnnIds = (Option<i64>, i64, Option<i64>);

struct ImageInfo {
    h: u32,
    w: u32,
}

/// The images of the file, by dense index of their id (first record with each id).
#[derive(Default)]
struct Images {
    ix: IdIndex,
    info: Vec<ImageInfo>,
    /// id and byte offset, for the "image without annotations" examples.
    id_off: Vec<(i64, u64)>,
}

impl Images {
    fn get(&self, id: i64) -> Option<&ImageInfo> {
        self.ix.get(id).map(|k| &self.info[k as usize])
    }
}

/// Validate `input`, keeping the first [`EXAMPLES`] occurrences of each kind of finding.
pub fn validate(input: &Input) -> Result<Report> {
    validate_with(input, ValidateOptions::default())
}

/// Validate `input`.
///
/// Memory: per image its size, id and offset plus a 4-byte index slot; per category a little more; per
/// annotation one bit of a dense id set (when ids are dense). Records are never kept (findings are, one
/// each with `every_example`).
pub fn validate_with(input: &Input, opts: ValidateOptions<'_>) -> Result<Report> {
    let buf = input.bytes();
    let mut col = Collector {
        map: BTreeMap::new(),
        keep: if opts.every_example {
            usize::MAX
        } else {
            EXAMPLES
        },
    };
    let mut rep = Report::default();
    let mut images = Images::default();
    let mut cats: HashMap<i64, u64> = HashMap::new();
    let mut cat_order: Vec<(i64, u64)> = Vec::new();
    let mut has_annotations = false;
    let mut has_categories = false;
    // pycocotools indexes annotations by category only when the file has a "categories" key.
    let mut categories_key = false;

    if let Some(gt) = opts.gt {
        load_gt(gt, &mut images, &mut cats)?;
        has_categories = !cats.is_empty();
        categories_key = true;
    }
    let have_gt = opts.gt.is_some();

    // Pass 1: images and categories (annotations are only counted: these may come after them).
    let walked = scan_top_batched(buf, BATCH_HEAVY, |chunk| {
        match chunk {
            Chunk::Event(Event::SectionStart {
                section: Section::Annotations,
            }) => has_annotations = true,
            Chunk::Event(Event::SectionStart {
                section: Section::Categories,
            }) => categories_key = true,
            Chunk::Records {
                section: Section::Images,
                records,
            } => {
                let parsed: Vec<_> = records
                    .par_iter()
                    .with_max_len(PIECE)
                    .map(|&(s, _)| parse_image(buf, s))
                    .collect();
                for (&(start, _), r) in records.iter().zip(parsed) {
                    rep.images += 1;
                    match r {
                        Err(e) => col.add(
                            Severity::Error,
                            parse_error_kind(&e),
                            describe_err(&e, "image", start),
                            e.offset.unwrap_or(start as u64),
                            e.msg.clone(),
                        ),
                        Ok(img) => {
                            let rec = format!("image id {}", img.id);
                            if images.ix.get(img.id).is_none() {
                                images.ix.index(img.id);
                                images.info.push(ImageInfo {
                                    h: img.height,
                                    w: img.width,
                                });
                                images.id_off.push((img.id, start as u64));
                            } else {
                                col.add(
                                    Severity::Error,
                                    "duplicate-image-id",
                                    rec.clone(),
                                    start as u64,
                                    format!("image id {} appears more than once", img.id),
                                );
                            }
                            if img.width == 0 || img.height == 0 {
                                let keys = record_keys(buf, start);
                                for (key, v) in [("width", img.width), ("height", img.height)] {
                                    if !keys.iter().any(|k| k == key) {
                                        col.add(
                                            Severity::Error,
                                            "missing-key",
                                            rec.clone(),
                                            start as u64,
                                            format!("image has no \"{key}\""),
                                        );
                                    } else if v == 0 {
                                        col.add(
                                            Severity::Error,
                                            "image-without-size",
                                            rec.clone(),
                                            start as u64,
                                            format!("{key} is 0"),
                                        );
                                    }
                                }
                            }
                        }
                    }
                }
                if let Some(&(_, last)) = records.last() {
                    input.release(last);
                }
            }
            Chunk::Records {
                section: Section::Categories,
                records,
            } => {
                for (start, _) in records {
                    // Files without any category (captions) have nothing to check category ids against.
                    has_categories = true;
                    rep.categories += 1;
                    match parse_category(buf, start) {
                        Err(e) => col.add(
                            Severity::Error,
                            parse_error_kind(&e),
                            describe_err(&e, "category", start),
                            e.offset.unwrap_or(start as u64),
                            e.msg.clone(),
                        ),
                        Ok(c) => {
                            let rec = format!("category id {}", c.id);
                            if let std::collections::hash_map::Entry::Vacant(slot) =
                                cats.entry(c.id)
                            {
                                slot.insert(start as u64);
                                cat_order.push((c.id, start as u64));
                            } else {
                                col.add(
                                    Severity::Error,
                                    "duplicate-category-id",
                                    rec.clone(),
                                    start as u64,
                                    format!("category id {} appears more than once", c.id),
                                );
                            }
                            if c.name.trim().is_empty() {
                                if record_keys(buf, start).iter().any(|k| k == "name") {
                                    col.add(
                                        Severity::Warning,
                                        "category-without-name",
                                        rec,
                                        start as u64,
                                        "\"name\" is empty".into(),
                                    );
                                } else {
                                    col.add(
                                        Severity::Error,
                                        "missing-key",
                                        rec,
                                        start as u64,
                                        "category has no \"name\"".into(),
                                    );
                                }
                            }
                        }
                    }
                }
            }
            Chunk::Records {
                section: Section::Annotations,
                records,
            } => {
                rep.annotations += records.len() as u64;
                if let Some(&(_, last)) = records.last() {
                    input.release(last);
                }
            }
            Chunk::Event(_) => {}
        }
        Ok(())
    });
    let layout = match walked {
        Ok(l) => l,
        Err(e) => {
            // The JSON structure is broken (or is not COCO at all): nothing after this point can be read.
            let kind = if e.msg.starts_with("neither a COCO dataset") {
                "not-coco"
            } else {
                "malformed-json"
            };
            col.add(
                Severity::Error,
                kind,
                e.record.clone().unwrap_or_else(|| "file".into()),
                e.offset.unwrap_or(0),
                e.msg.clone(),
            );
            return Ok(finish(buf, rep, col));
        }
    };
    rep.layout = if layout == Layout::Dataset {
        "dataset"
    } else {
        "results"
    }
    .into();
    let is_dataset = layout == Layout::Dataset;

    // Pass 2: annotations, in parallel batches; findings merged in file order.
    let mut ann_ids = IdSet::default();
    let mut used_images = BitSet::default();
    let mut used_cats: HashSet<i64> = HashSet::new();
    if rep.annotations > 0 {
        scan_top_batched(buf, BATCH_HEAVY, |chunk| {
            let Chunk::Records { section, records } = chunk else {
                return Ok(());
            };
            if section != Section::Annotations {
                // Read in pass 1; only let the pages go.
                if let Some(&(_, last)) = records.last() {
                    input.release(last);
                }
                return Ok(());
            }
            let results: Vec<(Local, Option<AnnIds>)> = records
                .par_iter()
                .with_max_len(PIECE)
                .map(|&(s, _)| {
                    check_annotation(
                        buf,
                        s,
                        &images,
                        &cats,
                        is_dataset,
                        has_categories,
                        categories_key,
                        have_gt,
                    )
                })
                .collect();
            for (&(start, _), (local, ids)) in records.iter().zip(results) {
                for (sev, kind, rec, off, detail) in local {
                    col.add(sev, kind, rec, off, detail);
                }
                if let Some((id, image_id, cat)) = ids {
                    if let Some(id) = id {
                        if !ann_ids.insert(id) {
                            col.add(
                                Severity::Error,
                                "duplicate-annotation-id",
                                format!("annotation id {id}"),
                                start as u64,
                                format!("annotation id {id} appears more than once"),
                            );
                        }
                    }
                    if let Some(k) = images.ix.get(image_id) {
                        used_images.insert(k);
                    }
                    if let Some(c) = cat {
                        used_cats.insert(c);
                    }
                }
            }
            if let Some(&(_, last)) = records.last() {
                input.release(last);
            }
            Ok(())
        })?;
    }
    if has_annotations {
        for (k, (id, off)) in images.id_off.iter().enumerate() {
            if !used_images.contains(k as u32) {
                col.add(
                    Severity::Warning,
                    "image-without-annotations",
                    format!("image id {id}"),
                    *off,
                    "no annotation refers to this image".into(),
                );
            }
        }
        for (id, off) in &cat_order {
            if !used_cats.contains(id) {
                col.add(
                    Severity::Warning,
                    "unused-category",
                    format!("category id {id}"),
                    *off,
                    "no annotation has this category".into(),
                );
            }
        }
    }
    Ok(finish(buf, rep, col))
}

/// A record the reader refused: a key pycocotools indexes by is missing, or something else is wrong with it.
fn parse_error_kind(e: &crate::Error) -> &'static str {
    let m = e.msg.as_str();
    if [
        "annotation has no",
        "image record has no",
        "category record has no",
    ]
    .iter()
    .any(|p| m.starts_with(p))
    {
        "missing-key"
    } else {
        "invalid-record"
    }
}

/// The images and categories of a results file's ground truth (a GT that does not parse is an error).
fn load_gt(gt: &Input, images: &mut Images, cats: &mut HashMap<i64, u64>) -> Result<()> {
    let buf = gt.bytes();
    let walked = scan_top_batched(buf, BATCH_HEAVY, |chunk| {
        match chunk {
            Chunk::Records {
                section: Section::Images,
                records,
            } => {
                for (start, _) in records {
                    let img = parse_image(buf, start)?;
                    if images.ix.get(img.id).is_none() {
                        images.ix.index(img.id);
                        images.info.push(ImageInfo {
                            h: img.height,
                            w: img.width,
                        });
                        images.id_off.push((img.id, start as u64));
                    }
                }
            }
            Chunk::Records {
                section: Section::Categories,
                records,
            } => {
                for (start, _) in records {
                    cats.entry(parse_category(buf, start)?.id)
                        .or_insert(start as u64);
                }
            }
            _ => {}
        }
        Ok(())
    });
    match walked {
        Ok(Layout::Dataset) => Ok(()),
        Ok(Layout::Results) => Err(crate::Error::msg(
            "--gt must be a COCO dataset (an object with images and categories), not a results array",
        )
        .in_file(gt.name())),
        Err(e) => Err(e.in_file(gt.name())),
    }
}

fn describe_err(e: &crate::Error, what: &str, start: usize) -> String {
    e.record
        .clone()
        .unwrap_or_else(|| format!("{what} at byte {start}"))
}

/// The top-level keys of the record at `start` (a few records only: when a value is missing or 0, to tell
/// which).
fn record_keys(buf: &[u8], start: usize) -> Vec<String> {
    let mut c = crate::json::scan::Cursor::new(buf, start);
    let mut keys = Vec::new();
    if c.begin_object().is_err() {
        return keys;
    }
    let mut first = true;
    while let Ok(Some((key, _))) = c.next_key(&mut first) {
        keys.push(key.into_owned());
        if c.skip().is_err() {
            break;
        }
    }
    keys
}

fn finish(buf: &[u8], mut rep: Report, col: Collector) -> Report {
    for ((sev, _), f) in col.map {
        match sev {
            Severity::Error => rep.errors += f.count,
            Severity::Warning => rep.warnings += f.count,
        }
        rep.findings.push(f);
    }
    locate_examples(buf, &mut rep.findings);
    rep
}

/// The examples of a report on a document assembled from many files (`coco::source`) told in the files
/// they came from: `origin` gives the file and offset of a document offset; line and column are those in
/// that file. An example at text the assembly added keeps its document position.
pub fn place_examples(rep: &mut Report, origin: &dyn Fn(u64) -> Option<(String, u64)>) {
    let mut open: Option<crate::io::Input> = None;
    for f in &mut rep.findings {
        for e in &mut f.examples {
            let Some((file, off)) = origin(e.offset) else {
                continue;
            };
            if open.as_ref().is_none_or(|i| i.name() != file) {
                open = crate::io::Input::open(&file).ok();
            }
            if let Some((line, column)) = open
                .as_ref()
                .and_then(|i| crate::error::line_column(i.bytes(), off as usize))
            {
                e.line = line;
                e.column = column;
            }
            e.offset = off;
            e.file = Some(file);
        }
    }
}

/// Line and column of every example, in one pass over the bytes up to the last one (examples sorted by
/// offset; the column counted on from the previous example when no line ends between them).
fn locate_examples(buf: &[u8], findings: &mut [Finding]) {
    let mut all: Vec<(u64, usize, usize)> = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        for (j, e) in f.examples.iter().enumerate() {
            all.push((e.offset, i, j));
        }
    }
    all.sort_unstable();
    let chars = |b: &[u8]| b.iter().filter(|&&c| c & 0xC0 != 0x80).count() as u64;
    let (mut at, mut line, mut column) = (0usize, 1u64, 1u64);
    for (off, i, j) in all {
        let off = (off as usize).min(buf.len());
        if off > at {
            let gap = &buf[at..off];
            match memchr::memrchr(b'\n', gap) {
                Some(k) => {
                    line += memchr::memchr_iter(b'\n', gap).count() as u64;
                    column = 1 + chars(&gap[k + 1..]);
                }
                None => column += chars(gap),
            }
            at = off;
        }
        let e = &mut findings[i].examples[j];
        e.line = line;
        e.column = column;
    }
}

/// Check one annotation; returns its findings and (id, image_id, category_id) when it parsed.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn check_annotation(
    buf: &[u8],
    start: usize,
    images: &Images,
    cats: &HashMap<i64, u64>,
    is_dataset: bool,
    has_categories: bool,
    categories_key: bool,
    have_gt: bool,
) -> (Local, Option<AnnIds>) {
    let mut out: Local = Vec::new();
    let off = start as u64;
    let a = match parse_annotation(buf, start) {
        Ok(a) => a,
        Err(e) => {
            out.push((
                Severity::Error,
                parse_error_kind(&e),
                describe_err(&e, "annotation", start),
                e.offset.unwrap_or(off),
                e.msg,
            ));
            return (out, None);
        }
    };
    let rec = a.describe();
    let mut err = |kind: &'static str, detail: String| {
        out.push((Severity::Error, kind, rec.clone(), off, detail))
    };
    // Panoptic annotations: one per image, their segments carry the ids and categories.
    let panoptic = a.extra.iter().any(|(k, _)| k == "segments_info");
    if is_dataset && !panoptic && a.id.is_none() {
        err("missing-key", "annotation has no \"id\"".into());
    }
    if (categories_key || !is_dataset) && !panoptic && a.category_id.is_none() {
        err("missing-key", "annotation has no \"category_id\"".into());
    }
    if !is_dataset {
        // What COCOeval needs of a detection.
        if a.score.is_none() {
            err("missing-key", "detection has no \"score\"".into());
        }
        let keypoints = a.extra.iter().any(|(k, _)| k == "keypoints");
        if a.bbox.is_none() && a.segmentation.is_none() && !keypoints {
            err(
                "missing-key",
                "detection has neither \"bbox\" nor \"segmentation\" (nor \"keypoints\")".into(),
            );
        }
    }
    let img = images.get(a.image_id);
    if (is_dataset || have_gt) && img.is_none() {
        err(
            "unknown-image-id",
            format!(
                "image_id {} is not among the {}images",
                a.image_id,
                if is_dataset { "" } else { "ground truth's " }
            ),
        );
    }
    if let Some(c) = a.category_id {
        if has_categories && !cats.contains_key(&c) {
            err(
                "unknown-category-id",
                format!("category_id {c} is not among the categories"),
            );
        }
    }
    if let Some(c) = a.iscrowd {
        if c != 0 && c != 1 {
            err("iscrowd-not-0-or-1", format!("iscrowd is {c}"));
        }
    }
    let mut warns: Vec<(&'static str, String)> = Vec::new();
    let mut mask: Option<Rle> = None;
    match &a.segmentation {
        Some(Segmentation::Polygons(parts)) => {
            let mut ok = true;
            for (i, p) in parts.iter().enumerate() {
                if p.len() % 2 != 0 {
                    err(
                        "odd-polygon",
                        format!("polygon {i} has an odd number of coordinates ({})", p.len()),
                    );
                    ok = false;
                } else if p.len() < 6 {
                    warns.push((
                        "short-polygon",
                        format!(
                            "polygon {i} has {} coordinates (fewer than 3 points)",
                            p.len()
                        ),
                    ));
                }
            }
            if ok && parts.first().is_some_and(|p| p.len() == 4) {
                err("four-number-polygon", "first polygon has 4 numbers: pycocotools reads the segmentation as boxes (frBbox) and fails".into());
                ok = false;
            } else if ok && parts.first().is_some_and(|p| p.len() < 4) {
                err(
                    "short-first-polygon",
                    "first polygon has fewer than 4 numbers: pycocotools cannot rasterize it"
                        .into(),
                );
                ok = false;
            }
            if let Some(im) = img {
                let (w, h) = (im.w as f64, im.h as f64);
                let outside = parts
                    .iter()
                    .flat_map(|p| p.chunks_exact(2))
                    .find(|q| q[0] < 0.0 || q[1] < 0.0 || q[0] > w || q[1] > h);
                if let Some(q) = outside {
                    warns.push((
                        "polygon-outside-image",
                        format!(
                            "point ({}, {}) outside the {}x{} image",
                            q[0], q[1], im.w, im.h
                        ),
                    ));
                }
                if ok && im.h > 0 && im.w > 0 {
                    match segmentation_to_rle(a.segmentation.as_ref().expect("some"), im.h, im.w) {
                        Ok(r) => mask = r,
                        Err(e) => err("invalid-polygon", e.msg),
                    }
                }
            }
        }
        Some(seg @ (Segmentation::Rle { h, w, .. } | Segmentation::CompressedRle { h, w, .. })) => {
            match segmentation_to_rle(seg, *h, *w) {
                Err(e) => err("invalid-rle", e.msg),
                Ok(r) => mask = r,
            }
            if let Some(im) = img {
                if (im.h, im.w) != (*h, *w) {
                    err(
                        "rle-size-mismatch",
                        format!(
                            "RLE size [{h}, {w}] differs from the image's [{}, {}]",
                            im.h, im.w
                        ),
                    );
                }
            }
        }
        Some(Segmentation::Empty) | None => {}
    }
    if let Some(b) = a.bbox {
        if b[2] <= 0.0 || b[3] <= 0.0 {
            warns.push(("non-positive-bbox", format!("bbox {:?} has a side <= 0", b)));
        }
        if let Some(im) = img {
            if b[0] < 0.0 || b[1] < 0.0 || b[0] + b[2] > im.w as f64 || b[1] + b[3] > im.h as f64 {
                warns.push((
                    "bbox-outside-image",
                    format!("bbox {:?} leaves the {}x{} image", b, im.w, im.h),
                ));
            }
        }
    }
    if let (Some(area), Some(m)) = (a.area, &mask) {
        // COCO stores polygon areas computed geometrically, not as pixel counts: rasterization moves each
        // run's ends by up to a pixel. Flag only differences beyond 1% *and* beyond one pixel per run.
        let real = m.area() as f64;
        let runs = (m.counts.len() / 2) as f64;
        let allowed = (0.01 * real).max(runs).max(1.0);
        if (area - real).abs() > allowed {
            warns.push(("area-mismatch", format!("stored area {area} vs mask area {real} (more than 1% and one pixel per run apart)")));
        }
    }
    for (kind, detail) in warns {
        out.push((Severity::Warning, kind, rec.clone(), off, detail));
    }
    (out, Some((a.id, a.image_id, a.category_id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(&'static str, Severity, u64)> {
        let rep = validate(&Input::from_bytes("t", src.as_bytes().to_vec())).unwrap();
        rep.findings
            .iter()
            .map(|f| (f.kind, f.severity, f.count))
            .collect()
    }

    #[test]
    fn finds_everything_in_one_pass() {
        let src = r#"{"images": [{"id": 1, "width": 10, "height": 10}, {"id": 1, "width": 10, "height": 10}, {"id": 2, "width": 10, "height": 10}],
          "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": ""}],
          "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 5, 1, 5, 5]], "area": 8.0, "bbox": [1, 1, 4, 4]},
            {"id": 1, "image_id": 9, "category_id": 7, "segmentation": [[1, 1, 5]], "iscrowd": 2},
            {"id": 3, "image_id": 1, "category_id": 1, "segmentation": {"size": [10, 9], "counts": [1, 2]}},
            {"id": 4, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 20, 1, 5, 5]], "bbox": [5, 5, 0, 9]},
            {"id": 5, "image_id": "x"},
            {"id": 6, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 5, 1]]}]}"#;
        let k = kinds(src);
        let has = |kind: &str, n: u64| k.iter().any(|(kk, _, c)| *kk == kind && *c == n);
        for (kind, n) in [
            ("duplicate-image-id", 1),
            ("duplicate-annotation-id", 1),
            ("unknown-image-id", 1),
            ("unknown-category-id", 1),
            ("iscrowd-not-0-or-1", 1),
            ("odd-polygon", 1),
            ("invalid-rle", 1),
            ("rle-size-mismatch", 1),
            ("invalid-record", 1),
            ("four-number-polygon", 1),
            ("polygon-outside-image", 1),
            ("non-positive-bbox", 1),
            ("bbox-outside-image", 1),
            ("category-without-name", 1),
            ("unused-category", 1),
            ("image-without-annotations", 1),
            ("short-polygon", 1),
        ] {
            assert!(has(kind, n), "{kind} x{n} in {k:?}");
        }
        // Errors come before warnings.
        let first_warning = k.iter().position(|x| x.1 == Severity::Warning).unwrap();
        assert!(k[..first_warning].iter().all(|x| x.1 == Severity::Error));
    }

    #[test]
    fn clean_file_and_malformed_json() {
        let clean = r#"{"images": [{"id": 1, "width": 10, "height": 10}], "categories": [{"id": 1, "name": "a"}],
          "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "segmentation": [[1, 1, 5, 1, 5, 5]], "area": 8.0, "bbox": [1, 1, 4, 4]}]}"#;
        let rep = validate(&Input::from_bytes("t", clean.as_bytes().to_vec())).unwrap();
        assert_eq!((rep.errors, rep.warnings), (0, 0), "{:?}", rep.findings);
        let rep = validate(&Input::from_bytes("t", b"{\"images\": [".to_vec())).unwrap();
        assert_eq!(rep.errors, 1);
        assert_eq!(rep.findings[0].kind, "malformed-json");
    }
}

//! Rasterizing a dataset into one label-map PNG per image (`cocokit rasterize`).
//!
//! Conventions (the same as semantic mIoU's COCO ground truth):
//! - `semantic`: pixel = category id, 0 = no annotation; annotations painted in file order, so a later one wins
//!   where they overlap; crowd pixels get the ignore value (255 in 8-bit maps, 65535 in 16-bit ones) unless
//!   `--crowd paint`. Maps are 8-bit when every category id is ≤ 254, 16-bit otherwise.
//! - `instance`: 16-bit, pixel = the annotation's 1-based position among that image's annotations (file order).
//!
//! Masks come from pycocotools' `annToRLE` rules ([`segmentation_to_rle`]) and are painted run by run, never
//! as per-annotation bitmaps, into a `u8` map for 8-bit output (`u16` for 16-bit), whose buffers each worker
//! thread reuses from image to image. Images are processed in parallel (rayon); each PNG is written
//! atomically ([`AtomicFiles`]: a temporary file renamed over its target).
//!
//! Nothing is painted silently empty: an annotation without a segmentation is an error unless `boxes` asks
//! for its box to be painted (pycocotools' `frBbox` rectangle, [`rle_from_bbox`]); a panoptic file (annotations
//! with `segments_info`, whose masks are PNGs) is an error saying so; a category whose id is the background
//! label (0 unless `background` says otherwise) is an error naming it and `--background`.
//!
//! [`run`] is the command's whole request ([`Request`], its flags): the options checked, the inputs opened
//! (files, directories, globs: `coco::source`), a results file painted onto its ground truth's images, the
//! report returned ([`RasterizeReport::to_json`], what `--json` prints). It prints nothing.
//!
//! Not here: PNG encoding (see `mask::png`), evaluation (see `eval::miou`).

use crate::coco::reader::{
    parse_annotation, parse_annotation_with, parse_category, parse_image, SegKind, SegMode,
};
use crate::coco::source::Source;
use crate::coco::walk::{par_map_ordered, scan_top, Event, Section};
use crate::coco::Image;
use crate::coco::Segmentation;
use crate::error::{Error, FirstFailure, Result};
use crate::io::{AtomicFiles, Input};
use crate::json::scan::skip_ws;
use crate::mask::png::{write_label_png_in, write_preview_png_in, LabelMap, LabelPixels};
use crate::mask::raster::{Canvas, Pixel};
use crate::mask::segmentation::{rle_from_bbox, segmentation_to_rle};
use crate::ops::{interrupted, Watch};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// What a pixel value means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Semantic,
    Instance,
}

/// What crowd annotations paint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrowdRule {
    /// The ignore value (255 / 65535).
    Ignore,
    /// Like any other annotation.
    Paint,
}

/// Options of a rasterization.
#[derive(Clone, Debug)]
pub struct RasterizeOptions {
    pub mode: Mode,
    pub crowd: CrowdRule,
    /// Only these image ids (all when `None`).
    pub images: Option<HashSet<i64>>,
    /// Also write colour previews under `<out>/palette/`.
    pub palette: bool,
    /// Paint the `bbox` of annotations without a segmentation (else they are an error).
    pub boxes: bool,
    /// Semantic maps: the value of pixels no annotation covers (0 by default); no category may have it.
    pub background: u16,
    /// Panoptic files: the directory of their segment-id PNGs (each annotation's `file_name`).
    pub panoptic_dir: Option<PathBuf>,
}

impl Default for RasterizeOptions {
    fn default() -> Self {
        RasterizeOptions {
            mode: Mode::Semantic,
            crowd: CrowdRule::Ignore,
            images: None,
            palette: false,
            boxes: false,
            background: 0,
            panoptic_dir: None,
        }
    }
}

/// What a rasterization did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RasterizeReport {
    pub images: u64,
    pub annotations: u64,
    pub sixteen_bit: bool,
    /// Annotations whose image is not in the file (nothing to paint them on).
    pub orphans: u64,
}

impl RasterizeReport {
    /// What `cocokit rasterize --json` prints: the counts, the maps' depth and where they went.
    pub fn to_json(&self, output: &str) -> serde_json::Value {
        let bits = if self.sixteen_bit { 16 } else { 8 };
        serde_json::json!({"images": self.images, "bits": bits, "annotations": self.annotations,
                           "orphans": self.orphans, "output": output})
    }
}

impl Mode {
    /// `semantic` or `instance` (`--mode`).
    pub fn parse(s: &str) -> Result<Mode> {
        match s {
            "semantic" => Ok(Mode::Semantic),
            "instance" => Ok(Mode::Instance),
            _ => Err(Error::msg(format!("--mode {s:?}: semantic or instance"))),
        }
    }
}

impl CrowdRule {
    /// `ignore` or `paint` (`--crowd`).
    pub fn parse(s: &str) -> Result<CrowdRule> {
        match s {
            "ignore" => Ok(CrowdRule::Ignore),
            "paint" => Ok(CrowdRule::Paint),
            _ => Err(Error::msg(format!("--crowd {s:?}: ignore or paint"))),
        }
    }
}

/// A `cocokit rasterize` request: its inputs, output directory and flags, unchecked.
#[derive(Clone, Debug)]
pub struct Request {
    /// COCO files, directories of `*.json`, globs (`-`: standard input alone).
    pub inputs: Vec<String>,
    /// The output directory (created if missing).
    pub output: String,
    /// `--mode`, `--img-ids`, `--crowd`, `--palette`, `--boxes`, `--background`, `--panoptic-dir`.
    pub options: RasterizeOptions,
    /// `--gt`: for a results file, the dataset giving its images and categories.
    pub gt: Option<String>,
    /// `--score-thr`: for a results file, detections below it are not painted.
    pub score_thr: f64,
}

impl Request {
    /// The inputs and the output directory, with the command's defaults (score threshold 0.5).
    pub fn new(inputs: Vec<String>, output: String) -> Request {
        Request {
            inputs,
            output,
            options: RasterizeOptions::default(),
            gt: None,
            score_thr: 0.5,
        }
    }
}

/// `cocokit rasterize`: checks `req` and writes one label map per image into its output directory (each PNG
/// atomically). The main pass's position ([`Watch::start`]) counts images written.
pub fn run(req: &Request, watch: &dyn Watch) -> Result<RasterizeReport> {
    let out = Path::new(&req.output);
    if out.exists() && !out.is_dir() {
        return Err(Error::msg("-o/--output must be a directory").in_file(&req.output));
    }
    let src = Source::open(&req.inputs, &|done, total| watch.files(done, total))?;
    let input = src.input();
    watch.start(None);
    match &req.gt {
        Some(gt) => {
            if !req.score_thr.is_finite() {
                return Err(Error::msg("--score-thr must be a finite number"));
            }
            let gt = Input::open(gt)?;
            rasterize_results(input, &gt, req.score_thr, &req.options, out, watch)
        }
        None => rasterize(input, &req.options, out, watch),
    }
    .map_err(|e| src.blame(e))
}

/// The semantic ignore value for a map of this depth.
pub fn ignore_value(sixteen_bit: bool) -> u16 {
    if sixteen_bit {
        65535
    } else {
        255
    }
}

/// The stem a label map is named after (`000000000139.jpg` → `000000000139`); `eval miou` matches label-PNG
/// predictions to images by the same name.
pub use crate::coco::model::image_stem as stem;

/// A label as stored in a map: `u8` in 8-bit maps, `u16` in 16-bit ones.
pub trait Label: Pixel + Send {
    /// The label `v` (at most 255 for `u8`: 8-bit maps only hold category ids ≤ 254 and 255).
    fn from_u16(v: u16) -> Self;
    /// The pixels as a PNG label map's.
    fn into_pixels(v: Vec<Self>) -> LabelPixels;
    /// The pixels back from a PNG label map (to reuse the allocation), `None` if of the other depth.
    fn from_pixels(p: LabelPixels) -> Option<Vec<Self>>;
}

impl Label for u8 {
    fn from_u16(v: u16) -> u8 {
        debug_assert!(v <= 255);
        v as u8
    }
    fn into_pixels(v: Vec<u8>) -> LabelPixels {
        LabelPixels::U8(v)
    }
    fn from_pixels(p: LabelPixels) -> Option<Vec<u8>> {
        match p {
            LabelPixels::U8(v) => Some(v),
            LabelPixels::U16(_) => None,
        }
    }
}

impl Label for u16 {
    fn from_u16(v: u16) -> u16 {
        v
    }
    fn into_pixels(v: Vec<u16>) -> LabelPixels {
        LabelPixels::U16(v)
    }
    fn from_pixels(p: LabelPixels) -> Option<Vec<u16>> {
        match p {
            LabelPixels::U16(v) => Some(v),
            LabelPixels::U8(_) => None,
        }
    }
}

/// Paint one image's annotations (byte offsets into `buf`, file order) into `map`, which is first reset to
/// the image's size (its allocation reused). `T` is `u8` for 8-bit maps (`!sixteen_bit`), `u16` otherwise.
pub fn paint_image<T: Label>(
    buf: &[u8],
    img: &Image,
    anns: &[usize],
    opts: &RasterizeOptions,
    sixteen_bit: bool,
    map: &mut Canvas<T>,
) -> Result<()> {
    let (mode, crowd) = (opts.mode, opts.crowd);
    let (h, w) = (img.height, img.width);
    let background = if mode == Mode::Semantic {
        opts.background
    } else {
        0
    };
    map.reset(h, w, T::from_u16(background))
        .map_err(|e| e.for_record(format!("image id {}", img.id)))?;
    let ignore = ignore_value(sixteen_bit);
    for (k, &start) in anns.iter().enumerate() {
        let a = parse_annotation(buf, start)?;
        if let (Some(dir), Some((_, raw))) = (
            &opts.panoptic_dir,
            a.extra.iter().find(|(key, _)| key == "segments_info"),
        ) {
            paint_panoptic(dir, img, &a, raw, start, opts, sixteen_bit, map)?;
            continue;
        }
        let rle = match (&a.segmentation, a.bbox) {
            (None | Some(Segmentation::Empty), Some(bb)) if opts.boxes => {
                Some(rle_from_bbox(bb, h, w))
            }
            (None | Some(Segmentation::Empty), _) => {
                // Checked before painting (`rasterize`); kept here for direct callers.
                return Err(no_segmentation(start, &a.describe(), opts.boxes));
            }
            (Some(seg), _) => segmentation_to_rle(seg, h, w)
                .map_err(|e| e.at_offset(start).for_record(a.describe()))?,
        };
        let Some(rle) = rle else { continue };
        if (rle.h, rle.w) != (h, w) {
            return Err(Error::at(
                start,
                format!(
                    "mask size {}x{} differs from image {}'s size {}x{}",
                    rle.h, rle.w, img.id, h, w
                ),
            )
            .for_record(a.describe()));
        }
        let value = match (mode, a.is_crowd() && crowd == CrowdRule::Ignore) {
            (_, true) => ignore,
            (Mode::Instance, false) => (k + 1).min(65534) as u16,
            (Mode::Semantic, false) => {
                let c = a.category_id.ok_or_else(|| {
                    Error::at(start, "annotation has no category_id").for_record(a.describe())
                })?;
                if c == i64::from(background) {
                    return Err(background_collision(c, None, background).for_record(a.describe()));
                }
                u16::try_from(c)
                    .ok()
                    .filter(|&v| v != ignore && (sixteen_bit || v <= 255))
                    .ok_or_else(|| {
                        Error::at(start, format!("category id {c} does not fit the label map"))
                            .for_record(a.describe())
                    })?
            }
        };
        map.paint(&rle, T::from_u16(value));
    }
    Ok(())
}

/// Paint a panoptic annotation from its segment-id PNG (`dir/file_name`, panopticapi's `rgb2id` ids):
/// each segment of `segments_info` gets its category id (semantic; crowd segments the ignore value unless
/// `--crowd paint`) or its 1-based position in `segments_info` (instance); id 0 (VOID) stays background. An id
/// in the PNG that `segments_info` does not list is an error, as in panopticapi's `pq_compute`.
#[allow(clippy::too_many_arguments)]
fn paint_panoptic<T: Label>(
    dir: &Path,
    img: &Image,
    a: &crate::coco::Annotation,
    raw: &str,
    start: usize,
    opts: &RasterizeOptions,
    sixteen_bit: bool,
    map: &mut Canvas<T>,
) -> Result<()> {
    use crate::json::scan::Cursor;
    let rec = || format!("annotation of image id {}", a.image_id);
    let file = a
        .extra
        .iter()
        .find(|(k, _)| k == "file_name")
        .and_then(|(_, v)| serde_json::from_str::<String>(v).ok())
        .ok_or_else(|| {
            Error::at(start, "panoptic annotation has no \"file_name\"").for_record(rec())
        })?;
    let ignore = ignore_value(sixteen_bit);
    // segment id → label.
    let mut labels: HashMap<u32, u16> = HashMap::new();
    let mut c = Cursor::new(raw.as_bytes(), 0);
    let mut first = true;
    let bad = |e: Error| e.at_offset(start).for_record(rec());
    c.begin_array().map_err(bad)?;
    let mut k = 0u16;
    while c.next_elem(&mut first).map_err(bad)? {
        k = k.saturating_add(1);
        let (mut id, mut cat, mut crowd) = (None, None, false);
        c.begin_object().map_err(bad)?;
        let mut fk = true;
        while let Some((key, _)) = c.next_key(&mut fk).map_err(bad)? {
            match &*key {
                "id" => id = Some(c.i64().map_err(bad)?),
                "category_id" => cat = Some(c.i64().map_err(bad)?),
                "iscrowd" => crowd = c.i64().map_err(bad)? != 0,
                _ => {
                    c.skip().map_err(bad)?;
                }
            }
        }
        let (Some(id), Some(cat)) = (id, cat) else {
            return Err(
                Error::at(start, "a segment without \"id\" or \"category_id\"").for_record(rec()),
            );
        };
        let value = match (opts.mode, crowd && opts.crowd == CrowdRule::Ignore) {
            (_, true) => ignore,
            (Mode::Instance, false) => k.min(65534),
            (Mode::Semantic, false) => {
                if cat == i64::from(opts.background) {
                    return Err(background_collision(cat, None, opts.background).for_record(rec()));
                }
                u16::try_from(cat)
                    .ok()
                    .filter(|&v| v != ignore && (sixteen_bit || v <= 255))
                    .ok_or_else(|| {
                        Error::at(
                            start,
                            format!("category id {cat} does not fit the label map"),
                        )
                        .for_record(rec())
                    })?
            }
        };
        let id = u32::try_from(id).map_err(|_| {
            Error::at(start, format!("segment id {id} is not a 24-bit RGB id")).for_record(rec())
        })?;
        labels.insert(id, value);
    }
    let path = dir.join(&file);
    let (w, h, ids) = crate::mask::png::read_panoptic_png(&path)?;
    if (h, w) != (img.height, img.width) {
        return Err(Error::msg(format!(
            "panoptic PNG is {w}x{h} (w x h) but image {} is {}x{}",
            img.id, img.width, img.height
        ))
        .in_file(path.display().to_string()));
    }
    let (h, w) = (h as usize, w as usize);
    let px = map.as_col_major_mut();
    for y in 0..h {
        for x in 0..w {
            let id = ids[y * w + x];
            if id == 0 {
                continue;
            }
            match labels.get(&id) {
                Some(&v) => px[x * h + y] = T::from_u16(v),
                None => {
                    return Err(Error::msg(format!(
                    "segment id {id} (pixel x {x}, y {y}) is not in the annotation's segments_info"
                ))
                    .in_file(path.display().to_string()))
                }
            }
        }
    }
    Ok(())
}

/// An annotation with nothing to paint.
#[cold]
fn no_segmentation(start: usize, rec: &str, boxes: bool) -> Error {
    let msg = if boxes {
        "neither a segmentation nor a bbox: nothing to paint"
    } else {
        "no segmentation: nothing to paint (--boxes paints the bbox of annotations without one)"
    };
    Error::at(start, msg).for_record(rec.to_string())
}

/// Category `id` is the background label: its pixels could not be told from unannotated ones.
#[cold]
fn background_collision(id: i64, named: Option<(&str, i64)>, background: u16) -> Error {
    let (name, free) = match named {
        Some((n, free)) => (format!(" (\"{n}\")"), free),
        None => (String::new(), id + 1),
    };
    Error::msg(format!(
        "category id {id}{name} is the background label {background}: its pixels could not be told from \
         unannotated ones; give --background N with a value no category has (e.g. --background {free})"
    ))
}

/// Paints and writes every image (in parallel), each thread reusing its two maps.
#[allow(clippy::too_many_arguments)]
fn write_maps<T: Label>(
    buf: &[u8],
    images: &[Image],
    per_image: &HashMap<i64, Vec<usize>>,
    opts: &RasterizeOptions,
    sixteen_bit: bool,
    out_dir: &Path,
    palette_dir: &Path,
    watch: &dyn Watch,
) -> Result<()> {
    use std::sync::atomic::{AtomicU64, Ordering};
    let empty: Vec<usize> = Vec::new();
    let done = AtomicU64::new(0);
    // The error reported is the first failing image in file order, whatever the timing.
    let failed = FirstFailure::default();
    let files = AtomicFiles;
    images.par_iter().enumerate().for_each_init(
        || (Canvas::<T>::new(0, 0, T::from_u16(0)), Vec::<T>::new()),
        |(map, rows), (k, img)| {
            if failed.skip(k) {
                return;
            }
            if watch.stop() {
                failed.record(k, interrupted());
                return;
            }
            let anns = per_image.get(&img.id).unwrap_or(&empty);
            let res = paint_image(buf, img, anns, opts, sixteen_bit, map).and_then(|()| {
                map.to_row_major_into(rows)
                    .map_err(|e| e.for_record(format!("image id {}", img.id)))?;
                let png = LabelMap {
                    width: img.width,
                    height: img.height,
                    pixels: T::into_pixels(std::mem::take(rows)),
                };
                let name = format!("{}.png", stem(&img.file_name, img.id));
                let written =
                    write_label_png_in(&files, &out_dir.join(&name), &png).and_then(|()| {
                        if opts.palette {
                            write_preview_png_in(&files, &palette_dir.join(&name), &png)
                        } else {
                            Ok(())
                        }
                    });
                *rows = T::from_pixels(png.pixels).unwrap_or_default();
                written
            });
            match res {
                Ok(()) => watch.position(done.fetch_add(1, Ordering::Relaxed) + 1),
                Err(e) => failed.record(k, e),
            }
        },
    );
    failed.into_result()
}

/// Rasterize every (selected) image of `input` into `out_dir`.
pub fn rasterize(
    input: &Input,
    opts: &RasterizeOptions,
    out_dir: &Path,
    watch: &dyn Watch,
) -> Result<RasterizeReport> {
    let buf = input.bytes();
    if buf.get(skip_ws(buf, 0)) == Some(&b'[') {
        return Err(Error::msg(
            "a results file (an array of detections) has no images: rasterize it with --gt GT, the dataset \
             giving the images' sizes and file names",
        ));
    }
    rasterize_from(buf, buf, None, opts, out_dir, watch)
}

/// Rasterize the detections of a results file onto the images of its ground truth `gt`: detections with a
/// score below `score_thr` are left out, the others painted in ascending score (ties in file order; a
/// detection without a score first), so the most confident one wins a pixel — the order semantic mIoU paints
/// COCO results in (`eval::miou::coco`).
pub fn rasterize_results(
    results: &Input,
    gt: &Input,
    score_thr: f64,
    opts: &RasterizeOptions,
    out_dir: &Path,
    watch: &dyn Watch,
) -> Result<RasterizeReport> {
    let (rbuf, gbuf) = (results.bytes(), gt.bytes());
    if gbuf.get(skip_ws(gbuf, 0)) == Some(&b'[') {
        return Err(
            Error::msg("--gt must be a COCO dataset, not a results array").in_file(gt.name()),
        );
    }
    if rbuf.get(skip_ws(rbuf, 0)) != Some(&b'[') {
        return Err(Error::msg(
            "--gt is for a results file (an array of detections); this is a dataset",
        ));
    }
    rasterize_from(
        gbuf,
        rbuf,
        Some((score_thr, gt.name())),
        opts,
        out_dir,
        watch,
    )
}

/// The images and categories of `img_buf`; the annotations of `buf` (the same buffer, or a results file's
/// with `results` = its score threshold and the ground truth's name for its errors).
fn rasterize_from(
    img_buf: &[u8],
    buf: &[u8],
    results: Option<(f64, &str)>,
    opts: &RasterizeOptions,
    out_dir: &Path,
    watch: &dyn Watch,
) -> Result<RasterizeReport> {
    let mut images: Vec<Image> = Vec::new();
    let mut max_cat: i64 = 0;
    let mut categories: Vec<(i64, String)> = Vec::new();
    let mut ann_starts: Vec<usize> = Vec::new();
    let same = results.is_none();
    scan_top(img_buf, |ev| {
        match ev {
            Event::Record {
                section: Section::Images,
                start,
                ..
            } => images.push(parse_image(img_buf, start)?),
            Event::Record {
                section: Section::Categories,
                start,
                ..
            } => {
                let c = parse_category(img_buf, start)?;
                max_cat = max_cat.max(c.id);
                categories.push((c.id, c.name));
            }
            Event::Record {
                section: Section::Annotations,
                start,
                ..
            } if same => ann_starts.push(start),
            _ => {}
        }
        Ok(())
    })
    .map_err(|e| match results {
        Some((_, gt)) => e.in_file(gt),
        None => e,
    })?;
    if !same {
        scan_top(buf, |ev| {
            if let Event::Record { start, .. } = ev {
                ann_starts.push(start);
            }
            Ok(())
        })?;
    }
    if let Some(sel) = &opts.images {
        images.retain(|i| sel.contains(&i.id));
        let found: HashSet<i64> = images.iter().map(|i| i.id).collect();
        let mut missing: Vec<&i64> = sel.iter().filter(|i| !found.contains(i)).collect();
        missing.sort();
        if let Some(m) = missing.first() {
            return Err(Error::msg(format!("--images: no image has id {m}")));
        }
    }
    if opts.mode == Mode::Semantic {
        if let Some((id, name)) = categories
            .iter()
            .find(|(id, _)| *id == i64::from(opts.background))
        {
            let free = categories.iter().map(|c| c.0).max().unwrap_or(0) + 1;
            return Err(background_collision(
                *id,
                Some((name, free)),
                opts.background,
            ));
        }
        if opts.background == ignore_value(max_cat > 254 || opts.background > 254) {
            return Err(Error::msg(format!(
                "--background {} is the value crowd (ignored) pixels get",
                opts.background
            )));
        }
    } else if opts.background != 0 {
        return Err(Error::msg(
            "--background applies to semantic maps (instance maps use 0 for no annotation)",
        ));
    }
    // The first broken annotation in file order is the one reported.
    let light: Vec<(i64, bool, bool, bool, Option<f64>)> = par_map_ordered(&ann_starts, |&s| {
        parse_annotation_with(buf, s, SegMode::Kind).map(|(a, info)| {
            let painted = matches!(
                info.kind,
                SegKind::Polygons | SegKind::Rle | SegKind::CompressedRle
            );
            let panoptic = a.extra.iter().any(|(k, _)| k == "segments_info");
            (a.image_id, painted, a.bbox.is_some(), panoptic, a.score)
        })
    })?;
    // Results: (score, offset) per image, sorted before painting.
    let mut scored: HashMap<i64, Vec<(f64, usize)>> = HashMap::new();
    let mut per_image: HashMap<i64, Vec<usize>> = HashMap::new();
    let known: HashSet<i64> = images.iter().map(|i| i.id).collect();
    let mut rep = RasterizeReport::default();
    for (&s, &(id, painted, has_box, panoptic, score)) in ann_starts.iter().zip(&light) {
        if let Some((thr, _)) = results {
            if score.is_some_and(|v| v < thr) {
                continue;
            }
        }
        if known.contains(&id) {
            if panoptic && opts.panoptic_dir.is_none() {
                let a = parse_annotation_with(buf, s, SegMode::Kind)?.0;
                return Err(Error::at(
                    s,
                    "a panoptic annotation (\"segments_info\"): its masks are in the panoptic PNG files, not in \
                     the JSON; give their directory with --panoptic-dir PNGS",
                )
                .for_record(format!("annotation of image id {}", a.image_id)));
            }
            if !(painted || panoptic || opts.boxes && has_box) {
                let a = parse_annotation_with(buf, s, SegMode::Kind)?.0;
                return Err(no_segmentation(s, &a.describe(), opts.boxes));
            }
            match results {
                Some(_) => scored
                    .entry(id)
                    .or_default()
                    .push((score.unwrap_or(f64::NEG_INFINITY), s)),
                None => per_image.entry(id).or_default().push(s),
            }
            rep.annotations += 1;
        } else if opts.images.is_none() {
            rep.orphans += 1;
        }
    }
    for (id, mut v) in scored {
        // Ascending score, ties in file order (a stable sort over file-ordered records).
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        per_image.insert(id, v.into_iter().map(|(_, s)| s).collect());
    }
    let sixteen_bit = opts.mode == Mode::Instance || max_cat > 254 || opts.background > 254;
    rep.sixteen_bit = sixteen_bit;
    // One file per stem.
    let mut stems: HashMap<String, i64> = HashMap::new();
    for img in &images {
        let s = stem(&img.file_name, img.id);
        if let Some(other) = stems.insert(s.clone(), img.id) {
            return Err(Error::msg(format!(
                "images {other} and {} would both be written as {s}.png",
                img.id
            )));
        }
    }
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir.display().to_string(), e))?;
    let palette_dir: PathBuf = out_dir.join("palette");
    if opts.palette {
        std::fs::create_dir_all(&palette_dir)
            .map_err(|e| Error::io(palette_dir.display().to_string(), e))?;
    }
    let write_all = if sixteen_bit {
        write_maps::<u16>
    } else {
        write_maps::<u8>
    };
    write_all(
        buf,
        &images,
        &per_image,
        opts,
        sixteen_bit,
        out_dir,
        &palette_dir,
        watch,
    )?;
    rep.images = images.len() as u64;
    Ok(rep)
}

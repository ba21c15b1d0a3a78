//! Panoptic quality (PQ, SQ, RQ), number for number panopticapi's `pq_compute` (evaluation.py of
//! cocodataset/panopticapi).
//!
//! What it is: reading the COCO panoptic JSON files, each image's ground-truth and predicted segment-id
//! PNGs (`mask::png::read_panoptic_png`: id = R + 256·G + 256²·B), the per-image matching of
//! `pq_compute_single_core` and the averages of `PQStat.pq_average`. Images are evaluated in parallel,
//! one ground-truth/prediction pair in memory per worker; their per-category sums are then added in
//! image order.
//! Not here: instance (AP) evaluation (see `cocoeval`), painting masks.
//!
//! panopticapi rules and quirks reproduced:
//! - ground truth and prediction are paired by `image_id` (a ground-truth image without prediction is an
//!   error; predictions for other images are not looked at); the `file_name` of each annotation names its
//!   PNG in its folder;
//! - a ground-truth segment's area is its JSON `area`, a predicted one's its pixel count; every PNG id of
//!   the prediction but 0 (VOID) must be one of its segments, and every segment must appear in the PNG;
//!   ground-truth PNG ids without a segment (and ground-truth segments absent from the PNG) are taken as
//!   they come;
//! - pairs are visited in (ground truth id, predicted id) order; a pair of the same category, the ground
//!   truth not crowd, matches when `inter / (pred_area + gt_area - inter - pred∩VOID) > 0.5`;
//! - unmatched non-crowd ground truths are false negatives; an unmatched prediction is a false positive
//!   unless more than half of it lies on VOID plus the (last listed) crowd region of its category;
//! - per category `pq = Σiou / (tp + fp/2 + fn/2)`, `sq = Σiou / tp` (0 without tp),
//!   `rq = tp / (tp + fp/2 + fn/2)`; the averages run over the categories (ground-truth JSON order, things
//!   or stuff by `isthing == 1`) with any tp, fp or fn; Σiou is added match by match in image order, as
//!   one process of `pq_compute_single_core` does (panopticapi's default split over CPU cores adds
//!   per-core partial sums, which can differ in the last bit).
//!
//! Deviation: where no category has any tp, fp or fn (e.g. a dataset without thing categories, for
//! `Things`), panopticapi divides by zero and fails; here that group is 0 with `n` 0.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::error::FirstFailure;
use crate::mask::png::{decode_panoptic_rows, panoptic_row_reader, rgb_id, PanopticRows};
use crate::mask::png_rgb8::{row_edges, RowScratch};
use crate::{Error, Result};
use std::cell::RefCell;

/// VOID id in segment PNGs.
const VOID: u32 = 0;

/// A category of the ground truth.
#[derive(Debug, Clone, PartialEq)]
pub struct PanopticCategory {
    pub id: i64,
    pub name: String,
    pub isthing: bool,
}

/// One segment of `segments_info`.
#[derive(Debug, Clone)]
struct Segment {
    id: u32,
    category_id: i64,
    iscrowd: bool,
    /// JSON `area` (ground truth only).
    area: f64,
}

/// One annotation (image) of a panoptic JSON file.
#[derive(Debug, Clone)]
struct PanopticAnn {
    image_id: i64,
    file_name: String,
    segments: Vec<Segment>,
}

/// Sums of one category (`PQStatCat`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PqStatCat {
    pub iou: f64,
    pub tp: u64,
    pub fp: u64,
    pub fn_: u64,
}

/// `pq`, `sq`, `rq` and the number of categories averaged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PqAverage {
    pub pq: f64,
    pub sq: f64,
    pub rq: f64,
    pub n: usize,
}

/// One category's numbers (zeros for a category with no tp, fp or fn, as panopticapi reports it).
#[derive(Debug, Clone, PartialEq)]
pub struct PqClass {
    pub category_id: i64,
    pub pq: f64,
    pub sq: f64,
    pub rq: f64,
}

/// What `pq_compute` returns: All, Things, Stuff and per class (ground-truth category order).
#[derive(Debug, Clone, PartialEq)]
pub struct PqReport {
    pub all: PqAverage,
    pub things: PqAverage,
    pub stuff: PqAverage,
    pub per_class: Vec<PqClass>,
    pub categories: Vec<PanopticCategory>,
}

impl PqReport {
    /// The table `pq_compute` prints (without its timing line).
    pub fn text(&self) -> String {
        let mut s = format!(
            "{:10}| {:>5}  {:>5}  {:>5} {:>5}\n",
            "", "PQ", "SQ", "RQ", "N"
        );
        s.push_str(&"-".repeat(10 + 7 * 4));
        s.push('\n');
        for (name, r) in [
            ("All", &self.all),
            ("Things", &self.things),
            ("Stuff", &self.stuff),
        ] {
            s.push_str(&format!(
                "{:10}| {:5.1}  {:5.1}  {:5.1} {:5}\n",
                name,
                100.0 * r.pq,
                100.0 * r.sq,
                100.0 * r.rq,
                r.n
            ));
        }
        s
    }
}

/// A JSON value read only if it is a list (of `T`s); anything else is remembered as "not a list" and skipped.
/// The files are read into these typed shapes, never into a whole `serde_json::Value` tree: only the fields
/// evaluation looks at are kept (each as a small `Value`, checked as before), which keeps memory to a few
/// dozen bytes per segment.
enum Listed<T> {
    List(Vec<T>),
    Other,
}

impl<T> Listed<T> {
    fn list(&self) -> Option<&[T]> {
        match self {
            Listed::List(v) => Some(v),
            Listed::Other => None,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Listed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Listed<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<Listed<T>, A::Error> {
                let mut v = Vec::with_capacity(a.size_hint().unwrap_or(0).min(4096));
                while let Some(x) = a.next_element()? {
                    v.push(x);
                }
                Ok(Listed::List(v))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<Listed<T>, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Listed::Other)
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Listed<T>, E> {
                Ok(Listed::Other)
            }
            fn visit_i64<E>(self, _: i64) -> std::result::Result<Listed<T>, E> {
                Ok(Listed::Other)
            }
            fn visit_u64<E>(self, _: u64) -> std::result::Result<Listed<T>, E> {
                Ok(Listed::Other)
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<Listed<T>, E> {
                Ok(Listed::Other)
            }
            fn visit_str<E>(self, _: &str) -> std::result::Result<Listed<T>, E> {
                Ok(Listed::Other)
            }
            fn visit_unit<E>(self) -> std::result::Result<Listed<T>, E> {
                Ok(Listed::Other)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A present key's value (`null` included, as `Value::get` sees it).
fn present<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// The keys of a panoptic JSON file that evaluation reads (other keys are skipped unread).
#[derive(Deserialize)]
struct FileJson {
    #[serde(default)]
    categories: Option<Listed<CategoryJson>>,
    #[serde(default)]
    annotations: Option<Listed<AnnJson>>,
    #[serde(default)]
    images: Option<Listed<ImageJson>>,
}

#[derive(Deserialize)]
struct CategoryJson {
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    isthing: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    name: Option<Value>,
}

#[derive(Deserialize)]
struct ImageJson {
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    width: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    height: Option<Value>,
}

#[derive(Deserialize)]
struct AnnJson {
    #[serde(default, deserialize_with = "present")]
    image_id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    file_name: Option<Value>,
    #[serde(default)]
    segments_info: Option<Listed<SegJson>>,
}

#[derive(Deserialize)]
struct SegJson {
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    category_id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    area: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    iscrowd: Option<Value>,
}

fn read_json(path: &Path) -> Result<FileJson> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::io(name.clone(), e))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::msg(format!("invalid JSON: {e}")).in_file(name))
}

fn int(v: &Option<Value>, key: &str, rec: &dyn Fn() -> String) -> Result<i64> {
    match v {
        Some(x) => x.as_i64().ok_or_else(|| {
            Error::msg(format!("\"{key}\" must be an integer, found {x}")).for_record(rec())
        }),
        None => Err(Error::msg(format!("no \"{key}\"")).for_record(rec())),
    }
}

fn categories(gt: &FileJson) -> Result<Vec<PanopticCategory>> {
    let list = gt
        .categories
        .as_ref()
        .and_then(Listed::list)
        .ok_or_else(|| Error::msg("no \"categories\" list"))?;
    let mut out: Vec<PanopticCategory> = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let rec = || format!("category #{i}");
        let id = int(&c.id, "id", &rec)?;
        let rec = || format!("category id {id}");
        let isthing = int(&c.isthing, "isthing", &rec)? == 1;
        let name = c
            .name
            .as_ref()
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let cat = PanopticCategory { id, name, isthing };
        // A Python dict: a repeated id keeps its first position and its last value.
        match out.iter_mut().find(|o| o.id == id) {
            Some(o) => *o = cat,
            None => out.push(cat),
        }
    }
    Ok(out)
}

fn annotations(v: &FileJson, is_gt: bool) -> Result<Vec<PanopticAnn>> {
    let list = v
        .annotations
        .as_ref()
        .and_then(Listed::list)
        .ok_or_else(|| Error::msg("no \"annotations\" list"))?;
    let mut out = Vec::with_capacity(list.len());
    for (i, a) in list.iter().enumerate() {
        let rec = || format!("annotation #{i}");
        let image_id = int(&a.image_id, "image_id", &rec)?;
        let rec = || format!("annotation of image id {image_id}");
        let file_name = a
            .file_name
            .as_ref()
            .and_then(Value::as_str)
            .ok_or_else(|| Error::msg("no \"file_name\" string").for_record(rec()))?
            .to_string();
        let segs = a
            .segments_info
            .as_ref()
            .and_then(Listed::list)
            .ok_or_else(|| Error::msg("no \"segments_info\" list").for_record(rec()))?;
        let mut segments: Vec<Segment> = Vec::with_capacity(segs.len());
        for s in segs {
            let id = int(&s.id, "id", &rec)?;
            let srec = || format!("segment id {id} of image id {image_id}");
            let id = u32::try_from(id)
                .ok()
                .filter(|&x| x < 1 << 24)
                .ok_or_else(|| {
                    Error::msg("segment id is not an RGB-encodable id (0 to 2^24 - 1)")
                        .for_record(srec())
                })?;
            let category_id = int(&s.category_id, "category_id", &srec)?;
            let (iscrowd, area) = if is_gt {
                let area = s
                    .area
                    .as_ref()
                    .and_then(Value::as_f64)
                    .ok_or_else(|| Error::msg("no numeric \"area\"").for_record(srec()))?;
                (int(&s.iscrowd, "iscrowd", &srec)? == 1, area)
            } else {
                (false, 0.0)
            };
            let seg = Segment {
                id,
                category_id,
                iscrowd,
                area,
            };
            // `{el['id']: el for el in segments_info}`: a repeated id keeps its first position, last value.
            match segments.iter_mut().find(|o| o.id == id) {
                Some(o) => *o = seg,
                None => segments.push(seg),
            }
        }
        out.push(PanopticAnn {
            image_id,
            file_name,
            segments,
        });
    }
    Ok(out)
}

/// One image's contribution, in panopticapi's order of events.
#[derive(Default)]
struct ImageStat {
    /// (category, iou) of each match, in (gt id, pred id) order.
    matches: Vec<(i64, f64)>,
    fn_cats: Vec<i64>,
    fp_cats: Vec<i64>,
}

/// A worker's buffers, reused from image to image: the two files' bytes, the row readers' windows, and the
/// whole decoded images of the `png` crate's path.
#[derive(Default)]
struct Scratch {
    gt_file: Vec<u8>,
    pred_file: Vec<u8>,
    gt_rows: RowScratch,
    pred_rows: RowScratch,
    gt_buf: Vec<u8>,
    pred_buf: Vec<u8>,
    pairs: PairScratch,
}

/// The row pair's runs and each row's edges, reused from row to row.
#[derive(Default)]
struct PairScratch {
    runs: Vec<(u64, u64)>,
    gt_edges: Vec<u32>,
    pred_edges: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Read the file at `path` into `buf` (its allocation reused).
fn read_file(path: &Path, buf: &mut Vec<u8>) -> Result<()> {
    use std::io::Read;
    let name = || path.display().to_string();
    buf.clear();
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(name(), e))?;
    let size = f.metadata().map(|m| m.len() as usize).unwrap_or(0);
    buf.reserve(size);
    f.read_to_end(buf).map_err(|e| Error::io(name(), e))?;
    Ok(())
}

/// Pixel counts per (gt id, pred id), keyed `gt << 24 | pred`, from the two files' rows read one at a time
/// (`mask::png::panoptic_row_reader`): a row pair whose rows both repeat the row above repeats its runs, and a
/// row that repeats the row above keeps its edges.
/// `None` where either file is not of the fast path's shape, fails to decode, or the sizes differ (from each
/// other or from `gt_dims`): the caller then decodes both with the `png` crate, which reports what is wrong.
fn stream_pair_counts(s: &mut Scratch, gt_dims: Option<(u32, u32)>) -> Option<PairCounts> {
    let mut g = panoptic_row_reader(&s.gt_file, &mut s.gt_rows)?;
    let mut p = panoptic_row_reader(&s.pred_file, &mut s.pred_rows)?;
    if gt_dims.is_some_and(|d| d != (g.width, g.height))
        || (p.width, p.height) != (g.width, g.height)
    {
        return None;
    }
    let mut counts = PairCounts::default();
    let runs = &mut s.pairs.runs;
    runs.clear();
    let mut repeats = 0u64;
    for _ in 0..g.height {
        let (g_new, p_new) = (g.next_row()?, p.next_row()?);
        if !g_new && !p_new {
            repeats += 1;
            continue;
        }
        add_runs(&mut counts, runs, repeats);
        repeats = 1;
        pair_runs(
            g.row(),
            g.channels,
            g.edges(),
            p.row(),
            p.channels,
            p.edges(),
            runs,
        );
    }
    add_runs(&mut counts, runs, repeats);
    g.finish()?;
    p.finish()?;
    Some(counts)
}

/// Add `runs` (`(key, pixels)`), `repeats` times over, to `counts`, and clear them.
fn add_runs(counts: &mut PairCounts, runs: &mut Vec<(u64, u64)>, repeats: u64) {
    for &(k, n) in runs.iter() {
        *counts.entry(k).or_insert(0) += n * repeats;
    }
    runs.clear();
}

/// The runs of equal pixel pairs along a row pair whose edges (`png_rgb8::row_edges`) are `ge` and `pe`, appended to `runs` as
/// `(gt << 24 | pred, pixels)`: a run ends at the next edge of either row.
fn pair_runs(
    gr: &[u8],
    gc: usize,
    ge: &[u32],
    pr: &[u8],
    pc: usize,
    pe: &[u32],
    runs: &mut Vec<(u64, u64)>,
) {
    let w = (gr.len() / gc) as u32;
    let (mut gi, mut pi, mut x) = (ge.iter().peekable(), pe.iter().peekable(), 0u32);
    while x < w {
        let (g_next, p_next) = (gi.peek().map_or(w, |&&e| e), pi.peek().map_or(w, |&&e| e));
        let end = g_next.min(p_next);
        let at = x as usize;
        let k = ((rgb_id(&gr[at * gc..]) as u64) << 24) | rgb_id(&pr[at * pc..]) as u64;
        runs.push((k, (end - x) as u64));
        if g_next == end {
            gi.next();
        }
        if p_next == end {
            pi.next();
        }
        x = end;
    }
}

/// Decode the segment-id PNG `bytes` (of `path`) into `buf` with the `png` crate's checks.
fn decode_rows(path: &Path, bytes: &[u8], buf: &mut Vec<u8>) -> Result<PanopticRows> {
    decode_panoptic_rows(bytes, buf).map_err(|e| e.in_file(path.display().to_string()))
}

/// Pixel counts per (gt id, pred id), keyed `gt << 24 | pred`, of two whole decoded rasters of the same size;
/// a row pair equal to the row pair above repeats its runs.
fn pair_counts(
    g: &PanopticRows,
    gbuf: &[u8],
    p: &PanopticRows,
    pbuf: &[u8],
    s: &mut PairScratch,
) -> PairCounts {
    let mut counts = PairCounts::default();
    let (runs, ge, pe) = (&mut s.runs, &mut s.gt_edges, &mut s.pred_edges);
    runs.clear();
    let mut repeats = 0u64;
    let mut before: Option<(&[u8], &[u8])> = None;
    for (gr, pr) in g.rows(gbuf).zip(p.rows(pbuf)) {
        if before == Some((gr, pr)) {
            repeats += 1;
            continue;
        }
        add_runs(&mut counts, runs, repeats);
        repeats = 1;
        before = Some((gr, pr));
        row_edges(gr, g.channels, ge);
        row_edges(pr, p.channels, pe);
        pair_runs(gr, g.channels, ge, pr, p.channels, pe, runs);
    }
    add_runs(&mut counts, runs, repeats);
    counts
}

/// Pixel counts per (gt id, pred id) pair.
type PairCounts = HashMap<u64, u64, foldhash::fast::RandomState>;

/// `pq_compute_single_core` for one image.
fn eval_image(
    gt: &PanopticAnn,
    pred: &PanopticAnn,
    gt_dir: &Path,
    pred_dir: &Path,
    gt_dims: Option<(u32, u32)>,
    known: &HashMap<i64, usize>,
) -> Result<ImageStat> {
    let gt_path = gt_dir.join(&gt.file_name);
    let pred_path = pred_dir.join(&pred.file_name);
    let counts = SCRATCH.with(|b| -> Result<PairCounts> {
        let s = &mut *b.borrow_mut();
        read_file(&gt_path, &mut s.gt_file)?;
        if read_file(&pred_path, &mut s.pred_file).is_ok() {
            if let Some(counts) = stream_pair_counts(s, gt_dims) {
                return Ok(counts);
            }
        }
        // The `png` crate's path: whole images, its checks and messages, in this order.
        let g = decode_rows(&gt_path, &s.gt_file, &mut s.gt_buf)?;
        read_file(&pred_path, &mut s.pred_file)?;
        let p = decode_rows(&pred_path, &s.pred_file, &mut s.pred_buf)?;
        let (gw, gh, pw, ph) = (g.width, g.height, p.width, p.height);
        let rec = || format!("image id {}", gt.image_id);
        if let Some((w, h)) = gt_dims {
            if (w, h) != (gw, gh) {
                return Err(Error::msg(format!(
                    "ground-truth PNG is {gw}x{gh}, the JSON says {w}x{h}"
                ))
                .in_file(gt_path.display().to_string())
                .for_record(rec()));
            }
        }
        if (pw, ph) != (gw, gh) {
            return Err(Error::msg(format!(
                "predicted PNG is {pw}x{ph}, the ground-truth PNG {gw}x{gh}"
            ))
            .in_file(pred_path.display().to_string())
            .for_record(rec()));
        }
        Ok(pair_counts(&g, &s.gt_buf, &p, &s.pred_buf, &mut s.pairs))
    })?;
    let rec = || format!("image id {}", gt.image_id);
    let mut pairs: Vec<(u64, u64)> = counts.into_iter().collect();
    pairs.sort_unstable_by_key(|p| p.0); // np.unique: ascending gt * 2^24 + pred

    // Predicted areas, and the prediction's sanity checks in panopticapi's order.
    let mut pred_area: HashMap<u32, u64> = HashMap::new();
    for &(k, n) in &pairs {
        *pred_area.entry((k & 0xff_ffff) as u32).or_insert(0) += n;
    }
    let pred_seg: HashMap<u32, &Segment> = pred.segments.iter().map(|s| (s.id, s)).collect();
    let mut labels: Vec<u32> = pred_area.keys().copied().collect();
    labels.sort_unstable();
    for &l in &labels {
        match pred_seg.get(&l) {
            None if l == VOID => {}
            None => {
                return Err(Error::msg(format!(
                "segment id {l} is in the predicted PNG but not in the predictions' segments_info"
            ))
                .for_record(rec()))
            }
            Some(s) if !known.contains_key(&s.category_id) => {
                return Err(Error::msg(format!(
                "predicted segment id {l} has category_id {} which the ground truth does not have",
                s.category_id
            ))
                .for_record(rec()))
            }
            Some(_) => {}
        }
    }
    let missing: Vec<String> = pred
        .segments
        .iter()
        .filter(|s| !pred_area.contains_key(&s.id))
        .map(|s| s.id.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(Error::msg(format!(
            "predicted segment id(s) {} of segments_info are not in the predicted PNG {}",
            missing.join(", "),
            pred_path.display()
        ))
        .for_record(rec()));
    }

    let gt_seg: HashMap<u32, &Segment> = gt.segments.iter().map(|s| (s.id, s)).collect();
    let pair_count = |g: u32, p: u32| -> u64 {
        let key = ((g as u64) << 24) | p as u64;
        pairs
            .binary_search_by_key(&key, |x| x.0)
            .map_or(0, |i| pairs[i].1)
    };

    let mut out = ImageStat::default();
    let mut gt_matched: Vec<u32> = Vec::new();
    let mut pred_matched: Vec<u32> = Vec::new();
    for &(k, inter) in &pairs {
        let (g, p) = ((k >> 24) as u32, (k & 0xff_ffff) as u32);
        let (Some(gs), Some(ps)) = (gt_seg.get(&g), pred_seg.get(&p)) else {
            continue;
        };
        if gs.iscrowd || gs.category_id != ps.category_id {
            continue;
        }
        let pa = pred_area.get(&p).copied().unwrap_or(0) as f64;
        let union = pa + gs.area - inter as f64 - pair_count(VOID, p) as f64;
        let iou = inter as f64 / union;
        if iou > 0.5 {
            out.matches.push((gs.category_id, iou));
            gt_matched.push(g);
            pred_matched.push(p);
        }
    }
    // False negatives; the crowd region of each category (the last listed one).
    let mut crowd_of: HashMap<i64, u32> = HashMap::new();
    for s in &gt.segments {
        if gt_matched.contains(&s.id) {
            continue;
        }
        if s.iscrowd {
            crowd_of.insert(s.category_id, s.id);
            continue;
        }
        out.fn_cats.push(s.category_id);
    }
    // False positives, unless mostly on VOID and the category's crowd region.
    for s in &pred.segments {
        if pred_matched.contains(&s.id) {
            continue;
        }
        let mut inter = pair_count(VOID, s.id);
        if let Some(&c) = crowd_of.get(&s.category_id) {
            inter += pair_count(c, s.id);
        }
        let area = pred_area.get(&s.id).copied().unwrap_or(0) as f64;
        if inter as f64 / area > 0.5 {
            continue;
        }
        out.fp_cats.push(s.category_id);
    }
    Ok(out)
}

/// `pq_compute(gt_json, pred_json, gt_folder, pred_folder)`.
pub fn pq_compute(
    gt_json: &Path,
    gt_dir: &Path,
    pred_json: &Path,
    pred_dir: &Path,
) -> Result<PqReport> {
    let in_gt = |e: Error| e.in_file(gt_json.display().to_string());
    let in_pred = |e: Error| e.in_file(pred_json.display().to_string());
    // The two files parsed side by side, each parsed form dropped once its records are out; an error of the
    // ground truth is reported first, as when the files were read one after the other.
    let read_gt = || -> Result<_> {
        let gt = read_json(gt_json)?;
        let cats = categories(&gt).map_err(in_gt)?;
        let gt_anns = annotations(&gt, true).map_err(in_gt)?;
        // Image sizes the ground truth declares (optional: a PNG is checked against them when present).
        let mut dims: HashMap<i64, (u32, u32)> = HashMap::new();
        for im in gt.images.as_ref().and_then(Listed::list).unwrap_or(&[]) {
            let (Some(id), Some(w), Some(h)) = (
                im.id.as_ref().and_then(Value::as_i64),
                im.width.as_ref().and_then(Value::as_u64),
                im.height.as_ref().and_then(Value::as_u64),
            ) else {
                continue;
            };
            if let (Ok(w), Ok(h)) = (u32::try_from(w), u32::try_from(h)) {
                dims.insert(id, (w, h));
            }
        }
        Ok((cats, gt_anns, dims))
    };
    let read_pred = || annotations(&read_json(pred_json)?, false).map_err(in_pred);
    let (gt_side, pred_side) = rayon::join(read_gt, read_pred);
    let (cats, gt_anns, dims) = gt_side?;
    let pred_anns = pred_side?;
    let known: HashMap<i64, usize> = cats.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    // `{el['image_id']: el for el in pred_json['annotations']}`: the last one of an image wins.
    let mut by_image: HashMap<i64, usize> = HashMap::new();
    for (i, a) in pred_anns.iter().enumerate() {
        by_image.insert(a.image_id, i);
    }
    let mut pairs = Vec::with_capacity(gt_anns.len());
    for g in &gt_anns {
        let Some(&p) = by_image.get(&g.image_id) else {
            return Err(in_pred(Error::msg(format!(
                "no prediction for the image with id {}",
                g.image_id
            ))));
        };
        pairs.push((g, &pred_anns[p]));
    }

    // Images in parallel, each worker holding one pair of PNGs; the first failing image in order wins.
    let failed = FirstFailure::default();
    let stats: Vec<Option<ImageStat>> = pairs
        .par_iter()
        .enumerate()
        .map(|(i, (g, p))| {
            if failed.skip(i) {
                return None;
            }
            match eval_image(
                g,
                p,
                gt_dir,
                pred_dir,
                dims.get(&g.image_id).copied(),
                &known,
            ) {
                Ok(s) => Some(s),
                Err(e) => {
                    failed.record(i, e);
                    None
                }
            }
        })
        .collect();
    failed.into_result()?;

    let mut per_cat: HashMap<i64, PqStatCat> = HashMap::new();
    for s in stats.into_iter().flatten() {
        for (c, iou) in s.matches {
            let e = per_cat.entry(c).or_default();
            e.tp += 1;
            e.iou += iou;
        }
        for c in s.fn_cats {
            per_cat.entry(c).or_default().fn_ += 1;
        }
        for c in s.fp_cats {
            per_cat.entry(c).or_default().fp += 1;
        }
    }
    let (all, per_class) = pq_average(&cats, &per_cat, None);
    let (things, _) = pq_average(&cats, &per_cat, Some(true));
    let (stuff, _) = pq_average(&cats, &per_cat, Some(false));
    Ok(PqReport {
        all,
        things,
        stuff,
        per_class,
        categories: cats,
    })
}

/// `PQStat.pq_average(categories, isthing)`.
fn pq_average(
    cats: &[PanopticCategory],
    per_cat: &HashMap<i64, PqStatCat>,
    isthing: Option<bool>,
) -> (PqAverage, Vec<PqClass>) {
    let (mut pq, mut sq, mut rq, mut n) = (0.0, 0.0, 0.0, 0usize);
    let mut per_class = Vec::with_capacity(cats.len());
    for c in cats {
        if isthing.is_some_and(|t| t != c.isthing) {
            continue;
        }
        let s = per_cat.get(&c.id).copied().unwrap_or_default();
        if s.tp + s.fp + s.fn_ == 0 {
            per_class.push(PqClass {
                category_id: c.id,
                pq: 0.0,
                sq: 0.0,
                rq: 0.0,
            });
            continue;
        }
        n += 1;
        let denom = s.tp as f64 + 0.5 * s.fp as f64 + 0.5 * s.fn_ as f64;
        let pq_c = s.iou / denom;
        let sq_c = if s.tp != 0 { s.iou / s.tp as f64 } else { 0.0 };
        let rq_c = s.tp as f64 / denom;
        per_class.push(PqClass {
            category_id: c.id,
            pq: pq_c,
            sq: sq_c,
            rq: rq_c,
        });
        pq += pq_c;
        sq += sq_c;
        rq += rq_c;
    }
    let avg = if n == 0 {
        PqAverage {
            pq: 0.0,
            sq: 0.0,
            rq: 0.0,
            n: 0,
        }
    } else {
        PqAverage {
            pq: pq / n as f64,
            sq: sq / n as f64,
            rq: rq / n as f64,
            n,
        }
    };
    (avg, per_class)
}

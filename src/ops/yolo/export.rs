//! COCO → YOLO labels (`cocokit export --to yolo`): one `labels/<file_name with .txt>` per image and a
//! `data.yaml`, as ultralytics' `convert_coco` (`ultralytics/data/converter.py`) writes them.
//!
//! Reproduced from `convert_coco` (default arguments, `cls91to80` aside):
//! - crowd annotations (`iscrowd` nonzero) are skipped — `--crowd keep` writes them like the others;
//! - the box is `[x + w/2, y + h/2, w, h]` divided by the image's width and height, in that float order, and an
//!   annotation whose normalized width or height is ≤ 0 is skipped whole (box and segment);
//! - `--segments`: the parts of a polygon list with fewer than 6 numbers or an odd count are dropped; one part
//!   is written as it is, several are joined into one by `merge_multi_segment` (below); an annotation left with
//!   no usable part (no segmentation, `[]`, an RLE whose `size` is not the image's) gets the rectangle of its box
//!   `x1 y1 x2 y1 x2 y2 x1 y2`, computed from the normalized centre and size;
//! - numbers are written with `%g` (six significant digits, [`super::push_g`]), the class too;
//! - lines repeated within a file are written once (`dict.fromkeys` over the rows, first occurrence kept; rows
//!   compare as numbers, so `-0` equals `0`);
//! - the label file keeps the image's `file_name` path with its extension replaced (`with_suffix(".txt")`), so
//!   `a/b.jpg` → `labels/a/b.txt`.
//!
//! Where cocokit differs, on purpose:
//! - class `k` is the position of the annotation's category in the file's categories sorted by id (for the 80
//!   COCO categories, exactly `convert_coco`'s `coco91_to_coco80_class` map); an unknown category is an error;
//! - RLE masks (crowd ones with `--crowd keep`, or an RLE on a non-crowd annotation) are traced with
//!   [`polygons_from_mask`], whose polygons rasterize back to the very mask, holes included (bridged into their
//!   outer ring); `convert_coco` decodes them with faster-coco-eval and keeps OpenCV's external contours through
//!   pixel centres (`RETR_EXTERNAL`, `CHAIN_APPROX_SIMPLE`): no holes, and part of every border pixel lost;
//! - every image gets a label file, empty when nothing is written for it (ultralytics reads a missing file and an
//!   empty one alike, as a background image); `convert_coco` writes only images that have annotations;
//! - an annotation without `bbox`, an image of width or height 0 with something to write, a `file_name` that is
//!   absolute or climbs out with `..`, and two images with the same label file are errors (one line, exit 1).
//! - `--full-precision` writes each number as the shortest decimal that reads back as the same double instead of
//!   `%g`.
//!
//! `merge_multi_segment`, reproduced step for step: the closest pair of points (squared distance, first minimum in
//! row-major order) links each part to the next; every part is rotated to start at its first link point (a middle
//! part first reversed when its entry index is above its exit index) and closed; the path is part 0 whole, each
//! middle part from entry to exit, the last part whole, then the middle parts' remainders in reverse order.
//!
//! Errors in the records (JSON, model, an unknown category, a missing `bbox`) are found in a first pass, before
//! any file is written. Each file is written atomically ([`AtomicFiles`]), images in parallel.

use super::push_g;
use crate::coco::reader::{
    parse_annotation, parse_annotation_with, parse_category, parse_image, SegMode,
};
use crate::coco::walk::{par_map_ordered, scan_top, Event, Section};
use crate::coco::{Annotation, Category, Image, Segmentation};
use crate::error::{Error, FirstFailure, Result};
use crate::io::{AtomicFiles, Input};
use crate::json::scan::skip_ws;
use crate::mask::contour::polygons_from_mask;
use crate::mask::segmentation::segmentation_to_rle;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// Options of an export.
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// Polygons instead of boxes.
    pub segments: bool,
    /// Write crowd annotations too (`convert_coco` skips them).
    pub keep_crowd: bool,
    /// Shortest round-trip decimals instead of `%g`.
    pub full_precision: bool,
}

/// What an export wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExportReport {
    /// Label files written (one per image).
    pub images: u64,
    /// Lines written.
    pub labels: u64,
    /// Classes in `data.yaml`.
    pub classes: u64,
    /// Crowd annotations skipped.
    pub crowd_skipped: u64,
    /// Annotations skipped because their normalized box has width or height ≤ 0.
    pub empty_boxes: u64,
    /// `--segments`: annotations written as their box's rectangle (no usable polygon).
    pub box_segments: u64,
    /// Lines dropped as repeats of an earlier line of the same file.
    pub duplicates: u64,
    /// Annotations whose image is not in the file.
    pub orphans: u64,
}

/// Counts of one image, added up into the report.
#[derive(Default)]
struct Counts {
    labels: u64,
    crowd: u64,
    empty: u64,
    box_segments: u64,
    duplicates: u64,
}

/// The label file of an image, relative to `labels/`: its `file_name` with the extension replaced by `.txt`
/// (`convert_coco`'s `with_suffix(".txt")`), or `<id>.txt` when `file_name` is empty. Refused: absolute paths and
/// `..` (the file would land outside the output directory).
pub fn label_path(img: &Image) -> Result<PathBuf> {
    if img.file_name.is_empty() {
        return Ok(PathBuf::from(format!("{}.txt", img.id)));
    }
    let p = Path::new(&img.file_name);
    if !p
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(Error::msg(format!(
            "file_name {:?} is not a relative path inside the dataset: its label file would be written outside \
             the output directory",
            img.file_name
        ))
        .for_record(format!("image id {}", img.id)));
    }
    Ok(p.with_extension("txt"))
}

/// Export `input` (a COCO dataset) into `out_dir`: `labels/...txt` and `data.yaml`.
pub fn export(
    input: &Input,
    opts: &ExportOptions,
    out_dir: &Path,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ExportReport> {
    let buf = input.bytes();
    if buf.get(skip_ws(buf, 0)) == Some(&b'[') {
        return Err(Error::msg(
            "a results file (an array of detections) has no images nor categories: export a dataset",
        ));
    }
    let mut images: Vec<Image> = Vec::new();
    let mut categories: Vec<Category> = Vec::new();
    let mut ann_starts: Vec<usize> = Vec::new();
    scan_top(buf, |ev| {
        match ev {
            Event::Record {
                section: Section::Images,
                start,
                ..
            } => images.push(parse_image(buf, start)?),
            Event::Record {
                section: Section::Categories,
                start,
                ..
            } => categories.push(parse_category(buf, start)?),
            Event::Record {
                section: Section::Annotations,
                start,
                ..
            } => ann_starts.push(start),
            _ => {}
        }
        Ok(())
    })?;
    categories.sort_by_key(|c| c.id);
    if let Some(w) = categories.windows(2).find(|w| w[0].id == w[1].id) {
        return Err(Error::msg(format!(
            "two categories have id {}: class indexes would be ambiguous",
            w[0].id
        )));
    }
    let class_of: HashMap<i64, usize> = categories
        .iter()
        .enumerate()
        .map(|(k, c)| (c.id, k))
        .collect();
    // First pass: every record checked (first error in file order) before anything is written.
    let light: Vec<i64> = par_map_ordered(&ann_starts, |&s| {
        let (a, _) = parse_annotation_with(buf, s, SegMode::Kind)?;
        if !a.is_crowd() || opts.keep_crowd {
            let cat = a.category_id.ok_or_else(|| {
                Error::at(s, "annotation has no category_id").for_record(a.describe())
            })?;
            if !class_of.contains_key(&cat) {
                return Err(Error::at(
                    s,
                    format!(
                        "category_id {cat} is not in the file's categories: it has no class index"
                    ),
                )
                .for_record(a.describe()));
            }
            if a.bbox.is_none() {
                return Err(Error::at(
                    s,
                    "annotation has no bbox (YOLO labels are written from it)",
                )
                .for_record(a.describe()));
            }
        }
        Ok(a.image_id)
    })?;
    let mut rep = ExportReport {
        classes: categories.len() as u64,
        ..Default::default()
    };
    let known: HashSet<i64> = images.iter().map(|i| i.id).collect();
    let mut per_image: HashMap<i64, Vec<usize>> = HashMap::new();
    for (&s, &id) in ann_starts.iter().zip(&light) {
        if known.contains(&id) {
            per_image.entry(id).or_default().push(s);
        } else {
            rep.orphans += 1;
        }
    }
    // Label paths: one per image, checked before writing.
    let labels_dir = out_dir.join("labels");
    let mut paths: Vec<PathBuf> = Vec::with_capacity(images.len());
    let mut seen: HashMap<PathBuf, i64> = HashMap::new();
    let mut dirs: HashSet<PathBuf> = HashSet::new();
    for img in &images {
        let rel = label_path(img)?;
        if let Some(other) = seen.insert(rel.clone(), img.id) {
            return Err(Error::msg(format!(
                "images {other} and {} would both be written as labels/{}",
                img.id,
                rel.display()
            )));
        }
        let path = labels_dir.join(&rel);
        if let Some(d) = path.parent() {
            dirs.insert(d.to_path_buf());
        }
        paths.push(path);
    }
    dirs.insert(labels_dir.clone());
    for d in &dirs {
        std::fs::create_dir_all(d).map_err(|e| Error::io(d.display().to_string(), e))?;
    }
    let empty: Vec<usize> = Vec::new();
    let files = AtomicFiles;
    let failed = FirstFailure::default();
    let done = std::sync::atomic::AtomicU64::new(0);
    let counts: Vec<Option<Counts>> = images
        .par_iter()
        .enumerate()
        .map_init(String::new, |text, (k, img)| {
            if failed.skip(k) {
                return None;
            }
            text.clear();
            let anns = per_image.get(&img.id).unwrap_or(&empty);
            let res = image_labels(buf, img, anns, &class_of, opts, text).and_then(|c| {
                files.write(&paths[k], |w| Ok(w.write_all(text.as_bytes())?))?;
                Ok(c)
            });
            match res {
                Ok(c) => {
                    progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
                    Some(c)
                }
                Err(e) => {
                    failed.record(k, e);
                    None
                }
            }
        })
        .collect();
    failed.into_result()?;
    for c in counts.into_iter().flatten() {
        rep.labels += c.labels;
        rep.crowd_skipped += c.crowd;
        rep.empty_boxes += c.empty;
        rep.box_segments += c.box_segments;
        rep.duplicates += c.duplicates;
    }
    rep.images = images.len() as u64;
    let yaml = data_yaml(&categories, input.name());
    files.write(&out_dir.join("data.yaml"), |w| {
        Ok(w.write_all(yaml.as_bytes())?)
    })?;
    Ok(rep)
}

/// `data.yaml`: `nc`, `names` (class index → category name, as ultralytics' dataset files write them) and
/// `coco_category_ids` (class index → the category's id; ultralytics ignores unknown keys, `import` reads it
/// back). Names are YAML double-quoted strings (JSON string syntax is valid there).
pub fn data_yaml(categories: &[Category], source: &str) -> String {
    use std::fmt::Write;
    let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# YOLO labels of {} (cocokit export --to yolo).",
        q(source)
    );
    let _ = writeln!(
        y,
        "# Images go in images/ next to labels/, at the same relative paths (labels/a/b.txt is the label file \
         of images/a/b.jpg)."
    );
    y.push_str("train: images\nval: images\n");
    let _ = writeln!(y, "nc: {}", categories.len());
    y.push_str("names:\n");
    for (k, c) in categories.iter().enumerate() {
        let _ = writeln!(y, "  {k}: {}", q(&c.name));
    }
    let ids: Vec<String> = categories.iter().map(|c| c.id.to_string()).collect();
    let _ = writeln!(y, "coco_category_ids: [{}]", ids.join(", "));
    y
}

/// The label lines of one image into `text`.
fn image_labels(
    buf: &[u8],
    img: &Image,
    anns: &[usize],
    class_of: &HashMap<i64, usize>,
    opts: &ExportOptions,
    text: &mut String,
) -> Result<Counts> {
    let mut c = Counts::default();
    let mut rows: Vec<Vec<f64>> = Vec::new();
    let (w, h) = (f64::from(img.width), f64::from(img.height));
    for &s in anns {
        let a = parse_annotation(buf, s)?;
        if a.is_crowd() && !opts.keep_crowd {
            c.crowd += 1;
            continue;
        }
        if img.width == 0 || img.height == 0 {
            return Err(Error::msg(format!(
                "image has size {}x{}: its boxes cannot be normalized",
                img.width, img.height
            ))
            .for_record(format!("image id {}", img.id)));
        }
        // Checked in the first pass.
        let (Some([bx, by, bw, bh]), Some(cls)) =
            (a.bbox, a.category_id.and_then(|id| class_of.get(&id)))
        else {
            continue;
        };
        // convert_coco: box[:2] += box[2:] / 2; box[[0, 2]] /= w; box[[1, 3]] /= h.
        let (cx, cy, nw, nh) = ((bx + bw / 2.0) / w, (by + bh / 2.0) / h, bw / w, bh / h);
        if nw <= 0.0 || nh <= 0.0 || nw.is_nan() || nh.is_nan() {
            c.empty += 1;
            continue;
        }
        let cls = *cls as f64;
        if !opts.segments {
            rows.push(vec![cls, cx, cy, nw, nh]);
            continue;
        }
        let points =
            segment_points(&a, img).map_err(|e| e.at_offset(s).for_record(a.describe()))?;
        let mut row = vec![cls];
        match points {
            Some(xy) => row.extend(xy.chunks_exact(2).flat_map(|p| [p[0] / w, p[1] / h])),
            None => {
                c.box_segments += 1;
                let (x1, y1, x2, y2) = (cx - nw / 2.0, cy - nh / 2.0, cx + nw / 2.0, cy + nh / 2.0);
                row.extend([x1, y1, x2, y1, x2, y2, x1, y2]);
            }
        }
        rows.push(row);
    }
    // dict.fromkeys(map(tuple, rows)): the first of equal rows (as numbers: -0 == 0) is kept.
    let mut seen: HashSet<Vec<u64>> = HashSet::with_capacity(rows.len());
    for row in rows {
        let key: Vec<u64> = row.iter().map(|&v| (v + 0.0).to_bits()).collect();
        if !seen.insert(key) {
            c.duplicates += 1;
            continue;
        }
        c.labels += 1;
        for (i, &v) in row.iter().enumerate() {
            if i > 0 {
                text.push(' ');
            }
            if i == 0 {
                if opts.full_precision {
                    text.push_str(itoa::Buffer::new().format(v as u64));
                } else {
                    push_g(v, text);
                }
            } else if opts.full_precision {
                text.push_str(ryu::Buffer::new().format(v));
            } else {
                push_g(v, text);
            }
        }
        text.push('\n');
    }
    Ok(c)
}

/// The pixel coordinates of an annotation's one YOLO polygon (`x1 y1 x2 y2 ...`), or `None` when it has no
/// usable polygon (its box's rectangle is written instead).
fn segment_points(a: &Annotation, img: &Image) -> Result<Option<Vec<f64>>> {
    let parts: Vec<Vec<f64>> = match &a.segmentation {
        Some(Segmentation::Polygons(parts)) => parts
            .iter()
            .filter(|p| p.len() >= 6 && p.len().is_multiple_of(2))
            .cloned()
            .collect(),
        Some(seg @ (Segmentation::Rle { h, w, .. } | Segmentation::CompressedRle { h, w, .. })) => {
            // convert_coco decodes an RLE only when its size is the image's.
            if (*h, *w) != (img.height, img.width) {
                return Ok(None);
            }
            match segmentation_to_rle(seg, *h, *w)? {
                Some(rle) => polygons_from_mask(&rle, 0.0),
                None => Vec::new(),
            }
        }
        Some(Segmentation::Empty) | None => Vec::new(),
    };
    Ok(match parts.len() {
        0 => None,
        1 => parts.into_iter().next(),
        _ => Some(merge_multi_segment(&parts)),
    })
}

/// ultralytics' `min_index`: the pair (index in `a`, index in `b`) of the closest points, by squared distance,
/// the first minimum in row-major order (`np.argmin` of the `len(a) × len(b)` matrix).
fn min_index(a: &[[f64; 2]], b: &[[f64; 2]]) -> (usize, usize) {
    let mut best = (f64::INFINITY, 0, 0);
    for (i, p) in a.iter().enumerate() {
        for (j, q) in b.iter().enumerate() {
            let (dx, dy) = (p[0] - q[0], p[1] - q[1]);
            let d = dx * dx + dy * dy;
            if d < best.0 {
                best = (d, i, j);
            }
        }
    }
    (best.1, best.2)
}

/// ultralytics' `merge_multi_segment`: the parts (each `[x1, y1, x2, y2, ...]`, at least one point) joined into
/// one path through their closest points, flat `[x1, y1, ...]` (see the module doc for the steps).
pub fn merge_multi_segment(parts: &[Vec<f64>]) -> Vec<f64> {
    let mut segs: Vec<Vec<[f64; 2]>> = parts
        .iter()
        .map(|p| p.chunks_exact(2).map(|c| [c[0], c[1]]).collect())
        .collect();
    let n = segs.len();
    let mut links: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 1..n {
        let (a, b) = min_index(&segs[i - 1], &segs[i]);
        links[i - 1].push(a);
        links[i].push(b);
    }
    let mut out: Vec<[f64; 2]> = Vec::new();
    for i in 0..n {
        let seg = &mut segs[i];
        let mut idx = links[i].clone();
        if idx.len() == 2 && idx[0] > idx[1] {
            idx = idx.iter().map(|&x| seg.len() - 1 - x).collect();
            seg.reverse();
        }
        let first = idx.first().copied().unwrap_or(0);
        seg.rotate_left(first);
        if let Some(&p) = seg.first() {
            seg.push(p);
        }
        if i == 0 || i == n - 1 {
            out.extend_from_slice(seg);
        } else {
            let end = (idx[1] - idx[0] + 1).min(seg.len());
            out.extend_from_slice(&seg[..end]);
        }
    }
    for i in (0..n).rev() {
        if i != 0 && i != n - 1 {
            let skip = links[i][1].abs_diff(links[i][0]).min(segs[i].len());
            out.extend_from_slice(&segs[i][skip..]);
        }
    }
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::merge_multi_segment;

    /// Two squares side by side: the path is square 0 from its point nearest square 1, closed, then square 1
    /// from its nearest point, closed (ultralytics' output for the same input, worked by hand).
    #[test]
    fn merge_two_parts() {
        let a = vec![0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0];
        let b = vec![3.0, 0.0, 4.0, 0.0, 4.0, 1.0, 3.0, 1.0];
        let m = merge_multi_segment(&[a, b]);
        assert_eq!(
            m,
            [
                1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 3.0, 0.0, 4.0, 0.0, 4.0, 1.0,
                3.0, 1.0, 3.0, 0.0
            ]
        );
    }
}

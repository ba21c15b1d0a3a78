//! Rasterizing a dataset into one label-map PNG per image (`cocokit rasterize`).
//!
//! Conventions (the same as semantic mIoU's COCO ground truth):
//! - `semantic`: pixel = category id, 0 = no annotation; annotations painted in file order, so a later one wins
//!   where they overlap; crowd pixels get the ignore value (255 in 8-bit maps, 65535 in 16-bit ones) unless
//!   `--crowd paint`. Maps are 8-bit when every category id is ≤ 254, 16-bit otherwise.
//! - `instance`: 16-bit, pixel = the annotation's 1-based position among that image's annotations (file order).
//!
//! Masks come from pycocotools' `annToRLE` rules ([`segmentation_to_rle`]) and are painted run by run, never
//! as per-annotation bitmaps. Images are processed in parallel (rayon); each PNG is written atomically.
//!
//! Not here: PNG encoding (see `mask::png`), evaluation (see `eval::miou`).

use crate::coco::reader::{
    parse_annotation, parse_annotation_with, parse_category, parse_image, scan_top, Event, Section,
    SegMode,
};
use crate::coco::Image;
use crate::error::{Error, Result};
use crate::io::Input;
use crate::mask::png::{write_label_png, write_preview_png, LabelMap as PngMap, LabelPixels};
use crate::mask::polygon::segmentation_to_rle;
use crate::mask::raster::LabelMap;
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

/// The semantic ignore value for a map of this depth.
pub fn ignore_value(sixteen_bit: bool) -> u16 {
    if sixteen_bit {
        65535
    } else {
        255
    }
}

/// The stem a label map is named after (`000000000139.jpg` → `000000000139`).
pub fn stem(file_name: &str, id: i64) -> String {
    let base = Path::new(file_name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if base.is_empty() {
        id.to_string()
    } else {
        base
    }
}

/// Paint one image's annotations (byte offsets into `buf`, file order) into a row-major label map.
pub fn paint_image(
    buf: &[u8],
    img: &Image,
    anns: &[usize],
    mode: Mode,
    crowd: CrowdRule,
    sixteen_bit: bool,
) -> Result<Vec<u16>> {
    let (h, w) = (img.height, img.width);
    let mut map = LabelMap::new(h, w, 0u16);
    let ignore = ignore_value(sixteen_bit);
    for (k, &start) in anns.iter().enumerate() {
        let a = parse_annotation(buf, start)?;
        let Some(seg) = &a.segmentation else { continue };
        let rle = segmentation_to_rle(seg, h, w)
            .map_err(|e| e.at_offset(start).for_record(a.describe()))?;
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
                u16::try_from(c)
                    .ok()
                    .filter(|&v| v != ignore)
                    .ok_or_else(|| {
                        Error::at(start, format!("category id {c} does not fit the label map"))
                            .for_record(a.describe())
                    })?
            }
        };
        map.paint(&rle, value);
    }
    Ok(map.to_row_major())
}

/// Rasterize every (selected) image of `input` into `out_dir`.
pub fn rasterize(
    input: &Input,
    opts: &RasterizeOptions,
    out_dir: &Path,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<RasterizeReport> {
    let buf = input.bytes();
    let mut images: Vec<Image> = Vec::new();
    let mut max_cat: i64 = 0;
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
            } => max_cat = max_cat.max(parse_category(buf, start)?.id),
            Event::Record {
                section: Section::Annotations,
                start,
                ..
            } => ann_starts.push(start),
            _ => {}
        }
        Ok(())
    })?;
    if let Some(sel) = &opts.images {
        images.retain(|i| sel.contains(&i.id));
        let found: HashSet<i64> = images.iter().map(|i| i.id).collect();
        let mut missing: Vec<&i64> = sel.iter().filter(|i| !found.contains(i)).collect();
        missing.sort();
        if let Some(m) = missing.first() {
            return Err(Error::msg(format!("--images: no image has id {m}")));
        }
    }
    let image_ids: Vec<i64> = ann_starts
        .par_iter()
        .map(|&s| parse_annotation_with(buf, s, SegMode::Kind).map(|(a, _)| a.image_id))
        .collect::<Result<_>>()?;
    let mut per_image: HashMap<i64, Vec<usize>> = HashMap::new();
    let known: HashSet<i64> = images.iter().map(|i| i.id).collect();
    let mut rep = RasterizeReport::default();
    for (s, id) in ann_starts.iter().zip(&image_ids) {
        if known.contains(id) {
            per_image.entry(*id).or_default().push(*s);
            rep.annotations += 1;
        } else if opts.images.is_none() {
            rep.orphans += 1;
        }
    }
    let sixteen_bit = opts.mode == Mode::Instance || max_cat > 254;
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
    let empty: Vec<usize> = Vec::new();
    let done = std::sync::atomic::AtomicU64::new(0);
    images.par_iter().try_for_each(|img| -> Result<()> {
        let anns = per_image.get(&img.id).unwrap_or(&empty);
        let pixels = paint_image(buf, img, anns, opts.mode, opts.crowd, sixteen_bit)?;
        let pixels = if sixteen_bit {
            LabelPixels::U16(pixels)
        } else {
            LabelPixels::U8(pixels.into_iter().map(|v| v as u8).collect())
        };
        let map = PngMap {
            width: img.width,
            height: img.height,
            pixels,
        };
        let name = format!("{}.png", stem(&img.file_name, img.id));
        write_label_png(&out_dir.join(&name), &map)?;
        if opts.palette {
            write_preview_png(&palette_dir.join(&name), &map)?;
        }
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress(n);
        Ok(())
    })?;
    rep.images = images.len() as u64;
    Ok(rep)
}

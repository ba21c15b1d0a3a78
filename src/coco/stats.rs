//! Dataset statistics (`cocokit stats`), computed in one streaming pass.
//!
//! Memory holds per-image and per-category counters, never the records: annotations are parsed in parallel
//! batches (segmentations only classified, not decoded) and the input pages behind the last batch are released.
//! Area buckets use the annotation's stored `area` and COCOeval's limits 32² and 96², half-open:
//! small `[0, 1024)`, medium `[1024, 9216)`, large `[9216, ∞)` (COCOeval's own ranges are closed at both ends,
//! so an area of exactly 1024 counts in both of its buckets there; here it counts once, as medium).

use super::reader::{
    parse_annotation_with, parse_category, parse_image, scan_top, Event, Layout, Section, SegKind,
    SegMode,
};
use crate::error::Result;
use crate::io::Input;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Counts of segmentation shapes.
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct SegCounts {
    pub polygon: u64,
    pub rle: u64,
    pub compressed_rle: u64,
    pub empty: u64,
    pub none: u64,
}

/// Area buckets (by the stored `area`).
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct AreaCounts {
    pub small: u64,
    pub medium: u64,
    pub large: u64,
    /// Annotations without an `area`.
    pub unknown: u64,
}

/// Annotations per image, over all images (images without annotations count as 0).
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct PerImage {
    pub min: u64,
    pub median: f64,
    pub max: u64,
    pub mean: f64,
}

/// One category's counts.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CategoryStats {
    pub id: i64,
    pub name: String,
    pub supercategory: Option<String>,
    pub annotations: u64,
    pub images: u64,
}

/// Everything `cocokit stats` reports. The JSON form is documented in docs/STATS.md.
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct Stats {
    /// `dataset` or `results`.
    pub layout: String,
    pub images: u64,
    pub annotations: u64,
    pub categories: u64,
    pub crowd: u64,
    pub segmentation: SegCounts,
    pub images_without_annotations: u64,
    pub annotations_per_image: PerImage,
    pub area: AreaCounts,
    /// Annotations whose `image_id` is not among the images (0 for a results file, which has no images).
    pub unknown_image_refs: u64,
    /// Annotations whose `category_id` is not among the categories.
    pub unknown_category_refs: u64,
    /// Other top-level keys, in file order.
    pub other_keys: Vec<String>,
    pub per_category: Vec<CategoryStats>,
}

struct Light {
    image_id: i64,
    category_id: Option<i64>,
    crowd: bool,
    area: Option<f64>,
    kind: SegKind,
}

const BATCH: usize = 16 * 1024;

/// Compute statistics over a whole input.
pub fn compute(input: &Input) -> Result<Stats> {
    compute_with_progress(input, &|_| {})
}

/// Compute statistics, reporting the byte position reached to `progress`.
pub fn compute_with_progress(input: &Input, progress: &dyn Fn(u64)) -> Result<Stats> {
    let buf = input.bytes();
    let mut st = Stats::default();
    let mut image_ids: Vec<i64> = Vec::new();
    let mut categories = Vec::new();
    let mut per_image: HashMap<i64, u64> = HashMap::new();
    let mut cat_anns: HashMap<Option<i64>, u64> = HashMap::new();
    let mut cat_imgs: HashSet<(i64, i64)> = HashSet::new();
    let mut batch: Vec<usize> = Vec::with_capacity(BATCH);

    let mut flush = |batch: &mut Vec<usize>, st: &mut Stats| -> Result<()> {
        let lights: Vec<Light> = batch
            .par_iter()
            .map(|&s| {
                let (a, info) = parse_annotation_with(buf, s, SegMode::Kind)?;
                Ok(Light {
                    image_id: a.image_id,
                    category_id: a.category_id,
                    crowd: a.is_crowd(),
                    area: a.area,
                    kind: info.kind,
                })
            })
            .collect::<Result<_>>()?;
        for l in &lights {
            st.annotations += 1;
            st.crowd += l.crowd as u64;
            match l.kind {
                SegKind::Polygons => st.segmentation.polygon += 1,
                SegKind::Rle => st.segmentation.rle += 1,
                SegKind::CompressedRle => st.segmentation.compressed_rle += 1,
                SegKind::Empty => st.segmentation.empty += 1,
                SegKind::None => st.segmentation.none += 1,
            }
            match l.area {
                None => st.area.unknown += 1,
                Some(a) if a < 1024.0 => st.area.small += 1,
                Some(a) if a < 9216.0 => st.area.medium += 1,
                Some(_) => st.area.large += 1,
            }
            *per_image.entry(l.image_id).or_insert(0) += 1;
            *cat_anns.entry(l.category_id).or_insert(0) += 1;
            if let Some(c) = l.category_id {
                cat_imgs.insert((c, l.image_id));
            }
        }
        if let Some(&last) = batch.last() {
            input.release(last);
            progress(last as u64);
        }
        batch.clear();
        Ok(())
    };

    let layout = scan_top(buf, |ev| {
        match ev {
            Event::Record {
                section: Section::Annotations,
                start,
                ..
            } => {
                batch.push(start);
                if batch.len() >= BATCH {
                    flush(&mut batch, &mut st)?;
                }
            }
            Event::Record {
                section: Section::Images,
                start,
                ..
            } => {
                image_ids.push(parse_image(buf, start)?.id);
                if image_ids.len().is_multiple_of(BATCH) {
                    input.release(start);
                }
            }
            Event::Record {
                section: Section::Categories,
                start,
                ..
            } => categories.push(parse_category(buf, start)?),
            Event::Other { key, .. } => st.other_keys.push(key),
            Event::SectionStart { .. } | Event::SectionEnd { .. } => {}
        }
        Ok(())
    })?;
    flush(&mut batch, &mut st)?;

    st.layout = if layout == Layout::Dataset {
        "dataset"
    } else {
        "results"
    }
    .into();
    st.images = image_ids.len() as u64;
    st.categories = categories.len() as u64;

    // Annotations per image over all images.
    let mut counts: Vec<u64> = image_ids
        .iter()
        .map(|id| per_image.get(id).copied().unwrap_or(0))
        .collect();
    st.images_without_annotations = counts.iter().filter(|&&c| c == 0).count() as u64;
    if layout == Layout::Dataset {
        let known: HashSet<i64> = image_ids.iter().copied().collect();
        st.unknown_image_refs = per_image
            .iter()
            .filter(|(id, _)| !known.contains(id))
            .map(|(_, n)| n)
            .sum();
    }
    if !counts.is_empty() {
        counts.sort_unstable();
        let n = counts.len();
        st.annotations_per_image = PerImage {
            min: counts[0],
            max: counts[n - 1],
            median: if n % 2 == 1 {
                counts[n / 2] as f64
            } else {
                (counts[n / 2 - 1] + counts[n / 2]) as f64 / 2.0
            },
            mean: counts.iter().sum::<u64>() as f64 / n as f64,
        };
    }
    let mut imgs_per_cat: HashMap<i64, u64> = HashMap::new();
    for (c, _) in &cat_imgs {
        *imgs_per_cat.entry(*c).or_insert(0) += 1;
    }
    let known_cats: HashSet<i64> = categories.iter().map(|c| c.id).collect();
    st.unknown_category_refs = cat_anns
        .iter()
        .filter(|(c, _)| match c {
            Some(c) => !known_cats.contains(c),
            None => false,
        })
        .map(|(_, n)| n)
        .sum();
    st.per_category = categories
        .into_iter()
        .map(|c| CategoryStats {
            annotations: cat_anns.get(&Some(c.id)).copied().unwrap_or(0),
            images: imgs_per_cat.get(&c.id).copied().unwrap_or(0),
            id: c.id,
            name: c.name,
            supercategory: c.supercategory,
        })
        .collect();
    Ok(st)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_a_small_dataset() {
        let ds = br#"{"images": [{"id": 1}, {"id": 2}, {"id": 3}],
          "annotations": [
            {"id": 1, "image_id": 1, "category_id": 5, "area": 100, "segmentation": [[0,0,1,0,1,1]]},
            {"id": 2, "image_id": 1, "category_id": 5, "area": 2000, "iscrowd": 1, "segmentation": {"size": [2,2], "counts": [4]}},
            {"id": 3, "image_id": 2, "category_id": 7, "area": 10000, "segmentation": {"size": [2,2], "counts": "4"}},
            {"id": 4, "image_id": 9, "category_id": 8, "segmentation": []}],
          "categories": [{"id": 5, "name": "a"}, {"id": 7, "name": "b"}, {"id": 6, "name": "c"}]}"#;
        let st = compute(&Input::from_bytes("t", ds.to_vec())).unwrap();
        assert_eq!(
            (st.images, st.annotations, st.categories, st.crowd),
            (3, 4, 3, 1)
        );
        assert_eq!(
            st.segmentation,
            SegCounts {
                polygon: 1,
                rle: 1,
                compressed_rle: 1,
                empty: 1,
                none: 0
            }
        );
        assert_eq!(
            st.area,
            AreaCounts {
                small: 1,
                medium: 1,
                large: 1,
                unknown: 1
            }
        );
        assert_eq!(st.images_without_annotations, 1);
        assert_eq!(
            st.annotations_per_image,
            PerImage {
                min: 0,
                median: 1.0,
                max: 2,
                mean: 1.0
            }
        );
        assert_eq!((st.unknown_image_refs, st.unknown_category_refs), (1, 1));
        let pc: Vec<_> = st
            .per_category
            .iter()
            .map(|c| (c.id, c.annotations, c.images))
            .collect();
        assert_eq!(pc, [(5, 2, 1), (7, 1, 1), (6, 0, 0)]);
    }
}

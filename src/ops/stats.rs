//! Dataset statistics (`cocokit stats`), computed in one streaming pass.
//!
//! A results file (a top-level array of detections) is reported as such (`kind: "results"`): detections,
//! images covered, detections and images per category id, score quantiles (numpy.percentile's default linear
//! interpolation; the scores are the one thing kept per record, 8 bytes each), boxes and segmentation kinds.
//!
//! Memory holds per-image and per-category counters, never the records: annotations are parsed in parallel
//! batches (segmentations only classified, not decoded) and the input pages behind the last batch are released.
//! Area buckets use the annotation's stored `area` and COCOeval's limits 32² and 96², half-open:
//! small `[0, 1024)`, medium `[1024, 9216)`, large `[9216, ∞)` (COCOeval's own ranges are closed at both ends,
//! so an area of exactly 1024 counts in both of its buckets there; here it counts once, as medium).

use crate::coco::ids::{BitSet, IdIndex};
use crate::coco::reader::{parse_annotation_with, parse_category, parse_image, SegKind, SegMode};
use crate::coco::walk::par_map_ordered;
use crate::coco::walk::{scan_top_batched, Chunk, Event, Layout, Section, BATCH};
use crate::error::Result;
use crate::io::Input;
use serde::Serialize;

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

/// Score quantiles of a results file (numpy.percentile, linear).
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct Quantiles {
    pub min: f64,
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    pub max: f64,
}

/// Everything `cocokit stats` reports. The JSON form is documented in docs/STATS.md.
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct Stats {
    /// `dataset` or `results`.
    pub kind: String,
    /// The same as `kind` (the name this key had first).
    pub layout: String,
    /// Results files: the number of detections (= `annotations`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detections: Option<u64>,
    /// Results files: distinct image ids the detections are on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images_covered: Option<u64>,
    /// Results files: quantiles of `score` (absent when no detection has one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<Quantiles>,
    /// Results files: detections without a `score`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without_score: Option<u64>,
    /// Panoptic files (annotations with `segments_info`): the segments, which the per-category counts,
    /// crowd and area buckets then count instead of the annotations (one per image).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<u64>,
    /// Results files: detections with a `bbox`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_bbox: Option<u64>,
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
    score: Option<f64>,
    bbox: bool,
    /// Panoptic annotations: each segment of `segments_info`.
    segments: Option<Vec<Segment>>,
}

/// A panoptic segment's category_id, crowd flag and area.
type Segment = (Option<i64>, bool, Option<f64>);

/// The segments of a panoptic annotation's `segments_info` (raw JSON, validated by the reader).
fn segments_of(raw: &str) -> Result<Vec<Segment>> {
    use crate::json::scan::Cursor;
    let buf = raw.as_bytes();
    let mut c = Cursor::new(buf, 0);
    let mut out = Vec::new();
    c.begin_array()?;
    let mut first = true;
    while c.next_elem(&mut first)? {
        let mut seg = (None, false, None);
        c.begin_object()?;
        let mut first_key = true;
        while let Some((key, _)) = c.next_key(&mut first_key)? {
            match &*key {
                "category_id" => seg.0 = Some(c.i64()?),
                "iscrowd" => seg.1 = c.i64()? != 0,
                "area" => seg.2 = if c.null() { None } else { Some(c.f64()?) },
                _ => {
                    c.skip()?;
                }
            }
        }
        out.push(seg);
    }
    Ok(out)
}

/// Compute statistics over a whole input.
pub fn compute(input: &Input) -> Result<Stats> {
    compute_with_progress(input, &|_| {})
}

/// Per-category counters, by dense category index.
struct PerCategory {
    id: i64,
    annotations: u64,
    /// Dense indexes of the images with at least one annotation of this category.
    images: BitSet,
}

/// Compute statistics, reporting the byte position reached to `progress`.
///
/// Memory: the records are cut on one thread while the previous batch is parsed on the others
/// ([`scan_top_batched`]); what stays is a dense index of image ids (4 bytes per id for dense ids), a 4-byte
/// annotation counter per image, one bit per (category, image) slot for categories that occur, and one
/// index per image record.
pub fn compute_with_progress(input: &Input, progress: &dyn Fn(u64)) -> Result<Stats> {
    let buf = input.bytes();
    let mut st = Stats::default();
    let mut image_ix = IdIndex::new();
    // Image records: how many, and the dense index of each one whose id an earlier image record already had
    // (every record counts as an image, as in pycocotools' `len(dataset['images'])`).
    let mut image_records = 0u64;
    let mut duplicate_recs: Vec<u32> = Vec::new();
    // Per dense image index: annotations, and whether an image record has that id.
    let mut per_image: Vec<u32> = Vec::new();
    let mut known_image = BitSet::default();
    let mut cat_ix = IdIndex::new();
    let mut per_cat: Vec<PerCategory> = Vec::new();
    let mut categories = Vec::new();
    let (mut scores, mut without_score, mut with_bbox) = (Vec::<f64>::new(), 0u64, 0u64);

    let layout = scan_top_batched(buf, BATCH, |chunk| {
        match chunk {
            Chunk::Records {
                section: Section::Annotations,
                records,
            } => {
                let lights: Vec<Light> = par_map_ordered(&records, |&(s, _)| {
                    let (a, info) = parse_annotation_with(buf, s, SegMode::Kind)?;
                    Ok(Light {
                        image_id: a.image_id,
                        category_id: a.category_id,
                        crowd: a.is_crowd(),
                        area: a.area,
                        kind: info.kind,
                        score: a.score,
                        bbox: a.bbox.is_some(),
                        segments: match a.extra.iter().find(|(k, _)| k == "segments_info") {
                            Some((_, raw)) => Some(
                                segments_of(raw)
                                    .map_err(|e| e.at_offset(s).for_record(a.describe()))?,
                            ),
                            None => None,
                        },
                    })
                })?;
                for l in &lights {
                    if let Some(segs) = &l.segments {
                        // Panoptic: the segments are what is counted, by category, crowd and area.
                        st.annotations += 1;
                        *st.segments.get_or_insert(0) += segs.len() as u64;
                        st.segmentation.none += 1;
                        let img = image_ix.index(l.image_id);
                        if img as usize >= per_image.len() {
                            per_image.resize(img as usize + 1, 0);
                        }
                        per_image[img as usize] = per_image[img as usize].saturating_add(1);
                        for &(cat, crowd, area) in segs {
                            st.crowd += crowd as u64;
                            match area {
                                None => st.area.unknown += 1,
                                Some(a) if a < 1024.0 => st.area.small += 1,
                                Some(a) if a < 9216.0 => st.area.medium += 1,
                                Some(_) => st.area.large += 1,
                            }
                            if let Some(c) = cat {
                                let k = cat_ix.index(c) as usize;
                                if k == per_cat.len() {
                                    per_cat.push(PerCategory {
                                        id: c,
                                        annotations: 0,
                                        images: BitSet::default(),
                                    });
                                }
                                per_cat[k].annotations += 1;
                                per_cat[k].images.insert(img);
                            }
                        }
                        continue;
                    }
                    st.annotations += 1;
                    with_bbox += l.bbox as u64;
                    match l.score {
                        Some(v) => scores.push(v),
                        None => without_score += 1,
                    }
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
                    let img = image_ix.index(l.image_id);
                    if img as usize >= per_image.len() {
                        per_image.resize(img as usize + 1, 0);
                    }
                    per_image[img as usize] = per_image[img as usize].saturating_add(1);
                    if let Some(c) = l.category_id {
                        let k = cat_ix.index(c) as usize;
                        if k == per_cat.len() {
                            per_cat.push(PerCategory {
                                id: c,
                                annotations: 0,
                                images: BitSet::default(),
                            });
                        }
                        per_cat[k].annotations += 1;
                        per_cat[k].images.insert(img);
                    }
                }
                if let Some(&(_, last)) = records.last() {
                    input.release(last);
                    progress(last as u64);
                }
            }
            Chunk::Records {
                section: Section::Images,
                records,
            } => {
                let ids: Vec<i64> =
                    par_map_ordered(&records, |&(s, _)| parse_image(buf, s).map(|im| im.id))?;
                image_records += ids.len() as u64;
                for id in ids {
                    let k = image_ix.index(id);
                    if !known_image.insert(k) {
                        duplicate_recs.push(k);
                    }
                }
                if let Some(&(_, last)) = records.last() {
                    input.release(last);
                    progress(last as u64);
                }
            }
            Chunk::Records {
                section: Section::Categories,
                records,
            } => {
                for (s, _) in records {
                    categories.push(parse_category(buf, s)?);
                }
            }
            Chunk::Event(Event::Other { key, .. }) => st.other_keys.push(key),
            Chunk::Event(_) => {}
        }
        Ok(())
    })?;

    st.layout = if layout == Layout::Dataset {
        "dataset"
    } else {
        "results"
    }
    .into();
    st.kind = if st.segments.is_some() {
        "panoptic".to_string()
    } else {
        st.layout.clone()
    };
    if layout == Layout::Results {
        st.detections = Some(st.annotations);
        st.images_covered = Some(image_ix.len() as u64);
        st.without_score = Some(without_score);
        st.with_bbox = Some(with_bbox);
        st.score = quantiles(&mut scores);
        // No categories to name them: every category id the detections use, by id.
        let mut ids: Vec<&PerCategory> = per_cat.iter().collect();
        ids.sort_by_key(|p| p.id);
        st.per_category = ids
            .into_iter()
            .map(|p| CategoryStats {
                id: p.id,
                name: String::new(),
                supercategory: None,
                annotations: p.annotations,
                images: p.images.len(),
            })
            .collect();
        return Ok(st);
    }
    st.images = image_records;
    st.categories = categories.len() as u64;

    // Annotations of the image with dense index k.
    let count_of = |k: u32| per_image.get(k as usize).copied().unwrap_or(0);
    // Histogram of annotations per image record: value → number of image records.
    let mut histogram: std::collections::BTreeMap<u32, u64> = Default::default();
    let known = (0..image_ix.len() as u32).filter(|&k| known_image.contains(k));
    for k in known.chain(duplicate_recs.iter().copied()) {
        *histogram.entry(count_of(k)).or_insert(0) += 1;
    }
    st.images_without_annotations = histogram.get(&0).copied().unwrap_or(0);
    if layout == Layout::Dataset {
        st.unknown_image_refs = (0..image_ix.len() as u32)
            .filter(|&k| !known_image.contains(k))
            .map(|k| count_of(k) as u64)
            .sum();
    }
    if image_records > 0 {
        let n = image_records;
        // The value at rank r (0-based) of the sorted counts.
        let at = |r: u64| -> u64 {
            let mut seen = 0;
            for (&v, &m) in &histogram {
                seen += m;
                if r < seen {
                    return v as u64;
                }
            }
            0
        };
        let total: u64 = histogram.iter().map(|(&v, &m)| v as u64 * m).sum();
        st.annotations_per_image = PerImage {
            min: histogram.keys().next().map_or(0, |&v| v as u64),
            max: histogram.keys().next_back().map_or(0, |&v| v as u64),
            median: if n % 2 == 1 {
                at(n / 2) as f64
            } else {
                (at(n / 2 - 1) + at(n / 2)) as f64 / 2.0
            },
            mean: total as f64 / n as f64,
        };
    }
    let mut known_cats = IdIndex::new();
    for c in &categories {
        known_cats.index(c.id);
    }
    st.unknown_category_refs = per_cat
        .iter()
        .filter(|p| known_cats.get(p.id).is_none())
        .map(|p| p.annotations)
        .sum();
    let cat_of = |id: i64| cat_ix.get(id).and_then(|k| per_cat.get(k as usize));
    st.per_category = categories
        .into_iter()
        .map(|c| {
            let pc = cat_of(c.id);
            CategoryStats {
                annotations: pc.map_or(0, |p| p.annotations),
                images: pc.map_or(0, |p| p.images.len()),
                id: c.id,
                name: c.name,
                supercategory: c.supercategory,
            }
        })
        .collect();
    Ok(st)
}

/// numpy.percentile's default (linear) quantiles of `v` (sorted in place); `None` when empty.
fn quantiles(v: &mut [f64]) -> Option<Quantiles> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable_by(f64::total_cmp);
    let at = |q: f64| {
        let pos = q * (v.len() - 1) as f64;
        let lo = pos.floor() as usize;
        let hi = (lo + 1).min(v.len() - 1);
        v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
    };
    Some(Quantiles {
        min: v[0],
        p25: at(0.25),
        median: at(0.5),
        p75: at(0.75),
        max: v[v.len() - 1],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_like_numpy() {
        // numpy.percentile([0.9, 0.1, 0.5, 0.3], [0, 25, 50, 75, 100]) = [0.1, 0.25, 0.4, 0.6, 0.9]
        let q = quantiles(&mut [0.9, 0.1, 0.5, 0.3]).unwrap();
        let got = [q.min, q.p25, q.median, q.p75, q.max];
        for (g, w) in got.iter().zip([0.1, 0.25, 0.4, 0.6, 0.9]) {
            assert!((g - w).abs() < 1e-12, "{got:?}");
        }
        assert!(quantiles(&mut []).is_none());
    }

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

//! What `split` and `sample` share: the first pass that gathers what deciding needs, the deterministic order of
//! images (or groups of images), and the second pass that writes every image with its annotations to the output
//! it was given — each record as its input bytes.
//!
//! - [`gather`] walks the dataset once (records parsed in parallel batches by [`crate::coco::walk`]) and keeps,
//!   per image, a dense index, the hash of its `file_name` and its group; per annotation, the dense index of its
//!   image; with `categories`, the set of categories on each image. Never a record: a few bytes per image and
//!   per annotation.
//! - [`Units`] are what is assigned: images, or groups of images sharing the value of an image key
//!   (`--group-by`), in the order of their [`unit_hash`] — the only source of randomness of both commands.
//! - [`write`] walks the file again and sends each image record, and each annotation with its image, to the
//!   output its unit was given (or to none); `categories`, `info`, `licenses` and every other top-level key go
//!   to every output, byte for byte.
//!
//! Not here: how units are chosen (see `split` and `sample`), files (the caller hands in writers and commits them
//! together, so that on an error none is written).

use crate::coco::ids::{BitSet, IdIndex};
use crate::coco::reader::{parse_annotation_with, parse_image, SegMode};
use crate::coco::walk::{
    par_map_ordered, scan_top, scan_top_batched, Chunk, Event, Layout, Section, BATCH,
};
use crate::coco::writer::TopWriter;
use crate::error::{Error, Result};
use crate::io::Input;
use std::collections::HashMap;
use std::io::Write;

/// The hash that orders images and groups: XXH3-64 (xxhash-rust's `xxh3_64_with_seed`) of `bytes` with the
/// user's seed. XXH3 is a fixed, documented function with the same output on every platform and version, so a
/// split depends only on the seed and the file names (not on record order, ids, threads or machine).
pub fn unit_hash(bytes: &[u8], seed: u64) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(bytes, seed)
}

/// What the first pass asks for.
#[derive(Debug, Clone, Default)]
pub struct Wanted {
    /// Hash seed.
    pub seed: u64,
    /// Group images by the value of this image key (a unit is then a group).
    pub group_by: Option<String>,
    /// Keep the set of categories on each unit (for stratification and per-category quotas).
    pub categories: bool,
}

/// What is assigned to an output: one image, or a group of images. Units are numbered in their order: by hash,
/// then (for equal hashes: a repeated file name) by the image id or the group's value.
#[derive(Debug, Default)]
pub struct Units {
    /// Number of units.
    pub len: usize,
    /// Images in each unit.
    pub size: Vec<u32>,
    /// Per unit, its categories with the number of its images that have each: `cats[cat_start[u]..cat_start[u+1]]`.
    /// Empty unless [`Wanted::categories`].
    pub cat_start: Vec<u32>,
    pub cats: Vec<(u32, u32)>,
    /// The category id of each dense category index in `cats`.
    pub cat_ids: Vec<i64>,
    /// Unit of each dense image index.
    unit_of_image: Vec<u32>,
    /// Dense image index of each image record, in file order.
    image_recs: Vec<u32>,
    /// Dense image index of each annotation record's image, in file order.
    ann_image: Vec<u32>,
}

impl Units {
    /// The categories of unit `u`: (dense category index, images of the unit that have it).
    pub fn cats_of(&self, u: usize) -> &[(u32, u32)] {
        match (self.cat_start.get(u), self.cat_start.get(u + 1)) {
            (Some(&s), Some(&e)) => self.cats.get(s as usize..e as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Number of images.
    pub fn images(&self) -> u64 {
        self.image_recs.len() as u64
    }

    /// Per dense category index, the units that have it, in unit order.
    pub fn units_of_categories(&self) -> Vec<Vec<u32>> {
        let mut of_cat: Vec<Vec<u32>> = vec![Vec::new(); self.cat_ids.len()];
        for u in 0..self.len {
            for &(c, _) in self.cats_of(u) {
                if let Some(v) = of_cat.get_mut(c as usize) {
                    v.push(u as u32);
                }
            }
        }
        of_cat
    }
}

/// Per image record, what the first pass reads of it.
struct ImageKey {
    id: i64,
    hash: u64,
    /// The group value's JSON text, with `--group-by`.
    group: Option<String>,
}

fn image_key(buf: &[u8], s: usize, want: &Wanted) -> Result<ImageKey> {
    let im = parse_image(buf, s)?;
    let group = match &want.group_by {
        None => None,
        Some(key) => {
            let raw = match key.as_str() {
                "id" => Some(im.id.to_string()),
                "file_name" => Some(im.file_name.clone()),
                "width" => Some(im.width.to_string()),
                "height" => Some(im.height.to_string()),
                _ => im
                    .extra
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
                    .filter(|v| v != "null"),
            };
            match raw {
                Some(r) => Some(r),
                None => {
                    return Err(Error::at(
                        s,
                        format!("--group-by: the image has no \"{key}\" (or it is null)"),
                    )
                    .for_record(format!("image id {}", im.id)))
                }
            }
        }
    };
    Ok(ImageKey {
        id: im.id,
        hash: unit_hash(im.file_name.as_bytes(), want.seed),
        group,
    })
}

/// The first pass: read `input`'s images and annotations into [`Units`]. `progress` gets the byte position.
pub fn gather(input: &Input, want: &Wanted, progress: &dyn Fn(u64)) -> Result<Units> {
    let buf = input.bytes();
    let mut image_ix = IdIndex::new();
    let mut has_record = BitSet::default();
    // Per dense image index: (hash, id), and the group's dense index.
    let mut order_key: Vec<(u64, i64)> = Vec::new();
    let mut group_of: Vec<u32> = Vec::new();
    let mut groups: HashMap<String, u32> = HashMap::new();
    let mut group_names: Vec<String> = Vec::new();
    let mut image_recs: Vec<u32> = Vec::new();
    let mut ann_image: Vec<u32> = Vec::new();
    let mut cat_ix = IdIndex::new();
    let mut cat_ids: Vec<i64> = Vec::new();
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let layout = scan_top_batched(buf, BATCH, |chunk| {
        let Chunk::Records { section, records } = chunk else {
            return Ok(());
        };
        match section {
            Section::Images => {
                let keys = par_map_ordered(&records, |&(s, _)| image_key(buf, s, want))?;
                for (k, &(s, _)) in keys.into_iter().zip(&records) {
                    let ix = image_ix.index(k.id);
                    if !has_record.insert(ix) {
                        return Err(Error::at(s, format!("duplicate image id {}", k.id))
                            .for_record(format!("image id {}", k.id)));
                    }
                    let i = ix as usize;
                    if order_key.len() <= i {
                        order_key.resize(i + 1, (0, 0));
                        group_of.resize(i + 1, 0);
                    }
                    order_key[i] = (k.hash, k.id);
                    if let Some(g) = k.group {
                        let next = groups.len() as u32;
                        let gi = *groups.entry(g.clone()).or_insert_with(|| {
                            group_names.push(g);
                            next
                        });
                        group_of[i] = gi;
                    }
                    image_recs.push(ix);
                }
            }
            Section::Annotations => {
                let light: Vec<(i64, Option<i64>)> = par_map_ordered(&records, |&(s, _)| {
                    parse_annotation_with(buf, s, SegMode::Kind)
                        .map(|(a, _)| (a.image_id, a.category_id))
                })?;
                for (img, cat) in light {
                    let ix = image_ix.index(img);
                    ann_image.push(ix);
                    if want.categories {
                        if let Some(c) = cat {
                            let ci = cat_ix.index(c);
                            if ci as usize == cat_ids.len() {
                                cat_ids.push(c);
                            }
                            pairs.push((ix, ci));
                        }
                    }
                }
            }
            Section::Categories => {}
        }
        if let Some(&(_, last)) = records.last() {
            input.release(last);
            progress(last as u64);
        }
        Ok(())
    })?;
    if layout != Layout::Dataset {
        return Err(Error::msg(
            "needs a COCO dataset (an object with \"images\"), not a results array",
        ));
    }
    if image_ix.len() as u64 != has_record.len() {
        return Err(orphan_annotation(input, &has_record, &image_ix));
    }
    if u32::try_from(ann_image.len()).is_err() {
        return Err(Error::msg("more than 2^32 - 1 annotations: not supported"));
    }

    // Units in hash order; ties (repeated file names or group values) by image id or group value.
    let n_images = image_ix.len();
    let (len, unit_of_image, size) = if want.group_by.is_some() {
        let hashes: Vec<u64> = group_names
            .iter()
            .map(|g| unit_hash(g.as_bytes(), want.seed))
            .collect();
        let mut order: Vec<u32> = (0..group_names.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            (hashes[a as usize], &group_names[a as usize])
                .cmp(&(hashes[b as usize], &group_names[b as usize]))
        });
        let mut rank = vec![0u32; order.len()];
        for (r, &g) in order.iter().enumerate() {
            rank[g as usize] = r as u32;
        }
        let unit_of_image: Vec<u32> = group_of.iter().map(|&g| rank[g as usize]).collect();
        let mut size = vec![0u32; order.len()];
        for &u in &unit_of_image {
            size[u as usize] += 1;
        }
        (order.len(), unit_of_image, size)
    } else {
        let mut order: Vec<u32> = (0..n_images as u32).collect();
        order.sort_unstable_by_key(|&i| order_key[i as usize]);
        let mut unit_of_image = vec![0u32; n_images];
        for (r, &i) in order.iter().enumerate() {
            unit_of_image[i as usize] = r as u32;
        }
        (n_images, unit_of_image, vec![1u32; n_images])
    };

    let mut units = Units {
        len,
        size,
        unit_of_image,
        image_recs,
        ann_image,
        cat_ids,
        ..Units::default()
    };
    if want.categories {
        // (unit, category, image) once each; then per unit and category, the number of its images.
        let mut triples: Vec<(u32, u32, u32)> = pairs
            .into_iter()
            .map(|(img, c)| (units.unit_of_image[img as usize], c, img))
            .collect();
        triples.sort_unstable();
        triples.dedup();
        units.cat_start = Vec::with_capacity(len + 1);
        let mut t = 0usize;
        for u in 0..len as u32 {
            units.cat_start.push(units.cats.len() as u32);
            while let Some(&(tu, c, _)) = triples.get(t) {
                if tu != u {
                    break;
                }
                let in_unit = units.cats.len() as u32 > units.cat_start[u as usize];
                match units.cats.last_mut() {
                    Some(last) if in_unit && last.0 == c => last.1 += 1,
                    _ => units.cats.push((c, 1)),
                }
                t += 1;
            }
        }
        units.cat_start.push(units.cats.len() as u32);
    }
    Ok(units)
}

/// The error for an annotation whose image no image record has: found by walking the annotations again (only
/// on this error), to name the first such annotation and where it is.
#[cold]
fn orphan_annotation(input: &Input, has_record: &BitSet, image_ix: &IdIndex) -> Error {
    let buf = input.bytes();
    let mut found: Option<Error> = None;
    let _ = scan_top(buf, |ev| {
        if found.is_some() {
            return Ok(());
        }
        if let Event::Record {
            section: Section::Annotations,
            start,
            ..
        } = ev
        {
            let (a, _) = parse_annotation_with(buf, start, SegMode::Kind)?;
            if image_ix
                .get(a.image_id)
                .is_none_or(|ix| !has_record.contains(ix))
            {
                found = Some(
                    Error::at(
                        start,
                        format!(
                            "annotation refers to image id {}, which no image has",
                            a.image_id
                        ),
                    )
                    .for_record(a.describe()),
                );
            }
        }
        Ok(())
    });
    found.unwrap_or_else(|| Error::msg("an annotation refers to an image that no image record has"))
}

/// Not written anywhere (`sample`'s images left out).
pub const NOWHERE: u8 = u8::MAX;

/// What went where.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub images: u64,
    pub annotations: u64,
}

/// The second pass: every image record to `outs[assign[its unit]]`, every annotation to its image's output
/// ([`NOWHERE`]: left out), every other record and key to all of them, as their input bytes in file order.
/// `progress` gets the byte position.
pub fn write(
    input: &Input,
    units: &Units,
    assign: &[u8],
    outs: &mut [&mut dyn Write],
    progress: &dyn Fn(u64),
) -> Result<Vec<Counts>> {
    let buf = input.bytes();
    let mut counts = vec![Counts::default(); outs.len()];
    let mut ws: Vec<TopWriter> = outs.iter_mut().map(|w| TopWriter::new(&mut **w)).collect();
    let dest = |img: Option<&u32>| -> u8 {
        img.and_then(|&i| units.unit_of_image.get(i as usize))
            .and_then(|&u| assign.get(u as usize))
            .copied()
            .unwrap_or(NOWHERE)
    };
    let (mut img_n, mut ann_n, mut seen) = (0usize, 0usize, 0usize);
    let mut had_annotations = false;
    for w in ws.iter_mut() {
        w.begin_object()?;
    }
    scan_top(buf, |ev| {
        match ev {
            Event::Other { key, raw, .. } => {
                for w in ws.iter_mut() {
                    w.raw_member(&key, raw)?;
                }
            }
            Event::SectionStart { section } => {
                had_annotations |= section == Section::Annotations;
                for w in ws.iter_mut() {
                    w.begin_section(section.key())?;
                }
            }
            Event::SectionEnd { .. } => {
                for w in ws.iter_mut() {
                    w.end_array()?;
                }
            }
            Event::Record {
                section,
                start,
                end,
            } => {
                seen += 1;
                if seen.is_multiple_of(BATCH) {
                    input.release(start);
                    progress(start as u64);
                }
                let rec = &buf[start..end];
                let to = match section {
                    Section::Categories => {
                        for w in ws.iter_mut() {
                            w.record(rec)?;
                        }
                        return Ok(());
                    }
                    Section::Images => {
                        img_n += 1;
                        (dest(units.image_recs.get(img_n - 1)), true)
                    }
                    Section::Annotations => {
                        ann_n += 1;
                        (dest(units.ann_image.get(ann_n - 1)), false)
                    }
                };
                if let (Some(w), Some(c)) =
                    (ws.get_mut(to.0 as usize), counts.get_mut(to.0 as usize))
                {
                    w.record(rec)?;
                    if to.1 {
                        c.images += 1;
                    } else {
                        c.annotations += 1;
                    }
                }
            }
        }
        Ok(())
    })?;
    for w in ws.iter_mut() {
        if !had_annotations {
            // As `filter` does: loaders read `dataset["annotations"]` without checking it is there.
            w.begin_section(Section::Annotations.key())?;
            w.end_array()?;
        }
        w.end_object()?;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xxh3_is_the_documented_function() {
        // XXH3-64 of the empty input with seed 0 (xxHash's reference value): pins the function, so that a
        // dependency change cannot move every split.
        assert_eq!(unit_hash(b"", 0), 0x2D06800538D394C2);
    }

    const DS: &str = r#"{"info": {"v": 1.0}, "images": [{"id": 1, "file_name": "a.jpg", "video": 7},
        {"id": 2, "file_name": "b.jpg", "video": 7}, {"id": 3, "file_name": "c.jpg", "video": 8}],
      "annotations": [{"id": 10, "image_id": 1, "category_id": 1}, {"id": 11, "image_id": 2, "category_id": 2},
                      {"id": 12, "image_id": 2, "category_id": 1}, {"id": 13, "image_id": 3, "category_id": 1}],
      "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]}"#;

    #[test]
    fn groups_and_category_counts() {
        let input = Input::from_bytes("t", DS.as_bytes().to_vec());
        let want = Wanted {
            seed: 3,
            group_by: Some("video".into()),
            categories: true,
        };
        let u = gather(&input, &want, &|_| {}).unwrap();
        assert_eq!(u.len, 2);
        let video7 = u.unit_of_image[0] as usize;
        assert_eq!(u.size[video7], 2);
        // Category 1 on both images of video 7, category 2 on one.
        assert_eq!(u.cats_of(video7), &[(0, 2), (1, 1)]);
        assert_eq!(u.cats_of(1 - video7), &[(0, 1)]);
        let mut a = Vec::new();
        let mut b = Vec::new();
        let assign = if video7 == 0 { [0u8, 1] } else { [1u8, 0] };
        let counts = write(&input, &u, &assign, &mut [&mut a, &mut b], &|_| {}).unwrap();
        assert_eq!(
            counts[0],
            Counts {
                images: 2,
                annotations: 3
            }
        );
        assert_eq!(
            counts[1],
            Counts {
                images: 1,
                annotations: 1
            }
        );
        let b = String::from_utf8(b).unwrap();
        assert!(b.starts_with("{\"info\": {\"v\": 1.0}, \"images\": [{\"id\": 3, \"file_name\": \"c.jpg\", \"video\": 8}]"), "{b}");
    }

    #[test]
    fn missing_group_key_and_orphans_are_errors() {
        let input = Input::from_bytes("t", DS.as_bytes().to_vec());
        let want = Wanted {
            group_by: Some("sequence".into()),
            ..Wanted::default()
        };
        let e = gather(&input, &want, &|_| {}).unwrap_err();
        assert!(
            e.to_string()
                .contains("image id 1: --group-by: the image has no \"sequence\""),
            "{e}"
        );
        let orphan = DS.replace("\"image_id\": 3", "\"image_id\": 4");
        let input = Input::from_bytes("t", orphan.into_bytes());
        let e = gather(&input, &Wanted::default(), &|_| {}).unwrap_err();
        assert!(
            e.to_string().contains("image id 4, which no image has"),
            "{e}"
        );
        assert!(e.to_string().contains("annotation id 13"), "{e}");
    }
}

//! Category filtering (`cocokit filter`): keep some categories, their annotations and their images.
//!
//! Selection mirrors pycocotools: categories as `getCatIds(catNms=..., supNms=..., catIds=...)` would pick them
//! (a token matches a name, else a numeric token matches an id), annotations as `getAnnIds(catIds=kept)`, and
//! images as the union over kept categories of `getImgIds(catIds=[c])` — note that pycocotools'
//! `getImgIds(catIds=[a, b])` would give the intersection; a filter keeping several categories wants the union.
//!
//! Two passes over the (memory-mapped) input: the first collects categories and decides each annotation (in
//! parallel batches), holding only id sets and one bit per annotation; the second writes every record that is
//! kept as its original bytes, in file order, with every other top-level key passed through verbatim.

use super::reader::{
    parse_annotation_with, parse_category, parse_image, scan_top, Event, Section, SegMode,
};
use super::writer::TopWriter;
use super::Category;
use crate::error::{Error, Result};
use crate::io::Input;
use rayon::prelude::*;
use std::collections::HashSet;
use std::io::Write;

/// What to keep.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Category names or ids.
    pub cats: Vec<String>,
    /// Supercategory names.
    pub supercats: Vec<String>,
    /// Keep every image, even those without a kept annotation.
    pub keep_all_images: bool,
}

/// What was kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub categories: u64,
    pub annotations: u64,
    pub images: u64,
}

/// Resolve the selection against the file's categories: the ids to keep.
pub fn resolve(categories: &[Category], sel: &Selection) -> Result<HashSet<i64>> {
    let mut keep = HashSet::new();
    for tok in &sel.cats {
        let tok = tok.trim();
        let by_name: Vec<i64> = categories
            .iter()
            .filter(|c| c.name == tok)
            .map(|c| c.id)
            .collect();
        if !by_name.is_empty() {
            keep.extend(by_name);
            continue;
        }
        if let Ok(id) = tok.parse::<i64>() {
            if categories.iter().any(|c| c.id == id) {
                keep.insert(id);
                continue;
            }
            return Err(Error::msg(format!("no category has id {id}")));
        }
        let names: Vec<&str> = categories.iter().map(|c| c.name.as_str()).collect();
        return Err(unknown("category", tok, &names));
    }
    for tok in &sel.supercats {
        let tok = tok.trim();
        let found: Vec<i64> = categories
            .iter()
            .filter(|c| c.supercategory.as_deref() == Some(tok))
            .map(|c| c.id)
            .collect();
        if found.is_empty() {
            let mut names: Vec<&str> = categories
                .iter()
                .filter_map(|c| c.supercategory.as_deref())
                .collect();
            names.sort_unstable();
            names.dedup();
            return Err(unknown("supercategory", tok, &names));
        }
        keep.extend(found);
    }
    Ok(keep)
}

fn unknown(what: &str, tok: &str, names: &[&str]) -> Error {
    let mut close: Vec<(usize, &str)> = names
        .iter()
        .map(|n| (edit_distance(&tok.to_lowercase(), &n.to_lowercase()), *n))
        .filter(|(d, n)| {
            *d <= 2.max(tok.len() / 3) || n.to_lowercase().contains(&tok.to_lowercase())
        })
        .collect();
    close.sort();
    close.dedup();
    let list: Vec<String> = close
        .iter()
        .take(5)
        .map(|(_, n)| format!("\"{n}\""))
        .collect();
    if list.is_empty() {
        Error::msg(format!(
            "unknown {what} \"{tok}\" ({} {what} names in the file)",
            names.len()
        ))
    } else {
        Error::msg(format!(
            "unknown {what} \"{tok}\"; did you mean {}?",
            list.join(", ")
        ))
    }
}

/// Levenshtein distance (small strings).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + (ca != cb) as usize)
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

const BATCH: usize = 16 * 1024;

/// Filter `input` by `sel`, writing the result to `w`.
pub fn filter(input: &Input, sel: &Selection, w: &mut dyn Write) -> Result<Report> {
    let buf = input.bytes();
    // Pass 1: categories and annotation positions.
    let mut categories = Vec::new();
    let mut ann_starts: Vec<usize> = Vec::new();
    let mut image_ids: Vec<i64> = Vec::new();
    let mut seen = 0usize;
    scan_top(buf, |ev| {
        if let Event::Record { start, .. } = &ev {
            seen += 1;
            if seen.is_multiple_of(BATCH) {
                input.release(*start);
            }
        }
        match ev {
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
            Event::Record {
                section: Section::Images,
                start,
                ..
            } => image_ids.push(parse_image(buf, start)?.id),
            _ => {}
        }
        Ok(())
    })?;
    // Parse every annotation (validating the file) before resolving names, keeping (category, image) only.
    let mut light: Vec<(Option<i64>, i64)> = Vec::with_capacity(ann_starts.len());
    for chunk in ann_starts.chunks(BATCH) {
        let part: Vec<(Option<i64>, i64)> = chunk
            .par_iter()
            .map(|&s| {
                parse_annotation_with(buf, s, SegMode::Kind)
                    .map(|(a, _)| (a.category_id, a.image_id))
            })
            .collect::<Result<_>>()?;
        light.extend(part);
        if let Some(&last) = chunk.last() {
            input.release(last);
        }
    }
    let keep_cats = resolve(&categories, sel)?;
    let mut keep_imgs: HashSet<i64> = HashSet::new();
    let keep_ann: Vec<bool> = light
        .iter()
        .map(|&(c, img)| {
            let k = c.is_some_and(|c| keep_cats.contains(&c));
            if k {
                keep_imgs.insert(img);
            }
            k
        })
        .collect();
    drop(light);
    drop(ann_starts);

    // Pass 2: write in file order.
    let mut rep = Report::default();
    let mut t = TopWriter::new(w);
    let mut ann_index = 0usize;
    let (mut img_index, mut cat_index) = (0usize, 0usize);
    t.begin_object()?;
    let mut seen = 0usize;
    let layout = scan_top(buf, |ev| {
        if let Event::Record { start, .. } = &ev {
            seen += 1;
            if seen.is_multiple_of(BATCH) {
                input.release(*start);
            }
        }
        match ev {
            Event::Other { key, raw, .. } => t.raw_member(&key, raw)?,
            Event::SectionStart { section } => t.begin_section(section.key())?,
            Event::SectionEnd { .. } => t.end_array()?,
            Event::Record {
                section,
                start,
                end,
            } => {
                let keep = match section {
                    Section::Annotations => {
                        let k = keep_ann[ann_index];
                        ann_index += 1;
                        rep.annotations += k as u64;
                        k
                    }
                    Section::Images => {
                        let id = image_ids[img_index];
                        img_index += 1;
                        let k = sel.keep_all_images || keep_imgs.contains(&id);
                        rep.images += k as u64;
                        k
                    }
                    Section::Categories => {
                        let k = keep_cats.contains(&categories[cat_index].id);
                        cat_index += 1;
                        rep.categories += k as u64;
                        k
                    }
                };
                if keep {
                    t.record(&buf[start..end])?;
                }
            }
        }
        Ok(())
    })?;
    if layout != super::reader::Layout::Dataset {
        return Err(Error::msg(
            "filter needs a COCO dataset (an object with \"categories\"), not a results array",
        ));
    }
    t.end_object()?;
    Ok(rep)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DS: &str = r#"{"info": "x", "images": [{"id": 1}, {"id": 2}, {"id": 3}],
      "annotations": [{"id": 10, "image_id": 1, "category_id": 1}, {"id": 11, "image_id": 2, "category_id": 2},
                      {"id": 12, "image_id": 2, "category_id": 3}],
      "categories": [{"id": 1, "name": "person", "supercategory": "person"}, {"id": 2, "name": "dog", "supercategory": "animal"},
                     {"id": 3, "name": "cat", "supercategory": "animal"}]}"#;

    fn run(sel: Selection) -> Result<(String, Report)> {
        let mut out = Vec::new();
        let rep = filter(
            &Input::from_bytes("t", DS.as_bytes().to_vec()),
            &sel,
            &mut out,
        )?;
        Ok((String::from_utf8(out).unwrap(), rep))
    }

    #[test]
    fn keeps_categories_annotations_images() {
        let (out, rep) = run(Selection {
            cats: vec!["dog".into(), "1".into()],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            rep,
            Report {
                categories: 2,
                annotations: 2,
                images: 2
            }
        );
        assert_eq!(
            out,
            "{\"info\": \"x\", \"images\": [{\"id\": 1}, {\"id\": 2}], \"annotations\": [{\"id\": 10, \"image_id\": 1, \"category_id\": 1}, {\"id\": 11, \"image_id\": 2, \"category_id\": 2}], \"categories\": [{\"id\": 1, \"name\": \"person\", \"supercategory\": \"person\"}, {\"id\": 2, \"name\": \"dog\", \"supercategory\": \"animal\"}]}\n"
        );
        let (_, rep) = run(Selection {
            supercats: vec!["animal".into()],
            keep_all_images: true,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            rep,
            Report {
                categories: 2,
                annotations: 2,
                images: 3
            }
        );
    }

    #[test]
    fn unknown_names_suggest_close_matches() {
        let e = run(Selection {
            cats: vec!["dgo".into()],
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.msg.contains("did you mean \"dog\""), "{e}");
        let e = run(Selection {
            cats: vec!["99".into()],
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.msg.contains("no category has id 99"), "{e}");
        let e = run(Selection {
            supercats: vec!["animals".into()],
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.msg.contains("\"animal\""), "{e}");
    }
}

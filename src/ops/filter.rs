//! Category filtering (`cocokit filter`): keep some categories, their annotations and their images.
//!
//! Selection mirrors pycocotools: categories as `getCatIds(catNms=..., supNms=..., catIds=...)` would pick them
//! (a token matches a name, else a numeric token matches an id), annotations as `getAnnIds(catIds=kept)`, and
//! images as the union over kept categories of `getImgIds(catIds=[c])` — note that pycocotools'
//! `getImgIds(catIds=[a, b])` would give the intersection; a filter keeping several categories wants the union.
//!
//! `--img-ids` keeps only those images (and the annotations on them), on top of the category selection;
//! `--file-names` the same by `file_name` (both given: the images in both). `--area-rng LO,HI` keeps the
//! annotations with `LO < area < HI` and `--iscrowd` those with that `iscrowd`, as `getAnnIds(areaRng=...,
//! iscrowd=...)` does — both bounds excluded, as there; an annotation without `area` is an error (pycocotools:
//! a KeyError), one without `iscrowd` counts as 0. Images follow their kept annotations, as with `--cats`.
//!
//! A results file (a top-level array of detections) stays one: its detections are kept when their
//! `category_id` is selected (ids; names only through the ground truth's categories, `Selection::gt_categories`),
//! their `image_id` is among `img_ids` and their `score` is at least `score_thr`; one pass, records written as
//! their original bytes in file order.
//!
//! [`run`] is the command's whole request ([`Request`], its flags): the options checked, `--file-names` and
//! `--gt` read, the inputs opened (files, directories, globs: `coco::source`), the output written atomically,
//! the summary returned ([`Report::to_json`], what `--json` prints). It prints nothing.
//!
//! Three passes over the (memory-mapped) input: the first only cuts records and reads the categories (in
//! COCO files they usually come last); the second parses images and annotations in parallel batches and keeps
//! one bit per annotation plus a dense index and one bit per image id; the third writes every record that is
//! kept as its original bytes, in file order, with every other top-level key passed through verbatim. Memory
//! holds those bits and indexes, never records, so it grows by a few bytes per image and nothing else.

use crate::coco::ids::{BitSet, IdIndex};
use crate::coco::reader::{parse_annotation_with, parse_category, parse_image, SegMode};
use crate::coco::source::Source;
use crate::coco::walk::par_map_ordered;
use crate::coco::walk::{scan_top, scan_top_batched, Chunk, Event, Section, BATCH};
use crate::coco::writer::TopWriter;
use crate::coco::Category;
use crate::error::{Error, Result};
use crate::io::{Input, Output};
use crate::json::scan::skip_ws;
use crate::ops::{interrupted, Stoppable, Watch};
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
    /// Only these image ids (all when `None`).
    pub img_ids: Option<HashSet<i64>>,
    /// Results files: only detections with a score at least this.
    pub score_thr: Option<f64>,
    /// Results files: the ground truth's categories, to select by name (ids only without them).
    pub gt_categories: Option<Vec<Category>>,
    /// Only annotations with `lo < area < hi` (pycocotools' `getAnnIds(areaRng=[lo, hi])`: both bounds excluded).
    pub area_rng: Option<(f64, f64)>,
    /// Only annotations with this `iscrowd` (absent counts as 0).
    pub iscrowd: Option<i64>,
    /// Only the images with these file names (and their annotations).
    pub file_names: Option<HashSet<String>>,
}

/// What was kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub categories: u64,
    pub annotations: u64,
    pub images: u64,
    /// Whether the input (and so the output) was a results file: then `annotations` counts detections.
    pub results: bool,
}

impl Report {
    /// What `cocokit filter --json` prints: the counts kept and where the output went.
    pub fn to_json(&self, output: &str) -> serde_json::Value {
        serde_json::json!({"categories": self.categories, "annotations": self.annotations,
                           "images": self.images, "output": output})
    }
}

/// A `cocokit filter` request: its inputs, output and flags, unchecked.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// COCO files, directories of `*.json`, globs (`-`: standard input alone).
    pub inputs: Vec<String>,
    /// The output file; `None` or `-`: standard output.
    pub output: Option<String>,
    /// `--cats`: category names or ids.
    pub cats: Vec<String>,
    /// `--supercats`.
    pub supercats: Vec<String>,
    /// `--keep-all-images`.
    pub keep_all_images: bool,
    /// `--img-ids`.
    pub img_ids: Vec<i64>,
    /// `--file-names`: a text file with one `file_name` per line.
    pub file_names: Option<String>,
    /// `--area-rng LO,HI`: empty, or two numbers.
    pub area_rng: Vec<f64>,
    /// `--iscrowd`: 0 or 1.
    pub iscrowd: Option<i64>,
    /// `--score-thr`.
    pub score_thr: Option<f64>,
    /// `--gt`: the ground truth of a results file (its categories' names).
    pub gt: Option<String>,
}

/// `cocokit filter`: checks `req`, filters its inputs into its output (atomically: nothing is written on
/// error) and returns what was kept.
pub fn run(req: &Request, watch: &dyn Watch) -> Result<Report> {
    if req.cats.is_empty()
        && req.supercats.is_empty()
        && req.img_ids.is_empty()
        && req.score_thr.is_none()
        && req.file_names.is_none()
        && req.area_rng.is_empty()
        && req.iscrowd.is_none()
    {
        return Err(Error::msg(
            "nothing to keep: give --cats, --supercats, --img-ids, --file-names, --area-rng, --iscrowd and/or --score-thr",
        ));
    }
    let area_rng = match req.area_rng[..] {
        [] => None,
        [lo, hi] if !lo.is_nan() && !hi.is_nan() && lo < hi => Some((lo, hi)),
        _ => {
            return Err(Error::msg(
                "--area-rng takes two numbers LO,HI with LO < HI, e.g. 0,1024",
            ))
        }
    };
    if req.iscrowd.is_some_and(|c| !(0..=1).contains(&c)) {
        return Err(Error::msg("--iscrowd must be 0 or 1"));
    }
    let file_names = match &req.file_names {
        None => None,
        Some(path) => Some(read_file_names(path)?),
    };
    if req.score_thr.is_some_and(|t| !t.is_finite()) {
        return Err(Error::msg("--score-thr must be a finite number"));
    }
    let gt_categories = match &req.gt {
        Some(gt) => Some(categories_of(&Input::open(gt)?)?),
        None => None,
    };
    let sel = Selection {
        cats: req.cats.clone(),
        supercats: req.supercats.clone(),
        keep_all_images: req.keep_all_images,
        img_ids: (!req.img_ids.is_empty()).then(|| req.img_ids.iter().copied().collect()),
        score_thr: req.score_thr,
        gt_categories,
        area_rng,
        iscrowd: req.iscrowd,
        file_names,
    };
    let src = Source::open(&req.inputs, &|done, total| watch.files(done, total))?;
    let mut out = Output::create(req.output.as_deref(), &src.paths())?;
    let mut w = Stoppable {
        w: out.writer(),
        watch,
    };
    let rep =
        filter(src.input(), &sel, &mut w).map_err(
            |e| {
                if e.broken_pipe {
                    e
                } else {
                    src.blame(e)
                }
            },
        )?;
    if watch.stop() {
        return Err(interrupted());
    }
    out.commit()?;
    Ok(rep)
}

/// The names of a `--file-names` list: one a line, trimmed, blank lines skipped.
fn read_file_names(path: &str) -> Result<HashSet<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let names: HashSet<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if names.is_empty() {
        return Err(Error::msg("no file names in the list").in_file(path));
    }
    Ok(names)
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

/// The error for a `tok` none of `names` is: `unknown category "dgo"; did you mean "dog"?`.
pub(crate) fn unknown(what: &str, tok: &str, names: &[&str]) -> Error {
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

/// The categories of a dataset (a results file's ground truth, for choosing categories by name).
pub fn categories_of(input: &Input) -> Result<Vec<Category>> {
    let buf = input.bytes();
    let mut categories = Vec::new();
    scan_top_batched(buf, BATCH, |chunk| {
        if let Chunk::Records {
            section: Section::Categories,
            records,
        } = chunk
        {
            for (s, _) in records {
                categories.push(parse_category(buf, s)?);
            }
        }
        Ok(())
    })
    .map_err(|e| e.in_file(input.name()))?;
    Ok(categories)
}

/// An id of `--img-ids` that no record has is an error (a typo would otherwise give an empty file).
fn check_img_ids(ids: &HashSet<i64>, known: impl Fn(i64) -> bool) -> Result<()> {
    let mut missing: Vec<i64> = ids.iter().copied().filter(|&id| !known(id)).collect();
    missing.sort_unstable();
    match missing.first() {
        Some(m) => Err(Error::msg(format!(
            "--img-ids: no image has id {m}{}",
            if missing.len() > 1 {
                format!(" ({} ids missing)", missing.len())
            } else {
                String::new()
            }
        ))),
        None => Ok(()),
    }
}

/// The category ids a results-file selection keeps: ids as given, names through the ground truth's categories.
fn results_categories(sel: &Selection) -> Result<Option<HashSet<i64>>> {
    if sel.cats.is_empty() && sel.supercats.is_empty() {
        return Ok(None);
    }
    if let Some(cats) = &sel.gt_categories {
        return resolve(cats, sel).map(Some);
    }
    if !sel.supercats.is_empty() {
        return Err(Error::msg(
            "a results file has no categories: --supercats needs --gt GT (the ground truth naming them)",
        ));
    }
    let mut keep = HashSet::new();
    for tok in &sel.cats {
        match tok.trim().parse::<i64>() {
            Ok(id) => {
                keep.insert(id);
            }
            Err(_) => {
                return Err(Error::msg(format!(
                    "a results file has only category ids: \"{}\" needs --gt GT (the ground truth naming it), or give its id",
                    tok.trim()
                )))
            }
        }
    }
    Ok(Some(keep))
}

/// Whether annotation `a` passes `--area-rng` and `--iscrowd` (pycocotools' `getAnnIds` tests).
fn kept_by_fields(a: &crate::coco::Annotation, sel: &Selection) -> Result<bool> {
    let area_ok = match sel.area_rng {
        None => true,
        Some((lo, hi)) => match a.area {
            Some(v) => v > lo && v < hi,
            None => {
                return Err(
                    Error::at(a.offset as usize, "annotation has no \"area\" (--area-rng)")
                        .for_record(a.describe()),
                )
            }
        },
    };
    Ok(area_ok && sel.iscrowd.is_none_or(|c| a.iscrowd.unwrap_or(0) == c))
}

/// [`filter`] of a results file: one pass, detections kept as written, the output an array.
fn filter_results(input: &Input, sel: &Selection, w: &mut dyn Write) -> Result<Report> {
    let buf = input.bytes();
    if sel.area_rng.is_some() || sel.iscrowd.is_some() || sel.file_names.is_some() {
        return Err(Error::msg(
            "--area-rng, --iscrowd and --file-names select from a dataset; this is a results file",
        ));
    }
    let cats = results_categories(sel)?;
    let mut rep = Report {
        results: true,
        ..Report::default()
    };
    let mut t = TopWriter::new(w);
    t.begin_array()?;
    scan_top_batched(buf, BATCH, |chunk| {
        let Chunk::Records { records, .. } = chunk else {
            return Ok(());
        };
        // (An --img-ids id without detections is no error here: an image may have none.)
        let keep: Vec<bool> = par_map_ordered(&records, |&(s, _)| {
            let (a, _) = parse_annotation_with(buf, s, SegMode::Kind)?;
            let k = cats
                .as_ref()
                .is_none_or(|c| a.category_id.is_some_and(|id| c.contains(&id)))
                && sel.img_ids.as_ref().is_none_or(|s| s.contains(&a.image_id))
                && sel
                    .score_thr
                    .is_none_or(|thr| a.score.is_some_and(|v| v >= thr));
            Ok(k)
        })?;
        for (&(s, e), k) in records.iter().zip(keep) {
            if k {
                t.record(&buf[s..e])?;
                rep.annotations += 1;
            }
        }
        if let Some(&(_, last)) = records.last() {
            input.release(last);
        }
        Ok(())
    })?;
    t.end_array()?;
    // A results array ends like a dataset object: with a newline.
    t.raw_bytes(b"\n")?;
    Ok(rep)
}

/// Filter `input` by `sel`, writing the result to `w`.
pub fn filter(input: &Input, sel: &Selection, w: &mut dyn Write) -> Result<Report> {
    let buf = input.bytes();
    if buf.get(skip_ws(buf, 0)) == Some(&b'[') {
        return filter_results(input, sel, w);
    }
    // Pass 1: the categories (often the last key) — records are only cut, not parsed, so this is fast — and,
    // with --file-names, the ids of the images named.
    let mut categories = Vec::new();
    let mut named: HashSet<i64> = HashSet::new();
    let mut names_found: HashSet<&str> = HashSet::new();
    scan_top_batched(buf, BATCH, |chunk| {
        match chunk {
            Chunk::Records {
                section: Section::Categories,
                records,
            } => {
                for (s, _) in records {
                    categories.push(parse_category(buf, s)?);
                }
            }
            Chunk::Records {
                section: Section::Images,
                records,
            } if sel.file_names.is_some() => {
                let imgs = par_map_ordered(&records, |&(s, _)| parse_image(buf, s))?;
                if let Some(names) = &sel.file_names {
                    for im in imgs {
                        if let Some(n) = names.get(&im.file_name) {
                            named.insert(im.id);
                            names_found.insert(n.as_str());
                        }
                    }
                }
                if let Some(&(_, last)) = records.last() {
                    input.release(last);
                }
            }
            Chunk::Records { records, .. } => {
                if let Some(&(_, last)) = records.last() {
                    input.release(last);
                }
            }
            Chunk::Event(_) => {}
        }
        Ok(())
    })?;
    if sel.score_thr.is_some() {
        return Err(Error::msg(
            "--score-thr selects detections of a results file; this is a dataset",
        ));
    }
    // The images to keep: --img-ids and/or --file-names.
    let given_ids = sel.img_ids.clone();
    let img_ids: Option<HashSet<i64>> = match (&sel.img_ids, &sel.file_names) {
        (ids, None) => ids.clone(),
        (ids, Some(names)) => {
            let mut missing: Vec<&String> = names
                .iter()
                .filter(|n| !names_found.contains(n.as_str()))
                .collect();
            missing.sort_unstable();
            if let Some(m) = missing.first() {
                return Err(Error::msg(format!(
                    "--file-names: no image has file_name \"{m}\"{}",
                    if missing.len() > 1 {
                        format!(" ({} names missing)", missing.len())
                    } else {
                        String::new()
                    }
                )));
            }
            Some(match ids {
                Some(ids) => named.intersection(ids).copied().collect(),
                None => named,
            })
        }
    };
    let sel = &Selection {
        img_ids,
        ..sel.clone()
    };
    // An unknown name is reported after the whole file is validated (a malformed file is the bigger news).
    // Without --cats/--supercats, every category is kept (a selection by --img-ids alone).
    let keep_cats = if sel.cats.is_empty() && sel.supercats.is_empty() {
        Ok(categories.iter().map(|c| c.id).collect())
    } else {
        resolve(&categories, sel)
    };

    // Pass 2: parse (and validate) images and annotations in parallel batches; keep one bit per annotation
    // and per image id — memory does not depend on the size of the records.
    let mut keep_ann = BitSet::default();
    let mut ann_ordinal = 0u32;
    let mut image_ix = IdIndex::new();
    let mut keep_imgs = BitSet::default();
    // Per image record, the dense index of its id (and the id itself for --img-ids with --keep-all-images).
    let mut image_recs: Vec<u32> = Vec::new();
    let mut image_ids: Vec<i64> = Vec::new();
    scan_top_batched(buf, BATCH, |chunk| {
        match chunk {
            Chunk::Records {
                section: Section::Annotations,
                records,
            } => {
                let light: Vec<(Option<i64>, i64, bool)> = par_map_ordered(&records, |&(s, _)| {
                    let (a, _) = parse_annotation_with(buf, s, SegMode::Kind)?;
                    Ok((a.category_id, a.image_id, kept_by_fields(&a, sel)?))
                })?;
                if let Ok(keep_cats) = &keep_cats {
                    for (c, img, fields) in light {
                        if fields
                            && c.is_some_and(|c| keep_cats.contains(&c))
                            && sel.img_ids.as_ref().is_none_or(|s| s.contains(&img))
                        {
                            keep_ann.insert(ann_ordinal);
                            keep_imgs.insert(image_ix.index(img));
                        }
                        ann_ordinal = ann_ordinal.wrapping_add(1);
                    }
                }
                if let Some(&(_, last)) = records.last() {
                    input.release(last);
                }
            }
            Chunk::Records {
                section: Section::Images,
                records,
            } => {
                let ids: Vec<i64> =
                    par_map_ordered(&records, |&(s, _)| parse_image(buf, s).map(|im| im.id))?;
                if sel.img_ids.is_some() && sel.keep_all_images {
                    image_ids.extend(&ids);
                }
                image_recs.extend(ids.into_iter().map(|id| image_ix.index(id)));
                if let Some(&(_, last)) = records.last() {
                    input.release(last);
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    let keep_cats = keep_cats?;
    if let Some(ids) = &given_ids {
        check_img_ids(ids, |id| image_ix.get(id).is_some())?;
    }
    if ann_ordinal as u64 >= u32::MAX as u64 {
        return Err(Error::msg("more than 2^32 - 1 annotations: not supported"));
    }

    // Pass 3: write in file order.
    let mut rep = Report::default();
    let mut t = TopWriter::new(w);
    let mut ann_index = 0u32;
    let (mut img_index, mut cat_index) = (0usize, 0usize);
    t.begin_object()?;
    let mut seen = 0usize;
    let mut had_annotations = false;
    let layout = scan_top(buf, |ev| {
        if let Event::Record { start, .. } = &ev {
            seen += 1;
            if seen.is_multiple_of(BATCH) {
                input.release(*start);
            }
        }
        match ev {
            Event::Other { key, raw, .. } => t.raw_member(&key, raw)?,
            Event::SectionStart { section } => {
                had_annotations |= section == Section::Annotations;
                t.begin_section(section.key())?
            }
            Event::SectionEnd { .. } => t.end_array()?,
            Event::Record {
                section,
                start,
                end,
            } => {
                let keep = match section {
                    Section::Annotations => {
                        let k = keep_ann.contains(ann_index);
                        ann_index += 1;
                        rep.annotations += k as u64;
                        k
                    }
                    Section::Images => {
                        let k = if sel.keep_all_images {
                            // With --img-ids, "all" is all of those.
                            sel.img_ids.as_ref().is_none_or(|ids| {
                                image_ids.get(img_index).is_some_and(|id| ids.contains(id))
                            })
                        } else {
                            image_recs
                                .get(img_index)
                                .is_some_and(|&k| keep_imgs.contains(k))
                        };
                        img_index += 1;
                        rep.images += k as u64;
                        k
                    }
                    Section::Categories => {
                        // Pass 1 read the same records, so the lookups below always find them.
                        let k = categories
                            .get(cat_index)
                            .is_some_and(|c| keep_cats.contains(&c.id));
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
    if layout != crate::coco::walk::Layout::Dataset {
        return Err(Error::msg(
            "filter needs a COCO dataset (an object with \"categories\"), not a results array",
        ));
    }
    if !had_annotations {
        // A file without annotations (image lists, category lists) still gets the key: pycocotools' loadRes
        // and most tools read `dataset["annotations"]` without checking it is there.
        t.begin_section(Section::Annotations.key())?;
        t.end_array()?;
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
                images: 2,
                results: false
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
                images: 3,
                results: false
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

//! Semantic mIoU from COCO JSON: a ground-truth dataset and a results file, indexed without decoding any
//! segmentation, then painted image by image (in parallel) into label maps that go straight into the
//! [`Accumulator`].
//!
//! Label space: the ground truth's categories sorted by id are the classes; with [`Background::Class`] an
//! unannotated pixel is the class "background" (class index 0, id 0 — a category with id 0, if the file has one,
//! *is* that class), with [`Background::Ignore`] it is ignored. Ground truth is painted as `cocokit rasterize
//! --mode semantic` does: annotations in file order, later ones win, crowd annotations paint "ignore", an
//! annotation without segmentation (or with `[]`) paints nothing.
//! Predictions (instance masks, or COCO-Stuff style one RLE per class) with `score ≥ score_thr` are painted in
//! ascending score (ties: file order), so the highest score wins a pixel; a result without `score` is always kept
//! and painted first. Unpainted prediction pixels are the background class, or "no prediction" when the
//! background is ignored — or, with [`Unpredicted::AsLastClass`] (COCO-Stuff's evaluation), the class with the
//! largest id.
//!
//! Memory: the inputs are memory-mapped; only byte offsets, ids and scores are kept per record, and each worker
//! parses, rasterizes and drops one image's annotations at a time.
//!
//! Not here: RLE / polygon rasterization (see `mask`), the metrics (see `metrics`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::coco::model::{Annotation, Category};
use crate::coco::reader::{parse_annotation_with, parse_category, parse_image, SegMode};
use crate::coco::walk::{scan_top, Event, Layout, Section};
use crate::{Error, Result};

use super::metrics::{compute_metrics, ClassInfo, Convention, MiouResult};
use super::{evaluate_images, Accumulator, LabelCoding, Progress};
use crate::coco::model::image_stem as stem;
use crate::coco::reader::parse_annotation;
use crate::mask::png::{read_label_png, LabelPixels, MapRef};
use crate::mask::raster::Canvas;
use crate::mask::segmentation::segmentation_to_rle;

/// Options of [`evaluate_coco`] (the CLI's `--background`, `--score-thr`, `--absent-as`, `--mean-over`,
/// `--allow-extra`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CocoMiouOptions {
    /// What an unannotated ground-truth pixel is. Default: the class "background".
    pub background: Background,
    /// Results with a lower score are not painted. Default 0.5.
    pub score_thr: f64,
    /// How undefined values and means are treated.
    pub convention: Convention,
    /// Results naming images that are not in the ground truth are skipped instead of an error.
    pub allow_extra: bool,
    /// What a prediction pixel no result paints is. Default: the same as an unannotated ground-truth pixel.
    pub unpredicted: Unpredicted,
}

impl Default for CocoMiouOptions {
    fn default() -> Self {
        CocoMiouOptions {
            background: Background::Class,
            score_thr: 0.5,
            convention: Convention::MMSEG,
            allow_extra: false,
            unpredicted: Unpredicted::AsUnannotated,
        }
    }
}

/// What a prediction pixel that no result paints is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpredicted {
    /// What an unannotated ground-truth pixel is: the background class, or "no prediction" (see [`Background`]).
    AsUnannotated,
    /// The class with the largest id — COCO-Stuff's `COCOStuffeval._accumulateConfusion` (cocostuffapi) counts
    /// a result label 0 at `confusion[g - 1, 0 - 1]`, the last column: class 183, "other", in COCO-Stuff.
    AsLastClass,
}

/// Evaluate a COCO results file against a COCO dataset, both in memory (`gt_name` / `results_name` name them in
/// errors). See the module doc for the painting rules.
pub fn evaluate_coco(
    gt: &[u8],
    results: &[u8],
    opts: &CocoMiouOptions,
    names: (&str, &str),
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<MiouResult> {
    let (gt_name, res_name) = names;
    let ix = index_coco(
        gt,
        results,
        opts.background,
        opts.score_thr,
        opts.allow_extra,
        names,
    )
    .map_err(|e| {
        // The index reads both files; name the one the offset belongs to when the message says.
        if e.msg.starts_with("result")
            || e.record.as_deref().is_some_and(|r| r.starts_with("result"))
        {
            e.in_file(res_name)
        } else {
            e.in_file(gt_name)
        }
    })?;
    let coding = LabelCoding {
        ignore_index: u32::from(COCO_IGNORE),
        reduce_zero_label: false,
    };
    let template = Accumulator::new(ix.space.classes.len(), coding, coding)?;
    progress(Progress::Start(ix.images.len() as u64));
    let space = &ix.space;
    let unpredicted = unpredicted_value(space, opts.unpredicted)?;
    let acc = evaluate_images(&ix.images, &template, |job, acc| {
        let gt_map = paint(gt, &job.gt, job, space, true, space.unannotated)
            .map_err(|e| e.in_file(gt_name))?;
        let pred_map = paint(results, &job.pred, job, space, false, unpredicted)
            .map_err(|e| e.in_file(res_name))?;
        // Both maps are column-major: the accumulator only needs the same pixel order on both sides.
        let (h, w) = (job.height, job.width);
        let g = MapRef::u16(w, h, gt_map.as_col_major())?;
        let p = MapRef::u16(w, h, pred_map.as_col_major())?;
        acc.add(&job.id.to_string(), g, p)?;
        progress(Progress::Image);
        Ok(())
    })?;
    let mut result = compute_metrics(&acc.to_confusion(), &space.classes, opts.convention)?;
    result.missing_predictions = ix
        .images
        .iter()
        .filter(|j| !j.has_results)
        .map(|j| j.id.to_string())
        .collect();
    Ok(result)
}

/// [`evaluate_coco`] on two files (`-` = standard input for one of them); errors name the files.
pub fn evaluate_coco_files(
    gt_path: &str,
    results_path: &str,
    opts: &CocoMiouOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<MiouResult> {
    let gt = crate::io::Input::open(gt_path)?;
    let res = crate::io::Input::open(results_path)?;
    evaluate_coco(
        gt.bytes(),
        res.bytes(),
        opts,
        (gt.name(), res.name()),
        progress,
    )
}

/// Evaluate a directory of label-map PNGs (pixel = category id; 0 = nothing predicted, unless a category has id 0)
/// against a COCO dataset — COCO-Stuff's challenge form (cocostuffapi's `cocostuffhelper.pngToCocoResult` turns
/// such PNGs into one RLE per class, which [`evaluate_coco`] reads the same way). A PNG is matched to an image
/// by its `file_name` stem, as `cocokit rasterize` names them. A pixel no class paints is what
/// [`CocoMiouOptions::unpredicted`] says; an image without a PNG is nothing predicted (listed in
/// `missing_predictions`); a PNG without an image is an error unless `allow_extra`. `score_thr` does not apply.
pub fn evaluate_coco_gt_png_pred(
    gt: &[u8],
    pred_dir: &Path,
    opts: &CocoMiouOptions,
    gt_name: &str,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<MiouResult> {
    let (space, images, _) = index_gt(gt, opts.background).map_err(|e| e.in_file(gt_name))?;
    let mut stems: Vec<String> = Vec::with_capacity(images.len());
    scan_top(gt, |ev| {
        if let Event::Record {
            section: Section::Images,
            start,
            ..
        } = ev
        {
            let img = parse_image(gt, start)?;
            stems.push(stem(&img.file_name, img.id));
        }
        Ok(())
    })
    .map_err(|e| e.in_file(gt_name))?;
    let mut seen: HashMap<&str, i64> = HashMap::with_capacity(stems.len());
    for (st, job) in stems.iter().zip(&images) {
        if let Some(other) = seen.insert(st, job.id) {
            return Err(Error::msg(format!(
                "images {other} and {} have the same file_name stem {st:?}: their PNGs cannot be told apart",
                job.id
            ))
            .in_file(gt_name));
        }
    }
    let mut pngs = super::png_files(pred_dir, "prediction directory")?;
    let jobs: Vec<(&ImageJob, Option<PathBuf>)> = images
        .iter()
        .zip(&stems)
        .map(|(job, st)| (job, pngs.remove(st)))
        .collect();
    if let Some((st, path)) = pngs.iter().next() {
        if !opts.allow_extra {
            return Err(Error::msg(format!(
                "{} PNG(s) without an image in the ground truth, first: {st:?} (use --allow-extra to skip them)",
                pngs.len()
            ))
            .in_file(path.display().to_string()));
        }
    }
    let unpredicted = unpredicted_value(&space, opts.unpredicted)?;
    // Pixel value -> class index (None: not a category of the ground truth).
    let mut lut: Vec<Option<u16>> = vec![None; 1 << 16];
    for (&id, &class) in &space.index {
        if let Ok(v) = usize::try_from(id) {
            if v < lut.len() {
                lut[v] = Some(class);
            }
        }
    }
    if lut[0].is_none() {
        lut[0] = Some(unpredicted);
    }
    let coding = LabelCoding {
        ignore_index: u32::from(COCO_IGNORE),
        reduce_zero_label: false,
    };
    let template = Accumulator::new(space.classes.len(), coding, coding)?;
    progress(Progress::Start(jobs.len() as u64));
    let acc = evaluate_images(&jobs, &template, |(job, png), acc| {
        let (h, w) = (job.height, job.width);
        let gt_map = paint(gt, &job.gt, job, &space, true, space.unannotated)
            .map_err(|e| e.in_file(gt_name))?;
        let g = gt_map.to_row_major()?;
        let pred: Vec<u16> = match png {
            None => vec![unpredicted; g.len()],
            Some(path) => {
                let name = || path.display().to_string();
                let map = read_label_png(path).map_err(|e| e.in_file(name()))?;
                if (map.width, map.height) != (w, h) {
                    return Err(Error::msg(format!(
                        "label map is {}x{} (w x h) but image {} is {w}x{h}",
                        map.width, map.height, job.id
                    ))
                    .in_file(name()));
                }
                let values: Vec<u16> = match map.pixels {
                    LabelPixels::U8(p) => p.into_iter().map(u16::from).collect(),
                    LabelPixels::U16(p) => p,
                };
                values
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| {
                        lut[usize::from(v)].ok_or_else(|| {
                            Error::msg(format!(
                                "pixel ({}, {}) is {v}, not a category id of the ground truth",
                                i % w as usize,
                                i / w as usize
                            ))
                            .in_file(name())
                        })
                    })
                    .collect::<Result<_>>()?
            }
        };
        acc.add(
            &job.id.to_string(),
            MapRef::u16(w, h, &g)?,
            MapRef::u16(w, h, &pred)?,
        )?;
        progress(Progress::Image);
        Ok(())
    })?;
    let mut result = compute_metrics(&acc.to_confusion(), &space.classes, opts.convention)?;
    result.missing_predictions = jobs
        .iter()
        .filter(|(_, p)| p.is_none())
        .map(|(j, _)| j.id.to_string())
        .collect();
    Ok(result)
}

/// The class index a pixel no result paints gets.
fn unpredicted_value(space: &CocoLabelSpace, rule: Unpredicted) -> Result<u16> {
    match rule {
        Unpredicted::AsUnannotated => Ok(space.unannotated),
        // Classes are sorted by id: the last has the largest.
        Unpredicted::AsLastClass => u16::try_from(space.classes.len().saturating_sub(1))
            .map_err(|_| Error::msg("too many classes")),
    }
}

/// Paint one image's annotations (ground truth: file order, crowd = ignore) or kept results (already in paint
/// order) into a column-major label map of class indices, over `unpainted`.
fn paint(
    buf: &[u8],
    starts: &[usize],
    job: &ImageJob,
    space: &CocoLabelSpace,
    is_gt: bool,
    unpainted: u16,
) -> Result<Canvas<u16>> {
    let (h, w) = (job.height, job.width);
    let mut map = Canvas::new(h, w, unpainted);
    for &s in starts {
        let ann: Annotation = parse_annotation(buf, s)?;
        let describe = || {
            if is_gt {
                ann.describe()
            } else {
                format!("result at byte {s} (image id {})", ann.image_id)
            }
        };
        let Some(seg) = &ann.segmentation else {
            if is_gt {
                continue; // as `cocokit rasterize` paints it: nothing
            }
            return Err(
                Error::at(s, "no \"segmentation\": semantic mIoU needs masks")
                    .for_record(describe()),
            );
        };
        let Some(rle) =
            segmentation_to_rle(seg, h, w).map_err(|e| e.at_offset(s).for_record(describe()))?
        else {
            continue; // `[]`: paints nothing
        };
        if (rle.h, rle.w) != (h, w) {
            return Err(Error::at(
                s,
                format!(
                    "mask is {}x{} (h x w) but image {} is {h}x{w}",
                    rle.h, rle.w, job.id
                ),
            )
            .for_record(describe()));
        }
        let value = if is_gt && ann.is_crowd() {
            COCO_IGNORE
        } else {
            // Checked by the index.
            ann.category_id
                .and_then(|c| space.index.get(&c).copied())
                .unwrap_or(COCO_IGNORE)
        };
        map.paint(&rle, value);
    }
    Ok(map)
}

/// What an unannotated ground-truth pixel is (`--background class|ignore`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    /// The class "background" (class index 0, reported with id 0).
    Class,
    /// Ignored.
    Ignore,
}

/// The raw value of "ignore" / "no prediction" in the label maps painted from COCO JSON.
pub const COCO_IGNORE: u16 = u16::MAX;

/// The classes of a COCO label space and the category id → class index map.
#[derive(Debug, Clone, PartialEq)]
pub struct CocoLabelSpace {
    /// Class index → (id, name); the background class first when there is one.
    pub classes: Vec<ClassInfo>,
    /// Category id → class index.
    pub index: HashMap<i64, u16>,
    /// The value of an unannotated pixel: the background class index, or [`COCO_IGNORE`].
    pub unannotated: u16,
}

impl CocoLabelSpace {
    /// Build from the ground truth's categories (any order; duplicate ids are an error).
    pub fn new(categories: &[Category], background: Background) -> Result<Self> {
        let mut cats: Vec<&Category> = categories.iter().collect();
        cats.sort_by_key(|c| c.id);
        if let Some(w) = cats.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(Error::msg(format!("duplicate category id {}", w[0].id)));
        }
        let mut classes = Vec::with_capacity(cats.len() + 1);
        if background == Background::Class && cats.first().is_none_or(|c| c.id != 0) {
            classes.push(ClassInfo {
                id: 0,
                name: "background".into(),
            });
        }
        classes.extend(cats.iter().map(|c| ClassInfo {
            id: c.id,
            name: c.name.clone(),
        }));
        if classes.is_empty() {
            return Err(Error::msg("the ground truth has no categories"));
        }
        if classes.len() > super::MAX_CLASSES {
            return Err(Error::msg(format!(
                "{} classes: more than the {} supported",
                classes.len(),
                super::MAX_CLASSES
            )));
        }
        let index: HashMap<i64, u16> = classes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i as u16))
            .collect();
        let unannotated = match background {
            Background::Class => 0,
            Background::Ignore => COCO_IGNORE,
        };
        let mut index = index;
        if background == Background::Class && !cats.iter().any(|c| c.id == 0) {
            // The synthetic background class is not a category: results may not name it.
            index.remove(&0);
        }
        Ok(CocoLabelSpace {
            classes,
            index,
            unannotated,
        })
    }
}

/// One image to evaluate: its size and the byte offsets of its ground-truth annotations (file order) and of its
/// kept results (paint order).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageJob {
    pub id: i64,
    pub height: u32,
    pub width: u32,
    pub gt: Vec<usize>,
    pub pred: Vec<usize>,
    /// Whether the results file has any record for this image (before the score threshold).
    pub has_results: bool,
}

/// The indexed inputs: the label space and the images in ground-truth file order.
#[derive(Debug, Clone, PartialEq)]
pub struct CocoIndex {
    pub space: CocoLabelSpace,
    pub images: Vec<ImageJob>,
    /// Result records naming images that are not in the ground truth (kept only with `allow_extra`).
    pub extra_results: usize,
}

/// Index a ground-truth dataset and a results file (no segmentation decoded). Unknown images in the results are
/// an error unless `allow_extra`; unknown categories (in either file) always are. Errors name the file
/// (`names`: ground truth, results).
pub fn index_coco(
    gt: &[u8],
    results: &[u8],
    background: Background,
    score_thr: f64,
    allow_extra: bool,
    names: (&str, &str),
) -> Result<CocoIndex> {
    let (space, mut images, by_id) = index_gt(gt, background).map_err(|e| e.in_file(names.0))?;
    let extra_results = index_results(results, &space, &mut images, &by_id, score_thr, allow_extra)
        .map_err(|e| e.in_file(names.1))?;
    Ok(CocoIndex {
        space,
        images,
        extra_results,
    })
}

type GtIndex = (CocoLabelSpace, Vec<ImageJob>, HashMap<i64, usize>);

fn index_gt(gt: &[u8], background: Background) -> Result<GtIndex> {
    let mut starts: [Vec<usize>; 3] = Default::default();
    let layout = scan_top(gt, |ev| {
        if let Event::Record { section, start, .. } = ev {
            starts[section as usize].push(start);
        }
        Ok(())
    })?;
    if layout != Layout::Dataset {
        return Err(Error::msg("the ground truth must be a COCO dataset (an object with \"images\"), not a results array"));
    }
    let [img_starts, ann_starts, cat_starts] = starts;
    debug_assert_eq!(Section::Images as usize, 0);
    let categories = cat_starts
        .iter()
        .map(|&s| parse_category(gt, s))
        .collect::<Result<Vec<_>>>()?;
    let space = CocoLabelSpace::new(&categories, background)?;
    let mut images = Vec::with_capacity(img_starts.len());
    let mut by_id: HashMap<i64, usize> = HashMap::with_capacity(img_starts.len());
    for &s in &img_starts {
        let img = parse_image(gt, s)?;
        if by_id.insert(img.id, images.len()).is_some() {
            return Err(Error::at(s, format!("duplicate image id {}", img.id)));
        }
        images.push(ImageJob {
            id: img.id,
            height: img.height,
            width: img.width,
            gt: Vec::new(),
            pred: Vec::new(),
            has_results: false,
        });
    }
    for &s in &ann_starts {
        let (ann, _) = parse_annotation_with(gt, s, SegMode::Kind)?;
        let Some(&k) = by_id.get(&ann.image_id) else {
            return Err(Error::at(
                s,
                format!(
                    "annotation names image id {}, which is not in \"images\"",
                    ann.image_id
                ),
            )
            .for_record(ann.describe()));
        };
        check_category(&space, ann.category_id, s, || ann.describe())?;
        images[k].gt.push(s);
    }

    Ok((space, images, by_id))
}

/// Adds the kept results' offsets (in paint order) to `images`; returns how many records named unknown images.
fn index_results(
    results: &[u8],
    space: &CocoLabelSpace,
    images: &mut [ImageJob],
    by_id: &HashMap<i64, usize>,
    score_thr: f64,
    allow_extra: bool,
) -> Result<usize> {
    let mut res_starts = Vec::new();
    let layout = scan_top(results, |ev| {
        if let Event::Record { start, .. } = ev {
            res_starts.push(start);
        }
        Ok(())
    })?;
    if layout != Layout::Results {
        return Err(Error::msg(
            "results must be a JSON array of annotations (a COCO results file), found an object",
        ));
    }
    let mut kept: Vec<Vec<(f64, usize)>> = vec![Vec::new(); images.len()];
    let mut extra_results = 0;
    for &s in &res_starts {
        let (ann, _) = parse_annotation_with(results, s, SegMode::Kind)?;
        let describe = || format!("result at byte {s} (image id {})", ann.image_id);
        check_category(space, ann.category_id, s, describe)?;
        let Some(&k) = by_id.get(&ann.image_id) else {
            if allow_extra {
                extra_results += 1;
                continue;
            }
            return Err(Error::at(
                s,
                format!("result names image id {}, which is not in the ground truth (use --allow-extra to skip it)", ann.image_id),
            ));
        };
        images[k].has_results = true;
        match ann.score {
            Some(score) if score >= score_thr => kept[k].push((score, s)),
            Some(_) => {}
            None => kept[k].push((f64::NEG_INFINITY, s)),
        }
    }
    for (job, mut preds) in images.iter_mut().zip(kept) {
        // Ascending score, ties in file order (a stable sort over file-ordered records).
        preds.sort_by(|a, b| a.0.total_cmp(&b.0));
        job.pred = preds.into_iter().map(|(_, s)| s).collect();
    }
    Ok(extra_results)
}

fn check_category(
    space: &CocoLabelSpace,
    id: Option<i64>,
    at: usize,
    describe: impl Fn() -> String,
) -> Result<()> {
    match id {
        None => Err(Error::at(at, "no \"category_id\"").for_record(describe())),
        Some(id) if !space.index.contains_key(&id) => Err(Error::at(
            at,
            format!("category id {id} is not among the ground truth's categories"),
        )
        .for_record(describe())),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GT: &str = r#"{"images": [{"id": 5, "width": 4, "height": 3}, {"id": 2, "width": 2, "height": 2}],
      "categories": [{"id": 7, "name": "cat"}, {"id": 3, "name": "dog"}],
      "annotations": [
        {"id": 1, "image_id": 5, "category_id": 7, "segmentation": [[0, 0, 2, 0, 2, 2]]},
        {"id": 2, "image_id": 2, "category_id": 3, "segmentation": [[0, 0, 1, 0, 1, 1]]},
        {"id": 3, "image_id": 5, "category_id": 3, "iscrowd": 1, "segmentation": {"size": [3, 4], "counts": [0, 12]}}
      ]}"#;

    fn starts_of(buf: &str, needle: &str) -> usize {
        buf.find(needle).unwrap()
    }

    #[test]
    fn label_space() {
        let cats = vec![
            Category {
                id: 7,
                name: "cat".into(),
                ..Default::default()
            },
            Category {
                id: 3,
                name: "dog".into(),
                ..Default::default()
            },
        ];
        let s = CocoLabelSpace::new(&cats, Background::Class).unwrap();
        let ids: Vec<i64> = s.classes.iter().map(|c| c.id).collect();
        assert_eq!(ids, [0, 3, 7]);
        assert_eq!(s.classes[0].name, "background");
        assert_eq!((s.index[&3], s.index[&7], s.unannotated), (1, 2, 0));
        assert!(!s.index.contains_key(&0));
        let s = CocoLabelSpace::new(&cats, Background::Ignore).unwrap();
        assert_eq!(
            (s.classes.len(), s.index[&3], s.unannotated),
            (2, 0, COCO_IGNORE)
        );
        // A category 0 is the background class.
        let mut with0 = cats.clone();
        with0.push(Category {
            id: 0,
            name: "things-free".into(),
            ..Default::default()
        });
        let s = CocoLabelSpace::new(&with0, Background::Class).unwrap();
        assert_eq!(
            (s.classes.len(), s.classes[0].name.as_str(), s.index[&0]),
            (3, "things-free", 0)
        );
        // Duplicates and nothing at all.
        let mut dup = cats.clone();
        dup.push(Category {
            id: 3,
            name: "again".into(),
            ..Default::default()
        });
        assert!(CocoLabelSpace::new(&dup, Background::Class).is_err());
        assert!(CocoLabelSpace::new(&[], Background::Ignore).is_err());
    }

    #[test]
    fn index_orders_and_filters() {
        let res = r#"[
          {"image_id": 5, "category_id": 7, "score": 0.9, "segmentation": [[0, 0, 1, 0, 1, 1]]},
          {"image_id": 5, "category_id": 3, "score": 0.6, "segmentation": [[0, 0, 1, 0, 1, 1]]},
          {"image_id": 5, "category_id": 3, "score": 0.3, "segmentation": [[0, 0, 1, 0, 1, 1]]},
          {"image_id": 5, "category_id": 7, "score": 0.6, "segmentation": [[0, 0, 1, 0, 1, 1]]},
          {"image_id": 5, "category_id": 7, "segmentation": {"size": [3, 4], "counts": [0, 12]}}
        ]"#;
        let ix = index_coco(
            GT.as_bytes(),
            res.as_bytes(),
            Background::Class,
            0.5,
            false,
            ("gt", "res"),
        )
        .unwrap();
        assert_eq!(ix.images.len(), 2);
        let (a, b) = (&ix.images[0], &ix.images[1]);
        assert_eq!(
            (a.id, a.height, a.width, a.gt.len(), b.gt.len()),
            (5, 3, 4, 2, 1)
        );
        assert!(a.has_results && !b.has_results);
        let at = |n: &str| starts_of(res, n);
        let no_score = res
            .find(r#"{"image_id": 5, "category_id": 7, "segmentation""#)
            .unwrap();
        // No score first, then 0.6 (file order), 0.6, 0.9; 0.3 dropped.
        assert_eq!(
            a.pred,
            vec![
                no_score,
                at(r#"{"image_id": 5, "category_id": 3, "score": 0.6"#),
                at(r#"{"image_id": 5, "category_id": 7, "score": 0.6"#),
                at(r#"{"image_id": 5, "category_id": 7, "score": 0.9"#),
            ]
        );
        assert_eq!(a.gt[0], starts_of(GT, r#"{"id": 1,"#));
    }

    #[test]
    fn index_errors() {
        let bad_img = r#"[{"image_id": 99, "category_id": 7, "score": 0.9, "segmentation": []}]"#;
        let e = index_coco(
            GT.as_bytes(),
            bad_img.as_bytes(),
            Background::Class,
            0.5,
            false,
            ("gt", "res"),
        )
        .unwrap_err();
        assert!(
            e.msg.contains("image id 99") && e.msg.contains("--allow-extra"),
            "{e}"
        );
        let ix = index_coco(
            GT.as_bytes(),
            bad_img.as_bytes(),
            Background::Class,
            0.5,
            true,
            ("gt", "res"),
        )
        .unwrap();
        assert_eq!(ix.extra_results, 1);

        let bad_cat = r#"[{"image_id": 5, "category_id": 8, "score": 0.1, "segmentation": []}]"#;
        let e = index_coco(
            GT.as_bytes(),
            bad_cat.as_bytes(),
            Background::Class,
            0.5,
            true,
            ("gt", "res"),
        )
        .unwrap_err();
        assert!(e.msg.contains("category id 8"), "{e}");
        // The synthetic background class is not a category a result may name.
        let bg = r#"[{"image_id": 5, "category_id": 0, "score": 0.9, "segmentation": []}]"#;
        assert!(index_coco(
            GT.as_bytes(),
            bg.as_bytes(),
            Background::Class,
            0.5,
            false,
            ("gt", "res")
        )
        .is_err());
        let no_cat = r#"[{"image_id": 5, "score": 0.9, "segmentation": []}]"#;
        assert!(index_coco(
            GT.as_bytes(),
            no_cat.as_bytes(),
            Background::Class,
            0.5,
            false,
            ("gt", "res")
        )
        .is_err());

        let gt_bad_cat = GT.replace(
            r#""image_id": 2, "category_id": 3"#,
            r#""image_id": 2, "category_id": 4"#,
        );
        let e = index_coco(
            gt_bad_cat.as_bytes(),
            b"[]",
            Background::Class,
            0.5,
            false,
            ("gt", "res"),
        )
        .unwrap_err();
        assert_eq!(e.record.as_deref(), Some("annotation id 2"));
        let gt_bad_img = GT.replace(
            r#""image_id": 2, "category_id": 3"#,
            r#""image_id": 4, "category_id": 3"#,
        );
        assert!(index_coco(
            gt_bad_img.as_bytes(),
            b"[]",
            Background::Class,
            0.5,
            false,
            ("gt", "res")
        )
        .is_err());
        let gt_dup = GT.replace(r#"{"id": 2, "width""#, r#"{"id": 5, "width""#);
        assert!(index_coco(
            gt_dup.as_bytes(),
            b"[]",
            Background::Class,
            0.5,
            false,
            ("gt", "res")
        )
        .is_err());

        // Swapped inputs.
        assert!(index_coco(b"[]", b"[]", Background::Class, 0.5, false, ("gt", "res")).is_err());
        assert!(index_coco(
            GT.as_bytes(),
            GT.as_bytes(),
            Background::Class,
            0.5,
            false,
            ("gt", "res")
        )
        .is_err());
        assert!(index_coco(
            GT.as_bytes(),
            b"[",
            Background::Class,
            0.5,
            false,
            ("gt", "res")
        )
        .is_err());
    }
}

//! Semantic-segmentation evaluation: per-class IoU, Acc, Dice, Precision, F-score and their means, from exact
//! confusion matrices, under a named convention (mmsegmentation, the ADE20K script, detectron2).
//!
//! - [`confusion`]: the per-image accumulator ([`Accumulator`]) and the finished [`ConfusionMatrix`];
//! - [`metrics`]: [`compute_metrics`] and the [`Convention`]s, each naming the reference function it mirrors;
//! - [`report`]: JSON, CSV, confusion CSV, the people table, the SVG bar chart;
//! - [`coco`]: COCO dataset + results JSON, painted image by image ([`coco::evaluate_coco_files`]).
//!
//! This file holds the entry points for label PNGs — [`evaluate_png_dirs`] (two directories matched by file
//! stem; options in, [`MiouResult`] out) — and [`evaluate_images`], the parallel per-image loop every input plugs
//! into. Images are processed in parallel with rayon, one accumulator per worker, merged at the end; only the
//! label maps of the images being processed are in memory. The conventions, the input rules and the JSON schema
//! are documented in `docs/MIOU.md`.
//!
//! Not here: parsing COCO JSON (see `coco`), rasterizing masks (see `mask`), argument parsing and file output
//! (see `cmd`).

pub mod coco;
pub mod confusion;
pub mod metrics;
pub mod report;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use coco::{
    evaluate_coco, evaluate_coco_files, evaluate_coco_gt_png_pred, Background, CocoMiouOptions,
    Unpredicted,
};
pub use confusion::{Accumulator, ConfusionMatrix, Decoded, LabelCoding, MAX_CLASSES};
pub use metrics::{
    compute_metrics, AbsentAs, ClassInfo, ClassMetrics, Convention, MeanOver, MiouResult,
};

use crate::error::FirstFailure;
use crate::mask::png::read_label_png;
use crate::{Error, Result};

/// Options of [`evaluate_png_dirs`] (the CLI's `--num-classes`, `--class-names`, `--ignore-index`,
/// `--reduce-zero-label`, `--absent-as`, `--mean-over`, `--allow-extra`).
#[derive(Debug, Clone, PartialEq)]
pub struct MiouOptions {
    /// Number of classes; may be left out when `class_names` is given (then it is their count).
    pub num_classes: Option<usize>,
    /// One name per class, in label order (see [`read_class_names`]); default: the class ids as names.
    pub class_names: Option<Vec<String>>,
    /// Raw label value that is ignored (ground truth) / "no prediction" (prediction). Default 255.
    pub ignore_index: u32,
    /// mmseg's `reduce_zero_label`, applied to the ground truth and to prediction PNGs alike.
    pub reduce_zero_label: bool,
    /// How undefined values and means are treated.
    pub convention: Convention,
    /// Prediction files without a ground-truth file are ignored instead of an error.
    pub allow_extra: bool,
}

impl Default for MiouOptions {
    fn default() -> Self {
        MiouOptions {
            num_classes: None,
            class_names: None,
            ignore_index: 255,
            reduce_zero_label: false,
            convention: Convention::MMSEG,
            allow_extra: false,
        }
    }
}

impl MiouOptions {
    /// The label coding of both inputs.
    pub fn coding(&self) -> LabelCoding {
        LabelCoding {
            ignore_index: self.ignore_index,
            reduce_zero_label: self.reduce_zero_label,
        }
    }

    /// The classes of a PNG label space: id = the raw pixel value of the class (index + 1 under
    /// `reduce_zero_label`), name from `class_names` or the id.
    pub fn png_classes(&self) -> Result<Vec<ClassInfo>> {
        let n = match (self.num_classes, &self.class_names) {
            (Some(n), Some(names)) if names.len() != n => {
                return Err(Error::msg(format!(
                    "{} class names given for {n} classes",
                    names.len()
                )))
            }
            (Some(n), _) => n,
            (None, Some(names)) => names.len(),
            (None, None) => {
                return Err(Error::msg(
                    "the number of classes is needed (--num-classes or --class-names)",
                ))
            }
        };
        if n == 0 || n > MAX_CLASSES {
            return Err(Error::msg(format!(
                "number of classes must be between 1 and {MAX_CLASSES}, got {n}"
            )));
        }
        let offset = i64::from(self.reduce_zero_label);
        Ok((0..n)
            .map(|i| {
                let id = i as i64 + offset;
                let name = self
                    .class_names
                    .as_ref()
                    .map_or_else(|| id.to_string(), |names| names[i].clone());
                ClassInfo { id, name }
            })
            .collect())
    }
}

/// Progress events of the drivers (for a progress bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The number of images to evaluate, once known.
    Start(u64),
    /// One more image done (sent from worker threads).
    Image,
}

/// Read a class-names file: UTF-8 text, one name per line in label order (a UTF-8 BOM, `\r\n` line ends and
/// trailing blank lines are fine; surrounding spaces are trimmed). An empty name in the middle is an error.
pub fn read_class_names(path: &Path) -> Result<Vec<String>> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(file.clone(), e))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut names: Vec<String> = text.lines().map(|l| l.trim().to_string()).collect();
    while names.last().is_some_and(|n| n.is_empty()) {
        names.pop();
    }
    if let Some(i) = names.iter().position(|n| n.is_empty()) {
        return Err(Error::msg(format!("line {}: empty class name", i + 1)).in_file(file));
    }
    if names.is_empty() {
        return Err(Error::msg("no class names").in_file(file));
    }
    Ok(names)
}

/// Run `add` over every item in parallel (rayon), each worker adding to its own copy of `template` (see
/// [`Accumulator::empty_like`]), and return the merged accumulator. `add` reads/paints the item's label maps and
/// calls [`Accumulator::add`] or [`Accumulator::add_unpredicted`]. An error stops the run and the first failing
/// item in order is the one reported, whatever the timing: items after the first failure seen are skipped,
/// items before it all run.
pub fn evaluate_images<T, F>(items: &[T], template: &Accumulator, add: F) -> Result<Accumulator>
where
    T: Sync,
    F: Fn(&T, &mut Accumulator) -> Result<()> + Sync,
{
    let failed = FirstFailure::default();
    let acc = items
        .par_iter()
        .enumerate()
        .fold(
            || template.empty_like(),
            |mut acc, (k, item)| {
                if !failed.skip(k) {
                    if let Err(e) = add(item, &mut acc) {
                        failed.record(k, e);
                    }
                }
                acc
            },
        )
        .reduce(
            || template.empty_like(),
            |mut a, b| {
                a.merge(&b);
                a
            },
        );
    failed.into_result().map(|()| acc)
}

/// The `.png` files of a directory (not recursive), by file stem. Other files are not label maps and are not
/// looked at.
fn png_files(dir: &Path, what: &str) -> Result<BTreeMap<String, PathBuf>> {
    let name = dir.display().to_string();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::io(name.clone(), e).for_record(what.to_string()))?;
    let mut out = BTreeMap::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(name.clone(), e))?.path();
        let is_png = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("png"));
        if !is_png || !path.is_file() {
            continue;
        }
        let Some(stem) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .map(str::to_string)
        else {
            return Err(Error::msg("file name is not UTF-8").in_file(path.display().to_string()));
        };
        if let Some(prev) = out.insert(stem.clone(), path.clone()) {
            return Err(Error::msg(format!(
                "two files with the stem {stem:?}: {}",
                prev.display()
            ))
            .in_file(path.display().to_string()));
        }
    }
    Ok(out)
}

/// Evaluate a directory of prediction label PNGs against a directory of ground-truth label PNGs, matched by file
/// stem (`ADE_val_00000001.png` ↔ `ADE_val_00000001.png`). Both share one label space: `ignore_index` and
/// `reduce_zero_label` apply to both. A ground-truth image without a prediction counts as predicted all raw 0 —
/// "no prediction" under `reduce_zero_label`, class 0 otherwise — and is listed in
/// [`MiouResult::missing_predictions`]. A prediction without ground truth is an error unless `allow_extra`.
pub fn evaluate_png_dirs(gt_dir: &Path, pred_dir: &Path, opts: &MiouOptions) -> Result<MiouResult> {
    evaluate_png_dirs_with(gt_dir, pred_dir, opts, &|_| {})
}

/// [`evaluate_png_dirs`], reporting [`Progress`] (the number of images once the files are matched, then each
/// image done, from worker threads), e.g. to drive a progress bar.
pub fn evaluate_png_dirs_with(
    gt_dir: &Path,
    pred_dir: &Path,
    opts: &MiouOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<MiouResult> {
    let classes = opts.png_classes()?;
    let gt = png_files(gt_dir, "ground-truth directory")?;
    if gt.is_empty() {
        return Err(Error::msg("no .png files in the ground-truth directory")
            .in_file(gt_dir.display().to_string()));
    }
    let mut pred = png_files(pred_dir, "prediction directory")?;
    let pairs: Vec<(String, PathBuf, Option<PathBuf>)> = gt
        .into_iter()
        .map(|(stem, g)| {
            let p = pred.remove(&stem);
            (stem, g, p)
        })
        .collect();
    if !pred.is_empty() && !opts.allow_extra {
        let (stem, path) = pred
            .iter()
            .next()
            .map(|(s, p)| (s.clone(), p.clone()))
            .unwrap_or_default();
        return Err(Error::msg(format!(
            "{} prediction(s) without ground truth, first: {stem:?} (use --allow-extra to skip them)",
            pred.len()
        ))
        .in_file(path.display().to_string()));
    }
    let template = Accumulator::new(classes.len(), opts.coding(), opts.coding())?;
    progress(Progress::Start(pairs.len() as u64));
    let acc = evaluate_images(&pairs, &template, |(stem, g, p), acc| {
        let gt_map = read_label_png(g)?;
        let done = match p {
            Some(p) => {
                let pred_map = read_label_png(p)?;
                acc.add(stem, gt_map.as_ref(), pred_map.as_ref())
                    .map_err(|e| e.in_file(p.display().to_string()))
            }
            None => acc
                .add_unpredicted(stem, gt_map.as_ref(), 0)
                .map_err(|e| e.in_file(g.display().to_string())),
        };
        progress(Progress::Image);
        done
    })?;
    let mut result = compute_metrics(&acc.to_confusion(), &classes, opts.convention)?;
    result.missing_predictions = pairs
        .iter()
        .filter(|(_, _, p)| p.is_none())
        .map(|(stem, _, _)| stem.clone())
        .collect();
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mask::png::{write_label_png, LabelMap};
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn evaluate_images_reports_the_first_failing_item() {
        let c = LabelCoding {
            ignore_index: 255,
            reduce_zero_label: false,
        };
        let template = Accumulator::new(3, c, c).unwrap();
        let items: Vec<usize> = (0..400).collect();
        for _ in 0..20 {
            let e = evaluate_images(&items, &template, |&k, _| {
                if k >= 37 && k % 3 != 0 {
                    Err(Error::msg(format!("item {k}")))
                } else {
                    Ok(())
                }
            })
            .unwrap_err();
            assert_eq!(e.msg, "item 37");
        }
        let ok = evaluate_images(&items, &template, |_, _| Ok(()));
        assert!(ok.is_ok());
    }

    #[test]
    fn class_names_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("names.txt");
        std::fs::write(&p, "\u{feff}wall\r\n building \nsky\n\n").unwrap();
        assert_eq!(read_class_names(&p).unwrap(), ["wall", "building", "sky"]);
        std::fs::write(&p, "wall\n\nsky\n").unwrap();
        let e = read_class_names(&p).unwrap_err();
        assert!(e.msg.contains("line 2"), "{e}");
        std::fs::write(&p, "\n\n").unwrap();
        assert!(read_class_names(&p).is_err());
        assert!(read_class_names(&dir.path().join("none.txt")).is_err());
    }

    #[test]
    fn png_classes_ids_and_checks() {
        let mut o = MiouOptions {
            num_classes: Some(3),
            reduce_zero_label: true,
            ..Default::default()
        };
        let c = o.png_classes().unwrap();
        assert_eq!((c[0].id, c[0].name.as_str(), c[2].id), (1, "1", 3));
        o.class_names = Some(vec!["a".into(), "b".into()]);
        assert!(o.png_classes().is_err());
        o.num_classes = None;
        assert_eq!(o.png_classes().unwrap()[1].name, "b");
        assert!(MiouOptions::default().png_classes().is_err());
        assert!(MiouOptions {
            num_classes: Some(0),
            ..Default::default()
        }
        .png_classes()
        .is_err());
    }

    fn write(dir: &Path, name: &str, w: u32, h: u32, px: Vec<u8>) {
        write_label_png(&dir.join(name), &LabelMap::from_u8(w, h, px).unwrap()).unwrap();
    }

    #[test]
    fn dirs_missing_extra_and_bad() {
        let root = tempfile::tempdir().unwrap();
        let (g, p) = (root.path().join("gt"), root.path().join("pred"));
        std::fs::create_dir_all(&g).unwrap();
        std::fs::create_dir_all(&p).unwrap();
        write(&g, "a.png", 2, 2, vec![0, 1, 1, 255]);
        write(&g, "b.png", 2, 1, vec![1, 1]);
        write(&p, "a.png", 2, 2, vec![0, 1, 0, 0]);
        std::fs::write(g.join("notes.txt"), "not a label map").unwrap();
        let opts = MiouOptions {
            num_classes: Some(2),
            ..Default::default()
        };
        let (started, done) = (AtomicU64::new(0), AtomicU64::new(0));
        let r = evaluate_png_dirs_with(&g, &p, &opts, &|ev| match ev {
            Progress::Start(n) => started.store(n, Ordering::SeqCst),
            Progress::Image => {
                done.fetch_add(1, Ordering::SeqCst);
            }
        })
        .unwrap();
        assert_eq!((started.into_inner(), done.into_inner()), (2, 2));
        assert_eq!(r.missing_predictions, ["b"]);
        assert_eq!(r.images, 2);
        // b predicted as class 0 everywhere: class 1 has gt 4 (2 in a, 2 in b), 1 right.
        assert_eq!(
            (r.per_class[1].gt_pixels, r.per_class[1].pred_pixels),
            (4, 1)
        );
        assert_eq!(r.per_class[0].pred_pixels, 4);
        assert_eq!(r.ignored_pixels, 1);

        // An extra prediction is an error unless allowed.
        write(&p, "c.png", 1, 1, vec![0]);
        let e = evaluate_png_dirs(&g, &p, &opts).unwrap_err();
        assert!(e.msg.contains("\"c\""), "{e}");
        let ok = evaluate_png_dirs(
            &g,
            &p,
            &MiouOptions {
                allow_extra: true,
                ..opts.clone()
            },
        )
        .unwrap();
        assert_eq!(ok.per_class, r.per_class);

        // Size mismatch names the image and the file.
        write(&p, "b.png", 1, 2, vec![1, 1]);
        let e = evaluate_png_dirs(
            &g,
            &p,
            &MiouOptions {
                allow_extra: true,
                ..opts.clone()
            },
        )
        .unwrap_err();
        assert_eq!(e.record.as_deref(), Some("image b"));
        assert!(e.file.as_deref().unwrap().ends_with("b.png"));

        // Unreadable PNG.
        std::fs::write(p.join("b.png"), b"garbage").unwrap();
        let e = evaluate_png_dirs(
            &g,
            &p,
            &MiouOptions {
                allow_extra: true,
                ..opts.clone()
            },
        )
        .unwrap_err();
        assert!(
            e.msg.contains("unreadable PNG") && e.file.as_deref().unwrap().ends_with("b.png"),
            "{e}"
        );

        // Label out of range.
        write(&p, "b.png", 2, 1, vec![1, 2]);
        let e = evaluate_png_dirs(
            &g,
            &p,
            &MiouOptions {
                allow_extra: true,
                ..opts.clone()
            },
        )
        .unwrap_err();
        assert!(e.msg.contains("predicted label 2"), "{e}");

        // Empty / missing directories.
        let empty = root.path().join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        assert!(evaluate_png_dirs(&empty, &p, &opts)
            .unwrap_err()
            .msg
            .contains("no .png"));
        assert!(evaluate_png_dirs(&root.path().join("nope"), &p, &opts).is_err());
        assert!(evaluate_png_dirs(&g, &root.path().join("nope"), &opts).is_err());
    }
}

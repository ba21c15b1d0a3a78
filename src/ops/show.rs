//! `show`: each image of a dataset with its annotations drawn — masks filled translucently (one colour per
//! category), boxes, keypoint skeletons (the category's `skeleton`), category labels — and, with results,
//! ground truths and predictions coloured by the outcome of matching at IoU 0.5. Also the overlays the HTML
//! report embeds ([`Scenes`], [`render`]).
//!
//! Matching is COCOeval's own (`eval::cocoeval::evaluate_detailed`: `evaluateImg`'s greedy rule per image and
//! category, IoU threshold 0.5, area range all): predictions at or above the score threshold, by descending
//! score, each take the unmatched ground truth of their category with the highest IoU ≥ 0.5, regular ground
//! truths before crowd ones; a crowd region can absorb many predictions. A prediction that matched is a
//! true positive (green), one that matched nothing a false positive (red), one that matched a crowd region is
//! neither (grey); a regular ground truth no prediction took is a false negative (orange), one that was taken
//! is outlined in blue. IoU is mask IoU when every prediction and ground truth considered has a segmentation,
//! else box IoU. Predictions below the threshold are left out before matching.
//!
//! Output: one JPEG (quality 90) per image, named after its `file_name`'s stem (the image id is added when
//! two stems collide), or PNG with [`Format::Png`]; with a grid, contact sheets of N×N images instead. Images
//! are drawn in parallel; every image file is opened and its size checked against the dataset before anything
//! is written, so a missing or mis-sized image stops the command with nothing written. Each output file is
//! written atomically (`io::AtomicFiles`).
//!
//! Not here: matching or IoU (`eval::cocoeval`), pixels (`render::canvas`), argument parsing (`cmd::show`).

use crate::coco::model::{image_stem, Annotation, Category, Image};
use crate::coco::reader::{load_results, Dataset};
use crate::coco::source::Source;
use crate::coco::walk::par_map_ordered;
use crate::error::{Error, Result};
use crate::eval::cocoeval::{evaluate_detailed, GroundTruth, IouType, Params};
use crate::io::AtomicFiles;
use crate::json::scan::Cursor;
use crate::mask::segmentation::segmentation_to_rle;
use crate::ops::filter::{resolve, Selection};
use crate::render::canvas;
use crate::render::palette::{self, Rgb};
use image::RgbImage;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Output image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JPEG at quality 90: photographs with overlays, ~6× smaller than PNG and faster to write.
    Jpeg,
    /// PNG: exact pixels.
    Png,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
        }
    }
    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
        }
    }
}

/// What `show` draws and where.
#[derive(Debug, Clone)]
pub struct Options {
    /// The dataset (ground truth): its files, directories or globs, read as one (`coco::source`).
    pub dataset: Vec<String>,
    /// Where the images are: `file_name` is relative to it.
    pub images_dir: PathBuf,
    /// A results file: predictions drawn and matched against the ground truth.
    pub dt: Option<String>,
    /// Only these image ids (all when empty).
    pub img_ids: Vec<i64>,
    /// Only these categories: names or ids (all when empty).
    pub cats: Vec<String>,
    /// Predictions below this score are left out.
    pub score_thr: f64,
    /// The output directory (created if missing).
    pub out_dir: PathBuf,
    /// Contact sheets of N×N images instead of one file per image.
    pub grid: Option<u32>,
    pub format: Format,
}

/// What `show` did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ShowReport {
    /// Images drawn.
    pub images: usize,
    /// Files written (images, or contact sheets).
    pub files: usize,
    /// Ground truths and predictions drawn.
    pub annotations: u64,
    pub predictions: u64,
    /// With results: true positives, false positives and false negatives at IoU 0.5.
    pub tp: u64,
    pub fp: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
}

/// What an annotation is after matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Ground truth drawn without results.
    Plain,
    /// A prediction that matched a ground truth.
    Tp,
    /// A prediction that matched nothing.
    Fp,
    /// A ground truth no prediction matched.
    Fn,
    /// A ground truth a prediction matched.
    Matched,
    /// A crowd region, or a prediction matched to one.
    Ignored,
}

/// One thing to draw: a ground truth (`score` None) or a prediction.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    pub ann: &'a Annotation,
    pub outcome: Outcome,
    /// Index of its category in the dataset's categories.
    pub cat: Option<usize>,
    /// IoU with its match (true positives).
    pub iou: Option<f64>,
}

/// One image and what to draw on it.
#[derive(Debug, Clone)]
pub struct Scene<'a> {
    pub image: &'a Image,
    pub items: Vec<Item<'a>>,
    pub tp: u32,
    pub fp: u32,
    pub fn_: u32,
    /// Mean IoU of the true positives (None without any).
    pub mean_iou: Option<f64>,
}

/// Every selected image's scene, with what rendering needs to know about categories.
pub struct Scenes<'a> {
    pub categories: &'a [Category],
    /// Per category (same order): its keypoint skeleton as 0-based index pairs.
    skeletons: Vec<Vec<[usize; 2]>>,
    pub scenes: Vec<Scene<'a>>,
    /// Whether results were given (then colours mean outcomes).
    pub matched: bool,
}

/// The ids `tokens` select among `cats` (names or ids).
fn selected_cats(tokens: &[String], cats: &[Category]) -> Result<Option<HashSet<i64>>> {
    if tokens.is_empty() {
        return Ok(None);
    }
    let sel = Selection {
        cats: tokens.to_vec(),
        ..Default::default()
    };
    resolve(cats, &sel)
        .map(Some)
        .map_err(|e| Error::msg(format!("--cats: {}", e.msg)))
}

/// Numbers of a raw JSON array (`keypoints`), or of an array of pairs (`skeleton`) flattened; None when the
/// value is not such an array.
fn raw_numbers(raw: &str) -> Option<Vec<f64>> {
    let mut c = Cursor::new(raw.as_bytes(), 0);
    let mut out = Vec::new();
    c.begin_array().ok()?;
    if c.peek() == Some(b'[') {
        let mut first = true;
        while c.next_elem(&mut first).ok()? {
            c.begin_array().ok()?;
            c.f64_list(&mut out).ok()?;
        }
        Some(out)
    } else {
        c.f64_list(&mut out).ok()?;
        Some(out)
    }
}

fn extra<'e>(extra: &'e [(String, String)], key: &str) -> Option<&'e str> {
    extra
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

impl<'a> Scenes<'a> {
    /// The scenes of `ds` (images and categories selected by `img_ids` and `cats`), with `results` matched
    /// against the ground truth when given.
    pub fn plan(
        ds: &'a Dataset,
        results: Option<&'a [Annotation]>,
        img_ids: &[i64],
        cats: &[String],
        score_thr: f64,
    ) -> Result<Scenes<'a>> {
        let by_id: HashMap<i64, usize> = ds
            .images
            .iter()
            .enumerate()
            .map(|(i, im)| (im.id, i))
            .collect();
        let images: Vec<usize> = if img_ids.is_empty() {
            (0..ds.images.len()).collect()
        } else {
            let mut v = Vec::with_capacity(img_ids.len());
            for id in img_ids {
                let i = by_id.get(id).ok_or_else(|| {
                    Error::msg(format!("--img-ids: {id} is not an image of the dataset"))
                })?;
                v.push(*i);
            }
            v
        };
        let cat_sel = selected_cats(cats, &ds.categories)?;
        let cat_index: HashMap<i64, usize> = ds
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        let wanted = |a: &Annotation| match (&cat_sel, a.category_id) {
            (None, _) => true,
            (Some(s), Some(c)) => s.contains(&c),
            (Some(_), None) => false,
        };
        let selected_imgs: HashSet<i64> = images.iter().map(|&i| ds.images[i].id).collect();
        let mut scenes: Vec<Scene> = images
            .iter()
            .map(|&i| Scene {
                image: &ds.images[i],
                items: Vec::new(),
                tp: 0,
                fp: 0,
                fn_: 0,
                mean_iou: None,
            })
            .collect();
        let pos: HashMap<i64, usize> = scenes
            .iter()
            .enumerate()
            .map(|(p, s)| (s.image.id, p))
            .collect();
        let item = |ann: &'a Annotation, outcome, iou| Item {
            ann,
            outcome,
            cat: ann.category_id.and_then(|c| cat_index.get(&c).copied()),
            iou,
        };
        match results {
            None => {
                for a in &ds.annotations {
                    if let Some(&p) = pos.get(&a.image_id) {
                        if wanted(a) {
                            scenes[p].items.push(item(a, Outcome::Plain, None));
                        }
                    }
                }
            }
            Some(res) => {
                let kept: Vec<usize> = (0..res.len())
                    .filter(|&i| {
                        let r = &res[i];
                        r.score.is_some_and(|s| s >= score_thr)
                            && selected_imgs.contains(&r.image_id)
                            && wanted(r)
                    })
                    .collect();
                let dets: Vec<Annotation> = kept.iter().map(|&i| res[i].clone()).collect();
                let has_mask = |a: &Annotation| {
                    a.segmentation
                        .as_ref()
                        .is_some_and(|s| !matches!(s, crate::coco::Segmentation::Empty))
                };
                let gts = ds
                    .annotations
                    .iter()
                    .filter(|a| selected_imgs.contains(&a.image_id) && wanted(a));
                let segm =
                    !dets.is_empty() && dets.iter().all(has_mask) && gts.clone().all(has_mask);
                let mut params = Params::new(if segm { IouType::Segm } else { IouType::Bbox });
                params.iou_thrs = vec![0.5];
                params.max_dets = vec![usize::MAX / 2];
                params.area_rng = vec![[0.0, 1e10]];
                params.area_rng_lbl = vec!["all".into()];
                params.img_ids = Some(selected_imgs.iter().copied().collect());
                if let Some(s) = &cat_sel {
                    params.cat_ids = Some(s.iter().copied().collect());
                }
                let (ev, cells) = evaluate_detailed(GroundTruth::from(ds), &dets, &params)?;
                let img_ids = &ev.params().img_ids;
                for c in &cells {
                    let Some(&p) = img_ids.get(c.img as usize).and_then(|id| pos.get(id)) else {
                        continue;
                    };
                    let g_n = c.gt.len();
                    let scene = &mut scenes[p];
                    for (d, &di) in c.dt.iter().enumerate() {
                        let m = c.dt_match.get(d).copied().unwrap_or(u32::MAX);
                        let ignored = c.dt_ignore.get(d).copied().unwrap_or(false);
                        let (outcome, iou) = if ignored {
                            (Outcome::Ignored, None)
                        } else if m != u32::MAX {
                            scene.tp += 1;
                            (Outcome::Tp, c.iou.get(d * g_n + m as usize).copied())
                        } else {
                            scene.fp += 1;
                            (Outcome::Fp, None)
                        };
                        let orig = kept.get(di as usize).map(|&i| &res[i]);
                        if let Some(a) = orig {
                            scene.items.push(item(a, outcome, iou));
                        }
                    }
                    for j in 0..g_n {
                        let gpos = c.gt_order.get(j).copied().unwrap_or(0) as usize;
                        let Some(a) = c.gt.get(gpos).and_then(|&g| ds.annotations.get(g as usize))
                        else {
                            continue;
                        };
                        let outcome = if c.gt_ignore.get(j).copied().unwrap_or(false) {
                            Outcome::Ignored
                        } else if c.gt_match.get(j).is_some_and(|&m| m != u32::MAX) {
                            Outcome::Matched
                        } else {
                            scene.fn_ += 1;
                            Outcome::Fn
                        };
                        scene.items.push(item(a, outcome, None));
                    }
                }
                for s in &mut scenes {
                    let ious: Vec<f64> = s.items.iter().filter_map(|i| i.iou).collect();
                    if !ious.is_empty() {
                        s.mean_iou = Some(ious.iter().sum::<f64>() / ious.len() as f64);
                    }
                    // Ground truths under predictions; higher scores drawn last (on top).
                    s.items.sort_by(|a, b| {
                        let key = |i: &Item| i.ann.score.unwrap_or(f64::NEG_INFINITY);
                        key(a).total_cmp(&key(b))
                    });
                }
            }
        }
        let skeletons = ds
            .categories
            .iter()
            .map(|c| {
                extra(&c.extra, "skeleton")
                    .and_then(raw_numbers)
                    .map(|v| {
                        v.chunks_exact(2)
                            .filter(|p| p[0] >= 1.0 && p[1] >= 1.0)
                            .map(|p| [p[0] as usize - 1, p[1] as usize - 1])
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        Ok(Scenes {
            categories: &ds.categories,
            skeletons,
            scenes,
            matched: results.is_some(),
        })
    }

    fn color(&self, it: &Item) -> Rgb {
        match it.outcome {
            Outcome::Plain => palette::category(it.cat.unwrap_or(0)),
            Outcome::Tp => palette::TP,
            Outcome::Fp => palette::FP,
            Outcome::Fn => palette::FN,
            Outcome::Matched => palette::MATCHED_GT,
            Outcome::Ignored => palette::IGNORED,
        }
    }

    fn label(&self, it: &Item) -> Option<String> {
        let name = it.cat.and_then(|c| self.categories.get(c)).map_or_else(
            || it.ann.category_id.map_or("?".into(), |c| c.to_string()),
            |c| c.name.clone(),
        );
        let score = it.ann.score.map(|s| format!(" {s:.2}"));
        match it.outcome {
            Outcome::Plain => Some(name),
            Outcome::Tp => Some(format!("{name}{}", score.unwrap_or_default())),
            Outcome::Fp => Some(format!("FP {name}{}", score.unwrap_or_default())),
            Outcome::Fn => Some(format!("FN {name}")),
            Outcome::Matched => None,
            Outcome::Ignored => it.ann.score.is_none().then(|| format!("crowd {name}")),
        }
    }

    /// Draw scene `s` on `img` (the photo, of the image's size).
    pub fn draw(&self, s: &Scene, img: &mut RgbImage) -> Result<()> {
        let (w, h) = (img.width(), img.height());
        let scale = if w.min(h) >= 720 { 2 } else { 1 };
        // Fills first, then outlines and skeletons, labels last (on top of everything).
        for it in &s.items {
            let fill = match it.outcome {
                Outcome::Plain => 0.45,
                Outcome::Tp | Outcome::Fp | Outcome::Fn => 0.4,
                Outcome::Ignored if it.ann.score.is_none() => 0.25,
                _ => continue,
            };
            if let Some(seg) = &it.ann.segmentation {
                let rle = segmentation_to_rle(seg, h, w).map_err(|e| {
                    Error::msg(format!(
                        "{} of image {}: {}",
                        it.ann.describe(),
                        s.image.id,
                        e.msg
                    ))
                })?;
                if let Some(rle) = rle {
                    canvas::fill_mask(img, &rle, self.color(it), fill);
                }
            }
        }
        for it in &s.items {
            let c = self.color(it);
            let t = match it.outcome {
                Outcome::Matched | Outcome::Ignored => 1,
                _ => 2,
            };
            if let Some(b) = it.ann.bbox {
                canvas::rect(img, b, c, t);
            }
            let kps = extra(&it.ann.extra, "keypoints").and_then(raw_numbers);
            if let Some(k) = kps.filter(|k| k.len() >= 3) {
                let pts: Vec<(f64, f64, f64)> =
                    k.chunks_exact(3).map(|p| (p[0], p[1], p[2])).collect();
                let visible = |i: usize| pts.get(i).filter(|p| p.2 > 0.0);
                if let Some(sk) = it.cat.and_then(|c| self.skeletons.get(c)) {
                    for &[a, b] in sk {
                        if let (Some(p), Some(q)) = (visible(a), visible(b)) {
                            canvas::line(img, (p.0, p.1), (q.0, q.1), c, scale);
                        }
                    }
                }
                for p in pts.iter().filter(|p| p.2 > 0.0) {
                    canvas::dot(img, p.0, p.1, 1.5 * scale as f64, c, [0, 0, 0]);
                }
            }
        }
        for it in &s.items {
            let (Some(text), Some(b)) = (self.label(it), it.ann.bbox) else {
                continue;
            };
            let bg = self.color(it);
            let (_, lh) = canvas::label_size(&text, scale);
            // Above the box when there is room, else just inside it.
            let y = if b[1] >= lh as f64 {
                b[1].round() as i64 - lh as i64
            } else {
                b[1].round() as i64
            };
            canvas::label(
                img,
                b[0].round() as i64,
                y,
                &text,
                palette::text_on(bg),
                bg,
                scale,
            );
        }
        if self.matched {
            let mut x = 4;
            for (t, c) in [
                ("TP", palette::TP),
                ("FP", palette::FP),
                ("FN", palette::FN),
            ] {
                canvas::label(img, x, 4, t, palette::text_on(c), c, scale);
                x += canvas::label_size(t, scale).0 as i64 + 2;
            }
        }
        Ok(())
    }
}

/// The path of an image's file.
pub fn image_path(dir: &Path, im: &Image) -> PathBuf {
    dir.join(&im.file_name)
}

/// Open every scene's image file and check its size against the dataset (headers only), in parallel; the
/// first failure in image order is the error, naming the image id and path.
pub fn check_images(dir: &Path, scenes: &[Scene]) -> Result<()> {
    par_map_ordered(scenes, |s| {
        let p = image_path(dir, s.image);
        let fail =
            |what: String| Error::msg(format!("image id {}: {}: {what}", s.image.id, p.display()));
        let (w, h) = image::ImageReader::open(&p)
            .map_err(|e| fail(e.to_string()))?
            .with_guessed_format()
            .map_err(|e| fail(e.to_string()))?
            .into_dimensions()
            .map_err(|e| fail(e.to_string()))?;
        if (w, h) != (s.image.width, s.image.height) {
            return Err(fail(format!(
                "the file is {w}x{h} but the dataset says {}x{}",
                s.image.width, s.image.height
            )));
        }
        Ok(())
    })
    .map(|_| ())
}

/// Decode an image file to RGB.
pub fn load_photo(dir: &Path, im: &Image) -> Result<RgbImage> {
    let p = image_path(dir, im);
    let fail = |what: String| Error::msg(format!("image id {}: {}: {what}", im.id, p.display()));
    Ok(image::ImageReader::open(&p)
        .map_err(|e| fail(e.to_string()))?
        .with_guessed_format()
        .map_err(|e| fail(e.to_string()))?
        .decode()
        .map_err(|e| fail(e.to_string()))?
        .into_rgb8())
}

/// The photo of `s` with its scene drawn on it.
pub fn render(scenes: &Scenes, s: &Scene, dir: &Path) -> Result<RgbImage> {
    let mut img = load_photo(dir, s.image)?;
    scenes.draw(s, &mut img)?;
    Ok(img)
}

/// `img` encoded as `format`.
pub fn encode(img: &RgbImage, format: Format, out: &mut impl std::io::Write) -> Result<()> {
    let r = match format {
        Format::Jpeg => {
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut *out, 90).encode_image(img)
        }
        Format::Png => img.write_with_encoder(image::codecs::png::PngEncoder::new_with_quality(
            &mut *out,
            image::codecs::png::CompressionType::Fast,
            image::codecs::png::FilterType::Sub,
        )),
    };
    r.map_err(|e| match e {
        image::ImageError::IoError(io) => Error::msg(io.to_string()),
        e => Error::msg(e.to_string()),
    })
}

/// Output names: each image's `file_name` stem, with `_<id>` added to every stem two images share.
fn output_names(scenes: &[Scene], ext: &str) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let stems: Vec<String> = scenes
        .iter()
        .map(|s| image_stem(&s.image.file_name, s.image.id))
        .collect();
    for st in &stems {
        *seen.entry(st.clone()).or_default() += 1;
    }
    scenes
        .iter()
        .zip(&stems)
        .map(|(s, st)| {
            if seen[st] > 1 {
                format!("{st}_{}.{ext}", s.image.id)
            } else {
                format!("{st}.{ext}")
            }
        })
        .collect()
}

/// Tile size of a contact sheet.
const TILE: (u32, u32) = (320, 240);

/// A contact sheet of `scenes` (at most n×n), each image scaled to fit its tile, its id in a corner.
fn contact_sheet(scenes: &Scenes, chunk: &[Scene], n: u32, dir: &Path) -> Result<RgbImage> {
    let tiles: Vec<RgbImage> = chunk
        .par_iter()
        .map(|s| {
            let img = render(scenes, s, dir)?;
            let f = (TILE.0 as f64 / img.width() as f64).min(TILE.1 as f64 / img.height() as f64);
            let (tw, th) = (
                ((img.width() as f64 * f).round() as u32).clamp(1, TILE.0),
                ((img.height() as f64 * f).round() as u32).clamp(1, TILE.1),
            );
            let mut t = image::imageops::thumbnail(&img, tw, th);
            canvas::label(
                &mut t,
                0,
                th as i64 - 10,
                &format!("{}", s.image.id),
                [255; 3],
                [0; 3],
                1,
            );
            Ok(t)
        })
        .collect::<Result<_>>()?;
    let mut sheet = RgbImage::from_pixel(n * TILE.0, n * TILE.1, image::Rgb([40, 40, 40]));
    for (i, t) in tiles.iter().enumerate() {
        let (col, row) = (i as u32 % n, i as u32 / n);
        let x = col * TILE.0 + (TILE.0 - t.width()) / 2;
        let y = row * TILE.1 + (TILE.1 - t.height()) / 2;
        image::imageops::replace(&mut sheet, t, x as i64, y as i64);
    }
    Ok(sheet)
}

/// Draw the selected images into `opts.out_dir`; `progress` is called with the number of images done.
pub fn run(opts: &Options, progress: &(dyn Fn(u64) + Sync)) -> Result<ShowReport> {
    if opts.grid == Some(0) {
        return Err(Error::msg("--grid must be at least 1"));
    }
    if !opts.score_thr.is_finite() {
        return Err(Error::msg("--score-thr must be a finite number"));
    }
    let src = Source::open(&opts.dataset, &|_, _| {})?;
    let ds = Dataset::parse(src.input().bytes()).map_err(|e| src.blame(e))?;
    let results = opts.dt.as_deref().map(load_results).transpose()?;
    let scenes = Scenes::plan(
        &ds,
        results.as_deref(),
        &opts.img_ids,
        &opts.cats,
        opts.score_thr,
    )
    .map_err(|e| match &opts.dt {
        Some(dt) if e.file.is_none() => e.in_file(dt),
        _ => e,
    })?;
    check_images(&opts.images_dir, &scenes.scenes)?;
    if let (Ok(a), Ok(b)) = (opts.out_dir.canonicalize(), opts.images_dir.canonicalize()) {
        if a == b {
            return Err(Error::msg(
                "-o/--output is the images directory: refusing to write over the input images",
            ));
        }
    }
    std::fs::create_dir_all(&opts.out_dir)
        .map_err(|e| Error::io(opts.out_dir.display().to_string(), e))?;
    let ext = opts.format.extension();
    let files = AtomicFiles;
    let done = std::sync::atomic::AtomicU64::new(0);
    let tick = |k: u64| progress(done.fetch_add(k, std::sync::atomic::Ordering::Relaxed) + k);
    let written = match opts.grid {
        None => {
            let names = output_names(&scenes.scenes, ext);
            let jobs: Vec<(&Scene, &String)> = scenes.scenes.iter().zip(&names).collect();
            par_map_ordered(&jobs, |(s, name)| {
                let img = render(&scenes, s, &opts.images_dir)?;
                files.write(&opts.out_dir.join(name), |w| encode(&img, opts.format, w))?;
                tick(1);
                Ok(())
            })?
            .len()
        }
        Some(n) => {
            let per = (n * n) as usize;
            let chunks: Vec<&[Scene]> = scenes.scenes.chunks(per).collect();
            let idx: Vec<usize> = (0..chunks.len()).collect();
            par_map_ordered(&idx, |&i| {
                let sheet = contact_sheet(&scenes, chunks[i], n, &opts.images_dir)?;
                let name = format!("sheet_{:04}.{ext}", i + 1);
                files.write(&opts.out_dir.join(name), |w| encode(&sheet, opts.format, w))?;
                tick(chunks[i].len() as u64);
                Ok(())
            })?
            .len()
        }
    };
    let mut rep = ShowReport {
        images: scenes.scenes.len(),
        files: written,
        ..Default::default()
    };
    for s in &scenes.scenes {
        rep.tp += s.tp as u64;
        rep.fp += s.fp as u64;
        rep.fn_ += s.fn_ as u64;
        for it in &s.items {
            if it.ann.score.is_some() {
                rep.predictions += 1;
            } else {
                rep.annotations += 1;
            }
        }
    }
    Ok(rep)
}

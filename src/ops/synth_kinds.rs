//! Synthetic keypoints and LVIS datasets with matching results (`cocokit synth --kind keypoints|lvis`), for the
//! evaluation benchmarks of those kinds.
//!
//! - keypoints: the 17 COCO person keypoints (names and skeleton as person_keypoints_val2017.json). About 45% of
//!   images have no person; a person is a polygon annotation of `ops::synth` (category 1) with a pose drawn in
//!   its box, each keypoint not labelled (v = 0, x = y = 0), labelled but occluded (v = 1) or visible (v = 2);
//!   about a third of the persons, mostly small ones, have no labelled keypoint (`num_keypoints` 0, which
//!   COCOeval ignores), ~1% are crowd regions (RLE, no keypoints). Results: most persons found with each
//!   keypoint jittered by a few percent of the person's size, some twice, plus false positives; each with
//!   `keypoints` (x, y, confidence), the keypoints' `bbox` and a `score`.
//! - lvis: 1,203 categories with `frequency` r/c/f (as LVIS v1: 337/461/405), images with
//!   `neg_category_ids` and `not_exhaustive_category_ids`, ~12 polygon annotations per image (no crowd, as
//!   LVIS). Results as `ops::synth_detections` makes them (RLE + bbox + score, ~35 per image) with categories
//!   from the image's own, its negative ones and unrelated ones (which the federated evaluation drops).
//!   `image_count`/`instance_count` of the categories are not written (no evaluator reads them).
//!
//! Deterministic for a seed, images generated in parallel and written in order (as `ops::synth`). Not here:
//! the instance dataset (`ops::synth`), panoptic PNGs (`ops::synth_panoptic`).

use crate::coco::categories::COCO_CATEGORIES;
use crate::error::Result;
use crate::mask::polygon::rle_from_polygon;
use crate::ops::synth::{
    category_cdf, crowd, gen_image, object_size, polygon_annotation, push_2dp, star,
    write_annotation, GenAnnotation, GenImage, Rng, SynthOptions,
};
use crate::ops::synth_detections::{jitter, polygons_rle, push_detection};
use rayon::prelude::*;
use std::io::Write;

/// The COCO person keypoints, in file order.
pub const KEYPOINT_NAMES: [&str; 17] = [
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
];

const SKELETON: [[u8; 2]; 19] = [
    [16, 14],
    [14, 12],
    [17, 15],
    [15, 13],
    [12, 13],
    [6, 12],
    [7, 13],
    [6, 7],
    [6, 8],
    [7, 9],
    [8, 10],
    [9, 11],
    [2, 3],
    [1, 2],
    [1, 3],
    [2, 4],
    [3, 5],
    [4, 6],
    [5, 7],
];

/// A standing pose in a unit box (x right, y down), keypoint order as [`KEYPOINT_NAMES`].
const POSE: [[f64; 2]; 17] = [
    [0.50, 0.08],
    [0.54, 0.06],
    [0.46, 0.06],
    [0.59, 0.08],
    [0.41, 0.08],
    [0.68, 0.22],
    [0.32, 0.22],
    [0.78, 0.38],
    [0.22, 0.38],
    [0.82, 0.52],
    [0.18, 0.52],
    [0.62, 0.55],
    [0.38, 0.55],
    [0.63, 0.75],
    [0.37, 0.75],
    [0.64, 0.95],
    [0.36, 0.95],
];

/// What `synth` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynthKind {
    Instances,
    Keypoints,
    Lvis,
    Panoptic,
}

impl SynthKind {
    pub fn parse(s: &str) -> Option<SynthKind> {
        match s {
            "instances" => Some(SynthKind::Instances),
            "keypoints" => Some(SynthKind::Keypoints),
            "lvis" => Some(SynthKind::Lvis),
            "panoptic" => Some(SynthKind::Panoptic),
            _ => None,
        }
    }
}

/// One person: its instance annotation and 17 (x, y, v) keypoints.
struct Person {
    ann: GenAnnotation,
    kps: [[f64; 3]; 17],
}

fn image_rng(seed: u64, k: u64, salt: u64) -> Rng {
    Rng::new(seed ^ salt ^ k.wrapping_mul(0x2545_F491_4F6C_DD1D))
}

/// The persons of image `k` (the image's size and id come from `ops::synth`'s image `k`).
fn persons(seed: u64, img: &GenImage, k: u64) -> Vec<Person> {
    let mut rng = image_rng(seed, k, 0x4B50_5053_0000_0001);
    if rng.below(100) < 45 {
        return Vec::new();
    }
    let n = 1 + ((-rng.f64().max(1e-12).ln()) * 3.0).floor().min(19.0) as u64;
    let (w, h) = (img.width, img.height);
    (0..n)
        .map(|j| {
            let id = (k * 100 + j + 1) as i64;
            if rng.below(100) == 0 {
                let ann = crowd(&mut rng, w, h, 1, 900_100_000_000 + id);
                return Person {
                    ann,
                    kps: [[0.0; 3]; 17],
                };
            }
            let ann = polygon_annotation(&mut rng, w, h, 1, id);
            let [bx, by, bw, bh] = ann.bbox;
            // Small persons mostly have no labelled keypoint, as in COCO.
            let p_none = if ann.area < 1024.0 { 0.75 } else { 0.12 };
            let mut kps = [[0.0; 3]; 17];
            if rng.f64() >= p_none {
                for (kp, pose) in kps.iter_mut().zip(POSE) {
                    let u = rng.below(100);
                    if u < 25 {
                        continue;
                    }
                    let x = (bx + bw * (pose[0] + rng.normal() * 0.04)).clamp(0.0, w as f64 - 1.0);
                    let y = (by + bh * (pose[1] + rng.normal() * 0.03)).clamp(0.0, h as f64 - 1.0);
                    *kp = [x.round(), y.round(), if u < 45 { 1.0 } else { 2.0 }];
                }
            }
            Person { ann, kps }
        })
        .collect()
}

fn push_keypoint_annotation(out: &mut Vec<u8>, p: &Person, img: &GenImage) {
    // `write_annotation` ends with `}`: reopen it for the keypoints.
    write_annotation(out, &p.ann, img.id, img.height, img.width);
    out.pop();
    let n = p.kps.iter().filter(|k| k[2] > 0.0).count();
    let _ = write!(out, ", \"num_keypoints\": {n}, \"keypoints\": [");
    for (i, k) in p.kps.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        let _ = write!(out, "{}, {}, {}", k[0] as i64, k[1] as i64, k[2] as i64);
    }
    out.extend_from_slice(b"]}");
}

/// Write one keypoint result: its 17 (x, y, confidence), the box of those keypoints and the score.
fn push_pose(out: &mut Vec<u8>, first: &mut bool, image_id: i64, kps: &[[f64; 3]; 17], score: f64) {
    if !*first {
        out.extend_from_slice(b", ");
    }
    *first = false;
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for k in kps {
        x0 = x0.min(k[0]);
        x1 = x1.max(k[0]);
        y0 = y0.min(k[1]);
        y1 = y1.max(k[1]);
    }
    let _ = write!(
        out,
        "{{\"image_id\": {image_id}, \"category_id\": 1, \"keypoints\": ["
    );
    for (i, k) in kps.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        push_2dp(out, k[0]);
        out.extend_from_slice(b", ");
        push_2dp(out, k[1]);
        out.extend_from_slice(b", ");
        push_2dp(out, k[2]);
    }
    out.extend_from_slice(b"], \"bbox\": [");
    for (i, v) in [x0, y0, x1 - x0, y1 - y0].into_iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        push_2dp(out, v);
    }
    let _ = write!(out, "], \"score\": {score:.3}}}");
}

/// A pose predicted for a person: labelled keypoints jittered, unlabelled ones guessed from the box.
fn predict_pose(rng: &mut Rng, p: &Person, w: u32, h: u32, amount: f64) -> [[f64; 3]; 17] {
    let [bx, by, bw, bh] = p.ann.bbox;
    let s = p.ann.area.max(1.0).sqrt();
    let mut out = [[0.0; 3]; 17];
    for (i, o) in out.iter_mut().enumerate() {
        let (x, y, spread) = if p.kps[i][2] > 0.0 {
            (p.kps[i][0], p.kps[i][1], 0.04)
        } else {
            (bx + bw * POSE[i][0], by + bh * POSE[i][1], 0.12)
        };
        let x = (x + rng.normal() * spread * amount * s).clamp(0.0, w as f64 - 1.0);
        let y = (y + rng.normal() * spread * amount * s).clamp(0.0, h as f64 - 1.0);
        *o = [x, y, rng.range(0.02, 1.0)];
    }
    out
}

fn keypoint_results(seed: u64, img: &GenImage, k: u64, people: &[Person]) -> Vec<u8> {
    let mut rng = image_rng(seed, k, 0x4B50_5244_0000_0002);
    let (w, h) = (img.width, img.height);
    let mut out = Vec::with_capacity(people.len() * 700);
    let mut first = true;
    for p in people {
        if p.ann.polygons.is_empty() || rng.f64() > 0.85 {
            continue; // crowd, or missed
        }
        let amount = 0.4 + rng.f64() * 1.6;
        let kps = predict_pose(&mut rng, p, w, h, amount);
        let score = (0.3 + 0.7 * rng.f64().sqrt() - 0.1 * (amount - 1.0)).clamp(0.01, 1.0);
        push_pose(&mut out, &mut first, img.id, &kps, score);
        if rng.f64() < 0.1 {
            let kps = predict_pose(&mut rng, p, w, h, 3.0);
            let s2 = (score * rng.range(0.3, 0.9)).max(0.01);
            push_pose(&mut out, &mut first, img.id, &kps, s2);
        }
    }
    // False positives: ~6 per image, a pose in a random box (detectors keep many low-score persons).
    let fps = (-(rng.f64().max(1e-12)).ln() * 6.0).round() as u64;
    for _ in 0..fps.min(40) {
        let (rx, ry) = object_size(&mut rng, w, h);
        let (cx, cy) = (rng.range(0.0, w as f64), rng.range(0.0, h as f64));
        let mut kps = [[0.0; 3]; 17];
        for (o, pose) in kps.iter_mut().zip(POSE) {
            let x = (cx + (pose[0] - 0.5) * 2.0 * rx + rng.normal() * 0.05 * rx)
                .clamp(0.0, w as f64 - 1.0);
            let y = (cy + (pose[1] - 0.5) * 2.0 * ry + rng.normal() * 0.05 * ry)
                .clamp(0.0, h as f64 - 1.0);
            *o = [x, y, rng.range(0.02, 0.6)];
        }
        let score = (0.02 + 0.5 * rng.f64() * rng.f64()).min(1.0);
        push_pose(&mut out, &mut first, img.id, &kps, score);
    }
    out
}

/// LVIS v1's frequency groups: ids 1..=1203, each r, c or f (a fixed shuffle: 337 r, 461 c, 405 f).
pub const LVIS_CATEGORIES: u64 = 1203;

fn lvis_frequency(id: u64) -> u8 {
    // A fixed permutation of the ids (multiplication by a unit mod 1203) split 337 / 461 / 405.
    let p = (id * 457) % LVIS_CATEGORIES;
    if p < 337 {
        b'r'
    } else if p < 337 + 461 {
        b'c'
    } else {
        b'f'
    }
}

/// Cumulative weights of the LVIS categories (index = id - 1): frequent ones common, rare ones rare.
fn lvis_cdf() -> Vec<f64> {
    let mut acc = 0.0;
    let w: Vec<f64> = (1..=LVIS_CATEGORIES)
        .map(|id| match lvis_frequency(id) {
            b'f' => 40.0,
            b'c' => 3.0,
            _ => 0.25,
        })
        .collect();
    let total: f64 = w.iter().sum();
    w.iter()
        .map(|x| {
            acc += x / total;
            acc
        })
        .collect()
}

fn pick(rng: &mut Rng, cdf: &[f64]) -> i64 {
    let u = rng.f64();
    (cdf.partition_point(|&x| x <= u).min(cdf.len() - 1) + 1) as i64
}

/// One LVIS image: positive annotations, negative and not-exhaustive category ids.
struct LvisImage {
    anns: Vec<GenAnnotation>,
    neg: Vec<i64>,
    not_exhaustive: Vec<i64>,
}

fn lvis_image(seed: u64, img: &GenImage, k: u64, cdf: &[f64]) -> LvisImage {
    let mut rng = image_rng(seed, k, 0x4C56_4953_0000_0003);
    let (w, h) = (img.width, img.height);
    let n_cats = 1 + ((-rng.f64().max(1e-12).ln()) * 2.5).floor().min(30.0) as usize;
    let mut cats: Vec<i64> = Vec::with_capacity(n_cats);
    while cats.len() < n_cats {
        let c = pick(&mut rng, cdf);
        if !cats.contains(&c) {
            cats.push(c);
        }
    }
    let mut anns = Vec::new();
    let mut not_exhaustive = Vec::new();
    for &c in &cats {
        let m = 1 + ((-rng.f64().max(1e-12).ln()) * 2.5).floor().min(40.0) as u64;
        for _ in 0..m {
            let id = (k * 1000 + anns.len() as u64 + 1) as i64;
            anns.push(polygon_annotation(&mut rng, w, h, c, id));
        }
        if rng.below(100) < 12 {
            not_exhaustive.push(c);
        }
    }
    let n_neg = 3 + rng.below(12) as usize;
    let mut neg: Vec<i64> = Vec::with_capacity(n_neg);
    for _ in 0..4 * n_neg {
        if neg.len() == n_neg {
            break;
        }
        let c = pick(&mut rng, cdf);
        if !cats.contains(&c) && !neg.contains(&c) {
            neg.push(c);
        }
    }
    neg.sort_unstable();
    not_exhaustive.sort_unstable();
    LvisImage {
        anns,
        neg,
        not_exhaustive,
    }
}

fn push_ids(out: &mut Vec<u8>, ids: &[i64]) {
    out.push(b'[');
    for (i, c) in ids.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        let _ = write!(out, "{c}");
    }
    out.push(b']');
}

fn lvis_results(seed: u64, img: &GenImage, k: u64, li: &LvisImage, cdf: &[f64]) -> Vec<u8> {
    let mut rng = image_rng(seed, k, 0x4C56_5244_0000_0004);
    let (w, h) = (img.width, img.height);
    let mut out = Vec::with_capacity(li.anns.len() * 500);
    let mut first = true;
    for a in &li.anns {
        if rng.f64() > 0.8 {
            continue;
        }
        let amount = 0.5 + rng.f64() * 1.5;
        let parts: Vec<Vec<f64>> = a
            .polygons
            .iter()
            .map(|p| jitter(&mut rng, p, w, h, amount))
            .collect();
        let category = if rng.f64() < 0.1 {
            pick(&mut rng, cdf)
        } else {
            a.category_id
        };
        let score = (0.3 + 0.7 * rng.f64().sqrt() - 0.1 * (amount - 1.0)).clamp(0.01, 1.0);
        let rle = polygons_rle(&parts, h, w);
        push_detection(&mut out, &mut first, img.id, category, &rle, score);
        if rng.f64() < 0.15 {
            let again: Vec<Vec<f64>> = a
                .polygons
                .iter()
                .map(|p| jitter(&mut rng, p, w, h, 2.5))
                .collect();
            let rle = polygons_rle(&again, h, w);
            let s2 = (score * rng.range(0.3, 0.9)).max(0.01);
            push_detection(&mut out, &mut first, img.id, category, &rle, s2);
        }
    }
    // Low-score guesses: ~25 per image, of the image's categories, its negative ones, or any.
    let fps = 10 + rng.below(30);
    for _ in 0..fps {
        let rx = rng.range(4.0, (w as f64 / 4.0).max(5.0));
        let ry = rng.range(4.0, (h as f64 / 4.0).max(5.0));
        let (cx, cy) = (rng.range(0.0, w as f64), rng.range(0.0, h as f64));
        let n = 6 + rng.below(12) as usize;
        let p = star(&mut rng, cx, cy, rx, ry, n, w, h);
        let rle = rle_from_polygon(&p, h, w);
        let u = rng.below(100);
        let category = if u < 40 && !li.anns.is_empty() {
            li.anns[rng.below(li.anns.len() as u64) as usize].category_id
        } else if u < 60 && !li.neg.is_empty() {
            li.neg[rng.below(li.neg.len() as u64) as usize]
        } else {
            pick(&mut rng, cdf)
        };
        let score = (0.01 + 0.5 * rng.f64() * rng.f64()).min(1.0);
        push_detection(&mut out, &mut first, img.id, category, &rle, score);
    }
    out
}

/// Write `items(k)` for every image `k` in order, `, `-separated, generated in parallel chunks.
fn write_per_image(
    images: u64,
    w: &mut dyn Write,
    progress: &dyn Fn(u64),
    item: &(dyn Fn(u64) -> Vec<u8> + Sync),
) -> Result<()> {
    const CHUNK: u64 = 1024;
    let mut first = true;
    let mut start = 0;
    while start < images {
        let end = (start + CHUNK).min(images);
        let parts: Vec<Vec<u8>> = (start..end).into_par_iter().map(item).collect();
        for p in parts {
            if p.is_empty() {
                continue;
            }
            if !first {
                w.write_all(b", ")?;
            }
            first = false;
            w.write_all(&p)?;
        }
        progress(end);
        start = end;
    }
    Ok(())
}

const INFO: &str = "{\"info\": {\"description\": \"cocokit synth: a synthetic dataset\", \"version\": \"1.0\", \"year\": 2026, \"contributor\": \"cocokit synth\"}, ";

/// Write a keypoints dataset (person_keypoints-like) for `opts`.
pub fn write_keypoints_dataset(
    opts: &SynthOptions,
    w: &mut dyn Write,
    progress: &dyn Fn(u64),
) -> Result<()> {
    let cdf = category_cdf();
    w.write_all(INFO.as_bytes())?;
    w.write_all(b"\"images\": [")?;
    write_per_image(opts.images, w, &|_| {}, &|k| {
        let mut out = Vec::with_capacity(300);
        crate::ops::synth::write_image(&mut out, &gen_image(opts.seed, k, &cdf), k);
        out
    })?;
    w.write_all(b"], \"annotations\": [")?;
    write_per_image(opts.images, w, progress, &|k| {
        let img = gen_image(opts.seed, k, &cdf);
        let mut out = Vec::new();
        for (j, p) in persons(opts.seed, &img, k).iter().enumerate() {
            if j > 0 {
                out.extend_from_slice(b", ");
            }
            push_keypoint_annotation(&mut out, p, &img);
        }
        out
    })?;
    w.write_all(b"], \"categories\": [{\"supercategory\": \"person\", \"id\": 1, \"name\": \"person\", \"keypoints\": [")?;
    for (i, n) in KEYPOINT_NAMES.iter().enumerate() {
        if i > 0 {
            w.write_all(b", ")?;
        }
        write!(w, "\"{n}\"")?;
    }
    w.write_all(b"], \"skeleton\": [")?;
    for (i, [a, b]) in SKELETON.iter().enumerate() {
        if i > 0 {
            w.write_all(b", ")?;
        }
        write!(w, "[{a}, {b}]")?;
    }
    w.write_all(b"]}]}\n")?;
    Ok(())
}

/// Write keypoint results for the dataset [`write_keypoints_dataset`] makes.
pub fn write_keypoints_results(
    opts: &SynthOptions,
    w: &mut dyn Write,
    progress: &dyn Fn(u64),
) -> Result<()> {
    let cdf = category_cdf();
    w.write_all(b"[")?;
    write_per_image(opts.images, w, progress, &|k| {
        let img = gen_image(opts.seed, k, &cdf);
        keypoint_results(opts.seed, &img, k, &persons(opts.seed, &img, k))
    })?;
    w.write_all(b"]\n")?;
    Ok(())
}

/// Write an LVIS-like dataset for `opts`.
pub fn write_lvis_dataset(
    opts: &SynthOptions,
    w: &mut dyn Write,
    progress: &dyn Fn(u64),
) -> Result<()> {
    let cdf = category_cdf();
    let lcdf = lvis_cdf();
    w.write_all(INFO.as_bytes())?;
    w.write_all(b"\"images\": [")?;
    write_per_image(opts.images, w, &|_| {}, &|k| {
        let img = gen_image(opts.seed, k, &cdf);
        let li = lvis_image(opts.seed, &img, k, &lcdf);
        let mut out = Vec::with_capacity(300);
        let _ = write!(
            out,
            "{{\"id\": {}, \"width\": {}, \"height\": {}, \"coco_url\": \"http://images.cocodataset.org/val2017/{}\", \"neg_category_ids\": ",
            img.id, img.width, img.height, img.file_name
        );
        push_ids(&mut out, &li.neg);
        out.extend_from_slice(b", \"not_exhaustive_category_ids\": ");
        push_ids(&mut out, &li.not_exhaustive);
        out.push(b'}');
        out
    })?;
    w.write_all(b"], \"annotations\": [")?;
    write_per_image(opts.images, w, progress, &|k| {
        let img = gen_image(opts.seed, k, &cdf);
        let li = lvis_image(opts.seed, &img, k, &lcdf);
        let mut out = Vec::new();
        for (j, a) in li.anns.iter().enumerate() {
            if j > 0 {
                out.extend_from_slice(b", ");
            }
            write_annotation(&mut out, a, img.id, img.height, img.width);
        }
        out
    })?;
    w.write_all(b"], \"categories\": [")?;
    for id in 1..=LVIS_CATEGORIES {
        if id > 1 {
            w.write_all(b", ")?;
        }
        // The first 80 borrow COCO's names, the rest are numbered.
        let name = match COCO_CATEGORIES.get(id as usize - 1) {
            Some(c) => c.1.replace(' ', "_"),
            None => format!("object_{id:04}"),
        };
        write!(
            w,
            "{{\"id\": {id}, \"name\": \"{name}\", \"synonyms\": [\"{name}\"], \"def\": \"a synthetic category\", \"synset\": \"{name}.n.01\", \"frequency\": \"{}\"}}",
            lvis_frequency(id) as char
        )?;
    }
    w.write_all(b"]}\n")?;
    Ok(())
}

/// Write results for the dataset [`write_lvis_dataset`] makes.
pub fn write_lvis_results(
    opts: &SynthOptions,
    w: &mut dyn Write,
    progress: &dyn Fn(u64),
) -> Result<()> {
    let cdf = category_cdf();
    let lcdf = lvis_cdf();
    w.write_all(b"[")?;
    write_per_image(opts.images, w, progress, &|k| {
        let img = gen_image(opts.seed, k, &cdf);
        let li = lvis_image(opts.seed, &img, k, &lcdf);
        lvis_results(opts.seed, &img, k, &li, &lcdf)
    })?;
    w.write_all(b"]\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequency_groups_have_lvis_sizes() {
        let count = |f: u8| {
            (1..=LVIS_CATEGORIES)
                .filter(|&i| lvis_frequency(i) == f)
                .count()
        };
        assert_eq!((count(b'r'), count(b'c'), count(b'f')), (337, 461, 405));
    }
}

//! Synthetic detection results matching a `cocokit synth` dataset (`synth --results`), for evaluation benchmarks.
//!
//! For every image the generator of `ops::synth` is re-run (same seed, same image), and detections are made
//! from its ground truth the way a decent detector errs: most objects found (~88%) with jittered shapes (vertex
//! noise, a small shift and scale), a few with the wrong category (~6%), some found twice (~12%, lower score),
//! plus false positives (~6.5 per image) with low scores. Scores spread over (0, 1], higher for true
//! detections. Each detection is written as pycocotools writes results: `image_id`, `category_id`,
//! `segmentation` as compressed RLE (`frPyObjects` of the jittered polygon), `bbox` (`toBbox` of that mask) and
//! `score` — about 13 detections per image, 65k for 5,000 images.
//!
//! The dataset generator itself is `ops::synth`.

use crate::coco::categories::COCO_CATEGORIES;
use crate::error::Result;
use crate::json::pretty::write_escaped;
use crate::mask::polygon::rle_from_polygon;
use crate::mask::rle::Rle;
use crate::ops::synth::{gen_image, star, GenImage, Rng, SynthOptions};
use std::io::Write;

fn centre(p: &[f64]) -> (f64, f64) {
    let n = (p.len() / 2).max(1) as f64;
    let (mut x, mut y) = (0.0, 0.0);
    for q in p.chunks_exact(2) {
        x += q[0];
        y += q[1];
    }
    (x / n, y / n)
}

/// A jittered copy of a polygon (vertex noise, shift, scale), kept inside the image.
pub(crate) fn jitter(rng: &mut Rng, p: &[f64], w: u32, h: u32, amount: f64) -> Vec<f64> {
    let (cx, cy) = centre(p);
    let (x0, x1, y0, y1) = p
        .chunks_exact(2)
        .fold((f64::MAX, f64::MIN, f64::MAX, f64::MIN), |a, q| {
            (a.0.min(q[0]), a.1.max(q[0]), a.2.min(q[1]), a.3.max(q[1]))
        });
    let size = ((x1 - x0).max(1.0) * (y1 - y0).max(1.0)).sqrt();
    let scale = 1.0 + rng.normal() * 0.06 * amount;
    let (dx, dy) = (
        rng.normal() * 0.05 * amount * size,
        rng.normal() * 0.05 * amount * size,
    );
    let mut out = Vec::with_capacity(p.len());
    for q in p.chunks_exact(2) {
        let nx = rng.normal() * 0.02 * amount * size;
        let ny = rng.normal() * 0.02 * amount * size;
        let x = (cx + (q[0] - cx) * scale + dx + nx).clamp(0.0, w as f64 - 0.01);
        let y = (cy + (q[1] - cy) * scale + dy + ny).clamp(0.0, h as f64 - 0.01);
        out.push((x * 100.0).round() / 100.0);
        out.push((y * 100.0).round() / 100.0);
    }
    out
}

pub(crate) fn polygons_rle(parts: &[Vec<f64>], h: u32, w: u32) -> Rle {
    let rles: Vec<Rle> = parts.iter().map(|p| rle_from_polygon(p, h, w)).collect();
    if rles.len() == 1 {
        rles.into_iter().next().unwrap_or_default()
    } else {
        Rle::merge(&rles, false)
    }
}

pub(crate) fn push_detection(
    out: &mut Vec<u8>,
    first: &mut bool,
    image_id: i64,
    category_id: i64,
    rle: &Rle,
    score: f64,
) {
    if !*first {
        out.extend_from_slice(b", ");
    }
    *first = false;
    let _ = write!(out, "{{\"image_id\": {image_id}, \"category_id\": {category_id}, \"segmentation\": {{\"size\": [{}, {}], \"counts\": ", rle.h, rle.w);
    write_escaped(out, &rle.to_compressed());
    let b = rle.to_bbox();
    let _ = write!(
        out,
        "}}, \"bbox\": [{}, {}, {}, {}], \"score\": {:.3}}}",
        b[0], b[1], b[2], b[3], score
    );
}

/// The detections of one generated image, serialized (`, `-separated, no brackets).
pub fn image_detections(seed: u64, img: &GenImage, k: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed ^ 0xD37E_C7ED_5EED_0001 ^ k.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let (h, w) = (img.height, img.width);
    let mut out = Vec::with_capacity(img.annotations.len() * 400);
    let mut first = true;
    for a in &img.annotations {
        let parts: Vec<Vec<f64>> = if a.polygons.is_empty() {
            // A crowd region: a detector sees a blob where it is.
            let (cx, cy) = (a.bbox[0] + a.bbox[2] / 2.0, a.bbox[1] + a.bbox[3] / 2.0);
            vec![star(
                &mut rng,
                cx,
                cy,
                a.bbox[2] / 2.0,
                a.bbox[3] / 2.0,
                16,
                w,
                h,
            )]
        } else {
            a.polygons.clone()
        };
        if rng.f64() > 0.88 {
            continue; // missed
        }
        let amount = 0.5 + rng.f64() * 1.5;
        let jittered: Vec<Vec<f64>> = parts
            .iter()
            .map(|p| jitter(&mut rng, p, w, h, amount))
            .collect();
        let category = if rng.f64() < 0.06 {
            COCO_CATEGORIES[rng.below(80) as usize].0
        } else {
            a.category_id
        };
        let rle = polygons_rle(&jittered, h, w);
        let score = (0.35 + 0.65 * rng.f64().sqrt() - 0.1 * (amount - 1.0)).clamp(0.01, 1.0);
        push_detection(&mut out, &mut first, img.id, category, &rle, score);
        if rng.f64() < 0.12 {
            let again: Vec<Vec<f64>> = parts
                .iter()
                .map(|p| jitter(&mut rng, p, w, h, 2.5))
                .collect();
            let rle = polygons_rle(&again, h, w);
            push_detection(
                &mut out,
                &mut first,
                img.id,
                category,
                &rle,
                (score * rng.range(0.3, 0.9)).max(0.01),
            );
        }
    }
    // False positives: ~6.5 per image, low scores.
    let fps = (-(rng.f64().max(1e-12)).ln() * 6.5).round() as u64;
    for _ in 0..fps.min(60) {
        let rx = rng.range(4.0, (w as f64 / 4.0).max(5.0));
        let ry = rng.range(4.0, (h as f64 / 4.0).max(5.0));
        let cx = rng.range(0.0, w as f64);
        let cy = rng.range(0.0, h as f64);
        let n = 6 + rng.below(20) as usize;
        let p = star(&mut rng, cx, cy, rx, ry, n, w, h);
        let rle = rle_from_polygon(&p, h, w);
        let category = COCO_CATEGORIES[rng.below(80) as usize].0;
        let score = (0.02 + 0.55 * rng.f64() * rng.f64()).min(1.0);
        push_detection(&mut out, &mut first, img.id, category, &rle, score);
    }
    out
}

/// Write the results file for the dataset `opts` describes (a JSON array, one line).
pub fn write_results(opts: &SynthOptions, w: &mut dyn Write, progress: &dyn Fn(u64)) -> Result<()> {
    use rayon::prelude::*;
    let cdf = crate::ops::synth::category_cdf();
    w.write_all(b"[")?;
    let mut first = true;
    let mut start = 0;
    const CHUNK: u64 = 1024;
    while start < opts.images {
        let end = (start + CHUNK).min(opts.images);
        let parts: Vec<Vec<u8>> = (start..end)
            .into_par_iter()
            .map(|k| image_detections(opts.seed, &gen_image(opts.seed, k, &cdf), k))
            .collect();
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
    w.write_all(b"]\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coco::reader::parse_results;

    #[test]
    fn results_are_valid_and_realistic() {
        let opts = SynthOptions {
            images: 60,
            seed: 2,
        };
        let mut v = Vec::new();
        write_results(&opts, &mut v, &|_| {}).unwrap();
        let dets = parse_results(&v).unwrap();
        let per_image = dets.len() as f64 / 60.0;
        assert!((8.0..20.0).contains(&per_image), "{per_image}");
        for d in &dets {
            let s = d.score.unwrap();
            assert!(s > 0.0 && s <= 1.0);
            assert!(d.bbox.is_some());
            match d.segmentation.as_ref().unwrap() {
                crate::coco::Segmentation::CompressedRle { h, w, counts } => {
                    let r = Rle::from_compressed(*h, *w, counts).unwrap();
                    assert_eq!(r.to_bbox(), d.bbox.unwrap());
                }
                other => panic!("{other:?}"),
            }
        }
        let mut again = Vec::new();
        write_results(&opts, &mut again, &|_| {}).unwrap();
        assert_eq!(v, again);
    }
}

//! A deterministic generator of realistic COCO datasets (`cocokit synth`), for tests and benchmarks.
//!
//! Shape of the output, modelled on instances_train2017.json: the 80 categories with their real ids and
//! supercategories; image records with every official key, sizes around 640×480 (landscape and portrait);
//! ~7.3 annotations per image (about 1% of images have none); a skewed category mix (person most common);
//! object sizes spread over COCOeval's small/medium/large buckets; star-shaped polygons inside the image with
//! 4–60 vertices, coordinates with two decimals, about 9% in two or three parts; `bbox` the polygon's extent;
//! `area` the area of the polygons (shoelace formula — within a few percent of pycocotools' pixel area for all
//! but tiny objects); about 1% `iscrowd` annotations with an uncompressed RLE (an ellipse) whose `area` and `bbox`
//! are those of the mask. One line of JSON, `json.dump` layout.
//!
//! The random generator is a hand-written SplitMix64 so that a seed gives the same bytes forever (crates'
//! generators may change their streams between versions). Not here: writing detection results (see
//! `ops::synth_detections`).

use crate::coco::categories::COCO_CATEGORIES;
use crate::error::Result;
use std::io::Write;

/// SplitMix64: tiny, fast, and stable across versions.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    #[inline]
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    #[inline]
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }
    /// Uniform integer in [0, n).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.f64().max(1e-300);
        let v = self.f64();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Options of the generator.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    pub images: u64,
    pub seed: u64,
}

/// One generated annotation, kept in memory only for the image being written (results need it).
#[derive(Debug, Clone)]
pub struct GenAnnotation {
    pub id: i64,
    pub category_id: i64,
    /// Polygons (two decimals), or empty for a crowd annotation.
    pub polygons: Vec<Vec<f64>>,
    /// Crowd RLE counts (column-major), empty for polygon annotations.
    pub rle: Vec<u32>,
    pub bbox: [f64; 4],
    pub area: f64,
}

/// One generated image.
#[derive(Debug, Clone)]
pub struct GenImage {
    pub id: i64,
    pub width: u32,
    pub height: u32,
    pub file_name: String,
    pub annotations: Vec<GenAnnotation>,
}

/// Category weights: person ~27% of annotations, the rest on a gentle power law in a fixed order.
pub fn category_cdf() -> Vec<f64> {
    let mut w: Vec<f64> = (0..80)
        .map(|k| {
            if k == 0 {
                30.0
            } else {
                6.0 / (1.0 + k as f64 * 0.35).powf(1.1) + 0.15
            }
        })
        .collect();
    let total: f64 = w.iter().sum();
    let mut acc = 0.0;
    for x in w.iter_mut() {
        acc += *x / total;
        *x = acc;
    }
    w
}

/// Round to two decimals as the official files store coordinates.
#[inline]
fn r2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Generate image number `k` (0-based) deterministically from the seed (independent of other images, so
/// generation can run in parallel and any image can be regenerated on its own).
pub fn gen_image(seed: u64, k: u64, cdf: &[f64]) -> GenImage {
    let mut rng = Rng::new(
        seed.wrapping_mul(0x1000_0000_01B3)
            .wrapping_add(k.wrapping_mul(0x9E37_79B9)),
    );
    // Ids: increasing with gaps, like the official ids (which are not contiguous).
    let id = (k * 5 + 1 + rng.below(5)) as i64;
    let (width, height) = match rng.below(100) {
        0..=64 => (
            640,
            [480, 427, 426, 425, 424, 428, 360, 512, 478, 640][rng.below(10) as usize],
        ),
        65..=84 => (
            [480, 427, 426, 425, 424, 428, 360, 512][rng.below(8) as usize],
            640,
        ),
        85..=92 => (500, [375, 333, 500, 332][rng.below(4) as usize]),
        _ => (
            rng.range(200.0, 640.0) as u32,
            rng.range(200.0, 640.0) as u32,
        ),
    };
    let file_name = format!("{id:012}.jpg");
    // ~1% images without annotations; otherwise 1 + floor(Exp(6.8)), capped.
    let n = if rng.below(100) == 0 {
        0
    } else {
        1 + ((-rng.f64().max(1e-12).ln()) * 6.8).floor().min(90.0) as u64
    };
    let mut annotations = Vec::with_capacity(n as usize);
    for j in 0..n {
        let u = rng.f64();
        let c = cdf.iter().position(|&x| u < x).unwrap_or(79);
        let category_id = COCO_CATEGORIES[c].0;
        let ann_id = (k * 100 + j + 1) as i64;
        if rng.below(100) == 0 {
            annotations.push(crowd(
                &mut rng,
                width,
                height,
                category_id,
                900_100_000_000 + ann_id,
            ));
        } else {
            annotations.push(polygon_annotation(
                &mut rng,
                width,
                height,
                category_id,
                ann_id,
            ));
        }
    }
    GenImage {
        id,
        width,
        height,
        file_name,
        annotations,
    }
}

/// A star-shaped polygon around (cx, cy) with mean radius r, `n` vertices, clipped to the image.
#[allow(clippy::too_many_arguments)]
pub fn star(
    rng: &mut Rng,
    cx: f64,
    cy: f64,
    rx: f64,
    ry: f64,
    n: usize,
    w: u32,
    h: u32,
) -> Vec<f64> {
    let mut p = Vec::with_capacity(2 * n);
    let phase = rng.range(0.0, std::f64::consts::TAU);
    for i in 0..n {
        let t = phase + std::f64::consts::TAU * (i as f64 + rng.range(-0.3, 0.3)) / n as f64;
        let rho = rng.range(0.65, 1.0);
        let x = (cx + rx * rho * t.cos()).clamp(0.0, w as f64 - 0.01);
        let y = (cy + ry * rho * t.sin()).clamp(0.0, h as f64 - 0.01);
        p.push(r2(x));
        p.push(r2(y));
    }
    p
}

/// Shoelace area of one polygon.
pub fn shoelace(p: &[f64]) -> f64 {
    let n = p.len() / 2;
    let mut s = 0.0;
    for i in 0..n {
        let j = (i + 1) % n;
        s += p[2 * i] * p[2 * j + 1] - p[2 * j] * p[2 * i + 1];
    }
    (s / 2.0).abs()
}

pub(crate) fn object_size(rng: &mut Rng, w: u32, h: u32) -> (f64, f64) {
    // Bucket mix close to COCO's: ~41% small, ~34% medium, ~25% large (by area).
    let area = match rng.below(100) {
        0..=40 => rng.range(40.0, 1024.0),
        41..=74 => rng.range(1024.0, 9216.0),
        _ => rng.range(9216.0, (w as f64 * h as f64 * 0.6).max(9300.0)),
    };
    let aspect = (rng.normal() * 0.45).exp();
    let rx = (area * aspect / std::f64::consts::PI)
        .sqrt()
        .min(w as f64 / 2.0);
    let ry = (area / aspect / std::f64::consts::PI)
        .sqrt()
        .min(h as f64 / 2.0);
    (rx.max(2.0), ry.max(2.0))
}

pub(crate) fn polygon_annotation(
    rng: &mut Rng,
    w: u32,
    h: u32,
    category_id: i64,
    id: i64,
) -> GenAnnotation {
    let (rx, ry) = object_size(rng, w, h);
    let cx = rng.range(rx.min(w as f64 / 2.0), (w as f64 - rx).max(w as f64 / 2.0));
    let cy = rng.range(ry.min(h as f64 / 2.0), (h as f64 - ry).max(h as f64 / 2.0));
    // Vertex count grows with size: small objects 4-16 vertices, large ones up to 60.
    let size = (rx * ry).sqrt();
    let n = (4.0 + size * rng.range(0.18, 0.5)).min(60.0) as usize;
    let parts = match rng.below(100) {
        0..=90 => 1,
        91..=97 => 2,
        _ => 3,
    };
    let mut polygons = vec![star(rng, cx, cy, rx, ry, n, w, h)];
    for _ in 1..parts {
        // Further parts sit beside the main one (never overlapping it), so the polygons' summed area is
        // the area of their union, as a mask would count it.
        let t = rng.range(0.0, std::f64::consts::TAU);
        let d = rng.range(1.5, 2.2);
        let (px, py) = (cx + t.cos() * d * rx, cy + t.sin() * d * ry);
        if px - 0.4 * rx < 0.0
            || py - 0.4 * ry < 0.0
            || px + 0.4 * rx > w as f64
            || py + 0.4 * ry > h as f64
        {
            continue;
        }
        let m = (n / 2).max(4);
        polygons.push(star(rng, px, py, rx * 0.4, ry * 0.4, m, w, h));
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    let mut area = 0.0;
    for p in &polygons {
        for q in p.chunks_exact(2) {
            x0 = x0.min(q[0]);
            x1 = x1.max(q[0]);
            y0 = y0.min(q[1]);
            y1 = y1.max(q[1]);
        }
        area += shoelace(p);
    }
    GenAnnotation {
        id,
        category_id,
        polygons,
        rle: Vec::new(),
        bbox: [x0, y0, r2(x1 - x0), r2(y1 - y0)],
        area,
    }
}

/// A crowd region: an ellipse, as an uncompressed column-major RLE with its exact area and box.
pub(crate) fn crowd(rng: &mut Rng, w: u32, h: u32, category_id: i64, id: i64) -> GenAnnotation {
    let (rx, ry) = object_size(rng, w, h);
    let (rx, ry) = (rx * 1.5, ry * 1.5);
    let cx = rng.range(0.0, w as f64);
    let cy = rng.range(0.0, h as f64);
    let (hh, ww) = (h as u64, w as u64);
    let mut counts: Vec<u32> = Vec::new();
    let mut pos: u64 = 0; // next pixel index not yet covered by runs
    let mut ones_open = false; // whether the last run is a ones-run ending at pos
    let (mut area, mut bx0, mut by0, mut bx1, mut by1) = (0u64, u64::MAX, u64::MAX, 0u64, 0u64);
    for x in 0..ww {
        let dxn = (x as f64 + 0.5 - cx) / rx;
        if dxn.abs() >= 1.0 {
            continue;
        }
        let dy = ry * (1.0 - dxn * dxn).sqrt();
        let ya = ((cy - dy).ceil().max(0.0) as u64).min(hh);
        let yb = ((cy + dy).floor().max(0.0) as u64 + 1).min(hh);
        if ya >= yb {
            continue;
        }
        let start = x * hh + ya;
        let end = x * hh + yb;
        if start == pos && ones_open {
            *counts.last_mut().expect("open run") += (end - start) as u32;
        } else {
            if !ones_open && counts.is_empty() {
                counts.push(start as u32);
            } else {
                counts.push((start - pos) as u32);
            }
            counts.push((end - start) as u32);
        }
        ones_open = true;
        pos = end;
        area += yb - ya;
        bx0 = bx0.min(x);
        bx1 = bx1.max(x);
        by0 = by0.min(ya);
        by1 = by1.max(yb - 1);
    }
    let total = hh * ww;
    if counts.is_empty() {
        // Degenerate: an all-zero mask.
        counts.push(total as u32);
        return GenAnnotation {
            id,
            category_id,
            polygons: Vec::new(),
            rle: counts,
            bbox: [0.0; 4],
            area: 0.0,
        };
    }
    if pos < total {
        counts.push((total - pos) as u32);
    }
    let bbox = [
        bx0 as f64,
        by0 as f64,
        (bx1 - bx0 + 1) as f64,
        (by1 - by0 + 1) as f64,
    ];
    GenAnnotation {
        id,
        category_id,
        polygons: Vec::new(),
        rle: counts,
        bbox,
        area: area as f64,
    }
}

/// Append a number as Python's `repr(round(v, 2))` would print it (`321.0`, `239.97`).
#[inline]
pub fn push_2dp(out: &mut Vec<u8>, v: f64) {
    let k = (v * 100.0).round() as i64;
    let (neg, k) = (k < 0, k.unsigned_abs());
    if neg {
        out.push(b'-');
    }
    let mut ib = itoa::Buffer::new();
    out.extend_from_slice(ib.format(k / 100).as_bytes());
    out.push(b'.');
    let frac = k % 100;
    if frac == 0 {
        out.push(b'0');
    } else if frac % 10 == 0 {
        out.push(b'0' + (frac / 10) as u8);
    } else {
        out.push(b'0' + (frac / 10) as u8);
        out.push(b'0' + (frac % 10) as u8);
    }
}

fn push_f64(out: &mut Vec<u8>, v: f64) {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let mut ib = itoa::Buffer::new();
        out.extend_from_slice(ib.format(v as i64).as_bytes());
        out.extend_from_slice(b".0");
    } else {
        let mut rb = ryu::Buffer::new();
        out.extend_from_slice(rb.format(v).as_bytes());
    }
}

fn push_int(out: &mut Vec<u8>, v: i64) {
    let mut ib = itoa::Buffer::new();
    out.extend_from_slice(ib.format(v).as_bytes());
}

/// Serialize one image record.
pub fn write_image(out: &mut Vec<u8>, img: &GenImage, k: u64) {
    let license = 1 + (k % 8);
    let day = 14 + (k % 10);
    let _ = write!(
        out,
        "{{\"license\": {license}, \"file_name\": \"{f}\", \"coco_url\": \"http://images.cocodataset.org/train2017/{f}\", \"height\": {h}, \"width\": {w}, \"date_captured\": \"2013-11-{day} {hh:02}:{mm:02}:{ss:02}\", \"flickr_url\": \"http://farm{farm}.staticflickr.com/{srv}/{ph}_{sec:010x}_z.jpg\", \"id\": {id}}}",
        f = img.file_name,
        h = img.height,
        w = img.width,
        hh = k % 24,
        mm = (k * 7) % 60,
        ss = (k * 13) % 60,
        farm = 1 + k % 9,
        srv = 1000 + (k * 37) % 8000,
        ph = 1_000_000_000 + k * 7919,
        sec = (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 24) & 0xff_ffff_ffff,
        id = img.id
    );
}

/// Serialize one annotation record.
pub fn write_annotation(out: &mut Vec<u8>, a: &GenAnnotation, image_id: i64, h: u32, w: u32) {
    out.extend_from_slice(b"{\"segmentation\": ");
    if a.rle.is_empty() {
        out.push(b'[');
        for (pi, p) in a.polygons.iter().enumerate() {
            if pi > 0 {
                out.extend_from_slice(b", ");
            }
            out.push(b'[');
            for (i, &v) in p.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                push_2dp(out, v);
            }
            out.push(b']');
        }
        out.push(b']');
    } else {
        out.extend_from_slice(b"{\"counts\": [");
        for (i, &c) in a.rle.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b", ");
            }
            push_int(out, c as i64);
        }
        let _ = write!(out, "], \"size\": [{h}, {w}]}}");
    }
    out.extend_from_slice(b", \"area\": ");
    push_f64(out, a.area);
    let _ = write!(
        out,
        ", \"iscrowd\": {}, \"image_id\": {image_id}, \"bbox\": [",
        (!a.rle.is_empty()) as u8
    );
    for (i, &v) in a.bbox.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        push_2dp(out, v);
    }
    let _ = write!(
        out,
        "], \"category_id\": {}, \"id\": {}}}",
        a.category_id, a.id
    );
}

/// Write a whole dataset to `w`. Images are generated in parallel chunks and written in order.
pub fn write_dataset(opts: &SynthOptions, w: &mut dyn Write, progress: &dyn Fn(u64)) -> Result<()> {
    use rayon::prelude::*;
    let cdf = category_cdf();
    w.write_all(b"{\"info\": {\"description\": \"cocokit synth: a synthetic COCO-like dataset\", \"url\": \"https://github.com/cocokit\", \"version\": \"1.0\", \"year\": 2026, \"contributor\": \"cocokit synth\", \"date_created\": \"2026/11/26\"}, \"licenses\": [")?;
    let licenses = [
        "Attribution-NonCommercial-ShareAlike License",
        "Attribution-NonCommercial License",
        "Attribution-NonCommercial-NoDerivs License",
        "Attribution License",
        "Attribution-ShareAlike License",
        "Attribution-NoDerivs License",
        "No known copyright restrictions",
        "United States Government Work",
    ];
    for (i, name) in licenses.iter().enumerate() {
        if i > 0 {
            w.write_all(b", ")?;
        }
        write!(w, "{{\"url\": \"http://creativecommons.org/licenses/\", \"id\": {}, \"name\": \"{name}\"}}", i + 1)?;
    }
    w.write_all(b"], \"images\": [")?;
    const CHUNK: u64 = 4096;
    // Images, then annotations: each chunk regenerates its images (cheap) so nothing is held across chunks.
    for pass in 0..2 {
        if pass == 1 {
            w.write_all(b"], \"annotations\": [")?;
        }
        let mut first = true;
        let mut start = 0;
        while start < opts.images {
            let end = (start + CHUNK).min(opts.images);
            let parts: Vec<Vec<u8>> = (start..end)
                .into_par_iter()
                .map(|k| {
                    let img = gen_image(opts.seed, k, &cdf);
                    let mut out = Vec::with_capacity(if pass == 0 { 300 } else { 4000 });
                    if pass == 0 {
                        write_image(&mut out, &img, k);
                    } else {
                        for (j, a) in img.annotations.iter().enumerate() {
                            if j > 0 {
                                out.extend_from_slice(b", ");
                            }
                            write_annotation(&mut out, a, img.id, img.height, img.width);
                        }
                    }
                    out
                })
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
            progress(end + pass * opts.images);
            start = end;
        }
    }
    w.write_all(b"], \"categories\": [")?;
    for (i, (id, name, sup)) in COCO_CATEGORIES.iter().enumerate() {
        if i > 0 {
            w.write_all(b", ")?;
        }
        write!(
            w,
            "{{\"supercategory\": \"{sup}\", \"id\": {id}, \"name\": \"{name}\"}}"
        )?;
    }
    w.write_all(b"]}\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coco::reader::Dataset;

    #[test]
    fn two_decimals_like_python_repr() {
        for (v, s) in [
            (321.0, "321.0"),
            (239.97, "239.97"),
            (0.5, "0.5"),
            (-1.25, "-1.25"),
            (12.999, "13.0"),
        ] {
            let mut o = Vec::new();
            push_2dp(&mut o, v);
            assert_eq!(String::from_utf8(o).unwrap(), s);
        }
    }

    #[test]
    fn dataset_is_valid_deterministic_and_realistic() {
        let opts = SynthOptions {
            images: 400,
            seed: 7,
        };
        let mut a = Vec::new();
        write_dataset(&opts, &mut a, &|_| {}).unwrap();
        let mut b = Vec::new();
        write_dataset(&opts, &mut b, &|_| {}).unwrap();
        assert_eq!(a, b);
        assert!(!a[..a.len() - 1].contains(&b'\n'), "one line");
        let ds = Dataset::parse(&a).unwrap();
        assert_eq!(ds.images.len(), 400);
        assert_eq!(ds.categories.len(), 80);
        let per_image = ds.annotations.len() as f64 / 400.0;
        assert!((6.0..8.6).contains(&per_image), "{per_image}");
        let crowd = ds.annotations.iter().filter(|a| a.is_crowd()).count();
        assert!(crowd >= 1 && crowd < ds.annotations.len() / 30, "{crowd}");
        let sizes: std::collections::HashMap<i64, (u32, u32)> = ds
            .images
            .iter()
            .map(|i| (i.id, (i.width, i.height)))
            .collect();
        for a in &ds.annotations {
            let (w, h) = sizes[&a.image_id];
            let bb = a.bbox.unwrap();
            assert!(
                bb[0] >= 0.0
                    && bb[1] >= 0.0
                    && bb[0] + bb[2] <= w as f64 + 0.01
                    && bb[1] + bb[3] <= h as f64 + 0.01
            );
            match a.segmentation.as_ref().unwrap() {
                crate::coco::Segmentation::Polygons(ps) => {
                    assert!(ps.iter().all(|p| p.len() >= 8 && p.len() % 2 == 0));
                    let area: f64 = ps.iter().map(|p| shoelace(p)).sum();
                    assert!((area - a.area.unwrap()).abs() < 1e-6);
                }
                crate::coco::Segmentation::Rle {
                    h: rh,
                    w: rw,
                    counts,
                } => {
                    assert_eq!((*rh, *rw), (h, w));
                    assert_eq!(
                        counts.iter().map(|&c| c as u64).sum::<u64>(),
                        h as u64 * w as u64
                    );
                    let ones: u64 = counts.iter().skip(1).step_by(2).map(|&c| c as u64).sum();
                    assert_eq!(ones as f64, a.area.unwrap());
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}

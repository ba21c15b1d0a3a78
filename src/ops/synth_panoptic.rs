//! A synthetic COCO panoptic dataset and a matching prediction (`cocokit synth --kind panoptic`): JSON files
//! plus one segment-id PNG per image (8-bit RGB, id = R + 256·G + 256²·B), for the panoptic benchmark.
//!
//! Each image (size and id from `ops::synth`'s image of the same number) is a scene: 2–5 stuff bands with wavy
//! borders (53 stuff categories), then 1–25 thing ellipses on top (the 80 COCO thing categories, ~3% crowd),
//! some VOID (id 0) along band borders and in small blobs. The prediction paints the same scene perturbed the
//! way a panoptic model errs: borders and ellipses moved and resized, some things missed, some relabelled,
//! a few false positives, no VOID. Segment ids are random 24-bit values, different in the prediction.
//! `segments_info` holds the segments present in the PNG (area and bbox counted from its pixels).
//!
//! Deterministic for a seed; images rendered and written in parallel. Not here: the evaluation
//! (`eval::panoptic`), instance datasets (`ops::synth`).

use crate::coco::categories::COCO_CATEGORIES;
use crate::error::{Error, Result};
use crate::io::AtomicFiles;
use crate::ops::synth::{category_cdf, gen_image, object_size, Rng, SynthOptions};
use rayon::prelude::*;
use std::io::Write;
use std::path::Path;

/// Stuff category ids: 53 of them, 92, 94, …, 196 (COCO panoptic's stuff ids lie in 92..=200).
fn stuff_id(i: u64) -> i64 {
    92 + 2 * i as i64
}
const STUFF: u64 = 53;

#[derive(Clone)]
struct Band {
    base: f64,
    amp: f64,
    freq: f64,
    phase: f64,
    category: i64,
}

#[derive(Clone)]
struct Thing {
    cx: f64,
    cy: f64,
    rx: f64,
    ry: f64,
    angle: f64,
    category: i64,
    crowd: bool,
}

struct Scene {
    w: u32,
    h: u32,
    /// Bands top to bottom; band i covers rows below border i - 1 and above border i.
    bands: Vec<Band>,
    things: Vec<Thing>,
    void_borders: bool,
    void_blobs: Vec<Thing>,
}

fn scene(seed: u64, k: u64, w: u32, h: u32, cdf: &[f64]) -> Scene {
    let mut rng = Rng::new(seed ^ 0x5041_4E4F_0000_0005 ^ k.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let nb = 2 + rng.below(4) as usize;
    let mut bands = Vec::with_capacity(nb);
    for i in 0..nb {
        bands.push(Band {
            base: h as f64 * (i as f64 + 1.0 + rng.range(-0.3, 0.3)) / nb as f64,
            amp: rng.range(0.0, 0.08) * h as f64,
            freq: rng.range(0.005, 0.04),
            phase: rng.range(0.0, std::f64::consts::TAU),
            category: stuff_id(rng.below(STUFF)),
        });
    }
    let n = 1 + ((-rng.f64().max(1e-12).ln()) * 5.0).floor().min(24.0) as usize;
    let mut things = Vec::with_capacity(n);
    for _ in 0..n {
        let (rx, ry) = object_size(&mut rng, w, h);
        let u = rng.f64();
        let c = cdf.iter().position(|&x| u < x).unwrap_or(79);
        things.push(Thing {
            cx: rng.range(0.0, w as f64),
            cy: rng.range(0.0, h as f64),
            rx,
            ry,
            angle: rng.range(0.0, std::f64::consts::PI),
            category: COCO_CATEGORIES[c].0,
            crowd: rng.below(100) < 3,
        });
    }
    let void_borders = rng.below(100) < 40;
    let void_blobs = (0..rng.below(3))
        .map(|_| Thing {
            cx: rng.range(0.0, w as f64),
            cy: rng.range(0.0, h as f64),
            rx: rng.range(3.0, 30.0),
            ry: rng.range(3.0, 30.0),
            angle: 0.0,
            category: 0,
            crowd: false,
        })
        .collect();
    Scene {
        w,
        h,
        bands,
        things,
        void_borders,
        void_blobs,
    }
}

/// The prediction's scene: the ground truth's, perturbed.
fn predicted(seed: u64, k: u64, gt: &Scene, cdf: &[f64]) -> Scene {
    let mut rng = Rng::new(seed ^ 0x5052_4544_0000_0006 ^ k.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let (w, h) = (gt.w as f64, gt.h as f64);
    let bands = gt
        .bands
        .iter()
        .map(|b| Band {
            base: b.base + rng.normal() * 0.03 * h,
            amp: b.amp * rng.range(0.7, 1.3),
            freq: b.freq,
            phase: b.phase + rng.normal() * 0.2,
            category: if rng.below(100) < 8 {
                stuff_id(rng.below(STUFF))
            } else {
                b.category
            },
        })
        .collect();
    let mut things = Vec::with_capacity(gt.things.len() + 3);
    for t in &gt.things {
        if rng.below(100) < 12 {
            continue;
        }
        let r = (t.rx * t.ry).sqrt();
        let category = if rng.below(100) < 6 {
            let u = rng.f64();
            COCO_CATEGORIES[cdf.iter().position(|&x| u < x).unwrap_or(79)].0
        } else {
            t.category
        };
        things.push(Thing {
            cx: t.cx + rng.normal() * 0.08 * r,
            cy: t.cy + rng.normal() * 0.08 * r,
            rx: t.rx * (1.0 + rng.normal() * 0.1).max(0.3),
            ry: t.ry * (1.0 + rng.normal() * 0.1).max(0.3),
            angle: t.angle + rng.normal() * 0.1,
            category,
            crowd: false,
        });
    }
    for _ in 0..rng.below(4) {
        let (rx, ry) = object_size(&mut rng, gt.w, gt.h);
        let u = rng.f64();
        things.push(Thing {
            cx: rng.range(0.0, w),
            cy: rng.range(0.0, h),
            rx: rx * 0.6,
            ry: ry * 0.6,
            angle: rng.range(0.0, std::f64::consts::PI),
            category: COCO_CATEGORIES[cdf.iter().position(|&x| u < x).unwrap_or(79)].0,
            crowd: false,
        });
    }
    Scene {
        w: gt.w,
        h: gt.h,
        bands,
        things,
        void_borders: false,
        void_blobs: Vec::new(),
    }
}

fn fill_ellipse(ids: &mut [u32], w: u32, h: u32, t: &Thing, id: u32) {
    let (s, c) = t.angle.sin_cos();
    let r = t.rx.max(t.ry);
    let x0 = (t.cx - r).floor().max(0.0) as u32;
    let x1 = ((t.cx + r).ceil().max(0.0) as u32).min(w);
    let y0 = (t.cy - r).floor().max(0.0) as u32;
    let y1 = ((t.cy + r).ceil().max(0.0) as u32).min(h);
    for y in y0..y1 {
        let dy = y as f64 + 0.5 - t.cy;
        let row = &mut ids[(y * w) as usize..((y + 1) * w) as usize];
        for (x, px) in row
            .iter_mut()
            .enumerate()
            .take(x1 as usize)
            .skip(x0 as usize)
        {
            let dx = x as f64 + 0.5 - t.cx;
            let u = (dx * c + dy * s) / t.rx;
            let v = (-dx * s + dy * c) / t.ry;
            if u * u + v * v <= 1.0 {
                *px = id;
            }
        }
    }
}

/// A painted scene: the id map and its segments `(id, category, crowd)` in paint order.
fn render(sc: &Scene, rng: &mut Rng) -> (Vec<u32>, Vec<(u32, i64, bool)>) {
    let (w, h) = (sc.w, sc.h);
    let mut ids = vec![0u32; (w * h) as usize];
    let mut used = std::collections::HashSet::new();
    let mut new_id = |rng: &mut Rng| loop {
        let i = 1 + rng.below(0xFF_FFFF) as u32;
        if used.insert(i) {
            return i;
        }
    };
    let mut segs = Vec::new();
    let band_ids: Vec<u32> = sc
        .bands
        .iter()
        .map(|b| {
            let id = new_id(rng);
            segs.push((id, b.category, false));
            id
        })
        .collect();
    for x in 0..w {
        let fx = x as f64 + 0.5;
        let mut band = 0;
        let mut next =
            sc.bands[0].base + sc.bands[0].amp * (sc.bands[0].freq * fx + sc.bands[0].phase).sin();
        for y in 0..h {
            let fy = y as f64 + 0.5;
            while band + 1 < sc.bands.len() && fy > next {
                band += 1;
                let b = &sc.bands[band];
                next = b.base + b.amp * (b.freq * fx + b.phase).sin();
            }
            let void = sc.void_borders && band + 1 < sc.bands.len() && (fy - next).abs() < 2.0;
            ids[(y * w + x) as usize] = if void { 0 } else { band_ids[band] };
        }
    }
    for t in &sc.things {
        let id = new_id(rng);
        segs.push((id, t.category, t.crowd));
        fill_ellipse(&mut ids, w, h, t, id);
    }
    for b in &sc.void_blobs {
        fill_ellipse(&mut ids, w, h, b, 0);
    }
    (ids, segs)
}

/// `segments_info` of a painted scene (segments with pixels only), `"area"`/`"bbox"` from the pixels.
fn segments_info(out: &mut Vec<u8>, ids: &[u32], w: u32, segs: &[(u32, i64, bool)], gt: bool) {
    // id → (area, x0, y0, x1, y1)
    let mut stats: std::collections::HashMap<u32, (u64, u32, u32, u32, u32)> =
        std::collections::HashMap::with_capacity(segs.len());
    for (i, &id) in ids.iter().enumerate() {
        if id == 0 {
            continue;
        }
        let (x, y) = (i as u32 % w, i as u32 / w);
        let e = stats.entry(id).or_insert((0, x, y, x, y));
        e.0 += 1;
        e.1 = e.1.min(x);
        e.2 = e.2.min(y);
        e.3 = e.3.max(x);
        e.4 = e.4.max(y);
    }
    out.extend_from_slice(b"\"segments_info\": [");
    let mut first = true;
    for &(id, category, crowd) in segs {
        let Some(&(area, x0, y0, x1, y1)) = stats.get(&id) else {
            continue;
        };
        if !first {
            out.extend_from_slice(b", ");
        }
        first = false;
        let _ = write!(
            out,
            "{{\"id\": {id}, \"category_id\": {category}, \"area\": {area}, \"bbox\": [{x0}, {y0}, {}, {}]",
            x1 - x0 + 1,
            y1 - y0 + 1
        );
        if gt {
            let _ = write!(out, ", \"iscrowd\": {}", crowd as u8);
        }
        out.push(b'}');
    }
    out.push(b']');
}

fn write_png(path: &Path, ids: &[u32], w: u32, h: u32) -> Result<()> {
    AtomicFiles.write(path, |out| {
        let mut enc = png::Encoder::new(out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let data: Vec<u8> = ids
            .iter()
            .flat_map(|&i| [i as u8, (i >> 8) as u8, (i >> 16) as u8])
            .collect();
        let bad = |e: png::EncodingError| Error::msg(format!("cannot write PNG: {e}"));
        let mut wr = enc.write_header().map_err(bad)?;
        wr.write_image_data(&data).map_err(bad)?;
        wr.finish().map_err(bad)
    })
}

/// One image's JSON pieces: image record, ground-truth annotation, predicted annotation.
type Records = (Vec<u8>, Vec<u8>, Vec<u8>);

/// Where the panoptic files go: the ground-truth PNG folder, and the prediction's (JSON, PNG folder).
pub struct PanopticTargets<'a> {
    pub gt_dir: &'a Path,
    pub pred: Option<(&'a mut dyn Write, &'a Path)>,
}

/// Write the ground-truth panoptic JSON to `w`, the PNGs into `targets.gt_dir` and, when asked, the prediction.
/// The folders must exist.
pub fn write_panoptic(
    opts: &SynthOptions,
    w: &mut dyn Write,
    targets: PanopticTargets<'_>,
    progress: &dyn Fn(u64),
) -> Result<()> {
    let cdf = category_cdf();
    let pred_dir = targets.pred.as_ref().map(|p| p.1.to_path_buf());
    // Per image: (image record, GT annotation, predicted annotation); small (~1 KB each).
    let mut records: Vec<Records> = Vec::with_capacity(opts.images as usize);
    const CHUNK: u64 = 256;
    let mut start = 0;
    while start < opts.images {
        let end = (start + CHUNK).min(opts.images);
        let part: Vec<Result<Records>> = (start..end)
            .into_par_iter()
            .map(|k| {
                let img = gen_image(opts.seed, k, &cdf);
                let (iw, ih) = (img.width, img.height);
                let stem = format!("{:012}", img.id);
                let gt = scene(opts.seed, k, iw, ih, &cdf);
                let mut rng = Rng::new(opts.seed ^ 0x4944_5300_0000_0007 ^ k);
                let (ids, segs) = render(&gt, &mut rng);
                write_png(&targets.gt_dir.join(format!("{stem}.png")), &ids, iw, ih)?;
                let mut image = Vec::with_capacity(120);
                let _ = write!(
                    image,
                    "{{\"file_name\": \"{stem}.jpg\", \"height\": {ih}, \"width\": {iw}, \"id\": {}}}",
                    img.id
                );
                let mut ann = Vec::with_capacity(1024);
                ann.push(b'{');
                segments_info(&mut ann, &ids, iw, &segs, true);
                let _ = write!(
                    ann,
                    ", \"file_name\": \"{stem}.png\", \"image_id\": {}}}",
                    img.id
                );
                let mut pann = Vec::new();
                if let Some(dir) = &pred_dir {
                    let ps = predicted(opts.seed, k, &gt, &cdf);
                    let (pids, psegs) = render(&ps, &mut rng);
                    write_png(&dir.join(format!("{stem}.png")), &pids, iw, ih)?;
                    pann.push(b'{');
                    segments_info(&mut pann, &pids, iw, &psegs, false);
                    let _ = write!(
                        pann,
                        ", \"file_name\": \"{stem}.png\", \"image_id\": {}}}",
                        img.id
                    );
                }
                Ok((image, ann, pann))
            })
            .collect();
        for r in part {
            records.push(r?);
        }
        progress(end);
        start = end;
    }
    let categories = {
        let mut c = Vec::new();
        c.extend_from_slice(b"\"categories\": [");
        for (i, (id, name, sup)) in COCO_CATEGORIES.iter().enumerate() {
            if i > 0 {
                c.extend_from_slice(b", ");
            }
            let _ = write!(
                c,
                "{{\"supercategory\": \"{sup}\", \"isthing\": 1, \"id\": {id}, \"name\": \"{name}\"}}"
            );
        }
        for i in 0..STUFF {
            let id = stuff_id(i);
            let _ = write!(
                c,
                ", {{\"supercategory\": \"stuff\", \"isthing\": 0, \"id\": {id}, \"name\": \"stuff-{id}\"}}"
            );
        }
        c.push(b']');
        c
    };
    let write_json = |w: &mut dyn Write, pick: &dyn Fn(&Records) -> &[u8]| -> Result<()> {
        w.write_all(b"{\"info\": {\"description\": \"cocokit synth: a synthetic panoptic dataset\"}, \"images\": [")?;
        for (i, r) in records.iter().enumerate() {
            if i > 0 {
                w.write_all(b", ")?;
            }
            w.write_all(&r.0)?;
        }
        w.write_all(b"], \"annotations\": [")?;
        for (i, r) in records.iter().enumerate() {
            if i > 0 {
                w.write_all(b", ")?;
            }
            w.write_all(pick(r))?;
        }
        w.write_all(b"], ")?;
        w.write_all(&categories)?;
        w.write_all(b"}\n")?;
        Ok(())
    };
    write_json(w, &|r| r.1.as_slice())?;
    if let Some((pw, _)) = targets.pred {
        write_json(pw, &|r| r.2.as_slice())?;
    }
    Ok(())
}

//! `cocokit::mask::polygon::{rle_from_polygon, rle_from_bbox, segmentation_to_rle}` with arbitrary coordinates
//! (small, fractional, huge, negative, NaN, infinite) on images of at most 255×255 pixels.
//!
//! Input: h, w (one byte each), then 1–4 polygons, each a length byte (0–32 numbers, odd lengths included) and
//! that many numbers, each a tag byte and a few more bytes (see `num`).
//!
//! Checks, beyond "no panic, no hang":
//! - every mask is valid (counts add up to h·w; not for w = 0, where pycocotools' own garbage is reproduced), canonical, its area ≤ h·w and its bbox inside the image;
//! - `rle_from_polygon` equals a naive reading of pycocotools' `rleFrPoly` (every ×5 boundary point walked, then
//!   the column crossings sorted), whenever that walk is short (edges of at most 200 000 points in all);
//! - `polygon_to_compressed_json` (runs encoded as found) equals the compressed string of `rle_from_polygon`;
//! - `segmentation_to_rle` accepts exactly the polygons it documents, and its mask is the union of the parts'.
#![no_main]

use cocokit::coco::Segmentation;
use cocokit::mask::polygon::{polygon_to_compressed_json, rle_from_polygon, PolyScratch};
use cocokit::mask::segmentation::{rle_from_bbox, segmentation_to_rle};
use cocokit::mask::rle::Rle;
use cocokit_fuzz::Bytes;
use libfuzzer_sys::fuzz_target;

const FRACTIONS: [f64; 16] = [
    0.0,
    0.1,
    0.2,
    0.25,
    0.3,
    0.4,
    0.5,
    0.6,
    0.7,
    0.75,
    0.8,
    0.9,
    0.99,
    0.499_999_999,
    0.500_000_001,
    0.125,
];

fn num(b: &mut Bytes, h: u32, w: u32) -> f64 {
    let tag = b.u8();
    match tag {
        0..=127 => (tag as f64 - 16.0) + FRACTIONS[(b.u8() & 15) as usize],
        128..=191 => b.u16() as i16 as f64 / 8.0,
        192..=223 => f64::from_bits(b.u64()),
        _ => {
            let (h, w) = (h as f64, w as f64);
            let specials = [
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                0.0,
                -0.0,
                f64::MAX,
                f64::MIN,
                1e-300,
                -0.5,
                0.5,
                -0.1,
                429_496_729.5,
                -429_496_729.7,
                429_496_730.0,
                1e9,
                -1e9,
                2_147_483_647.0,
                -2_147_483_648.0,
                1e15,
                -1e15,
                h,
                w,
                h - 0.5,
                w - 0.5,
                h + 0.5,
                w + 0.5,
                h - 0.1,
                w - 0.1,
                -0.7,
                4e8,
                -4e8,
                f64::MIN_POSITIVE,
            ];
            specials[(tag - 224) as usize]
        }
    }
}

/// C's `(int)d` on x86-64.
fn c_int(d: f64) -> i64 {
    if d.is_nan() || d >= 2_147_483_648.0 || d <= -2_147_483_649.0 {
        i32::MIN as i64
    } else {
        d.trunc() as i64
    }
}

/// Number of boundary points pycocotools would walk, if it can be computed without overflow.
fn walk_len(v: &[(i64, i64)]) -> Option<u64> {
    let k = v.len();
    let mut m = 0u64;
    for j in 0..k {
        let (a, b) = (v[j], v[(j + 1) % k]);
        m += (a.0 - b.0).unsigned_abs().max((a.1 - b.1).unsigned_abs()) + 1;
    }
    Some(m)
}

/// pycocotools' `rleFrPoly`, step by step: all ×5 boundary points, then the crossings of pixel-centre columns.
fn naive(xy: &[f64], h: u32, w: u32) -> Option<Vec<u32>> {
    let k = xy.len() / 2;
    let v: Vec<(i64, i64)> = (0..k)
        .map(|j| {
            (
                c_int(5.0 * xy[2 * j] + 0.5),
                c_int(5.0 * xy[2 * j + 1] + 0.5),
            )
        })
        .collect();
    if walk_len(&v)? > 200_000 {
        return None;
    }
    let mut pts: Vec<(i64, i64)> = Vec::new();
    for j in 0..k {
        let (x0, y0) = v[j];
        let (x1, y1) = v[(j + 1) % k];
        let (dx, dy) = ((x1 - x0).abs(), (y1 - y0).abs());
        let along_x = dx >= dy;
        let flip = if along_x { x0 > x1 } else { y0 > y1 };
        let ((xs, ys), (xe, ye)) = if flip {
            ((x1, y1), (x0, y0))
        } else {
            ((x0, y0), (x1, y1))
        };
        // 0/0 = NaN for a repeated vertex, as in C.
        let slope = if along_x {
            (ye - ys) as f64 / dx as f64
        } else {
            (xe - xs) as f64 / dy as f64
        };
        let n = dx.max(dy);
        for d in 0..=n {
            let t = if flip { n - d } else { d };
            if along_x {
                pts.push((xs + t, c_int(ys as f64 + slope * t as f64 + 0.5)));
            } else {
                pts.push((c_int(xs as f64 + slope * t as f64 + 0.5), ys + t));
            }
        }
    }
    let mut a: Vec<u32> = Vec::new();
    for j in 1..pts.len() {
        let (u0, v0) = pts[j - 1];
        let (u1, v1) = pts[j];
        if u0 == u1 {
            continue;
        }
        let xd = (if u1 < u0 { u1 } else { u1 - 1 }) as f64;
        let xd = (xd + 0.5) / 5.0 - 0.5;
        // C compares with the unsigned `w - 1`: for w = 0 it wraps and every column >= 0 passes.
        if xd.floor() != xd || xd < 0.0 || xd > (w as u64).wrapping_sub(1) as f64 {
            continue;
        }
        let yd = (v0.min(v1) as f64 + 0.5) / 5.0 - 0.5;
        let yd = yd.clamp(0.0, h as f64).ceil();
        a.push((xd as i64 * h as i64 + yd as i64) as u32);
    }
    a.push(h.wrapping_mul(w));
    a.sort_unstable();
    let mut prev = 0u32;
    for x in a.iter_mut() {
        let t = *x;
        *x -= prev;
        prev = t;
    }
    // Zero-length runs: skip the empty run and add the next one to the last kept run.
    let mut out = vec![a[0]];
    let mut j = 1;
    while j < a.len() {
        if a[j] > 0 {
            out.push(a[j]);
            j += 1;
        } else if j + 1 < a.len() {
            *out.last_mut().unwrap() += a[j + 1];
            j += 2;
        } else {
            j += 1;
        }
    }
    Some(out)
}

fn check(r: &Rle, h: u32, w: u32, what: &str) {
    assert_eq!((r.h, r.w), (h, w), "{what}: size");
    if w == 0 {
        // pycocotools' unsigned `w - 1` wraps: crossings in every column >= 0, runs that do not add up to h*w = 0.
        // cocokit reproduces that on purpose (see Crossings::max_col); nothing more to check.
        return;
    }
    assert!(
        r.is_valid(),
        "{what}: counts {:?} do not add up to {h}x{w}",
        r.counts
    );
    assert!(
        r.is_canonical(),
        "{what}: counts {:?} not canonical",
        r.counts
    );
    let area = r.area();
    assert!(area <= r.pixels());
    if area > 0 {
        let bb = r.to_bbox();
        assert!(
            bb[0] + bb[2] <= w as f64 && bb[1] + bb[3] <= h as f64,
            "{what}: bbox {bb:?} outside {h}x{w}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    let (h, w) = (b.u8() as u32, b.u8() as u32);
    let nparts = 1 + (b.u8() % 4) as usize;
    let mut parts: Vec<Vec<f64>> = Vec::new();
    for _ in 0..nparts {
        let n = (b.u8() % 33) as usize;
        parts.push((0..n).map(|_| num(&mut b, h, w)).collect());
    }
    // On a w = 0 image cocokit reproduces pycocotools' unsigned `w - 1` only up to column ZERO_WIDTH_MAX_COL
    // (docs/FUZZING.md, found and fixed #4: the work is bounded there); the naive walk has no such bound, so
    // compare with it only while every column stays below it (|x| ≤ 800 → column ≤ 4000 after the ×5).
    let compare_naive = !(w == 0 && parts.iter().flatten().any(|v| v.abs() > 800.0));
    let mut masks = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let r = rle_from_polygon(p, h, w);
        check(&r, h, w, &format!("polygon {i} {p:?}"));
        // The runs encoded as they are found (convert's path) give the same string as the counts encoded.
        let (mut fused, mut encoded) = (Vec::new(), Vec::new());
        polygon_to_compressed_json(p, h, w, &mut PolyScratch::default(), &mut fused);
        r.write_compressed_json(&mut encoded);
        assert_eq!(fused, encoded, "polygon {i} {p:?} on {h}x{w}: fused string");
        if let Some(want) = naive(p, h, w).filter(|_| compare_naive) {
            assert_eq!(
                r.counts, want,
                "polygon {i} {p:?} on {h}x{w}: differs from the naive rleFrPoly"
            );
        }
        masks.push(r);
    }
    if parts[0].len() >= 4 {
        let bb = [parts[0][0], parts[0][1], parts[0][2], parts[0][3]];
        check(&rle_from_bbox(bb, h, w), h, w, &format!("box {bb:?}"));
    }

    let seg = segmentation_to_rle(&Segmentation::Polygons(parts.clone()), h, w);
    let acceptable = parts
        .iter()
        .all(|p| p.len() % 2 == 0 && p.iter().all(|v| v.is_finite()))
        && parts[0].len() > 4
        && h > 0
        && w > 0;
    match seg {
        Ok(Some(r)) => {
            assert!(acceptable, "accepted {parts:?}");
            check(&r, h, w, "segmentation");
            if r.pixels() <= 1 << 16 {
                let mut want = vec![0u8; r.pixels() as usize];
                for m in &masks {
                    for (x, &v) in want.iter_mut().zip(&m.decode_col_major()) {
                        *x |= v;
                    }
                }
                assert_eq!(
                    r.decode_col_major(),
                    want,
                    "segmentation is not the union of its parts"
                );
            }
        }
        Ok(None) => panic!("non-empty polygons gave no mask"),
        Err(e) => assert!(!acceptable, "refused {parts:?}: {e}"),
    }
});

//! Property tests of `cocokit::mask`: codecs round-trip, run arithmetic agrees with bitmaps, and no input
//! makes the polygon rasterizer or the string parser panic.

use cocokit::coco::model::Segmentation;
use cocokit::mask::contour::polygons_from_mask;
use cocokit::mask::polygon::{polygon_to_compressed_json, rle_from_polygon, PolyScratch};
use cocokit::mask::raster::{paint_rle, Canvas};
use cocokit::mask::rle::{iou, Rle};
use cocokit::mask::segmentation::segmentation_to_rle;
use proptest::prelude::*;

/// A random h x w mask (row-major bytes, any values: nonzero = foreground) with long and short runs.
fn bitmap() -> impl Strategy<Value = (u32, u32, Vec<u8>)> {
    (0u32..24, 0u32..24).prop_flat_map(|(h, w)| {
        let n = (h * w) as usize;
        let dense = proptest::collection::vec(
            prop_oneof![3 => Just(0u8), 2 => Just(1u8), 1 => any::<u8>()],
            n,
        );
        let blocky = (proptest::collection::vec(0usize..=n, 0..6), any::<bool>()).prop_map(
            move |(mut cuts, start)| {
                cuts.sort_unstable();
                let mut v = vec![0u8; n];
                let mut fg = start;
                let mut prev = 0;
                for c in cuts.into_iter().chain(std::iter::once(n)) {
                    v[prev..c].fill(u8::from(fg));
                    prev = c;
                    fg = !fg;
                }
                v
            },
        );
        (Just(h), Just(w), prop_oneof![dense, blocky])
    })
}

fn to_col_major(h: u32, w: u32, rm: &[u8]) -> Vec<u8> {
    let (h, w) = (h as usize, w as usize);
    let mut out = vec![0u8; rm.len()];
    for y in 0..h {
        for x in 0..w {
            out[x * h + y] = rm[y * w + x];
        }
    }
    out
}

fn norm(v: &[u8]) -> Vec<u8> {
    v.iter().map(|&b| u8::from(b != 0)).collect()
}

/// Bounding box of a row-major bitmap as pycocotools reports it for a canonical encoding.
fn bitmap_bbox(h: u32, w: u32, rm: &[u8]) -> [f64; 4] {
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for y in 0..h {
        for x in 0..w {
            if rm[(y * w + x) as usize] != 0 {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
            }
        }
    }
    if x0 == u32::MAX {
        return [0.0; 4];
    }
    [
        x0 as f64,
        y0 as f64,
        (x1 - x0 + 1) as f64,
        (y1 - y0 + 1) as f64,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn encode_decode_roundtrip((h, w, rm) in bitmap()) {
        let r = Rle::encode_row_major(h, w, &rm).unwrap();
        prop_assert!(r.is_valid());
        prop_assert_eq!(r.decode_row_major(), norm(&rm));
        let cm = to_col_major(h, w, &rm);
        let rc = Rle::encode_col_major(h, w, &cm).unwrap();
        prop_assert_eq!(&rc, &r);
        prop_assert_eq!(rc.decode_col_major(), norm(&cm));
        // canonical: only the first run may be empty
        prop_assert!(r.counts.iter().skip(1).all(|&c| c > 0));
    }

    #[test]
    fn string_roundtrip((h, w, rm) in bitmap()) {
        let r = Rle::encode_row_major(h, w, &rm).unwrap();
        let s = r.to_compressed();
        prop_assert!(s.iter().all(|b| (b'0'..=b'o').contains(b)));
        prop_assert_eq!(Rle::from_compressed(h, w, &s).unwrap(), r);
    }

    #[test]
    fn string_roundtrip_any_runs(counts in proptest::collection::vec(prop_oneof![Just(0u32), 0u32..40, any::<u32>()], 0..20)) {
        // Any runs (zero-length ones, huge ones) survive the codec; the size is chosen to fit the total.
        let total: u64 = counts.iter().map(|&c| c as u64).sum();
        let r = Rle { h: 1, w: total.min(u32::MAX as u64) as u32, counts };
        let s = r.to_compressed();
        match Rle::from_compressed(r.h, r.w, &s) {
            Ok(p) => prop_assert_eq!(p, r),
            Err(e) => prop_assert!(total > u32::MAX as u64, "{}", e),
        }
    }

    #[test]
    fn area_and_bbox_match_bitmap((h, w, rm) in bitmap()) {
        let r = Rle::encode_row_major(h, w, &rm).unwrap();
        prop_assert_eq!(r.area(), rm.iter().filter(|&&b| b != 0).count() as u64);
        prop_assert_eq!(r.to_bbox(), bitmap_bbox(h, w, &rm));
    }

    #[test]
    fn merge_and_iou_match_bitmaps((h, w, a) in bitmap(), seed in any::<u64>()) {
        // a second mask of the same size
        let mut s = seed | 1;
        let b: Vec<u8> = a.iter().map(|_| { s ^= s << 13; s ^= s >> 7; s ^= s << 17; u8::from(s % 3 == 0) }).collect();
        let (ra, rb) = (Rle::encode_row_major(h, w, &a).unwrap(), Rle::encode_row_major(h, w, &b).unwrap());
        let or: Vec<u8> = a.iter().zip(&b).map(|(&x, &y)| u8::from(x != 0 || y != 0)).collect();
        let and: Vec<u8> = a.iter().zip(&b).map(|(&x, &y)| u8::from(x != 0 && y != 0)).collect();
        let u = Rle::merge(&[ra.clone(), rb.clone()], false);
        let i = Rle::merge(&[ra.clone(), rb.clone()], true);
        prop_assert_eq!(u.decode_row_major(), or.clone());
        prop_assert_eq!(i.decode_row_major(), and.clone());
        prop_assert_eq!(&u, &Rle::encode_row_major(h, w, &or).unwrap());
        prop_assert_eq!(&i, &Rle::encode_row_major(h, w, &and).unwrap());
        let ni = and.iter().filter(|&&v| v != 0).count() as f64;
        let nu = or.iter().filter(|&&v| v != 0).count() as f64;
        let o = iou(std::slice::from_ref(&ra), std::slice::from_ref(&rb), &[false])[0];
        let boxes_overlap = cocokit::mask::rle::bbox_iou(&[ra.to_bbox()], &[rb.to_bbox()], &[false])[0] > 0.0;
        let want = if !boxes_overlap || ni == 0.0 { 0.0 } else { ni / nu };
        prop_assert_eq!(o, want);
        let oc = iou(std::slice::from_ref(&ra), std::slice::from_ref(&rb), &[true])[0];
        let na = ra.area() as f64;
        let want_c = if !boxes_overlap || ni == 0.0 { 0.0 } else { ni / na };
        prop_assert_eq!(oc, want_c);
    }

    #[test]
    fn merging_many_matches_bitmaps((h, w, a) in bitmap(), k in 1usize..7, seed in any::<u64>()) {
        // k masks (from 4 on, merge takes its sort-based union/intersection instead of pairwise merging)
        let mut s = seed | 1;
        let mut masks = vec![a];
        for _ in 1..k {
            let m: Vec<u8> = masks[0].iter().map(|_| { s ^= s << 13; s ^= s >> 7; s ^= s << 17; u8::from(s % 4 == 0) }).collect();
            masks.push(m);
        }
        let rles: Vec<Rle> = masks.iter().map(|m| Rle::encode_row_major(h, w, m).unwrap()).collect();
        let n = (h * w) as usize;
        let or: Vec<u8> = (0..n).map(|p| u8::from(masks.iter().any(|m| m[p] != 0))).collect();
        let and: Vec<u8> = (0..n).map(|p| u8::from(masks.iter().all(|m| m[p] != 0))).collect();
        prop_assert_eq!(Rle::merge(&rles, false), Rle::encode_row_major(h, w, &or).unwrap());
        prop_assert_eq!(Rle::merge(&rles, true), Rle::encode_row_major(h, w, &and).unwrap());
    }

    #[test]
    fn painting_matches_decoding((h, w, rm) in bitmap()) {
        let r = Rle::encode_row_major(h, w, &rm).unwrap();
        let mut map = vec![0u16; rm.len()];
        paint_rle(&r, 9, &mut map);
        let mut lm = Canvas::new(h, w, 0u16);
        lm.paint(&r, 9);
        prop_assert_eq!(lm.to_row_major().expect("allocates"), map.clone());
        prop_assert_eq!(map.iter().map(|&v| u8::from(v == 9)).collect::<Vec<_>>(), norm(&rm));
    }

    #[test]
    fn contours_rasterize_back_exactly((h, w, rm) in bitmap()) {
        // mask -> polygons (tolerance 0) -> pycocotools-exact rasterization gives the mask again,
        // holes and diagonal contacts included.
        let r = Rle::encode_row_major(h, w, &rm).unwrap();
        let parts = polygons_from_mask(&r, 0.0);
        prop_assert!(parts.iter().all(|p| p.len() >= 8 && p.len() % 2 == 0));
        let back = segmentation_to_rle(&Segmentation::Polygons(parts), h, w).unwrap();
        match back {
            Some(b) => prop_assert_eq!(b, r),
            None => prop_assert_eq!(r.area(), 0),
        }
    }

    #[test]
    fn polygons_never_panic_and_stay_valid(
        h in 0u32..50, w in 0u32..50,
        xy in proptest::collection::vec(prop_oneof![
            4 => -20.0f64..70.0,
            1 => prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-1e300), Just(1e12), Just(-3e9), Just(0.5)],
        ], 0..16),
    ) {
        let r = rle_from_polygon(&xy, h, w);
        prop_assert_eq!((r.h, r.w), (h, w));
        let mut encoded = Vec::new();
        r.write_compressed_json(&mut encoded);
        prop_assert_eq!(fused(&xy, h, w).into_bytes(), encoded);
        if h > 0 && w > 0 {
            prop_assert!(r.is_valid(), "{:?}", r);
            prop_assert!(r.area() <= h as u64 * w as u64);
        }
    }

    #[test]
    fn string_parser_never_panics(s in proptest::collection::vec(any::<u8>(), 0..40), h in 0u32..30, w in 0u32..30) {
        if let Ok(r) = Rle::from_compressed(h, w, &s) {
            prop_assert!(r.is_valid());
            // the canonical re-encoding parses back to the same runs
            prop_assert_eq!(Rle::from_compressed(h, w, &r.to_compressed()).unwrap(), r);
        }
    }
}

/// A literal transcription of pycocotools' `rleFrPoly` (all ×5 points materialized, C's operations in
/// C's order), as an independent reference for the optimized rasterizer on inputs the golden files do
/// not reach (long steep edges, wide coordinate ranges).
fn reference_fr_poly(xy: &[f64], h: u32, w: u32) -> Vec<u32> {
    fn c_int(d: f64) -> i64 {
        if d.is_nan() || !(-2147483648.0..2147483648.0).contains(&d) {
            i32::MIN as i64
        } else {
            d as i32 as i64
        }
    }
    let k = xy.len() / 2;
    let scale = 5.0;
    let mut x: Vec<i64> = (0..k).map(|j| c_int(scale * xy[2 * j] + 0.5)).collect();
    let mut y: Vec<i64> = (0..k).map(|j| c_int(scale * xy[2 * j + 1] + 0.5)).collect();
    if k > 0 {
        x.push(x[0]);
        y.push(y[0]);
    }
    let (mut u, mut v) = (Vec::new(), Vec::new());
    for j in 0..k {
        let (mut xs, mut xe, mut ys, mut ye) = (x[j], x[j + 1], y[j], y[j + 1]);
        let dx = (xe - xs).abs();
        let dy = (ys - ye).abs();
        let flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
        if flip {
            std::mem::swap(&mut xs, &mut xe);
            std::mem::swap(&mut ys, &mut ye);
        }
        let s = if dx >= dy {
            (ye - ys) as f64 / dx as f64
        } else {
            (xe - xs) as f64 / dy as f64
        };
        if dx >= dy {
            for d in 0..=dx {
                let t = if flip { dx - d } else { d };
                u.push(t + xs);
                v.push(c_int(ys as f64 + s * t as f64 + 0.5));
            }
        } else {
            for d in 0..=dy {
                let t = if flip { dy - d } else { d };
                v.push(t + ys);
                u.push(c_int(xs as f64 + s * t as f64 + 0.5));
            }
        }
    }
    let mut a: Vec<u32> = Vec::new();
    for j in 1..u.len() {
        if u[j] != u[j - 1] {
            let mut xd = (if u[j] < u[j - 1] { u[j] } else { u[j] - 1 }) as f64;
            xd = (xd + 0.5) / scale - 0.5;
            let wmax = if w == 0 {
                u64::MAX as f64
            } else {
                (w - 1) as f64
            };
            if xd.floor() != xd || xd < 0.0 || xd > wmax {
                continue;
            }
            let mut yd = (if v[j] < v[j - 1] { v[j] } else { v[j - 1] }) as f64;
            yd = (yd + 0.5) / scale - 0.5;
            if yd < 0.0 {
                yd = 0.0;
            } else if yd > h as f64 {
                yd = h as f64;
            }
            yd = yd.ceil();
            a.push(
                (xd as i64 as u32)
                    .wrapping_mul(h)
                    .wrapping_add(yd as i64 as u32),
            );
        }
    }
    a.push(h.wrapping_mul(w));
    a.sort_unstable();
    let mut p = 0u32;
    for e in a.iter_mut() {
        let t = *e;
        *e = e.wrapping_sub(p);
        p = t;
    }
    let mut b = vec![a[0]];
    let mut j = 1;
    while j < a.len() {
        if a[j] > 0 {
            b.push(a[j]);
            j += 1;
        } else {
            j += 1;
            if j < a.len() {
                let last = b.len() - 1;
                b[last] = b[last].wrapping_add(a[j]);
                j += 1;
            }
        }
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn polygons_match_a_literal_port_of_rle_fr_poly(
        h in 1u32..300, w in 1u32..300,
        scale in prop_oneof![Just(1.0f64), Just(10.0), Just(200.0)],
        pts in proptest::collection::vec((-0.5f64..1.5, -0.5f64..1.5), 0..10),
        dup in any::<bool>(),
    ) {
        // coordinates around the image, up to 200 image sizes away (long, steep, off-image edges)
        let mut xy: Vec<f64> = pts.iter().flat_map(|&(a, b)| {
            let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
            [((cx + (a - 0.5) * w as f64 * scale) * 100.0).round() / 100.0,
             ((cy + (b - 0.5) * h as f64 * scale) * 100.0).round() / 100.0]
        }).collect();
        if dup && xy.len() >= 4 {
            let (x0, y0) = (xy[0], xy[1]);
            xy.splice(2..2, [x0, y0]);
        }
        prop_assert_eq!(rle_from_polygon(&xy, h, w).counts, reference_fr_poly(&xy, h, w), "{:?}", xy);
        prop_assert_eq!(fused(&xy, h, w), reference_string(&xy, h, w), "{:?}", xy);
    }
}

/// `polygon_to_compressed_json` (runs encoded as they are found), from scratch buffers already used.
fn fused(xy: &[f64], h: u32, w: u32) -> String {
    let mut scratch = PolyScratch::default();
    let mut out = b"prefix".to_vec();
    polygon_to_compressed_json(
        &[1.0, 2.0, 30.5, 4.0, 7.0, 40.0],
        50,
        60,
        &mut scratch,
        &mut out,
    );
    out.clear();
    polygon_to_compressed_json(xy, h, w, &mut scratch, &mut out);
    String::from_utf8(out).expect("ASCII")
}

/// The JSON-escaped compressed string of the literal port's counts.
fn reference_string(xy: &[f64], h: u32, w: u32) -> String {
    let mut out = Vec::new();
    Rle {
        h,
        w,
        counts: reference_fr_poly(xy, h, w),
    }
    .write_compressed_json(&mut out);
    String::from_utf8(out).expect("ASCII")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Width 0: pycocotools' unsigned `w − 1` wraps and every column ≥ 0 records a crossing (an invalid mask).
    /// cocokit reproduces that for columns up to `ZERO_WIDTH_MAX_COL` (it stops there to bound the work).
    #[test]
    fn zero_width_matches_rle_fr_poly_below_the_column_bound(
        h in 0u32..50,
        pts in proptest::collection::vec((-50.0f64..800.0, -50.0f64..100.0), 0..8),
    ) {
        let xy: Vec<f64> = pts.iter().flat_map(|&(x, y)| [(x * 100.0).round() / 100.0, (y * 100.0).round() / 100.0]).collect();
        prop_assert_eq!(rle_from_polygon(&xy, h, 0).counts, reference_fr_poly(&xy, h, 0), "{:?}", xy);
        prop_assert_eq!(fused(&xy, h, 0), reference_string(&xy, h, 0), "{:?}", xy);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Polygons whose ×5-grid coordinates are all `>= 0` (frPoly's shortcut for them: no crossings between
    /// consecutive edges, columns from the vertices' `x`): inside and beyond the image, coordinates down to
    /// −0.29 (C truncates 5x + .5 toward zero: 0 on the grid), a vertex repeated right after itself (or the first one last, as
    /// LVIS closes its polygons).
    #[test]
    fn nonnegative_polygons_match_a_literal_port_of_rle_fr_poly(
        h in 1u32..200, w in 1u32..200,
        pts in proptest::collection::vec((-0.06f64..1.3, -0.06f64..1.3), 0..12),
        dup in proptest::option::of(0usize..12),
    ) {
        let mut xy: Vec<f64> = pts.iter().flat_map(|&(a, b)| {
            [((a * w as f64 * 100.0).round() / 100.0).max(-0.29),
             ((b * h as f64 * 100.0).round() / 100.0).max(-0.29)]
        }).collect();
        if let Some(d) = dup {
            let i = 2 * (d % (xy.len() / 2).max(1));
            if d == 11 && xy.len() >= 2 {
                let (x, y) = (xy[0], xy[1]);
                xy.extend([x, y]);
            } else if i + 2 <= xy.len() {
                let (x, y) = (xy[i], xy[i + 1]);
                xy.splice(i..i, [x, y]);
            }
        }
        prop_assert_eq!(rle_from_polygon(&xy, h, w).counts, reference_fr_poly(&xy, h, w), "{:?}", xy);
        prop_assert_eq!(fused(&xy, h, w), reference_string(&xy, h, w), "{:?}", xy);
    }
}

/// Steep edges with slopes within 10⁻⁵ of 1 at coordinates near 2³⁰ and 2³¹ on the ×5 grid, where doubles
/// are 2⁻²³ and 2⁻²² apart (C's `xs + s·t + .5` rounded): crossing by crossing as rleFrPoly.
#[test]
fn steep_edges_at_huge_coordinates_match_rle_fr_poly() {
    let (h, w) = (4u32, 1_000_000_000u32);
    for x0 in [214_738_000.3, 214_748_000.0, 420_000_000.0, 429_400_000.7] {
        for (dx, dy) in [
            (19_999.6, 20_000.0),
            (19_999.8, 20_000.2),
            (-19_999.6, 20_000.0),
        ] {
            let y0 = -10_000.0;
            let xy = [x0, y0, x0 + dx, y0 + dy, x0, y0 + dy];
            assert_eq!(
                rle_from_polygon(&xy, h, w).counts,
                reference_fr_poly(&xy, h, w),
                "{xy:?}"
            );
            assert_eq!(fused(&xy, h, w), reference_string(&xy, h, w), "{xy:?}");
        }
    }
}

//! Polygons and boxes to RLE, bit-exact with pycocotools 2.0.11 (`rleFrPoly`, `rleFrBbox`, and the
//! `frPyObjects` / `annToRLE` dispatch), and masks back to polygons (contour tracing).
//!
//! Not here: the RLE type and its algorithms (see [`crate::mask::rle`]), JSON (segmentations arrive as
//! [`Segmentation`] values).
//!
//! # How pycocotools rasterizes a polygon (`rleFrPoly`), and what cocokit reproduces
//! 1. Every vertex is scaled by 5 and rounded with C's `(int)(5*x + .5)`, which truncates toward zero, so
//!    negative coordinates round up (−0.7 → −3.0 → −3, not −4). Values outside the `int` range become
//!    `INT_MIN` (what x86 `cvttsd2si` returns for an out-of-range conversion).
//! 2. Each edge is walked on the ×5 grid along its major axis, the other coordinate rounded the same way
//!    from the edge's lower end (both traversal directions give the same points). A repeated vertex is an
//!    edge with `dx = dy = 0`: its slope is 0/0 = NaN and its one point gets `y = INT_MIN`.
//! 3. Wherever consecutive points change column, the column crossing at a pixel centre (`x = 5n + 2` on
//!    the ×5 grid, `n` in `0..w`) records the row `ceil((y + .5)/5 − .5)` clamped to `0..=h`.
//! 4. The crossings, as `x·h + y`, sorted, are the run boundaries; equal boundaries cancel in pairs.
//!
//! cocokit computes the same crossings without storing the ×5 points (pycocotools allocates all of them),
//! visiting only columns that can be inside the image, so huge coordinates cost no memory and little time.
//! Where pycocotools overflows `int` (coordinates beyond ±4·10⁸ or edges longer than that), C's behaviour
//! is undefined and cocokit gives its own well-defined answer.

use crate::coco::model::Segmentation;
use crate::error::{Error, Result};
use crate::mask::rle::Rle;

/// C's `(int)d` on x86-64: truncation toward zero; NaN and out-of-range values give `INT_MIN`.
#[inline]
fn c_int(d: f64) -> i64 {
    if !(-2147483648.0..2147483648.0).contains(&d) {
        i32::MIN as i64
    } else {
        d as i32 as i64
    }
}

/// One polygon edge on the ×5 grid, set up as in `rleFrPoly` (endpoints swapped when `flip`).
struct Edge {
    xs: i64,
    ys: i64,
    dx: i64,
    dy: i64,
    flip: bool,
    s: f64,
}

impl Edge {
    fn new(x0: i64, y0: i64, x1: i64, y1: i64) -> Edge {
        let (mut xs, mut xe, mut ys, mut ye) = (x0, x1, y0, y1);
        let dx = (xe - xs).abs();
        let dy = (ys - ye).abs();
        let flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
        if flip {
            std::mem::swap(&mut xs, &mut xe);
            std::mem::swap(&mut ys, &mut ye);
        }
        // dx = dy = 0 gives 0/0 = NaN, as in C.
        let s = if dx >= dy {
            (ye - ys) as f64 / dx as f64
        } else {
            (xe - xs) as f64 / dy as f64
        };
        Edge {
            xs,
            ys,
            dx,
            dy,
            flip,
            s,
        }
    }
    #[inline]
    fn major_x(&self) -> bool {
        self.dx >= self.dy
    }
    /// Number of steps (points − 1).
    #[inline]
    fn steps(&self) -> i64 {
        if self.major_x() {
            self.dx
        } else {
            self.dy
        }
    }
    #[inline]
    fn base(&self) -> f64 {
        if self.major_x() {
            self.ys as f64
        } else {
            self.xs as f64
        }
    }
    /// The minor coordinate at `t`, exactly as C computes `(int)(ys + s*t + .5)`.
    #[inline]
    fn minor(&self, t: i64) -> i64 {
        c_int(self.base() + self.s * t as f64 + 0.5)
    }
    /// First and last point in polygon order.
    fn first(&self) -> (i64, i64) {
        self.at_exact(if self.flip { self.steps() } else { 0 })
    }
    fn last(&self) -> (i64, i64) {
        self.at_exact(if self.flip { 0 } else { self.steps() })
    }
    #[inline]
    fn at_exact(&self, t: i64) -> (i64, i64) {
        let r = self.minor(t);
        if self.major_x() {
            (t + self.xs, r)
        } else {
            (r, t + self.ys)
        }
    }
}

/// Collects the y-boundary crossings of `rleFrPoly` as `x·h + y` (32-bit wrapping, as C).
struct Crossings {
    h: u32,
    /// Largest valid column index (`w − 1`); `None` when `w = 0`, where C's unsigned `w − 1` wraps to
    /// 2⁶⁴ − 1 and every column `≥ 0` passes.
    max_col: Option<i64>,
    out: Vec<u32>,
}

impl Crossings {
    /// A crossing between consecutive points, if its column `xd_int` (on the ×5 grid) is a pixel centre
    /// inside the image; `ymin` is the smaller of the two points' rows on the ×5 grid.
    #[inline]
    fn push(&mut self, xd_int: i64, ymin: i64) {
        let r = xd_int - 2;
        if r.rem_euclid(5) != 0 {
            return;
        }
        let col = r.div_euclid(5);
        if col < 0 || self.max_col.is_some_and(|m| col > m) {
            return;
        }
        // C: yd = ceil(clamp((v + .5)/5 - .5, 0, h)). In exact arithmetic (v + .5)/5 - .5 = (v - 2)/5; the
        // double result is exact when 5 divides v - 2 and otherwise at least 0.2 away from an integer, so
        // the integer ceiling below is the same number (ceil and integer clamping commute).
        let y = (ymin - 2).div_euclid(5) + i64::from((ymin - 2).rem_euclid(5) != 0);
        let y = y.clamp(0, self.h as i64);
        self.out
            .push((col as u32).wrapping_mul(self.h).wrapping_add(y as u32));
    }

    /// A pair of consecutive points `prev → cur` (pycocotools' downsampling test).
    #[inline]
    fn pair(&mut self, prev: (i64, i64), cur: (i64, i64)) {
        if cur.0 != prev.0 {
            let xd = if cur.0 < prev.0 { cur.0 } else { cur.0 - 1 };
            self.push(xd, cur.1.min(prev.1));
        }
    }

    /// All crossings between consecutive points inside one edge.
    fn edge(&mut self, e: &Edge) {
        if e.major_x() {
            // Consecutive points differ by one column: the crossing column is xs + min(t, t+1).
            if e.dx == 0 {
                return;
            }
            // Candidate pairs (t, t+1), t in 0..dx, with xs + t = 5n + 2.
            let lo_n = (e.xs - 2).div_euclid(5) + i64::from((e.xs - 2).rem_euclid(5) != 0);
            let mut lo_n = lo_n.max(0);
            let mut hi_n = (e.xs + e.dx - 1 - 2).div_euclid(5);
            if let Some(m) = self.max_col {
                hi_n = hi_n.min(m);
            }
            if lo_n > hi_n {
                return;
            }
            while lo_n <= hi_n {
                let t = 5 * lo_n + 2 - e.xs;
                let ymin = e.minor(t).min(e.minor(t + 1));
                self.push(e.xs + t, ymin);
                lo_n += 1;
            }
        } else {
            self.edge_major_y(e);
        }
    }

    /// Crossings inside a steep edge (`dx < dy`). The column `u(t)` is monotone in `t`, and a pair of
    /// consecutive points can only record column `c` if it straddles the boundary between `5c + 2` and
    /// `5c + 3` on the ×5 grid (its crossing column lies in `[min u, max u − 1]`). So for each column `c`
    /// inside the image, find that pair (estimate, then galloping search on exact evaluations) and apply
    /// C's test to it: O(columns) instead of O(5 × edge length).
    fn edge_major_y(&mut self, e: &Edge) {
        let n = e.dy;
        let u0 = e.minor(0);
        let un = e.minor(n);
        if u0 == un {
            return;
        }
        let inc = un > u0;
        let (lo_u, hi_u) = if inc { (u0, un) } else { (un, u0) };
        // columns c with lo_u <= 5c + 2 and 5c + 3 <= hi_u
        let c_lo = ((lo_u - 2).div_euclid(5) + i64::from((lo_u - 2).rem_euclid(5) != 0)).max(0);
        let mut c_hi = (hi_u - 3).div_euclid(5);
        if let Some(m) = self.max_col {
            c_hi = c_hi.min(m);
        }
        let base = e.xs as f64;
        for c in c_lo..=c_hi {
            let tb = if inc {
                // first t with u(t) >= 5c + 3
                let target = 5 * c + 3;
                let est = ((target as f64 - 0.5 - base) / e.s).ceil();
                first_true_near(1, n, est, |t| e.minor(t) >= target)
            } else {
                // first t with u(t) <= 5c + 2
                let target = 5 * c + 2;
                let est = ((target as f64 + 0.5 - base) / e.s).floor() + 1.0;
                first_true_near(1, n, est, |t| e.minor(t) <= target)
            };
            if tb > n {
                continue;
            }
            let a = e.minor(tb - 1);
            let b = e.minor(tb);
            // Polygon order: forward unless flipped.
            let (prev, cur) = if e.flip { (b, a) } else { (a, b) };
            let xd = if cur < prev { cur } else { cur - 1 };
            if xd == 5 * c + 2 {
                self.push(xd, e.ys + tb - 1);
            }
        }
    }
}

/// Smallest `t` in `[lo, hi]` where the monotone predicate `f` holds (`hi + 1` if none), searched from an
/// estimate `est` outward (exponential steps, then bisection), so a good estimate costs 2–3 evaluations.
fn first_true_near(lo: i64, hi: i64, est: f64, f: impl Fn(i64) -> bool) -> i64 {
    if lo > hi {
        return hi + 1;
    }
    let e = if est.is_nan() {
        lo
    } else {
        est.clamp(lo as f64, hi as f64) as i64
    };
    if f(e) {
        // answer in [lo, e]
        let mut top = e;
        let mut step = 1i64;
        loop {
            let probe = e - step;
            if probe < lo {
                return first_true(lo, top, &f);
            }
            if !f(probe) {
                return first_true(probe + 1, top, &f);
            }
            top = probe;
            step = step.saturating_mul(2);
        }
    } else {
        // answer in (e, hi + 1]
        let mut bottom = e + 1;
        let mut step = 1i64;
        loop {
            let probe = e.saturating_add(step);
            if probe > hi {
                return first_true(bottom, hi, &f);
            }
            if f(probe) {
                return first_true(bottom, probe, &f);
            }
            bottom = probe + 1;
            step = step.saturating_mul(2);
        }
    }
}

/// Smallest `t` in `[lo, hi]` where the monotone predicate `f` holds (`hi + 1` if none).
fn first_true(lo: i64, hi: i64, f: &impl Fn(i64) -> bool) -> i64 {
    let (mut a, mut b) = (lo, hi + 1);
    while a < b {
        let m = a + (b - a) / 2;
        if f(m) {
            b = m;
        } else {
            a = m + 1;
        }
    }
    a
}

/// Reusable buffers for [`rle_from_polygon_with`].
#[derive(Debug, Default)]
pub struct PolyScratch {
    verts: Vec<(i64, i64)>,
    crossings: Vec<u32>,
}

/// Rasterizes one polygon `[x1, y1, x2, y2, ...]` exactly as pycocotools `rleFrPoly` (see the module
/// notes). Uses `xy.len() / 2` points, dropping an odd last number as pycocotools' `frPoly` does. Fewer
/// than 2 points give an empty mask; 2 points give the (usually empty) mask of a degenerate polygon.
pub fn rle_from_polygon(xy: &[f64], h: u32, w: u32) -> Rle {
    rle_from_polygon_with(xy, h, w, &mut PolyScratch::default())
}

/// [`rle_from_polygon`] reusing `scratch` between calls (no allocation but the result's counts).
pub fn rle_from_polygon_with(xy: &[f64], h: u32, w: u32, scratch: &mut PolyScratch) -> Rle {
    let k = xy.len() / 2;
    let verts = &mut scratch.verts;
    verts.clear();
    verts.extend(
        xy.chunks_exact(2)
            .map(|p| (c_int(5.0 * p[0] + 0.5), c_int(5.0 * p[1] + 0.5))),
    );
    let mut cr = Crossings {
        h,
        max_col: if w == 0 { None } else { Some(w as i64 - 1) },
        out: std::mem::take(&mut scratch.crossings),
    };
    cr.out.clear();
    let mut prev_last: Option<(i64, i64)> = None;
    for j in 0..k {
        let (x0, y0) = verts[j];
        let (x1, y1) = if j + 1 < k { verts[j + 1] } else { verts[0] };
        let e = Edge::new(x0, y0, x1, y1);
        if let Some(pl) = prev_last {
            cr.pair(pl, e.first());
        }
        cr.edge(&e);
        prev_last = Some(e.last());
    }
    let mut a = std::mem::take(&mut cr.out);
    a.push(h.wrapping_mul(w));
    let counts = runs_from_boundaries(&mut a);
    scratch.crossings = a;
    Rle { h, w, counts }
}

/// The end of `rleFrPoly`: sort the boundaries, take differences, and fold zero-length runs (a boundary
/// crossed twice) into their neighbours the way pycocotools does.
fn runs_from_boundaries(a: &mut [u32]) -> Vec<u32> {
    a.sort_unstable();
    let mut p = 0u32;
    for v in a.iter_mut() {
        let t = *v;
        *v = v.wrapping_sub(p);
        p = t;
    }
    let mut b: Vec<u32> = Vec::with_capacity(a.len());
    let mut j = 0;
    b.push(a[0]);
    j += 1;
    while j < a.len() {
        if a[j] > 0 {
            b.push(a[j]);
            j += 1;
        } else {
            j += 1;
            if j < a.len() {
                if let Some(last) = b.last_mut() {
                    *last = last.wrapping_add(a[j]);
                }
                j += 1;
            }
        }
    }
    b
}

/// Rasterizes a box `[x, y, w, h]` as pycocotools `rleFrBbox`: the polygon (x,y) (x,y+h) (x+w,y+h) (x+w,y).
pub fn rle_from_bbox(bb: [f64; 4], h: u32, w: u32) -> Rle {
    let (xs, ys) = (bb[0], bb[1]);
    let (xe, ye) = (xs + bb[2], ys + bb[3]);
    rle_from_polygon(&[xs, ys, xs, ye, xe, ye, xe, ys], h, w)
}

/// The mask of an annotation's `segmentation`, as pycocotools `COCO.annToRLE` computes it for an image of
/// `h` rows and `w` columns. `Ok(None)` for an empty segmentation (`[]`, where pycocotools raises).
///
/// Mirrors `annToRLE` → `frPyObjects` → `merge`:
/// - polygons: each part rasterized by [`rle_from_polygon`], the parts merged (union);
/// - quirk of `frPyObjects`, reproduced on purpose: when the *first* part has exactly 4 numbers, it takes
///   the box branch (`frBbox`), which in pycocotools 2.0.11 raises `TypeError` on a list: an error here
///   too (use [`rle_from_bbox`] for boxes); a *later* 4-number part is a 2-point polygon;
/// - a first part of fewer than 4 numbers (0 or 2) is an error (pycocotools raises too); later parts of
///   any even length are rasterized as they are (a 1-point part paints nothing);
/// - uncompressed RLE (`frUncompressedRLE`): its own `size` is used, not `h`/`w`, as pycocotools does; the
///   counts must add up to `h·w` of that size ("Invalid RLE mask representation");
/// - compressed RLE: parsed with [`Rle::from_compressed`] (checked; pycocotools passes it through untouched).
///
/// Errors (pycocotools would truncate or compute garbage): a part with an odd number of coordinates, a NaN
/// or infinite coordinate.
pub fn segmentation_to_rle(seg: &Segmentation, h: u32, w: u32) -> Result<Option<Rle>> {
    match seg {
        Segmentation::Empty => Ok(None),
        Segmentation::Polygons(parts) if parts.is_empty() => Ok(None),
        Segmentation::Polygons(parts) => polygons_to_rle(parts, h, w).map(Some),
        Segmentation::Rle { h, w, counts } => Rle::from_counts(*h, *w, counts.clone()).map(Some),
        Segmentation::CompressedRle { h, w, counts } => {
            Rle::from_compressed(*h, *w, counts).map(Some)
        }
    }
}

fn polygons_to_rle(parts: &[Vec<f64>], h: u32, w: u32) -> Result<Rle> {
    for (i, p) in parts.iter().enumerate() {
        if p.len() % 2 != 0 {
            return Err(Error::msg(format!(
                "polygon {i} has an odd number of coordinates ({})",
                p.len()
            )));
        }
        if let Some(v) = p.iter().find(|v| !v.is_finite()) {
            return Err(Error::msg(format!(
                "polygon {i} has a non-finite coordinate ({v})"
            )));
        }
    }
    let first = parts[0].len();
    if first == 4 {
        // frPyObjects: `len(pyobj[0]) == 4` takes the frBbox branch, which in pycocotools 2.0.11 only accepts
        // a numpy array and raises TypeError on the list it is given.
        return Err(Error::msg(
            "first polygon has 4 numbers: pycocotools 2.0.11 reads the segmentation as boxes (frBbox) \
             and fails on it",
        ));
    }
    if first < 4 {
        return Err(Error::msg(format!(
            "first polygon has {first} numbers; pycocotools needs at least 6"
        )));
    }
    let mut scratch = PolyScratch::default();
    let rles: Vec<Rle> = parts
        .iter()
        .map(|p| rle_from_polygon_with(p, h, w, &mut scratch))
        .collect();
    if rles.len() == 1 {
        return Ok(rles.into_iter().next().unwrap_or_default());
    }
    Ok(Rle::merge(&rles, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_int_matches_x86() {
        assert_eq!(c_int(-2.5), -2);
        assert_eq!(c_int(2.9), 2);
        assert_eq!(c_int(f64::NAN), i32::MIN as i64);
        assert_eq!(c_int(3e9), i32::MIN as i64);
        assert_eq!(c_int(-3e9), i32::MIN as i64);
    }

    #[test]
    fn square_is_exact() {
        // Pixel-corner square covering pixels 1..3 x 1..3 of a 5x5 image.
        let r = rle_from_polygon(&[1.0, 1.0, 4.0, 1.0, 4.0, 4.0, 1.0, 4.0], 5, 5);
        let bm = r.decode_row_major();
        for y in 0..5 {
            for x in 0..5 {
                let inside = (1..4).contains(&x) && (1..4).contains(&y);
                assert_eq!(bm[y * 5 + x] == 1, inside, "pixel {x},{y}");
            }
        }
        assert_eq!(r.area(), 9);
    }

    #[test]
    fn tiny_polygons() {
        assert_eq!(rle_from_polygon(&[], 4, 3).counts, vec![12]);
        assert_eq!(rle_from_polygon(&[1.0, 1.0], 4, 3).counts, vec![12]);
        assert_eq!(rle_from_polygon(&[1.0, 1.0, 2.0], 4, 3).counts, vec![12]);
    }

    #[test]
    fn huge_coordinates_do_not_hang() {
        // Vertices beyond the int range become INT_MIN, as in C; the result is still a valid mask.
        let r = rle_from_polygon(&[-1e12, -1e12, 1e12, 5.0, 3.0, 1e15], 100, 100);
        assert!(r.is_valid());
        let r = rle_from_polygon(&[-1e8, -1e8, 1e8, 3.0, 50.0, 1e8], 100, 100);
        assert!(r.is_valid());
        assert!(r.area() > 0);
    }

    #[test]
    fn dispatch() {
        let h = 10;
        let w = 10;
        let bb = Segmentation::Polygons(vec![vec![1.0, 1.0, 3.0, 2.0]]);
        assert!(segmentation_to_rle(&bb, h, w).is_err());
        let later = Segmentation::Polygons(vec![
            vec![1.0, 1.0, 6.0, 1.0, 6.0, 6.0],
            vec![1.0, 1.0, 3.0, 2.0],
        ]);
        assert!(segmentation_to_rle(&later, h, w).unwrap().is_some());
        let short = Segmentation::Polygons(vec![vec![1.0, 1.0]]);
        assert!(segmentation_to_rle(&short, h, w).is_err());
        let odd = Segmentation::Polygons(vec![vec![1.0, 1.0, 2.0, 2.0, 3.0, 1.0, 4.0]]);
        assert!(segmentation_to_rle(&odd, h, w).is_err());
        let nan = Segmentation::Polygons(vec![vec![1.0, 1.0, 2.0, f64::NAN, 3.0, 1.0]]);
        assert!(segmentation_to_rle(&nan, h, w).is_err());
        assert_eq!(
            segmentation_to_rle(&Segmentation::Empty, h, w).unwrap(),
            None
        );
        let bad = Segmentation::Rle {
            h: 2,
            w: 2,
            counts: vec![1, 2],
        };
        assert!(segmentation_to_rle(&bad, h, w).is_err());
    }
}

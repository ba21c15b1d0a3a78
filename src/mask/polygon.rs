//! Polygons to RLE, bit-exact with pycocotools 2.0.11's `rleFrPoly` (maskApi.c).
//!
//! Not here: the RLE type and its algorithms ([`crate::mask::rle`]), boxes and the segmentation → RLE
//! dispatch of `frPyObjects` / `annToRLE` ([`crate::mask::segmentation`]), masks back to polygons
//! ([`crate::mask::contour`]).
//!
//! # How pycocotools rasterizes a polygon (`rleFrPoly`), and what cocokit reproduces
//! 1. Every vertex is scaled by 5 and rounded with C's `(int)(5*x + .5)`, which truncates toward zero, so
//!    negative coordinates round up (x = −0.25: 5x + .5 = −0.75 → 0, where `floor` gives −1). Values outside the `int` range become
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
//!

use crate::mask::rle::{CompressedWriter, Rle};

/// C's `(int)d` on x86-64: truncation toward zero; NaN and out-of-range values give `INT_MIN`.
#[inline(always)]
fn c_int(d: f64) -> i64 {
    // Truncated to 64 bits first (NaN and values beyond ±2⁶³ give i64::MIN there), then anything outside
    // the int range becomes INT_MIN — a select, not a branch.
    let t = trunc_i64(d);
    if t == t as i32 as i64 {
        t
    } else {
        i32::MIN as i64
    }
}

/// `d` truncated toward zero, as x86-64's `cvttsd2si`: NaN and values out of the `i64` range give
/// `i64::MIN`. One instruction, where Rust's saturating `as i64` adds comparisons for those cases
/// (elsewhere the same answers computed the long way).
#[inline(always)]
fn trunc_i64(d: f64) -> i64 {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86-64 baseline.
        unsafe { std::arch::x86_64::_mm_cvttsd_si64(std::arch::x86_64::_mm_set_sd(d)) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        if d.is_nan() || !(-9223372036854775808.0..9223372036854775808.0).contains(&d) {
            i64::MIN
        } else {
            d as i64
        }
    }
}

/// `if c { a } else { b }` as a conditional move: for data the processor cannot predict (which way an
/// edge points).
#[inline(always)]
fn sel<T>(c: bool, a: T, b: T) -> T {
    std::hint::select_unpredictable(c, a, b)
}

/// One polygon edge on the ×5 grid, set up as in `rleFrPoly` (endpoints swapped when `flip`).
#[derive(Clone, Copy)]
struct Edge {
    xs: i64,
    ys: i64,
    dx: i64,
    dy: i64,
    flip: bool,
    s: f64,
    /// The minor coordinate at the first and at the last step (`minor(0)`, `minor(steps)`).
    m0: i64,
    mn: i64,
}

impl Edge {
    /// Branch-free (selects, not jumps): consecutive edges point every which way, and a branch on their
    /// direction would be mispredicted about every other edge.
    #[inline(always)]
    fn new(x0: i64, y0: i64, x1: i64, y1: i64) -> Edge {
        Edge::set_up::<true>(x0, y0, x1, y1)
    }

    /// [`Edge::new`]; without `ROUND_ENDS`, `m0` and `mn` are the minor coordinates of the two vertices as
    /// they are — what C's rounding gives for ends `>= 0` of an edge that is not a repeated vertex (the
    /// case of [`plan_simple`], which never keeps a repeated vertex's edge).
    #[inline(always)]
    fn set_up<const ROUND_ENDS: bool>(x0: i64, y0: i64, x1: i64, y1: i64) -> Edge {
        let dx = (x1 - x0).abs();
        let dy = (y0 - y1).abs();
        let major_x = dx >= dy;
        let flip = (major_x & (x0 > x1)) | (!major_x & (y0 > y1));
        let (xs, xe) = (sel(flip, x1, x0), sel(flip, x0, x1));
        let (ys, ye) = (sel(flip, y1, y0), sel(flip, y0, y1));
        // dx = dy = 0 gives 0/0 = NaN, as in C.
        let (num, den) = (sel(major_x, ye - ys, xe - xs), sel(major_x, dx, dy));
        let s = num as f64 / den as f64;
        // rleFrPoly's minor coordinate at t = 0 and t = steps, `(int)(b + s·t + .5)` with b the minor
        // start, is worked out in integers, off the division's latency: s·0 = 0, and s·steps is `num`
        // up to a relative error of 2⁻⁵² (one rounded division, one rounded product; |num| < 2³³), so
        // the double is within 2⁻¹⁹ of the integer end + .5, which C truncates toward zero to the end
        // itself, or to end + 1 for a negative end. A repeated vertex (0/0 = NaN) gives INT_MIN in C.
        let round = |v: i64| {
            if ROUND_ENDS {
                sel(den == 0, i32::MIN as i64, v + i64::from(v < 0))
            } else {
                v
            }
        };
        Edge {
            xs,
            ys,
            dx,
            dy,
            flip,
            s,
            m0: round(sel(major_x, ys, xs)),
            mn: round(sel(major_x, ye, xe)),
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
    /// First and last point in polygon order.
    #[inline(always)]
    fn first(&self) -> (i64, i64) {
        let (t, r) = (
            sel(self.flip, self.steps(), 0),
            sel(self.flip, self.mn, self.m0),
        );
        self.point(t, r)
    }
    #[inline(always)]
    fn last(&self) -> (i64, i64) {
        let (t, r) = (
            sel(self.flip, 0, self.steps()),
            sel(self.flip, self.m0, self.mn),
        );
        self.point(t, r)
    }
    /// The point at step `t` whose minor coordinate is `r`.
    #[inline(always)]
    fn point(&self, t: i64, r: i64) -> (i64, i64) {
        let x = self.major_x();
        let major = t + sel(x, self.xs, self.ys);
        (sel(x, major, r), sel(x, r, major))
    }
}

/// The last column whose crossings are recorded on an image of width 0.
///
/// pycocotools compares columns with the unsigned `w − 1`, which for `w = 0` wraps to 2⁶⁴ − 1: every column
/// `≥ 0` on the polygon's path records a crossing and the runs do not add up to `h·w = 0` (an invalid mask,
/// reproduced on purpose for small polygons: golden `degenerate size 5x0`). Recording them all would cost
/// time and memory proportional to the polygon's x extent (a vertex at x ≈ 4·10⁸ meant minutes and
/// gigabytes), so cocokit stops at column 4095: up to there it matches pycocotools bit for bit, beyond it
/// gives its own (equally invalid) mask. [`segmentation_to_rle`] refuses such images outright.
pub const ZERO_WIDTH_MAX_COL: i64 = 4095;

/// The row C records for a crossing whose smaller ×5-grid row is `v`:
/// `yd = ceil(clamp((v + .5)/5 - .5, 0, h))`. In exact arithmetic `(v + .5)/5 - .5 = (v - 2)/5`; the double
/// result is exact when 5 divides `v - 2` and otherwise at least 0.2 away from an integer, so the integer
/// ceiling below is the same number (ceil and integer clamping commute).
#[inline(always)]
fn row_of(v: i64, h: u32) -> u32 {
    // ceil((v - 2)/5) = (v + 2) div 5 for v >= 2; v <= 2 gives row 0 and v >= 5h + 2 gives row h, so
    // clamping v to 2..=5h+2 first does the clamping of the row.
    let v = v.clamp(2, 5 * h as i64 + 2);
    ((v as u64 + 2) / 5) as u32
}

/// Where an edge's crossings are: the columns `lo..=hi` (none when `lo > hi`) of the image.
#[derive(Clone, Copy)]
struct EdgePlan {
    e: Edge,
    lo: i64,
    hi: i64,
}

impl EdgePlan {
    /// The columns whose pixel centre the edge can cross, clipped to `0..=max_col` (branch-free, as
    /// [`Edge::new`]).
    ///
    /// The column `u` of the edge's points runs monotonically from one end's to the other's: `xs..=xs+dx`
    /// for a flat edge, `m0..=mn` (either way) for a steep one. A pair of consecutive points can only
    /// record column `c` if it straddles the boundary between `5c + 2` and `5c + 3` on the ×5 grid (for a
    /// flat edge: the pair `(t, t+1)` with `xs + t = 5c + 2`), so the columns are
    /// `ceil((lo_u − 2)/5) ..= (hi_u − 3) div 5`, none when the edge stays in one column.
    #[inline(always)]
    fn new(e: Edge, max_col: i64) -> EdgePlan {
        let x = e.major_x();
        let lo_u = sel(x, e.xs, e.m0.min(e.mn));
        let hi_u = sel(x, e.xs + e.dx, e.m0.max(e.mn));
        let lo = ceil_div5(lo_u - 2).max(0);
        let hi = (hi_u - 3).div_euclid(5).min(max_col);
        let empty = lo_u == hi_u;
        let (lo, hi) = (sel(empty, 1, lo), sel(empty, 0, hi));
        EdgePlan { e, lo, hi }
    }
    /// Which of [`PolyScratch`]'s lists the edge goes to: 0 flat, 1 steep with the column growing, 2
    /// steep with it shrinking.
    #[inline(always)]
    fn kind(&self) -> usize {
        usize::from(!self.e.major_x()) * (1 + usize::from(self.e.mn <= self.e.m0))
    }
}

/// `ceil(a / 5)`.
#[inline]
fn ceil_div5(a: i64) -> i64 {
    a.div_euclid(5) + i64::from(a.rem_euclid(5) != 0)
}

/// Where crossings go. [`ByColumn`] puts each at its sorted place among its column's; [`InOrder`] keeps
/// them in a list to be sorted as wrapped 32-bit values.
trait Sink {
    /// The crossing `value` of column `col` (inside the planned columns).
    fn put(&mut self, col: i64, value: u32);
    /// Column `col` turned out to have no crossing in this edge (a planned slot stays empty).
    fn hole(&mut self, col: i64);
    /// The crossings of a flat edge, one per column from `lo` on, in column order.
    fn put_flat(&mut self, lo: i64, values: &[u32]);
}

/// A counting sort by column: `next[c - base]` is the next free slot of column `c` in `out`.
struct ByColumn<'a> {
    base: i64,
    next: &'a mut [u32],
    out: &'a mut [u32],
}

/// An empty planned slot. Never a boundary: those are at most h·w < u32::MAX on this path.
const HOLE: u32 = u32::MAX;

impl Sink for ByColumn<'_> {
    #[inline(always)]
    fn put(&mut self, col: i64, value: u32) {
        let slot = &mut self.next[(col - self.base) as usize];
        self.out[*slot as usize] = value;
        *slot += 1;
    }
    #[inline(always)]
    fn hole(&mut self, col: i64) {
        self.put(col, HOLE);
    }
    #[inline(always)]
    fn put_flat(&mut self, lo: i64, values: &[u32]) {
        let a = (lo - self.base) as usize;
        for (slot, &v) in self.next[a..a + values.len()].iter_mut().zip(values) {
            self.out[*slot as usize] = v;
            *slot += 1;
        }
    }
}

struct InOrder<'a>(&'a mut Vec<u32>);

impl Sink for InOrder<'_> {
    #[inline(always)]
    fn put(&mut self, _col: i64, value: u32) {
        self.0.push(value);
    }
    #[inline(always)]
    fn hole(&mut self, _col: i64) {}
    #[inline(always)]
    fn put_flat(&mut self, _lo: i64, values: &[u32]) {
        self.0.extend_from_slice(values);
    }
}

/// The crossings of one edge (planned in `p`) into `sink`, as `x·h + y` (32-bit wrapping, as C).
#[inline(always)]
fn edge_crossings(p: &EdgePlan, h: u32, sink: &mut impl Sink) {
    if p.lo > p.hi {
        return;
    }
    let e = &p.e;
    if e.major_x() {
        flat_crossings(e, p.lo, p.hi, h, sink);
    } else if e.mn > e.m0 {
        steep_crossings::<true>(e, p.lo, p.hi, h, sink);
    } else {
        steep_crossings::<false>(e, p.lo, p.hi, h, sink);
    }
}

/// A flat edge (`dx >= dy`): consecutive points differ by one column, and column `n` is crossed by the
/// pair `(t, t+1)` with `xs + t = 5n + 2`; its row comes from the smaller minor coordinate of the two.
///
/// The minor coordinate `(int)(ys + s·t + .5)` is monotone in `t` (C's truncation and IEEE arithmetic are
/// monotone), so the smaller one is at `t` when the slope is `>= 0`, else at `t + 1`. It lies between the
/// edge's endpoints (C ints), so the conversion never leaves the int range. `t` is exact as a double
/// (|t| < 2⁵³), so stepping it by 5.0 gives C's `(double)t`.
#[inline(always)]
fn flat_crossings(e: &Edge, lo: i64, hi: i64, h: u32, sink: &mut impl Sink) {
    let (ys, s) = (e.ys as f64, e.s);
    // `t` stepped as an integer and converted each time: the same exact double as stepping a double by
    // 5.0 (|t| < 2⁵³).
    let t = 5 * lo + i64::from(s < 0.0) + 2 - e.xs;
    let at = (lo as u32).wrapping_mul(h);
    let len = (hi - lo + 1) as usize;
    let top = 5.0 * h as f64 + 2.0;
    #[cfg(target_arch = "x86_64")]
    if h <= FLAT_SIMD_MAX_H {
        // SAFETY: SSE2 is part of the x86-64 baseline.
        unsafe {
            flat_values_sse2(ys, s, t, at, h, top, len, |i, v| {
                sink.put_flat(lo + i as i64, v)
            })
        };
        return;
    }
    flat_values(ys, s, t, at, h, top, len, |i, v| {
        sink.put_flat(lo + i as i64, v)
    });
}

/// [`flat_values_sse2`] one column at a time (other processors, and images too tall for it).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn flat_values(
    ys: f64,
    s: f64,
    mut t: i64,
    mut at: u32,
    h: u32,
    top: f64,
    len: usize,
    mut put: impl FnMut(usize, &[u32]),
) {
    for i in 0..len {
        let v = trunc_i64((ys + s * t as f64 + 0.5).clamp(2.0, top)) as u64;
        put(i, &[at.wrapping_add(((v + 2) / 5) as u32)]);
        at = at.wrapping_add(h);
        t += 5;
    }
}

/// The tallest image [`flat_values_sse2`] handles: its truncations are to 32 bits, so 5h + 2 must stay
/// below 2³¹.
const FLAT_SIMD_MAX_H: u32 = 400_000_000;

/// The crossings of `len` consecutive columns of a flat edge, four at a time with SSE2, given to `put` as
/// (index, values): value `i` is `at + i·h + row` (wrapping), the row from the minor coordinate at
/// `t + 5i`: `v = (int)(ys + s·(t + 5i) + .5)` clamped to `2..=5h+2`, then `ceil((v − 2)/5) = (v + 2) div 5`
/// (see [`row_of`]; clamping before truncating is the same as after, the bounds being integers).
///
/// The same IEEE operations in the same order as the scalar code (products and sums of doubles, no fused
/// multiply-add); truncations to 32 bits (the clamped values are at most 5h + 2 < 2³¹); and `(v + 2) div 5`
/// as `trunc((v + 2)·0.2)`, which is exact: for an integer `m < 2⁵⁰`, `m·0.2` rounds to at least `m/5`
/// when 5 divides `m` (the double 0.2 is slightly above 1/5) and otherwise stays more than 0.19 away
/// from the next integer.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn flat_values_sse2(
    ys: f64,
    s: f64,
    t: i64,
    at: u32,
    h: u32,
    top: f64,
    len: usize,
    mut put: impl FnMut(usize, &[u32]),
) {
    use std::arch::x86_64::*;
    let (ysv, sv, half) = (_mm_set1_pd(ys), _mm_set1_pd(s), _mm_set1_pd(0.5));
    let (two, topv, fifth) = (_mm_set1_pd(2.0), _mm_set1_pd(top), _mm_set1_pd(0.2));
    let row = |tv: __m128d| {
        let f = _mm_add_pd(_mm_add_pd(ysv, _mm_mul_pd(sv, tv)), half);
        let v = _mm_cvttpd_epi32(_mm_min_pd(_mm_max_pd(f, two), topv));
        _mm_cvttpd_epi32(_mm_mul_pd(_mm_add_pd(_mm_cvtepi32_pd(v), two), fifth))
    };
    let (t0, step) = (t as f64, _mm_set1_pd(20.0));
    let (mut ta, mut tb) = (_mm_set_pd(t0 + 5.0, t0), _mm_set_pd(t0 + 15.0, t0 + 10.0));
    let hv = |k: u32| h.wrapping_mul(k) as i32;
    let mut atv = _mm_add_epi32(
        _mm_set1_epi32(at as i32),
        _mm_set_epi32(hv(3), hv(2), hv(1), 0),
    );
    let hstep = _mm_set1_epi32(hv(4));
    let mut i = 0;
    while i < len {
        let mut vals = [0u32; 4];
        let r = _mm_unpacklo_epi64(row(ta), row(tb));
        _mm_storeu_si128(vals.as_mut_ptr().cast(), _mm_add_epi32(r, atv));
        // A whole group as a slice of constant length (its loop unrolled), the edge's last one as it is.
        if len - i >= 4 {
            put(i, &vals);
        } else {
            put(i, &vals[..len - i]);
        }
        ta = _mm_add_pd(ta, step);
        tb = _mm_add_pd(tb, step);
        atv = _mm_add_epi32(atv, hstep);
        i += 4;
    }
}

/// A steep edge (`dx < dy`), whose column `u(t) = (int)(xs + s·t + .5)` grows with `t` (`INC`) or shrinks:
/// for each planned column `c`, find the pair `(tb − 1, tb)` straddling the boundary `L = 5c + 2`
/// (`u(tb − 1) <= L < u(tb)` when `u` grows, `u(tb − 1) > L >= u(tb)` when it shrinks) and apply C's test
/// to it: O(columns) instead of O(5 × edge length).
///
/// The usual pair goes from column `L` to `L + 1` (or back): then it straddles the boundary, and C
/// records it whichever way the polygon runs (its `xd`, the smaller of the two columns, is `L`). That is
/// checked at an estimated `tb`; anything else — a wrong estimate, a pair skipping a column (possible only
/// where rounding errors of huge coordinates exceed the slope's distance to 1) — goes to the exact search.
#[inline(always)]
fn steep_crossings<const INC: bool>(e: &Edge, c_lo: i64, c_hi: i64, h: u32, sink: &mut impl Sink) {
    let (n, ys) = (e.dy, e.ys);
    let (xb, s) = (e.xs as f64, e.s);
    // The estimate only has to be right nearly always: each one is checked exactly below, and a wrong one
    // goes to the exact search. With est = (L + 0.5 − xb)/s, linear in c: ceil(est) (as
    // trunc(est + 1 − 10⁻⁶), off only when est lies within 10⁻⁶ above an integer) when u grows, floor(est)
    // + 1 when it shrinks. Out-of-range and NaN values truncate to i64::MIN and clamp to 1.
    let inv_s = 1.0 / s;
    let k1 = 5.0 * inv_s;
    let k0 = (2.5 - xb) * inv_s + if INC { 1.0 - 1e-6 } else { 1.0 };
    for c in c_lo..=c_hi {
        let l = 5 * c + 2;
        let guess = trunc_i64(c as f64 * k1 + k0).clamp(1, n);
        // C's columns at steps guess − 1 and guess: the same IEEE operations on the exact (double)t, then
        // truncation (a value outside the int range, INT_MIN in C, is never l or l + 1 here either).
        let g = guess as f64;
        let ua = trunc_i64(xb + s * (g - 1.0) + 0.5);
        let ub = trunc_i64(xb + s * g + 0.5);
        let hit = if INC {
            (ua == l) & (ub == l + 1)
        } else {
            (ua == l + 1) & (ub == l)
        };
        let tb = if hit {
            Some(guess)
        } else {
            steep_column_exact::<INC>(e, c)
        };
        match tb {
            Some(tb) => sink.put(
                c,
                (c as u32)
                    .wrapping_mul(h)
                    .wrapping_add(row_of(ys + tb - 1, h)),
            ),
            None => sink.hole(c),
        }
    }
}

/// The crossing of column `c` in a steep edge, found by exact search (the slow path of
/// [`steep_crossings`], when its estimate is off): `Some(tb)` when C records the pair `(tb − 1, tb)`.
#[cold]
#[inline(never)]
fn steep_column_exact<const INC: bool>(e: &Edge, c: i64) -> Option<i64> {
    let n = e.dy;
    let (xb, s) = (e.xs as f64, e.s);
    // u(t) lies between the endpoints' columns (C ints), so the conversion never leaves the int range.
    let u = |t: i64| (xb + s * t as f64 + 0.5) as i64;
    let lo_side = 5 * c + 2;
    let est = (lo_side as f64 + 0.5 - xb) / s;
    let tb = if INC {
        first_true_near(1, n, est, |t| u(t) > lo_side)
    } else {
        first_true_near(1, n, est + 1.0, |t| u(t) <= lo_side)
    };
    if tb > n {
        return None;
    }
    let (a, b) = (u(tb - 1), u(tb));
    let straddles = if INC {
        a <= lo_side && b > lo_side
    } else {
        a > lo_side && b <= lo_side
    };
    // Polygon order: forward unless flipped.
    let (prev, cur) = if e.flip { (b, a) } else { (a, b) };
    let xd = if cur < prev { cur } else { cur - 1 };
    (straddles && xd == lo_side).then_some(tb)
}

/// The crossing between the last point of an edge (`prev`) and the first of the next (`cur`): pycocotools'
/// downsampling test on that pair, `(column, x·h + y, recorded)` — branch-free, the caller keeps it only if
/// `recorded`.
#[inline(always)]
fn pair_crossing(prev: (i64, i64), cur: (i64, i64), h: u32, max_col: i64) -> (i64, u32, bool) {
    let xd = cur.0 - i64::from(cur.0 >= prev.0);
    let r = xd - 2;
    let col = r.div_euclid(5);
    let recorded = (cur.0 != prev.0) & (r == 5 * col) & (col >= 0) & (col <= max_col);
    let y = row_of(cur.1.min(prev.1), h);
    (col, (col as u32).wrapping_mul(h).wrapping_add(y), recorded)
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
#[derive(Default)]
pub struct PolyScratch {
    verts: Vec<(i64, i64)>,
    /// The edges with crossings, by [`EdgePlan::kind`]: each list is done by its own loop, whose branches
    /// the processor predicts (one list in polygon order would switch code at random).
    plans: [Vec<EdgePlan>; 3],
    pairs: Vec<(i64, u32)>,
    next: Vec<u32>,
    sorted: Vec<u32>,
}

impl std::fmt::Debug for PolyScratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PolyScratch")
    }
}

/// Rasterizes one polygon `[x1, y1, x2, y2, ...]` exactly as pycocotools `rleFrPoly` (see the module
/// notes). Uses `xy.len() / 2` points, dropping an odd last number as pycocotools' `frPoly` does. Fewer
/// than 2 points give an empty mask; 2 points give the (usually empty) mask of a degenerate polygon.
///
/// Work is bounded by the image, not the coordinates: O(vertices + crossings), at most `w` crossings per
/// edge (4096 when `w = 0`, see [`ZERO_WIDTH_MAX_COL`]; none when `h = 0`, where the result is `[0]`).
pub fn rle_from_polygon(xy: &[f64], h: u32, w: u32) -> Rle {
    rle_from_polygon_with(xy, h, w, &mut PolyScratch::default())
}

/// [`rle_from_polygon`] reusing `scratch` between calls (no allocation but the result's counts).
///
/// How: each edge's crossings lie in a range of columns known from its endpoints, so a first pass plans
/// them (edges and the crossings between consecutive edges), a counting sort over the columns gives each
/// crossing its slot, a second pass computes the crossings straight into their slots, and a last pass
/// sorts each column's few values and turns the boundaries into runs.
pub fn rle_from_polygon_with(xy: &[f64], h: u32, w: u32, scratch: &mut PolyScratch) -> Rle {
    let counts = polygon_runs(xy, h, w, scratch, |cap| CountsSink(Vec::with_capacity(cap))).0;
    Rle { h, w, counts }
}

/// [`rle_from_polygon_with`] written straight as the compressed string of its counts (pycocotools
/// `rleToString`, inside a JSON string: [`Rle::write_compressed_json`]) at the end of `out`: the runs are
/// encoded as they are found, without a vector of counts in between.
pub fn polygon_to_compressed_json(
    xy: &[f64],
    h: u32,
    w: u32,
    scratch: &mut PolyScratch,
    out: &mut Vec<u8>,
) {
    polygon_runs(xy, h, w, scratch, |cap| {
        CompressedWriter::<true>::new(out, cap)
    })
    .finish();
}

/// Where the runs of a polygon go, in order.
trait RunSink {
    fn run(&mut self, v: u32);
}

/// Runs into a vector of counts, created with room for all of them.
struct CountsSink(Vec<u32>);

impl RunSink for CountsSink {
    #[inline(always)]
    fn run(&mut self, v: u32) {
        let k = self.0.len();
        // `polygon_runs` makes at most as many runs as the capacity it asked for (one per boundary plus
        // the last; see `runs_by_column`); checked anyway, as the write below relies on it.
        assert!(k < self.0.capacity(), "more runs than planned");
        // SAFETY: `k` is below the capacity (checked above).
        unsafe {
            self.0.as_mut_ptr().add(k).write(v);
            self.0.set_len(k + 1);
        }
    }
}

impl RunSink for CompressedWriter<'_, true> {
    #[inline(always)]
    fn run(&mut self, v: u32) {
        self.push(v);
    }
}

/// The runs of [`rle_from_polygon_with`] into the sink `start(cap)` makes for at most `cap` of them.
#[inline(always)]
fn polygon_runs<S: RunSink>(
    xy: &[f64],
    h: u32,
    w: u32,
    scratch: &mut PolyScratch,
    start: impl FnOnce(usize) -> S,
) -> S {
    if h == 0 {
        // Every crossing is x·0 + (row clamped to 0..=0) = 0, as is h·w: the boundaries cancel and
        // pycocotools' runs are `[0]` whatever the polygon (it still walks every ×5 point to find that).
        let mut sink = start(1);
        sink.run(0);
        return sink;
    }
    let max_col = if w == 0 {
        ZERO_WIDTH_MAX_COL
    } else {
        w as i64 - 1
    };
    let k = xy.len() / 2;
    let PolyScratch {
        verts,
        plans,
        pairs,
        next,
        sorted,
    } = scratch;
    verts.clear();
    verts.extend(
        xy.chunks_exact(2)
            .map(|p| (c_int(5.0 * p[0] + 0.5), c_int(5.0 * p[1] + 0.5))),
    );
    // Edges (and the crossings between consecutive ones), appended without branches: each item is written
    // at its list's end, and the end moves past it only if it is kept.
    pairs.clear();
    pairs.reserve(k);
    for list in plans.iter_mut() {
        list.clear();
        list.reserve(k);
    }
    let hw = h as u64 * w as u64;
    // C's 32-bit `x·h + y` cannot wrap (and h·w is not 0): the crossings go to their slots directly.
    let slotted = w != 0 && hw < u32::MAX as u64;
    // `signs`: the sign bit of any coordinate (all of them ORed).
    let (mut signs, mut min_x, mut max_x) = (0, i64::MAX, i64::MIN);
    for &(x, y) in verts.iter() {
        (signs, min_x, max_x) = (signs | x | y, min_x.min(x), max_x.max(x));
    }
    let (mut lo, mut hi, mut n);
    let mut counted = false;
    if signs >= 0 && slotted && k > 0 {
        // The edges' columns together are those between the vertices' extreme `x` (see plan_simple), so
        // the slot counts can be made while planning.
        (lo, hi) = ((min_x + 2) / 5, ((max_x + 2) / 5 - 1).min(max_col));
        let span = (hi - lo + 1).max(0) as usize;
        next.clear();
        next.resize(span + 1, 0);
        n = plan_simple(verts, plans, max_col, lo, next);
        counted = true;
    } else {
        plan_edges(verts, plans, pairs, h, max_col);
        (lo, hi, n) = (i64::MAX, i64::MIN, pairs.len());
        for p in plans.iter().flatten() {
            (lo, hi, n) = (lo.min(p.lo), hi.max(p.hi), n + (p.hi - p.lo + 1) as usize);
        }
        for &(c, _) in pairs.iter() {
            (lo, hi) = (lo.min(c), hi.max(c));
        }
    }
    let all_plans = plans.iter().flatten();
    if n == 0 || !slotted || n >= u32::MAX as usize {
        // C's 32-bit `x·h + y` may wrap (or, for w = 0, h·w is 0): sort the values as its qsort does.
        sorted.clear();
        let mut sink = InOrder(sorted);
        for p in all_plans {
            edge_crossings(p, h, &mut sink);
        }
        sorted.extend(pairs.iter().map(|p| p.1));
        sorted.push(h.wrapping_mul(w));
        sorted.sort_unstable();
        let counts = runs_from_boundaries(sorted);
        let mut sink = start(counts.len());
        for &v in &counts {
            sink.run(v);
        }
        return sink;
    }
    // Slots per column: a difference array over the planned column ranges, then each column's start.
    let span = (hi - lo + 1) as usize;
    if !counted {
        next.clear();
        next.resize(span + 1, 0);
        for p in all_plans.clone() {
            // Wrapping on purpose: a slot may go "negative" before the prefix sum (u32 difference array).
            next[(p.lo - lo) as usize] = next[(p.lo - lo) as usize].wrapping_add(1);
            next[(p.hi - lo) as usize + 1] = next[(p.hi - lo) as usize + 1].wrapping_sub(1);
        }
        for &(c, _) in pairs.iter() {
            next[(c - lo) as usize] = next[(c - lo) as usize].wrapping_add(1);
            next[(c - lo) as usize + 1] = next[(c - lo) as usize + 1].wrapping_sub(1);
        }
    }
    let (mut per_col, mut slot) = (0u32, 0u32);
    for b in next.iter_mut() {
        per_col = per_col.wrapping_add(*b);
        *b = slot;
        slot = slot.wrapping_add(per_col);
    }
    // Every planned slot is written (a crossing or a hole), so old contents need no clearing.
    if sorted.len() < n {
        sorted.resize(n, HOLE);
    }
    let sorted = &mut sorted[..n];
    let mut sink = ByColumn {
        base: lo,
        next: &mut next[..span],
        out: sorted,
    };
    let [flat, inc, dec] = &*plans;
    for p in flat {
        flat_crossings(&p.e, p.lo, p.hi, h, &mut sink);
    }
    for p in inc {
        steep_crossings::<true>(&p.e, p.lo, p.hi, h, &mut sink);
    }
    for p in dec {
        steep_crossings::<false>(&p.e, p.lo, p.hi, h, &mut sink);
    }
    for &(c, v) in pairs.iter() {
        sink.put(c, v);
    }
    // Each boundary adds at most one run, and the run being built is added at the end.
    let mut sink = start(n + 2);
    runs_by_column(&next[..span], sorted, h * w, &mut sink);
    sink
}

/// Plans every edge of the polygon `verts` (×5 grid) into `plans` (by [`EdgePlan::kind`], edges without
/// crossings left out) and the crossings between consecutive edges into `pairs` — rleFrPoly's general
/// case. Each list must be empty with room for `verts.len()` items.
#[inline(always)]
fn plan_edges(
    verts: &[(i64, i64)],
    plans: &mut [Vec<EdgePlan>; 3],
    pairs: &mut Vec<(i64, u32)>,
    h: u32,
    max_col: i64,
) {
    let k = verts.len();
    assert!(pairs.capacity() >= k && plans.iter().all(|l| l.is_empty() && l.capacity() >= k));
    let mut kept = [0usize; 3];
    let mut kept_pairs = 0usize;
    let mut prev_last = (0, 0);
    for j in 0..k {
        let (x0, y0) = verts[j];
        let (x1, y1) = if j + 1 < k { verts[j + 1] } else { verts[0] };
        let e = Edge::new(x0, y0, x1, y1);
        let (first, last) = (e.first(), e.last());
        let (c, v, recorded) = pair_crossing(prev_last, first, h, max_col);
        // SAFETY: capacity for k items (checked above), and at most one is kept per edge (the first
        // edge's pair, with no previous edge, never is).
        unsafe { pairs.as_mut_ptr().add(kept_pairs).write((c, v)) };
        kept_pairs += usize::from(recorded & (j > 0));
        prev_last = last;
        let p = EdgePlan::new(e, max_col);
        let kind = p.kind();
        // SAFETY: as above, one item per edge at most in each list.
        unsafe { plans[kind].as_mut_ptr().add(kept[kind]).write(p) };
        kept[kind] += usize::from(p.lo <= p.hi);
    }
    // SAFETY: the first `kept…` items of each list were written above.
    unsafe {
        pairs.set_len(kept_pairs);
        for (list, &n) in plans.iter_mut().zip(&kept) {
            list.set_len(n);
        }
    }
}

/// [`plan_edges`] for the usual polygon, whose ×5-grid coordinates are all `>= 0` (in `verts`, which the
/// caller has checked). There each edge's first and last point are its two vertices — [`Edge::new`]'s
/// rounding of a negative end never applies — so consecutive edges meet at one point and rleFrPoly never
/// records a crossing between them (`pairs` stays empty), and an edge's columns are those between its
/// vertices' `x`, whichever kind it is. A vertex repeated right after itself (LVIS closes every polygon
/// that way) changes nothing: C gives its one point the row `INT_MIN`, but in the column of its neighbours,
/// so no crossing is recorded next to it either, and its edge has no columns. The same plans as
/// [`plan_edges`] with about half the work.
///
/// It also counts each kept edge's columns into `slots`, the counting sort's difference array from column
/// `base` (the caller's two loops over the plans for the general case), and returns the number of
/// crossings planned. The caller sizes `slots` from the vertices' extreme `x`: column `c` belongs to an
/// edge when `5c + 2` and `5c + 3` both lie in the edge's `x` range, and the ranges of a closed chain of
/// edges cover every `x` between the extremes, so the edge holding `5c + 2.5` has column `c` — the edges'
/// columns together are exactly `ceil((min x − 2)/5) ..= (max x − 3) div 5` (clipped to the image).
#[inline(always)]
fn plan_simple(
    verts: &[(i64, i64)],
    plans: &mut [Vec<EdgePlan>; 3],
    max_col: i64,
    base: i64,
    slots: &mut [u32],
) -> usize {
    let k = verts.len();
    assert!(plans.iter().all(|l| l.is_empty() && l.capacity() >= k) && !slots.is_empty());
    let top = slots.len() as i64 - 1;
    let (mut kept, mut n) = ([0usize; 3], 0usize);
    for j in 0..k {
        let (x0, y0) = verts[j];
        let (x1, y1) = if j + 1 < k { verts[j + 1] } else { verts[0] };
        // No rounding of the ends: all are >= 0, and a repeated vertex's edge (NaN slope) is never kept.
        let e = Edge::set_up::<false>(x0, y0, x1, y1);
        // EdgePlan::new's `ceil((lo_u − 2)/5) ..= (hi_u − 3) div 5` for lo_u, hi_u >= 0 (empty when the
        // two are equal: then lo = hi + 1).
        let lo = ((x0.min(x1) + 2) as u64 / 5) as i64;
        let hi = (((x0.max(x1) + 2) as u64 / 5) as i64 - 1).min(max_col);
        let p = EdgePlan { e, lo, hi };
        let kind = p.kind();
        // SAFETY: capacity for k items (checked above), one item per edge at most in each list.
        unsafe { plans[kind].as_mut_ptr().add(kept[kind]).write(p) };
        let keep = lo <= hi;
        debug_assert!(
            !keep || (lo >= base && hi + 1 - base <= top),
            "columns outside the slots"
        );
        kept[kind] += usize::from(keep);
        // The edge's columns in the slot counts (a difference array from `base`); an edge left out adds 0
        // (its bounds clamped to stay inside, a kept edge's are already).
        let (a, b) = (
            (lo - base).clamp(0, top) as usize,
            (hi + 1 - base).clamp(0, top) as usize,
        );
        slots[a] = slots[a].wrapping_add(u32::from(keep));
        slots[b] = slots[b].wrapping_sub(u32::from(keep));
        n += sel(keep, (hi - lo + 1) as usize, 0);
    }
    // SAFETY: the first `kept…` items of each list were written above.
    unsafe {
        for (list, &n) in plans.iter_mut().zip(&kept) {
            list.set_len(n);
        }
    }
    n
}

/// The end of `rleFrPoly` for boundaries sorted by column: `sorted` holds each column's values (up to
/// `ends[i]` for the i-th column, [`HOLE`]s for planned crossings that did not happen), `total` = h·w is
/// the last boundary. Sorts each column's few values, takes differences and folds zero-length runs in as
/// [`runs_from_boundaries`] does.
#[inline(always)]
fn runs_by_column(ends: &[u32], sorted: &mut [u32], total: u32, sink: &mut impl RunSink) {
    // `cur`: the run being built (the first boundary even if 0, as in pycocotools); `absorb`: the last
    // difference was 0, so the next one goes into `cur` (pycocotools' folding of zero-length runs).
    // Each boundary finishes at most one run, and the last run is added at the end: at most
    // `sorted.len() + 2` runs.
    let (mut cur, mut prev, mut absorb) = (0u32, 0u32, true);
    // One boundary (a HOLE is skipped).
    macro_rules! boundary {
        ($v:expr) => {{
            let v: u32 = $v;
            if v != HOLE {
                let d = v.wrapping_sub(prev);
                prev = v;
                if absorb {
                    cur = cur.wrapping_add(d);
                    absorb = false;
                } else if d > 0 {
                    sink.run(cur);
                    cur = d;
                } else {
                    absorb = true;
                }
            }
        }};
    }
    // Two boundaries a <= b in a row; when both runs have a positive length (nearly always), without
    // the state machine.
    macro_rules! pair {
        ($a:expr, $b:expr) => {{
            let (a, b): (u32, u32) = ($a, $b);
            if !absorb & (a > prev) & (b > a) & (b != HOLE) {
                sink.run(cur);
                sink.run(a - prev);
                cur = b - a;
                prev = b;
            } else {
                boundary!(a);
                boundary!(b);
            }
        }};
    }
    let (mut start, mut i) = (0usize, 0usize);
    loop {
        // The usual column: the polygon enters and leaves it, both runs of positive length. A tight loop
        // with nothing but that case (`absorb` is false throughout).
        if !absorb {
            while let Some(&end) = ends.get(i) {
                let end = end as usize;
                let (a, b) = match sorted.get(start..end) {
                    Some(&[a, b]) => (a.min(b), a.max(b)),
                    _ => break,
                };
                if !((a > prev) & (b > a) & (b != HOLE)) {
                    break;
                }
                sink.run(cur);
                sink.run(a - prev);
                cur = b - a;
                prev = b;
                start = end;
                i += 1;
            }
        }
        let Some(&end) = ends.get(i) else { break };
        i += 1;
        let col = &mut sorted[start..end as usize];
        start = end as usize;
        match *col {
            [a, b] => pair!(a.min(b), a.max(b)),
            // Columns a concave polygon crosses several times: a sorting network (branch-free min and
            // max; HOLE pads, sorting last) rather than comparison branches the processor cannot predict.
            [a, b, c, d] => {
                let [a, b, c, d, ..] = sort8([a, b, c, d, HOLE, HOLE, HOLE, HOLE]);
                pair!(a, b);
                pair!(c, d);
            }
            [a, b, c, d, e, f] => {
                let [a, b, c, d, e, f, ..] = sort8([a, b, c, d, e, f, HOLE, HOLE]);
                pair!(a, b);
                pair!(c, d);
                pair!(e, f);
            }
            [a, b, c, d, e, f, g, h] => {
                let [a, b, c, d, e, f, g, h] = sort8([a, b, c, d, e, f, g, h]);
                pair!(a, b);
                pair!(c, d);
                pair!(e, f);
                pair!(g, h);
            }
            _ => {
                col.sort_unstable();
                for &v in col.iter() {
                    boundary!(v);
                }
            }
        }
    }
    // The last boundary, h·w (never a HOLE); a zero difference there folds into nothing.
    let d = total.wrapping_sub(prev);
    if absorb {
        cur = cur.wrapping_add(d);
    } else if d > 0 {
        sink.run(cur);
        cur = d;
    }
    sink.run(cur);
}

/// Knuth's 19-comparator sorting network for 8 values (checked on every 0/1 input in the tests).
#[inline(always)]
fn sort8(v: [u32; 8]) -> [u32; 8] {
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = v;
    macro_rules! ce {
        ($x:ident, $y:ident) => {
            let t = $x.min($y);
            $y = $x.max($y);
            $x = t;
        };
    }
    ce!(a, c);
    ce!(b, d);
    ce!(e, g);
    ce!(f, h);
    ce!(a, e);
    ce!(b, f);
    ce!(c, g);
    ce!(d, h);
    ce!(a, b);
    ce!(c, d);
    ce!(e, f);
    ce!(g, h);
    ce!(c, e);
    ce!(d, f);
    ce!(b, e);
    ce!(d, g);
    ce!(b, c);
    ce!(d, e);
    ce!(f, g);
    [a, b, c, d, e, f, g, h]
}

/// The end of `rleFrPoly`: given the sorted boundaries, take differences, and fold zero-length runs (a
/// boundary crossed twice) into their neighbours the way pycocotools does.
fn runs_from_boundaries(a: &mut [u32]) -> Vec<u32> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `Edge::new`'s integer end coordinates against C's `(int)(b + s·t + .5)` in doubles, on random
    /// edges of every length and sign up to the int range (INT_MIN included: what out-of-range vertices
    /// become) and on repeated vertices.
    #[test]
    fn edge_ends_match_c_doubles() {
        let mut next = crate::testing::xorshift(0x9e37_79b9_7f4a_7c15);
        let special = [
            0i64,
            1,
            -1,
            2,
            -2,
            5,
            -5,
            i32::MIN as i64,
            i32::MAX as i64,
            -i32::MAX as i64,
        ];
        for k in 0..400_000 {
            let mut v = [0i64; 4];
            for x in v.iter_mut() {
                let r = next();
                *x = match (k + (r % 7) as usize) % 4 {
                    0 => special[(r >> 8) as usize % special.len()],
                    1 => (r >> 8) as i64 % 3000 - 1500,
                    2 => (r >> 8) as i64 % 20 - 10,
                    _ => (r >> 8) as i32 as i64,
                };
            }
            if k % 50 == 0 {
                (v[2], v[3]) = (v[0], v[1]);
            }
            let e = Edge::new(v[0], v[1], v[2], v[3]);
            let b = if e.major_x() { e.ys } else { e.xs } as f64;
            assert_eq!(e.m0, c_int(b + e.s * 0.0 + 0.5), "{v:?}");
            assert_eq!(e.mn, c_int(b + e.s * e.steps() as f64 + 0.5), "{v:?}");
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn flat_values_sse2_equals_scalar() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for case in 0..20_000 {
            let h = match case % 4 {
                0 => 1 + (next() % 50) as u32,
                1 => 1 + (next() % 5000) as u32,
                2 => FLAT_SIMD_MAX_H - (next() % 1000) as u32,
                _ => 1 + (next() % FLAT_SIMD_MAX_H as u64) as u32,
            };
            let dx = 1 + (next() % 3000) as i64;
            // Minor coordinates inside the ×5 image mostly, sometimes far outside (they get clamped).
            let span = 5 * h as i64 + 40;
            let ys = (next() % span as u64) as i64 - 20;
            let ye = if case % 7 == 0 {
                ys + (next() % 2_000_000_000) as i64 - 1_000_000_000
            } else {
                ys + (next() % (2 * dx as u64 + 1)) as i64 - dx
            };
            let s = (ye - ys) as f64 / dx as f64;
            let t = (next() % 7) as i64 - 2;
            let at = next() as u32;
            let len = (next() % 40) as usize;
            let top = 5.0 * h as f64 + 2.0;
            let (mut a, mut b) = (vec![], vec![]);
            flat_values(ys as f64, s, t, at, h, top, len, |_, v| {
                a.extend_from_slice(v)
            });
            unsafe {
                flat_values_sse2(ys as f64, s, t, at, h, top, len, |_, v| {
                    b.extend_from_slice(v)
                })
            };
            assert_eq!(a, b, "h {h} ys {ys} ye {ye} dx {dx} t {t}");
            assert_eq!(a.len(), len);
        }
    }

    #[test]
    fn sorting_network_sorts_every_0_1_input() {
        // The 0/1 principle: a comparator network that sorts every 0/1 sequence sorts every sequence.
        for bits in 0u32..256 {
            let v = sort8(std::array::from_fn(|i| bits >> i & 1));
            assert!(v.windows(2).all(|w| w[0] <= w[1]), "{bits:08b}: {v:?}");
        }
    }

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
}

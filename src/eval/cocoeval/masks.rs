//! A cell's masks in the form mask IoU needs (bounding box, area, foreground intervals), and their IoU
//! matrix: pycocotools' `rleIou` (via `maskUtils.iou` in `computeIoU`), number for number.
//!
//! Why not `mask::rle::IouMasks` directly: detections arrive as compressed strings, and decoding them
//! to runs, then walking the runs again for box, area and intervals, was a third of the mask time. Here
//! a compressed string is decoded once, straight into box, area and intervals. Anything unusual (a
//! non-canonical mask with empty runs, a bad string, an escape other than `\\`) takes the checked path of
//! `crate::mask` (`Rle::from_compressed`, `Rle::to_bbox`, `rle::iou`), so errors and quirks stay theirs.
//!
//! Not here: rasterizing polygons or RLE arithmetic (see `crate::mask`), which masks to make (see `geom`).

use crate::json::scan::unescape;
use crate::mask::rle::{self, bb_iou_one, bb_overlap, intersection, Rle};
use crate::Result;

/// Masks of one side of a cell (ground truths or detections), in order.
#[derive(Debug, Default)]
pub(crate) struct MaskSet {
    size: Vec<(u32, u32)>,
    bbox: Vec<[f64; 4]>,
    area: Vec<u64>,
    /// Foreground intervals `[start, end)` of all masks; mask `k` owns `iv[off[k]..off[k + 1]]`.
    iv: Vec<(u64, u64)>,
    off: Vec<usize>,
    /// Non-canonical masks (empty runs past the first) keep their runs: pycocotools' run walk may stop
    /// early on them, and `rle::iou` reproduces that.
    odd: Vec<Option<usize>>,
    rles: Vec<Rle>,
}

impl MaskSet {
    pub(crate) fn clear(&mut self) {
        self.size.clear();
        self.bbox.clear();
        self.area.clear();
        self.iv.clear();
        self.off.clear();
        self.off.push(0);
        self.odd.clear();
        self.rles.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.size.len()
    }

    /// Area (pixels) of mask `k`.
    pub(crate) fn area(&self, k: usize) -> u64 {
        self.area[k]
    }

    /// `Rle::to_bbox` of mask `k`.
    pub(crate) fn bbox(&self, k: usize) -> [f64; 4] {
        self.bbox[k]
    }

    /// `(h, w)` of mask `k`.
    pub(crate) fn size(&self, k: usize) -> (u32, u32) {
        self.size[k]
    }

    /// Foreground intervals `[start, end)` (column-major pixel indices) of mask `k`.
    pub(crate) fn intervals(&self, k: usize) -> &[(u64, u64)] {
        &self.iv[self.off[k]..self.off[k + 1]]
    }

    /// Add a mask given as runs.
    pub(crate) fn push_rle(&mut self, r: Rle) {
        if self.off.is_empty() {
            self.off.push(0);
        }
        let (mut pos, mut area, mut empty_run) = (0u64, 0u64, false);
        let mut bb = BoxTrack::new(r.h, r.w);
        for (j, &c) in r.counts.iter().enumerate() {
            let c = c as u64;
            if j % 2 == 1 {
                if c > 0 {
                    self.iv.push((pos, pos + c));
                    bb.run(pos, c);
                }
                area += c;
            }
            empty_run |= j > 0 && c == 0;
            pos += c;
        }
        let odd = empty_run || pos != r.pixels();
        self.size.push((r.h, r.w));
        // non-canonical masks: the mask module's own box, whatever they hold
        self.bbox.push(if odd {
            r.to_bbox()
        } else {
            bb.finish(r.counts.len())
        });
        self.area.push(area);
        self.off.push(self.iv.len());
        if odd {
            self.odd.push(Some(self.rles.len()));
            self.rles.push(r);
        } else {
            self.odd.push(None);
        }
    }

    /// Add a compressed RLE string (`raw`: as in the JSON file, `escaped` if it holds backslash escapes).
    /// Same result and errors as `Rle::from_compressed` on the unescaped string, then [`MaskSet::push_rle`].
    pub(crate) fn push_compressed(
        &mut self,
        h: u32,
        w: u32,
        raw: &[u8],
        escaped: bool,
    ) -> Result<()> {
        if self.off.is_empty() {
            self.off.push(0);
        }
        if self.try_compressed(h, w, raw) {
            return Ok(());
        }
        // The checked path, for its errors and for non-canonical masks.
        let s = if escaped {
            unescape(raw, 0)?.into_bytes()
        } else {
            raw.to_vec()
        };
        self.push_rle(Rle::from_compressed(h, w, &s)?);
        Ok(())
    }

    /// The fast decoder: `false` (and nothing added) unless the string is a valid, canonical mask.
    fn try_compressed(&mut self, h: u32, w: u32, s: &[u8]) -> bool {
        let n = h as u64 * w as u64;
        let iv0 = self.iv.len();
        let fail = |me: &mut MaskSet| {
            me.iv.truncate(iv0);
            false
        };
        let (mut x, mut shift) = (0i64, 0u32);
        let (mut prev2, mut prev1) = (0i64, 0i64);
        let (mut m, mut pos, mut area) = (0usize, 0u64, 0u64);
        let mut bb = BoxTrack::new(h, w);
        let mut k = 0;
        while k < s.len() {
            let mut b = s[k];
            k += 1;
            if b == b'\\' {
                // `\\` is the one escape a compressed string can need ('\\' is in its alphabet).
                if s.get(k) != Some(&b'\\') {
                    return fail(self);
                }
                k += 1;
                b = b'\\';
            }
            let c = b.wrapping_sub(48);
            if c > 63 {
                return fail(self);
            }
            x |= ((c & 0x1f) as i64) << shift;
            shift += 5;
            if c & 0x20 != 0 {
                if shift >= 35 {
                    return fail(self);
                }
                continue;
            }
            if c & 0x10 != 0 {
                x |= -1i64 << shift;
            }
            if m > 2 {
                x += prev2;
            }
            if !(0..=u32::MAX as i64).contains(&x) || (m > 0 && x == 0) {
                return fail(self);
            }
            let run = x as u64;
            if m % 2 == 1 {
                self.iv.push((pos, pos + run));
                area += run;
                bb.run(pos, run);
            }
            pos += run;
            prev2 = prev1;
            prev1 = x;
            m += 1;
            x = 0;
            shift = 0;
        }
        if shift != 0 || pos != n {
            return fail(self);
        }
        let bbox = bb.finish(m);
        self.size.push((h, w));
        self.bbox.push(bbox);
        self.area.push(area);
        self.off.push(self.iv.len());
        self.odd.push(None);
        true
    }

    fn rle_of(&self, k: usize) -> Option<&Rle> {
        self.odd[k].map(|i| &self.rles[i])
    }

    /// Mask `k` as runs (only needed for the rare non-canonical pairs).
    fn runs(&self, k: usize) -> Rle {
        if let Some(r) = self.rle_of(k) {
            return r.clone();
        }
        let (h, w) = self.size[k];
        let mut counts = Vec::with_capacity(2 * self.intervals(k).len() + 1);
        let mut pos = 0u64;
        for &(s, e) in self.intervals(k) {
            counts.push((s - pos) as u32);
            counts.push((e - s) as u32);
            pos = e;
        }
        let n = h as u64 * w as u64;
        if pos < n || counts.is_empty() {
            counts.push((n - pos) as u32);
        }
        Rle { h, w, counts }
    }
}

/// `Rle::to_bbox` (pycocotools 2.0.11 `rleToBbox`) computed while the foreground runs go by, in increasing
/// position: the column of a position is found by stepping from the previous one (a division only for
/// long jumps), since consecutive runs are mostly in the same or the next column.
struct BoxTrack {
    h: u64,
    col: u64,
    col_start: u64,
    xs: u64,
    ys: u64,
    xe: u64,
    ye: u64,
}

impl BoxTrack {
    fn new(h: u32, w: u32) -> BoxTrack {
        BoxTrack {
            h: h as u64,
            col: 0,
            col_start: 0,
            xs: w as u64,
            ys: h as u64,
            xe: 0,
            ye: 0,
        }
    }

    /// Column and row of pixel `p` (not before the previous one asked).
    #[inline]
    fn locate(&mut self, p: u64) -> (u64, u64) {
        let h = self.h;
        let mut d = p - self.col_start;
        if d >= h {
            if d < 4 * h {
                while d >= h {
                    self.col += 1;
                    self.col_start += h;
                    d -= h;
                }
            } else {
                self.col = p / h;
                self.col_start = self.col * h;
                d = p - self.col_start;
            }
        }
        (self.col, d)
    }

    /// A foreground run of `c > 0` pixels from `start`.
    #[inline]
    fn run(&mut self, start: u64, c: u64) {
        if self.h == 0 {
            return; // an invalid mask (rleToBbox divides by zero); to_bbox skips it too
        }
        let (x_start, y_start) = self.locate(start);
        let (x_end, y_end) = self.locate(start + c - 1);
        self.xs = self.xs.min(x_start);
        self.xe = self.xe.max(x_end);
        if x_start < x_end {
            self.ys = 0;
            self.ye = self.h - 1;
        } else {
            self.ys = self.ys.min(y_start);
            self.ye = self.ye.max(y_end);
        }
    }

    /// The box, given the number of runs (fewer than two: `[0, 0, 0, 0]`); extents in 32-bit unsigned
    /// arithmetic as pycocotools (an empty mask of two or more runs wraps, as there).
    fn finish(&self, n_runs: usize) -> [f64; 4] {
        if n_runs < 2 {
            return [0.0; 4];
        }
        let bw = (self.xe as u32)
            .wrapping_sub(self.xs as u32)
            .wrapping_add(1);
        let bh = (self.ye as u32)
            .wrapping_sub(self.ys as u32)
            .wrapping_add(1);
        [
            self.xs as u32 as f64,
            self.ys as u32 as f64,
            bw as f64,
            bh as f64,
        ]
    }
}

/// `maskUtils.iou(dt, gt, iscrowd)` on RLEs (`rleIou`), as `out[d * G + g]`: a pair whose boxes do not
/// overlap is 0 without looking at the pixels; masks of different sizes give −1; a crowd ground truth's
/// union is the detection's area; no common pixel gives 0.
pub(crate) fn iou(dt: &MaskSet, gt: &MaskSet, crowd: &[bool], out: &mut Vec<f64>) {
    let n = gt.len();
    out.clear();
    out.resize(dt.len() * n, 0.0);
    for d in 0..dt.len() {
        let row = &mut out[d * n..(d + 1) * n];
        for (g, (o, &is_crowd)) in row.iter_mut().zip(crowd).enumerate() {
            *o = pair(dt, d, gt, g, is_crowd);
        }
    }
}

/// One entry of [`iou`]: detection `d` of `dt` against ground truth `g` of `gt`.
#[inline]
pub(crate) fn pair(dt: &MaskSet, d: usize, gt: &MaskSet, g: usize, is_crowd: bool) -> f64 {
    let b = bb_iou_one(&dt.bbox[d], &gt.bbox[g], is_crowd);
    if b.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return b; // no overlap (or NaN): rleIou keeps bbIou's value
    }
    if dt.size[d] != gt.size[g] {
        return -1.0;
    }
    if dt.odd[d].is_some() || gt.odd[g].is_some() {
        // pycocotools' run walk, which may stop early on non-canonical masks
        return rle::iou(&[dt.runs(d)], &[gt.runs(g)], &[is_crowd])[0];
    }
    let i = intersection(dt.intervals(d), gt.intervals(g));
    ratio(i, dt.area[d], gt.area[g], is_crowd)
}

/// `rleIou`'s quotient for `i` common pixels of masks of `ad` and `ag` pixels.
#[inline]
fn ratio(i: u64, ad: u64, ag: u64, is_crowd: bool) -> f64 {
    let u = if i == 0 {
        1
    } else if is_crowd {
        ad
    } else {
        ad + ag - i
    };
    i as f64 / u as f64
}

/// [`pair`]`(dt, d, gt, g, false)` when it is at least `need`; below, either it or a larger number (an
/// upper bound, usually below `need`) found with a shorter pixel walk ([`rle::intersection_reaching`]):
/// `(value, exact)`. For analyses that only compare an IoU with a threshold (TIDE).
pub(crate) fn pair_reaching(
    dt: &MaskSet,
    d: usize,
    gt: &MaskSet,
    g: usize,
    need: f64,
) -> (f64, bool) {
    let b = bb_iou_one(&dt.bbox[d], &gt.bbox[g], false);
    if dt.odd[d].is_some()
        || gt.odd[g].is_some()
        || dt.size[d] != gt.size[g]
        || b.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
    {
        return (pair(dt, d, gt, g, false), true);
    }
    let (ad, ag) = (dt.area[d], gt.area[g]);
    // i / (ad + ag - i) >= need  <=>  i >= need (ad + ag) / (1 + need); one pixel less for rounding (a
    // lower `need_i` only stops the walk later).
    let need_i = (need * (ad + ag) as f64 / (1.0 + need)).floor().max(1.0) as u64 - 1;
    match rle::intersection_reaching(dt.intervals(d), gt.intervals(g), ad, ag, need_i) {
        Ok(i) => (ratio(i, ad, ag, false), true),
        Err(most) => (ratio(most, ad, ag, false), false),
    }
}

/// A number `>=` [`pair`]`(dt, d, gt, g, false)` found without walking the pixels, or `None` where `pair`
/// itself is that cheap (boxes apart, sizes differ) or the masks are non-canonical. For canonical masks
/// of the same size whose boxes overlap, the common pixels `i` are at most `I = min(area_d, area_g,
/// overlap of the boxes)` (each mask lies inside its box), and `i / (area_d + area_g - i)` grows with
/// `i`, so `I / (area_d + area_g - I)` bounds the IoU; division rounds monotonically, so the bound holds
/// for the `f64` values too. For analyses that only compare an IoU with a threshold (TIDE).
pub(crate) fn pair_upper_bound(dt: &MaskSet, d: usize, gt: &MaskSet, g: usize) -> Option<f64> {
    if dt.odd[d].is_some() || gt.odd[g].is_some() || dt.size[d] != gt.size[g] {
        return None;
    }
    let (w, h) = bb_overlap(&dt.bbox[d], &gt.bbox[g])?;
    // Mask boxes are whole pixels: w * h counts the pixels both boxes hold.
    let both = (w * h) as u64;
    let (ad, ag) = (dt.area[d], gt.area[g]);
    let i = ad.min(ag).min(both);
    let u = ad + ag - i;
    if u == 0 {
        return None;
    }
    Some(i as f64 / u as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set_of(rles: &[Rle]) -> MaskSet {
        let mut s = MaskSet::default();
        s.clear();
        for r in rles {
            s.push_rle(r.clone());
        }
        s
    }

    fn compressed_set(rles: &[Rle]) -> MaskSet {
        let mut s = MaskSet::default();
        s.clear();
        for r in rles {
            s.push_compressed(r.h, r.w, &r.to_compressed(), false)
                .unwrap();
        }
        s
    }

    /// Runs adding up to `h * w`, with empty runs allowed anywhere when `odd`.
    fn runs(h: u32, w: u32, cuts: &[u32], odd: bool) -> Rle {
        let n = h * w;
        let mut pts: Vec<u32> = cuts.iter().map(|c| c % (n + 1)).collect();
        pts.sort_unstable();
        if !odd {
            pts.dedup();
        }
        let mut counts = Vec::new();
        let mut prev = 0;
        for p in pts {
            if !odd && p == 0 && counts.is_empty() {
                counts.push(0);
                continue;
            }
            counts.push(p - prev);
            prev = p;
        }
        counts.push(n - prev);
        if !odd {
            // canonical: only the first run may be empty
            let first = counts[0];
            let mut rest: Vec<u32> = counts[1..].iter().copied().filter(|&c| c > 0).collect();
            let mut c = vec![first];
            c.append(&mut rest);
            counts = c;
        }
        Rle { h, w, counts }
    }

    proptest! {
        #[test]
        fn same_as_mask_module(
            h in 1u32..12, w in 1u32..12,
            a in proptest::collection::vec(proptest::collection::vec(0u32..200, 0..8), 1..5),
            b in proptest::collection::vec(proptest::collection::vec(0u32..200, 0..8), 1..5),
            crowd in proptest::collection::vec(any::<bool>(), 5),
            odd in any::<bool>(),
            other_size in any::<bool>(),
        ) {
            let dt: Vec<Rle> = a.iter().map(|c| runs(h, w, c, odd)).collect();
            let gw = if other_size { w + 1 } else { w };
            let gt: Vec<Rle> = b.iter().map(|c| runs(h, gw, c, false)).collect();
            let crowd = &crowd[..gt.len()];
            let want = rle::iou(&dt, &gt, crowd);
            let (ds, gs) = (set_of(&dt), set_of(&gt));
            for (k, r) in dt.iter().enumerate() {
                prop_assert_eq!(ds.bbox(k), r.to_bbox());
                prop_assert_eq!(ds.area(k), r.area());
            }
            for (k, r) in gt.iter().enumerate() {
                prop_assert_eq!(gs.bbox(k), r.to_bbox());
            }
            let mut got = Vec::new();
            iou(&set_of(&dt), &set_of(&gt), crowd, &mut got);
            prop_assert_eq!(got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                            want.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
            // The upper bounds never fall below the non-crowd IoU; `pair_reaching` is exact when it says
            // so, and always when the IoU reaches `need`.
            for d in 0..ds.len() {
                for g in 0..gs.len() {
                    let v = pair(&ds, d, &gs, g, false);
                    if let Some(b) = pair_upper_bound(&ds, d, &gs, g) {
                        prop_assert!(b >= v, "bound {} < IoU {}", b, v);
                    }
                    for need in [0.05, 0.1, 0.3, 0.5, 0.75, 1.0] {
                        let (r, exact) = pair_reaching(&ds, d, &gs, g, need);
                        if exact || v >= need {
                            prop_assert!(exact);
                            prop_assert_eq!(r.to_bits(), v.to_bits());
                        } else {
                            prop_assert!(r >= v, "bound {} < IoU {}", r, v);
                        }
                    }
                }
            }
            // Decoding compressed strings gives the same masks (boxes, areas, IoU).
            let cs = compressed_set(&dt);
            for (k, r) in dt.iter().enumerate() {
                prop_assert_eq!(cs.bbox(k), r.to_bbox());
                prop_assert_eq!(cs.area(k), r.area());
            }
            iou(&cs, &set_of(&gt), crowd, &mut got);
            prop_assert_eq!(got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                            want.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
        }
    }

    #[test]
    fn compressed_errors_are_the_mask_modules() {
        for (h, w, s) in [
            (5u32, 10u32, &b"b10x"[..]),
            (5, 10, b"b1 0"),
            (5, 10, b"b"),
            (5, 10, b"b1"),
            (5, 10, b"33"),
        ] {
            let want = Rle::from_compressed(h, w, s).map(|r| (r.to_bbox(), r.area()));
            let mut m = MaskSet::default();
            let got = m
                .push_compressed(h, w, s, false)
                .map(|()| (m.bbox(0), m.area(0)));
            assert_eq!(
                got.map_err(|e| e.to_string()),
                want.map_err(|e| e.to_string())
            );
        }
        // escapes: `\\` decodes inline, others go through the JSON unescaper
        let r = Rle {
            h: 40,
            w: 40,
            counts: vec![0, 5, 60, 3, 1532],
        };
        let plain = r.to_compressed();
        let esc: Vec<u8> = plain
            .iter()
            .flat_map(|&b| {
                if b == b'\\' {
                    vec![b'\\', b'\\']
                } else {
                    vec![b]
                }
            })
            .collect();
        let mut m = MaskSet::default();
        m.push_compressed(40, 40, &esc, esc.len() != plain.len())
            .unwrap();
        assert_eq!(m.area(0), 8);
        assert_eq!(m.bbox(0), r.to_bbox());
        let mut m = MaskSet::default();
        m.push_compressed(2, 2, b"\\u0034", true).unwrap(); // "4" = one run of 4
        assert_eq!(m.area(0), 0);
    }
}

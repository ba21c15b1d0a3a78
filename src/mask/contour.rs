//! Masks back to polygons: contour tracing along pixel edges, holes bridged into their outer ring, optional
//! Douglas–Peucker simplification — so that [`crate::mask::segmentation::segmentation_to_rle`] (pycocotools'
//! `frPyObjects`) rasterizes the polygons back to the same mask (see [`polygons_from_mask`]).
//!
//! Not here: polygons to masks ([`crate::mask::polygon`]).

use crate::error::Result;
use crate::mask::rle::Rle;

/// Polygons (COCO `segmentation` parts, `[x1, y1, x2, y2, ...]`) whose rasterization by
/// [`segmentation_to_rle`] is the mask again.
///
/// How: each 4-connected foreground component becomes one part. Its boundary is traced along pixel
/// edges ("crack following") and the polygon goes through the midpoints of those unit edges (the
/// 0.5-level contour of marching squares, what `skimage.measure.find_contours(mask, 0.5)` gives), with
/// collinear points dropped, so a diagonal staircase is one straight edge. Every pixel centre — the
/// points `rleFrPoly` samples — lies at least 0.35 px inside or outside that polygon, which makes the
/// round trip exact at `tolerance` 0 (checked on all the real masks and by property tests).
/// Holes are kept: `rleFrPoly` fills by crossing parity, so each hole ring is spliced into its
/// component's outer ring through a bridge walked there and back (both walks produce the same crossings,
/// which cancel). With `tolerance > 0` each ring is first simplified by Douglas–Peucker (a vertex
/// survives when it lies farther than `tolerance` pixels from the simplified chord): fewer points, no
/// longer exact (docs/MASKS.md has the IoU distribution on real data).
///
/// Diagonal-only contact does not connect pixels (4-connectivity), so such pixels end up in separate
/// parts. Parts come in the column-major order of each component's first pixel. A single pixel becomes a
/// diamond `(x+.5, y) (x+1, y+.5) (x+.5, y+1) (x, y+.5)`.
///
/// Not from imageproc's `find_contours`: it traces the centres of border pixels, and a polygon through
/// pixel centres puts them on the boundary, where `rleFrPoly` drops part of them (a 10×10 square traced
/// through its border-pixel centres comes back as 81 pixels).
pub fn polygons_from_mask(rle: &Rle, tolerance: f64) -> Vec<Vec<f64>> {
    let (h, w) = (rle.h as u64, rle.w as u64);
    if h == 0 || w == 0 {
        return Vec::new();
    }
    // Column segments of the foreground, clipped to the image, in column-major order.
    let mut segs: Vec<Seg> = Vec::new();
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0usize, 0usize);
    for (start, len) in rle.foreground_runs() {
        let end = (start + len as u64).min(h * w);
        let mut p = start;
        while p < end {
            let (x, ya) = ((p / h) as usize, (p % h) as usize);
            let yb = (h.min(ya as u64 + (end - p))) as usize;
            segs.push(Seg { x, ya, yb });
            (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(ya), y1.max(yb - 1));
            p += (yb - ya) as u64;
        }
    }
    if segs.is_empty() {
        return Vec::new();
    }
    // Work in the bounding box only; the grid is only read along boundaries.
    let mut grid = Grid::new(y1 - y0 + 1, x1 - x0 + 1, (x0 as i64, y0 as i64));
    for s in &mut segs {
        (s.x, s.ya, s.yb) = (s.x - x0, s.ya - y0, s.yb - y0);
        grid.fill(s);
    }
    grid.polygons(&segs, tolerance)
}

/// [`polygons_from_mask`] on a row-major bitmap (`data[y*w + x]`, nonzero = foreground).
pub fn polygons_from_bitmap(h: u32, w: u32, data: &[u8], tolerance: f64) -> Result<Vec<Vec<f64>>> {
    Ok(polygons_from_mask(
        &Rle::encode_row_major(h, w, data)?,
        tolerance,
    ))
}

/// A run of foreground pixels down one column: rows `ya..yb` of column `x`.
#[derive(Clone, Copy, Debug)]
struct Seg {
    x: usize,
    ya: usize,
    yb: usize,
}

/// 4-connected components of column segments (union–find: segments of neighbouring columns that share
/// a row are connected), numbered in the order of each component's first segment.
fn segment_components(segs: &[Seg]) -> (Vec<u32>, usize) {
    let mut parent: Vec<u32> = (0..segs.len() as u32).collect();
    fn find(parent: &mut [u32], mut i: u32) -> u32 {
        while parent[i as usize] != i {
            parent[i as usize] = parent[parent[i as usize] as usize];
            i = parent[i as usize];
        }
        i
    }
    // Column boundaries in `segs` (column-major order).
    let mut col_start = 0;
    let mut prev: Option<(usize, usize)> = None; // previous column's segment range
    while col_start < segs.len() {
        let x = segs[col_start].x;
        let mut col_end = col_start;
        while col_end < segs.len() && segs[col_end].x == x {
            col_end += 1;
        }
        if let Some((ps, pe)) = prev.filter(|&(ps, _)| segs[ps].x + 1 == x) {
            let (mut i, mut j) = (ps, col_start);
            while i < pe && j < col_end {
                let (a, b) = (segs[i], segs[j]);
                if a.ya < b.yb && b.ya < a.yb {
                    let (ra, rb) = (find(&mut parent, i as u32), find(&mut parent, j as u32));
                    if ra != rb {
                        // keep the smaller index as the root: components numbered by first segment
                        let (lo, hi) = (ra.min(rb), ra.max(rb));
                        parent[hi as usize] = lo;
                    }
                }
                if a.yb <= b.yb {
                    i += 1;
                } else {
                    j += 1;
                }
            }
        }
        prev = Some((col_start, col_end));
        col_start = col_end;
    }
    let mut id = vec![u32::MAX; segs.len()];
    let mut comp = vec![0u32; segs.len()];
    let mut n = 0usize;
    for (i, c) in comp.iter_mut().enumerate() {
        let r = find(&mut parent, i as u32) as usize;
        if id[r] == u32::MAX {
            id[r] = n as u32;
            n += 1;
        }
        *c = id[r];
    }
    (comp, n)
}

/// A foreground grid with a one-pixel background border, column-major like the runs.
struct Grid {
    w: usize,
    h: usize,
    /// `(w + 2) × (h + 2)` column-major; pixel (x, y) is at `(x + 1) * stride + y + 1`.
    fg: Vec<bool>,
    stride: usize,
    /// Image coordinates of the grid's pixel (0, 0).
    origin: (i64, i64),
}

/// Travel directions along pixel edges, in image coordinates (y grows downwards).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    E,
    S,
    W,
    N,
}

impl Dir {
    fn right(self) -> Dir {
        match self {
            Dir::E => Dir::S,
            Dir::S => Dir::W,
            Dir::W => Dir::N,
            Dir::N => Dir::E,
        }
    }
    fn left(self) -> Dir {
        match self {
            Dir::E => Dir::N,
            Dir::N => Dir::W,
            Dir::W => Dir::S,
            Dir::S => Dir::E,
        }
    }
    fn step(self, (x, y): (i64, i64)) -> (i64, i64) {
        match self {
            Dir::E => (x + 1, y),
            Dir::S => (x, y + 1),
            Dir::W => (x - 1, y),
            Dir::N => (x, y - 1),
        }
    }
    /// The pixels ahead-left and ahead-right of corner `(x, y)` when travelling this way.
    fn ahead(self, (x, y): (i64, i64)) -> ((i64, i64), (i64, i64)) {
        match self {
            Dir::E => ((x, y - 1), (x, y)),
            Dir::S => ((x, y), (x - 1, y)),
            Dir::W => ((x - 1, y), (x - 1, y - 1)),
            Dir::N => ((x - 1, y - 1), (x, y - 1)),
        }
    }
    /// The foreground pixel on the right of the edge leaving corner `(x, y)` this way, and the bit of
    /// its side that the edge is.
    fn side(self, (x, y): (i64, i64)) -> ((i64, i64), u8) {
        match self {
            Dir::E => ((x, y), 1),         // top side
            Dir::S => ((x - 1, y), 2),     // right side
            Dir::W => ((x - 1, y - 1), 4), // bottom side
            Dir::N => ((x, y - 1), 8),     // left side
        }
    }
}

impl Grid {
    fn new(h: usize, w: usize, origin: (i64, i64)) -> Grid {
        let stride = h + 2;
        Grid {
            w,
            h,
            fg: vec![false; stride * (w + 2)],
            stride,
            origin,
        }
    }
    fn fill(&mut self, s: &Seg) {
        let base = (s.x + 1) * self.stride + 1;
        self.fg[base + s.ya..base + s.yb].fill(true);
    }
    #[inline]
    fn idx(&self, (x, y): (i64, i64)) -> usize {
        ((x + 1) as usize) * self.stride + (y + 1) as usize
    }
    #[inline]
    fn is_fg(&self, p: (i64, i64)) -> bool {
        p.0 >= -1
            && p.1 >= -1
            && p.0 <= self.w as i64
            && p.1 <= self.h as i64
            && self.fg[self.idx(p)]
    }

    fn polygons(&self, segs: &[Seg], tolerance: f64) -> Vec<Vec<f64>> {
        let (comp, ncomp) = segment_components(segs);
        let mut done = vec![0u8; self.fg.len()];
        // Per component: outer ring(s) and hole rings.
        let mut outer: Vec<Vec<Vec<(i64, i64)>>> = vec![Vec::new(); ncomp];
        let mut holes: Vec<Vec<Vec<(i64, i64)>>> = vec![Vec::new(); ncomp];
        // Every ring has a horizontal edge with foreground below it (an outer ring's top, a hole's
        // bottom): the top of some segment. Start a trace at each such edge not yet traced.
        for (s, &c) in segs.iter().zip(&comp) {
            let corner = (s.x as i64, s.ya as i64);
            let (pix, bit) = Dir::E.side(corner);
            if done[self.idx(pix)] & bit != 0 {
                continue;
            }
            let ring = self.trace(corner, Dir::E, &mut done);
            if shoelace(&ring) > 0 {
                // one per 4-connected component
                outer[c as usize].push(ring);
            } else {
                holes[c as usize].push(ring);
            }
        }
        let mut parts = Vec::with_capacity(outer.len());
        for (rings, hs) in outer.into_iter().zip(holes) {
            for (k, ring) in rings.into_iter().enumerate() {
                // doubled coordinates
                let mut ring = simplify_ring(ring, 2.0 * tolerance);
                if k == 0 {
                    for hole in &hs {
                        bridge(&mut ring, &simplify_ring(hole.clone(), 2.0 * tolerance));
                    }
                }
                let (ox, oy) = (self.origin.0 as f64, self.origin.1 as f64);
                parts.push(
                    ring.iter()
                        .flat_map(|&(x, y)| [x as f64 / 2.0 + ox, y as f64 / 2.0 + oy])
                        .collect(),
                );
            }
        }
        parts
    }

    /// Follows the boundary from `corner` leaving in direction `dir`, foreground on the right, until it
    /// closes. A corner where two foreground pixels touch diagonally turns right (keeps to the current
    /// pixel), which is what makes components 4-connected. Returns the midpoints of the boundary's unit edges in doubled coordinates (`2x, 2y`, so they
    /// stay integers), collinear ones dropped: diagonal staircases become straight lines.
    fn trace(&self, start: (i64, i64), start_dir: Dir, done: &mut [u8]) -> Vec<(i64, i64)> {
        let mut ring = Vec::new();
        let (mut p, mut d) = (start, start_dir);
        loop {
            let (pix, bit) = d.side(p);
            done[self.idx(pix)] |= bit;
            let q = d.step(p);
            ring.push((p.0 + q.0, p.1 + q.1));
            p = q;
            let (al, ar) = d.ahead(p);
            d = if !self.is_fg(ar) {
                d.right()
            } else if self.is_fg(al) {
                d.left()
            } else {
                d
            };
            if p == start && d == start_dir {
                break;
            }
        }
        drop_collinear(ring)
    }
}

/// Drops the points of a closed ring that lie on the straight line through their neighbours.
fn drop_collinear(ring: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    let n = ring.len();
    if n < 4 {
        return ring;
    }
    let keep: Vec<(i64, i64)> = (0..n)
        .filter(|&i| {
            let (a, b, c) = (ring[(i + n - 1) % n], ring[i], ring[(i + 1) % n]);
            (b.0 - a.0) * (c.1 - b.1) - (b.1 - a.1) * (c.0 - b.0) != 0
        })
        .map(|i| ring[i])
        .collect();
    if keep.len() < 3 {
        ring
    } else {
        keep
    }
}

/// Twice the signed area in image coordinates: positive for rings traced with the foreground on the right
/// around the outside (outer boundaries), negative for holes.
fn shoelace(ring: &[(i64, i64)]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum()
}

/// Douglas–Peucker on a closed ring of corners (no-op for `tolerance <= 0` or tiny rings).
fn simplify_ring(ring: Vec<(i64, i64)>, tolerance: f64) -> Vec<(i64, i64)> {
    let n = ring.len();
    // NaN or non-positive tolerance: no simplification.
    if tolerance.is_nan() || tolerance <= 0.0 || n <= 4 {
        return ring;
    }
    // Split the ring at vertex 0 and the vertex farthest from it; simplify both chains.
    let far = (1..n)
        .max_by_key(|&i| {
            let (dx, dy) = (ring[i].0 - ring[0].0, ring[i].1 - ring[0].1);
            dx * dx + dy * dy
        })
        .unwrap_or(n / 2);
    let mut keep = vec![false; n + 1];
    keep[0] = true;
    keep[far] = true;
    keep[n] = true;
    let pt = |i: usize| ring[i % n];
    let mut stack = vec![(0usize, far), (far, n)];
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let (pa, pb) = (pt(a), pt(b));
        let (dx, dy) = ((pb.0 - pa.0) as f64, (pb.1 - pa.1) as f64);
        let len = (dx * dx + dy * dy).sqrt();
        let (mut best, mut best_d) = (a, -1.0f64);
        for i in a + 1..b {
            let p = pt(i);
            let (px, py) = ((p.0 - pa.0) as f64, (p.1 - pa.1) as f64);
            let d = if len == 0.0 {
                (px * px + py * py).sqrt()
            } else {
                (px * dy - py * dx).abs() / len
            };
            if d > best_d {
                best_d = d;
                best = i;
            }
        }
        if best_d > tolerance {
            keep[best] = true;
            stack.push((a, best));
            stack.push((best, b));
        }
    }
    let out: Vec<(i64, i64)> = (0..n).filter(|&i| keep[i]).map(|i| ring[i]).collect();
    if out.len() < 3 {
        ring
    } else {
        out
    }
}

/// Splices `hole` into `ring` through a bridge from the hole's first corner to the nearest corner of
/// `ring`, walked there and back.
fn bridge(ring: &mut Vec<(i64, i64)>, hole: &[(i64, i64)]) {
    let Some(&h0) = hole.first() else { return };
    let Some(at) = (0..ring.len()).min_by_key(|&i| {
        let (dx, dy) = (ring[i].0 - h0.0, ring[i].1 - h0.1);
        dx * dx + dy * dy
    }) else {
        return;
    };
    let p = ring[at];
    let mut splice = Vec::with_capacity(hole.len() + 2);
    splice.extend_from_slice(hole);
    splice.push(h0);
    splice.push(p);
    ring.splice(at + 1..at + 1, splice);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coco::model::Segmentation;
    use crate::mask::segmentation::segmentation_to_rle;

    fn roundtrip(h: u32, w: u32, rows: &[&str], tolerance: f64) -> (Rle, Rle, Vec<Vec<f64>>) {
        let bm: Vec<u8> = rows
            .iter()
            .flat_map(|r| r.bytes().map(|b| u8::from(b == b'#')))
            .collect();
        let src = Rle::encode_row_major(h, w, &bm).unwrap();
        let parts = polygons_from_mask(&src, tolerance);
        assert_eq!(polygons_from_bitmap(h, w, &bm, tolerance).unwrap(), parts);
        let back = segmentation_to_rle(&Segmentation::Polygons(parts.clone()), h, w)
            .unwrap()
            .unwrap_or_else(|| Rle::zeros(h, w));
        (src, back, parts)
    }

    #[test]
    fn contours_exact_with_holes_and_diagonals() {
        let rows = [
            "........", //
            ".#####..", //
            ".#...#..", //
            ".#.#.#.#", //
            ".#...##.", //
            ".#####..", //
            "#.......", //
        ];
        let (src, back, parts) = roundtrip(7, 8, &rows, 0.0);
        assert_eq!(back, src);
        // ring with a hole (and an island inside it), the diagonal pixel, the corner pixel
        assert_eq!(parts.len(), 4);
        // a single pixel is a diamond through the midpoints of its sides
        let (_, _, parts) = roundtrip(3, 3, &["...", ".#.", "..."], 0.0);
        assert_eq!(parts, vec![vec![1.5, 1.0, 2.0, 1.5, 1.5, 2.0, 1.0, 1.5]]);
        let (_, back, parts) = roundtrip(2, 2, &["..", ".."], 0.0);
        assert!(parts.is_empty());
        assert_eq!(back.area(), 0);
    }

    #[test]
    fn contours_simplified() {
        let rows: Vec<String> = (0..40)
            .map(|y| {
                (0..40)
                    .map(|x| {
                        let (dx, dy) = (x as f64 - 19.5, y as f64 - 19.5);
                        if dx * dx + dy * dy < 300.0 && dx * dx + dy * dy > 40.0 {
                            '#'
                        } else {
                            '.'
                        }
                    })
                    .collect()
            })
            .collect();
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let (src, exact, p0) = roundtrip(40, 40, &rows, 0.0);
        assert_eq!(exact, src);
        let (_, approx, p1) = roundtrip(40, 40, &rows, 1.0);
        let n0: usize = p0.iter().map(Vec::len).sum();
        let n1: usize = p1.iter().map(Vec::len).sum();
        assert!(n1 < n0, "{n1} < {n0}");
        let o = crate::mask::rle::iou(&[approx], &[src], &[false])[0];
        assert!(o > 0.9, "{o}");
    }
}

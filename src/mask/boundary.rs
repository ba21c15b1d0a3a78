//! Mask → boundary band: boundary-iou-api's `mask_to_boundary` (Cheng et al., CVPR 2021), the one
//! definition in cocokit, pixel for pixel.
//!
//! The reference pads the mask with one row/column of zeros (`cv2.copyMakeBorder`, `BORDER_CONSTANT`
//! 0), erodes it `dilation` times with a 3×3 kernel of ones (`cv2.erode`, whose default border counts as
//! foreground, so only the zero padding erodes from the image edge), crops the padding and returns
//! `mask - eroded`. Reproduced as: a pixel of the mask is on the boundary iff some pixel within Chebyshev
//! distance `dilation` is 0 or outside the image. `dilation = max(1, round(ratio · sqrt(h² + w²)))`, with
//! Python's `round` (ties to even) and the image's size (not the mask's box).
//!
//! Work is limited to the mask's bounding box: pixels outside it are 0 like those outside the image, so
//! the erosion inside it is the same.
//! Not here: IoU of the bands (see `eval::cocoeval`, which takes `min(mask IoU, boundary IoU)`).

use super::rle::Rle;

/// `int(round(dilation_ratio * np.sqrt(h ** 2 + w ** 2)))`, at least 1.
pub fn dilation_of(h: u32, w: u32, dilation_ratio: f64) -> u32 {
    let diag = ((h as u64 * h as u64 + w as u64 * w as u64) as f64).sqrt();
    let d = (dilation_ratio * diag).round_ties_even();
    if d >= 1.0 {
        d.min(u32::MAX as f64) as u32
    } else {
        1
    }
}

/// Reused buffers.
#[derive(Default)]
pub struct BoundaryScratch {
    mask: Vec<u8>,
    vert: Vec<u8>,
    cnt: Vec<u32>,
    counts: Vec<u32>,
}

/// The boundary band of a mask given by its foreground intervals `[start, end)` of column-major pixel
/// indices (increasing, disjoint) on an `h × w` image, as an RLE of the same size.
pub fn boundary_of_intervals(
    h: u32,
    w: u32,
    iv: &[(u64, u64)],
    dilation: u32,
    sc: &mut BoundaryScratch,
) -> Rle {
    let hh = h as u64;
    let (Some(first), Some(last)) = (iv.first(), iv.last()) else {
        return Rle::zeros(h, w);
    };
    // The box of the mask: columns from the first and last pixels, rows over all column pieces.
    let (c0, c1) = (first.0 / hh, (last.1 - 1) / hh);
    let (mut r0, mut r1) = (hh, 0u64);
    for_each_piece(iv, hh, |_, a, b| {
        r0 = r0.min(a);
        r1 = r1.max(b);
    });
    let (bw, bh) = ((c1 - c0 + 1) as usize, (r1 - r0) as usize);
    sc.mask.clear();
    sc.mask.resize(bw * bh, 0);
    for_each_piece(iv, hh, |c, a, b| {
        let base = (c - c0) as usize * bh;
        sc.mask[base + (a - r0) as usize..base + (b - r0) as usize].fill(1);
    });
    let d = dilation as usize;
    // Vertical erosion: each run of ones in a column loses `d` pixels at both ends.
    sc.vert.clear();
    sc.vert.resize(bw * bh, 0);
    for x in 0..bw {
        let col = &sc.mask[x * bh..(x + 1) * bh];
        let out = &mut sc.vert[x * bh..(x + 1) * bh];
        let mut y = 0;
        while y < bh {
            if col[y] == 0 {
                y += 1;
                continue;
            }
            let s = y;
            while y < bh && col[y] != 0 {
                y += 1;
            }
            if s + d < y.saturating_sub(d) {
                out[s + d..y - d].fill(1);
            }
        }
    }
    // Horizontal erosion with a count of consecutive vertically-eroded ones per row: column `x` stays
    // (is not boundary) iff columns `x - d ..= x + d` all hold one, i.e. the count at `x + d` is 2d + 1.
    // The boundary is the mask less what stays: written over `mask` in place.
    sc.cnt.clear();
    sc.cnt.resize(bh, 0);
    let full = 2 * d as u64 + 1;
    for j in 0..bw {
        let v = &sc.vert[j * bh..(j + 1) * bh];
        for (c, &b) in sc.cnt.iter_mut().zip(v) {
            *c = if b != 0 { c.saturating_add(1) } else { 0 };
        }
        if j >= 2 * d {
            let x = j - d;
            let m = &mut sc.mask[x * bh..(x + 1) * bh];
            for (p, &c) in m.iter_mut().zip(&sc.cnt) {
                if c as u64 >= full {
                    *p = 0;
                }
            }
        }
    }
    // Runs over the whole image, column-major.
    sc.counts.clear();
    let mut pos = 0u64; // end of the last one-run written
    let mut run: Option<(u64, u64)> = None;
    let emit = |s: u64, e: u64, counts: &mut Vec<u32>, pos: &mut u64| {
        counts.push((s - *pos) as u32);
        counts.push((e - s) as u32);
        *pos = e;
    };
    for x in 0..bw {
        let col = &sc.mask[x * bh..(x + 1) * bh];
        let base = (c0 + x as u64) * hh + r0;
        let mut y = 0;
        while y < bh {
            if col[y] == 0 {
                y += 1;
                continue;
            }
            let s = y;
            while y < bh && col[y] != 0 {
                y += 1;
            }
            let (gs, ge) = (base + s as u64, base + y as u64);
            run = match run {
                Some((rs, re)) if re == gs => Some((rs, ge)),
                Some((rs, re)) => {
                    emit(rs, re, &mut sc.counts, &mut pos);
                    Some((gs, ge))
                }
                None => Some((gs, ge)),
            };
        }
    }
    if let Some((rs, re)) = run {
        emit(rs, re, &mut sc.counts, &mut pos);
    }
    let total = hh * w as u64;
    if pos < total {
        sc.counts.push((total - pos) as u32);
    }
    Rle {
        h,
        w,
        counts: sc.counts.clone(),
    }
}

/// Call `f(column, row_start, row_end)` for each piece of the intervals within one column.
fn for_each_piece(iv: &[(u64, u64)], h: u64, mut f: impl FnMut(u64, u64, u64)) {
    for &(s, e) in iv {
        let mut p = s;
        while p < e {
            let c = p / h;
            let end = e.min((c + 1) * h);
            f(c, p - c * h, end - c * h);
            p = end;
        }
    }
}

/// `mask_to_boundary` of an RLE mask, as an RLE.
pub fn mask_to_boundary(mask: &Rle, dilation_ratio: f64) -> Rle {
    let iv: Vec<(u64, u64)> = mask
        .foreground_runs()
        .map(|(s, n)| (s, s + n as u64))
        .collect();
    let d = dilation_of(mask.h, mask.w, dilation_ratio);
    boundary_of_intervals(mask.h, mask.w, &iv, d, &mut BoundaryScratch::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, pixel by pixel on a row-major bitmap.
    fn naive(m: &[u8], h: usize, w: usize, d: usize) -> Vec<u8> {
        let mut out = vec![0u8; h * w];
        for y in 0..h {
            for x in 0..w {
                if m[y * w + x] == 0 {
                    continue;
                }
                let mut edge = y < d || x < d || y + d >= h || x + d >= w;
                for yy in y.saturating_sub(d)..(y + d + 1).min(h) {
                    for xx in x.saturating_sub(d)..(x + d + 1).min(w) {
                        edge |= m[yy * w + xx] == 0;
                    }
                }
                out[y * w + x] = edge as u8;
            }
        }
        out
    }

    #[test]
    fn equals_the_definition_on_random_masks() {
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        for case in 0..300 {
            let (h, w) = (1 + next() % 23, 1 + next() % 29);
            let mut m = vec![0u8; h * w];
            for _ in 0..next() % 6 {
                let (y0, x0) = (next() % h, next() % w);
                let (y1, x1) = ((y0 + next() % h).min(h), (x0 + next() % w).min(w));
                for y in y0..y1 {
                    for x in x0..x1 {
                        m[y * w + x] = (case % 3 != 0 || next() % 4 != 0) as u8;
                    }
                }
            }
            let rle = Rle::encode_row_major(h as u32, w as u32, &m).unwrap();
            for d in [1usize, 2, 3, 5] {
                let iv: Vec<(u64, u64)> = rle
                    .foreground_runs()
                    .map(|(s, n)| (s, s + n as u64))
                    .collect();
                let b = boundary_of_intervals(
                    h as u32,
                    w as u32,
                    &iv,
                    d as u32,
                    &mut BoundaryScratch::default(),
                );
                assert_eq!(
                    b.decode_row_major(),
                    naive(&m, h, w, d),
                    "case {case} d {d}"
                );
                assert!(b.is_canonical());
            }
        }
    }

    #[test]
    fn dilation_rounds_half_to_even() {
        assert_eq!(dilation_of(480, 640, 0.02), 16); // 0.02 * 800 = 16
        assert_eq!(dilation_of(3, 4, 0.5), 2); // 2.5 -> 2
        assert_eq!(dilation_of(3, 4, 0.7), 4); // 3.5 -> 4
        assert_eq!(dilation_of(3, 4, 0.01), 1); // at least 1
    }
}

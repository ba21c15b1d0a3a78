//! Painting masks into label maps (the pixel side of `rasterize` and semantic mIoU), straight from runs.
//!
//! A label map is a plain slice of `h·w` values (`u8`, `u16`, `u32`, ...), row-major (`map[y*w + x]`) as
//! images are stored, or column-major (`map[x*h + y]`) as RLE runs are laid out. Painting column-major is a
//! `fill` per run (the fastest way to paint many masks); [`col_major_to_row_major`] then turns the finished
//! map into image order once. Nothing here builds a per-mask bitmap.
//!
//! Not here: PNG files (see [`crate::mask::png`]), deciding what value an annotation gets (the `rasterize`
//! command's conventions), polygon rasterization (see [`crate::mask::polygon`]).

use crate::mask::rle::Rle;

/// Sets every foreground pixel of `rle` to `value` in a row-major `h·w` map (`map[y*w + x]`); other pixels
/// are left as they are, so later masks painted over earlier ones win. Pixels past the end of `map` (a
/// map too small, or runs beyond `h·w`) are ignored.
pub fn paint_rle<T: Copy>(rle: &Rle, value: T, map: &mut [T]) {
    let (h, w) = (rle.h as u64, rle.w as usize);
    if h == 0 || w == 0 {
        return;
    }
    for (start, len) in rle.foreground_runs() {
        let end = start + len as u64;
        let mut p = start;
        while p < end {
            let x = (p / h) as usize;
            let y0 = p % h;
            let y1 = h.min(y0 + (end - p));
            if x >= w {
                return;
            }
            let mut i = y0 as usize * w + x;
            for _ in y0..y1 {
                match map.get_mut(i) {
                    Some(px) => *px = value,
                    None => return,
                }
                i += w;
            }
            p += y1 - y0;
        }
    }
}

/// Sets every foreground pixel of `rle` to `value` in a column-major `h·w` map (`map[x*h + y]`): one
/// `fill` per run. Pixels past the end of `map` are ignored.
pub fn paint_rle_col_major<T: Copy>(rle: &Rle, value: T, map: &mut [T]) {
    let n = map.len() as u64;
    for (start, len) in rle.foreground_runs() {
        if start >= n {
            return;
        }
        let end = (start + len as u64).min(n);
        map[start as usize..end as usize].fill(value);
    }
}

/// Copies a column-major `h·w` map into a row-major one (`dst[y*w + x] = src[x*h + y]`), in cache-sized
/// tiles. Does nothing unless both slices hold exactly `h·w` values.
pub fn col_major_to_row_major<T: Copy>(h: usize, w: usize, src: &[T], dst: &mut [T]) {
    let Some(n) = h.checked_mul(w) else { return };
    if src.len() != n || dst.len() != n {
        return;
    }
    const TILE: usize = 64;
    for x0 in (0..w).step_by(TILE) {
        let x1 = (x0 + TILE).min(w);
        for y0 in (0..h).step_by(TILE) {
            let y1 = (y0 + TILE).min(h);
            // Contiguous writes along a row of the tile, reads from the tile's columns (cache-resident).
            for (y, drow) in dst.chunks_exact_mut(w).enumerate().take(y1).skip(y0) {
                for (x, d) in drow[x0..x1].iter_mut().enumerate() {
                    *d = src[(x0 + x) * h + y];
                }
            }
        }
    }
}

/// A label map painted column-major and read out row-major: the fast path for painting all of an image's
/// annotations in file order (later ones win).
#[derive(Debug, Clone)]
pub struct LabelMap<T> {
    h: u32,
    w: u32,
    col_major: Vec<T>,
}

impl<T: Copy> LabelMap<T> {
    /// A map of `h` rows and `w` columns filled with `background`.
    pub fn new(h: u32, w: u32, background: T) -> Self {
        LabelMap {
            h,
            w,
            col_major: vec![background; h as usize * w as usize],
        }
    }
    /// Height and width.
    pub fn size(&self) -> (u32, u32) {
        (self.h, self.w)
    }
    /// Paints the mask's foreground with `value`. A mask of another size is painted as if its runs were
    /// laid over this map's pixels, which is never what a caller wants: check sizes before.
    pub fn paint(&mut self, rle: &Rle, value: T) {
        paint_rle_col_major(rle, value, &mut self.col_major);
    }
    /// Resets every pixel to `value` (reuse the allocation for the next image of the same size).
    pub fn clear(&mut self, value: T) {
        self.col_major.fill(value);
    }
    /// The map in column-major order (`[x*h + y]`).
    pub fn as_col_major(&self) -> &[T] {
        &self.col_major
    }
    /// The map in row-major (image) order, written into `dst` (resized to `h·w`).
    pub fn to_row_major_into(&self, dst: &mut Vec<T>) {
        let n = self.col_major.len();
        dst.clear();
        if let Some(&first) = self.col_major.first() {
            dst.resize(n, first);
        }
        col_major_to_row_major(self.h as usize, self.w as usize, &self.col_major, dst);
    }
    /// The map in row-major (image) order.
    pub fn to_row_major(&self) -> Vec<T> {
        let mut v = Vec::new();
        self.to_row_major_into(&mut v);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_both_orders_agree() {
        // 3 rows x 4 cols, runs crossing columns
        let r = Rle::from_counts(3, 4, vec![2, 5, 1, 2, 2]).unwrap();
        let mut rm = vec![0u16; 12];
        paint_rle(&r, 7, &mut rm);
        let mut lm = LabelMap::new(3, 4, 0u16);
        lm.paint(&r, 7);
        assert_eq!(lm.to_row_major(), rm);
        // col-major bits: 0 0 1 | 1 1 1 | 1 0 1 | 1 0 0
        let expect_rm = [0, 1, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0];
        assert_eq!(
            rm.iter().map(|&v| (v / 7) as u8).collect::<Vec<_>>(),
            expect_rm.to_vec()
        );
        assert_eq!(r.decode_row_major(), expect_rm.to_vec());
    }

    #[test]
    fn later_wins_and_bounds() {
        let a = Rle::from_counts(2, 2, vec![0, 4]).unwrap();
        let b = Rle::from_counts(2, 2, vec![1, 1, 2]).unwrap();
        let mut lm = LabelMap::new(2, 2, 0u8);
        lm.paint(&a, 1);
        lm.paint(&b, 2);
        assert_eq!(lm.as_col_major(), &[1, 2, 1, 1]);
        // map too small: no panic
        let mut small = vec![0u8; 1];
        paint_rle(&a, 1, &mut small);
        paint_rle_col_major(&a, 1, &mut small);
        assert_eq!(small, vec![1]);
    }
}

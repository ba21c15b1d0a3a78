//! Painting masks into label maps (the pixel side of `rasterize` and semantic mIoU), straight from runs.
//!
//! A label map is a plain slice of `h·w` values (`u8`, `u16`, `u32`, ...), row-major (`map[y*w + x]`) as
//! images are stored, or column-major (`map[x*h + y]`) as RLE runs are laid out. Painting column-major is a
//! `fill` per run (the fastest way to paint many masks); [`Pixel::transpose`] then turns the finished map
//! into image order once (SSE2 register transposes of 16×16 bytes / 8×8 u16 blocks on x86-64: a plain
//! element-by-element copy was 30 % of `rasterize`). Nothing here builds a per-mask bitmap.
//!
//! Not here: PNG files (see [`crate::mask::png`]), deciding what value an annotation gets (the `rasterize`
//! command's conventions), polygon rasterization (see [`crate::mask::polygon`]).

use crate::error::{Error, Result};
use crate::mask::rle::Rle;

// Row-major painting is what `Rle::decode_row_major` does, so it lives beside the codec.
pub use crate::mask::rle::paint_rle;

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
/// tiles. Does nothing unless both slices hold exactly `h·w` values. [`Pixel::transpose`] is the same copy
/// with SIMD kernels for `u8` and `u16`.
pub fn col_major_to_row_major<T: Copy>(h: usize, w: usize, src: &[T], dst: &mut [T]) {
    if sizes_match(h, w, src.len(), dst.len()) {
        transpose_rect(h, w, src, dst, 0..h, 0..w);
    }
}

fn sizes_match(h: usize, w: usize, src: usize, dst: usize) -> bool {
    h.checked_mul(w).is_some_and(|n| src == n && dst == n)
}

/// [`col_major_to_row_major`] restricted to rows `ys` and columns `xs`.
fn transpose_rect<T: Copy>(
    h: usize,
    w: usize,
    src: &[T],
    dst: &mut [T],
    ys: std::ops::Range<usize>,
    xs: std::ops::Range<usize>,
) {
    const TILE: usize = 64;
    for x0 in xs.clone().step_by(TILE) {
        let x1 = (x0 + TILE).min(xs.end);
        for y0 in ys.clone().step_by(TILE) {
            let y1 = (y0 + TILE).min(ys.end);
            // Contiguous writes along a row of the tile, reads from the tile's columns (cache-resident).
            for (y, drow) in dst.chunks_exact_mut(w).enumerate().take(y1).skip(y0) {
                for (x, d) in drow[x0..x1].iter_mut().enumerate() {
                    *d = src[(x0 + x) * h + y];
                }
            }
        }
    }
}

/// The pixel types of label maps, each with its fastest column-major → row-major copy.
pub trait Pixel: Copy {
    /// [`col_major_to_row_major`] for this type.
    fn transpose(h: usize, w: usize, src: &[Self], dst: &mut [Self]) {
        col_major_to_row_major(h, w, src, dst)
    }
}

impl Pixel for u32 {}

impl Pixel for u8 {
    /// 16×16 blocks through SSE2 registers (x86-64), the rest element by element.
    fn transpose(h: usize, w: usize, src: &[u8], dst: &mut [u8]) {
        #[cfg(target_arch = "x86_64")]
        blocked::<u8, 16>(h, w, src, dst, simd::block_u8);
        #[cfg(not(target_arch = "x86_64"))]
        col_major_to_row_major(h, w, src, dst);
    }
}

impl Pixel for u16 {
    /// 8×8 blocks through SSE2 registers (x86-64), the rest element by element.
    fn transpose(h: usize, w: usize, src: &[u16], dst: &mut [u16]) {
        #[cfg(target_arch = "x86_64")]
        blocked::<u16, 8>(h, w, src, dst, simd::block_u16);
        #[cfg(not(target_arch = "x86_64"))]
        col_major_to_row_major(h, w, src, dst);
    }
}

/// [`col_major_to_row_major`] with every whole `B`×`B` block copied by `block(h, w, src, dst, x0, y0)`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn blocked<T: Copy, const B: usize>(
    h: usize,
    w: usize,
    src: &[T],
    dst: &mut [T],
    block: impl Fn(usize, usize, &[T], &mut [T], usize, usize),
) {
    if !sizes_match(h, w, src.len(), dst.len()) {
        return;
    }
    let (hb, wb) = (h / B * B, w / B * B);
    for y0 in (0..hb).step_by(B) {
        for x0 in (0..wb).step_by(B) {
            block(h, w, src, dst, x0, y0);
        }
    }
    transpose_rect(h, w, src, dst, 0..hb, wb..w);
    transpose_rect(h, w, src, dst, hb..h, 0..w);
}

/// Square blocks transposed in SSE2 registers (part of x86-64's baseline, so no runtime check).
///
/// How: the block's source columns are loaded as vectors (vector `i` = column `x0 + i`, element `j` = row
/// `y0 + j`). Each round pairs the vectors whose index differs in one bit and interleaves them (`unpacklo`
/// / `unpackhi`) at twice the element size of the round before; after log₂(n) rounds, vector `v` holds
/// output row `bitreverse(v)`, element `i` = column `x0 + i`.
#[cfg(target_arch = "x86_64")]
mod simd {
    use std::arch::x86_64::*;

    /// Row `j` of the result is in vector `REV4[j]` (4-bit reversal).
    const REV4: [usize; 16] = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
    const REV3: [usize; 8] = [0, 4, 2, 6, 1, 5, 3, 7];

    /// [`round`] with two intrinsics.
    macro_rules! interleave {
        ($v:expr, $bit:expr, $lo:ident, $hi:ident) => {
            round($v, $bit, |a, b| $lo(a, b), |a, b| $hi(a, b))
        };
    }

    /// One round: vectors `a` and `a | bit` interleaved by `lo` / `hi`.
    #[inline(always)]
    fn round<const N: usize>(
        v: &mut [__m128i; N],
        bit: usize,
        lo: impl Fn(__m128i, __m128i) -> __m128i,
        hi: impl Fn(__m128i, __m128i) -> __m128i,
    ) {
        for a in 0..N {
            if a & bit == 0 {
                let (x, y) = (v[a], v[a | bit]);
                v[a] = lo(x, y);
                v[a | bit] = hi(x, y);
            }
        }
    }

    /// The `N`×`N` block at columns `x0..x0+N`, rows `y0..y0+N` (inside the map) of `N` elements of 16 / N
    /// bytes: loaded, interleaved by `rounds`, stored from vector `rev[j]` to row `y0 + j`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn block<T: Copy, const N: usize>(
        h: usize,
        w: usize,
        src: &[T],
        dst: &mut [T],
        x0: usize,
        y0: usize,
        rounds: impl Fn(&mut [__m128i; N]),
        rev: &[usize; N],
    ) {
        const { assert!(N * std::mem::size_of::<T>() == 16) };
        // SAFETY (all intrinsics): SSE2 is always present on x86-64; loads and stores go through slices of
        // exactly N elements = 16 bytes, bounds-checked when taken.
        unsafe {
            let mut v = [_mm_setzero_si128(); N];
            for (i, x) in v.iter_mut().enumerate() {
                let col = &src[(x0 + i) * h + y0..][..N];
                *x = _mm_loadu_si128(col.as_ptr().cast());
            }
            rounds(&mut v);
            for (j, &r) in rev.iter().enumerate() {
                let row = &mut dst[(y0 + j) * w + x0..][..N];
                _mm_storeu_si128(row.as_mut_ptr().cast(), v[r]);
            }
        }
    }

    /// The 16×16 block of bytes at columns `x0..x0+16`, rows `y0..y0+16`.
    #[inline(always)]
    pub(super) fn block_u8(h: usize, w: usize, src: &[u8], dst: &mut [u8], x0: usize, y0: usize) {
        // SAFETY: the unpack intrinsics only need SSE2, always present on x86-64.
        let rounds = |v: &mut [__m128i; 16]| unsafe {
            interleave!(v, 1, _mm_unpacklo_epi8, _mm_unpackhi_epi8);
            interleave!(v, 2, _mm_unpacklo_epi16, _mm_unpackhi_epi16);
            interleave!(v, 4, _mm_unpacklo_epi32, _mm_unpackhi_epi32);
            interleave!(v, 8, _mm_unpacklo_epi64, _mm_unpackhi_epi64);
        };
        block(h, w, src, dst, x0, y0, rounds, &REV4);
    }

    /// The 8×8 block of u16 at columns `x0..x0+8`, rows `y0..y0+8`.
    #[inline(always)]
    pub(super) fn block_u16(
        h: usize,
        w: usize,
        src: &[u16],
        dst: &mut [u16],
        x0: usize,
        y0: usize,
    ) {
        // SAFETY: as in `block_u8`.
        let rounds = |v: &mut [__m128i; 8]| unsafe {
            interleave!(v, 1, _mm_unpacklo_epi16, _mm_unpackhi_epi16);
            interleave!(v, 2, _mm_unpacklo_epi32, _mm_unpackhi_epi32);
            interleave!(v, 4, _mm_unpacklo_epi64, _mm_unpackhi_epi64);
        };
        block(h, w, src, dst, x0, y0, rounds, &REV3);
    }
}

/// The canvas label maps are painted on: column-major while painting, read out row-major (the layout of a
/// `png::LabelMap`); the fast path for painting all of an image's annotations in file order (later ones win).
#[derive(Debug, Clone)]
pub struct Canvas<T> {
    h: u32,
    w: u32,
    col_major: Vec<T>,
}

/// Room for `n` pixels in `v` (its length included), or an error naming the map's size.
fn reserve<T>(v: &mut Vec<T>, n: usize, h: u32, w: u32) -> Result<()> {
    v.try_reserve_exact(n.saturating_sub(v.len())).map_err(|_| {
        let gb = n as f64 * std::mem::size_of::<T>() as f64 / 1e9;
        Error::msg(format!(
            "a {w}x{h} label map ({gb:.1} GB) cannot be allocated"
        ))
    })
}

impl<T: Pixel> Canvas<T> {
    /// A map of `h` rows and `w` columns filled with `background`.
    pub fn new(h: u32, w: u32, background: T) -> Self {
        Canvas {
            h,
            w,
            col_major: vec![background; h as usize * w as usize],
        }
    }
    /// Makes this a map of `h` rows and `w` columns filled with `background`, reusing the allocation.
    /// An error (not an abort) when its pixels cannot be allocated — an absurd size in an image header.
    pub fn reset(&mut self, h: u32, w: u32, background: T) -> Result<()> {
        // (Saturating: on a 32-bit target the product can overflow; the reservation then fails.)
        let n = (h as usize).saturating_mul(w as usize);
        self.col_major.clear();
        reserve::<T>(&mut self.col_major, n, h, w)?;
        (self.h, self.w) = (h, w);
        self.col_major.resize(n, background);
        Ok(())
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
    /// The map in column-major order (`[x*h + y]`).
    pub fn as_col_major(&self) -> &[T] {
        &self.col_major
    }
    /// The map in column-major order (`[x*h + y]`), to set pixels one by one (panoptic segment-id maps).
    pub fn as_col_major_mut(&mut self) -> &mut [T] {
        &mut self.col_major
    }
    /// The map in row-major (image) order, written into `dst` (resized to `h·w`; an error when that
    /// cannot be allocated).
    pub fn to_row_major_into(&self, dst: &mut Vec<T>) -> Result<()> {
        reserve::<T>(dst, self.col_major.len(), self.h, self.w)?;
        // Every element is overwritten: keep what is there (no fill when `dst` already has the size).
        match self.col_major.first() {
            Some(&first) => dst.resize(self.col_major.len(), first),
            None => dst.clear(),
        }
        T::transpose(self.h as usize, self.w as usize, &self.col_major, dst);
        Ok(())
    }
    /// The map in row-major (image) order.
    pub fn to_row_major(&self) -> Result<Vec<T>> {
        let mut v = Vec::new();
        self.to_row_major_into(&mut v)?;
        Ok(v)
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
        let mut lm = Canvas::new(3, 4, 0u16);
        lm.paint(&r, 7);
        assert_eq!(lm.to_row_major().unwrap(), rm);
        // col-major bits: 0 0 1 | 1 1 1 | 1 0 1 | 1 0 0
        let expect_rm = [0, 1, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0];
        assert_eq!(
            rm.iter().map(|&v| (v / 7) as u8).collect::<Vec<_>>(),
            expect_rm.to_vec()
        );
        assert_eq!(r.decode_row_major(), expect_rm.to_vec());
    }

    #[test]
    fn simd_transposes_equal_the_plain_copy() {
        let mut next = crate::testing::xorshift(0x2545_f491_4f6c_dd1d);
        for (h, w) in [
            (0, 0),
            (1, 1),
            (16, 16),
            (8, 8),
            (17, 33),
            (15, 16),
            (16, 15),
            (31, 7),
            (48, 64),
            (480, 640),
            (427, 300),
            (1, 100),
            (100, 1),
        ] {
            let src8: Vec<u8> = (0..h * w).map(|_| next() as u8).collect();
            let src16: Vec<u16> = (0..h * w).map(|_| next() as u16).collect();
            let (mut want8, mut got8) = (vec![0u8; h * w], vec![0u8; h * w]);
            col_major_to_row_major(h, w, &src8, &mut want8);
            u8::transpose(h, w, &src8, &mut got8);
            assert_eq!(got8, want8, "u8 {h}x{w}");
            let (mut want16, mut got16) = (vec![0u16; h * w], vec![0u16; h * w]);
            col_major_to_row_major(h, w, &src16, &mut want16);
            u16::transpose(h, w, &src16, &mut got16);
            assert_eq!(got16, want16, "u16 {h}x{w}");
            // and the plain copy is the definition
            for y in 0..h {
                for x in 0..w {
                    assert_eq!(want8[y * w + x], src8[x * h + y]);
                }
            }
        }
        // mismatched sizes: nothing written
        let mut d = vec![7u8; 4];
        u8::transpose(2, 3, &[1; 6], &mut d);
        assert_eq!(d, vec![7; 4]);
    }

    #[test]
    fn later_wins_and_bounds() {
        let a = Rle::from_counts(2, 2, vec![0, 4]).unwrap();
        let b = Rle::from_counts(2, 2, vec![1, 1, 2]).unwrap();
        let mut lm = Canvas::new(2, 2, 0u8);
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

//! Run-length encoded masks, bit-exact with pycocotools 2.0.11 (`maskApi.c`).
//!
//! An [`Rle`] is a binary mask of `h` rows and `w` columns stored as run lengths over the pixels in
//! column-major order (down the first column, then the second, ...); the first run counts zeros (it may
//! be 0), then runs alternate. This module holds the RLE type and the algorithms that work on runs:
//! bitmap encode/decode, the compressed-string codec, area, bounding box, merge (union/intersection),
//! mask IoU and box IoU.
//!
//! It is not: polygon or box rasterization (see [`crate::mask::polygon`]), painting label maps (see
//! [`crate::mask::raster`]), nor JSON handling (the compressed string is plain bytes here).
//!
//! Sizes: pycocotools keeps positions and areas in 32-bit `uint`s; cocokit keeps them in 64 bits, so the
//! two agree for every mask smaller than 2³² pixels and cocokit stays right beyond.

use crate::error::{Error, Result};

/// pycocotools' message when runs do not add up to `h·w` (`_mask.pyx`, `decode`).
pub const INVALID_RLE: &str = "Invalid RLE mask representation";

/// A binary mask as column-major run lengths, first run = zeros.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Rle {
    /// Height (rows).
    pub h: u32,
    /// Width (columns).
    pub w: u32,
    /// Run lengths: zeros, ones, zeros, ... Valid masks have `sum(counts) == h·w`.
    pub counts: Vec<u32>,
}

impl Rle {
    /// Runs from a `{"size": [h, w], "counts": [...]}` object, checked: they must add up to `h·w`
    /// (the error is pycocotools' "Invalid RLE mask representation"). Zero-length runs are kept as given.
    pub fn from_counts(h: u32, w: u32, counts: Vec<u32>) -> Result<Rle> {
        let sum: u64 = counts.iter().map(|&c| c as u64).sum();
        if sum != h as u64 * w as u64 {
            return Err(Error::msg(format!(
                "{INVALID_RLE}: counts add up to {sum}, size is {h}x{w} = {}",
                h as u64 * w as u64
            )));
        }
        Ok(Rle { h, w, counts })
    }

    /// The all-zero mask of this size (`[h·w]`, as pycocotools encodes it).
    pub fn zeros(h: u32, w: u32) -> Rle {
        // pycocotools counts in 32 bits; a mask of 2^32 pixels or more cannot be one u32 run.
        Rle {
            h,
            w,
            counts: split_run(h as u64 * w as u64),
        }
    }

    /// Number of pixels, `h·w`.
    pub fn pixels(&self) -> u64 {
        self.h as u64 * self.w as u64
    }

    /// Whether the runs add up to `h·w`.
    pub fn is_valid(&self) -> bool {
        self.counts.iter().map(|&c| c as u64).sum::<u64>() == self.pixels()
    }

    /// Encodes a column-major bitmap (`data[x*h + y]`, the layout of a Fortran-ordered numpy array, what
    /// pycocotools' `encode` takes). Every nonzero byte is foreground.
    ///
    /// On 0/1 masks (and any mask with a single nonzero value, e.g. 0/255) this equals pycocotools
    /// `rleEncode`. pycocotools starts a new run at every change of byte *value* (0,2,2,1 → runs 1,2,1,
    /// decoding to 0,1,1,0), which makes masks with two different nonzero values meaningless; cocokit
    /// does not reproduce that.
    pub fn encode_col_major(h: u32, w: u32, data: &[u8]) -> Result<Rle> {
        check_len(h, w, data.len())?;
        let mut counts = Vec::new();
        encode_runs(data, &mut counts);
        Ok(Rle { h, w, counts })
    }

    /// Encodes a row-major bitmap (`data[y*w + x]`, the usual image layout). Nonzero = foreground, as in
    /// [`Rle::encode_col_major`].
    pub fn encode_row_major(h: u32, w: u32, data: &[u8]) -> Result<Rle> {
        check_len(h, w, data.len())?;
        let (hh, ww) = (h as usize, w as usize);
        if data.is_empty() {
            return Ok(Rle {
                h,
                w,
                counts: vec![0],
            });
        }
        // Rows are contiguous: find, row against row above, the pixels where a column changes value
        // (16 bytes at a time; identical chunks are skipped), then order those changes column by column
        // (counting sort) and turn them into runs. No transposition, no strided walk.
        let fg = |b: u8| b != 0;
        let mut ev: Vec<(u32, u32)> = Vec::new(); // (x, y): column x changes value at row y
        for y in 0..=hh {
            let row = if y < hh {
                Some(&data[y * ww..(y + 1) * ww])
            } else {
                None
            };
            let prev = if y > 0 {
                Some(&data[(y - 1) * ww..y * ww])
            } else {
                None
            };
            let mut x = 0;
            while x < ww {
                let end = (x + 16).min(ww);
                let a = row.map(|r| &r[x..end]);
                let b = prev.map(|r| &r[x..end]);
                let word = |c: &[u8]| -> u128 {
                    match <[u8; 16]>::try_from(c) {
                        Ok(full) => u128::from_ne_bytes(full),
                        Err(_) => {
                            let mut buf = [0u8; 16];
                            buf[..c.len()].copy_from_slice(c);
                            u128::from_ne_bytes(buf)
                        }
                    }
                };
                let same = match (a, b) {
                    (Some(a), Some(b)) => word(a) == word(b),
                    (Some(c), None) | (None, Some(c)) => word(c) == 0,
                    (None, None) => true,
                };
                if !same {
                    for i in x..end {
                        let va = row.is_some_and(|r| fg(r[i]));
                        let vb = prev.is_some_and(|r| fg(r[i]));
                        if va != vb {
                            ev.push((i as u32, y as u32));
                        }
                    }
                }
                x = end;
            }
        }
        // Counting sort by column; rows are already increasing within a column.
        let mut start = vec![0usize; ww + 1];
        for &(x, _) in &ev {
            start[x as usize + 1] += 1;
        }
        for x in 0..ww {
            start[x + 1] += start[x];
        }
        let mut pos = vec![0u64; ev.len()];
        for &(x, y) in &ev {
            let slot = &mut start[x as usize];
            pos[*slot] = x as u64 * h as u64 + y as u64;
            *slot += 1;
        }
        // A column ending in foreground and the next one starting in foreground give the same position
        // twice: no change there. The change at h*w (end of the mask) is not a run boundary.
        let n = h as u64 * w as u64;
        let mut counts = Vec::with_capacity(pos.len() + 1);
        let mut last = 0u64;
        let mut i = 0;
        while i < pos.len() {
            if i + 1 < pos.len() && pos[i + 1] == pos[i] {
                i += 2;
                continue;
            }
            if pos[i] < n {
                push_run(&mut counts, pos[i] - last);
                last = pos[i];
            }
            i += 1;
        }
        push_run(&mut counts, n - last);
        Ok(Rle { h, w, counts })
    }

    /// Decodes to a column-major 0/1 bitmap of `h·w` bytes (pycocotools `rleDecode`, Fortran order).
    /// Runs past `h·w` are cut off and missing runs leave zeros (pycocotools refuses such masks with
    /// "Invalid RLE mask representation"; masks built by this crate's checked constructors never have them).
    pub fn decode_col_major(&self) -> Vec<u8> {
        let n = self.pixels() as usize;
        let mut out = vec![0u8; n];
        for (start, len) in self.foreground_runs() {
            let s = (start as usize).min(n);
            let e = (start as usize + len as usize).min(n);
            out[s..e].fill(1);
        }
        out
    }

    /// Decodes to a row-major 0/1 bitmap (`out[y*w + x]`). Same handling of invalid runs as
    /// [`Rle::decode_col_major`].
    pub fn decode_row_major(&self) -> Vec<u8> {
        let mut out = vec![0u8; self.pixels() as usize];
        paint_rle(self, 1u8, &mut out);
        out
    }

    /// Foreground runs as `(start, len)` in column-major pixel positions, skipping zero-length ones.
    pub fn foreground_runs(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        let mut pos: u64 = 0;
        self.counts.iter().enumerate().filter_map(move |(j, &c)| {
            let start = pos;
            pos += c as u64;
            (j % 2 == 1 && c > 0).then_some((start, c))
        })
    }

    /// The compressed string of pycocotools `rleToString`: each count (for `i > 2`, its difference with
    /// `counts[i-2]`) as little-endian groups of 5 bits, 0x20 = "more follows", sign taken from bit 0x10 of
    /// the last group, each group + 48 (so every byte is in `'0'..='o'`).
    pub fn to_compressed(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.counts.len() * 2);
        self.write_compressed(&mut out);
        out
    }

    /// [`Rle::to_compressed`] as a `String` (it is always ASCII).
    pub fn to_compressed_string(&self) -> String {
        // Every byte is in '0'..='o'.
        self.to_compressed().into_iter().map(char::from).collect()
    }

    /// Appends the compressed string to `out` (no allocation when `out` has room for 7 bytes per count).
    pub fn write_compressed(&self, out: &mut Vec<u8>) {
        self.encode::<false>(out);
    }

    /// [`Rle::write_compressed`] as the inside of a JSON string: the one byte of the alphabet that JSON
    /// needs escaped, `\\`, is written as `\\\\`.
    pub fn write_compressed_json(&self, out: &mut Vec<u8>) {
        self.encode::<true>(out);
    }

    /// pycocotools `rleToString` (see [`CompressedWriter`]).
    fn encode<const JSON: bool>(&self, out: &mut Vec<u8>) {
        let mut w = CompressedWriter::<JSON>::new(out, self.counts.len());
        w.push_all(&self.counts);
        w.finish();
    }

    /// Parses a pycocotools compressed string (`rleFrString`), checked.
    ///
    /// Differences with pycocotools, all on input it mishandles: bytes outside `'0'..='o'` are an error
    /// (pycocotools reads garbage); a string ending inside a count (last byte with the 0x20 bit) is an error
    /// (pycocotools reads past the end); a count of more than 7 groups, or one that comes out negative or
    /// above 2³²−1, is an error; and the runs must add up to `h·w`, else "Invalid RLE mask representation"
    /// — pycocotools only notices that when decoding to a bitmap, but cocokit checks at once so that area,
    /// bbox and IoU never see a broken mask. Deltas of 7 groups (masks over 2²⁹ pixels) are decoded
    /// correctly here; pycocotools' C shifts a 32-bit int past its width there and gets them wrong.
    pub fn from_compressed(h: u32, w: u32, s: &[u8]) -> Result<Rle> {
        // Each count takes at least one byte.
        let mut counts: Vec<u32> = Vec::with_capacity(s.len());
        let mut x: i64 = 0;
        let mut shift = 0u32;
        let mut sum: u64 = 0;
        for &b in s {
            let c = b.wrapping_sub(48);
            if c > 63 {
                return Err(Self::string_error(s));
            }
            x |= ((c & 0x1f) as i64) << shift;
            shift += 5;
            if c & 0x20 != 0 {
                if shift >= 35 {
                    return Err(Self::string_error(s));
                }
                continue;
            }
            if c & 0x10 != 0 {
                x |= -1i64 << shift;
            }
            let m = counts.len();
            if m > 2 {
                x += counts[m - 2] as i64;
            }
            if !(0..=u32::MAX as i64).contains(&x) {
                return Err(Self::string_error(s));
            }
            counts.push(x as u32);
            sum += x as u64;
            x = 0;
            shift = 0;
        }
        if shift != 0 {
            return Err(Self::string_error(s));
        }
        let n = h as u64 * w as u64;
        if sum != n {
            return Err(Error::msg(format!(
                "{INVALID_RLE}: counts add up to {sum}, size is {h}x{w} = {n}"
            )));
        }
        Ok(Rle { h, w, counts })
    }

    /// Explains why [`Rle::from_compressed`] refused a string (the slow path, on error only).
    fn string_error(s: &[u8]) -> Error {
        let mut counts: Vec<i64> = Vec::new();
        let (mut x, mut shift, mut start) = (0i64, 0u32, 0usize);
        for (p, &b) in s.iter().enumerate() {
            let c = b.wrapping_sub(48);
            if c > 63 {
                return Error::msg(format!(
                    "RLE string has byte {:?} at {p}, outside '0'..'o'",
                    char::from(b)
                ));
            }
            x |= ((c & 0x1f) as i64) << shift;
            shift += 5;
            if c & 0x20 != 0 {
                if shift >= 35 {
                    return Error::msg(format!(
                        "RLE string has an over-long count at byte {start}"
                    ));
                }
                continue;
            }
            if c & 0x10 != 0 {
                x |= -1i64 << shift;
            }
            let m = counts.len();
            if m > 2 {
                x += counts[m - 2];
            }
            if !(0..=u32::MAX as i64).contains(&x) {
                return Error::msg(format!("RLE string has count {x} at byte {start}"));
            }
            counts.push(x);
            (x, shift, start) = (0, 0, p + 1);
        }
        Error::msg(format!(
            "RLE string ends inside a count (byte {start} starts it)"
        ))
    }

    /// Foreground pixel count (pycocotools `rleArea`: the sum of the odd runs).
    pub fn area(&self) -> u64 {
        self.counts
            .iter()
            .skip(1)
            .step_by(2)
            .map(|&c| c as u64)
            .sum()
    }

    /// Bounding box `[x, y, w, h]` of the foreground (pycocotools 2.0.11 `rleToBbox`, the corrected one
    /// that looks at every run: a run crossing a column boundary spans all rows).
    ///
    /// Quirk reproduced on purpose: a mask with no foreground pixel gives `[0,0,0,0]` only when it has
    /// fewer than two runs; with two or more runs (e.g. `[h·w, 0]`) pycocotools returns
    /// `[w, h, (1−w) mod 2³², (1−h) mod 2³²]` (its unsigned `xe−xs+1` wraps), and so does this.
    pub fn to_bbox(&self) -> [f64; 4] {
        let m = self.counts.len() / 2 * 2;
        if m == 0 {
            return [0.0; 4];
        }
        let h = self.h as u64;
        let (mut xs, mut ys, mut xe, mut ye) = (self.w as u64, h, 0u64, 0u64);
        let mut cc: u64 = 0;
        for j in 0..m {
            let start = cc;
            let c = self.counts[j];
            cc += c as u64;
            if j % 2 == 0 || c == 0 || h == 0 {
                // h == 0 with a foreground run: an invalid mask (pycocotools divides by zero here).
                continue;
            }
            let (x_start, y_start) = (start / h, start % h);
            let (x_end, y_end) = ((cc - 1) / h, (cc - 1) % h);
            xs = xs.min(x_start);
            xe = xe.max(x_end);
            if x_start < x_end {
                ys = 0;
                ye = h - 1;
            } else {
                ys = ys.min(y_start);
                ye = ye.max(y_end);
            }
        }
        // pycocotools computes the extents in 32-bit unsigned arithmetic.
        let bw = (xe as u32).wrapping_sub(xs as u32).wrapping_add(1);
        let bh = (ye as u32).wrapping_sub(ys as u32).wrapping_add(1);
        [xs as u32 as f64, ys as u32 as f64, bw as f64, bh as f64]
    }

    /// Union (`intersect = false`) or intersection of masks (pycocotools `rleMerge`, merging left to right).
    ///
    /// Quirks reproduced on purpose: no mask gives a 0×0 mask with no runs; masks of different sizes give
    /// a 0×0 mask with no runs (pycocotools does not report the mismatch). One difference: masks whose runs
    /// add up to different totals (invalid, never built by the checked constructors) make pycocotools loop
    /// forever; here the shorter one counts as background past its end.
    pub fn merge(rles: &[Rle], intersect: bool) -> Rle {
        let Some(first) = rles.first() else {
            return Rle {
                h: 0,
                w: 0,
                counts: Vec::new(),
            };
        };
        let (h, w) = (first.h, first.w);
        if rles.iter().any(|r| r.h != h || r.w != w) {
            return Rle {
                h: 0,
                w: 0,
                counts: Vec::new(),
            };
        }
        if rles.len() == 1 {
            return first.clone();
        }
        // Pairwise merging (pycocotools' own order) costs O(k·R); the sort-based union and intersection,
        // O(R + w) for R runs and w columns, win from a few masks on.
        if rles.len() > 3 && rles.iter().all(Rle::is_canonical) {
            return if intersect {
                intersection_canonical(rles)
            } else {
                union_canonical(rles)
            };
        }
        let mut acc = first.counts.clone();
        let mut out = Vec::with_capacity(acc.len());
        for r in &rles[1..] {
            out.clear();
            merge_two(&acc, &r.counts, intersect, &mut out);
            std::mem::swap(&mut acc, &mut out);
        }
        Rle { h, w, counts: acc }
    }
}

impl Rle {
    /// Whether the runs are the canonical encoding of their bitmap: they add up to `h·w` and only the first
    /// run may be empty (what encoding a bitmap, `rleFrPoly` and `rleMerge` produce).
    pub fn is_canonical(&self) -> bool {
        self.counts.iter().skip(1).all(|&c| c > 0) && self.is_valid()
    }
}

/// Union of masks of one size whose runs are canonical. pycocotools' left-to-right pairwise merge of such
/// masks yields the canonical runs of the union bitmap, so any exact union is bit-identical to it; this
/// one sorts the foreground intervals of all masks by column (counting sort) and coalesces them: about
/// O(R) for R runs instead of O(k·R).
fn union_canonical(rles: &[Rle]) -> Rle {
    let (h, w) = (rles[0].h as u64, rles[0].w as usize);
    if h == 0 || w == 0 {
        return runs_from_intervals(rles[0].h, rles[0].w, &[]);
    }
    // Counting sort of the intervals by the column of their start, then a small sort inside each column:
    // O(R + w) for R intervals.
    let mut raw: Vec<(u64, u64, u32)> =
        Vec::with_capacity(rles.iter().map(|r| r.counts.len() / 2).sum());
    let mut start = vec![0u32; w + 1];
    // Column of a position without a 64-bit division: a floating-point estimate, corrected.
    let inv_h = 1.0 / h as f64;
    let col_of = |pos: u64| -> usize {
        let mut c = (pos as f64 * inv_h) as u64;
        while c * h > pos {
            c -= 1;
        }
        while (c + 1) * h <= pos {
            c += 1;
        }
        (c as usize).min(w - 1)
    };
    for r in rles {
        let mut pos = 0u64;
        for pair in r.counts.chunks(2) {
            pos += pair[0] as u64;
            if let Some(&len) = pair.get(1) {
                if len > 0 {
                    let c = col_of(pos);
                    start[c + 1] += 1;
                    raw.push((pos, pos + len as u64, c as u32));
                }
                pos += len as u64;
            }
        }
    }
    if raw.is_empty() {
        return runs_from_intervals(rles[0].h, rles[0].w, &[]);
    }
    for c in 0..w {
        start[c + 1] += start[c];
    }
    let mut iv = vec![(0u64, 0u64); raw.len()];
    for &(s, e, c) in &raw {
        let slot = &mut start[c as usize];
        iv[*slot as usize] = (s, e);
        *slot += 1;
    }
    // start[c] is now the end of column c; sort each column's few intervals.
    let mut begin = 0usize;
    for &end in &start[..w] {
        let part = &mut iv[begin..end as usize];
        if part.len() > 1 {
            part.sort_unstable();
        }
        begin = end as usize;
    }
    runs_from_intervals(rles[0].h, rles[0].w, &iv)
}

/// Intersection of masks of one size whose runs are canonical (bit-identical to pycocotools' pairwise
/// merge for the same reason as [`union_canonical`]), on foreground intervals, stopping when empty.
fn intersection_canonical(rles: &[Rle]) -> Rle {
    let mut acc: Vec<(u64, u64)> = rles[0]
        .foreground_runs()
        .map(|(s, l)| (s, s + l as u64))
        .collect();
    let mut next = Vec::with_capacity(acc.len());
    for r in &rles[1..] {
        if acc.is_empty() {
            break;
        }
        next.clear();
        let mut i = 0;
        for (s, l) in r.foreground_runs() {
            let e = s + l as u64;
            while i < acc.len() && acc[i].1 <= s {
                i += 1;
            }
            let mut j = i;
            while j < acc.len() && acc[j].0 < e {
                let (a, b) = (acc[j].0.max(s), acc[j].1.min(e));
                if b > a {
                    next.push((a, b));
                }
                j += 1;
            }
        }
        std::mem::swap(&mut acc, &mut next);
    }
    runs_from_intervals(rles[0].h, rles[0].w, &acc)
}

/// Canonical runs of an `h × w` mask from foreground intervals sorted by start (overlapping or touching
/// intervals are joined).
fn runs_from_intervals(h: u32, w: u32, iv: &[(u64, u64)]) -> Rle {
    let n: u64 = h as u64 * w as u64;
    let mut counts = Vec::with_capacity(iv.len() * 2 + 1);
    let mut end = 0u64; // end of the last emitted foreground run
    let mut cur: Option<(u64, u64)> = None;
    for &(s, e) in iv {
        match cur {
            Some((cs, ce)) if s <= ce => cur = Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                push_run(&mut counts, cs - end);
                push_run(&mut counts, ce - cs);
                end = ce;
                cur = Some((s, e));
            }
            None => cur = Some((s, e)),
        }
    }
    if let Some((cs, ce)) = cur {
        push_run(&mut counts, cs - end);
        push_run(&mut counts, ce - cs);
        end = ce;
    }
    if end < n || counts.is_empty() {
        push_run(&mut counts, n.saturating_sub(end));
    }
    Rle { h, w, counts }
}

/// Splits a run too long for a u32 (masks of 2³² pixels or more) into u32 runs joined by empty runs.
fn split_run(mut n: u64) -> Vec<u32> {
    let mut v = Vec::new();
    while n > u32::MAX as u64 {
        v.push(u32::MAX);
        v.push(0);
        n -= u32::MAX as u64;
    }
    v.push(n as u32);
    v
}

/// Appends a run, splitting it when it does not fit a u32 (see [`split_run`]).
#[inline]
fn push_run(counts: &mut Vec<u32>, mut run: u64) {
    while run > u32::MAX as u64 {
        counts.push(u32::MAX);
        counts.push(0);
        run -= u32::MAX as u64;
    }
    counts.push(run as u32);
}

fn check_len(h: u32, w: u32, len: usize) -> Result<()> {
    if h as u64 * w as u64 != len as u64 {
        return Err(Error::msg(format!(
            "bitmap has {len} bytes, size is {h}x{w}"
        )));
    }
    Ok(())
}

/// Run lengths of a byte slice (nonzero = foreground), appended to `counts`; first run = zeros.
///
/// 64 bytes at a time: a bit mask of the nonzero bytes, XORed with itself shifted by one pixel (the
/// previous chunk's last pixel shifted in) marks every pixel whose value differs from the one before, a
/// run boundary. Chunks without a boundary (inside long runs, most of a mask) cost a compare and a branch.
fn encode_runs(data: &[u8], counts: &mut Vec<u32>) {
    let mut last = 0u64; // where the current run started
    let mut fg = 0u64; // the value of the pixel before the chunk (0 or 1)
    let mut base = 0u64; // position of the chunk's first pixel
    let mut boundaries = |t: u64, base: u64, last: &mut u64| {
        let mut t = t;
        while t != 0 {
            let p = base + t.trailing_zeros() as u64;
            push_run(counts, p - *last);
            *last = p;
            t &= t - 1;
        }
    };
    let mut chunks = data.chunks_exact(64);
    for c in &mut chunks {
        let m = nonzero_mask64(c, fg);
        let t = m ^ ((m << 1) | fg);
        if t != 0 {
            boundaries(t, base, &mut last);
            fg = m >> 63;
        }
        base += 64;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let m = rest
            .iter()
            .enumerate()
            .fold(0u64, |m, (i, &b)| m | (((b != 0) as u64) << i));
        // Bits past the end are zero in `m`; a boundary there (a mask ending in foreground) is dropped.
        let t = (m ^ ((m << 1) | fg)) & (u64::MAX >> (64 - rest.len()));
        boundaries(t, base, &mut last);
    }
    push_run(counts, data.len() as u64 - last);
}

/// Bit `i` set when `c[i]` (of 64 bytes) is nonzero. `fg` (0 or 1) is the value of the pixel before: a chunk
/// that continues that run (all zero after background, all nonzero after foreground — most chunks of a
/// mask) is recognised with one fold of the four 16-byte vectors and one compare, before the full mask.
#[inline(always)]
fn nonzero_mask64(c: &[u8], fg: u64) -> u64 {
    debug_assert_eq!(c.len(), 64);
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8,
            _mm_or_si128, _mm_setzero_si128,
        };
        if c.len() >= 64 {
            // SSE2 (part of x86_64): 16 bytes compared with zero per instruction, one bit each.
            let p = c.as_ptr().cast::<__m128i>();
            // SAFETY: SSE2 is always enabled on x86_64; 64 bytes are readable at `p` (checked above),
            // read with unaligned loads.
            unsafe {
                let z = _mm_setzero_si128();
                let [v0, v1, v2, v3] = [0, 1, 2, 3].map(|k| _mm_loadu_si128(p.add(k)));
                if fg == 0 {
                    // All zero: their OR is zero.
                    let any = _mm_or_si128(_mm_or_si128(v0, v1), _mm_or_si128(v2, v3));
                    if _mm_movemask_epi8(_mm_cmpeq_epi8(any, z)) == 0xFFFF {
                        return 0;
                    }
                } else {
                    // All nonzero: their unsigned minimum is nonzero.
                    let min = _mm_min_epu8(_mm_min_epu8(v0, v1), _mm_min_epu8(v2, v3));
                    if _mm_movemask_epi8(_mm_cmpeq_epi8(min, z)) == 0 {
                        return u64::MAX;
                    }
                }
                let [z0, z1, z2, z3] =
                    [v0, v1, v2, v3].map(|v| _mm_movemask_epi8(_mm_cmpeq_epi8(v, z)) as u16 as u64);
                return !(z0 | (z1 << 16) | (z2 << 32) | (z3 << 48));
            }
        }
    }
    let _ = fg;
    c.iter()
        .take(64)
        .enumerate()
        .fold(0u64, |m, (i, &b)| m | (((b != 0) as u64) << i))
}

/// One pairwise step of pycocotools `rleMerge` on runs `a` and `b` (same total), output appended to `out`.
fn merge_two(a: &[u32], b: &[u32], intersect: bool, out: &mut Vec<u32>) {
    let mut wa = RunWalker::new(a);
    let mut wb = RunWalker::new(b);
    let mut v = false;
    let mut cc: u64 = 0;
    loop {
        let c = wa.rem.min(wb.rem);
        cc += c;
        wa.consume(c);
        wb.consume(c);
        let ct = wa.rem + wb.rem;
        let vp = v;
        v = if intersect {
            wa.v && wb.v
        } else {
            wa.v || wb.v
        };
        if v != vp || ct == 0 {
            push_run(out, cc);
            cc = 0;
        }
        if ct == 0 {
            return;
        }
        RunWalker::pad_exhausted(&mut wa, &mut wb);
    }
}

/// A cursor over runs as pycocotools' merge and IoU loops walk them: `rem` pixels left in the current run
/// of value `v`; an exhausted run reloads the next one (toggling `v`), zero-length runs included.
struct RunWalker<'a> {
    runs: &'a [u32],
    next: usize,
    rem: u64,
    v: bool,
}

impl<'a> RunWalker<'a> {
    #[inline]
    fn new(runs: &'a [u32]) -> Self {
        RunWalker {
            runs,
            next: 1,
            rem: runs.first().copied().unwrap_or(0) as u64,
            v: false,
        }
    }
    #[inline]
    fn consume(&mut self, c: u64) {
        self.rem -= c;
        if self.rem == 0 && self.next < self.runs.len() {
            self.rem = self.runs[self.next] as u64;
            self.next += 1;
            self.v = !self.v;
        }
    }
    /// pycocotools spins forever when one side runs out of runs before the other (runs adding up to
    /// different totals, an invalid input); here the side that ran out is background while the other lasts.
    #[inline]
    fn pad_exhausted(a: &mut Self, b: &mut Self) {
        if a.rem == 0 && a.next >= a.runs.len() && b.rem > 0 {
            a.rem = b.rem;
            a.v = false;
        } else if b.rem == 0 && b.next >= b.runs.len() && a.rem > 0 {
            b.rem = a.rem;
            b.v = false;
        }
    }
}

/// IoU of one box pair as pycocotools `bbIou` computes it (same floating-point operations, same order):
/// `[x, y, w, h]` boxes; for a crowd ground truth the union is the detection's area. The one definition of
/// the box IoU: every box IoU of the crate (`bbox_iou`, the mask IoU's box test, cocoeval) calls it.
#[inline]
pub fn bb_iou_one(d: &[f64; 4], g: &[f64; 4], crowd: bool) -> f64 {
    let ga = g[2] * g[3];
    let da = d[2] * d[3];
    let Some((w, h)) = bb_overlap(d, g) else {
        return 0.0;
    };
    let i = w * h;
    let u = if crowd { da } else { da + ga - i };
    i / u
}

/// Width and height of the overlap of two `[x, y, w, h]` boxes as `bbIou` computes them, `None` where
/// `bbIou` stops (a width or height `<= 0`). Also the bound on common pixels `eval::cocoeval::masks` uses.
#[inline]
pub(crate) fn bb_overlap(d: &[f64; 4], g: &[f64; 4]) -> Option<(f64, f64)> {
    let w = (d[2] + d[0]).min(g[2] + g[0]) - d[0].max(g[0]);
    if w <= 0.0 {
        return None;
    }
    let h = (d[3] + d[1]).min(g[3] + g[1]) - d[1].max(g[1]);
    if h <= 0.0 {
        return None;
    }
    Some((w, h))
}

/// Box IoU matrix, row-major `[dt][gt]` (`out[d * gt.len() + g]`), as pycocotools `maskUtils.iou` on
/// `[x, y, w, h]` boxes (`bbIou`). For a crowd ground truth the union is the detection's area.
/// `iscrowd[g]` belongs to `gt[g]`; missing entries count as not crowd.
pub fn bbox_iou(dt: &[[f64; 4]], gt: &[[f64; 4]], iscrowd: &[bool]) -> Vec<f64> {
    let n = gt.len();
    let mut out = vec![0.0; dt.len() * n];
    for (d, db) in dt.iter().enumerate() {
        for (g, gb) in gt.iter().enumerate() {
            let crowd = iscrowd.get(g).copied().unwrap_or(false);
            out[d * n + g] = bb_iou_one(db, gb, crowd);
        }
    }
    out
}

/// Mask IoU matrix, row-major `[dt][gt]` (`out[d * gt.len() + g]`), as pycocotools `maskUtils.iou` on
/// RLEs (`rleIou`), computed on runs, never on bitmaps.
///
/// As pycocotools: a pair whose bounding boxes do not overlap is 0 without looking at the runs; a pair
/// whose boxes overlap but whose sizes differ is −1; a crowd ground truth (`iscrowd[g]`) uses the
/// detection's area as the union; a pair with no common pixel is 0. Missing `iscrowd` entries count as
/// not crowd. On masks with empty runs past the first (not canonical), pycocotools' run walk can stop
/// before the end (when both masks reach an empty run at once); that is reproduced. (pycocotools never
/// ends on masks whose runs do not add up to `h·w`; here pixels past a mask's runs are background.)
pub fn iou(dt: &[Rle], gt: &[Rle], iscrowd: &[bool]) -> Vec<f64> {
    let dt = IouMasks::new(dt);
    let gt = IouMasks::new(gt);
    let mut out = vec![0.0; dt.len() * gt.len()];
    iou_prepared(&dt, &gt, iscrowd, &mut out);
    out
}

/// Masks prepared for many IoU computations: bounding box, area and absolute foreground intervals of
/// each, computed once (O(runs)); each pair then costs a bounded merge of the intervals where both
/// masks have pixels. Borrows the masks (non-canonical ones are walked run by run, see [`iou`]).
#[derive(Debug, Clone, Default)]
pub struct IouMasks<'a> {
    rles: &'a [Rle],
    bbox: Vec<[f64; 4]>,
    area: Vec<u64>,
    /// Foreground intervals `[start, end)` of all masks, concatenated; mask `k` owns `iv[off[k]..off[k+1]]`.
    iv: Vec<(u64, u64)>,
    off: Vec<usize>,
    /// Masks that are not canonical (empty runs past the first, or runs not adding up to `h·w`) take
    /// pycocotools' own run walk: it can stop early on them, and parity means stopping early too.
    odd: Vec<bool>,
}

impl<'a> IouMasks<'a> {
    /// Prepares `rles`.
    pub fn new(rles: &'a [Rle]) -> IouMasks<'a> {
        let mut m = IouMasks {
            rles,
            bbox: Vec::with_capacity(rles.len()),
            area: Vec::with_capacity(rles.len()),
            iv: Vec::with_capacity(rles.iter().map(|r| r.counts.len() / 2).sum()),
            off: Vec::with_capacity(rles.len() + 1),
            odd: Vec::with_capacity(rles.len()),
        };
        m.off.push(0);
        for r in rles {
            m.bbox.push(r.to_bbox());
            // One pass: intervals, area, and whether the runs are canonical.
            let (mut pos, mut area, mut empty_run) = (0u64, 0u64, false);
            for (j, &c) in r.counts.iter().enumerate() {
                let c = c as u64;
                if j % 2 == 1 {
                    if c > 0 {
                        m.iv.push((pos, pos + c));
                    }
                    area += c;
                }
                empty_run |= j > 0 && c == 0;
                pos += c;
            }
            m.area.push(area);
            m.off.push(m.iv.len());
            m.odd.push(empty_run || pos != r.pixels());
        }
        m
    }
    /// Number of masks.
    pub fn len(&self) -> usize {
        self.rles.len()
    }
    /// Whether there are no masks.
    pub fn is_empty(&self) -> bool {
        self.rles.is_empty()
    }
    /// The bounding boxes (`Rle::to_bbox` of each mask).
    pub fn bboxes(&self) -> &[[f64; 4]] {
        &self.bbox
    }
    fn intervals(&self, k: usize) -> &[(u64, u64)] {
        &self.iv[self.off[k]..self.off[k + 1]]
    }
    fn counts(&self, k: usize) -> &[u32] {
        &self.rles[k].counts
    }
    fn size(&self, k: usize) -> (u32, u32) {
        (self.rles[k].h, self.rles[k].w)
    }
}

/// Intersection and union pixel counts as `rleIou`'s run walk computes them, stopping where it stops:
/// when both masks reach an empty run at the same time, the walk ends there (so on non-canonical masks
/// it may count only a prefix). Masks whose runs add up to different totals, where pycocotools never
/// ends, count as background past their end.
fn walk_inter_union(a: &[u32], b: &[u32]) -> (u64, u64) {
    let mut wa = RunWalker::new(a);
    let mut wb = RunWalker::new(b);
    let (mut i, mut u) = (0u64, 0u64);
    loop {
        let c = wa.rem.min(wb.rem);
        if wa.v || wb.v {
            u += c;
            if wa.v && wb.v {
                i += c;
            }
        }
        wa.consume(c);
        wb.consume(c);
        if wa.rem + wb.rem == 0 {
            return (i, u);
        }
        RunWalker::pad_exhausted(&mut wa, &mut wb);
    }
}

/// [`iou`] on prepared masks, into `out` (`dt.len() * gt.len()` values, row-major `[dt][gt]`).
pub fn iou_prepared(dt: &IouMasks, gt: &IouMasks, iscrowd: &[bool], out: &mut [f64]) {
    let n = gt.len();
    for d in 0..dt.len() {
        for g in 0..n {
            let crowd = iscrowd.get(g).copied().unwrap_or(false);
            let o = bb_iou_one(&dt.bbox[d], &gt.bbox[g], crowd);
            out[d * n + g] = if o > 0.0 {
                if dt.size(d) != gt.size(g) {
                    -1.0
                } else {
                    let i = match (dt.odd[d], gt.odd[g]) {
                        (false, false) => intersection(dt.intervals(d), gt.intervals(g)),
                        _ => {
                            let (i, u) = walk_inter_union(dt.counts(d), gt.counts(g));
                            // rleIou's own union, which may cover only part of the masks
                            let o = if i == 0 {
                                0.0
                            } else if crowd {
                                i as f64 / dt.area[d] as f64
                            } else {
                                i as f64 / u as f64
                            };
                            out[d * n + g] = o;
                            continue;
                        }
                    };
                    // rleIou: no common pixel gives 0 (union taken as 1); crowd: union = detection area.
                    let u = if i == 0 {
                        1
                    } else if crowd {
                        dt.area[d]
                    } else {
                        dt.area[d] + gt.area[g] - i
                    };
                    i as f64 / u as f64
                }
            } else {
                o
            };
        }
    }
}

/// Pixels in common between two sorted lists of disjoint intervals (also used by `eval::cocoeval::masks`).
pub(crate) fn intersection(a: &[(u64, u64)], b: &[(u64, u64)]) -> u64 {
    let (Some(a0), Some(b0), Some(a1), Some(b1)) = (a.first(), b.first(), a.last(), b.last())
    else {
        return 0;
    };
    // Only the span where both have pixels matters.
    let lo = a0.0.max(b0.0);
    let hi = a1.1.min(b1.1);
    if lo >= hi {
        return 0;
    }
    let mut i = a.partition_point(|iv| iv.1 <= lo);
    let mut j = b.partition_point(|iv| iv.1 <= lo);
    let mut acc = 0u64;
    while i < a.len() && j < b.len() {
        let (sa, ea) = a[i];
        let (sb, eb) = b[j];
        if sa >= hi || sb >= hi {
            break;
        }
        let s = sa.max(sb);
        let e = ea.min(eb);
        if e > s {
            acc += e - s;
        }
        if ea <= eb {
            i += 1;
        } else {
            j += 1;
        }
    }
    acc
}

/// [`intersection`] of `a` (`area_a` pixels) and `b` (`area_b`) when it is at least `need`; else `Ok` of it
/// or `Err` of a number in `[intersection, need)`: the walk stops once the pixels left on either side
/// cannot make `need` (for callers that only compare an IoU with a threshold).
pub(crate) fn intersection_reaching(
    a: &[(u64, u64)],
    b: &[(u64, u64)],
    area_a: u64,
    area_b: u64,
    need: u64,
) -> std::result::Result<u64, u64> {
    let (Some(a0), Some(b0), Some(a1), Some(b1)) = (a.first(), b.first(), a.last(), b.last())
    else {
        return Ok(0);
    };
    let lo = a0.0.max(b0.0);
    let hi = a1.1.min(b1.1);
    if lo >= hi {
        return Ok(0);
    }
    let mut i = a.partition_point(|iv| iv.1 <= lo);
    let mut j = b.partition_point(|iv| iv.1 <= lo);
    // Pixels of each side from its current interval on (at most): every later common pixel is among them.
    let (mut left_a, mut left_b) = (area_a, area_b);
    let mut acc = 0u64;
    while i < a.len() && j < b.len() {
        let (sa, ea) = a[i];
        let (sb, eb) = b[j];
        if sa >= hi || sb >= hi {
            break;
        }
        let s = sa.max(sb);
        let e = ea.min(eb);
        if e > s {
            acc += e - s;
        }
        if ea <= eb {
            i += 1;
            left_a = left_a.saturating_sub(ea - sa);
        } else {
            j += 1;
            left_b = left_b.saturating_sub(eb - sb);
        }
        let most = acc + left_a.min(left_b);
        if most < need {
            return Err(most);
        }
    }
    Ok(acc)
}

/// pycocotools `rleToString`, one count at a time, straight into a byte buffer: each count (from the
/// fourth on, its difference with the count two before) in 5-bit groups, least significant first, `0x20` =
/// more groups follow, plus 48. With `JSON`, the one byte of that alphabet JSON needs escaped, `\\`, is
/// written as `\\\\`.
///
/// Used by [`Rle::write_compressed`] and by the polygon rasterizer, which encodes its runs as it finds
/// them (`crate::mask::polygon::polygon_to_compressed_json`) — the same code, so the same bytes.
pub(crate) struct CompressedWriter<'a, const JSON: bool> {
    out: &'a mut Vec<u8>,
    /// `out`'s spare capacity, reserved by `new`: room for `max` counts.
    dst: *mut u8,
    /// Bytes written at `dst`.
    p: usize,
    /// Counts pushed so far and the most allowed, and the last two counts.
    n: usize,
    max: usize,
    prev: [u32; 2],
}

impl<'a, const JSON: bool> CompressedWriter<'a, JSON> {
    /// A count (a difference of two u32 for i > 2: 33 bits with the sign) takes at most 7 groups, and
    /// each group at most 2 bytes escaped.
    const ROOM: usize = if JSON { 14 } else { 7 };

    /// A writer appending to `out`, with room for up to `max_counts` counts.
    #[inline]
    pub(crate) fn new(out: &'a mut Vec<u8>, max_counts: usize) -> Self {
        out.reserve(max_counts.saturating_mul(Self::ROOM));
        let dst = out.spare_capacity_mut().as_mut_ptr().cast::<u8>();
        CompressedWriter {
            out,
            dst,
            p: 0,
            n: 0,
            max: max_counts,
            prev: [0, 0],
        }
    }

    /// Appends one count; more than `max_counts` in all panics.
    #[inline(always)]
    pub(crate) fn push(&mut self, v: u32) {
        assert!(self.n < self.max, "more counts than announced");
        // From the fourth count on: the difference with the count two before.
        let x = if self.n < 3 {
            v as i64
        } else {
            v as i64 - self.prev[0] as i64
        };
        // SAFETY: one count more, within the `max` that `new` reserved room for (checked above).
        unsafe { self.emit(x) };
        self.prev = [self.prev[1], v];
        self.n += 1;
    }

    /// Appends all of `counts` (the first ones pushed: panics otherwise, or if they are more than
    /// `max_counts`). The loop of [`CompressedWriter::push`] without its per-count bookkeeping.
    #[inline]
    pub(crate) fn push_all(&mut self, counts: &[u32]) {
        assert!(
            self.n == 0 && counts.len() <= self.max,
            "more counts than announced"
        );
        // SAFETY (both loops): `counts.len()` counts in all, within the `max` that `new` reserved room
        // for (checked above).
        for &v in counts.iter().take(3) {
            unsafe { self.emit(v as i64) };
        }
        for w in counts.get(1..).unwrap_or_default().windows(3) {
            unsafe { self.emit(w[2] as i64 - w[0] as i64) };
        }
        self.n = counts.len();
        if let [.., a, b] = counts {
            self.prev = [*a, *b];
        }
    }

    /// One count's groups (`x`: the count or its difference with the count two before).
    ///
    /// # Safety
    /// At most `max` counts in all may be emitted: `new` reserved room for that many.
    #[inline(always)]
    unsafe fn emit(&mut self, mut x: i64) {
        let (dst, mut p) = (self.dst, self.p);
        // One group holds -16..16: the common case (neighbouring runs of similar length).
        while !(-16..16).contains(&x) {
            // A group with more to come: `'P'..='o'`, the range holding the one byte JSON escapes here (backslash).
            let b = ((x & 0x1f) as u8 | 0x20) + 48;
            // SAFETY: at most ROOM bytes per count, and room for ROOM bytes per count was reserved.
            unsafe {
                if JSON && b == b'\\' {
                    dst.add(p).write(b'\\');
                    p += 1;
                }
                dst.add(p).write(b);
            }
            p += 1;
            x >>= 5;
        }
        // The last group: `'0'..='O'`, never escaped.
        // SAFETY: as above.
        unsafe { dst.add(p).write((x & 0x1f) as u8 + 48) };
        self.p = p + 1;
    }

    /// Makes the bytes pushed part of `out`.
    #[inline]
    pub(crate) fn finish(self) {
        let len = self.out.len() + self.p;
        // SAFETY: `push` initialised the `p` bytes right after the old length, within the capacity
        // reserved by `new`.
        unsafe { self.out.set_len(len) };
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn rle(h: u32, w: u32, counts: &[u32]) -> Rle {
        Rle {
            h,
            w,
            counts: counts.to_vec(),
        }
    }

    #[test]
    fn encode_decode_small() {
        // 3x2 column-major: col0 = 0,1,1 ; col1 = 1,0,0
        let bm = [0u8, 1, 1, 1, 0, 0];
        let r = Rle::encode_col_major(3, 2, &bm).unwrap();
        assert_eq!(r.counts, vec![1, 3, 2]);
        assert_eq!(r.decode_col_major(), bm.to_vec());
        assert_eq!(r.area(), 3);
        // row-major of the same mask: rows (0,1) (1,0) (1,0)
        let rm = [0u8, 1, 1, 0, 1, 0];
        assert_eq!(Rle::encode_row_major(3, 2, &rm).unwrap(), r);
        assert_eq!(r.decode_row_major(), rm.to_vec());
    }

    /// pycocotools `rleEncode`'s loop on 0/1 values: a new run at every change.
    fn reference_runs(data: &[u8]) -> Vec<u32> {
        let (mut counts, mut p, mut c) = (Vec::new(), false, 0u32);
        for &b in data {
            if (b != 0) != p {
                counts.push(c);
                (c, p) = (0, !p);
            }
            c += 1;
        }
        counts.push(c);
        counts
    }

    #[test]
    fn encode_runs_equal_the_reference_loop() {
        // Every length around the 64-byte chunks, boundaries at every offset, nonzero values other than 1.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for len in (0..200).chain([511, 512, 513, 4096 + 7]) {
            for density in [0u64, 1, 8, 32, 60, 64] {
                let data: Vec<u8> = (0..len)
                    .map(|i| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        // long runs too: a block structure every 100 pixels
                        let on = (x % 64) < density || (density == 60 && (i / 100) % 2 == 0);
                        if on {
                            (x >> 8) as u8 | 1
                        } else {
                            0
                        }
                    })
                    .collect();
                let mut counts = Vec::new();
                encode_runs(&data, &mut counts);
                assert_eq!(counts, reference_runs(&data), "len {len} density {density}");
            }
        }
    }

    #[test]
    fn encode_first_pixel_set_and_empty() {
        let r = Rle::encode_col_major(2, 2, &[1, 1, 1, 1]).unwrap();
        assert_eq!(r.counts, vec![0, 4]);
        let r = Rle::encode_col_major(0, 5, &[]).unwrap();
        assert_eq!(r.counts, vec![0]);
        assert!(Rle::encode_col_major(2, 2, &[0, 0, 0]).is_err());
        // nonzero bytes are foreground
        let r = Rle::encode_col_major(4, 1, &[0, 255, 7, 0]).unwrap();
        assert_eq!(r.counts, vec![1, 2, 1]);
    }

    #[test]
    fn compressed_known_strings() {
        // Values checked with pycocotools 2.0.11.
        assert_eq!(rle(5, 10, &[50, 0]).to_compressed(), b"b10");
        assert_eq!(rle(5, 10, &[0, 0, 3, 5, 42]).to_compressed(), b"0035W1");
        let r = Rle::from_compressed(5, 10, b"0035W1").unwrap();
        assert_eq!(r.counts, vec![0, 0, 3, 5, 42]);
    }

    /// pycocotools' `rleToString` loop, byte by byte.
    fn reference_string(counts: &[u32]) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..counts.len() {
            let mut x = counts[i] as i64;
            if i > 2 {
                x -= counts[i - 2] as i64;
            }
            loop {
                let mut c = (x & 0x1f) as u8;
                x >>= 5;
                let more = if c & 0x10 != 0 { x != -1 } else { x != 0 };
                if more {
                    c |= 0x20;
                }
                out.push(c + 48);
                if !more {
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn compressed_string_equals_the_reference_loop() {
        let mut x: u64 = 99;
        let mut rnd = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for n in 0..2000usize {
            let counts: Vec<u32> = (0..n % 50)
                .map(|_| {
                    let r = rnd();
                    match r % 5 {
                        0 => u32::MAX - (r >> 40) as u32 % 3,
                        1 => (r >> 20) as u32 % 3,
                        2 => (r >> 8) as u32,
                        _ => (r >> 20) as u32 % [17, 600, 20_000, 1 << 20][(r % 4) as usize],
                    }
                })
                .collect();
            let r = Rle { h: 1, w: 1, counts };
            assert_eq!(
                r.to_compressed(),
                reference_string(&r.counts),
                "{:?}",
                r.counts
            );
        }
    }

    #[test]
    fn compressed_json_escapes_backslashes_only() {
        // 44 encodes as "\\1" (a continuation group of value 12 is byte 92).
        let r = rle(1, 89, &[44, 1, 44]);
        assert_eq!(r.to_compressed(), b"\\11\\1");
        let mut json = b"x".to_vec();
        r.write_compressed_json(&mut json);
        assert_eq!(json, b"x\\\\11\\\\1");
        // Every count shape: the escaped string is the plain one with each backslash doubled.
        let mut x: u64 = 7;
        for n in 0..300usize {
            let counts: Vec<u32> = (0..n % 40)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x % [50, 5000, 1 << 31][n % 3]) as u32
                })
                .collect();
            let total: u64 = counts.iter().map(|&c| c as u64).sum();
            let r = Rle {
                h: 1,
                w: total.min(u32::MAX as u64) as u32,
                counts,
            };
            let plain = r.to_compressed();
            let mut want = Vec::new();
            for &b in &plain {
                if b == b'\\' {
                    want.push(b'\\');
                }
                want.push(b);
            }
            let mut got = Vec::new();
            r.write_compressed_json(&mut got);
            assert_eq!(got, want);
        }
    }

    #[test]
    fn compressed_bad_input() {
        // "b1" is the single count 50 (two groups: 'b' carries the 0x20 "more" bit)
        assert_eq!(Rle::from_compressed(5, 10, b"b1").unwrap().counts, vec![50]);
        assert!(Rle::from_compressed(5, 10, b"b10x").is_err());
        assert!(Rle::from_compressed(5, 10, b"b1 0").is_err());
        // ends with a continuation group
        assert!(Rle::from_compressed(5, 10, b"b").is_err());
        // wrong sum
        let e = Rle::from_compressed(5, 11, b"b10").unwrap_err();
        assert!(e.msg.starts_with(INVALID_RLE), "{}", e.msg);
        // over-long count
        assert!(Rle::from_compressed(1, 1, b"oooooooo0").is_err());
        // empty string is the empty mask of a 0-pixel image only
        assert_eq!(
            Rle::from_compressed(0, 3, b"").unwrap().counts,
            Vec::<u32>::new()
        );
        assert!(Rle::from_compressed(1, 3, b"").is_err());
    }

    #[test]
    fn from_counts_checks_sum() {
        assert!(Rle::from_counts(2, 2, vec![1, 3]).is_ok());
        let e = Rle::from_counts(2, 2, vec![1, 2]).unwrap_err();
        assert!(e.msg.starts_with(INVALID_RLE));
    }

    #[test]
    fn bbox_quirks() {
        assert_eq!(rle(5, 10, &[50]).to_bbox(), [0.0; 4]);
        assert_eq!(
            rle(5, 10, &[50, 0]).to_bbox(),
            [10.0, 5.0, 4294967287.0, 4294967292.0]
        );
        assert_eq!(
            rle(5, 10, &[0, 0, 3, 5, 42]).to_bbox(),
            [0.0, 0.0, 2.0, 5.0]
        );
        // one pixel at (x=2, y=1)
        assert_eq!(rle(3, 4, &[7, 1, 4]).to_bbox(), [2.0, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn merge_and_iou() {
        let a = Rle::encode_col_major(2, 2, &[1, 1, 0, 0]).unwrap();
        let b = Rle::encode_col_major(2, 2, &[0, 1, 1, 0]).unwrap();
        assert_eq!(
            Rle::merge(&[a.clone(), b.clone()], false).decode_col_major(),
            vec![1, 1, 1, 0]
        );
        assert_eq!(
            Rle::merge(&[a.clone(), b.clone()], true).decode_col_major(),
            vec![0, 1, 0, 0]
        );
        assert_eq!(Rle::merge(&[], false), rle(0, 0, &[]));
        let c = Rle::zeros(3, 2);
        assert_eq!(Rle::merge(&[a.clone(), c], false), rle(0, 0, &[]));
        let o = iou(
            std::slice::from_ref(&a),
            &[b.clone(), a.clone()],
            &[false, false],
        );
        assert_eq!(o, vec![1.0 / 3.0, 1.0]);
        let o = iou(std::slice::from_ref(&a), std::slice::from_ref(&b), &[true]);
        assert_eq!(o, vec![0.5]);
        let other = Rle::encode_col_major(2, 3, &[1, 1, 0, 0, 0, 0]).unwrap();
        assert_eq!(iou(&[a], &[other], &[]), vec![-1.0]);
    }

    #[test]
    fn mismatched_totals_terminate() {
        let a = rle(2, 2, &[0, 2]);
        let b = rle(2, 2, &[0, 4]);
        let m = Rle::merge(&[a.clone(), b.clone()], false);
        assert_eq!(m.counts, vec![0, 4]);
        assert_eq!(
            iou(std::slice::from_ref(&a), std::slice::from_ref(&b), &[false]),
            vec![0.5]
        );
        assert_eq!(
            iou(std::slice::from_ref(&b), std::slice::from_ref(&a), &[false]),
            vec![0.5]
        );
    }

    #[test]
    fn box_iou() {
        let o = bbox_iou(
            &[[0.0, 0.0, 2.0, 2.0]],
            &[[1.0, 1.0, 2.0, 2.0], [5.0, 5.0, 1.0, 1.0]],
            &[false, false],
        );
        assert_eq!(o, vec![1.0 / 7.0, 0.0]);
        let o = bbox_iou(&[[0.0, 0.0, 2.0, 2.0]], &[[1.0, 1.0, 2.0, 2.0]], &[true]);
        assert_eq!(o, vec![0.25]);
    }
}

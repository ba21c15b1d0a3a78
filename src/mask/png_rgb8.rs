//! A fast path for decoding the common shape of panoptic segment-id PNGs: 8-bit RGB or RGBA, not interlaced,
//! the image data in IDAT chunks, nothing else critical. The zlib stream is inflated by `fdeflate` (the `png`
//! crate's own inflater) and the rows are unfiltered here, into the same bytes the `png` crate gives.
//!
//! Why not the `png` crate alone: segment-id maps are large constant regions, and PNG encoders (PIL, the `png`
//! crate) pick the Paeth filter for many of their rows; the crate's Paeth unfilter computes the predictor for
//! every byte (38 % of `eval panoptic`'s profile on 10 000 synthetic maps). Here a pixel whose upper and
//! upper-left neighbours are equal takes its left neighbour as Paeth's prediction (for `b = c` the predictor is
//! `a` whatever `a` is), so a Paeth row is a Sub row but for the pixels under an edge of the row above; and a
//! Sub row's zero residual is a run of copies of the left pixel, found by searching the residual for its next
//! non-zero byte.
//!
//! [`RowReader`] hands the rows out one at a time, inflated through a small window and unfiltered into a row
//! buffer, so that a caller consuming rows (pair counting in `eval panoptic`) finds them in the core's cache
//! instead of writing and reading back a whole decoded image; a row filtered Up with a zero residual (the
//! row above repeated, most rows of a segment map) is reported as such and not unfiltered at all. With each
//! row come its edges (the pixels that differ from their left neighbour, [`RowReader::edges`]), which the
//! unfiltering mostly knows without looking at the pixels again: a caller counting runs of pixels walks from
//! edge to edge instead of comparing every pixel. [`decode`] gathers the rows into one buffer.
//!
//! What it is NOT: a PNG decoder. Anything else — another colour type or depth, interlacing, a palette or an
//! unknown critical chunk, a bad CRC, a stream that does not inflate to exactly the image's bytes — returns
//! `None`, and the caller decodes the file with the `png` crate, which accepts or reports it as it always has.
//! As the `png` crate does by default, the zlib stream's Adler-32 checksum is not checked; chunk CRCs are.

/// Where [`decode`] left the pixels in the caller's buffer: row `r` is `buf[start + r * stride..][..width * channels]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb8Rows {
    pub width: u32,
    pub height: u32,
    /// 3 (RGB) or 4 (RGBA).
    pub channels: usize,
    /// Offset of the first row's first byte.
    pub start: usize,
    /// Bytes from one row to the next.
    pub stride: usize,
}

const SIGNATURE: [u8; 8] = [137, 80, 78, 71, 13, 10, 26, 10];

/// How far back a deflate match may reach.
const LOOKBACK: usize = 32 * 1024;

/// The chunks of a PNG: `(type, data)`, `None` on a truncated chunk or a CRC mismatch.
fn chunks(bytes: &[u8]) -> impl Iterator<Item = Option<([u8; 4], &[u8])>> {
    let mut pos = SIGNATURE.len();
    std::iter::from_fn(move || {
        if pos >= bytes.len() {
            return None;
        }
        let chunk = (|| {
            let len = u32::from_be_bytes(bytes.get(pos..pos + 4)?.try_into().ok()?) as usize;
            let end = pos.checked_add(8 + len + 4)?;
            let typed = bytes.get(pos + 4..pos + 8 + len)?;
            let crc = u32::from_be_bytes(bytes.get(pos + 8 + len..end)?.try_into().ok()?);
            if crc32fast::hash(typed) != crc {
                return None;
            }
            pos = end;
            Some((typed[..4].try_into().ok()?, &typed[4..]))
        })();
        if chunk.is_none() {
            pos = bytes.len(); // stop after reporting the failure
        }
        Some(chunk)
    })
}

/// A worker's buffers for one [`RowReader`], reused from file to file: the inflate window, two unfiltered rows
/// and their [edges](RowReader::edges).
#[derive(Debug, Default)]
pub struct RowScratch {
    window: Vec<u8>,
    prev: Vec<u8>,
    cur: Vec<u8>,
    prev_edges: Vec<u32>,
    cur_edges: Vec<u32>,
}

/// The rows of a PNG this fast path reads (see the module doc), inflated and unfiltered one at a time: the
/// inflated bytes go through a window of a few hundred KB (the 32 KB deflate lookback plus rows not yet
/// unfiltered) and each row is unfiltered into one of two row buffers, so a file never occupies more than that,
/// whatever its size, and the bytes stay in the core's cache between inflating, unfiltering and their use.
pub struct RowReader<'a> {
    pub width: u32,
    pub height: u32,
    /// 3 (RGB) or 4 (RGBA).
    pub channels: usize,
    /// Bytes of one row's pixels.
    line: usize,
    stream: std::borrow::Cow<'a, [u8]>,
    at_in: usize,
    d: fdeflate::Decompressor,
    s: &'a mut RowScratch,
    /// Inflated bytes in `s.window[..filled]`; the next row (its filter byte first) starts at `next`.
    filled: usize,
    next: usize,
    /// Rows unfiltered so far.
    rows: u32,
}

impl<'a> RowReader<'a> {
    /// The reader of `bytes` if the file has the shape this fast path reads and its pixels take at most
    /// `max_bytes` (the caller's limits); `None`: decode it with the `png` crate instead.
    pub fn open(bytes: &'a [u8], s: &'a mut RowScratch, max_bytes: u64) -> Option<Self> {
        if bytes.get(..8)? != &SIGNATURE[..] {
            return None;
        }
        let mut it = chunks(bytes);
        let (kind, ihdr) = it.next()??;
        if &kind != b"IHDR" || ihdr.len() != 13 {
            return None;
        }
        let width = u32::from_be_bytes(ihdr[0..4].try_into().ok()?);
        let height = u32::from_be_bytes(ihdr[4..8].try_into().ok()?);
        let channels = match (ihdr[8], ihdr[9]) {
            (8, 2) => 3usize,
            (8, 6) => 4,
            _ => return None,
        };
        // compression 0, filter method 0, no interlacing
        if ihdr[10..13] != [0, 0, 0] || width == 0 || height == 0 {
            return None;
        }
        let line = (width as usize).checked_mul(channels)?;
        let size = (line as u64 + 1).checked_mul(height as u64)?;
        if size > max_bytes {
            return None;
        }
        // IDAT chunks, consecutive, then IEND; ancillary chunks (lower-case first letter) are skipped.
        let mut idat: Vec<&[u8]> = Vec::new();
        let (mut after_idat, mut ended) = (false, false);
        for chunk in it {
            let (kind, data) = chunk?;
            match &kind {
                b"IDAT" if !after_idat => idat.push(data),
                b"IEND" => {
                    ended = true;
                    break;
                }
                _ if kind[0].is_ascii_lowercase() => after_idat |= !idat.is_empty(),
                _ => return None,
            }
        }
        if !ended || idat.is_empty() {
            return None;
        }
        let stream = if idat.len() == 1 {
            std::borrow::Cow::Borrowed(idat[0])
        } else {
            std::borrow::Cow::Owned(idat.concat())
        };
        // Room for the lookback, a few rows, and inflating in large steps.
        let cap = (2 * (LOOKBACK + line + 1)).max(256 * 1024);
        if s.window.len() < cap {
            s.window.resize(cap, 0);
        }
        // The row above the first is zeros: no edges.
        s.prev.clear();
        s.prev.resize(line, 0);
        s.cur.resize(line, 0);
        s.prev_edges.clear();
        s.prev_edges.push(width);
        let mut d = fdeflate::Decompressor::new();
        d.ignore_adler32();
        Some(RowReader {
            width,
            height,
            channels,
            line,
            stream,
            at_in: 0,
            d,
            s,
            filled: 0,
            next: 0,
            rows: 0,
        })
    }

    /// Inflate once more into the window (moved to the front first when full: the lookback and any bytes not
    /// yet read kept); `(input used, bytes made)`, `None` if the stream fails.
    fn inflate(&mut self) -> Option<(usize, usize)> {
        if self.filled == self.s.window.len() {
            let keep = self.next.min(self.filled.saturating_sub(LOOKBACK));
            self.s.window.copy_within(keep..self.filled, 0);
            self.filled -= keep;
            self.next -= keep;
        }
        // All but the 4-byte Adler-32 trailer first: fdeflate 0.3.7 hashes the output of the call that
        // reaches the trailer even when told to ignore it, so that call is left with none.
        let body = self.stream.len().checked_sub(4)?;
        let (input, end) = if self.at_in < body {
            (&self.stream[self.at_in..body], false)
        } else {
            (&self.stream[self.at_in..], true)
        };
        let (used, made) = self
            .d
            .read(input, &mut self.s.window, self.filled, end)
            .ok()?;
        self.at_in += used;
        self.filled += made;
        Some((used, made))
    }

    /// Inflate until the window holds the next row; `None` if the stream fails or ends first.
    #[inline]
    fn fill(&mut self) -> Option<()> {
        while self.filled - self.next <= self.line {
            if self.d.is_done() || self.inflate()? == (0, 0) {
                return None;
            }
        }
        Some(())
    }

    /// Unfilter the next row: `Some(false)` if its pixels are those of the row before (a zero residual of the
    /// Up filter, or an unfiltered row equal to the one above) — [`Self::row`] is then left as it was —,
    /// `Some(true)` otherwise (the first row always). `None` if the stream fails, ends early, or a row has an
    /// unknown filter type.
    #[inline]
    pub fn next_row(&mut self) -> Option<bool> {
        if self.rows >= self.height {
            return None;
        }
        self.fill()?;
        let stride = self.line + 1;
        let at = self.next;
        self.next += stride;
        let first = self.rows == 0;
        self.rows += 1;
        let s = &mut *self.s;
        let filter = s.window[at];
        let raw = &s.window[at + 1..at + stride];
        // Up: the row above plus the residual, added in place where the residual is not zero.
        if filter == 2 {
            let Some(nz) = first_nonzero(raw) else {
                return Some(first); // the row above repeated
            };
            if self.channels == 3 {
                up::<3>(raw, nz, &mut s.prev, &s.prev_edges, &mut s.cur_edges);
            } else {
                up::<4>(raw, nz, &mut s.prev, &s.prev_edges, &mut s.cur_edges);
            }
            std::mem::swap(&mut s.prev_edges, &mut s.cur_edges);
            return Some(true);
        }
        if filter == 0 && raw == &s.prev[..] {
            return Some(first);
        }
        let ok = if self.channels == 3 {
            unfilter::<3>(
                filter,
                raw,
                &s.prev,
                &s.prev_edges,
                &mut s.cur,
                &mut s.cur_edges,
            )
        } else {
            unfilter::<4>(
                filter,
                raw,
                &s.prev,
                &s.prev_edges,
                &mut s.cur,
                &mut s.cur_edges,
            )
        };
        if !ok {
            return None;
        }
        std::mem::swap(&mut s.prev, &mut s.cur);
        std::mem::swap(&mut s.prev_edges, &mut s.cur_edges);
        Some(true)
    }

    /// The pixels (`width × channels` bytes) of the row [`Self::next_row`] last read.
    #[inline]
    pub fn row(&self) -> &[u8] {
        &self.s.prev
    }

    /// The edges of [`Self::row`], as [`row_edges`] finds them: mostly known from the filtered bytes while
    /// unfiltering (a Sub or Paeth pixel with a zero residual repeating its left neighbour, an Up pixel with
    /// a zero residual keeping the row above's edge), so that the row need not be scanned again.
    #[inline]
    pub fn edges(&self) -> &[u32] {
        &self.s.prev_edges
    }

    /// After the last row: `Some` if the stream ends exactly there, as the `png` crate requires.
    pub fn finish(mut self) -> Option<()> {
        if self.rows != self.height || self.filled != self.next {
            return None;
        }
        while !self.d.is_done() {
            let (used, made) = self.inflate()?;
            if made != 0 || used == 0 {
                return None; // bytes beyond the image, or a stream that stops short
            }
        }
        (self.at_in == self.stream.len()).then_some(())
    }
}

/// Decode `bytes` into `buf` (grown as needed, never shrunk; its old contents are overwritten) if the file
/// has the shape this fast path reads (see the module doc); `max_bytes` bounds the decoded size (the caller's
/// limits). `None`: decode it with the `png` crate instead.
pub fn decode(bytes: &[u8], buf: &mut Vec<u8>, max_bytes: u64) -> Option<Rgb8Rows> {
    let mut scratch = RowScratch::default();
    let mut r = RowReader::open(bytes, &mut scratch, max_bytes)?;
    let line = r.line;
    let size = line.checked_mul(r.height as usize)?;
    if buf.len() < size {
        buf.resize(size, 0);
    }
    for y in 0..r.height as usize {
        r.next_row()?;
        buf[y * line..][..line].copy_from_slice(r.row());
    }
    let (width, height, channels) = (r.width, r.height, r.channels);
    r.finish()?;
    Some(Rgb8Rows {
        width,
        height,
        channels,
        start: 0,
        stride: line,
    })
}

/// The edges of one row of pixels (`channels` bytes each): the pixels `x >= 1` that differ from the pixel
/// before, in order, followed by the row's width. Segment-id maps are long runs of one pixel, so the row is
/// compared with itself shifted by one pixel 64 bytes at a time first, then a word at a time.
pub fn row_edges(row: &[u8], channels: usize, out: &mut Vec<u32>) {
    out.clear();
    push_edges(row, channels, 1, out);
    out.push((row.len() / channels) as u32);
}

/// Append the pixels `x >= from.max(1)` of `row` that differ from the pixel before.
fn push_edges(row: &[u8], c: usize, from: usize, out: &mut Vec<u32>) {
    let n = row.len();
    let w = n / c;
    let word = |at: usize| u64::from_le_bytes(row[at..at + 8].try_into().unwrap_or([0; 8]));
    let mut i = from.max(1) * c;
    while i + 8 <= n {
        if i + 64 <= n && same64(&row[i..], &row[i - c..]) {
            i += 64;
            continue;
        }
        // Byte i differs from byte i - c where pixel i / c differs from the pixel before.
        let d = word(i) ^ word(i - c);
        if d == 0 {
            i += 8;
            continue;
        }
        let x = (i + (d.trailing_zeros() / 8) as usize) / c;
        out.push(x as u32);
        i = (x + 1) * c;
    }
    for x in i / c..w {
        if row[x * c..(x + 1) * c] != row[(x - 1) * c..x * c] {
            out.push(x as u32);
        }
    }
}

/// Whether the first 64 bytes of `a` and `b` are equal (`false` if either is shorter), written so that the
/// compiler makes it a few vector instructions.
#[inline(always)]
fn same64(a: &[u8], b: &[u8]) -> bool {
    match (a.first_chunk::<64>(), b.first_chunk::<64>()) {
        (Some(x), Some(y)) => x.iter().zip(y).fold(0u8, |acc, (p, q)| acc | (p ^ q)) == 0,
        _ => false,
    }
}

/// PNG's Paeth predictor (the specification's form: ties go to `a`, then `b`).
#[inline(always)]
fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let (ia, ib, ic) = (a as i16, b as i16, c as i16);
    let pa = (ib - ic).abs();
    let pb = (ia - ic).abs();
    let pc = (ia + ib - 2 * ic).abs();
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// Whether all bytes are zero (64-byte blocks OR-ed together, which the compiler makes vector instructions,
/// stopping at the first block that is not).
#[inline(always)]
fn zero(bytes: &[u8]) -> bool {
    let mut blocks = bytes.chunks_exact(64);
    for b in blocks.by_ref() {
        if b.iter().fold(0u8, |acc, &x| acc | x) != 0 {
            return false;
        }
    }
    blocks.remainder().iter().fold(0u8, |acc, &x| acc | x) == 0
}

/// Undo one row's filter: `raw` (the filtered bytes) into `out` and its [edges](row_edges) into `edges`,
/// `prev` being the row above, unfiltered (zeros above the first row), and `prev_edges` its edges. `false`
/// for an unknown filter type.
fn unfilter<const B: usize>(
    filter: u8,
    raw: &[u8],
    prev: &[u8],
    prev_edges: &[u32],
    out: &mut [u8],
    edges: &mut Vec<u32>,
) -> bool {
    let n = raw.len();
    let (prev, out) = (&prev[..n], &mut out[..n]);
    edges.clear();
    match filter {
        0 => {
            out.copy_from_slice(raw);
            push_edges(out, B, 1, edges);
        }
        1 => {
            let mut a = [0u8; B];
            sub_span::<B>(raw, out, &mut a, 0, n / B, edges);
        }
        3 => {
            for k in 0..n {
                let a = if k >= B { out[k - B] as u16 } else { 0 };
                out[k] = raw[k].wrapping_add(((a + prev[k] as u16) >> 1) as u8);
            }
            push_edges(out, B, 1, edges);
        }
        // Where the row above does not change (b = c), Paeth's predictor is the left pixel: those pixels are
        // unfiltered as Sub's; only the pixels under an edge of the row above are predicted in full.
        // (`prev_edges` must therefore list every edge of the row above, never fewer.)
        4 => {
            let px = |r: &[u8], x: usize| -> [u8; B] {
                r[x * B..(x + 1) * B].try_into().unwrap_or([0; B])
            };
            let w = n / B;
            let mut a = [0u8; B];
            // Left of the first pixel, a and c are zero.
            let (x, b) = (px(raw, 0), px(prev, 0));
            for k in 0..B {
                a[k] = x[k].wrapping_add(paeth(0, b[k], 0));
            }
            out[..B].copy_from_slice(&a);
            let mut start = 1;
            for &e in prev_edges {
                let e = (e as usize).min(w);
                sub_span::<B>(raw, out, &mut a, start, e, edges);
                if e >= w {
                    break;
                }
                let (x, b, c) = (px(raw, e), px(prev, e), px(prev, e - 1));
                let left = a;
                for k in 0..B {
                    a[k] = x[k].wrapping_add(paeth(left[k], b[k], c[k]));
                }
                if a != left {
                    edges.push(e as u32);
                }
                out[e * B..(e + 1) * B].copy_from_slice(&a);
                start = e + 1;
            }
        }
        // 2 (Up) is added in place by `next_row`.
        _ => return false,
    }
    edges.push((n / B) as u32);
    true
}

/// The Sub filter on pixels `from..to` (`out = raw + left`), `a` the pixel left of `from` on entry and the
/// last pixel on return: a pixel differs from its left neighbour exactly where its residual is not zero, so
/// the residual is searched for its next non-zero byte and the pixels before it are copies of `a`.
fn sub_span<const B: usize>(
    raw: &[u8],
    out: &mut [u8],
    a: &mut [u8; B],
    from: usize,
    to: usize,
    edges: &mut Vec<u32>,
) {
    let mut x = from;
    while x < to {
        let next = first_nonzero(&raw[x * B..to * B]).map_or(to, |i| x + i / B);
        fill(&mut out[x * B..next * B], *a);
        if next == to {
            break;
        }
        let r: [u8; B] = raw[next * B..(next + 1) * B].try_into().unwrap_or([0; B]);
        for k in 0..B {
            a[k] = a[k].wrapping_add(r[k]);
        }
        out[next * B..(next + 1) * B].copy_from_slice(a);
        if next > 0 {
            edges.push(next as u32);
        }
        x = next + 1;
    }
}

/// The index of the first non-zero byte (64-byte blocks OR-ed first, then words).
#[inline]
fn first_nonzero(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    for b in bytes.chunks_exact(64) {
        if b.iter().fold(0u8, |acc, &x| acc | x) != 0 {
            break;
        }
        at += 64;
    }
    let mut words = bytes[at..].chunks_exact(8);
    for w in words.by_ref() {
        let v = u64::from_le_bytes(w.try_into().unwrap_or([0; 8]));
        if v != 0 {
            return Some(at + (v.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&x| x != 0)
        .map(|i| at + i)
}

/// Fill `out` (whole pixels) with copies of `a`: eight bytes at a time (two 3-byte or 4-byte pixels and
/// part of the next, overwritten by the next store) up to 48 bytes, then 48 bytes at a time copied from the
/// first 48 (a copy of known length: vector moves; 48 bytes are whole 3- and 4-byte pixels).
#[inline]
fn fill<const B: usize>(out: &mut [u8], a: [u8; B]) {
    const PATTERN: usize = 48;
    let n = out.len();
    let mut eight = [0u8; 8];
    for (k, e) in eight.iter_mut().enumerate() {
        *e = a[k % B];
    }
    let step = 8 / B * B;
    let mut i = 0;
    let eights = |out: &mut [u8], i: &mut usize, limit: usize| {
        while *i + 8 <= limit {
            out[*i..*i + 8].copy_from_slice(&eight);
            *i += step;
        }
    };
    eights(out, &mut i, n.min(PATTERN + 8 - step));
    if n >= 2 * PATTERN {
        let (head, rest) = out.split_at_mut(PATTERN);
        let pattern: &[u8; PATTERN] = head.first_chunk().unwrap_or(&[0; PATTERN]);
        let mut chunks = rest.chunks_exact_mut(PATTERN);
        for c in chunks.by_ref() {
            c.copy_from_slice(pattern);
        }
        i = n - chunks.into_remainder().len();
    }
    eights(out, &mut i, n);
    for px in out[i..].chunks_exact_mut(B) {
        px.copy_from_slice(&a);
    }
}

/// The Up filter in place: `row` (the row above on entry) plus `raw`, whose first non-zero byte is at `nz`,
/// in blocks of [`UP_BLOCK`] pixels. A block of zero residual is left as it is, and keeps the row above's
/// edges but for its first pixel when the block before it changed (compared directly); a block that changes
/// is added and its pixels compared with their left neighbours.
fn up<const B: usize>(
    raw: &[u8],
    nz: usize,
    row: &mut [u8],
    prev_edges: &[u32],
    edges: &mut Vec<u32>,
) {
    let n = raw.len();
    let w = n / B;
    edges.clear();
    // The blocks before the first non-zero byte are the row above's, edges and all.
    let mut x0 = nz / B / UP_BLOCK * UP_BLOCK;
    let mut pe = prev_edges.partition_point(|&e| (e as usize) < x0);
    edges.extend_from_slice(&prev_edges[..pe]);
    let mut left_same = true;
    while x0 < w {
        let x1 = (x0 + UP_BLOCK).min(w);
        let (i, end) = (x0 * B, x1 * B);
        if zero(&raw[i..end]) {
            let mut from = x0;
            if x0 > 0 && !left_same {
                push_edges(&row[..(x0 + 1) * B], B, x0, edges);
                from = x0 + 1;
            }
            while let Some(&e) = prev_edges.get(pe).filter(|&&e| (e as usize) < x1) {
                if e as usize >= from {
                    edges.push(e);
                }
                pe += 1;
            }
            left_same = true;
        } else {
            for (o, &r) in row[i..end].iter_mut().zip(&raw[i..end]) {
                *o = o.wrapping_add(r);
            }
            push_edges(&row[..end], B, x0, edges);
            while prev_edges.get(pe).is_some_and(|&e| (e as usize) < x1) {
                pe += 1;
            }
            left_same = false;
        }
        x0 = x1;
    }
    edges.push(w as u32);
}

/// Pixels per block of [`up`]'s edge tracking.
const UP_BLOCK: usize = 32;

#[cfg(test)]
mod tests {
    use super::*;

    /// A segment-id-like RGB(A) image: rectangles of a few colours, some noise.
    fn image(w: u32, h: u32, channels: usize, seed: u64) -> Vec<u8> {
        let mut s = seed;
        let mut rnd = move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 33) as u32
        };
        let mut px = vec![0u8; w as usize * h as usize * channels];
        let rects: Vec<(u32, u32, u32, u32, [u8; 4])> = (0..6)
            .map(|_| {
                let (x0, y0) = (rnd() % w, rnd() % h);
                let c = rnd().to_le_bytes();
                (x0, y0, x0 + rnd() % w, y0 + rnd() % h, c)
            })
            .collect();
        for y in 0..h {
            for x in 0..w {
                let mut c = [0u8; 4];
                for &(x0, y0, x1, y1, col) in &rects {
                    if (x0..x1).contains(&x) && (y0..y1).contains(&y) {
                        c = col;
                    }
                }
                if rnd() % 50 == 0 {
                    c = rnd().to_le_bytes();
                }
                let at = (y as usize * w as usize + x as usize) * channels;
                px[at..at + channels].copy_from_slice(&c[..channels]);
            }
        }
        px
    }

    fn encode(w: u32, h: u32, channels: usize, px: &[u8], filter: png::Filter) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(if channels == 3 {
            png::ColorType::Rgb
        } else {
            png::ColorType::Rgba
        });
        enc.set_depth(png::BitDepth::Eight);
        enc.set_filter(filter);
        let mut wr = enc.write_header().unwrap();
        wr.write_image_data(px).unwrap();
        wr.finish().unwrap();
        out
    }

    fn rows(r: &Rgb8Rows, buf: &[u8]) -> Vec<u8> {
        let n = r.width as usize * r.channels;
        (0..r.height as usize)
            .flat_map(|y| buf[r.start + y * r.stride..][..n].to_vec())
            .collect()
    }

    /// Every filter choice of the png crate's encoder.
    const FILTERS: [png::Filter; 6] = [
        png::Filter::NoFilter,
        png::Filter::Sub,
        png::Filter::Up,
        png::Filter::Avg,
        png::Filter::Paeth,
        png::Filter::Adaptive,
    ];

    #[test]
    fn same_pixels_as_the_png_crate_for_every_filter() {
        let mut buf = vec![7u8; 3]; // stale contents are overwritten
        for (i, filter) in FILTERS.into_iter().enumerate() {
            for channels in [3, 4] {
                for (w, h) in [(1, 1), (1, 7), (7, 1), (37, 23), (64, 40)] {
                    let px = image(w, h, channels, i as u64 * 100 + w as u64);
                    let bytes = encode(w, h, channels, &px, filter);
                    let r = decode(&bytes, &mut buf, u64::MAX).expect("fast path");
                    assert_eq!((r.width, r.height, r.channels), (w, h, channels));
                    assert_eq!(rows(&r, &buf), px, "{filter:?} {channels} {w}x{h}");
                }
            }
        }
    }

    /// Each row's edges by the definition: pixels differing from the one before, then the width.
    fn edges_by_definition(row: &[u8], c: usize) -> Vec<u32> {
        let w = row.len() / c;
        let mut e: Vec<u32> = (1..w)
            .filter(|&x| row[x * c..(x + 1) * c] != row[(x - 1) * c..x * c])
            .map(|x| x as u32)
            .collect();
        e.push(w as u32);
        e
    }

    #[test]
    fn edges_known_while_unfiltering_are_the_rows_edges() {
        let mut scratch = RowScratch::default();
        let mut found = Vec::new();
        for (i, filter) in FILTERS.into_iter().enumerate() {
            for channels in [3, 4] {
                for (w, h) in [(1, 3), (2, 5), (7, 4), (33, 23), (130, 40), (700, 12)] {
                    // rectangles and noise, and every third row repeated (Up rows of zero residual)
                    let line = w as usize * channels;
                    let mut px = image(w, h, channels, i as u64 * 31 + w as u64);
                    for y in (0..h as usize).filter(|y| y % 3 == 2) {
                        px.copy_within((y - 1) * line..y * line, y * line);
                    }
                    let bytes = encode(w, h, channels, &px, filter);
                    let mut r = RowReader::open(&bytes, &mut scratch, u64::MAX).expect("fast path");
                    for y in 0..h as usize {
                        r.next_row().expect("row");
                        let want = edges_by_definition(&px[y * line..][..line], channels);
                        assert_eq!(r.edges(), want, "{filter:?} {channels} {w}x{h} row {y}");
                        row_edges(r.row(), channels, &mut found);
                        assert_eq!(found, want);
                    }
                    assert!(r.finish().is_some());
                }
            }
        }
    }

    proptest::proptest! {
        /// Rows of runs of a few colours (long runs, where the fast paths apply), rows repeating the row
        /// above, any width, every filter: the rows and their edges as the definition has them.
        #[test]
        fn rows_and_edges_of_random_run_images(
            w in 1u32..150,
            rows in proptest::collection::vec(
                (proptest::bool::ANY, proptest::collection::vec((0u8..4, 1usize..70), 1..12)), 1..8),
            rgba in proptest::bool::ANY,
            filter in 0usize..6,
        ) {
            let channels = if rgba { 4 } else { 3 };
            let palette = [[0u8, 0, 0, 255], [7, 0, 0, 255], [7, 9, 200, 255], [7, 9, 200, 0]];
            let line = w as usize * channels;
            let mut px = Vec::new();
            for (y, (repeat, runs)) in rows.iter().enumerate() {
                if *repeat && y > 0 {
                    px.extend_from_within((y - 1) * line..y * line);
                    continue;
                }
                let mut row = Vec::with_capacity(line);
                for &(colour, n) in runs.iter().cycle().take(line) {
                    for _ in 0..n {
                        row.extend_from_slice(&palette[colour as usize][..channels]);
                    }
                    if row.len() >= line {
                        break;
                    }
                }
                row.truncate(line);
                while row.len() < line {
                    row.extend_from_slice(&palette[1][..channels]);
                }
                px.extend_from_slice(&row);
            }
            let h = rows.len() as u32;
            let bytes = encode(w, h, channels, &px, FILTERS[filter]);
            let mut scratch = RowScratch::default();
            let mut r = RowReader::open(&bytes, &mut scratch, u64::MAX).expect("fast path");
            for y in 0..h as usize {
                r.next_row().expect("row");
                let want = &px[y * line..][..line];
                proptest::prop_assert_eq!(r.row(), want);
                proptest::prop_assert_eq!(r.edges(), edges_by_definition(want, channels));
            }
            proptest::prop_assert!(r.finish().is_some());
        }
    }

    /// A PNG of `px` with the IDAT data split into chunks of at most `chunk` bytes.
    fn encode_chunked(w: u32, h: u32, px: &[u8], filter: png::Filter, chunk: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_filter(filter);
        let mut wr = enc.write_header().unwrap();
        let mut sw = wr.stream_writer_with_size(chunk).unwrap();
        std::io::Write::write_all(&mut sw, px).unwrap();
        sw.finish().unwrap();
        wr.finish().unwrap();
        out
    }

    #[test]
    fn rows_one_at_a_time_through_a_moving_window() {
        // 900 x 150 RGB: 405 KB of filtered rows, more than the window holds, so it moves several times;
        // several IDAT chunks. A row reported unchanged must equal the row before.
        let (w, h) = (900, 150);
        let mut scratch = RowScratch::default();
        for (i, filter) in FILTERS.into_iter().enumerate() {
            // rows in groups of three equal ones
            let line = w as usize * 3;
            let mut px = image(w, h, 3, 7 + i as u64);
            for y in (0..h as usize).filter(|y| y % 3 != 0) {
                px.copy_within((y - 1) * line..y * line, y * line);
            }
            for chunk in [1000, 1 << 20] {
                let bytes = encode_chunked(w, h, &px, filter, chunk);
                let mut r = RowReader::open(&bytes, &mut scratch, u64::MAX).expect("fast path");
                let mut unchanged = 0;
                for y in 0..h as usize {
                    let changed = r.next_row().expect("row");
                    unchanged += usize::from(!changed);
                    assert_eq!(r.row(), &px[y * line..][..line], "{filter:?} row {y}");
                    if !changed {
                        assert_eq!(&px[(y - 1) * line..][..line], r.row());
                    }
                }
                assert!(r.next_row().is_none());
                assert!(r.finish().is_some());
                if filter == png::Filter::Up {
                    assert!(unchanged > 0, "repeated rows are reported");
                }
            }
        }
    }

    #[test]
    fn a_stream_longer_or_shorter_than_the_image_is_refused() {
        let mut buf = Vec::new();
        let px = image(30, 20, 3, 3);
        let good = encode(30, 20, 3, &px, png::Filter::Sub);
        // The same stream under a header of one row less, then one row more (CRC recomputed).
        for h in [19u32, 21] {
            let mut bad = good.clone();
            bad[20..24].copy_from_slice(&h.to_be_bytes());
            let crc = crc32fast::hash(&bad[12..29]);
            bad[29..33].copy_from_slice(&crc.to_be_bytes());
            assert!(decode(&bad, &mut buf, u64::MAX).is_none(), "height {h}");
        }
    }

    /// The `png` crate's pixels of a file (8-bit RGB or RGBA).
    fn crate_pixels(bytes: &[u8]) -> Vec<u8> {
        let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
        dec.set_transformations(png::Transformations::IDENTITY);
        let mut r = dec.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        r.next_frame(&mut buf).unwrap();
        buf
    }

    #[test]
    fn same_pixels_as_the_png_crate_on_real_panoptic_pngs() {
        // panopticapi's sample files, written by PIL (rows filtered Up, Paeth and Sub).
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/panoptic/sample_data/panoptic_examples");
        let mut buf = Vec::new();
        let mut n = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_none_or(|x| x != "png") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let r = decode(&bytes, &mut buf, u64::MAX).expect("fast path");
            assert_eq!(rows(&r, &buf), crate_pixels(&bytes), "{}", path.display());
            n += 1;
        }
        assert!(n >= 2, "{n} files in {}", dir.display());
    }

    #[test]
    fn anything_else_goes_to_the_png_crate() {
        let mut buf = Vec::new();
        let px = image(20, 10, 3, 1);
        let good = encode(20, 10, 3, &px, png::Filter::Paeth);
        assert!(decode(&good, &mut buf, u64::MAX).is_some());
        // a size above the caller's limit
        assert!(decode(&good, &mut buf, 100).is_none());
        // every truncation, and a flipped byte anywhere (CRC, header, stream)
        for cut in 0..good.len() {
            assert!(
                decode(&good[..cut], &mut buf, u64::MAX).is_none(),
                "cut {cut}"
            );
        }
        for at in 0..good.len() {
            let mut bad = good.clone();
            bad[at] ^= 0x10;
            if let Some(r) = decode(&bad, &mut buf, u64::MAX) {
                // only a change the crate accepts as well may pass (none should: CRCs cover every chunk)
                panic!("flipped byte {at} accepted: {r:?}");
            }
        }
        // grey, 16-bit, interlaced
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, 4, 4);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().unwrap();
        wr.write_image_data(&[0; 16]).unwrap();
        wr.finish().unwrap();
        assert!(decode(&out, &mut buf, u64::MAX).is_none());
    }
}

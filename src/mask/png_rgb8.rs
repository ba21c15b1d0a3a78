//! A fast path for decoding the common shape of panoptic segment-id PNGs: 8-bit RGB or RGBA, not interlaced,
//! the image data in IDAT chunks, nothing else critical. The zlib stream is inflated by `fdeflate` (the `png`
//! crate's own inflater) and the rows are unfiltered here, into the same bytes the `png` crate gives.
//!
//! Why not the `png` crate alone: segment-id maps are large constant regions, and PNG encoders (PIL, the `png`
//! crate) pick the Paeth filter for many of their rows; the crate's Paeth unfilter computes the predictor for
//! every byte (38 % of `eval panoptic`'s profile on 10 000 synthetic maps). Here a pixel whose filtered bytes
//! are zero and whose left and upper neighbours are equal is copied without the predictor (Paeth of `a, a, c`
//! is `a` for any `c`), and a zero residual of the Sub filter copies its left neighbour likewise.
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
    /// Bytes from one row to the next (`width * channels + 1`: each row's filter byte stays in place).
    pub stride: usize,
}

const SIGNATURE: [u8; 8] = [137, 80, 78, 71, 13, 10, 26, 10];

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

/// Decode `bytes` into `buf` (grown as needed, never shrunk; its old contents are overwritten) if the file
/// has the shape this fast path reads (see the module doc); `max_bytes` bounds the decoded size (the caller's
/// limits). `None`: decode it with the `png` crate instead.
pub fn decode(bytes: &[u8], buf: &mut Vec<u8>, max_bytes: u64) -> Option<Rgb8Rows> {
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
    let stride = line.checked_add(1)?;
    let size = stride.checked_mul(height as usize)?;
    if size as u64 > max_bytes {
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
    let joined;
    let stream: &[u8] = if idat.len() == 1 {
        idat[0]
    } else {
        joined = idat.concat();
        &joined
    };
    if buf.len() < size {
        buf.resize(size, 0);
    }
    let out = &mut buf[..size];
    let mut d = fdeflate::Decompressor::new();
    d.ignore_adler32();
    // All but the 4-byte Adler-32 trailer first: fdeflate 0.3.7 hashes the output of the call that reaches
    // the trailer even when told to ignore it (6 % of `eval panoptic`), so that call is left with none.
    let body = stream.len().checked_sub(4)?;
    let (mut at_in, mut at_out) = d.read(&stream[..body], out, 0, false).ok()?;
    while !d.is_done() {
        let (used, made) = d.read(&stream[at_in..], out, at_out, true).ok()?;
        if used == 0 && made == 0 {
            return None;
        }
        at_in += used;
        at_out += made;
    }
    if at_out != size || at_in != stream.len() {
        return None;
    }
    // Unfilter in place, row after row.
    for r in 0..height as usize {
        let (done, rest) = out.split_at_mut(r * stride);
        let filter = rest[0];
        let cur = &mut rest[1..stride];
        let prev = (r > 0).then(|| &done[done.len() - line..]);
        let ok = if channels == 3 {
            unfilter::<3>(filter, prev, cur)
        } else {
            unfilter::<4>(filter, prev, cur)
        };
        if !ok {
            return None;
        }
    }
    Some(Rgb8Rows {
        width,
        height,
        channels,
        start: 1,
        stride,
    })
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

/// Whether all bytes are zero (a few 8-byte words for the 24 or 32 bytes of eight pixels).
#[inline(always)]
fn zero(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    let any = words.by_ref().fold(0u64, |acc, w| {
        acc | u64::from_le_bytes(w.try_into().unwrap_or([0; 8]))
    });
    any == 0 && words.remainder().iter().all(|&b| b == 0)
}

/// Undo one row's filter in place (`prev`: the row above, unfiltered; `None` for the first row, which PNG
/// treats as having a row of zeros above it). `false` for an unknown filter type.
fn unfilter<const B: usize>(filter: u8, prev: Option<&[u8]>, cur: &mut [u8]) -> bool {
    let n = cur.len();
    match (filter, prev) {
        (0, _) | (2, None) => {}
        // Paeth with a zero row above is Sub: paeth(a, 0, 0) = a.
        // The left pixel is carried in registers, never read back from the bytes just written (a load
        // spanning several recent byte stores stalls store-to-load forwarding, ~60 % of this loop's time).
        (1, _) | (4, None) => {
            let Some(first) = cur.get(..B) else {
                return true;
            };
            let mut a: [u8; B] = first.try_into().unwrap_or([0; B]);
            let mut i = B;
            while i + B <= n {
                // Eight pixels of zero residual: eight copies of the left pixel.
                if i + 8 * B <= n && zero(&cur[i..i + 8 * B]) {
                    for px in cur[i..i + 8 * B].chunks_exact_mut(B) {
                        px.copy_from_slice(&a);
                    }
                    i += 8 * B;
                    continue;
                }
                let x: [u8; B] = cur[i..i + B].try_into().unwrap_or([0; B]);
                if x != [0; B] {
                    for k in 0..B {
                        a[k] = a[k].wrapping_add(x[k]);
                    }
                }
                cur[i..i + B].copy_from_slice(&a);
                i += B;
            }
        }
        (2, Some(prev)) => {
            for (c, &p) in cur.iter_mut().zip(prev) {
                *c = c.wrapping_add(p);
            }
        }
        (3, prev) => {
            for k in 0..n {
                let a = if k >= B { cur[k - B] as u16 } else { 0 };
                let b = prev.map_or(0, |p| p[k] as u16);
                cur[k] = cur[k].wrapping_add(((a + b) >> 1) as u8);
            }
        }
        (4, Some(prev)) => {
            // First pixel: a = c = 0, so the predictor is b.
            for k in 0..B.min(n) {
                cur[k] = cur[k].wrapping_add(prev[k]);
            }
            let Some(first) = cur.get(..B) else {
                return true;
            };
            // Left (a) and upper-left (c) pixels carried in registers, as for Sub.
            let mut a: [u8; B] = first.try_into().unwrap_or([0; B]);
            let mut c: [u8; B] = prev[..B].try_into().unwrap_or([0; B]);
            let mut i = B;
            while i + B <= n {
                // Eight pixels of zero residual under eight upper pixels equal to the left one: all eight
                // are that pixel (each step is paeth(a, a, c) = a), and so is the next upper-left.
                if i + 8 * B <= n
                    && prev[i..i + B] == a
                    && prev[i..i + 8 * B] == prev[i - B..i + 7 * B]
                    && zero(&cur[i..i + 8 * B])
                {
                    cur[i..i + 8 * B].copy_from_slice(&prev[i..i + 8 * B]);
                    c = a;
                    i += 8 * B;
                    continue;
                }
                let x: [u8; B] = cur[i..i + B].try_into().unwrap_or([0; B]);
                let b: [u8; B] = prev[i..i + B].try_into().unwrap_or([0; B]);
                if x != [0; B] || a != b {
                    for k in 0..B {
                        a[k] = x[k].wrapping_add(paeth(a[k], b[k], c[k]));
                    }
                }
                // else: paeth(a, a, c) = a
                cur[i..i + B].copy_from_slice(&a);
                c = b;
                i += B;
            }
        }
        _ => return false,
    }
    true
}

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

    #[test]
    fn same_pixels_as_the_png_crate_for_every_filter() {
        let mut buf = vec![7u8; 3]; // stale contents are overwritten
        for (i, filter) in [
            png::Filter::NoFilter,
            png::Filter::Sub,
            png::Filter::Up,
            png::Filter::Avg,
            png::Filter::Paeth,
            png::Filter::Adaptive,
        ]
        .into_iter()
        .enumerate()
        {
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

//! Label-map PNGs: single-channel images whose pixel value is a class label, read and written exactly.
//!
//! Reads 8- and 16-bit greyscale (1/2/4-bit greyscale too, values unscaled) and palette-indexed PNGs. For a
//! palette PNG the label is the palette *index* — the PLTE colours are ignored — which is what PIL's
//! `np.array(Image.open(f))` returns for the VOC / ADE20K / COCO-Stuff style label files. Interlaced files are
//! fine. RGB, RGBA and grey+alpha files are refused with an error naming the file: a colour-coded label map needs
//! a colour → class table, which is not here.
//!
//! Writes 8-bit greyscale (for [`LabelPixels::U8`] maps) or 16-bit greyscale (for [`LabelPixels::U16`] maps),
//! and a colour preview (`rasterize --palette`): a palette-indexed PNG whose indices are still the labels when
//! every label fits in 8 bits (so the preview reads back as the same label map), RGB otherwise. Colours come from
//! [`label_colour`], the PASCAL VOC bit-interleaved palette (255, the usual ignore index, is VOC's "void" cream).
//!
//! Label maps here are row-major (PNG order). Not here: painting label maps from annotations (see `raster`),
//! evaluation (see `eval::miou`).

use std::io::Write;
use std::path::Path;

use crate::io::AtomicFiles;
use crate::{Error, Result};

/// The pixels of a label map, row-major, one label per pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelPixels {
    /// Labels 0..=255 (8-bit PNGs, palette PNGs).
    U8(Vec<u8>),
    /// Labels 0..=65535 (16-bit PNGs).
    U16(Vec<u16>),
}

/// An owned label map: `width × height` labels, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelMap {
    pub width: u32,
    pub height: u32,
    pub pixels: LabelPixels,
}

/// A borrowed label map (what the mIoU accumulator consumes); build one over any row-major (or, for both maps of
/// a pair alike, column-major) buffer of `u8` / `u16` labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapRef<'a> {
    pub width: u32,
    pub height: u32,
    pub pixels: PixelsRef<'a>,
}

/// Borrowed pixels of a [`MapRef`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelsRef<'a> {
    U8(&'a [u8]),
    U16(&'a [u16]),
}

impl PixelsRef<'_> {
    /// Number of pixels.
    pub fn len(&self) -> usize {
        match self {
            PixelsRef::U8(p) => p.len(),
            PixelsRef::U16(p) => p.len(),
        }
    }
    /// True when there are no pixels.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The label at index `i` (panics when out of bounds, like slice indexing).
    pub fn get(&self, i: usize) -> u16 {
        match self {
            PixelsRef::U8(p) => u16::from(p[i]),
            PixelsRef::U16(p) => p[i],
        }
    }
}

impl<'a> MapRef<'a> {
    /// A view over 8-bit labels; errors when `pixels.len() != width * height`.
    pub fn u8(width: u32, height: u32, pixels: &'a [u8]) -> Result<Self> {
        check_len(width, height, pixels.len())?;
        Ok(MapRef {
            width,
            height,
            pixels: PixelsRef::U8(pixels),
        })
    }
    /// A view over 16-bit labels; errors when `pixels.len() != width * height`.
    pub fn u16(width: u32, height: u32, pixels: &'a [u16]) -> Result<Self> {
        check_len(width, height, pixels.len())?;
        Ok(MapRef {
            width,
            height,
            pixels: PixelsRef::U16(pixels),
        })
    }
    /// Number of pixels.
    pub fn len(&self) -> usize {
        self.pixels.len()
    }
    /// True when the map has no pixels.
    pub fn is_empty(&self) -> bool {
        self.pixels.is_empty()
    }
}

fn check_len(width: u32, height: u32, len: usize) -> Result<()> {
    let want = width as u64 * height as u64;
    if want != len as u64 {
        return Err(Error::msg(format!(
            "label map {width}x{height} needs {want} pixels, got {len}"
        )));
    }
    Ok(())
}

impl LabelMap {
    /// An 8-bit map; errors when `pixels.len() != width * height`.
    pub fn from_u8(width: u32, height: u32, pixels: Vec<u8>) -> Result<Self> {
        check_len(width, height, pixels.len())?;
        Ok(LabelMap {
            width,
            height,
            pixels: LabelPixels::U8(pixels),
        })
    }
    /// A 16-bit map; errors when `pixels.len() != width * height`.
    pub fn from_u16(width: u32, height: u32, pixels: Vec<u16>) -> Result<Self> {
        check_len(width, height, pixels.len())?;
        Ok(LabelMap {
            width,
            height,
            pixels: LabelPixels::U16(pixels),
        })
    }
    /// A borrowed view.
    pub fn as_ref(&self) -> MapRef<'_> {
        let pixels = match &self.pixels {
            LabelPixels::U8(p) => PixelsRef::U8(p),
            LabelPixels::U16(p) => PixelsRef::U16(p),
        };
        MapRef {
            width: self.width,
            height: self.height,
            pixels,
        }
    }
    /// Number of pixels.
    pub fn len(&self) -> usize {
        self.as_ref().len()
    }
    /// True when the map has no pixels.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The label at `(x, y)`, or `None` outside the map.
    pub fn get(&self, x: u32, y: u32) -> Option<u16> {
        if x >= self.width || y >= self.height {
            return None;
        }
        Some(
            self.as_ref()
                .pixels
                .get(y as usize * self.width as usize + x as usize),
        )
    }
    /// The largest label, `None` for an empty map.
    pub fn max_label(&self) -> Option<u16> {
        match &self.pixels {
            LabelPixels::U8(p) => p.iter().max().map(|&v| u16::from(v)),
            LabelPixels::U16(p) => p.iter().max().copied(),
        }
    }
}

/// Largest label map decoded (pixels), a guard against absurd headers: 2³¹ pixels.
const MAX_PIXELS: u64 = 1 << 31;

/// Read a label-map PNG file (see the module doc for what is accepted). Errors name the file.
pub fn read_label_png(path: &Path) -> Result<LabelMap> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::io(name.clone(), e))?;
    decode_label_png(&bytes).map_err(|e| e.in_file(name))
}

/// Decode a label-map PNG held in memory.
pub fn decode_label_png(bytes: &[u8]) -> Result<LabelMap> {
    let bad = |e: png::DecodingError| Error::msg(format!("unreadable PNG: {e}"));
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::IDENTITY);
    let mut reader = decoder.read_info().map_err(bad)?;
    let (width, height, colour, depth) = {
        let info = reader.info();
        (info.width, info.height, info.color_type, info.bit_depth)
    };
    match colour {
        png::ColorType::Grayscale | png::ColorType::Indexed => {}
        other => {
            return Err(Error::msg(format!(
                "not a label map: PNG colour type {other:?}; label maps are greyscale or palette-indexed"
            )))
        }
    }
    if width as u64 * height as u64 > MAX_PIXELS {
        return Err(Error::msg(format!(
            "label map {width}x{height} is too large (more than 2^31 pixels)"
        )));
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| Error::msg("PNG too large to decode"))?;
    // Deflate inflates at most 1032-fold (a 258-byte match in 2 bits), so a file of n bytes holds at most
    // 1032·n bytes of image data: refuse a header that claims more before allocating for it (a 69-byte file
    // could otherwise ask for 4 GB).
    if size as u64 > bytes.len() as u64 * 1032 {
        return Err(Error::msg(format!(
            "PNG header says {width}x{height} pixels, more than its {} bytes can hold (corrupt or truncated file)",
            bytes.len()
        )));
    }
    let mut buf = vec![0u8; size];
    let out = reader.next_frame(&mut buf).map_err(bad)?;
    let (w, h, line) = (width as usize, height as usize, out.line_size);
    match depth {
        png::BitDepth::Sixteen => {
            let mut px = Vec::with_capacity(w * h);
            for row in buf.chunks_exact(line).take(h) {
                px.extend(
                    row[..2 * w]
                        .chunks_exact(2)
                        .map(|b| u16::from_be_bytes([b[0], b[1]])),
                );
            }
            LabelMap::from_u16(width, height, px)
        }
        png::BitDepth::Eight => {
            if line == w {
                buf.truncate(w * h);
                LabelMap::from_u8(width, height, buf)
            } else {
                let mut px = Vec::with_capacity(w * h);
                for row in buf.chunks_exact(line).take(h) {
                    px.extend_from_slice(&row[..w]);
                }
                LabelMap::from_u8(width, height, px)
            }
        }
        sub => {
            let bits = sub as usize; // 1, 2 or 4
            let mask = (1u8 << bits) - 1;
            let per_byte = 8 / bits;
            let mut px = Vec::with_capacity(w * h);
            for row in buf.chunks_exact(line).take(h) {
                for x in 0..w {
                    let byte = row[x / per_byte];
                    let shift = 8 - bits * (x % per_byte + 1);
                    px.push((byte >> shift) & mask);
                }
            }
            LabelMap::from_u8(width, height, px)
        }
    }
}

/// Encode a label map as a greyscale PNG: 8-bit for a [`LabelPixels::U8`] map, 16-bit for a
/// [`LabelPixels::U16`] map (whatever its largest label).
pub fn encode_label_png<W: Write>(out: W, map: &LabelMap) -> Result<()> {
    let mut enc = png::Encoder::new(out, map.width, map.height);
    // fdeflate's fast mode: label maps are long runs of equal values, which it compresses well, and the
    // default (Balanced) made encoding most of `rasterize`'s time. `Fastest` is the same deflate with the
    // "Up" row filter instead of trying all five per row (`Fast`): a row equal to the one above becomes
    // zeros, the common case in a label map.
    enc.set_compression(png::Compression::Fastest);
    enc.set_color(png::ColorType::Grayscale);
    let data: std::borrow::Cow<'_, [u8]> = match &map.pixels {
        LabelPixels::U8(p) => {
            enc.set_depth(png::BitDepth::Eight);
            p.as_slice().into()
        }
        LabelPixels::U16(p) => {
            enc.set_depth(png::BitDepth::Sixteen);
            p.iter()
                .flat_map(|v| v.to_be_bytes())
                .collect::<Vec<u8>>()
                .into()
        }
    };
    finish_png(enc, &data)
}

/// Encode a colour preview of a label map: palette-indexed (indices = labels, 256-entry VOC palette) when every
/// label is below 256, 8-bit RGB otherwise. Colours from [`label_colour`].
pub fn encode_preview_png<W: Write>(out: W, map: &LabelMap) -> Result<()> {
    let mut enc = png::Encoder::new(out, map.width, map.height);
    enc.set_compression(png::Compression::Fastest);
    enc.set_depth(png::BitDepth::Eight);
    let fits_u8 = map.max_label().is_none_or(|m| m < 256);
    if fits_u8 {
        let palette: Vec<u8> = (0..256u16).flat_map(label_colour).collect();
        enc.set_color(png::ColorType::Indexed);
        enc.set_palette(palette);
        let data: std::borrow::Cow<'_, [u8]> = match &map.pixels {
            LabelPixels::U8(p) => p.as_slice().into(),
            LabelPixels::U16(p) => p.iter().map(|&v| v as u8).collect::<Vec<u8>>().into(),
        };
        finish_png(enc, &data)
    } else {
        enc.set_color(png::ColorType::Rgb);
        let view = map.as_ref();
        let data: Vec<u8> = (0..view.len())
            .flat_map(|i| label_colour(view.pixels.get(i)))
            .collect();
        finish_png(enc, &data)
    }
}

fn finish_png<W: Write>(enc: png::Encoder<'_, W>, data: &[u8]) -> Result<()> {
    let bad = |e: png::EncodingError| Error::msg(format!("cannot write PNG: {e}"));
    let mut writer = enc.write_header().map_err(bad)?;
    writer.write_image_data(data).map_err(bad)?;
    writer.finish().map_err(bad)
}

/// Write a greyscale label-map PNG (see [`encode_label_png`]) atomically (temporary file + rename).
pub fn write_label_png(path: &Path, map: &LabelMap) -> Result<()> {
    AtomicFiles.write(path, |w| encode_label_png(w, map))
}

/// Write a colour preview PNG (see [`encode_preview_png`]) atomically (temporary file + rename).
pub fn write_preview_png(path: &Path, map: &LabelMap) -> Result<()> {
    AtomicFiles.write(path, |w| encode_preview_png(w, map))
}

/// [`write_label_png`] among many files: `files` reuses the inodes of the files it replaces.
pub fn write_label_png_in(files: &AtomicFiles, path: &Path, map: &LabelMap) -> Result<()> {
    files.write(path, |w| encode_label_png(w, map))
}

/// [`write_preview_png`] among many files (see [`write_label_png_in`]).
pub fn write_preview_png_in(files: &AtomicFiles, path: &Path, map: &LabelMap) -> Result<()> {
    files.write(path, |w| encode_preview_png(w, map))
}

/// The colour of a label: the PASCAL VOC palette, extended to 16-bit labels by the same rule (bits 0, 1, 2 of
/// the label go to the most significant bit of red, green, blue; bits 3, 4, 5 to the next; and so on). Distinct
/// labels get distinct colours; 0 is black, 255 is VOC's void colour (224, 224, 192).
pub fn label_colour(label: u16) -> [u8; 3] {
    let (mut r, mut g, mut b) = (0u8, 0u8, 0u8);
    let mut c = label as u32;
    let mut shift = 7i32;
    while c != 0 && shift >= 0 {
        r |= ((c & 1) as u8) << shift;
        g |= (((c >> 1) & 1) as u8) << shift;
        b |= (((c >> 2) & 1) as u8) << shift;
        c >>= 3;
        shift -= 1;
    }
    [r, g, b]
}

/// A panoptic segment-id PNG (COCO panoptic format): 8-bit RGB or RGBA, id = R + 256·G + 256²·B per
/// pixel (panopticapi's `rgb2id`; alpha is ignored as `np.array(Image.open(f))[:, :, :3]` does). Returns
/// `(width, height, ids)` in row-major order. Errors name the file.
pub fn read_panoptic_png(path: &Path) -> Result<(u32, u32, Vec<u32>)> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::io(name.clone(), e))?;
    decode_panoptic_png(&bytes).map_err(|e| e.in_file(name))
}

/// [`read_panoptic_png`] of a PNG held in memory.
pub fn decode_panoptic_png(bytes: &[u8]) -> Result<(u32, u32, Vec<u32>)> {
    let mut buf = Vec::new();
    let r = decode_panoptic_rows(bytes, &mut buf)?;
    let mut ids = Vec::with_capacity(r.width as usize * r.height as usize);
    for row in r.rows(&buf) {
        ids.extend(row.chunks_exact(r.channels).map(rgb_id));
    }
    Ok((r.width, r.height, ids))
}

/// Segment id of one RGB(A) pixel: R + 256·G + 256²·B.
#[inline]
pub fn rgb_id(p: &[u8]) -> u32 {
    p[0] as u32 + 256 * p[1] as u32 + 65536 * p[2] as u32
}

/// The rows of a panoptic segment-id PNG one at a time (`png_rgb8::RowReader`) when the file has the common
/// shape the fast path reads and fits the limits of [`decode_panoptic_rows`]; `None`: use that function, which
/// decodes or reports the file as the `png` crate does.
pub fn panoptic_row_reader<'a>(
    bytes: &'a [u8],
    scratch: &'a mut super::png_rgb8::RowScratch,
) -> Option<super::png_rgb8::RowReader<'a>> {
    super::png_rgb8::RowReader::open(bytes, scratch, fast_path_limit(bytes))
        .filter(|r| r.width as u64 * r.height as u64 <= MAX_PIXELS)
}

/// The decoded size the fast path accepts for a file of `bytes` (deflate expands at most 1032-fold).
fn fast_path_limit(bytes: &[u8]) -> u64 {
    (bytes.len() as u64 * 1032).min(MAX_PIXELS * 4)
}

/// The decoded rows of a panoptic PNG held in a caller's buffer (see [`decode_panoptic_rows`]).
#[derive(Debug, Clone, Copy)]
pub struct PanopticRows {
    pub width: u32,
    pub height: u32,
    /// 3 (RGB) or 4 (RGBA) bytes per pixel.
    pub channels: usize,
    /// Bytes from one row to the next in the buffer.
    pub line: usize,
    /// Offset of the first row in the buffer.
    pub start: usize,
}

impl PanopticRows {
    /// Each row's pixels (`channels × width` bytes) of `buf`.
    pub fn rows<'a>(&self, buf: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        let n = self.channels * self.width as usize;
        let (start, line) = (self.start, self.line);
        (0..self.height as usize).map(move |r| &buf[start + r * line..][..n])
    }
}

/// Decode a panoptic segment-id PNG's pixels into `buf` (cleared first; its allocation is reused, which spares
/// a fresh zeroed allocation per image when many are decoded), with the checks of [`read_panoptic_png`].
pub fn decode_panoptic_rows(bytes: &[u8], buf: &mut Vec<u8>) -> Result<PanopticRows> {
    // The common 8-bit RGB(A) file: the fast path, within the limits checked below for the others.
    if let Some(r) = super::png_rgb8::decode(bytes, buf, fast_path_limit(bytes)) {
        if r.width as u64 * r.height as u64 <= MAX_PIXELS {
            return Ok(PanopticRows {
                width: r.width,
                height: r.height,
                channels: r.channels,
                line: r.stride,
                start: r.start,
            });
        }
    }
    let bad = |e: png::DecodingError| Error::msg(format!("unreadable PNG: {e}"));
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::IDENTITY);
    let mut reader = decoder.read_info().map_err(bad)?;
    let (width, height, colour, depth) = {
        let info = reader.info();
        (info.width, info.height, info.color_type, info.bit_depth)
    };
    let channels = match (colour, depth) {
        (png::ColorType::Rgb, png::BitDepth::Eight) => 3,
        (png::ColorType::Rgba, png::BitDepth::Eight) => 4,
        (c, d) => {
            return Err(Error::msg(format!(
                "not a panoptic segment-id PNG: colour type {c:?}, {d:?} bits; expected 8-bit RGB"
            )))
        }
    };
    if width as u64 * height as u64 > MAX_PIXELS {
        return Err(Error::msg(format!(
            "PNG {width}x{height} is too large (more than 2^31 pixels)"
        )));
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| Error::msg("PNG too large to decode"))?;
    if size as u64 > bytes.len() as u64 * 1032 {
        return Err(Error::msg(format!(
            "PNG header says {width}x{height} pixels, more than its {} bytes can hold (corrupt or truncated file)",
            bytes.len()
        )));
    }
    // Grown, never cleared: the decoder overwrites every byte it reports.
    if buf.len() < size {
        buf.resize(size, 0);
    }
    let out = reader.next_frame(&mut buf[..size]).map_err(bad)?;
    Ok(PanopticRows {
        width,
        height,
        channels,
        line: out.line_size,
        start: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(map: &LabelMap) -> LabelMap {
        let mut bytes = Vec::new();
        encode_label_png(&mut bytes, map).unwrap();
        decode_label_png(&bytes).unwrap()
    }

    #[test]
    fn grey8_and_grey16_roundtrip() {
        let m8 = LabelMap::from_u8(3, 2, vec![0, 1, 2, 255, 7, 9]).unwrap();
        assert_eq!(roundtrip(&m8), m8);
        let m16 = LabelMap::from_u16(2, 3, vec![0, 65535, 300, 1, 256, 255]).unwrap();
        assert_eq!(roundtrip(&m16), m16);
        assert_eq!(m16.get(1, 0), Some(65535));
        assert_eq!(m16.get(0, 2), Some(256));
        assert_eq!(m16.get(2, 0), None);
        assert_eq!(m16.max_label(), Some(65535));
    }

    #[test]
    fn preview_is_palette_with_labels_as_indices() {
        let m = LabelMap::from_u8(4, 1, vec![0, 1, 15, 255]).unwrap();
        let mut bytes = Vec::new();
        encode_preview_png(&mut bytes, &m).unwrap();
        // Reads back as the same labels (palette indices).
        assert_eq!(decode_label_png(&bytes).unwrap(), m);
        // And it is a palette image whose colours are VOC's.
        let mut dec = png::Decoder::new(std::io::Cursor::new(&bytes));
        dec.set_transformations(png::Transformations::EXPAND);
        let mut r = dec.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        r.next_frame(&mut buf).unwrap();
        assert_eq!(
            &buf[..12],
            &[0, 0, 0, 128, 0, 0, 192, 128, 128, 224, 224, 192]
        );
    }

    #[test]
    fn preview_of_wide_labels_is_rgb() {
        let m = LabelMap::from_u16(2, 1, vec![1, 4096]).unwrap();
        let mut bytes = Vec::new();
        encode_preview_png(&mut bytes, &m).unwrap();
        let err = decode_label_png(&bytes).unwrap_err();
        assert!(err.msg.contains("not a label map"), "{err}");
    }

    #[test]
    fn voc_palette() {
        assert_eq!(label_colour(0), [0, 0, 0]);
        assert_eq!(label_colour(1), [128, 0, 0]);
        assert_eq!(label_colour(2), [0, 128, 0]);
        assert_eq!(label_colour(15), [192, 128, 128]); // VOC "person"
        assert_eq!(label_colour(255), [224, 224, 192]);
        let all: std::collections::HashSet<[u8; 3]> = (0..=u16::MAX).map(label_colour).collect();
        assert_eq!(all.len(), 65536);
    }

    #[test]
    fn sub_byte_grey_is_unscaled() {
        // 1-bit and 4-bit greyscale, 5 pixels wide (rows padded to a byte).
        for (depth, vals) in [
            (png::BitDepth::One, vec![1u8, 0, 1, 1, 0]),
            (png::BitDepth::Four, vec![15, 3, 0, 9, 1]),
        ] {
            let bits = depth as usize;
            let mut data = Vec::new();
            for _row in 0..2 {
                let mut row = vec![0u8; (5 * bits).div_ceil(8)];
                for (x, &v) in vals.iter().enumerate() {
                    row[x * bits / 8] |= v << (8 - bits * (x % (8 / bits) + 1));
                }
                data.extend(row);
            }
            let mut bytes = Vec::new();
            let mut enc = png::Encoder::new(&mut bytes, 5, 2);
            enc.set_color(png::ColorType::Grayscale);
            enc.set_depth(depth);
            let mut w = enc.write_header().unwrap();
            w.write_image_data(&data).unwrap();
            w.finish().unwrap();
            let m = decode_label_png(&bytes).unwrap();
            let want: Vec<u8> = vals.iter().chain(vals.iter()).copied().collect();
            assert_eq!(m, LabelMap::from_u8(5, 2, want).unwrap());
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(decode_label_png(b"not a png")
            .unwrap_err()
            .msg
            .contains("unreadable PNG"));
        assert!(decode_label_png(&[]).is_err());
        // Truncated file.
        let m =
            LabelMap::from_u8(64, 64, (0..4096).map(|i| (i * 7 % 251) as u8).collect()).unwrap();
        let mut bytes = Vec::new();
        encode_label_png(&mut bytes, &m).unwrap();
        assert!(decode_label_png(&bytes[..bytes.len() / 2]).is_err());
        // RGB is refused.
        let mut rgb = Vec::new();
        let mut enc = png::Encoder::new(&mut rgb, 1, 1);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&[1, 2, 3]).unwrap();
        w.finish().unwrap();
        assert!(decode_label_png(&rgb).unwrap_err().msg.contains("Rgb"));
        // Wrong pixel count.
        assert!(LabelMap::from_u8(2, 2, vec![0; 3]).is_err());
        assert!(MapRef::u16(2, 2, &[0; 5]).is_err());
    }

    #[test]
    fn missing_file_names_the_file() {
        let err = read_label_png(Path::new("/nonexistent/x.png")).unwrap_err();
        assert_eq!(err.file.as_deref(), Some("/nonexistent/x.png"));
    }

    #[test]
    fn atomic_write_then_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.png");
        let m = LabelMap::from_u16(3, 1, vec![1, 2, 1000]).unwrap();
        write_label_png(&p, &m).unwrap();
        assert_eq!(read_label_png(&p).unwrap(), m);
        let q = dir.path().join("b.png");
        write_preview_png(&q, &LabelMap::from_u8(1, 1, vec![3]).unwrap()).unwrap();
        assert_eq!(read_label_png(&q).unwrap().pixels, LabelPixels::U8(vec![3]));
    }
}

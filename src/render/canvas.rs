//! Drawing on an RGB image (`image::RgbImage`, row-major): a mask filled translucently where its RLE says, with
//! its edge drawn opaque; box outlines; lines and dots for keypoint skeletons; labels in the public-domain
//! 8×8 bitmap font of the `font8x8` crate (no font file to ship or rasterize: labels stay crisp at integer
//! scales, which is all an overlay needs).
//!
//! Everything clips at the image's border, so coordinates from a file never index out of bounds. Not here:
//! what to draw in which colour (`ops::show`), decoding or encoding files.

use super::palette::Rgb;
use crate::mask::rle::Rle;
use image::RgbImage;

/// Blend `c` over the pixel at (x, y) with opacity `alpha` (0..=256), if it is inside the image.
#[inline]
fn blend(img: &mut RgbImage, x: i64, y: i64, c: Rgb, alpha: u32) {
    if x < 0 || y < 0 || x >= img.width() as i64 || y >= img.height() as i64 {
        return;
    }
    let p = img.get_pixel_mut(x as u32, y as u32);
    for (v, &ck) in p.0.iter_mut().zip(&c) {
        *v = ((ck as u32 * alpha + *v as u32 * (256 - alpha)) >> 8) as u8;
    }
}

/// Set the pixel at (x, y) to `c`, if it is inside the image.
#[inline]
pub fn put(img: &mut RgbImage, x: i64, y: i64, c: Rgb) {
    blend(img, x, y, c, 256);
}

/// Opacity 0.0..=1.0 as the blend weight.
fn weight(opacity: f64) -> u32 {
    (opacity.clamp(0.0, 1.0) * 256.0).round() as u32
}

/// Fill the mask `rle` (column-major runs, pycocotools' layout) with `c` at `opacity`, and draw its edge (mask
/// pixels with a 4-neighbour outside the mask) opaque. A mask larger than the image is clipped.
pub fn fill_mask(img: &mut RgbImage, rle: &Rle, c: Rgb, opacity: f64) {
    let h = rle.h as u64;
    if h == 0 || rle.w == 0 {
        return;
    }
    let a = weight(opacity);
    // The mask's bounding columns and rows, to hold it in a small bitmap for the edge test.
    let (mut x0, mut x1, mut y0, mut y1) = (u64::MAX, 0u64, u64::MAX, 0u64);
    for (start, len) in rle.foreground_runs() {
        let end = start + len as u64 - 1;
        let (xs, xe) = (start / h, end / h);
        x0 = x0.min(xs);
        x1 = x1.max(xe);
        if xs == xe {
            y0 = y0.min(start % h);
            y1 = y1.max(end % h);
        } else {
            y0 = 0;
            y1 = h - 1;
        }
    }
    if x0 == u64::MAX {
        return;
    }
    // Keep the bitmap to what is visible: a mask may be larger than the photo.
    let x1 = x1.min(img.width() as u64 + 1);
    let y1 = y1.min(img.height() as u64 + 1);
    if x0 > x1 || y0 > y1 {
        return;
    }
    let (bw, bh) = ((x1 - x0 + 3) as usize, (y1 - y0 + 3) as usize);
    let mut bits = vec![false; bw * bh];
    for (start, len) in rle.foreground_runs() {
        let mut pos = start;
        let end = start + len as u64;
        while pos < end {
            let (x, y) = (pos / h, pos % h);
            if x > x1 {
                break;
            }
            // The rest of this column, or of the run.
            let n = (h - y).min(end - pos);
            for yy in y..y + n {
                if yy <= y1 && x >= x0 {
                    bits[(yy - y0 + 1) as usize * bw + (x - x0 + 1) as usize] = true;
                }
            }
            pos += n;
        }
    }
    for by in 1..bh - 1 {
        for bx in 1..bw - 1 {
            if !bits[by * bw + bx] {
                continue;
            }
            let edge = !bits[by * bw + bx - 1]
                || !bits[by * bw + bx + 1]
                || !bits[(by - 1) * bw + bx]
                || !bits[(by + 1) * bw + bx];
            let (x, y) = ((bx - 1) as i64 + x0 as i64, (by - 1) as i64 + y0 as i64);
            blend(img, x, y, c, if edge { 256 } else { a });
        }
    }
}

/// The outline of the box `[x, y, w, h]` (COCO's bbox), `t` pixels thick, inside the box's edge.
pub fn rect(img: &mut RgbImage, bbox: [f64; 4], c: Rgb, t: u32) {
    if !bbox.iter().all(|v| v.is_finite()) {
        return;
    }
    // Far-off edges stay far off (their lines are clipped, not moved to the border).
    let clamp = |v: f64| v.round().clamp(-1e6, 1e6) as i64;
    let (x0, y0) = (clamp(bbox[0]), clamp(bbox[1]));
    let (x1, y1) = (
        clamp(bbox[0] + bbox[2]).max(x0 + 1) - 1,
        clamp(bbox[1] + bbox[3]).max(y0 + 1) - 1,
    );
    let (w, h) = (img.width() as i64, img.height() as i64);
    for k in 0..t as i64 {
        for x in (x0 + k).max(0)..=(x1 - k).min(w - 1) {
            put(img, x, y0 + k, c);
            put(img, x, y1 - k, c);
        }
        for y in (y0 + k).max(0)..=(y1 - k).min(h - 1) {
            put(img, x0 + k, y, c);
            put(img, x1 - k, y, c);
        }
    }
}

/// A filled square of side `2r + 1` centred on (x, y).
fn square(img: &mut RgbImage, x: i64, y: i64, r: i64, c: Rgb) {
    for yy in y - r..=y + r {
        for xx in x - r..=x + r {
            put(img, xx, yy, c);
        }
    }
}

/// A line from (x0, y0) to (x1, y1), `t` pixels thick.
pub fn line(img: &mut RgbImage, p: (f64, f64), q: (f64, f64), c: Rgb, t: u32) {
    if !(p.0.is_finite() && p.1.is_finite() && q.0.is_finite() && q.1.is_finite()) {
        return;
    }
    let (dx, dy) = (q.0 - p.0, q.1 - p.1);
    // One step per pixel along the longer axis; lengths past a large image are clipped anyway.
    let steps = dx.abs().max(dy.abs()).ceil().min(1e5) as i64;
    let r = (t as i64 - 1) / 2;
    for i in 0..=steps {
        let f = if steps == 0 {
            0.0
        } else {
            i as f64 / steps as f64
        };
        square(
            img,
            (p.0 + dx * f).round() as i64,
            (p.1 + dy * f).round() as i64,
            r,
            c,
        );
    }
}

/// A filled disc of radius `r` centred on (x, y), with a one-pixel ring of `ring`.
pub fn dot(img: &mut RgbImage, x: f64, y: f64, r: f64, c: Rgb, ring: Rgb) {
    if !(x.is_finite() && y.is_finite()) {
        return;
    }
    let (cx, cy) = (x.round() as i64, y.round() as i64);
    let ri = r.ceil() as i64 + 1;
    for yy in -ri..=ri {
        for xx in -ri..=ri {
            let d = ((xx * xx + yy * yy) as f64).sqrt();
            if d <= r {
                put(img, cx + xx, cy + yy, c);
            } else if d <= r + 1.0 {
                put(img, cx + xx, cy + yy, ring);
            }
        }
    }
}

/// Width and height in pixels of `text` drawn at `scale` by [`label`] (1 pixel of padding each side).
pub fn label_size(text: &str, scale: u32) -> (u32, u32) {
    let n = text.chars().count() as u32;
    (n * 8 * scale + 2 * scale, 8 * scale + 2 * scale)
}

/// `text` in the 8×8 font at integer `scale`, `fg` on a filled `bg` box whose top-left corner is (x, y).
/// Characters outside ASCII are drawn as `?`.
pub fn label(img: &mut RgbImage, x: i64, y: i64, text: &str, fg: Rgb, bg: Rgb, scale: u32) {
    use font8x8::UnicodeFonts;
    let (w, h) = label_size(text, scale);
    let s = scale as i64;
    for yy in y..y + h as i64 {
        for xx in x..x + w as i64 {
            put(img, xx, yy, bg);
        }
    }
    for (i, ch) in text.chars().enumerate() {
        let glyph = font8x8::BASIC_FONTS
            .get(ch)
            .or_else(|| font8x8::BASIC_FONTS.get('?'))
            .unwrap_or([0; 8]);
        let gx = x + s + i as i64 * 8 * s;
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..8 {
                // Bit 0 is the leftmost pixel of a row.
                if bits >> col & 1 == 1 {
                    for dy in 0..s {
                        for dx in 0..s {
                            put(img, gx + col * s + dx, y + s + row as i64 * s + dy, fg);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mask_is_filled_where_its_runs_are_and_nowhere_else() {
        // A 6×5 image; the mask is column 1, rows 1..=3, and column 2, rows 1..=3 (column-major runs).
        let (h, w) = (5u32, 6u32);
        let mut data = vec![0u8; (h * w) as usize];
        for x in 1..=2 {
            for y in 1..=3 {
                data[(x * h + y) as usize] = 1;
            }
        }
        let rle = Rle::encode_col_major(h, w, &data).unwrap();
        let mut img = RgbImage::new(w, h);
        fill_mask(&mut img, &rle, [200, 100, 50], 0.5);
        for y in 0..h {
            for x in 0..w {
                let inside = data[(x * h + y) as usize] == 1;
                assert_eq!(img.get_pixel(x, y).0 != [0, 0, 0], inside, "({x}, {y})");
            }
        }
        // Every pixel of this thin mask is on its edge: opaque.
        assert_eq!(img.get_pixel(1, 2).0, [200, 100, 50]);
    }

    #[test]
    fn interior_pixels_are_translucent() {
        let (h, w) = (7u32, 7u32);
        let mut data = vec![0u8; 49];
        for x in 1..6 {
            for y in 1..6 {
                data[(x * h + y) as usize] = 1;
            }
        }
        let rle = Rle::encode_col_major(h, w, &data).unwrap();
        let mut img = RgbImage::from_pixel(w, h, image::Rgb([0, 0, 0]));
        fill_mask(&mut img, &rle, [200, 200, 200], 0.5);
        assert_eq!(img.get_pixel(3, 3).0, [100, 100, 100]);
        assert_eq!(img.get_pixel(1, 3).0, [200, 200, 200]);
        assert_eq!(img.get_pixel(0, 3).0, [0, 0, 0]);
    }

    #[test]
    fn drawing_clips_at_the_border() {
        let mut img = RgbImage::new(10, 10);
        rect(&mut img, [-5.0, -5.0, 100.0, 100.0], [255, 0, 0], 2);
        rect(&mut img, [f64::NAN, 0.0, 1.0, 1.0], [255, 0, 0], 2);
        line(&mut img, (-50.0, 3.0), (50.0, 3.0), [0, 255, 0], 3);
        dot(&mut img, 9.5, 9.5, 4.0, [0, 0, 255], [0, 0, 0]);
        label(&mut img, 7, 7, "héllo", [255; 3], [0; 3], 2);
        assert_eq!(img.get_pixel(0, 5).0, [0, 0, 0]);
        assert_eq!(img.get_pixel(5, 3).0, [0, 255, 0]);
        let big = Rle::from_counts(20, 20, vec![0, 400]).unwrap();
        fill_mask(&mut img, &big, [9, 9, 9], 1.0);
        assert_eq!(img.get_pixel(9, 9).0, [9, 9, 9]);
    }

    #[test]
    fn a_label_draws_its_glyphs() {
        let mut img = RgbImage::new(20, 12);
        label(&mut img, 0, 0, "I", [255, 255, 255], [0, 0, 0], 1);
        let lit = img.pixels().filter(|p| p.0 == [255, 255, 255]).count();
        // font8x8's 'I' has 14 lit pixels.
        assert!(lit > 8 && lit < 30, "{lit}");
        assert_eq!(label_size("ab", 2), (36, 20));
    }
}

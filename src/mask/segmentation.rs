//! A segmentation (polygons, uncompressed or compressed RLE) or a box to its mask, as pycocotools 2.0.11's
//! `COCO.annToRLE` → `mask.frPyObjects` → `merge` dispatch does it, with its quirks (see
//! [`segmentation_to_rle`]), and `rleFrBbox`.
//!
//! Not here: rasterizing one polygon ([`crate::mask::polygon`], `rleFrPoly`), the RLE codec
//! ([`crate::mask::rle`]).

use crate::coco::model::Segmentation;
use crate::error::{Error, Result};
#[cfg(doc)]
use crate::mask::polygon::ZERO_WIDTH_MAX_COL;
use crate::mask::polygon::{
    polygon_to_compressed_json, rle_from_polygon, rle_from_polygon_with, PolyScratch,
};
use crate::mask::rle::Rle;

/// Rasterizes a box `[x, y, w, h]` as pycocotools `rleFrBbox`: the polygon (x,y) (x,y+h) (x+w,y+h) (x+w,y).
pub fn rle_from_bbox(bb: [f64; 4], h: u32, w: u32) -> Rle {
    let (xs, ys) = (bb[0], bb[1]);
    let (xe, ye) = (xs + bb[2], ys + bb[3]);
    rle_from_polygon(&[xs, ys, xs, ye, xe, ye, xe, ys], h, w)
}

/// The mask of an annotation's `segmentation`, as pycocotools `COCO.annToRLE` computes it for an image of
/// `h` rows and `w` columns. `Ok(None)` for an empty segmentation (`[]`, where pycocotools raises).
///
/// Mirrors `annToRLE` → `frPyObjects` → `merge`:
/// - polygons: each part rasterized by [`rle_from_polygon`], the parts merged (union);
/// - quirk of `frPyObjects`, reproduced on purpose: when the *first* part has exactly 4 numbers, it takes
///   the box branch (`frBbox`), which in pycocotools 2.0.11 raises `TypeError` on a list: an error here
///   too (use [`rle_from_bbox`] for boxes); a *later* 4-number part is a 2-point polygon;
/// - a first part of fewer than 4 numbers (0 or 2) is an error (pycocotools raises too); later parts of
///   any even length are rasterized as they are (a 1-point part paints nothing);
/// - uncompressed RLE (`frUncompressedRLE`): its own `size` is used, not `h`/`w`, as pycocotools does; the
///   counts must add up to `h·w` of that size ("Invalid RLE mask representation");
/// - compressed RLE: parsed with [`Rle::from_compressed`] (checked; pycocotools passes it through untouched).
///
/// Errors (pycocotools would truncate or compute garbage): polygons on an image of height or width 0 (the
/// runs pycocotools makes there do not add up to `h·w`; see [`ZERO_WIDTH_MAX_COL`]), a part with an odd
/// number of coordinates, a NaN or infinite coordinate.
pub fn segmentation_to_rle(seg: &Segmentation, h: u32, w: u32) -> Result<Option<Rle>> {
    match seg {
        Segmentation::Empty => Ok(None),
        Segmentation::Polygons(parts) if parts.is_empty() => Ok(None),
        Segmentation::Polygons(parts) => polygons_to_rle(parts, h, w).map(Some),
        Segmentation::Rle { h, w, counts } => Rle::from_counts(*h, *w, counts.clone()).map(Some),
        Segmentation::CompressedRle { h, w, counts } => {
            Rle::from_compressed(*h, *w, counts).map(Some)
        }
    }
}

/// What [`segmentation_to_rle`] refuses in a list of polygons (the error it gives).
fn check_polygons(parts: &[Vec<f64>], h: u32, w: u32) -> Result<()> {
    if h == 0 || w == 0 {
        let what = if w == 0 { "width" } else { "height" };
        return Err(Error::msg(format!(
            "image has {what} 0 ({h}x{w}): its polygons cannot be rasterized (pycocotools would make an \
             invalid mask)"
        )));
    }
    for (i, p) in parts.iter().enumerate() {
        if p.len() % 2 != 0 {
            return Err(Error::msg(format!(
                "polygon {i} has an odd number of coordinates ({})",
                p.len()
            )));
        }
        // All finite, without an exit per value (the compiler vectorizes the fold); then which one.
        if !p.iter().fold(true, |ok, v| ok & v.is_finite()) {
            if let Some(v) = p.iter().find(|v| !v.is_finite()) {
                return Err(Error::msg(format!(
                    "polygon {i} has a non-finite coordinate ({v})"
                )));
            }
        }
    }
    let first = parts[0].len();
    if first == 4 {
        // frPyObjects: `len(pyobj[0]) == 4` takes the frBbox branch, which in pycocotools 2.0.11 only accepts
        // a numpy array and raises TypeError on the list it is given.
        return Err(Error::msg(
            "first polygon has 4 numbers: pycocotools 2.0.11 reads the segmentation as boxes (frBbox) \
             and fails on it",
        ));
    }
    if first < 4 {
        return Err(Error::msg(format!(
            "first polygon has {first} numbers; pycocotools needs at least 6"
        )));
    }
    Ok(())
}

fn polygons_to_rle(parts: &[Vec<f64>], h: u32, w: u32) -> Result<Rle> {
    check_polygons(parts, h, w)?;
    Ok(with_scratch(|scratch| {
        if let [only] = parts {
            return rle_from_polygon_with(only, h, w, scratch);
        }
        let rles: Vec<Rle> = parts
            .iter()
            .map(|p| rle_from_polygon_with(p, h, w, scratch))
            .collect();
        Rle::merge(&rles, false)
    }))
}

/// The one polygon of `seg` if it has exactly one (checked as [`segmentation_to_rle`] checks it: its
/// error if refused), for [`polygon_compressed_json`]; `None` for any other segmentation.
pub fn single_polygon(seg: &Segmentation, h: u32, w: u32) -> Result<Option<&[f64]>> {
    match seg {
        Segmentation::Polygons(parts) if parts.len() == 1 => {
            check_polygons(parts, h, w)?;
            Ok(Some(&parts[0]))
        }
        _ => Ok(None),
    }
}

/// [`polygon_to_compressed_json`] with this thread's buffers: what `segmentation_to_rle` and
/// [`Rle::write_compressed_json`] give for a segmentation of this one polygon (see [`single_polygon`]).
pub fn polygon_compressed_json(xy: &[f64], h: u32, w: u32, out: &mut Vec<u8>) {
    with_scratch(|scratch| polygon_to_compressed_json(xy, h, w, scratch, out))
}

/// `f` with this thread's [`PolyScratch`].
fn with_scratch<T>(f: impl FnOnce(&mut PolyScratch) -> T) -> T {
    SCRATCH.with(|cell| {
        // A re-entrant call (none today) would find the buffers borrowed: it gets fresh ones.
        let mut own = PolyScratch::default();
        let mut guard = cell.try_borrow_mut();
        let scratch = match guard.as_deref_mut() {
            Ok(s) => s,
            Err(_) => &mut own,
        };
        f(scratch)
    })
}

thread_local! {
    /// Buffers of [`rle_from_polygon_with`] for [`segmentation_to_rle`], kept per thread between calls.
    static SCRATCH: std::cell::RefCell<PolyScratch> = std::cell::RefCell::new(PolyScratch::default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatch() {
        let h = 10;
        let w = 10;
        let bb = Segmentation::Polygons(vec![vec![1.0, 1.0, 3.0, 2.0]]);
        assert!(segmentation_to_rle(&bb, h, w).is_err());
        let later = Segmentation::Polygons(vec![
            vec![1.0, 1.0, 6.0, 1.0, 6.0, 6.0],
            vec![1.0, 1.0, 3.0, 2.0],
        ]);
        assert!(segmentation_to_rle(&later, h, w).unwrap().is_some());
        let short = Segmentation::Polygons(vec![vec![1.0, 1.0]]);
        assert!(segmentation_to_rle(&short, h, w).is_err());
        let odd = Segmentation::Polygons(vec![vec![1.0, 1.0, 2.0, 2.0, 3.0, 1.0, 4.0]]);
        assert!(segmentation_to_rle(&odd, h, w).is_err());
        let nan = Segmentation::Polygons(vec![vec![1.0, 1.0, 2.0, f64::NAN, 3.0, 1.0]]);
        assert!(segmentation_to_rle(&nan, h, w).is_err());
        // The message names the part and the value, wherever it is (the check folds over every value).
        for (bad, at) in [(f64::INFINITY, 0), (f64::NEG_INFINITY, 7), (f64::NAN, 13)] {
            let mut second: Vec<f64> = (0..14).map(|i| (i % 5) as f64).collect();
            second[at] = bad;
            let seg = Segmentation::Polygons(vec![vec![1.0, 1.0, 6.0, 1.0, 6.0, 6.0], second]);
            let e = segmentation_to_rle(&seg, h, w).unwrap_err().to_string();
            assert!(
                e.contains(&format!("polygon 1 has a non-finite coordinate ({bad})")),
                "{e}"
            );
        }
        assert_eq!(
            segmentation_to_rle(&Segmentation::Empty, h, w).unwrap(),
            None
        );
        let bad = Segmentation::Rle {
            h: 2,
            w: 2,
            counts: vec![1, 2],
        };
        assert!(segmentation_to_rle(&bad, h, w).is_err());
    }
}

//! The confusion-matrix accumulator of semantic mIoU: (ground truth, prediction) label maps in, exact `u64`
//! pixel counts out.
//!
//! Each input's raw labels go through a [`LabelCoding`] (ignore index, mmseg's `reduce_zero_label`), precomputed
//! as a lookup table, so the per-pixel work is two table loads and one increment into a flat histogram indexed
//! `gt_row + pred_col` — no branch at all: ignored ground-truth pixels land in a row of their own, labels that
//! are out of range in an "invalid" row/column that is checked once per image (then an error names the image).
//! One [`Accumulator`] per thread, merged at the end ([`Accumulator::merge`]); nothing holds more than the two
//! maps of the image at hand.
//!
//! What mmseg's `intersect_and_union` does is reproduced: ground-truth pixels equal to the ignore index are left
//! out (with their prediction); a *prediction* equal to the ignore index on a labelled pixel is "no prediction":
//! the pixel counts in its class's ground truth (a miss) and in no class's prediction (mmseg's `torch.histc`
//! drops it). Where mmseg silently drops other out-of-range labels, cocokit refuses them.
//!
//! Not here: the metrics (see `metrics`), file reading (see `mask::png`).

use std::sync::Arc;

use crate::mask::png::{MapRef, PixelsRef};
use crate::{Error, Result};

/// The largest number of classes: the dense matrix costs `(n + 2)² × 8` bytes per thread (33 MB at 2048).
pub const MAX_CLASSES: usize = 2048;

/// How the raw labels of one input map to class indices `0..num_classes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelCoding {
    /// Pixels with this raw value are ignored (ground truth) or "no prediction" (prediction). Default 255.
    pub ignore_index: u32,
    /// mmseg's `reduce_zero_label`: raw 0 → ignore, every other raw value `v` → `v − 1` (and a reduced value
    /// equal to the ignore index is ignored too, as mmseg's `label[label == 254] = 255` does for 255).
    pub reduce_zero_label: bool,
}

impl Default for LabelCoding {
    fn default() -> Self {
        LabelCoding {
            ignore_index: 255,
            reduce_zero_label: false,
        }
    }
}

/// What a raw label means under a [`LabelCoding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoded {
    /// A class index `0..num_classes`.
    Class(usize),
    /// The ignore index (or 0 under `reduce_zero_label`).
    Ignore,
    /// A value that is neither a class nor ignored: an error.
    OutOfRange,
}

impl LabelCoding {
    /// Decode one raw label for a label space of `num_classes` classes.
    pub fn decode(&self, raw: u16, num_classes: usize) -> Decoded {
        let raw = u32::from(raw);
        if raw == self.ignore_index {
            return Decoded::Ignore;
        }
        let v = if self.reduce_zero_label {
            if raw == 0 {
                return Decoded::Ignore;
            }
            let v = raw - 1;
            if v == self.ignore_index {
                return Decoded::Ignore;
            }
            v
        } else {
            raw
        };
        if (v as usize) < num_classes {
            Decoded::Class(v as usize)
        } else {
            Decoded::OutOfRange
        }
    }
}

/// The lookup tables: raw label → ground-truth row offset / prediction column.
#[derive(Debug)]
struct Tables {
    gt: Box<[u32; 65536]>,
    pred: Box<[u32; 65536]>,
}

/// Accumulates the confusion matrix of a label space, image by image. Internally `(n + 2) × (n + 2)`: rows are
/// ground-truth classes, then "ignored", then "invalid"; columns are predicted classes, then "no prediction",
/// then "invalid".
#[derive(Debug, Clone)]
pub struct Accumulator {
    n: usize,
    stride: usize,
    counts: Vec<u64>,
    tables: Arc<Tables>,
    gt_coding: LabelCoding,
    pred_coding: LabelCoding,
    images: u64,
}

impl Accumulator {
    /// An empty accumulator for `num_classes` classes (1..=[`MAX_CLASSES`]), decoding the ground truth with `gt`
    /// and the prediction with `pred` (the same coding for PNGs sharing the ground truth's label space; a
    /// prediction painted directly in class indices uses `reduce_zero_label: false`).
    pub fn new(num_classes: usize, gt: LabelCoding, pred: LabelCoding) -> Result<Self> {
        if num_classes == 0 || num_classes > MAX_CLASSES {
            return Err(Error::msg(format!(
                "number of classes must be between 1 and {MAX_CLASSES}, got {num_classes}"
            )));
        }
        let n = num_classes;
        let stride = n + 2;
        let mut gt_t = Box::new([0u32; 65536]);
        let mut pred_t = Box::new([0u32; 65536]);
        for raw in 0..=u16::MAX {
            let row = match gt.decode(raw, n) {
                Decoded::Class(c) => c,
                Decoded::Ignore => n,
                Decoded::OutOfRange => n + 1,
            };
            gt_t[raw as usize] = (row * stride) as u32;
            pred_t[raw as usize] = match pred.decode(raw, n) {
                Decoded::Class(c) => c,
                Decoded::Ignore => n,
                Decoded::OutOfRange => n + 1,
            } as u32;
        }
        Ok(Accumulator {
            n,
            stride,
            counts: vec![0; stride * stride],
            tables: Arc::new(Tables {
                gt: gt_t,
                pred: pred_t,
            }),
            gt_coding: gt,
            pred_coding: pred,
            images: 0,
        })
    }

    /// A zeroed accumulator sharing this one's label space and lookup tables (for per-thread copies).
    pub fn empty_like(&self) -> Self {
        Accumulator {
            counts: vec![0; self.counts.len()],
            images: 0,
            tables: Arc::clone(&self.tables),
            ..*self
        }
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.n
    }

    /// Number of images added so far.
    pub fn images(&self) -> u64 {
        self.images
    }

    /// Add one image: `gt` and `pred` must have the same size (and the same pixel order). `image` names it in
    /// errors. After an error the accumulator's counts are unspecified: discard it.
    pub fn add(&mut self, image: &str, gt: MapRef<'_>, pred: MapRef<'_>) -> Result<()> {
        if gt.width != pred.width || gt.height != pred.height || gt.len() != pred.len() {
            return Err(Error::msg(format!(
                "ground truth is {}x{} but prediction is {}x{}",
                gt.width, gt.height, pred.width, pred.height
            ))
            .for_record(format!("image {image}")));
        }
        let t = &*self.tables;
        let c = &mut self.counts[..];
        match (gt.pixels, pred.pixels) {
            (PixelsRef::U8(g), PixelsRef::U8(p)) => accumulate(c, &t.gt, &t.pred, g, p),
            (PixelsRef::U8(g), PixelsRef::U16(p)) => accumulate(c, &t.gt, &t.pred, g, p),
            (PixelsRef::U16(g), PixelsRef::U8(p)) => accumulate(c, &t.gt, &t.pred, g, p),
            (PixelsRef::U16(g), PixelsRef::U16(p)) => accumulate(c, &t.gt, &t.pred, g, p),
        }
        self.images += 1;
        self.check(image, gt, Some(pred))
    }

    /// Add one image that has no prediction: every pixel is predicted as the raw label `fill` (decoded with the
    /// prediction's coding; see `docs/MIOU.md` for what a missing prediction means).
    pub fn add_unpredicted(&mut self, image: &str, gt: MapRef<'_>, fill: u16) -> Result<()> {
        if self.pred_coding.decode(fill, self.n) == Decoded::OutOfRange {
            return Err(Error::msg(format!(
                "the fill label {fill} of a missing prediction is not a class of {} nor the ignore index",
                self.n
            ))
            .for_record(format!("image {image}")));
        }
        let col = self.tables.pred[fill as usize] as usize;
        let t = &*self.tables;
        let c = &mut self.counts[..];
        match gt.pixels {
            PixelsRef::U8(g) => accumulate_const(c, &t.gt, g, col),
            PixelsRef::U16(g) => accumulate_const(c, &t.gt, g, col),
        }
        self.images += 1;
        self.check(image, gt, None)
    }

    /// Add another accumulator's counts (same label space).
    pub fn merge(&mut self, other: &Accumulator) {
        debug_assert_eq!(self.n, other.n);
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.images += other.images;
    }

    /// The confusion matrix so far.
    pub fn to_confusion(&self) -> ConfusionMatrix {
        let n = self.n;
        let mut counts = Vec::with_capacity(n * (n + 1));
        for r in 0..n {
            counts.extend_from_slice(&self.counts[r * self.stride..r * self.stride + n + 1]);
        }
        let ignored = self.counts[n * self.stride..n * self.stride + n + 1]
            .iter()
            .sum();
        ConfusionMatrix {
            n,
            counts,
            ignored,
            images: self.images,
        }
    }

    /// Error if the last image put anything in the "invalid" row or column (cold path: find the first culprit).
    fn check(&self, image: &str, gt: MapRef<'_>, pred: Option<MapRef<'_>>) -> Result<()> {
        let (n, s) = (self.n, self.stride);
        let bad_row = self.counts[(n + 1) * s..].iter().any(|&v| v != 0);
        let bad_col = (0..n + 1).any(|r| self.counts[r * s + n + 1] != 0);
        if !bad_row && !bad_col {
            return Ok(());
        }
        let culprit = |what: &str, map: MapRef<'_>, coding: &LabelCoding| -> Option<Error> {
            (0..map.len()).find_map(|i| {
                let raw = map.pixels.get(i);
                (coding.decode(raw, n) == Decoded::OutOfRange).then(|| {
                    let w = map.width.max(1) as usize;
                    Error::msg(format!(
                        "{what} label {raw} at (x={}, y={}) is not a class (0..{n}{}) nor the ignore index {}",
                        i % w,
                        i / w,
                        if coding.reduce_zero_label { " after reduce-zero-label, i.e. raw 1..=n" } else { "" },
                        coding.ignore_index
                    ))
                })
            })
        };
        let err = culprit("ground-truth", gt, &self.gt_coding)
            .or_else(|| pred.and_then(|p| culprit("predicted", p, &self.pred_coding)))
            .unwrap_or_else(|| Error::msg("label out of range"));
        Err(err.for_record(format!("image {image}")))
    }
}

/// The hot loop: one histogram increment per pixel, no branch.
#[inline(never)]
fn accumulate<G, P>(
    counts: &mut [u64],
    gt_t: &[u32; 65536],
    pred_t: &[u32; 65536],
    gt: &[G],
    pred: &[P],
) where
    G: Copy + Into<u16>,
    P: Copy + Into<u16>,
{
    for (&g, &p) in gt.iter().zip(pred) {
        let k = gt_t[usize::from(g.into())] as usize + pred_t[usize::from(p.into())] as usize;
        counts[k] += 1;
    }
}

#[inline(never)]
fn accumulate_const<G: Copy + Into<u16>>(
    counts: &mut [u64],
    gt_t: &[u32; 65536],
    gt: &[G],
    col: usize,
) {
    for &g in gt {
        counts[gt_t[usize::from(g.into())] as usize + col] += 1;
    }
}

/// A finished confusion matrix: `n` rows (ground-truth classes) × `n + 1` columns (predicted classes, then "no
/// prediction"), exact pixel counts. Ignored ground-truth pixels are not in it (only their total).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfusionMatrix {
    n: usize,
    counts: Vec<u64>,
    ignored: u64,
    images: u64,
}

impl ConfusionMatrix {
    /// Build from row-major counts, `n × (n + 1)` (last column: "no prediction").
    pub fn from_counts(n: usize, counts: Vec<u64>) -> Result<Self> {
        if n == 0 || counts.len() != n * (n + 1) {
            return Err(Error::msg(format!(
                "a confusion matrix of {n} classes needs {} counts, got {}",
                n * (n + 1),
                counts.len()
            )));
        }
        Ok(ConfusionMatrix {
            n,
            counts,
            ignored: 0,
            images: 0,
        })
    }
    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.n
    }
    /// Pixels of ground-truth class `gt` predicted as `pred` (`pred == n`: no prediction).
    pub fn get(&self, gt: usize, pred: usize) -> u64 {
        self.counts[gt * (self.n + 1) + pred]
    }
    /// Row `gt`: its `n + 1` counts.
    pub fn row(&self, gt: usize) -> &[u64] {
        &self.counts[gt * (self.n + 1)..(gt + 1) * (self.n + 1)]
    }
    /// Correctly predicted pixels of class `c` (the intersection).
    pub fn intersection(&self, c: usize) -> u64 {
        self.get(c, c)
    }
    /// Ground-truth pixels of class `c` (whatever was predicted, "no prediction" included).
    pub fn gt_pixels(&self, c: usize) -> u64 {
        self.row(c).iter().sum()
    }
    /// Pixels predicted as class `c` on labelled (not ignored) ground truth.
    pub fn pred_pixels(&self, c: usize) -> u64 {
        (0..self.n).map(|r| self.get(r, c)).sum()
    }
    /// Labelled pixels with no prediction (the prediction was the ignore index).
    pub fn unpredicted_pixels(&self) -> u64 {
        (0..self.n).map(|r| self.get(r, self.n)).sum()
    }
    /// Ground-truth pixels that were ignored.
    pub fn ignored_pixels(&self) -> u64 {
        self.ignored
    }
    /// Number of images accumulated.
    pub fn images(&self) -> u64 {
        self.images
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coding(ignore: u32, reduce: bool) -> LabelCoding {
        LabelCoding {
            ignore_index: ignore,
            reduce_zero_label: reduce,
        }
    }

    #[test]
    fn decode_plain_and_reduced() {
        let c = coding(255, false);
        assert_eq!(c.decode(0, 3), Decoded::Class(0));
        assert_eq!(c.decode(2, 3), Decoded::Class(2));
        assert_eq!(c.decode(3, 3), Decoded::OutOfRange);
        assert_eq!(c.decode(255, 3), Decoded::Ignore);
        let r = coding(255, true);
        assert_eq!(r.decode(0, 3), Decoded::Ignore);
        assert_eq!(r.decode(1, 3), Decoded::Class(0));
        assert_eq!(r.decode(3, 3), Decoded::Class(2));
        assert_eq!(r.decode(4, 3), Decoded::OutOfRange);
        assert_eq!(r.decode(255, 3), Decoded::Ignore);
        // mmseg: a reduced value equal to 255 (raw 256) is ignored too.
        assert_eq!(r.decode(256, 300), Decoded::Ignore);
        assert_eq!(r.decode(257, 300), Decoded::Class(256));
    }

    #[test]
    fn counts_by_hand() {
        // 3 classes; gt row-major 2x3, pred likewise.
        let gt = [0u8, 1, 2, 255, 1, 1];
        let pred = [0u16, 2, 2, 0, 1, 255];
        let mut acc = Accumulator::new(3, coding(255, false), coding(255, false)).unwrap();
        acc.add(
            "a",
            MapRef::u8(3, 2, &gt).unwrap(),
            MapRef::u16(3, 2, &pred).unwrap(),
        )
        .unwrap();
        let cm = acc.to_confusion();
        assert_eq!(cm.row(0), &[1, 0, 0, 0]);
        assert_eq!(cm.row(1), &[0, 1, 1, 1]);
        assert_eq!(cm.row(2), &[0, 0, 1, 0]);
        assert_eq!(cm.ignored_pixels(), 1);
        assert_eq!(cm.gt_pixels(1), 3);
        assert_eq!(cm.pred_pixels(2), 2);
        assert_eq!(cm.pred_pixels(0), 1); // the pixel predicted 0 on ignored gt does not count
        assert_eq!(cm.unpredicted_pixels(), 1);
        assert_eq!(cm.images(), 1);
    }

    #[test]
    fn merge_equals_sequential() {
        let gt = [0u8, 1, 2, 0];
        let pred = [1u8, 1, 2, 0];
        let mut a = Accumulator::new(3, coding(255, false), coding(255, false)).unwrap();
        let mut b = a.empty_like();
        let mut both = a.empty_like();
        let m = |d| MapRef::u8(2, 2, d).unwrap();
        a.add("1", m(&gt), m(&pred)).unwrap();
        b.add("2", m(&pred), m(&gt)).unwrap();
        both.add("1", m(&gt), m(&pred)).unwrap();
        both.add("2", m(&pred), m(&gt)).unwrap();
        a.merge(&b);
        assert_eq!(a.to_confusion(), both.to_confusion());
    }

    #[test]
    fn unpredicted_fill() {
        let gt = [0u8, 1, 2, 3];
        // Reduce-zero-label: fill 0 decodes to "ignore" = no prediction.
        let mut a = Accumulator::new(3, coding(255, true), coding(255, true)).unwrap();
        a.add_unpredicted("x", MapRef::u8(2, 2, &gt).unwrap(), 0)
            .unwrap();
        let cm = a.to_confusion();
        assert_eq!(cm.ignored_pixels(), 1);
        assert_eq!(cm.unpredicted_pixels(), 3);
        // Without it, fill 0 is class 0.
        let mut a = Accumulator::new(4, coding(255, false), coding(255, false)).unwrap();
        a.add_unpredicted("x", MapRef::u8(2, 2, &gt).unwrap(), 0)
            .unwrap();
        assert_eq!(a.to_confusion().pred_pixels(0), 4);
        // A fill that is out of range is an error.
        let mut a = Accumulator::new(2, coding(255, false), coding(255, false)).unwrap();
        assert!(a
            .add_unpredicted("x", MapRef::u8(1, 1, &[0]).unwrap(), 7)
            .is_err());
    }

    #[test]
    fn errors_name_the_image_and_pixel() {
        let mut a = Accumulator::new(3, coding(255, false), coding(255, false)).unwrap();
        let e = a
            .add(
                "img7",
                MapRef::u8(2, 1, &[0, 1]).unwrap(),
                MapRef::u8(1, 2, &[0, 1]).unwrap(),
            )
            .unwrap_err();
        assert_eq!(e.record.as_deref(), Some("image img7"));
        assert!(e.msg.contains("2x1") && e.msg.contains("1x2"), "{e}");

        let mut a = Accumulator::new(3, coding(255, false), coding(255, false)).unwrap();
        let e = a
            .add(
                "g",
                MapRef::u8(2, 2, &[0, 1, 2, 3]).unwrap(),
                MapRef::u8(2, 2, &[0, 0, 0, 0]).unwrap(),
            )
            .unwrap_err();
        assert!(e.msg.contains("ground-truth label 3 at (x=1, y=1)"), "{e}");
        assert_eq!(e.record.as_deref(), Some("image g"));

        let mut a = Accumulator::new(3, coding(255, false), coding(255, false)).unwrap();
        // Out-of-range prediction, even under an ignored ground-truth pixel.
        let e = a
            .add(
                "p",
                MapRef::u8(2, 1, &[0, 255]).unwrap(),
                MapRef::u16(2, 1, &[0, 900]).unwrap(),
            )
            .unwrap_err();
        assert!(e.msg.contains("predicted label 900 at (x=1, y=0)"), "{e}");

        assert!(Accumulator::new(0, coding(255, false), coding(255, false)).is_err());
        assert!(Accumulator::new(MAX_CLASSES + 1, coding(255, false), coding(255, false)).is_err());
        assert!(ConfusionMatrix::from_counts(2, vec![0; 5]).is_err());
    }
}

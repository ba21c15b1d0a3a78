//! The confusion-matrix accumulator of semantic mIoU: (ground truth, prediction) label maps in, exact `u64`
//! pixel counts out.
//!
//! Each input's raw labels go through a [`LabelCoding`] (ignore index, mmseg's `reduce_zero_label`), precomputed
//! as a lookup table, so the per-pixel work is two table loads and one increment into a flat histogram indexed
//! `gt_row + pred_col` — no per-pixel branch at all: ignored ground-truth pixels land in a row of their own,
//! labels that are out of range in an "invalid" row/column that is checked once per image (then an error names
//! the image). Two things keep the loop fast on real label maps, whose long runs of one (gt, pred) pair would
//! otherwise chain every increment on the previous one: blocks of 16 pixels that are one pair throughout are
//! counted in a register while the pair lasts (one increment per run), and other blocks spread their pixels over
//! 4 interleaved histograms ("lanes", summed at the end; for label spaces of ≤ 254 classes — larger ones use one
//! lane to bound memory).
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
    /// `lanes` histograms of `stride²` counts, back to back.
    lanes: usize,
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
        let lanes = if stride * stride <= 1 << 16 { 4 } else { 1 };
        Ok(Accumulator {
            n,
            stride,
            lanes,
            counts: vec![0; lanes * stride * stride],
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
        let l = self.lanes;
        match (gt.pixels, pred.pixels) {
            (PixelsRef::U8(g), PixelsRef::U8(p)) => accumulate(c, l, &t.gt, &t.pred, g, p),
            (PixelsRef::U8(g), PixelsRef::U16(p)) => accumulate(c, l, &t.gt, &t.pred, g, p),
            (PixelsRef::U16(g), PixelsRef::U8(p)) => accumulate(c, l, &t.gt, &t.pred, g, p),
            (PixelsRef::U16(g), PixelsRef::U16(p)) => accumulate(c, l, &t.gt, &t.pred, g, p),
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

    /// Count of internal cell `k` (row × stride + column), summed over the lanes.
    fn cell(&self, k: usize) -> u64 {
        let s2 = self.stride * self.stride;
        (0..self.lanes).map(|l| self.counts[l * s2 + k]).sum()
    }

    /// The confusion matrix so far.
    pub fn to_confusion(&self) -> ConfusionMatrix {
        let (n, s) = (self.n, self.stride);
        let mut counts = Vec::with_capacity(n * (n + 1));
        for r in 0..n {
            counts.extend((0..=n).map(|c| self.cell(r * s + c)));
        }
        let ignored = (0..=n).map(|c| self.cell(n * s + c)).sum();
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
        let bad_row = (0..s).any(|c| self.cell((n + 1) * s + c) != 0);
        let bad_col = (0..n + 1).any(|r| self.cell(r * s + n + 1) != 0);
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

/// Pixels per block of the uniform-block fast path (and a multiple of the 4 lanes).
const BLOCK: usize = 16;

/// The hot loop: one histogram increment per pixel, no per-pixel branch; `counts` holds `lanes` (1 or 4)
/// histograms back to back.
#[inline(never)]
fn accumulate<G, P>(
    counts: &mut [u64],
    lanes: usize,
    gt_t: &[u32; 65536],
    pred_t: &[u32; 65536],
    gt: &[G],
    pred: &[P],
) where
    G: Copy + Into<u16> + PartialEq,
    P: Copy + Into<u16> + PartialEq,
{
    let key =
        |g: G, p: P| gt_t[usize::from(g.into())] as usize + pred_t[usize::from(p.into())] as usize;
    let lane_len = counts.len() / lanes;
    let (c0, rest) = counts.split_at_mut(lane_len);
    let mut lane_rest: Vec<&mut [u64]> = rest.chunks_exact_mut(lane_len).collect();
    let (gb, g_rest) = gt.as_chunks::<BLOCK>();
    let (pb, p_rest) = pred.as_chunks::<BLOCK>();
    // The current run of uniform blocks: its pair and length (kept in registers, added when it ends).
    let mut run: Option<(G, P)> = None;
    let mut run_len = 0u64;
    for (g, p) in gb.iter().zip(pb) {
        let (g0, p0) = (g[0], p[0]);
        // Whole-array equality compiles to a few vector compares.
        if *g == [g0; BLOCK] && *p == [p0; BLOCK] {
            if run == Some((g0, p0)) {
                run_len += BLOCK as u64;
            } else {
                if let Some((rg, rp)) = run {
                    c0[key(rg, rp)] += run_len;
                }
                run = Some((g0, p0));
                run_len = BLOCK as u64;
            }
        } else if let [c1, c2, c3] = &mut lane_rest[..] {
            for (g4, p4) in g.as_chunks::<4>().0.iter().zip(p.as_chunks::<4>().0) {
                c0[key(g4[0], p4[0])] += 1;
                c1[key(g4[1], p4[1])] += 1;
                c2[key(g4[2], p4[2])] += 1;
                c3[key(g4[3], p4[3])] += 1;
            }
        } else {
            for (&g, &p) in g.iter().zip(p) {
                c0[key(g, p)] += 1;
            }
        }
    }
    if let Some((rg, rp)) = run {
        c0[key(rg, rp)] += run_len;
    }
    for (&g, &p) in g_rest.iter().zip(p_rest) {
        c0[key(g, p)] += 1;
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
    use proptest::prelude::{prop_assume, prop_oneof};

    fn coding(ignore: u32, reduce: bool) -> LabelCoding {
        LabelCoding {
            ignore_index: ignore,
            reduce_zero_label: reduce,
        }
    }

    /// Count pixel by pixel with `decode`: the reference for the fast loop.
    fn naive(n: usize, c: LabelCoding, gt: &[u16], pred: &[u16]) -> (Vec<u64>, u64) {
        let mut m = vec![0u64; n * (n + 1)];
        let mut ignored = 0;
        for (&g, &p) in gt.iter().zip(pred) {
            match c.decode(g, n) {
                Decoded::Class(r) => {
                    let col = match c.decode(p, n) {
                        Decoded::Class(k) => k,
                        _ => n,
                    };
                    m[r * (n + 1) + col] += 1;
                }
                _ => ignored += 1,
            }
        }
        (m, ignored)
    }

    proptest::proptest! {
        #[test]
        fn fast_loop_equals_naive(
            n in prop_oneof![1usize..12, 250usize..300],
            reduce in proptest::bool::ANY,
            width in 1u32..70,
            runs in proptest::collection::vec((0u16..16, 0u16..16, 1usize..40), 1..40),
            mode in 0u8..4,
        ) {
            // Labels drawn from a small alphabet spread over the label space (runs, so uniform blocks occur).
            let alphabet = |k: u16| -> u16 {
                match k { 0 => 0, 1 => 255, 2 => n as u16 - 1 + u16::from(reduce), _ => (k * 37) % (n as u16) + u16::from(reduce) }
            };
            let mut gt = Vec::new();
            let mut pred = Vec::new();
            for (g, p, len) in runs {
                for i in 0..len {
                    gt.push(alphabet(g));
                    pred.push(alphabet(if i % 5 == 4 { (p + 1) % 16 } else { p }));
                }
            }
            let h = gt.len() as u32 / width;
            prop_assume!(h > 0);
            let len = (width * h) as usize;
            gt.truncate(len);
            pred.truncate(len);
            let c = LabelCoding { ignore_index: 255, reduce_zero_label: reduce };
            let mut acc = Accumulator::new(n, c, c).unwrap();
            let g8: Vec<u8> = gt.iter().map(|&v| v as u8).collect();
            let p8: Vec<u8> = pred.iter().map(|&v| v as u8).collect();
            let fits8 = gt.iter().chain(&pred).all(|&v| v < 256);
            let mode = if fits8 { mode } else { 0 };
            let (g16, p16) = (MapRef::u16(width, h, &gt).unwrap(), MapRef::u16(width, h, &pred).unwrap());
            let (g8, p8) = (MapRef::u8(width, h, &g8).unwrap(), MapRef::u8(width, h, &p8).unwrap());
            let res = match mode {
                0 => acc.add("i", g16, p16),
                1 => acc.add("i", g8, p16),
                2 => acc.add("i", g8, p8),
                _ => acc.add("i", g16, p8),
            };
            res.unwrap();
            let cm = acc.to_confusion();
            let (m, ignored) = naive(n, c, &gt, &pred);
            proptest::prop_assert_eq!(cm.ignored_pixels(), ignored);
            for r in 0..n {
                proptest::prop_assert_eq!(cm.row(r), &m[r * (n + 1)..(r + 1) * (n + 1)]);
            }
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

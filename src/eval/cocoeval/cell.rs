//! The unit of evaluation: one image × category pair, as `prepare` lays it out and `geom` / `evaluate` read it.
//! Its own module so that `prepare` (which builds cells) and `geom` (which computes their IoUs) need not
//! import each other.

/// One image × category pair with something in it (pycocotools' `evalImgs` entries that are not `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cell {
    /// Category index into `EvalParams::cat_ids` (0 without categories).
    pub k: u32,
    /// Image index into `EvalParams::img_ids`.
    pub img: u32,
    pub gt_start: u32,
    pub gt_len: u32,
    pub dt_start: u32,
    /// Detections kept: at most `max(max_dets)`, highest score first (stable).
    pub dt_len: u32,
    /// Federated (LVIS) evaluation: the category is not exhaustively annotated in the image, so unmatched
    /// detections are ignored rather than false positives.
    pub unmatched_ignored: bool,
}

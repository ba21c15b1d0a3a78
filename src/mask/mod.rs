//! Masks: run-length encoding, polygons and bitmaps, bit-exact with pycocotools 2.0.11 (`maskApi.c`).
//!
//! - [`rle`]: the `Rle` type (column-major runs, first run = zeros), bitmap encode/decode, the compressed
//!   string codec, area, bbox, merge, mask IoU and box IoU (all on runs, never on bitmaps);
//! - [`polygon`]: polygon → RLE (`rleFrPoly`);
//! - [`segmentation`]: a `segmentation` → RLE as `COCO.annToRLE` / `frPyObjects` dispatch it
//!   (`segmentation_to_rle`), box → RLE (`rleFrBbox`);
//! - [`contour`]: mask → polygons (pixel-edge contours, holes kept);
//! - [`raster`]: painting masks into label maps straight from runs;
//! - [`png`]: reading and writing label-map PNGs (8/16-bit grey, palette) and panoptic segment-id PNGs
//!   ([`png_rgb8`]: the fast path for their common 8-bit RGB(A) shape);
//! - [`boundary`]: mask → boundary band (boundary-iou-api's `mask_to_boundary`).
//!
//! Golden parity with pycocotools is tested in `tests/mask_golden.rs` (data from `scripts/golden_masks.py`);
//! docs/MASKS.md lists every pycocotools quirk reproduced or deliberately not.
//!
//! Not here: JSON parsing (see `coco`), evaluation (see `eval`).

pub mod boundary;
pub mod contour;
pub mod png;
pub mod png_rgb8;
pub mod polygon;
pub mod raster;
pub mod rle;
pub mod segmentation;

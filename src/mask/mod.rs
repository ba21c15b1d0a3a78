//! Masks: run-length encoding, polygons and bitmaps, bit-exact with pycocotools 2.0.11 (`maskApi.c`).
//!
//! - [`rle`]: the `Rle` type (column-major runs, first run = zeros), bitmap encode/decode, the compressed
//!   string codec, area, bbox, merge, IoU;
//! - [`polygon`]: polygon → RLE (`rleFrPoly`), box → RLE (`rleFrBbox`), mask → polygon (contours);
//! - [`raster`]: painting label maps from annotations;
//! - [`png`]: reading and writing label-map PNGs (8/16-bit grey, palette).
//!
//! Not here: JSON parsing (see `coco`), evaluation (see `eval`).

pub mod convert;
pub mod png;
pub mod polygon;
pub mod raster;
pub mod rasterize;
pub mod rle;
pub mod synth;

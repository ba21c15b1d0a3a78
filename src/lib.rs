//! cocokit — a fast, exact, streaming toolkit for COCO-format datasets.
//!
//! Layers (data flows one way, a layer uses only those below it):
//! - [`json`]: the byte-level streaming scanner, the jq-style re-indenter and path selector;
//! - [`coco`]: the COCO model (images, annotations, categories, segmentations) and its streaming reader/writer;
//! - [`mask`]: RLE, polygons and bitmaps, bit-exact with pycocotools 2.0.11;
//! - [`eval`]: semantic mIoU and COCO detection AP;
//! - [`render`]: drawing on images (masks, boxes, skeletons, labels), SVG charts, the HTML report page;
//! - [`ops`]: the operations the commands run over dataset files (stats, filter, convert, rasterize,
//!   validate, synth), written once for the CLI and the Python package;
//! - [`io`]: inputs (mmap / stdin), atomic outputs, progress bars;
//! - [`cmd`]: one module per subcommand, wiring the layers together.
//!
//! This crate is not a DOM JSON library: nothing here ever holds a whole annotation file as a tree.

pub mod cmd;
pub mod coco;
pub mod error;
pub mod eval;
pub mod io;
pub mod json;
pub mod mask;
pub mod ops;
pub mod render;

pub use error::{Error, Result};

/// Helpers for the unit tests.
#[cfg(test)]
pub(crate) mod testing {
    /// Marsaglia's xorshift64 from `seed` (non-zero): the tests' reproducible pseudo-random numbers.
    pub(crate) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }
}

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
//!
//! # Using the library
//!
//! The surface other programs (and the Python package) use is small: [`mask::rle::Rle`] and the
//! [`mask::polygon`] conversions for masks, [`io::Input`] to open a file, and one function per operation in
//! [`ops`] returning a report (the value the command prints with `--json`). The rest of each module is public
//! so that the layers above can use it, not as a promise.
//!
//! Masks, as pycocotools' `frPyObjects`, `area`, `toBbox`, `iou` and `encode` compute them:
//!
//! ```
//! use cocokit::mask::polygon::rle_from_polygon;
//! use cocokit::mask::rle::{iou, Rle};
//!
//! // A 10 x 10 square in a 30 x 40 (height x width) image.
//! let square = rle_from_polygon(&[10.0, 10.0, 20.0, 10.0, 20.0, 20.0, 10.0, 20.0], 30, 40);
//! assert_eq!(square.area(), 100);
//! assert_eq!(square.to_bbox(), [10.0, 10.0, 10.0, 10.0]);
//! // The compressed string is pycocotools' `counts`, byte for byte.
//! let same = Rle::from_compressed(30, 40, square.to_compressed_string().as_bytes()).unwrap();
//! assert_eq!(iou(&[square], &[same], &[false]), vec![1.0]);
//! ```
//!
//! A dataset's counts (`cocokit stats --json`), read in bounded memory:
//!
//! ```
//! use cocokit::io::Input;
//!
//! let input = Input::open("fixtures/cocoapi-val2014-100/instances_val2014_100.json")?;
//! let stats = cocokit::ops::stats::compute(&input)?;
//! assert_eq!((stats.images, stats.kind.as_str()), (100, "dataset"));
//! # Ok::<(), cocokit::Error>(())
//! ```
//!
//! COCO evaluation with pycocotools' numbers (`cocokit eval coco --json`):
//!
//! ```
//! use cocokit::eval::cocoeval::{IouType, Params};
//! use cocokit::ops::eval_coco::{run, Options};
//!
//! let dir = "fixtures/cocoapi-val2014-100";
//! let report = run(&Options::new(
//!     format!("{dir}/instances_val2014_100.json"),
//!     format!("{dir}/instances_val2014_fakebbox100_results.json"),
//!     Params::new(IouType::Bbox),
//! ))?;
//! assert_eq!(report.summary.stats.len(), 12);
//! // pycocotools 2.0.11 prints 0.505 for this pair (cocoapi's own example).
//! assert_eq!(format!("{:.3}", report.summary.stats[0]), "0.505");
//! # Ok::<(), cocokit::Error>(())
//! ```

/// The command line: one module per subcommand, used by the `cocokit` binary, its completions and man
/// pages. Not part of the library's API.
#[doc(hidden)]
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

//! The COCO model and its streaming reader / writer.
//!
//! - [`model`]: `Image`, `Annotation`, `Category`, `Segmentation`;
//! - [`reader`]: typed records streamed out of the JSON scanner, in file order, without a DOM;
//! - [`ids`]: dense indexes of image / category ids for the streaming counters;
//! - [`source`]: many files, directories, globs and SA-1B per-image files read as one document.
//!
//! Not here: mask arithmetic (`mask`), evaluation (`eval`).

pub mod categories;
pub mod ids;
pub mod model;
pub mod reader;
pub mod source;
pub mod walk;
pub mod writer;

pub use model::{Annotation, Category, Image, Segmentation};

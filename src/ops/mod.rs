//! Operations over dataset and results files: what each command does, written once, shared by the CLI (`cmd`)
//! and the library's users (the Python package).
//!
//! - [`stats`]: counts of a dataset (images, annotations, kinds, areas, per category);
//! - [`filter`]: keep categories, their annotations and images, records written back byte for byte;
//! - [`convert`]: segmentations to compressed / raw RLE or polygons (`COCO.annToRLE`);
//! - [`rasterize`]: one label-map PNG per image (`COCO.annToMask` painting);
//! - [`validate`]: every problem of a file, grouped by kind;
//! - [`parquet`]: a dataset as Parquet files (images, annotations, categories) and back;
//! - [`synth`], [`synth_detections`]: a deterministic synthetic dataset and detections for it.
//!
//! Each walks records with the reader of [`crate::coco::reader`] and uses the layers below (`json`, `coco`,
//! `mask`); none prints: they return reports that `cmd` formats. Evaluation lives in [`crate::eval`].

pub mod convert;
pub mod filter;
pub mod parquet;
pub mod rasterize;
pub mod stats;
pub mod synth;
pub mod synth_detections;
pub mod validate;

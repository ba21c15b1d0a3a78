//! Operations over dataset and results files: what each command does, written once, shared by the CLI (`cmd`)
//! and the library's users (the Python package).
//!
//! - [`eval_coco`]: `eval coco` — the files read, COCOeval run, the report and its warnings;
//! - [`eval_lvis`]: `eval lvis` — the files read, lvis-api's federated evaluation run, its report;
//! - [`eval_miou`]: `eval miou` — inputs told apart, the convention resolved, the evaluation run;
//! - [`eval_panoptic`]: `eval panoptic` — panopticapi's `pq_compute` and its report;
//! - [`eval_shard`]: `eval coco --partial` and `eval merge` — sharded evaluation, merged bit-exactly;
//! - [`stats`]: counts of a dataset (images, annotations, kinds, areas, per category);
//! - [`filter`]: keep categories, their annotations and images, records written back byte for byte;
//! - [`merge`]: the union of datasets, ids renumbered only where they collide;
//! - [`remap`]: rename, merge and drop categories, ids renumbered 1..N;
//! - [`convert`]: segmentations to compressed / raw RLE or polygons (`COCO.annToRLE`);
//! - [`rasterize`]: one label-map PNG per image (`COCO.annToMask` painting);
//! - [`report`]: the HTML report's page of `eval coco` and `eval miou`;
//! - [`show`]: images with annotations and predictions drawn (TP/FP/FN), contact sheets;
//! - [`validate`]: every problem of a file, grouped by kind;
//! - [`synth`], [`synth_detections`]: a deterministic synthetic dataset and detections for it; [`synth_kinds`]
//!   and [`synth_panoptic`]: keypoints, LVIS and panoptic ones (with results / predictions);
//! - [`yolo`]: YOLO (ultralytics) label files out of a dataset and back;
//! - [`split`], [`sample`]: train / val / test parts and deterministic subsets, records written back byte for
//!   byte; [`subset`] holds their two passes over the file.
//! - [`parquet`]: a dataset as Parquet files (images, annotations, categories) and back.
//!
//! Each walks records with the reader of [`crate::coco::reader`] and uses the layers below (`json`, `coco`,
//! `mask`); none prints: they return reports that `cmd` formats. Evaluation lives in [`crate::eval`].
//! [`filter`], [`convert`] and [`rasterize`] each have one entry point taking the whole request as the command
//! and the Python package give it (`run`), which tells a [`Watch`] how far it is.

pub mod convert;
pub mod eval_coco;
pub mod eval_lvis;
pub mod eval_miou;
pub mod eval_panoptic;
pub mod eval_shard;
pub mod filter;
pub mod merge;
pub mod parquet;
pub mod rasterize;
pub mod remap;
pub mod report;
pub mod sample;
pub mod show;
pub mod split;
pub mod stats;
pub mod subset;
pub mod synth;
pub mod synth_detections;
pub mod synth_kinds;
pub mod synth_panoptic;
pub mod validate;
pub mod yolo;

/// What a file-writing operation (`filter::run`, `convert::run`, `rasterize::run`) tells its caller while it
/// runs, and asks it: the CLI draws progress bars from it, the Python package stops the operation on Ctrl-C.
/// Every method has a default that does nothing ([`Unwatched`]).
pub trait Watch: Sync {
    /// `done` of `total` input files read (only when the input is many files).
    fn files(&self, _done: u64, _total: u64) {}
    /// The main pass starts, over `total` units (bytes or images, as the operation says) when known.
    fn start(&self, _total: Option<u64>) {}
    /// How far the main pass is.
    fn position(&self, _pos: u64) {}
    /// Whether the caller wants the operation to stop. It then fails with [`interrupted`] at its next write:
    /// an output file is not replaced (PNGs already renamed into place stay).
    fn stop(&self) -> bool {
        false
    }
}

/// A [`Watch`] that watches nothing.
pub struct Unwatched;

impl Watch for Unwatched {}

/// The error an operation stopped by its [`Watch`] fails with.
pub fn interrupted() -> crate::error::Error {
    crate::error::Error::msg("interrupted")
}

/// `w`, failing (with [`interrupted`]) at the first write after `watch` asks to stop.
pub(crate) struct Stoppable<'a> {
    pub w: &'a mut dyn std::io::Write,
    pub watch: &'a dyn Watch,
}

impl Stoppable<'_> {
    fn check(&self) -> std::io::Result<()> {
        if self.watch.stop() {
            // Not `ErrorKind::Interrupted`: `write_all` retries that kind.
            return Err(std::io::Error::other("interrupted"));
        }
        Ok(())
    }
}

impl std::io::Write for Stoppable<'_> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.check()?;
        self.w.write(b)
    }
    fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.check()?;
        self.w.write_all(b)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

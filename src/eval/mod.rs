//! Evaluation of predictions against ground truth.
//!
//! - [`miou`]: per-class semantic IoU from confusion matrices, with the mmsegmentation, detectron2, ADE20K and
//!   COCO-Stuff conventions selectable by name;
//! - [`cocoeval`]: COCO detection AP (bbox, segm), the 12 stats of pycocotools' `COCOeval`.
//!
//! Not here: reading files (see `coco`) or rasterizing (see `mask`).

pub mod cocoeval;
pub mod miou;

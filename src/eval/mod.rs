//! Evaluation of predictions against ground truth.
//!
//! - [`miou`]: per-class semantic IoU from confusion matrices, with the mmsegmentation, detectron2, ADE20K and
//!   COCO-Stuff conventions selectable by name;
//! - [`cocoeval`]: COCO detection AP (bbox, segm) and keypoint AP (OKS), the stats of pycocotools' `COCOeval`;
//! - [`lvis`]: LVIS federated AP (lvis-api's `LVISEval`), on cocoeval's IoU and matching;
//! - [`tide`]: tidecv's error decomposition; [`confusion`]: a detection confusion matrix; [`operating_point`]:
//!   precision / recall / F1 at one score and IoU threshold;
//! - [`panoptic`]: panoptic quality (panopticapi's `pq_compute`) from segment-id PNGs.
//!
//! Not here: reading files (see `coco`) or rasterizing (see `mask`).

pub mod cocoeval;
pub mod confusion;
pub(crate) mod image_iou;
pub mod lvis;
pub mod miou;
pub mod operating_point;
pub mod panoptic;
pub mod pr_curves;
pub mod tide;

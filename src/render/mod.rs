//! Pictures and pages made from datasets and evaluation results: drawing on RGB images ([`canvas`]: translucent
//! masks from RLE, box outlines, keypoint skeletons, bitmap-font labels), SVG charts ([`chart`]: PR curves,
//! bars, a heatmap) and the self-contained HTML report ([`html`]).
//!
//! It is a layer of its own between `eval` and `ops`: it reads the model (`coco`), masks (`mask`) and
//! evaluation results (`eval`) and turns them into pixels or markup. It is NOT where matching, metrics or file
//! handling happen: `ops::show` decides what is drawn in which colour and writes the files; the evaluators
//! compute the numbers a page shows.

pub mod canvas;
pub mod chart;
pub mod html;
pub mod palette;

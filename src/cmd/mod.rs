//! One module per subcommand: its help text (with an example) and a `run` function that wires the library's
//! layers together. No algorithm lives here.

pub mod convert;
pub mod eval_coco;
pub mod eval_lvis;
pub mod eval_miou;
pub mod eval_panoptic;
pub mod filter;
pub mod pretty;
pub mod rasterize;
pub mod stats;
pub mod synth;
pub mod validate;

//! cocokit's integration tests, one binary (one link step): a module per command or topic, as ripgrep's
//! and xsv's `tests/tests.rs` do. `common` runs the real binary in a scratch directory.

mod common;

mod architecture;
mod bad_input;
mod cli_cocostuff;
mod cli_completions_man;
mod cli_help_examples;
mod cli_reference;
mod cli_vocabulary;
mod cocoeval_common;
mod cocoeval_golden;
mod convert;
mod eval_boundary;
mod eval_coco;
mod eval_keypoints;
mod eval_lvis;
mod eval_miou;
mod eval_panoptic;
mod filter;
mod filter_select;
mod fuzz_regressions;
mod guard_rails;
mod inputs_named;
mod manyfile;
mod mask_golden;
mod mask_props;
mod merge;
mod miou_golden;
mod miou_mixed;
mod parquet;
mod pretty;
mod rasterize;
mod rasterize_results;
mod remap;
mod results_files;
mod sample;
mod shard;
mod show;
mod split;
mod stats;
mod synth;
mod tide;
mod validate;
mod validate_findings;
mod yolo;

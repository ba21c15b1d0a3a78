//! The JSON layer: one byte-level scanner and what is built directly on it.
//!
//! - [`scan`]: validating scanner, string/number decoding, object/array cursors (no DOM, no recursion);
//! - [`pretty`]: the jq-compatible streaming re-indenter;
//! - [`path`]: the jq-style path subset used by `pretty --path`;
//! - [`number`]: the plain-decimal fast path of number parsing (same doubles as `str::parse`);
//! - [`simd`]: SSE2 fast paths for plain numbers and strings (the printer falls back to `scan` otherwise).
//!
//! Not here: anything that knows about COCO (see `coco`).

pub mod number;
pub mod path;
pub mod pretty;
pub mod scan;
pub mod simd;

//! One module per subcommand: its help text (with an example) and a `run` function that wires the library's
//! layers together, plus [`cli`], the whole command line (used by `main.rs`, the completion and man page
//! generators and the tests that parse every `--help` example). No algorithm lives here.

pub mod cli;
pub mod convert;
pub mod eval_coco;
pub mod eval_lvis;
pub mod eval_miou;
pub mod eval_panoptic;
pub mod export;
pub mod filter;
pub mod import;
pub mod pretty;
pub mod rasterize;
pub mod stats;
pub mod synth;
pub mod validate;

/// `n` and the noun in the right number: `count(1, "category", "categories")` = "1 category".
pub fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn count_agrees_in_number() {
        assert_eq!(count(0, "error", "errors"), "0 errors");
        assert_eq!(count(1, "category", "categories"), "1 category");
        assert_eq!(count(2, "image", "images"), "2 images");
    }
}

//! One module per subcommand: its help text (with an example) and a `run` function that wires the library's
//! layers together, plus [`cli`], the whole command line (used by `main.rs`, the completion and man page
//! generators and the tests that parse every `--help` example). No algorithm lives here.

pub mod cli;
pub mod convert;
pub mod eval_coco;
pub mod eval_lvis;
pub mod eval_merge;
pub mod eval_miou;
pub mod eval_panoptic;
pub mod export;
pub mod filter;
pub mod import;
pub mod merge;
pub mod pretty;
pub mod rasterize;
pub mod remap;
pub mod sample;
pub mod show;
pub mod split;
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

/// A report as one JSON object on standard output, with `"output"` (where the command wrote) added.
pub fn print_json_report(rep: &impl serde::Serialize, output: &str) -> crate::error::Result<()> {
    use std::io::Write;
    let mut v = serde_json::to_value(rep).map_err(|e| crate::error::Error::msg(e.to_string()))?;
    v["output"] = output.into();
    writeln!(std::io::stdout(), "{v}")?;
    Ok(())
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

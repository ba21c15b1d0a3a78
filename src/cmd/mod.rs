//! One module per subcommand: its help text (with an example) and a `run` function that wires the library's
//! layers together, plus [`cli`], the whole command line (used by `main.rs`, the completion and man page
//! generators and the tests that parse every `--help` example). No algorithm lives here.

/// What the input arguments of a reading command accept, appended to its `--help` (a macro: `concat!`
/// takes literals only).
macro_rules! inputs_help {
    () => {
        "Inputs: one or more COCO files, directories (their *.json files, sorted by name) or quoted globs
('sa1b/*.json'), read as one dataset. Each file is a COCO dataset, a results array or an SA-1B per-image file
({\"image\": {\"image_id\", ...}, \"annotations\": [...]}: the image's id is its image_id, each annotation gets
that image_id, no category is added). An image id in two files, or datasets whose categories differ, is an
error naming both files; an error's position names the file it is in. See docs/SCALE.md."
    };
}

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

/// `--json` prints the summary on standard output, so the command's `what` (its dataset) must go to a file.
pub fn json_needs_output_file(
    json: bool,
    output: Option<&str>,
    what: &str,
) -> crate::error::Result<()> {
    if json && output.is_none_or(|o| o == "-") {
        return Err(crate::error::Error::msg(format!(
            "--json prints the summary on standard output: give -o FILE for the {what}"
        )));
    }
    Ok(())
}

/// Open the inputs of a reading command (files, directories, globs: `coco::source`), with a progress bar over
/// the files when there are many.
pub fn open_source(
    inputs: &[String],
    quiet: bool,
) -> crate::error::Result<crate::coco::source::Source> {
    let pb = std::cell::OnceCell::new();
    let src = crate::coco::source::Source::open(inputs, &|done, total| {
        pb.get_or_init(|| crate::io::progress_count(Some(total), "files", quiet, "reading"))
            .set_position(done)
    })?;
    if let Some(pb) = pb.get() {
        pb.finish_and_clear();
    }
    Ok(src)
}

/// The progress bars of a file-writing operation ([`crate::ops::Watch`]): one over the input files when
/// there are many (as [`open_source`]), then one over the main pass, named `what`: bytes, or a count of
/// `unit` (`Some("images")`). Hidden when `quiet`.
pub struct Bars {
    quiet: bool,
    what: &'static str,
    unit: Option<&'static str>,
    files: std::sync::OnceLock<indicatif::ProgressBar>,
    main: std::sync::OnceLock<indicatif::ProgressBar>,
}

impl Bars {
    pub fn new(quiet: bool, what: &'static str, unit: Option<&'static str>) -> Bars {
        Bars {
            quiet,
            what,
            unit,
            files: std::sync::OnceLock::new(),
            main: std::sync::OnceLock::new(),
        }
    }

    /// Clear the bars (the operation succeeded).
    pub fn finish(&self) {
        for pb in [self.files.get(), self.main.get()].into_iter().flatten() {
            pb.finish_and_clear();
        }
    }
}

impl crate::ops::Watch for Bars {
    fn files(&self, done: u64, total: u64) {
        self.files
            .get_or_init(|| crate::io::progress_count(Some(total), "files", self.quiet, "reading"))
            .set_position(done)
    }
    fn start(&self, total: Option<u64>) {
        if let Some(pb) = self.files.get() {
            pb.finish_and_clear();
        }
        let pb = match self.unit {
            None => crate::io::progress(total.unwrap_or(0), self.quiet, self.what),
            Some(unit) => crate::io::progress_count(total, unit, self.quiet, self.what),
        };
        let _ = self.main.set(pb);
    }
    fn position(&self, pos: u64) {
        if let Some(pb) = self.main.get() {
            pb.set_position(pos)
        }
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

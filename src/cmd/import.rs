//! `cocokit import`: a COCO file from another format (`--from parquet`: `ops::parquet`).

use crate::error::Result;
use crate::io::{progress_count, Output};
use crate::ops::parquet::import;
use std::path::Path;

const EXAMPLES: &str = "Examples:
  cocokit import --from parquet val2017_parquet/ -o instances_val2017.json

--from parquet reads the directory `cocokit export --to parquet` wrote; the records of the COCO file it gives
are equal, as JSON values, to the exported file's (integers stay integers, unknown keys come back).";

/// The formats `import` reads.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Apache Parquet, as written by `cocokit export --to parquet`.
    Parquet,
}

/// Read a dataset in another format and write it as a COCO file.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The format to read.
    #[arg(long, value_enum)]
    pub from: Format,
    /// Input directory.
    #[arg(value_name = "DIR")]
    pub input: String,
    /// Output COCO file (written atomically; `-` = standard output, the default).
    #[arg(short, long)]
    pub output: Option<String>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<()> {
    match args.from {
        Format::Parquet => {
            let mut out = Output::create(args.output.as_deref(), &[])?;
            let pb = progress_count(None, "records", args.quiet, "import");
            import(Path::new(&args.input), out.writer(), &|n| {
                pb.set_position(n)
            })?;
            pb.finish_and_clear();
            out.commit()
        }
    }
}

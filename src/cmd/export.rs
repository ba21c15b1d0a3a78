//! `cocokit export`: a COCO file in another format (`--to parquet`: `ops::parquet`).

use crate::error::Result;
use crate::io::{progress, Input};
use crate::ops::parquet::{export, ExportOptions, DEFAULT_ROW_GROUP_SIZE};
use std::path::Path;

const EXAMPLES: &str = "Examples:
  cocokit export --to parquet instances_val2017.json -o val2017_parquet
  cocokit export --to parquet instances_train2017.json -o train2017_parquet --row-group-size 65536

--to parquet writes images.parquet, annotations.parquet and categories.parquet into the directory (created if
needed; the three files are replaced together or not at all), for DuckDB, Polars, Spark or pandas:
  duckdb -c \"SELECT category_id, count(*) FROM 'val2017_parquet/annotations.parquet' GROUP BY 1\"
The columns are described in docs/SCALE.md; `cocokit import --from parquet` gives the COCO file back.";

/// The formats `export` writes.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Apache Parquet: images.parquet, annotations.parquet, categories.parquet.
    Parquet,
}

/// Write a COCO dataset in another format.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The format to write.
    #[arg(long, value_enum)]
    pub to: Format,
    /// COCO dataset or results file (`-` for standard input).
    pub input: String,
    /// Output directory.
    #[arg(short, long, value_name = "DIR")]
    pub output: String,
    /// Parquet: rows per row group (the unit engines read in parallel).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_ROW_GROUP_SIZE as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub row_group_size: u64,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<()> {
    match args.to {
        Format::Parquet => {
            let input = Input::open(&args.input)?;
            let pb = progress(input.bytes().len() as u64, args.quiet, "export");
            let opts = ExportOptions {
                row_group_size: usize::try_from(args.row_group_size).unwrap_or(usize::MAX),
            };
            export(&input, Path::new(&args.output), &opts, &|p| {
                pb.set_position(p)
            })?;
            pb.finish_and_clear();
            Ok(())
        }
    }
}

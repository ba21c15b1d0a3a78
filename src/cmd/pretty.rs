//! `cocokit pretty`: re-indent a JSON file like `jq .`, streaming, optionally selecting a path.

use crate::error::{Error, Result};
use crate::io::{use_color, Input, Output};
use crate::json::path;
use crate::json::pretty::{Indent, Options, Printer};

const EXAMPLES: &str = "Examples:
  cocokit pretty instances_val2017.json | less -R
  cocokit pretty instances_train2017.json --path '.annotations[0:3]'
  cocokit pretty instances_train2017.json --path '.categories[].name' --compact
  cat results.json | cocokit pretty - --indent 4 -o results.pretty.json

Output equals jq 1.7's `jq --indent N .` byte for byte for valid input (numbers are written as they appear).
Paths: .key  .a.b  .\"odd key\"  .[N]  .key[N]  .key[N:M]  .key[]  (chained; negative indices count from the end).";

/// Pretty-print (re-indent) JSON like `jq .`, in constant memory.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Input JSON file (`-` for standard input).
    #[arg(default_value = "-")]
    pub input: String,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
    /// Spaces per indentation level (0 = compact, as jq).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=7))]
    pub indent: u8,
    /// Indent with one tab per level.
    #[arg(long, conflicts_with_all = ["indent", "compact"])]
    pub tab: bool,
    /// Minify: everything on one line (jq -c).
    #[arg(short, long)]
    pub compact: bool,
    /// Sort object keys (jq -S).
    #[arg(short = 'S', long)]
    pub sort_keys: bool,
    /// Colour output (auto: only on a terminal, and not when NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Select a jq-style path instead of the whole document, e.g. `.annotations[0:3]`.
    #[arg(short, long)]
    pub path: Option<String>,
    /// Nothing on stderr but errors (pretty prints no progress or summary; accepted like every command's -q).
    #[arg(short, long)]
    pub quiet: bool,
}

/// `--color`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    /// Only on a terminal, and not when NO_COLOR is set.
    Auto,
    Always,
    Never,
}

pub fn run(args: Args) -> Result<()> {
    let steps = args.path.as_deref().map(path::parse).transpose()?;
    let input = Input::open(&args.input)?;
    let mut out = Output::create(args.output.as_deref(), &[&args.input])?;
    let indent = if args.tab {
        Indent::Tab
    } else if args.compact || args.indent == 0 {
        Indent::Compact
    } else {
        Indent::Spaces(args.indent)
    };
    let color = use_color(
        match args.color {
            Color::Auto => "auto",
            Color::Always => "always",
            Color::Never => "never",
        },
        out.is_terminal(),
    );
    let opts = Options {
        indent,
        sort_keys: args.sort_keys,
        color,
    };
    let buf = input.bytes();
    let release = |upto: usize| input.release(upto);
    let name = input.name().to_string();
    {
        let w = out.writer();
        // Big arrays are printed by worker threads (as many as rayon's pool: RAYON_NUM_THREADS honoured).
        let mut printer = Printer::new(opts, w).with_threads(rayon::current_num_threads());
        let res = match &steps {
            None => printer.with_release(&release).document(buf),
            Some(steps) => path::select_releasing(buf, steps, &release)
                .and_then(|sels| printer.selected(buf, &sels)),
        };
        res.map_err(|e: Error| if e.broken_pipe { e } else { e.in_file(name) })?;
    }
    out.commit()
}

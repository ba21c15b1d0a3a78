//! The whole `cocokit` command line as one clap [`Cli`]: the subcommands, the `eval` group, and dispatch.
//!
//! It lives in the library (not in `main.rs`) so that the shell completions, the man page and the tests that
//! parse every `--help` example all see the very parser the binary uses. It parses and dispatches; it does
//! not print errors or choose exit codes (that is `main.rs`).

use super::*;
use crate::error::{Error, Result};
use crate::io::Output;
use clap::{CommandFactory, Parser, Subcommand};

const EXAMPLES: &str = "Examples:
  cocokit pretty instances_val2017.json --path '.annotations[0:3]'
  cocokit stats instances_train2017.json
  cocokit filter instances_train2017.json --cats person,dog -o people_and_dogs.json
  cocokit eval coco --gt instances_val2017.json --dt bbox_results.json --iou-type bbox
  cocokit synth --images 5000 -o synth.json --results synth_results.json
  cocokit completions bash > ~/.local/share/bash-completion/completions/cocokit

Common options: -o/--output FILE or DIR (written atomically), -q/--quiet (no progress bar, summary or notes on
stderr), --json (machine-readable report), --img-ids 1,2,3 (image ids), --cats person,18 (category names or ids).
Exit codes: 0 success, 1 bad input or failed check, 2 usage error.";

const EVAL_EXAMPLES: &str = "Examples:
  cocokit eval coco --gt instances_val2017.json --dt bbox_results.json --iou-type bbox
  cocokit eval coco --gt instances_val2017.json --pred segm_results.json --iou-type segm --cats person,dog --json
  cocokit eval miou --gt instances_val2017.json --pred segm_results.json
  cocokit eval miou --gt stuff_val2017.json --dt stuff_results.json --convention cocostuff

eval coco, lvis and miou take the ground truth as --gt and the predictions as --dt or --pred (the same
option); eval panoptic takes the JSON and PNG directory of each.";

/// A fast, exact, streaming toolkit for COCO-format datasets.
#[derive(Parser, Debug)]
#[command(name = "cocokit", version, about, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    Pretty(pretty::Args),
    Stats(stats::Args),
    Filter(filter::Args),
    Convert(convert::Args),
    Rasterize(rasterize::Args),
    Validate(validate::Args),
    Export(export::Args),
    Import(import::Args),
    /// Evaluate predictions: COCO detection, keypoint and boundary AP, LVIS AP, panoptic PQ, semantic mIoU.
    #[command(after_help = EVAL_EXAMPLES)]
    Eval {
        #[command(subcommand)]
        which: EvalCommand,
    },
    Synth(synth::Args),
    Completions(CompletionsArgs),
    Man(ManArgs),
}

const COMPLETIONS_EXAMPLES: &str = "Examples:
  cocokit completions bash > ~/.local/share/bash-completion/completions/cocokit
  cocokit completions zsh -o ~/.zfunc/_cocokit        # with fpath+=~/.zfunc before compinit in ~/.zshrc
  cocokit completions fish -o ~/.config/fish/completions/cocokit.fish
  cocokit completions powershell >> $PROFILE";

/// Print a shell completion script.
#[derive(clap::Args, Debug)]
#[command(after_help = COMPLETIONS_EXAMPLES)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
}

const MAN_EXAMPLES: &str = "Examples:
  cocokit man | man -l -
  cocokit man eval coco | man -l -
  cocokit man -o /usr/local/share/man/man1/cocokit.1

Each command has its own page: cocokit(1), cocokit-stats(1), cocokit-eval-coco(1), ...";

/// Print a man page (roff) for cocokit or one of its commands.
#[derive(clap::Args, Debug)]
#[command(after_help = MAN_EXAMPLES)]
pub struct ManArgs {
    /// The command whose page to print, e.g. `stats` or `eval coco` (default: cocokit itself).
    pub command: Vec<String>,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
}

/// The `eval` group.
#[derive(Subcommand, Debug)]
pub enum EvalCommand {
    Coco(eval_coco::Args),
    Lvis(eval_lvis::Args),
    Miou(eval_miou::Args),
    Panoptic(eval_panoptic::Args),
}

impl Cli {
    /// Run the chosen subcommand.
    pub fn run(self) -> Result<()> {
        match self.command {
            Command::Pretty(a) => pretty::run(a),
            Command::Stats(a) => stats::run(a),
            Command::Filter(a) => filter::run(a),
            Command::Convert(a) => convert::run(a),
            Command::Rasterize(a) => rasterize::run(a),
            Command::Validate(a) => validate::run(a),
            Command::Export(a) => export::run(a),
            Command::Import(a) => import::run(a),
            Command::Eval { which } => match which {
                EvalCommand::Coco(a) => eval_coco::run(a),
                EvalCommand::Lvis(a) => eval_lvis::run(a),
                EvalCommand::Miou(a) => eval_miou::run(a),
                EvalCommand::Panoptic(a) => eval_panoptic::run(a),
            },
            Command::Synth(a) => synth::run(a),
            Command::Completions(a) => completions(a),
            Command::Man(a) => man(a),
        }
    }
}

fn completions(args: CompletionsArgs) -> Result<()> {
    let mut out = Output::create(args.output.as_deref(), &[])?;
    clap_complete::generate(args.shell, &mut Cli::command(), "cocokit", out.writer());
    out.commit()
}

/// The page of `cocokit <path...>`, named `cocokit-<path>` as git and cargo name theirs.
pub fn man_page(path: &[String]) -> Result<Vec<u8>> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut name = String::from("cocokit");
    for word in path {
        let sub = cmd.find_subcommand(word).cloned().ok_or_else(|| {
            Error::msg(format!(
                "{name} has no command {word:?} (see {name} --help)"
            ))
        })?;
        name = format!("{name}-{word}");
        cmd = sub.name(name.clone());
    }
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    Ok(buf)
}

fn man(args: ManArgs) -> Result<()> {
    let page = man_page(&args.command)?;
    let mut out = Output::create(args.output.as_deref(), &[])?;
    out.writer().write_all(&page)?;
    out.commit()
}

//! The `cocokit` command line: argument parsing and dispatch only. Each subcommand lives in `cocokit::cmd`.

use clap::{Parser, Subcommand};
use cocokit::cmd;

const EXAMPLES: &str = "Examples:
  cocokit pretty instances_val2017.json --path '.annotations[0:3]'
  cocokit stats instances_train2017.json
  cocokit filter instances_train2017.json --cats person,dog -o people_and_dogs.json
  cocokit synth --images 5000 -o synth.json --results synth_results.json

Exit codes: 0 success, 1 bad input or failed check, 2 usage error.";

/// A fast, exact, streaming toolkit for COCO-format datasets.
#[derive(Parser)]
#[command(name = "cocokit", version, about, after_help = EXAMPLES, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Pretty(cmd::pretty::Args),
    Stats(cmd::stats::Args),
    Filter(cmd::filter::Args),
    Convert(cmd::convert::Args),
    Rasterize(cmd::rasterize::Args),
    Validate(cmd::validate::Args),
    /// Evaluate predictions: semantic mIoU, COCO detection AP.
    Eval {
        #[command(subcommand)]
        which: EvalCommand,
    },
    Synth(cmd::synth::Args),
}

#[derive(Subcommand)]
enum EvalCommand {
    Coco(cmd::eval_coco::Args),
    Miou(cmd::eval_miou::Args),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Pretty(a) => cmd::pretty::run(a),
        Command::Stats(a) => cmd::stats::run(a),
        Command::Filter(a) => cmd::filter::run(a),
        Command::Convert(a) => cmd::convert::run(a),
        Command::Rasterize(a) => cmd::rasterize::run(a),
        Command::Validate(a) => cmd::validate::run(a),
        Command::Eval { which } => match which {
            EvalCommand::Coco(a) => cmd::eval_coco::run(a),
            EvalCommand::Miou(a) => cmd::eval_miou::run(a),
        },
        Command::Synth(a) => cmd::synth::run(a),
    };
    if let Err(e) = result {
        if e.broken_pipe {
            // `cocokit pretty big.json | head`: the reader has gone; stop quietly.
            std::process::exit(0);
        }
        eprintln!("cocokit: error: {}", cocokit::io::locate(e));
        std::process::exit(1);
    }
}

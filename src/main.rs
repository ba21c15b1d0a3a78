//! The `cocokit` binary: parse the command line (`cocokit::cmd::cli`), run it, print an error as one line.

use clap::Parser;
use cocokit::cmd::cli::Cli;

fn main() {
    // Interrupted commands remove their temporary files (a library user keeps its own signal handling).
    cocokit::io::cleanup::remove_on_signal();
    let result = Cli::parse().run();
    if let Err(e) = result {
        if e.broken_pipe {
            // `cocokit pretty big.json | head`: the reader has gone; stop quietly.
            std::process::exit(0);
        }
        eprintln!("cocokit: error: {}", cocokit::io::locate(e));
        std::process::exit(1);
    }
}

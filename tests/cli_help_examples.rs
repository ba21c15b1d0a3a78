//! Every example of every `--help` (the `eval` group's and the top level's included) and every command of the
//! README's "Commands" block parses with the real command line, so no example rots when an option changes.
//! Parsing only: the files the examples name do not exist here.

mod common;
use clap::CommandFactory;
use cocokit::cmd::cli::Cli;
use common::*;

/// Every command path: [], ["pretty"], ..., ["eval"], ["eval", "coco"], ...
fn command_paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(path.clone());
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            let mut p = path.clone();
            p.push(sub.get_name().to_string());
            walk(sub, p, out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), Vec::new(), &mut out);
    out
}

/// The lines of the "Examples:" section of `cocokit PATH --help`, as the binary prints it.
fn help_examples(path: &[String]) -> Vec<String> {
    let mut args = path.to_vec();
    args.push("--help".into());
    let help = String::from_utf8(ok(&args)).expect("utf-8 help");
    let mut lines = help.lines().skip_while(|l| l.trim() != "Examples:");
    assert!(
        lines.next().is_some(),
        "`cocokit {} --help` has no Examples: section",
        path.join(" ")
    );
    lines
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_string())
        .collect()
}

/// The cocokit arguments of a shell line: the words after `cocokit`, up to a pipe, redirection or `;`
/// (`# comments` are dropped by the shell-word splitter).
fn cocokit_args(line: &str) -> Vec<String> {
    let words = shlex::split(line).unwrap_or_else(|| panic!("not shell words: {line}"));
    let start = words
        .iter()
        .position(|w| w == "cocokit")
        .unwrap_or_else(|| panic!("no `cocokit` in: {line}"));
    words[start + 1..]
        .iter()
        .take_while(|w| !matches!(w.as_str(), "|" | ";" | "&&" | "||") && !w.starts_with('>'))
        .cloned()
        .collect()
}

fn parses(args: &[String], origin: &str) {
    let argv = std::iter::once("cocokit".to_string()).chain(args.iter().cloned());
    if let Err(e) = Cli::try_parse_from(argv) {
        panic!(
            "{origin}: `cocokit {}` does not parse:\n{e}",
            args.join(" ")
        );
    }
}

use clap::Parser;

#[test]
fn every_help_example_parses() {
    let mut n = 0;
    for path in command_paths() {
        let examples = help_examples(&path);
        assert!(
            !examples.is_empty(),
            "`cocokit {} --help`: no examples",
            path.join(" ")
        );
        for line in examples {
            let args = cocokit_args(&line);
            // An example under a command shows that command.
            assert!(
                args.starts_with(&path),
                "`cocokit {} --help` shows an example of another command: {line}",
                path.join(" ")
            );
            parses(&args, &format!("`cocokit {} --help`", path.join(" ")));
            n += 1;
        }
    }
    assert!(n >= 30, "only {n} examples found");
}

#[test]
fn every_readme_command_example_parses() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let commands = &readme[readme.find("## Commands").expect("## Commands")..];
    let block = &commands[commands.find("```sh\n").expect("```sh block") + 6..];
    let block = &block[..block.find("```").expect("end of block")];
    let mut n = 0;
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        parses(&cocokit_args(line), "README");
        n += 1;
    }
    assert!(n >= 10, "only {n} README examples");
}

/// The test above would pass on a parser that accepts anything: make sure it does not.
#[test]
fn the_parse_check_rejects_what_the_binary_rejects() {
    let bad = cocokit_args("cocokit eval miou --gt val.json --pred res.json --csv per_class.csv");
    assert!(
        Cli::try_parse_from(std::iter::once("cocokit".to_string()).chain(bad.clone())).is_err()
    );
    assert_eq!(run(&bad).status.code(), Some(2));
    let good = cocokit_args("cat x | cocokit pretty - --indent 4 -o y.json   # comment");
    assert_eq!(good, ["pretty", "-", "--indent", "4", "-o", "y.json"]);
}

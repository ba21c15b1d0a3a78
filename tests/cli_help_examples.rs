//! Every example of every `--help` (the `eval` group's and the top level's included) and every command of the
//! README's "Commands" block parses with the real command line, so no example rots when an option changes.
//! Parsing only: the files the examples name do not exist here.

use crate::common::*;
use clap::CommandFactory;
use cocokit::cmd::cli::Cli;

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

/// The lines of the ```sh block under README's "## Commands".
fn readme_examples() -> Vec<String> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let commands = &readme[readme.find("## Commands").expect("## Commands")..];
    let block = &commands[commands.find("```sh\n").expect("```sh block") + 6..];
    let block = &block[..block.find("```").expect("end of block")];
    block
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn every_readme_command_example_parses() {
    let lines = readme_examples();
    for line in &lines {
        parses(&cocokit_args(line), "README");
    }
    assert!(lines.len() >= 10, "only {} README examples", lines.len());
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

/// The inputs the examples name, as files of the repository (names the table lacks: the example is only parsed).
fn fixture_for(name: &str) -> Option<std::path::PathBuf> {
    let val = "cocoapi-val2014-100/instances_val2014_100.json";
    let rel = match name.trim_end_matches('/') {
        "instances_val2017.json"
        | "instances_train2017.json"
        | "val.json"
        | "train.json"
        | "export_from_cvat.json"
        | "export.json" => val,
        "segm_results.json" | "res.json" => {
            "cocoapi-val2014-100/instances_val2014_fakesegm100_results.json"
        }
        "bbox_results.json" => "cocoapi-val2014-100/instances_val2014_fakebbox100_results.json",
        "stuff_val2017.json" => "golden/miou/cocostuff/gt.json",
        "stuff_results.json" => "golden/miou/cocostuff/results.json",
        "lvis_v1_val.json" => "lvis-val-100/lvis_val_100.json",
        "val2017_parquet" => "parquet/val2014-100",
        "lvis_bbox_results.json" => "lvis-synth/val100/results.json",
        "lvis_segm_results.json" => "lvis-synth/val100_masks/results.json",
        "panoptic_val2017.json" => "panoptic/sample_data/panoptic_examples.json",
        "panoptic_val2017" => "panoptic/sample_data/panoptic_examples",
        "panoptic_pred.json" => "panoptic-synth/sample_1/pred.json",
        "panoptic_pred" => "panoptic-synth/sample_1/pred",
        "val2017_sample.json" => "panoptic/sample_data/panoptic_coco_detection_format.json",
        "val2017" => "panoptic/sample_data/input_images",
        "sample_results.json" => "show/sample_results.json",
        "ade/annotations" | "labels" => "ade20k-sample/sampleData/annotations",
        "ade/predictions" | "preds" => "ade20k-sample/sampleData/predictions",
        "names.json" => "remap/names.json",
        "shard1.ckpt" => "shard/shard1.ckpt",
        "shard2.ckpt" => "shard/shard2.ckpt",
        // SA-1B-layout per-image files: a directory, and a glob cocokit expands.
        "sa1b" => "sa1b-like",
        "sa1b/sa_*.json" => "sa1b-like/sa_*.json",
        // Results written by several GPUs, as a glob (here it matches the one results file).
        "bbox_gpu*.json" => "cocoapi-val2014-100/instances_val2014_fakebbox100_result*.json",
        _ => return None,
    };
    Some(fixture(rel))
}

/// Options whose value is a file the command writes.
const OUTPUT_OPTIONS: [&str; 10] = [
    "-o",
    "--output",
    "--map-out",
    "--out",
    "--results",
    "--plot",
    "--confusion",
    "--pr-curves",
    "--report",
    "--partial",
];

/// Run the example `line` with its inputs replaced by [`fixture_for`]'s files and its outputs sent to a scratch
/// directory; it must succeed (`validate --strict` is shown failing on warnings: exit 1). False when an input
/// has no fixture (or is standard input): then the example is only parsed.
fn run_on_fixtures(line: &str) -> bool {
    let w = Work::new();
    // classes.txt: one name per label of the ADE20K sample (0..150).
    let classes: String = (0..151).map(|i| format!("class{i}\n")).collect();
    w.write("classes.txt", classes);
    // keep.txt: file names of the val2014 sample's images (filter --file-names).
    w.write(
        "keep.txt",
        "COCO_val2014_000000001146.jpg\nCOCO_val2014_000000000400.jpg\n",
    );
    let words = cocokit_args(line);
    if words.iter().any(|a| a == "-") {
        return false;
    }
    let subcommands = if words.first().map(String::as_str) == Some("eval") {
        2
    } else {
        1
    };
    let mut args: Vec<String> = Vec::new();
    for (i, a) in words.iter().enumerate() {
        let prev = if i > 0 { words[i - 1].as_str() } else { "" };
        if OUTPUT_OPTIONS.contains(&prev) {
            // Into the scratch directory, keeping the name.
            let name = a.rsplit('/').find(|s| !s.is_empty()).unwrap_or("out");
            args.push(w.path(name).to_str().expect("p").to_string());
        } else if words[0] == "synth" && prev == "--images" {
            args.push("20".into()); // a small dataset, same code paths
        } else if i >= subcommands
            && (a.ends_with(".json") || a.ends_with(".ckpt") || a.contains('/'))
        {
            match fixture_for(a) {
                Some(f) => args.push(f.to_str().expect("p").to_string()),
                None => return false,
            }
        } else {
            args.push(a.clone());
        }
    }
    let out = cocokit()
        .current_dir(w.dir.path())
        .args(&args)
        .output()
        .expect("run cocokit");
    let err = String::from_utf8_lossy(&out.stderr);
    if args.iter().any(|a| a == "--strict") {
        assert_eq!(out.status.code(), Some(1), "{line}: {err}");
    } else {
        assert!(
            out.status.success(),
            "`{line}` failed on the fixtures ({args:?}): {err}"
        );
    }
    true
}

/// Every example whose inputs are in [`fixture_for`] runs on them and succeeds: an example that parses but
/// fails on real data is caught too.
#[test]
fn help_and_readme_examples_run_on_the_fixtures() {
    let mut ran = 0;
    for path in command_paths() {
        for line in help_examples(&path) {
            ran += usize::from(run_on_fixtures(&line));
        }
    }
    assert!(ran >= 40, "only {ran} --help examples ran");
    let mut ran = 0;
    for line in readme_examples() {
        ran += usize::from(run_on_fixtures(&line));
    }
    assert!(ran >= 12, "only {ran} README examples ran");
}

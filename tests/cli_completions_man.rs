//! `cocokit completions SHELL` and `cocokit man [COMMAND...]`: non-empty output naming every subcommand.

use crate::common::*;
use clap::CommandFactory;
use cocokit::cmd::cli::Cli;

fn subcommands() -> Vec<String> {
    let cli = Cli::command();
    let mut v: Vec<String> = Vec::new();
    for c in cli.get_subcommands() {
        v.push(c.get_name().to_string());
        for s in c.get_subcommands() {
            v.push(s.get_name().to_string());
        }
    }
    v.retain(|n| n != "help");
    v
}

#[test]
fn completions_name_every_subcommand_in_every_shell() {
    let subs = subcommands();
    assert!(subs.len() >= 12, "{subs:?}");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = String::from_utf8(ok(["completions", shell])).expect("utf-8");
        assert!(out.len() > 1000, "{shell}: {out}");
        for s in &subs {
            assert!(out.contains(s.as_str()), "{shell} completion lacks {s}");
        }
        // Options too, and (except in PowerShell's, which clap_complete does not give them) the values of
        // enumerated ones.
        assert!(out.contains("img-ids"), "{shell}");
        assert!(shell == "powershell" || out.contains("rle-raw"), "{shell}");
    }
    let w = Work::new();
    let f = w.path("cocokit.bash");
    ok(["completions", "bash", "-o", f.to_str().expect("p")]);
    assert_eq!(
        std::fs::read(&f).expect("read"),
        ok(["completions", "bash"])
    );
    assert_eq!(run(["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn man_pages_name_every_subcommand() {
    let page = String::from_utf8(ok(["man"])).expect("utf-8");
    assert!(page.contains(".TH cocokit 1"), "{page}");
    for s in subcommands() {
        // The eval group's commands are on `cocokit man eval`'s page.
        if !["coco", "merge", "lvis", "miou", "panoptic"].contains(&s.as_str()) {
            assert!(page.contains(&s), "cocokit(1) lacks {s}");
        }
    }
    let eval = String::from_utf8(ok(["man", "eval"])).expect("utf-8");
    assert!(eval.contains("coco") && eval.contains("miou"));
    let coco = String::from_utf8(ok(["man", "eval", "coco"])).expect("utf-8");
    assert!(
        coco.contains(".TH cocokit-eval-coco 1") && coco.contains("iou\\-type"),
        "{coco}"
    );
    // The examples of --help are in the page.
    assert!(coco.contains("Examples:"), "{coco}");
    let e = fails(["man", "evl"]);
    assert!(e.contains("\"evl\""), "{e}");
}

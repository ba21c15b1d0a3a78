//! One command-line vocabulary: `-o` for every output (a directory for rasterize), `--img-ids`, `--cats` by name
//! or id, `--dt`/`--pred`, `-q` and `--json`, enumerated values checked by the parser; old spellings kept as
//! aliases; counts in the right number; eval coco's warnings; output errors naming the user's path.

use crate::common::*;
use clap::Parser;
use cocokit::cmd::cli::Cli;
use serde_json::Value;

fn p(path: &std::path::Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn val2014() -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    (
        shared("cocoapi-val2014-100/instances_val2014_100.json"),
        shared("cocoapi-val2014-100/instances_val2014_fakebbox100_results.json"),
        shared("cocoapi-val2014-100/instances_val2014_fakesegm100_results.json"),
    )
}

fn dir_files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn rasterize_takes_o_and_img_ids_and_keeps_the_old_spellings() {
    let (gt, _, _) = val2014();
    let w = Work::new();
    let (a, b) = (w.path("a"), w.path("b"));
    let out = run([
        "rasterize",
        p(&gt),
        "-o",
        p(&a),
        "--img-ids",
        "139,285,632",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: Value = serde_json::from_slice(&out.stdout).expect("json summary");
    let written = dir_files(&a);
    assert_eq!(j["images"].as_u64(), Some(written.len() as u64));
    assert!(!written.is_empty());
    assert_eq!(j["output"], p(&a));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("label map") && err.contains(p(&a)), "{err}");
    // The old spellings write the same files.
    ok([
        "rasterize",
        p(&gt),
        "--out",
        p(&b),
        "--images",
        "139,285,632",
        "-q",
    ]);
    assert_eq!(dir_files(&b), written);
    // -q: nothing on stderr.
    let q = run([
        "rasterize",
        p(&gt),
        "--output",
        p(&b),
        "--img-ids",
        "139",
        "-q",
    ]);
    assert!(q.status.success() && q.stderr.is_empty() && q.stdout.is_empty());
}

#[test]
fn rasterize_into_a_file_is_a_one_line_error_and_writes_nothing() {
    let (gt, _, _) = val2014();
    let w = Work::new();
    let f = w.write("maps", "keep me");
    let e = fails(["rasterize", p(&gt), "-o", p(&f)]);
    assert!(
        e.contains("-o/--output must be a directory") && e.contains(p(&f)),
        "{e}"
    );
    assert_eq!(std::fs::read(&f).expect("read"), b"keep me");
    assert_eq!(w.files(), ["maps"]);
}

fn eval_coco_json(args: &[&str]) -> Value {
    serde_json::from_slice(&ok(args)).expect("json")
}

#[test]
fn eval_coco_takes_pred_and_category_names() {
    let (gt, bbox, _) = val2014();
    let base = |dt_flag: &str, cats: &[&str]| {
        let mut v = vec![
            "eval",
            "coco",
            "--gt",
            p(&gt),
            dt_flag,
            p(&bbox),
            "--iou-type",
            "bbox",
            "--json",
        ];
        v.extend_from_slice(cats);
        eval_coco_json(&v)
    };
    assert_eq!(base("--dt", &[]), base("--pred", &[]));
    let by_id = base("--dt", &["--cat-ids", "1,3"]);
    assert_eq!(by_id["per_class"].as_array().expect("per_class").len(), 2);
    assert_eq!(base("--dt", &["--cats", "person,car"]), by_id);
    assert_eq!(base("--pred", &["--cats", "1,car"]), by_id);
    assert_ne!(base("--dt", &["--cats", "person"]), by_id);
    // An unknown name is a one-line error naming it, with the close name; nothing is written.
    let w = Work::new();
    let out = w.path("report.json");
    let e = fails([
        "eval",
        "coco",
        "--gt",
        p(&gt),
        "--dt",
        p(&bbox),
        "--iou-type",
        "bbox",
        "--cats",
        "persn",
        "-o",
        p(&out),
    ]);
    assert!(
        e.contains("--cats") && e.contains("persn") && e.contains("person"),
        "{e}"
    );
    assert!(w.files().is_empty(), "{:?}", w.files());
}

#[test]
fn eval_coco_warns_about_selections_and_parameters_pycocotools_turns_into_minus_one() {
    let (gt, bbox, _) = val2014();
    let run_with = |extra: &[&str]| {
        let mut v = vec![
            "eval",
            "coco",
            "--gt",
            p(&gt),
            "--dt",
            p(&bbox),
            "--iou-type",
            "bbox",
            "--json",
        ];
        v.extend_from_slice(extra);
        let out = run(&v);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let j: Value = serde_json::from_slice(&out.stdout).expect("json");
        (j, String::from_utf8(out.stderr).expect("utf-8"))
    };
    let (_, quiet) = run_with(&[]);
    assert_eq!(quiet, "", "no warning without a reason");

    let (j, err) = run_with(&["--img-ids", "99999"]);
    assert!(
        err.starts_with("cocokit: warning: --img-ids: 99999 is not an image of the ground truth"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        j["stats"]
            .as_array()
            .expect("stats")
            .iter()
            .all(|s| s == -1.0),
        "{j}"
    );

    let (_, err) = run_with(&["--cats", "person,999"]);
    assert!(
        err.contains("--cats: 999 is not a category of the ground truth"),
        "{err}"
    );

    let (j, err) = run_with(&["--max-dets", "1,10,300"]);
    assert!(
        err.contains("--max-dets 1,10,300 has no 100") && err.contains("stats[0]"),
        "{err}"
    );
    assert_eq!(j["stats"][0], -1.0, "pycocotools' number is still printed");
    assert!(j["stats"][1].as_f64().expect("f64") > 0.0);

    let (_, err) = run_with(&["--area-rng", "all=0:1e10,small=0:1024"]);
    assert!(
        err.contains("no range labelled medium, large") && err.contains("stats[4,5,10,11]"),
        "{err}"
    );

    // Too few maxDets for the 12 stats: one line, before anything is read (no warning first).
    let e = fails([
        "eval",
        "coco",
        "--gt",
        p(&gt),
        "--dt",
        p(&bbox),
        "--iou-type",
        "bbox",
        "--max-dets",
        "10",
    ]);
    assert!(
        e.contains("--max-dets: the 12 COCO stats need at least 3 values (got 1)"),
        "{e}"
    );

    // -q silences them.
    let (_, err) = run_with(&["--img-ids", "99999", "--max-dets", "1,10,300", "-q"]);
    assert_eq!(err, "");
}

#[test]
fn eval_miou_takes_dt_for_pred() {
    let (gt, _, segm) = val2014();
    let a = ok([
        "eval",
        "miou",
        "--gt",
        p(&gt),
        "--pred",
        p(&segm),
        "--json",
        "-q",
    ]);
    let b = ok([
        "eval",
        "miou",
        "--gt",
        p(&gt),
        "--dt",
        p(&segm),
        "--json",
        "-q",
    ]);
    assert_eq!(a, b);
    assert!(!a.is_empty());
}

#[test]
fn every_command_takes_q_and_every_report_takes_json() {
    let parse = |args: &[&str]| {
        Cli::try_parse_from(std::iter::once("cocokit").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    };
    let commands: [&[&str]; 9] = [
        &["pretty", "x.json"],
        &["stats", "x.json"],
        &["filter", "x.json", "--cats", "1"],
        &["convert", "x.json", "--to", "rle"],
        &["rasterize", "x.json", "-o", "d"],
        &["validate", "x.json"],
        &[
            "eval",
            "coco",
            "--gt",
            "g",
            "--dt",
            "d",
            "--iou-type",
            "bbox",
        ],
        &["eval", "miou", "--gt", "g", "--pred", "d"],
        &["synth", "--images", "3"],
    ];
    for c in commands {
        parse(&[c, &["-q"]].concat());
        parse(&[c, &["--quiet"]].concat());
    }
    for c in [
        commands[1],
        commands[4],
        commands[5],
        commands[6],
        commands[7],
    ] {
        parse(&[c, &["--json"]].concat());
    }
    // filter and convert: with -o FILE (their data goes to standard output otherwise).
    for c in [commands[2], commands[3]] {
        parse(&[c, &["-o", "out.json", "--json"]].concat());
    }
}

#[test]
fn enumerated_values_are_checked_by_the_parser() {
    for (args, values) in [
        (
            &["convert", "x.json", "--to", "rle2"][..],
            "rle, rle-raw, polygon",
        ),
        (
            &["rasterize", "x.json", "-o", "d", "--mode", "panoptic"],
            "semantic, instance",
        ),
        (
            &["rasterize", "x.json", "-o", "d", "--crowd", "skip"],
            "ignore, paint",
        ),
        (
            &["pretty", "x.json", "--color", "yes"],
            "auto, always, never",
        ),
        (
            &[
                "eval",
                "coco",
                "--gt",
                "g",
                "--dt",
                "d",
                "--iou-type",
                "boxes",
            ],
            "segm, bbox, keypoints, boundary",
        ),
        (
            &[
                "eval",
                "miou",
                "--gt",
                "g",
                "--dt",
                "d",
                "--mean-over",
                "some",
            ],
            "all, gt-present",
        ),
        (
            &[
                "eval",
                "miou",
                "--gt",
                "g",
                "--dt",
                "d",
                "--absent-as",
                "one",
            ],
            "nan, zero",
        ),
        (
            &[
                "eval",
                "miou",
                "--gt",
                "g",
                "--dt",
                "d",
                "--background",
                "none",
            ],
            "class, ignore",
        ),
    ] {
        let out = run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(&format!("[possible values: {values}")),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn synth_help_says_images_is_a_count() {
    let help = String::from_utf8(ok(["synth", "--help"])).expect("utf-8");
    assert!(
        help.contains("--images <COUNT>") && help.contains("a count, not image ids"),
        "{help}"
    );
}

#[test]
fn counts_are_in_the_right_number() {
    let (gt, _, _) = val2014();
    let out = run(["filter", p(&gt), "--cats", "toaster", "-o", "-"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("kept 1 category, "), "{err}");

    let w = Work::new();
    let f = w.write(
        "dup.json",
        r#"{"images": [{"id": 1, "width": 4, "height": 4, "file_name": "a.jpg"}, {"id": 1, "width": 4, "height": 4, "file_name": "b.jpg"}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2], "area": 4, "iscrowd": 0}],
            "categories": [{"id": 1, "name": "a"}]}"#,
    );
    let e = fails(["validate", p(&f)]);
    assert!(e.trim_end().ends_with("invalid: 1 error"), "{e}");
    let table = String::from_utf8(run(["validate", p(&f)]).stdout).expect("utf-8");
    assert!(
        table.contains(": 1 error, ") && table.contains("1 annotation, 1 category)"),
        "{table}"
    );
}

#[test]
fn validate_q_prints_no_report_and_keeps_the_exit_code() {
    let (gt, _, _) = val2014();
    let out = run(["validate", p(&gt), "-q"]);
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty());
    let w = Work::new();
    let f = w.write("bad.json", r#"{"images": [{"id": 1, "width": 4, "height": 4}, {"id": 1, "width": 4, "height": 4}], "annotations": [], "categories": []}"#);
    let out = run(["validate", p(&f), "-q"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

#[test]
fn an_unwritable_output_is_named_as_the_user_named_it() {
    let (gt, _, _) = val2014();
    let w = Work::new();
    let plain = w.write("plain", "x");
    for target in [w.path("missing/out.json"), plain.join("out.json")] {
        let t = p(&target);
        for args in [
            vec!["stats", p(&gt), "-o", t],
            vec!["filter", p(&gt), "--cats", "1", "-o", t],
            vec!["synth", "--images", "2", "-o", t],
        ] {
            let e = fails(&args);
            assert!(e.contains(t), "{args:?}: {e}");
            let rest = e.replace(t, "");
            assert!(
                !rest.contains(".tmp") && !rest.contains(".cocokit-"),
                "{args:?}: {e}"
            );
        }
    }
    // rasterize creates a missing directory; under a file it cannot.
    let t = plain.join("maps");
    let e = fails(["rasterize", p(&gt), "--img-ids", "139", "-o", p(&t)]);
    assert!(
        e.contains(p(&t)) && !e.replace(p(&t), "").contains(".tmp"),
        "{e}"
    );
    assert_eq!(w.files(), ["plain"]);
}

#[test]
fn filter_and_convert_print_their_summary_as_json_beside_an_output_file() {
    let (gt, _, _) = val2014();
    let w = Work::new();
    let f = w.path("toaster.json");
    let out = run([
        "filter",
        p(&gt),
        "--cats",
        "toaster",
        "-o",
        p(&f),
        "--json",
        "-q",
    ]);
    assert!(out.status.success() && out.stderr.is_empty());
    let j: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(j["categories"], 1);
    assert_eq!(j["output"], p(&f));
    let ds: Value = serde_json::from_slice(&std::fs::read(&f).expect("read")).expect("json");
    assert_eq!(
        Some(ds["annotations"].as_array().expect("a").len() as u64),
        j["annotations"].as_u64()
    );

    let r = w.path("rle.json");
    let out = run(["convert", p(&f), "--to", "rle", "-o", p(&r), "--json", "-q"]);
    assert!(out.status.success() && out.stderr.is_empty());
    let j: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        j["converted"].as_u64(),
        ds["annotations"].as_array().map(|a| a.len() as u64)
    );
    assert_eq!(j["skipped"], 0);

    // Without -o the dataset would share standard output with the summary: refused, nothing written.
    let w = Work::new();
    for args in [
        vec!["filter", p(&gt), "--cats", "toaster", "--json"],
        vec!["convert", p(&gt), "--to", "rle", "--json", "-o", "-"],
    ] {
        let out = run(&args);
        assert!(out.stdout.is_empty(), "{args:?}");
        let e = fails(&args);
        assert!(
            e.contains("--json prints the summary on standard output: give -o FILE"),
            "{e}"
        );
    }
    assert!(w.files().is_empty());
}

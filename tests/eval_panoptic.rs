//! `cocokit eval panoptic` against panopticapi's `pq_compute`.
//!
//! Goldens: fixtures/golden/panoptic/*.json, written by scripts/golden_panoptic.py running panopticapi's
//! own code (fetched outside the repository) on fixtures/panoptic, fixtures/format-variants and a small
//! synthetic ground truth with crowd and VOID regions, against seeded perturbed predictions
//! (fixtures/panoptic-synth). All, Things, Stuff and per-class numbers within 1e-12, the table exactly.

use crate::common::*;

use std::path::{Path, PathBuf};

use cocokit::eval::panoptic;
use serde_json::Value;

const TOL: f64 = 1e-12;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn close(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= TOL,
        "{what}: got {got:?}, panopticapi {want:?} (diff {:e})",
        got - want
    );
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn check(name: &str) {
    let g = read_json(&root().join(format!("fixtures/golden/panoptic/{name}.json")));
    let path = |k: &str| root().join(g[k].as_str().unwrap());
    let (gj, gd, pj, pd) = (
        path("gt_json"),
        path("gt_dir"),
        path("pred_json"),
        path("pred_dir"),
    );
    let args = [
        "eval",
        "panoptic",
        "--gt-json",
        s(&gj),
        "--gt-dir",
        s(&gd),
        "--pred-json",
        s(&pj),
        "--pred-dir",
        s(&pd),
    ];
    let j: Value = serde_json::from_slice(&ok(args.iter().copied().chain(["--json"]))).unwrap();
    let rep = panoptic::pq_compute(&gj, &gd, &pj, &pd).unwrap();
    for (group, lib) in [
        ("All", &rep.all),
        ("Things", &rep.things),
        ("Stuff", &rep.stuff),
    ] {
        let want = &g[group];
        if want.is_null() {
            // panopticapi divides by zero here; cocokit reports an empty group.
            assert_eq!(j[group]["n"], 0, "{name} {group}");
            assert_eq!(lib.n, 0);
            continue;
        }
        for k in ["pq", "sq", "rq"] {
            let w = want[k].as_f64().unwrap();
            close(
                &format!("{name} {group} {k}"),
                j[group][k].as_f64().unwrap(),
                w,
            );
        }
        close(
            &format!("{name} {group} pq (library)"),
            lib.pq,
            want["pq"].as_f64().unwrap(),
        );
        assert_eq!(j[group]["n"], want["n"], "{name} {group} n");
    }
    let per = g["per_class"].as_object().unwrap();
    assert_eq!(
        j["per_class"].as_object().unwrap().len(),
        per.len(),
        "{name}: classes"
    );
    for (id, v) in per {
        for k in ["pq", "sq", "rq"] {
            close(
                &format!("{name} class {id} {k}"),
                j["per_class"][id][k].as_f64().unwrap(),
                v[k].as_f64().unwrap(),
            );
        }
    }
    if let Some(lines) = g["lines"].as_array() {
        let text = String::from_utf8(ok(args)).unwrap();
        let want: Vec<&str> = lines.iter().map(|l| l.as_str().unwrap()).collect();
        assert_eq!(text.lines().collect::<Vec<_>>(), want, "{name}: table");
    }
}

#[test]
fn golden_sample_against_itself() {
    check("sample_self");
}
#[test]
fn golden_sample_perturbed() {
    check("sample_1");
    check("sample_2");
}
#[test]
fn golden_synthetic_crowd_and_void() {
    check("synth_1");
    check("synth_2");
    check("synth_3");
}
#[test]
fn golden_format_variants_stuff_only() {
    check("variants");
}

/// A work folder with the format-variants ground truth (one 5x10 image, b.png) and a prediction JSON.
fn setup(w: &Work, gt_json: &str, pred_json: &str) -> [String; 4] {
    let png = std::fs::read(fixture("format-variants/panoptic_val/b.png")).unwrap();
    std::fs::create_dir_all(w.path("gt")).unwrap();
    std::fs::create_dir_all(w.path("pred")).unwrap();
    std::fs::write(w.path("gt/b.png"), &png).unwrap();
    std::fs::write(w.path("pred/b.png"), &png).unwrap();
    let gj = w.write("gt.json", gt_json);
    let pj = w.write("pred.json", pred_json);
    [
        s(&gj).to_string(),
        s(&w.path("gt")).to_string(),
        s(&pj).to_string(),
        s(&w.path("pred")).to_string(),
    ]
}

fn run_pq(p: &[String; 4]) -> String {
    fails([
        "eval",
        "panoptic",
        "--gt-json",
        &p[0],
        "--gt-dir",
        &p[1],
        "--pred-json",
        &p[2],
        "--pred-dir",
        &p[3],
    ])
}

const GT: &str = r#"{"images": [{"id": 40, "width": 5, "height": 10, "file_name": "b.jpg"}],
  "categories": [{"id": 1, "name": "a", "isthing": 0}, {"id": 2, "name": "b", "isthing": 0}],
  "annotations": [{"image_id": 40, "file_name": "b.png", "segments_info": [
    {"id": 7, "category_id": 1, "area": 20, "iscrowd": 0}, {"id": 20, "category_id": 2, "area": 20, "iscrowd": 1}]}]}"#;

#[test]
fn bad_input_is_one_line_error() {
    let w = Work::new();
    let ok_pred = r#"{"annotations": [{"image_id": 40, "file_name": "b.png", "segments_info": [
        {"id": 7, "category_id": 1}, {"id": 20, "category_id": 2}]}]}"#;
    // The sane case works.
    let p = setup(&w, GT, ok_pred);
    ok([
        "eval",
        "panoptic",
        "--gt-json",
        &p[0],
        "--gt-dir",
        &p[1],
        "--pred-json",
        &p[2],
        "--pred-dir",
        &p[3],
    ]);
    // PNG size differing from the JSON.
    let p = setup(&w, &GT.replace(r#""width": 5"#, r#""width": 6"#), ok_pred);
    let e = run_pq(&p);
    assert!(
        e.contains("5x10") && e.contains("6x10") && e.contains("image id 40"),
        "{e}"
    );
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
    // A predicted segment id missing from the PNG.
    let p = setup(
        &w,
        GT,
        &ok_pred.replace(
            r#"{"id": 20, "category_id": 2}"#,
            r#"{"id": 20, "category_id": 2}, {"id": 99, "category_id": 1}"#,
        ),
    );
    let e = run_pq(&p);
    assert!(
        e.contains("99") && e.contains("not in the predicted PNG"),
        "{e}"
    );
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
    // A PNG id not in segments_info.
    let p = setup(
        &w,
        GT,
        &ok_pred.replace(r#", {"id": 20, "category_id": 2}"#, ""),
    );
    let e = run_pq(&p);
    assert!(e.contains("segment id 20 is in the predicted PNG"), "{e}");
    // No prediction for an image; a ground-truth segment without iscrowd.
    let p = setup(&w, GT, r#"{"annotations": []}"#);
    assert!(run_pq(&p).contains("no prediction for the image with id 40"));
    let p = setup(&w, &GT.replace(r#", "iscrowd": 0"#, ""), ok_pred);
    let e = run_pq(&p);
    assert!(e.contains("iscrowd") && e.contains("segment id 7"), "{e}");
    // A PNG that is not 8-bit RGB.
    std::fs::write(
        w.path("pred/b.png"),
        std::fs::read(fixture(
            "panoptic/sample_data/panoptic_examples_2ch_format/000000142238.png",
        ))
        .unwrap(),
    )
    .unwrap();
    let e = fails([
        "eval",
        "panoptic",
        "--gt-json",
        &p[0],
        "--gt-dir",
        &p[1],
        "--pred-json",
        &p[2],
        "--pred-dir",
        &p[3],
    ]);
    assert_eq!(e.trim_end().lines().count(), 1, "{e}");
}

#[test]
fn help_has_examples() {
    let help = String::from_utf8(ok(["eval", "panoptic", "--help"])).unwrap();
    assert!(help.contains("cocokit eval panoptic --gt-json"), "{help}");
}

//! `cocokit eval miou --convention cocostuff` equals COCO-Stuff's official evaluation (cocostuffapi's
//! COCOStuffeval; golden from scripts/golden_cocostuff.py), and refuses what COCOStuffeval refuses.

use crate::common::*;
use serde_json::Value;

fn case(name: &str) -> std::path::PathBuf {
    fixture(&format!("golden/miou/cocostuff/{name}"))
}

fn eval(extra: &[&str]) -> Value {
    let (gt, res) = (case("gt.json"), case("results.json"));
    let mut args = vec![
        "eval",
        "miou",
        "--gt",
        gt.to_str().expect("p"),
        "--dt",
        res.to_str().expect("p"),
        "--json",
    ];
    args.extend_from_slice(extra);
    serde_json::from_slice(&ok(&args)).expect("json")
}

fn close(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-12,
        _ => a == b,
    }
}

#[test]
fn cocostuff_convention_equals_cocostuffeval() {
    let want: Value =
        serde_json::from_slice(&std::fs::read(case("expected.json")).expect("golden"))
            .expect("json");
    let got = eval(&["--convention", "cocostuff"]);
    for k in ["miou", "fwiou", "macc", "aacc"] {
        assert!(close(&got[k], &want[k]), "{k}: {} vs {}", got[k], want[k]);
    }
    let per_class = got["per_class"].as_array().expect("per_class");
    let mut compared = 0;
    for (id, w) in want["per_class"].as_object().expect("per_class") {
        let c = per_class
            .iter()
            .find(|c| c["id"].as_i64().map(|i| i.to_string()).as_deref() == Some(id.as_str()))
            .unwrap_or_else(|| panic!("class {id} missing"));
        assert!(
            close(&c["iou"], &w["iou"]) && close(&c["acc"], &w["acc"]),
            "{id}: {c} vs {w}"
        );
        compared += 1;
    }
    assert_eq!(compared, 7);
    // The same numbers with the flags the preset implies, spelled out on top of detectron2's means — except
    // the unpredicted-as-"other" rule, which only the preset has: so these differ.
    let d2 = eval(&[
        "--convention",
        "detectron2",
        "--background",
        "ignore",
        "--score-thr",
        "0",
    ]);
    assert!(
        !close(&d2["miou"], &want["miou"]),
        "the 'other' rule must matter in this case"
    );
    // An explicit flag overrides the preset's part.
    let with_bg = eval(&["--convention", "cocostuff", "--background", "class"]);
    assert_eq!(with_bg["per_class"][0]["name"], "background");
}

#[test]
fn cocostuff_needs_a_result_for_every_image() {
    let w = Work::new();
    let res: Value = serde_json::from_slice(&std::fs::read(case("results.json")).expect("results"))
        .expect("json");
    let kept: Vec<&Value> = res
        .as_array()
        .expect("array")
        .iter()
        .filter(|r| r["image_id"] != 103)
        .collect();
    let f = w.write("res.json", serde_json::to_vec(&kept).expect("json"));
    let out = w.path("report.json");
    let gt = case("gt.json");
    let args = [
        "eval",
        "miou",
        "--gt",
        gt.to_str().expect("p"),
        "--dt",
        f.to_str().expect("p"),
        "--convention",
        "cocostuff",
        "-o",
        out.to_str().expect("p"),
    ];
    let e = fails(args);
    assert!(
        e.contains("--convention cocostuff: 1 ground-truth image has no result")
            && e.contains("image 103"),
        "{e}"
    );
    assert_eq!(w.files(), ["res.json"], "nothing written");
}

fn copy_pred_dir(w: &Work) -> std::path::PathBuf {
    let dir = w.path("pred");
    std::fs::create_dir(&dir).expect("mkdir");
    for e in std::fs::read_dir(case("pred")).expect("pred") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), dir.join(e.file_name())).expect("copy");
    }
    dir
}

fn eval_pngs(pred: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let gt = case("gt.json");
    let mut args = vec![
        "eval",
        "miou",
        "--gt",
        gt.to_str().expect("p"),
        "--pred",
        pred.to_str().expect("p"),
        "--json",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// COCO-Stuff's challenge form: COCO JSON ground truth, predictions as label PNGs (pixel = category id).
#[test]
fn coco_ground_truth_with_label_png_predictions() {
    let want: Value =
        serde_json::from_slice(&std::fs::read(case("expected.json")).expect("golden"))
            .expect("json");
    for extra in [
        &["--convention", "cocostuff"][..],
        &[],
        &["--background", "ignore"],
    ] {
        let out = eval_pngs(&case("pred"), extra);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Value = serde_json::from_slice(&out.stdout).expect("json");
        // The PNGs hold the same predictions as results.json: every number equal.
        assert_eq!(got, eval(extra), "{extra:?}");
        if extra.contains(&"cocostuff") {
            for k in ["miou", "fwiou", "macc", "aacc"] {
                assert!(close(&got[k], &want[k]), "{k}");
            }
        }
    }
}

#[test]
fn label_png_predictions_for_coco_ground_truth_are_checked() {
    use cocokit::mask::png::{write_label_png, LabelMap};
    // A PNG without an image: an error naming it (unless --allow-extra).
    let w = Work::new();
    let dir = copy_pred_dir(&w);
    let extra = dir.join("000000000999.png");
    write_label_png(&extra, &LabelMap::from_u8(8, 8, vec![0; 64]).expect("map")).expect("write");
    let gt = case("gt.json");
    let e = fails([
        "eval",
        "miou",
        "--gt",
        gt.to_str().expect("p"),
        "--pred",
        dir.to_str().expect("p"),
    ]);
    assert!(
        e.contains("000000000999") && e.contains("--allow-extra"),
        "{e}"
    );
    assert!(eval_pngs(&dir, &["--allow-extra"]).status.success());
    // A wrong size, a value that is no category: one-line errors naming the PNG.
    std::fs::remove_file(&extra).expect("rm");
    let bad = dir.join("000000000103.png");
    write_label_png(&bad, &LabelMap::from_u8(9, 8, vec![92; 72]).expect("map")).expect("write");
    let out = eval_pngs(&dir, &[]);
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{e}");
    assert!(
        e.contains("000000000103.png") && e.contains("9x8") && e.lines().count() == 1,
        "{e}"
    );
    let mut px = vec![92u8; 64];
    px[10] = 50;
    write_label_png(&bad, &LabelMap::from_u8(8, 8, px).expect("map")).expect("write");
    let out = eval_pngs(&dir, &[]);
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{e}");
    assert!(e.contains("pixel (2, 1) is 50, not a category id"), "{e}");
    // A missing PNG: predicted nothing (a note), or an error under cocostuff.
    std::fs::remove_file(&bad).expect("rm");
    let out = eval_pngs(&dir, &[]);
    assert!(out.status.success());
    let j: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(j["missing_predictions"], serde_json::json!(["103"]));
    let out = eval_pngs(&dir, &["--convention", "cocostuff"]);
    assert_eq!(out.status.code(), Some(1));
    // Label-PNG ground truth with COCO results: refused, one line.
    let e = fails([
        "eval",
        "miou",
        "--gt",
        case("pred").to_str().expect("p"),
        "--pred",
        case("results.json").to_str().expect("p"),
        "--num-classes",
        "184",
    ]);
    assert!(
        e.contains("label-PNG ground truth takes label-PNG predictions"),
        "{e}"
    );
}

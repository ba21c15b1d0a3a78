//! Keypoint evaluation (`--iou-type keypoints`, OKS) against pycocotools 2.0.11.
//!
//! Goldens: fixtures/golden/keypoints/*.json, written by scripts/golden_keypoints.py from seeded synthetic
//! cases (fixtures/keypoints-synth) and from fixtures/keypoints (real detections whose 10 stats are
//! published). Every number is compared within 1e-12, every printed line exactly, through the library
//! (both readers) and through the command.

use crate::common::*;

use crate::cocoeval_common::{self, f64s, read_json, root, s, v_strings, TOL};
use cocokit::coco::reader::SegMode;
use cocokit::eval::cocoeval::{IouType, Params};
use serde_json::Value;

fn params_of(spec: &Value) -> Params {
    let mut p = Params::new(IouType::Keypoints);
    if let Some(v) = spec.get("kpt_oks_sigmas") {
        p.kpt_oks_sigmas = f64s(v);
    }
    if let Some(v) = spec.get("maxDets") {
        p.max_dets = f64s(v).iter().map(|&x| x as usize).collect();
    }
    if let Some(v) = spec.get("areaRng") {
        p.area_rng = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| [r[0].as_f64().unwrap(), r[1].as_f64().unwrap()])
            .collect();
        p.area_rng_lbl = v_strings(&spec["areaRngLbl"]);
    }
    if let Some(v) = spec.get("useCats") {
        p.use_cats = v.as_i64().unwrap() != 0;
    }
    if let Some(v) = spec.get("catIds") {
        p.cat_ids = Some(f64s(v).iter().map(|&x| x as i64).collect());
    }
    p
}

/// Every evaluation of a keypoints golden (scripts/golden_keypoints.py), through both readers.
fn run_golden(name: &str) -> usize {
    cocoeval_common::run_golden("keypoints", name, SegMode::Kind, params_of, 10, "ar20")
}

#[test]
fn golden_published() {
    assert_eq!(run_golden("published"), 1);
}
#[test]
fn golden_jitter() {
    assert_eq!(run_golden("jitter"), 1);
}
#[test]
fn golden_zero_visible() {
    assert_eq!(run_golden("zero_visible"), 1);
}
#[test]
fn golden_crowd() {
    assert_eq!(run_golden("crowd"), 1);
}
#[test]
fn golden_empty_images() {
    assert_eq!(run_golden("empty_images"), 1);
}
#[test]
fn golden_boxes() {
    assert_eq!(run_golden("boxes"), 1);
}
#[test]
fn golden_sizes() {
    assert_eq!(run_golden("sizes"), 2);
}
#[test]
fn golden_many_dets() {
    assert_eq!(run_golden("many_dets"), 6);
}
#[test]
fn golden_crowdpose14() {
    assert_eq!(run_golden("crowdpose14"), 1);
}

#[test]
fn command_prints_pycocotools_lines_and_published_stats() {
    let gt = fixture("keypoints/gt_dataset.json");
    let dt = fixture("keypoints/dt_dataset.json");
    let published = read_json(&fixture("keypoints/expected_cocoeval.json"));
    let j: Value = serde_json::from_slice(&ok([
        "eval",
        "coco",
        "--gt",
        s(&gt),
        "--dt",
        s(&dt),
        "--iou-type",
        "keypoints",
        "--json",
    ]))
    .unwrap();
    assert_eq!(j["iou_type"], "keypoints");
    let (got, want) = (f64s(&j["stats"]), f64s(&published["stats"]));
    assert_eq!(got.len(), 10);
    for (k, (a, b)) in got.iter().zip(&want).enumerate() {
        assert!((a - b).abs() <= TOL, "stats[{k}]: {a} vs {b}");
    }
    assert!(j["per_class"][0].get("ar20").is_some());
    let golden = read_json(&root().join("fixtures/golden/keypoints/published.json"));
    let text = String::from_utf8(ok([
        "eval",
        "coco",
        "--gt",
        s(&gt),
        "--dt",
        s(&dt),
        "--iou-type",
        "keypoints",
    ]))
    .unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines, v_strings(&golden["evals"][0]["lines"]));
}

#[test]
fn command_takes_custom_sigmas() {
    let golden = read_json(&root().join("fixtures/golden/keypoints/crowdpose14.json"));
    let e = &golden["evals"][0];
    let sigmas: Vec<String> = f64s(&e["params"]["kpt_oks_sigmas"])
        .iter()
        .map(|v| format!("{v}"))
        .collect();
    let j: Value = serde_json::from_slice(&ok([
        "eval",
        "coco",
        "--gt",
        s(&root().join(golden["gt"].as_str().unwrap())),
        "--dt",
        s(&root().join(golden["results"].as_str().unwrap())),
        "--iou-type",
        "keypoints",
        "--kpt-sigmas",
        &sigmas.join(","),
        "--json",
    ]))
    .unwrap();
    for (k, (a, b)) in f64s(&j["stats"]).iter().zip(&f64s(&e["stats"])).enumerate() {
        assert!((a - b).abs() <= TOL, "stats[{k}]: {a} vs {b}");
    }
    // With COCO's 17 default sigmas the 14-keypoint arrays are refused, naming the record.
    let err = fails([
        "eval",
        "coco",
        "--gt",
        s(&root().join(golden["gt"].as_str().unwrap())),
        "--dt",
        s(&root().join(golden["results"].as_str().unwrap())),
        "--iou-type",
        "keypoints",
    ]);
    assert!(
        err.contains("keypoints has 42 values, expected 51"),
        "{err}"
    );
    assert!(err.contains("annotation id 1"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

#[test]
fn bad_keypoint_input_is_one_line_error() {
    let w = Work::new();
    let gt = w.write(
        "gt.json",
        r#"{"images": [{"id": 1, "width": 100, "height": 100, "file_name": "a.jpg"}],
            "categories": [{"id": 1, "name": "person"}],
            "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20], "area": 300,
                             "iscrowd": 0, "keypoints": [15, 15, 2, 20, 20, 2], "num_keypoints": 2}]}"#,
    );
    let dt = w.write(
        "dt.json",
        r#"[{"image_id": 1, "category_id": 1, "keypoints": [15, 15, 1, 20, 20, 1], "score": 0.9},
            {"image_id": 1, "category_id": 1, "keypoints": [15, 15, 1, 20, 20], "score": 0.8}]"#,
    );
    let base = [
        "eval",
        "coco",
        "--gt",
        s(&gt),
        "--dt",
        s(&dt),
        "--iou-type",
        "keypoints",
    ];
    let err = fails(base.iter().copied().chain(["--kpt-sigmas", "0.1,0.1"]));
    assert!(err.contains("keypoints has 5 values, expected 6"), "{err}");
    assert!(err.contains("dt.json"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    // Sigmas must be positive numbers; they are for keypoints only.
    let err = fails(base.iter().copied().chain(["--kpt-sigmas", "0.1,-1"]));
    assert!(err.contains("sigma"), "{err}");
    let err = fails([
        "eval",
        "coco",
        "--gt",
        s(&gt),
        "--dt",
        s(&dt),
        "--iou-type",
        "bbox",
        "--kpt-sigmas",
        "0.1",
    ]);
    assert!(err.contains("--kpt-sigmas"), "{err}");
    // A ground truth without num_keypoints.
    let gt2 = w.write(
        "gt2.json",
        r#"{"images": [{"id": 1, "width": 100, "height": 100, "file_name": "a.jpg"}],
            "categories": [{"id": 1, "name": "person"}],
            "annotations": [{"id": 9, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20], "area": 300,
                             "iscrowd": 0, "keypoints": [15, 15, 2, 20, 20, 2]}]}"#,
    );
    let err = fails([
        "eval",
        "coco",
        "--gt",
        s(&gt2),
        "--dt",
        s(&dt),
        "--iou-type",
        "keypoints",
        "--kpt-sigmas",
        "0.1,0.1",
    ]);
    assert!(
        err.contains("num_keypoints") && err.contains("annotation id 9"),
        "{err}"
    );
}

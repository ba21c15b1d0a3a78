//! `cocokit eval coco` from the command line: pycocotools' numbers on the cocoapi val2014 subset, its printed
//! lines, JSON and per-class output, parameters, and bad input as one-line errors.

use crate::common::*;
use serde_json::Value;

fn expected() -> Value {
    serde_json::from_slice(
        &std::fs::read(shared("cocoapi-val2014-100/expected_cocoeval.json")).expect("read"),
    )
    .expect("json")
}

fn stats_of(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("12 stats")
        .iter()
        .map(|x| x.as_f64().expect("f64"))
        .collect()
}

#[test]
fn equals_pycocotools_on_cocoapi_val2014() {
    let gt = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let exp = expected();
    for (iou, file) in [
        ("bbox", "instances_val2014_fakebbox100_results.json"),
        ("segm", "instances_val2014_fakesegm100_results.json"),
    ] {
        let dt = shared(&format!("cocoapi-val2014-100/{file}"));
        let j: Value = serde_json::from_slice(&ok([
            "eval",
            "coco",
            "--gt",
            gt.to_str().expect("p"),
            "--dt",
            dt.to_str().expect("p"),
            "--iou-type",
            iou,
            "--json",
        ]))
        .expect("json");
        assert_eq!(j["iou_type"], iou);
        let got = stats_of(&j["stats"]);
        let want = stats_of(
            exp.pointer(&format!("/{iou}/stats"))
                .or_else(|| exp.get(iou))
                .expect("expected stats"),
        );
        assert_eq!(got.len(), 12);
        for (k, (a, b)) in got.iter().zip(&want).enumerate() {
            assert!((a - b).abs() <= 1e-12, "{iou} stats[{k}]: {a} vs {b}");
        }
        assert!(!j["per_class"].as_array().expect("per_class").is_empty());
        // The printed summary: pycocotools' 12 lines.
        let text = String::from_utf8(ok([
            "eval",
            "coco",
            "--gt",
            gt.to_str().expect("p"),
            "--dt",
            dt.to_str().expect("p"),
            "--iou-type",
            iou,
        ]))
        .expect("utf8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 12);
        assert_eq!(
            lines[0],
            format!(
                " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = {:.3}",
                want[0]
            )
        );
        assert!(lines[11].starts_with(
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]"
        ));
    }
}

#[test]
fn parameters_and_per_class_table() {
    let gt = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let dt = shared("cocoapi-val2014-100/instances_val2014_fakebbox100_results.json");
    let (gt, dt) = (gt.to_str().expect("p"), dt.to_str().expect("p"));
    let table = String::from_utf8(ok([
        "eval",
        "coco",
        "--gt",
        gt,
        "--dt",
        dt,
        "--iou-type",
        "bbox",
        "--per-class",
    ]))
    .expect("utf8");
    assert!(
        table.contains("person") && table.contains("AP50"),
        "{table}"
    );
    let sub: Value = serde_json::from_slice(&ok([
        "eval",
        "coco",
        "--gt",
        gt,
        "--dt",
        dt,
        "--iou-type",
        "bbox",
        "--json",
        "--cat-ids",
        "1",
        "--max-dets",
        "1,5,20",
    ]))
    .expect("json");
    assert_eq!(sub["per_class"].as_array().expect("a").len(), 1);
    let nocats: Value = serde_json::from_slice(&ok([
        "eval",
        "coco",
        "--gt",
        gt,
        "--dt",
        dt,
        "--iou-type",
        "bbox",
        "--json",
        "--no-cats",
    ]))
    .expect("json");
    assert_ne!(nocats["stats"], sub["stats"]);
    let custom: Value = serde_json::from_slice(&ok([
        "eval",
        "coco",
        "--gt",
        gt,
        "--dt",
        dt,
        "--iou-type",
        "bbox",
        "--json",
        "--area-rng",
        "all=0:1e10,small=0:400,medium=400:10000,large=10000:1e10",
    ]))
    .expect("json");
    assert_eq!(
        custom["stats"][0],
        nocats["stats"][0]
            .clone()
            .as_f64()
            .map(|_| custom["stats"][0].clone())
            .expect("n")
    );
    fails([
        "eval",
        "coco",
        "--gt",
        gt,
        "--dt",
        dt,
        "--iou-type",
        "bbox",
        "--area-rng",
        "small:0-3",
    ]);
    let out = run([
        "eval",
        "coco",
        "--gt",
        gt,
        "--dt",
        dt,
        "--iou-type",
        "boxes",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_results_are_one_line_errors() {
    let w = Work::new();
    let gt = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let gt = gt.to_str().expect("p");
    let cases: &[(&str, &str)] = &[
        (r#"{"annotations": []}"#, "array"),
        (
            r#"[{"image_id": 42, "category_id": 18, "bbox": [1, 2, 3, 4]}]"#,
            "score",
        ),
        (
            r#"[{"image_id": 99999999, "category_id": 18, "bbox": [1, 2, 3, 4], "score": 0.5}]"#,
            "99999999",
        ),
        (
            r#"[{"image_id": 42, "category_id": 9999, "bbox": [1, 2, 3, 4], "score": 0.5}]"#,
            "9999",
        ),
        (
            r#"[{"image_id": 42, "category_id": 18, "bbox": [1, 2, 3, 4], "score": NaN}]"#,
            "NaN",
        ),
    ];
    for (i, (body, want)) in cases.iter().enumerate() {
        let f = w.write(&format!("r{i}.json"), body);
        let e = fails([
            "eval",
            "coco",
            "--gt",
            gt,
            "--dt",
            f.to_str().expect("p"),
            "--iou-type",
            "bbox",
        ]);
        assert!(e.contains(want), "{body}: {e}");
    }
    let mixed = w.write(
        "mixed.json",
        r#"[{"image_id": 42, "category_id": 18, "segmentation": {"size": [478, 640], "counts": "0"}, "score": 0.5},
            {"image_id": 42, "category_id": 18, "bbox": [1, 2, 3, 4], "score": 0.4}]"#,
    );
    fails([
        "eval",
        "coco",
        "--gt",
        gt,
        "--dt",
        mixed.to_str().expect("p"),
        "--iou-type",
        "segm",
    ]);
}

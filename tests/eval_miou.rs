//! `cocokit eval miou` from the command line: the published ADE20K numbers, the COCO JSON path against the
//! numpy references (golden files of scripts/golden_miou.py), every output format, and bad input.

use crate::common::*;
use serde_json::Value;

#[test]
fn ade20k_published_numbers() {
    let gt = shared("ade20k-sample/sampleData/annotations");
    let pred = shared("ade20k-sample/sampleData/predictions");
    let args = |extra: &[&str]| {
        let mut v = vec![
            "eval",
            "miou",
            "--gt",
            gt.to_str().expect("p"),
            "--pred",
            pred.to_str().expect("p"),
            "--num-classes",
            "150",
            "--reduce-zero-label",
            "--json",
        ];
        v.extend(extra);
        serde_json::from_slice::<Value>(&ok(v.iter().map(|s| s.to_string()).collect::<Vec<_>>()))
            .expect("json")
    };
    let zero = args(&["--absent-as", "zero"]);
    assert!(
        (zero["miou"].as_f64().expect("miou") - 0.1).abs() < 1e-12,
        "{}",
        zero["miou"]
    );
    assert_eq!(zero["aacc"].as_f64(), Some(1.0));
    let ade = args(&["--convention", "ade20k"]);
    assert_eq!(ade["miou"], zero["miou"]);
    let mmseg = args(&[]);
    assert_eq!(mmseg["miou"].as_f64(), Some(1.0));
    assert_eq!(mmseg["per_class"].as_array().expect("a").len(), 150);
    for key in ["miou", "macc", "mdice", "aacc", "fwiou"] {
        assert!(mmseg[key].is_number(), "{key}");
    }
    let c = &mmseg["per_class"][0];
    for key in [
        "id",
        "name",
        "iou",
        "acc",
        "dice",
        "precision",
        "fscore",
        "gt_pixels",
        "pred_pixels",
    ] {
        assert!(c.get(key).is_some(), "{key}");
    }
}

#[test]
fn coco_json_outputs_and_files() {
    let w = Work::new();
    let gt = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let res = shared("cocoapi-val2014-100/instances_val2014_fakesegm100_results.json");
    let (svg, conf) = (w.path("iou.svg"), w.path("conf.csv"));
    let table = String::from_utf8(ok([
        "eval",
        "miou",
        "--gt",
        gt.to_str().expect("p"),
        "--pred",
        res.to_str().expect("p"),
        "--plot",
        svg.to_str().expect("p"),
        "--confusion",
        conf.to_str().expect("p"),
        "-q",
    ]))
    .expect("utf8");
    assert!(
        table.contains("mIoU") && table.contains("person"),
        "{table}"
    );
    let svg_text = std::fs::read_to_string(&svg).expect("svg");
    assert!(svg_text.starts_with("<svg") || svg_text.starts_with("<?xml"));
    let conf_text = std::fs::read_to_string(&conf).expect("csv");
    assert_eq!(
        conf_text.lines().count(),
        82,
        "header + background + 80 classes"
    );
    let csv = String::from_utf8(ok([
        "eval",
        "miou",
        "--gt",
        gt.to_str().expect("p"),
        "--pred",
        res.to_str().expect("p"),
        "--csv",
    ]))
    .expect("utf8");
    assert!(csv.lines().next().expect("header").contains("iou"));
    // The same numbers as the numpy references (scripts/golden_miou.py), for every convention.
    let g: Value = serde_json::from_slice(
        &std::fs::read(fixture("golden/miou/coco_val2014_class.json")).expect("golden"),
    )
    .expect("json");
    for (conv, flags) in [
        ("mmseg", vec![]),
        ("ade20k", vec!["--convention", "ade20k"]),
        ("detectron2", vec!["--convention", "detectron2"]),
    ] {
        let mut args = vec![
            "eval",
            "miou",
            "--gt",
            gt.to_str().expect("p"),
            "--pred",
            res.to_str().expect("p"),
            "--json",
        ];
        args.extend(flags);
        let j: Value = serde_json::from_slice(&ok(&args)).expect("json");
        let want = &g["conventions"][conv];
        for key in ["miou", "aacc", "fwiou"] {
            let (a, b) = (
                j[key].as_f64().expect("got"),
                want[key].as_f64().expect("want"),
            );
            assert!((a - b).abs() <= 1e-12, "{conv} {key}: {a} vs {b}");
        }
        let gt_pixels: Vec<u64> = j["per_class"]
            .as_array()
            .expect("a")
            .iter()
            .map(|c| c["gt_pixels"].as_u64().expect("n"))
            .collect();
        let want_gt: Vec<u64> = g["gt_pixels"]
            .as_array()
            .expect("a")
            .iter()
            .map(|v| v.as_u64().expect("n"))
            .collect();
        assert_eq!(gt_pixels, want_gt);
    }
}

#[test]
fn bad_inputs() {
    let w = Work::new();
    let gt = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let dir = shared("ade20k-sample/sampleData/annotations");
    let e = fails([
        "eval",
        "miou",
        "--gt",
        gt.to_str().expect("p"),
        "--pred",
        dir.to_str().expect("p"),
    ]);
    // COCO JSON ground truth takes label-PNG predictions named after its images: these are not.
    assert!(e.contains("without an image in the ground truth"), "{e}");
    let e = fails([
        "eval",
        "miou",
        "--gt",
        dir.to_str().expect("p"),
        "--pred",
        dir.to_str().expect("p"),
    ]);
    assert!(e.contains("--num-classes"), "{e}");
    let bad = w.write("res.json", r#"[{"image_id": 123456789, "category_id": 1, "score": 0.9, "segmentation": {"size": [2, 2], "counts": "04"}}]"#);
    let e = fails([
        "eval",
        "miou",
        "--gt",
        gt.to_str().expect("p"),
        "--pred",
        bad.to_str().expect("p"),
    ]);
    assert!(e.contains("123456789"), "{e}");
    let out = run([
        "eval",
        "miou",
        "--gt",
        gt.to_str().expect("p"),
        "--pred",
        bad.to_str().expect("p"),
        "--allow-extra",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0));
}

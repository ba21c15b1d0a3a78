//! Results files (a top-level array of detections) as first-class inputs: `stats` reports detections,
//! `filter` keeps a selection and writes an array, `validate --gt` checks them against their ground truth.
//! Golden data: scripts/golden_results.py (pycocotools 2.0.11 loadRes, numpy.percentile).

use crate::common::*;
use serde_json::Value;

const CASES: &[(&str, &str, &str)] = &[
    (
        "fakebbox100",
        "cocoapi-val2014-100/instances_val2014_100.json",
        "cocoapi-val2014-100/instances_val2014_fakebbox100_results.json",
    ),
    (
        "fakesegm100",
        "cocoapi-val2014-100/instances_val2014_100.json",
        "cocoapi-val2014-100/instances_val2014_fakesegm100_results.json",
    ),
    (
        "keypoints",
        "keypoints/gt_dataset.json",
        "keypoints/dt_dataset.json",
    ),
];

fn golden(name: &str) -> Value {
    let p = fixture(&format!("golden/results/{name}.json"));
    serde_json::from_slice(&std::fs::read(p).expect("golden")).expect("json")
}

#[test]
fn stats_reports_detections() {
    for (name, _, res) in CASES {
        let g = &golden(name)["stats"];
        let p = shared(res);
        let st: Value =
            serde_json::from_slice(&ok(["stats", "--json", p.to_str().expect("p")])).expect("json");
        assert_eq!(st["kind"], "results", "{name}");
        for key in ["detections", "images_covered", "with_bbox"] {
            assert_eq!(st[key], g[key], "{name} {key}");
        }
        for q in ["min", "p25", "median", "p75", "max"] {
            let (a, b) = (
                st["score"][q].as_f64().expect("q"),
                g["score"][q].as_f64().expect("q"),
            );
            // numpy's interpolation and ours are the same formula, evaluated in another order.
            assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                "{name} {q}: {a} vs {b}"
            );
        }
        let got: Vec<(i64, u64, u64)> = st["per_category"]
            .as_array()
            .expect("per_category")
            .iter()
            .map(|c| {
                (
                    c["id"].as_i64().expect("id"),
                    c["annotations"].as_u64().expect("n"),
                    c["images"].as_u64().expect("images"),
                )
            })
            .collect();
        let want: Vec<(i64, u64, u64)> = g["per_category"]
            .as_array()
            .expect("per_category")
            .iter()
            .map(|c| {
                (
                    c["id"].as_i64().expect("id"),
                    c["detections"].as_u64().expect("n"),
                    c["images"].as_u64().expect("images"),
                )
            })
            .collect();
        assert_eq!(got, want, "{name}");
        // The table says "detections", not "images 0 / categories 0".
        let table = String::from_utf8(ok(["stats", p.to_str().expect("p")])).expect("utf-8");
        assert!(
            table.contains("(results)") && table.contains("detections"),
            "{table}"
        );
        assert!(!table.contains("unknown categories"), "{table}");
    }
}

/// The records of a results file, as parsed values.
fn records(bytes: &[u8]) -> Vec<Value> {
    match serde_json::from_slice(bytes).expect("json") {
        Value::Array(v) => v,
        other => panic!("not an array: {other}"),
    }
}

#[test]
fn filter_keeps_the_selection_and_writes_an_array() {
    for (name, gt, res) in CASES {
        let g = golden(name);
        let p = shared(res);
        let p = p.to_str().expect("p");
        let all = records(&std::fs::read(p).expect("read"));
        let pick = |kept: &Value| -> Vec<Value> {
            kept.as_array()
                .expect("kept")
                .iter()
                .map(|k| all[k.as_u64().expect("k") as usize].clone())
                .collect()
        };
        let f = &g["filter"];
        let cats: Vec<String> = f["cats"]
            .as_array()
            .expect("cats")
            .iter()
            .map(|c| c.to_string())
            .collect();
        let thr = f["score_thr"].to_string();
        let out = ok([
            "filter",
            p,
            "--cats",
            &cats.join(","),
            "--score-thr",
            &thr,
            "-q",
        ]);
        assert_eq!(records(&out), pick(&f["kept"]), "{name}");
        let ids: Vec<String> = g["filter_img_ids"]["img_ids"]
            .as_array()
            .expect("ids")
            .iter()
            .map(|c| c.to_string())
            .collect();
        let out = ok(["filter", p, "--img-ids", &ids.join(","), "-q"]);
        assert_eq!(records(&out), pick(&g["filter_img_ids"]["kept"]), "{name}");
        // Records are written as they were: the output's bytes are the input's records joined.
        assert!(out.starts_with(b"[{") && out.ends_with(b"]\n"), "{name}");
        // Through the ground truth's categories (ids it does not have are refused there).
        if *name == "keypoints" {
            continue;
        }
        let gtp = shared(gt);
        let names = ok([
            "filter",
            p,
            "--gt",
            gtp.to_str().expect("p"),
            "--cats",
            &cats.join(","),
            "--score-thr",
            &thr,
            "-q",
        ]);
        assert_eq!(records(&names), pick(&f["kept"]), "{name}");
    }
    let p = shared("cocoapi-val2014-100/instances_val2014_fakebbox100_results.json");
    let p = p.to_str().expect("p");
    let gt = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let by_name = ok([
        "filter",
        p,
        "--gt",
        gt.to_str().expect("p"),
        "--cats",
        "person,dog",
        "--score-thr",
        "0.5",
        "-q",
    ]);
    let g = golden("fakebbox100");
    let all = records(&std::fs::read(p).expect("read"));
    let want: Vec<Value> = g["filter"]["kept"]
        .as_array()
        .expect("kept")
        .iter()
        .map(|k| all[k.as_u64().expect("k") as usize].clone())
        .collect();
    assert_eq!(records(&by_name), want);
    // The summary counts detections.
    let out = run(["filter", p, "--cats", "1"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("kept 201 detections"));
}

#[test]
fn filter_results_refusals_name_what_is_needed() {
    let p = shared("cocoapi-val2014-100/instances_val2014_fakebbox100_results.json");
    let p = p.to_str().expect("p");
    let w = Work::new();
    let o = w.path("out.json");
    let o = o.to_str().expect("p");
    let e = fails(["filter", p, "--cats", "person", "-o", o]);
    assert!(
        e.contains("a results file has only category ids: \"person\" needs --gt GT"),
        "{e}"
    );
    let e = fails(["filter", p, "--supercats", "animal", "-o", o]);
    assert!(e.contains("--supercats needs --gt GT"), "{e}");
    let ds = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let e = fails([
        "filter",
        ds.to_str().expect("p"),
        "--score-thr",
        "0.5",
        "-o",
        o,
    ]);
    assert!(
        e.contains("--score-thr selects detections of a results file"),
        "{e}"
    );
    let e = fails([
        "filter",
        ds.to_str().expect("p"),
        "--img-ids",
        "424242",
        "-o",
        o,
    ]);
    assert!(e.contains("--img-ids: no image has id 424242"), "{e}");
    assert!(w.files().is_empty(), "{:?}", w.files());
}

#[test]
fn filter_dataset_by_image_ids() {
    let ds = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let all: Value = serde_json::from_slice(&std::fs::read(&ds).expect("read")).expect("json");
    let out = ok([
        "filter",
        ds.to_str().expect("p"),
        "--img-ids",
        "42,74",
        "-q",
    ]);
    let v: Value = serde_json::from_slice(&out).expect("json");
    let imgs: Vec<i64> = v["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(imgs, [42, 74]);
    let want: Vec<&Value> = all["annotations"]
        .as_array()
        .expect("anns")
        .iter()
        .filter(|a| [42, 74].contains(&a["image_id"].as_i64().expect("id")))
        .collect();
    let got: Vec<&Value> = v["annotations"].as_array().expect("anns").iter().collect();
    assert_eq!(got, want);
}

#[test]
fn validate_results_against_their_ground_truth() {
    let gt = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let gt = gt.to_str().expect("p");
    for (_, _, res) in &CASES[..2] {
        let out = run(["validate", shared(res).to_str().expect("p"), "--gt", gt]);
        assert_eq!(out.status.code(), Some(0), "{res}");
    }
    let w = Work::new();
    let p = w.write(
        "dets.json",
        concat!(
            "[{\"image_id\": 4242, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": 0.5},\n",
            " {\"image_id\": 74, \"category_id\": 999, \"bbox\": [1, 2, 3, 4], \"score\": 0.5},\n",
            " {\"image_id\": 74, \"category_id\": 1, \"bbox\": [1, 2, 3, 4]},\n",
            " {\"image_id\": 74, \"category_id\": 1, \"score\": 0.1},\n",
            " {\"image_id\": 74, \"category_id\": 1, \"score\": 0.1, \"segmentation\": {\"size\": [10, 10], \"counts\": [100]}},\n",
            " {\"image_id\": 74, \"category_id\": 1, \"bbox\": [1, 2, 3], \"score\": 0.1}]\n"
        ),
    );
    let out = run(["validate", p.to_str().expect("p"), "--gt", gt, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut found: Vec<(String, u64, String)> = Vec::new();
    for f in v["findings"].as_array().expect("findings") {
        for e in f["examples"].as_array().expect("examples") {
            found.push((
                f["kind"].as_str().expect("k").into(),
                e["line"].as_u64().expect("line"),
                e["detail"].as_str().expect("d").into(),
            ));
        }
    }
    found.sort();
    let want = [
        ("invalid-record", 6, "bbox must have 4 numbers"),
        ("missing-key", 3, "detection has no \"score\""),
        (
            "missing-key",
            4,
            "detection has neither \"bbox\" nor \"segmentation\" (nor \"keypoints\")",
        ),
        (
            "rle-size-mismatch",
            5,
            "RLE size [10, 10] differs from the image's [426, 640]",
        ),
        (
            "unknown-category-id",
            2,
            "category_id 999 is not among the categories",
        ),
        (
            "unknown-image-id",
            1,
            "image_id 4242 is not among the ground truth's images",
        ),
    ];
    let got: Vec<(&str, u64, &str)> = found
        .iter()
        .map(|(k, l, d)| (k.as_str(), *l, d.as_str()))
        .collect();
    assert_eq!(got.len(), want.len(), "{got:?}");
    for w in want {
        assert!(
            got.iter()
                .any(|g| g.0 == w.0 && g.1 == w.1 && g.2.contains(w.2)),
            "{w:?} not in {got:?}"
        );
    }
    // A results array as --gt is refused.
    let e = fails([
        "validate",
        p.to_str().expect("p"),
        "--gt",
        shared("cocoapi-val2014-100/instances_val2014_fakebbox100_results.json")
            .to_str()
            .expect("p"),
    ]);
    assert!(e.contains("--gt must be a COCO dataset"), "{e}");
}

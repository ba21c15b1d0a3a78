//! `cocokit validate`: real files are clean of errors, every broken fixture is reported, exit codes, JSON.

use crate::common::*;
use serde_json::Value;

fn report(path: &std::path::Path, extra: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec!["validate", path.to_str().expect("p"), "--json"];
    args.extend(extra);
    let out = run(&args);
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).expect("JSON report"),
    )
}

fn kinds(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["kind"].as_str().expect("kind").to_string())
        .collect()
}

#[test]
fn real_datasets_have_no_errors() {
    for rel in [
        "cocoapi-val2014-100/instances_val2014_100.json",
        "coco-tiny-val2017/instances_val2017.json",
        "lvis-val-100/lvis_val_100.json",
        "cocoapi-val2014-100/instances_val2014_fakesegm100_results.json",
        "format-variants/instances_val.json",
        "format-variants/person_keypoints_val.json",
        "format-variants/stuff_val.json",
        "format-variants/captions_val.json",
        "format-variants/image_info_val.json",
    ] {
        let (code, v) = report(&shared(rel), &[]);
        assert_eq!(v["errors"], 0, "{rel}: {v}");
        assert_eq!(code, Some(0), "{rel}");
    }
    // The val2014 subset has unused categories: a warning, so --strict fails.
    let (code, v) = report(
        &shared("cocoapi-val2014-100/instances_val2014_100.json"),
        &["--strict"],
    );
    assert_eq!(code, Some(1));
    assert!(kinds(&v).contains(&"unused-category".to_string()));
    assert_eq!(
        v["findings"][0]["examples"][0]["record"]
            .as_str()
            .map(|s| s.starts_with("annotation id") || s.starts_with("category id")),
        Some(true)
    );
}

#[test]
fn every_problem_is_reported_with_record_and_offset() {
    let w = Work::new();
    let f = w.write(
        "broken.json",
        r#"{"images": [{"id": 1, "width": 10, "height": 10}, {"id": 1, "width": 10, "height": 10}],
  "categories": [{"id": 1, "name": "a"}, {"id": 1, "name": "b"}],
  "annotations": [
    {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 5, 1, 5]]},
    {"id": 1, "image_id": 3, "category_id": 9, "iscrowd": 5, "segmentation": {"size": [10, 10], "counts": [3, 4]}},
    {"id": 2, "image_id": 1, "category_id": 1, "segmentation": {"size": [9, 10], "counts": [90]}},
    {"id": 3, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 4, 4]]},
    {"id": 4, "image_id": 1, "category_id": "one"},
    {"id": 5, "image_id": 1, "category_id": 1, "segmentation": [[0, 0, 30, 0, 30, 30]], "area": 5000, "bbox": [0, 0, 0, 30]}]}"#,
    );
    let (code, v) = report(&f, &[]);
    assert_eq!(code, Some(1));
    let k = kinds(&v);
    for want in [
        "duplicate-image-id",
        "duplicate-category-id",
        "duplicate-annotation-id",
        "odd-polygon",
        "unknown-image-id",
        "unknown-category-id",
        "iscrowd-not-0-or-1",
        "invalid-rle",
        "rle-size-mismatch",
        "four-number-polygon",
        "invalid-record",
        "polygon-outside-image",
        "non-positive-bbox",
        "bbox-outside-image",
        "area-mismatch",
    ] {
        assert!(k.contains(&want.to_string()), "{want} missing from {k:?}");
    }
    let rec = v["findings"]
        .as_array()
        .expect("f")
        .iter()
        .find(|f| f["kind"] == "invalid-record")
        .expect("invalid-record");
    assert_eq!(rec["examples"][0]["record"], "annotation id 4");
    assert!(rec["examples"][0]["offset"].as_u64().expect("offset") > 500);
    // The people's table says the same, and the last stderr line is the one-line verdict.
    let e = fails(["validate", f.to_str().expect("p")]);
    assert!(e.contains("invalid:") && e.contains("errors"), "{e}");
    let table = String::from_utf8(run(["validate", f.to_str().expect("p")]).stdout).expect("utf8");
    assert!(
        table.contains("duplicate-annotation-id")
            && table.contains("annotation id 1 (line 5, column 5, byte 261)"),
        "{table}"
    );
}

#[test]
fn malformed_files_are_errors_not_crashes() {
    for entry in std::fs::read_dir(fixture("bad")).expect("bad dir") {
        let p = entry.expect("e").path();
        let (code, v) = report(&p, &[]);
        assert_eq!(code, Some(1), "{}", p.display());
        assert!(v["errors"].as_u64().expect("n") >= 1, "{}", p.display());
        let ex = &v["findings"][0]["examples"][0];
        assert!(
            ex["offset"].is_u64() && ex["detail"].is_string(),
            "{}: {v}",
            p.display()
        );
    }
}

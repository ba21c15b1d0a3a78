//! `cocokit stats`: counts equal to pycocotools' indexes (golden JSON from scripts/golden_stats_filter.py).

use crate::common::*;
use serde_json::Value;

#[test]
fn stats_match_pycocotools_on_real_files() {
    let dir = fixture("golden/stats");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("golden dir") {
        let g: Value =
            serde_json::from_slice(&std::fs::read(entry.expect("entry").path()).expect("read"))
                .expect("json");
        let file = shared(g["file"].as_str().expect("file"));
        let want = &g["stats"];
        let got: Value =
            serde_json::from_slice(&ok(["stats", "--json", file.to_str().expect("p")]))
                .expect("json");
        for key in [
            "images",
            "annotations",
            "categories",
            "crowd",
            "segmentation",
            "area",
            "images_without_annotations",
            "segments",
        ] {
            assert_eq!(got[key], want[key], "{} {key}", file.display());
        }
        for key in ["min", "max", "median"] {
            assert_eq!(
                got["annotations_per_image"][key].as_f64(),
                want["annotations_per_image"][key].as_f64(),
                "{} {key}",
                file.display()
            );
        }
        let pc: Vec<(Value, Value, Value, Value)> = got["per_category"]
            .as_array()
            .expect("per_category")
            .iter()
            .map(|c| {
                (
                    c["id"].clone(),
                    c["name"].clone(),
                    c["annotations"].clone(),
                    c["images"].clone(),
                )
            })
            .collect();
        let wpc: Vec<(Value, Value, Value, Value)> = want["per_category"]
            .as_array()
            .expect("per_category")
            .iter()
            .map(|c| {
                (
                    c["id"].clone(),
                    c["name"].clone(),
                    c["annotations"].clone(),
                    c["images"].clone(),
                )
            })
            .collect();
        assert_eq!(pc, wpc, "{}", file.display());
        n += 1;
    }
    assert_eq!(n, 11);
}

#[test]
fn table_for_people_and_results_files() {
    let f = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let out = String::from_utf8(ok(["stats", f.to_str().expect("p")])).expect("utf8");
    assert!(
        out.contains("annotations                        839"),
        "{out}"
    );
    assert!(out.contains("person"));
    let r = shared("cocoapi-val2014-100/instances_val2014_fakesegm100_results.json");
    let got: Value =
        serde_json::from_slice(&ok(["stats", "--json", r.to_str().expect("p")])).expect("json");
    assert_eq!(got["layout"], "results");
    assert_eq!(got["annotations"], 734);
    assert_eq!(got["segmentation"]["compressed_rle"], 734);
}

#[test]
fn a_file_without_annotations_has_zero() {
    let w = Work::new();
    let p = w.write("t.json", r#"{"info": "x", "images": [{"id": 1, "width": 2, "height": 2, "file_name": "a.jpg"}], "categories": []}"#);
    let got: Value =
        serde_json::from_slice(&ok(["stats", "--json", p.to_str().expect("p")])).expect("json");
    assert_eq!(got["annotations"], 0);
    assert_eq!(got["images_without_annotations"], 1);
}

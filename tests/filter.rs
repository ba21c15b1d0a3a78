//! `cocokit filter`: selects what pycocotools' getCatIds / getAnnIds / getImgIds select, keeps order and bytes.

use crate::common::*;
use serde_json::Value;

fn ids(v: &Value, key: &str) -> Vec<Value> {
    v[key]
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["id"].clone())
        .collect()
}

#[test]
fn filter_matches_pycocotools_selection() {
    let mut n = 0;
    for entry in std::fs::read_dir(fixture("golden/filter")).expect("golden dir") {
        let g: Value =
            serde_json::from_slice(&std::fs::read(entry.expect("entry").path()).expect("read"))
                .expect("json");
        let file = shared(g["file"].as_str().expect("file"));
        let mut args = vec![
            "filter".to_string(),
            file.display().to_string(),
            "--quiet".into(),
        ];
        let cats: Vec<String> = g["args"]["cats"]
            .as_array()
            .expect("cats")
            .iter()
            .map(|c| c.as_str().expect("s").to_string())
            .collect();
        let sup: Vec<String> = g["args"]["supercats"]
            .as_array()
            .expect("sup")
            .iter()
            .map(|c| c.as_str().expect("s").to_string())
            .collect();
        if !cats.is_empty() {
            args.push(format!("--cats={}", cats.join(",")));
        }
        if !sup.is_empty() {
            args.push(format!("--supercats={}", sup.join(",")));
        }
        if g["args"]["keep_all_images"].as_bool() == Some(true) {
            args.push("--keep-all-images".into());
        }
        if let Some(r) = g["args"]["area_rng"].as_array() {
            let r: Vec<String> = r.iter().map(|x| x.to_string()).collect();
            args.push(format!("--area-rng={}", r.join(",")));
        }
        if let Some(c) = g["args"]["iscrowd"].as_i64() {
            args.push(format!("--iscrowd={c}"));
        }
        let out: Value = serde_json::from_slice(&ok(&args)).expect("output is JSON");
        assert_eq!(
            ids(&out, "categories"),
            g["category_ids"].as_array().expect("a").clone(),
            "{args:?}"
        );
        assert_eq!(
            ids(&out, "annotations"),
            g["annotation_ids"].as_array().expect("a").clone(),
            "{args:?}"
        );
        assert_eq!(
            ids(&out, "images"),
            g["image_ids"].as_array().expect("a").clone(),
            "{args:?}"
        );
        let keys: Vec<&String> = out.as_object().expect("object").keys().collect();
        let input: Value =
            serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
        let in_keys: Vec<&String> = input.as_object().expect("object").keys().collect();
        assert_eq!(keys, in_keys, "key order kept");
        for k in g["other_keys"].as_array().expect("a") {
            let k = k.as_str().expect("s");
            assert_eq!(out[k], input[k], "{k} passed through");
        }
        n += 1;
    }
    assert_eq!(n, 9);
}

#[test]
fn records_are_copied_byte_for_byte() {
    let f = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let input = std::fs::read_to_string(&f).expect("read");
    let out = String::from_utf8(ok([
        "filter",
        f.to_str().expect("p"),
        "--cats",
        "person",
        "-q",
    ]))
    .expect("utf8");
    // Every kept annotation appears in the input verbatim (numbers such as 321.0 kept as written).
    let v: Value = serde_json::from_str(&out).expect("json");
    let n = v["annotations"].as_array().expect("a").len();
    assert!(n > 100);
    let first_id = &v["annotations"][0]["id"];
    let needle = format!("\"id\": {first_id}}}");
    assert!(input.contains(&needle) && out.contains(&needle));
    assert!(out.contains("321.0") == input.contains("321.0") || !out.contains("321"));
    assert!(out.starts_with("{\"annotations\": ["));
}

#[test]
fn unknown_category_lists_close_matches_and_writes_nothing() {
    let w = Work::new();
    let f = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let o = w.path("out.json");
    let e = fails([
        "filter",
        f.to_str().expect("p"),
        "--cats",
        "persn",
        "-o",
        o.to_str().expect("p"),
    ]);
    assert!(e.contains("did you mean \"person\""), "{e}");
    assert!(w.files().is_empty());
    let e = fails(["filter", f.to_str().expect("p"), "--supercats", "animals"]);
    assert!(e.contains("\"animal\""), "{e}");
    let e = fails(["filter", f.to_str().expect("p")]);
    assert!(e.contains("--cats"), "{e}");
}

#[test]
fn filter_to_file_is_atomic_and_valid() {
    let w = Work::new();
    let f = shared("lvis-val-100/lvis_val_100.json");
    let o = w.path("lvis_small.json");
    ok([
        "filter",
        f.to_str().expect("p"),
        "--cats",
        "1,2,3,4,5,6,7,8,9,10",
        "-o",
        o.to_str().expect("p"),
        "-q",
    ]);
    assert_eq!(w.files(), ["lvis_small.json"]);
    // The output is a valid dataset that cocokit reads back.
    let st: Value =
        serde_json::from_slice(&ok(["stats", "--json", o.to_str().expect("p")])).expect("json");
    assert_eq!(st["categories"], 10);
}

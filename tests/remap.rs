//! `cocokit remap`: counts add up per category, merged categories keep their target's record, only the values
//! that change are rewritten, and bad input is one line, exit 1, nothing written.

use crate::common::*;
use crate::merge::records;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
}

fn val() -> std::path::PathBuf {
    shared("cocoapi-val2014-100/instances_val2014_100.json")
}

/// Annotations per category name.
fn per_name(v: &Value) -> HashMap<String, u64> {
    let names: HashMap<i64, String> = v["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().expect("id"),
                c["name"].as_str().expect("name").to_string(),
            )
        })
        .collect();
    let mut n: HashMap<String, u64> = names.values().map(|s| (s.clone(), 0)).collect();
    for a in v["annotations"].as_array().expect("annotations") {
        *n.get_mut(&names[&a["category_id"].as_i64().expect("cat")])
            .expect("known") += 1;
    }
    n
}

#[test]
fn counts_add_up_and_ids_run_1_to_n() {
    let w = Work::new();
    let out = w.path("out.json");
    let summary = ok([
        "remap",
        p(&val()),
        "--merge",
        "truck,car,bus=vehicle",
        "--drop",
        "person,toaster",
        "--rename",
        "motorcycle=motorbike",
        "-o",
        p(&out),
        "-q",
        "--json",
    ]);
    let (v, m) = (json(&val()), json(&out));
    let s: Value = serde_json::from_slice(&summary).expect("summary");
    let before = per_name(&v);
    let after = per_name(&m);
    for c in s["before"].as_array().expect("before") {
        assert_eq!(
            c["annotations"],
            before[c["name"].as_str().expect("n")],
            "{c}"
        );
    }
    for c in s["after"].as_array().expect("after") {
        assert_eq!(
            c["annotations"],
            after[c["name"].as_str().expect("n")],
            "{c}"
        );
    }
    assert_eq!(
        after["vehicle"],
        before["car"] + before["truck"] + before["bus"]
    );
    assert_eq!(after["motorbike"], before["motorcycle"]);
    assert!(!after.contains_key("person") && !after.contains_key("car"));
    for (name, n) in &after {
        if !["vehicle", "motorbike"].contains(&name.as_str()) {
            assert_eq!(*n, before[name], "{name}");
        }
    }
    let total: u64 = before.values().sum();
    let dropped = before["person"] + before["toaster"];
    assert_eq!(s["annotations"], total - dropped);
    assert_eq!(s["annotations_dropped"], dropped);
    assert_eq!(s["categories"], 76);
    // Ids 1..N in the file's order; "vehicle" is new, so it is the record of truck, listed first.
    let cats = m["categories"].as_array().expect("cats");
    for (i, c) in cats.iter().enumerate() {
        assert_eq!(c["id"], i as i64 + 1);
    }
    let truck = v["categories"]
        .as_array()
        .expect("c")
        .iter()
        .find(|c| c["name"] == "truck")
        .expect("truck");
    let vehicle = cats
        .iter()
        .find(|c| c["name"] == "vehicle")
        .expect("vehicle");
    assert_eq!(vehicle["supercategory"], truck["supercategory"]);
    let before_vehicle = cats
        .iter()
        .position(|c| c["name"] == "vehicle")
        .expect("pos");
    let truck_pos = v["categories"]
        .as_array()
        .expect("c")
        .iter()
        .filter(|c| {
            c["name"] != "person"
                && c["name"] != "toaster"
                && c["name"] != "car"
                && c["name"] != "bus"
        })
        .position(|c| c["name"] == "truck")
        .expect("truck pos");
    assert_eq!(before_vehicle, truck_pos);
}

#[test]
fn only_category_ids_change_in_records() {
    let w = Work::new();
    let out = w.path("out.json");
    ok(["remap", p(&val()), "--drop", "person", "-o", p(&out), "-q"]);
    let input = std::fs::read(val()).expect("in");
    let output = std::fs::read(&out).expect("out");
    assert_eq!(records(&output, "images"), records(&input, "images"));
    let v = json(&val());
    let m = json(&out);
    // Old id → new id, by name.
    let new_id: HashMap<String, i64> = m["categories"]
        .as_array()
        .expect("c")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().expect("n").to_string(),
                c["id"].as_i64().expect("id"),
            )
        })
        .collect();
    let old_to_new: HashMap<i64, Option<i64>> = v["categories"]
        .as_array()
        .expect("c")
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().expect("id"),
                new_id.get(c["name"].as_str().expect("n")).copied(),
            )
        })
        .collect();
    let kept: Vec<&[u8]> = records(&input, "annotations")
        .into_iter()
        .filter(|r| {
            let a: Value = serde_json::from_slice(r).expect("json");
            old_to_new[&a["category_id"].as_i64().expect("c")].is_some()
        })
        .collect();
    let outs = records(&output, "annotations");
    assert_eq!(outs.len(), kept.len());
    for (o, i) in outs.iter().zip(kept) {
        let a: Value = serde_json::from_slice(i).expect("json");
        let old = a["category_id"].as_i64().expect("c");
        let text = String::from_utf8(i.to_vec()).expect("utf-8");
        let from = format!("\"category_id\": {old}");
        assert_eq!(text.matches(&from).count(), 1);
        let want = text.replace(
            &from,
            &format!("\"category_id\": {}", old_to_new[&old].expect("kept")),
        );
        assert_eq!(String::from_utf8_lossy(o), want);
    }
}

#[test]
fn drop_empty_images_drops_only_images_emptied() {
    let w = Work::new();
    let out = w.path("out.json");
    let v = json(&val());
    // Every category but dog and cat: most images lose all their annotations.
    let drop: Vec<&str> = v["categories"]
        .as_array()
        .expect("c")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .filter(|n| *n != "dog" && *n != "cat")
        .collect();
    ok([
        "remap",
        p(&val()),
        "--drop",
        &drop.join(","),
        "--drop-empty-images",
        "-o",
        p(&out),
        "-q",
    ]);
    let kept_cats: Vec<Value> = v["categories"]
        .as_array()
        .expect("c")
        .iter()
        .filter(|c| c["name"] == "dog" || c["name"] == "cat")
        .map(|c| c["id"].clone())
        .collect();
    let mut had: HashMap<i64, (u64, u64)> = HashMap::new();
    for a in v["annotations"].as_array().expect("a") {
        let e = had.entry(a["image_id"].as_i64().expect("i")).or_default();
        e.0 += 1;
        e.1 += u64::from(kept_cats.contains(&a["category_id"]));
    }
    let want: Vec<Value> = v["images"]
        .as_array()
        .expect("i")
        .iter()
        .filter(|im| {
            had.get(&im["id"].as_i64().expect("id"))
                .is_none_or(|&(_, k)| k > 0)
        })
        .cloned()
        .collect();
    assert!(want.len() < v["images"].as_array().expect("i").len() / 2);
    assert!(!want.is_empty());
    assert_eq!(json(&out)["images"], Value::Array(want));
}

#[test]
fn keep_ids_and_a_rename_undone_give_back_the_file() {
    let w = Work::new();
    let (a, b) = (w.path("a.json"), w.path("b.json"));
    for f in [val(), shared("lvis-val-100/lvis_val_100.json")] {
        let name = json(&f)["categories"][3]["name"]
            .as_str()
            .expect("n")
            .to_string();
        ok([
            "remap",
            p(&f),
            "--rename",
            &format!("{name}=renamed"),
            "--keep-ids",
            "-o",
            p(&a),
            "-q",
        ]);
        assert_eq!(json(&a)["categories"][3]["name"], "renamed");
        ok([
            "remap",
            p(&a),
            "--rename",
            &format!("renamed={name}"),
            "--keep-ids",
            "-o",
            p(&b),
            "-q",
        ]);
        assert_eq!(
            std::fs::read(&b).expect("b"),
            std::fs::read(&f).expect("f"),
            "{}",
            f.display()
        );
    }
    // A map file: renames, a merge by two renames to one name, a drop.
    let out = w.path("mapped.json");
    ok([
        "remap",
        p(&val()),
        "--map",
        p(&fixture("remap/names.json")),
        "-o",
        p(&out),
        "-q",
    ]);
    let after = per_name(&json(&out));
    let before = per_name(&json(&val()));
    assert_eq!(after["vehicle"], before["car"] + before["truck"]);
    assert_eq!(after["motorbike"], before["motorcycle"]);
    assert!(!after.contains_key("toaster"));
}

#[test]
fn bad_input_is_one_line_and_writes_nothing() {
    let w = Work::new();
    let out = w.path("out.json");
    let f = val();
    let bad_map = w.write("bad_map.json", r#"{"dog": 3}"#);
    let list_map = w.write("list_map.json", r#"["dog"]"#);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--rename", "dgo=hound"], "did you mean \"dog\""),
        (
            vec!["--drop", "dog", "--rename", "dog=hound"],
            "is both renamed to \"hound\" and dropped",
        ),
        (vec!["--rename", "dog"], "expected OLD=NEW"),
        (vec!["--merge", "=pet"], "expected A,B=C"),
        (
            vec!["--map", p(&bad_map)],
            "expected a new name (a string) or null",
        ),
        (vec!["--map", p(&list_map)], "expected a JSON object"),
        (vec!["--keep-ids"], "nothing to remap"),
    ];
    for (extra, msg) in cases {
        let mut args = vec!["remap", p(&f), "-o", p(&out)];
        args.extend(extra.iter().copied());
        let err = fails(&args);
        assert!(err.contains(msg), "{extra:?}: {err}");
    }
    let results = shared("cocoapi-val2014-100/instances_val2014_fakebbox100_results.json");
    let err = fails(["remap", p(&results), "--drop", "dog", "-o", p(&out)]);
    assert!(err.contains("not a results array"), "{err}");
    let dangling = w.write(
        "dangling.json",
        r#"{"images": [], "annotations": [{"id": 1, "image_id": 1, "category_id": 5}], "categories": [{"id": 1, "name": "dog"}]}"#,
    );
    let err = fails(["remap", p(&dangling), "--drop", "dog", "-o", p(&out)]);
    assert!(
        err.contains("category_id 5 is not one of the file's categories"),
        "{err}"
    );
    let err = fails(["remap", p(&dangling), "--drop", "dog", "-o", p(&dangling)]);
    assert!(err.contains("refusing to overwrite"), "{err}");
    assert_eq!(
        w.files(),
        ["bad_map.json", "dangling.json", "list_map.json"]
    );
}

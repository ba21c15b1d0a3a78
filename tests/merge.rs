//! `cocokit merge`: the merge of one file is that file, the merge of disjoint parts is the whole, records are
//! written as read (only ids that collide change), categories unify as kwcoco's union unifies them, and bad input
//! is one line, exit 1, nothing written.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
}

/// The raw bytes of each record of the top-level array `key` of a JSON object (found by a JSON parser, so the
/// records are cut independently of cocokit's scanner).
pub(crate) fn records<'a>(bytes: &'a [u8], key: &str) -> Vec<&'a [u8]> {
    let v: Value = serde_json::from_slice(bytes).expect("json");
    let n = v[key].as_array().map_or(0, Vec::len);
    let needle = format!("\"{key}\":");
    // The top-level key: the one followed by the array (records never hold a key named like a section).
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .expect("key");
    let mut i = at + needle.len();
    while bytes[i] != b'[' {
        i += 1;
    }
    i += 1;
    let mut out = Vec::new();
    for _ in 0..n {
        while matches!(bytes[i], b' ' | b'\n' | b'\r' | b'\t' | b',') {
            i += 1;
        }
        let mut it = serde_json::Deserializer::from_slice(&bytes[i..]).into_iter::<Value>();
        it.next().expect("a record").expect("valid record");
        let end = i + it.byte_offset();
        out.push(&bytes[i..end]);
        i = end;
    }
    out
}

fn sorted_by_id(v: &Value, key: &str) -> Vec<Value> {
    let mut r = v[key].as_array().cloned().unwrap_or_default();
    r.sort_by_key(|x| x["id"].as_i64());
    r
}

/// `file` cut in two by image id (the first `n` ids sorted, and the rest), with `filter --img-ids`.
fn halves(w: &Work, file: &Path, first: &[i64]) -> (PathBuf, PathBuf) {
    let v = json(file);
    let all: Vec<i64> = v["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|im| im["id"].as_i64().expect("id"))
        .collect();
    let rest: Vec<i64> = all.iter().copied().filter(|i| !first.contains(i)).collect();
    let list = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let (a, b) = (w.path("half_a.json"), w.path("half_b.json"));
    for (out, ids) in [(&a, first.to_vec()), (&b, rest)] {
        ok([
            "filter",
            p(file),
            "--img-ids",
            &list(&ids),
            "--keep-all-images",
            "-q",
            "-o",
            p(out),
        ]);
    }
    (a, b)
}

#[test]
fn merge_of_one_file_is_that_file() {
    let w = Work::new();
    for rel in [
        "cocoapi-val2014-100/instances_val2014_100.json",
        "lvis-val-100/lvis_val_100.json",
        "keypoints/gt_dataset.json",
        "coco-tiny-val2017/instances_val2017.json",
    ] {
        let f = shared(rel);
        let out = w.path("one.json");
        ok(["merge", p(&f), "-o", p(&out), "-q"]);
        let (a, b) = (
            std::fs::read(&f).expect("in"),
            std::fs::read(&out).expect("out"),
        );
        if rel.starts_with("coco-tiny") {
            // Pretty-printed: the top level is written on one line, each record as its bytes.
            assert_eq!(json(&f), json(&out), "{rel}");
            for key in ["images", "annotations", "categories"] {
                assert_eq!(records(&a, key), records(&b, key), "{rel} {key}");
            }
        } else {
            assert_eq!(a, b, "{rel}: merge of one file changed it");
        }
    }
}

#[test]
fn merge_of_disjoint_halves_gives_back_the_input() {
    let w = Work::new();
    let synth = w.path("synth.json");
    ok([
        "synth",
        "--images",
        "300",
        "--seed",
        "3",
        "-o",
        p(&synth),
        "-q",
    ]);
    for f in [
        shared("cocoapi-val2014-100/instances_val2014_100.json"),
        shared("lvis-val-100/lvis_val_100.json"),
        synth,
    ] {
        let v = json(&f);
        let mut ids: Vec<i64> = v["images"]
            .as_array()
            .expect("images")
            .iter()
            .map(|im| im["id"].as_i64().expect("id"))
            .collect();
        ids.sort_unstable();
        ids.truncate(ids.len() / 2);
        let (a, b) = halves(&w, &f, &ids);
        let (out, map) = (w.path("merged.json"), w.path("map.json"));
        let summary = ok([
            "merge",
            p(&a),
            p(&b),
            "-o",
            p(&out),
            "--map-out",
            p(&map),
            "-q",
            "--json",
        ]);
        let m = json(&out);
        for key in ["images", "annotations"] {
            assert_eq!(
                sorted_by_id(&m, key),
                sorted_by_id(&v, key),
                "{}",
                f.display()
            );
        }
        assert_eq!(m["categories"], v["categories"], "{}", f.display());
        // Nothing collided: every id kept, the map lists none.
        let map = json(&map);
        for entry in map["inputs"].as_array().expect("inputs") {
            for kind in ["images", "annotations", "categories"] {
                assert_eq!(entry[kind], serde_json::json!({}), "{}", f.display());
            }
        }
        let s: Value = serde_json::from_slice(&summary).expect("summary");
        assert_eq!(s["images"], v["images"].as_array().expect("a").len());
        assert_eq!(
            s["annotations"],
            v["annotations"].as_array().expect("a").len()
        );
        assert_eq!(s["renumbered_annotations"], 0);
    }
}

#[test]
fn colliding_ids_change_and_nothing_else() {
    let w = Work::new();
    let f = shared("cocoapi-val2014-100/instances_val2014_100.json");
    // The same file twice under two names: images merge by file_name, every annotation of the second collides.
    let twin = w.write("twin.json", std::fs::read(&f).expect("read"));
    let (out, map) = (w.path("twice.json"), w.path("map.json"));
    ok([
        "merge",
        p(&f),
        p(&twin),
        "-o",
        p(&out),
        "--map-out",
        p(&map),
        "-q",
    ]);
    let input = std::fs::read(&f).expect("in");
    let output = std::fs::read(&out).expect("out");
    let (ins, outs) = (
        records(&input, "annotations"),
        records(&output, "annotations"),
    );
    assert_eq!(outs.len(), 2 * ins.len());
    assert_eq!(
        &outs[..ins.len()],
        &ins[..],
        "the first file's records are written as read"
    );
    assert_eq!(records(&output, "images"), records(&input, "images"));
    assert_eq!(
        records(&output, "categories"),
        records(&input, "categories")
    );
    let map = json(&map);
    assert_eq!(map["inputs"][1]["images"], serde_json::json!({}));
    let changed = map["inputs"][1]["annotations"].as_object().expect("map");
    assert_eq!(changed.len(), ins.len());
    let max = json(&f)["annotations"]
        .as_array()
        .expect("a")
        .iter()
        .map(|a| a["id"].as_i64().expect("id"))
        .max()
        .expect("some");
    for (k, (rec, orig)) in outs[ins.len()..].iter().zip(&ins).enumerate() {
        let old: Value = serde_json::from_slice(orig).expect("json");
        let old_id = old["id"].as_i64().expect("id");
        let new_id = max + 1 + k as i64;
        assert_eq!(changed[&old_id.to_string()], new_id);
        // The record's bytes with only the id's value replaced.
        let text = String::from_utf8(orig.to_vec()).expect("utf-8");
        let from = format!("\"id\": {old_id}");
        assert_eq!(text.matches(&from).count(), 1);
        let expected = text.replace(&from, &format!("\"id\": {new_id}"));
        assert_eq!(String::from_utf8_lossy(rec), expected);
    }
}

#[test]
fn categories_unify_as_kwcoco_union() {
    let mut n = 0;
    for entry in std::fs::read_dir(fixture("golden/merge")).expect("golden dir") {
        let g = json(&entry.expect("entry").path());
        let w = Work::new();
        let inputs: Vec<PathBuf> = if let Some(first) = g.get("first_half_image_ids") {
            let ids: Vec<i64> = first
                .as_array()
                .expect("ids")
                .iter()
                .map(|i| i.as_i64().expect("id"))
                .collect();
            let (a, b) = halves(&w, &shared(g["inputs"][0].as_str().expect("s")), &ids);
            vec![a, b]
        } else {
            g["inputs"]
                .as_array()
                .expect("inputs")
                .iter()
                .map(|r| shared(r.as_str().expect("s")))
                .collect()
        };
        let (out, map) = (w.path("out.json"), w.path("map.json"));
        let mut args: Vec<String> = vec!["merge".into()];
        args.extend(inputs.iter().map(|i| p(i).to_string()));
        for a in [
            "--dedupe-images",
            "none",
            "-q",
            "--map-out",
            p(&map),
            "-o",
            p(&out),
        ] {
            args.push(a.into());
        }
        ok(&args);
        let m = json(&out);
        let cats: Vec<Value> = m["categories"]
            .as_array()
            .expect("categories")
            .iter()
            .map(|c| serde_json::json!([c["id"], c["name"]]))
            .collect();
        assert_eq!(Value::Array(cats), g["categories"], "{:?}", g["inputs"]);
        for key in ["images", "annotations"] {
            assert_eq!(
                m[key].as_array().map_or(0, Vec::len),
                g[key].as_u64().expect("count") as usize,
                "{key} of {:?}",
                g["inputs"]
            );
        }
        // Per input, old category id → new (ids not in the map keep their value).
        let map = json(&map);
        for (k, want) in g["category_maps"]
            .as_array()
            .expect("maps")
            .iter()
            .enumerate()
        {
            let changed = &map["inputs"][k]["categories"];
            for (old, new) in want.as_object().expect("map") {
                let got = changed
                    .get(old)
                    .cloned()
                    .unwrap_or_else(|| Value::from(old.parse::<i64>().expect("id")));
                assert_eq!(&got, new, "input {k}, category {old} of {:?}", g["inputs"]);
            }
        }
        n += 1;
    }
    assert!(n >= 6, "only {n} golden cases");
}

#[test]
fn bad_input_is_one_line_and_writes_nothing() {
    let w = Work::new();
    let a = w.write(
        "a.json",
        r#"{"images": [{"id": 1, "file_name": "x.jpg", "width": 4, "height": 3}], "annotations": [],
           "categories": [{"id": 1, "name": "dog", "supercategory": "animal"}]}"#,
    );
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "sup.json",
            r#"{"images": [], "categories": [{"id": 2, "name": "dog", "supercategory": "pet"}]}"#.into(),
            "differ in supercategory",
        ),
        (
            "size.json",
            r#"{"images": [{"id": 7, "file_name": "x.jpg", "width": 5, "height": 3}]}"#.into(),
            "is 5x3 here (id 7) but 4x3 in",
        ),
        (
            "dup.json",
            r#"{"images": [{"id": 3}, {"id": 3}]}"#.into(),
            "duplicate image id 3",
        ),
        (
            "dangling.json",
            r#"{"images": [], "annotations": [{"id": 1, "image_id": 9, "category_id": 1}], "categories": [{"id": 1, "name": "dog"}]}"#.into(),
            "image_id 9 is not an image of this file",
        ),
        (
            "results.json",
            r#"[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5}]"#.into(),
            "not a results array",
        ),
        (
            "broken.json",
            r#"{"images": [{"id": 1,}]}"#.into(),
            "broken.json",
        ),
    ];
    for (name, text, msg) in cases {
        let b = w.write(name, text);
        let out = w.path("out.json");
        let map = w.path("map.json");
        let err = fails(["merge", p(&a), p(&b), "-o", p(&out), "--map-out", p(&map)]);
        assert!(err.contains(msg), "{name}: {err}");
        assert!(!out.exists() && !map.exists(), "{name}: output written");
        std::fs::remove_file(&b).expect("rm");
    }
    assert_eq!(w.files(), ["a.json"]);
    let err = fails(["merge", p(&a), "-o", p(&a)]);
    assert!(err.contains("refusing to overwrite"), "{err}");
    let err = fails([
        "merge",
        p(&a),
        p(&w.path("missing.json")),
        "-o",
        p(&w.path("o.json")),
    ]);
    assert!(err.contains("missing.json"), "{err}");
    assert_eq!(w.files(), ["a.json"]);
}

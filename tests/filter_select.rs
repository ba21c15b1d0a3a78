//! `cocokit filter --file-names`, and the errors of `--area-rng` / `--iscrowd` / `--file-names` (their selection is
//! checked against pycocotools' getAnnIds in tests/filter.rs' golden cases).

use crate::common::*;
use serde_json::Value;

#[test]
fn file_names_keep_those_images_and_their_annotations() {
    let w = Work::new();
    let f = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let input: Value = serde_json::from_slice(&std::fs::read(&f).expect("read")).expect("json");
    let imgs = input["images"].as_array().expect("a");
    let names = [
        imgs[3]["file_name"].as_str().expect("s"),
        imgs[40]["file_name"].as_str().expect("s"),
    ];
    let list = w.write("keep.txt", format!("{}\r\n\n  {}\n", names[0], names[1]));
    let out: Value = serde_json::from_slice(&ok([
        "filter",
        f.to_str().expect("p"),
        "--file-names",
        list.to_str().expect("p"),
        "--keep-all-images",
        "-q",
    ]))
    .expect("json");
    let got: Vec<&str> = out["images"]
        .as_array()
        .expect("a")
        .iter()
        .map(|i| i["file_name"].as_str().expect("s"))
        .collect();
    assert_eq!(got, names);
    let ids = [imgs[3]["id"].clone(), imgs[40]["id"].clone()];
    let want: Vec<&Value> = input["annotations"]
        .as_array()
        .expect("a")
        .iter()
        .filter(|a| ids.contains(&a["image_id"]))
        .collect();
    assert_eq!(
        out["annotations"]
            .as_array()
            .expect("a")
            .iter()
            .collect::<Vec<_>>(),
        want
    );
    // With --img-ids too: the images in both.
    let out: Value = serde_json::from_slice(&ok([
        "filter",
        f.to_str().expect("p"),
        "--file-names",
        list.to_str().expect("p"),
        "--img-ids",
        &ids[1].to_string(),
        "--keep-all-images",
        "-q",
    ]))
    .expect("json");
    assert_eq!(out["images"].as_array().expect("a").len(), 1);
}

#[test]
fn bad_selections_are_one_line_errors() {
    let w = Work::new();
    let f = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let f = f.to_str().expect("p");
    let list = w.write("keep.txt", "COCO_val2014_000000000000.jpg\n");
    let empty = w.write("empty.txt", "\n\n");
    let no_area = w.write(
        "no_area.json",
        r#"{"images": [{"id": 1}], "annotations": [{"id": 7, "image_id": 1, "category_id": 1}], "categories": [{"id": 1, "name": "a"}]}"#,
    );
    let res = shared("cocoapi-val2014-100/instances_val2014_fakebbox100_results.json");
    let out = w.path("out.json");
    let out = out.to_str().expect("p");
    for (args, want) in [
        (
            vec![f, "--file-names", list.to_str().expect("p")],
            "no image has file_name \"COCO_val2014_000000000000.jpg\"",
        ),
        (
            vec![f, "--file-names", empty.to_str().expect("p")],
            "no file names",
        ),
        (vec![f, "--file-names", "nope.txt"], "nope.txt"),
        (vec![f, "--area-rng", "5,1"], "LO < HI"),
        (vec![f, "--area-rng", "5"], "LO,HI"),
        (
            vec![no_area.to_str().expect("p"), "--area-rng", "0,10"],
            "annotation id 7",
        ),
        (
            vec![res.to_str().expect("p"), "--iscrowd", "0"],
            "results file",
        ),
    ] {
        let mut all = vec!["filter"];
        all.extend(&args);
        all.extend(["-o", out]);
        let e = fails(&all);
        assert!(e.contains(want), "{args:?}: {e}");
        assert!(!w.path("out.json").exists(), "{args:?}: nothing written");
    }
    assert_eq!(run(["filter", f, "--iscrowd", "2"]).status.code(), Some(2));
}

//! `cocokit convert`: equal to pycocotools' annToRLE on every annotation of the real files (golden JSON from
//! scripts/golden_masks.py), everything else byte for byte, bad input refused cleanly.

use crate::common::*;
use cocokit::mask::rle::Rle;
use serde_json::Value;

/// `cocokit convert FILE --to rle -q`: its output as JSON.
fn to_rle(file: &std::path::Path) -> Value {
    serde_json::from_slice(&ok([
        "convert",
        file.to_str().expect("p"),
        "--to",
        "rle",
        "-q",
    ]))
    .expect("json")
}

/// `cocokit convert FILE --to rle -q` failing: its message.
fn to_rle_fails(file: &std::path::Path) -> String {
    fails(["convert", file.to_str().expect("p"), "--to", "rle", "-q"])
}

fn golden(name: &str) -> Value {
    serde_json::from_slice(
        &std::fs::read(fixture(&format!("golden/masks/{name}"))).expect("golden"),
    )
    .expect("json")
}

fn segmentations(out: &[u8]) -> Vec<Value> {
    let v: Value = serde_json::from_slice(out).expect("output is JSON");
    let anns = if v.is_array() {
        v.as_array().expect("a").clone()
    } else {
        v["annotations"].as_array().expect("a").clone()
    };
    anns.iter().map(|a| a["segmentation"].clone()).collect()
}

#[test]
fn rle_equals_ann_to_rle_on_real_files() {
    let mut checked = 0;
    for name in [
        "real_val2014_100_gt.json",
        "real_val2014_100_segm.json",
        "real_tiny_val2017.json",
        "real_lvis_val_100.json",
        "real_fv_instances_val.json",
        "real_fv_person_keypoints_val.json",
        "real_fv_stuff_val.json",
        "real_fv_stuff_train.json",
    ] {
        let g = golden(name);
        let src = shared(g["source"].as_str().expect("source"));
        let mut args = vec![
            "convert".to_string(),
            src.display().to_string(),
            "--to".into(),
            "rle".into(),
            "-q".into(),
        ];
        if let Some(gt) = g["gt"].as_str() {
            args.extend(["--gt".to_string(), shared(gt).display().to_string()]);
        }
        let segs = segmentations(&ok(&args));
        args[3] = "rle-raw".into();
        let raw = segmentations(&ok(&args));
        for e in g["annotations"].as_array().expect("annotations") {
            let i = e["i"].as_u64().expect("i") as usize;
            let want = e["counts"].as_str().expect("counts");
            assert_eq!(
                segs[i]["counts"].as_str(),
                Some(want),
                "{name} annotation #{i}"
            );
            // The raw counts are the same mask.
            let size = &raw[i]["size"];
            let (h, w) = (
                size[0].as_u64().expect("h") as u32,
                size[1].as_u64().expect("w") as u32,
            );
            assert_eq!(segs[i]["size"], raw[i]["size"]);
            let counts: Vec<u32> = raw[i]["counts"]
                .as_array()
                .expect("counts")
                .iter()
                .map(|c| c.as_u64().expect("u32") as u32)
                .collect();
            let rle = Rle::from_counts(h, w, counts).expect("valid");
            assert_eq!(rle.to_compressed_string(), want, "{name} raw #{i}");
            assert_eq!(rle.area(), e["area"].as_u64().expect("area"));
            checked += 1;
        }
    }
    assert!(checked > 3300, "{checked}");
}

#[test]
fn other_bytes_are_untouched() {
    let src = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let input: Value = serde_json::from_slice(&std::fs::read(&src).expect("read")).expect("json");
    let out = to_rle(&src);
    assert_eq!(out["images"], input["images"]);
    assert_eq!(out["categories"], input["categories"]);
    assert_eq!(out["info"], input["info"]);
    let (a, b) = (
        input["annotations"].as_array().expect("a"),
        out["annotations"].as_array().expect("a"),
    );
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        let mut x = x.clone();
        let mut y = y.clone();
        x.as_object_mut().expect("o").remove("segmentation");
        y.as_object_mut().expect("o").remove("segmentation");
        assert_eq!(x, y);
    }
}

/// convert decodes only the annotations' `id`, `image_id` and segmentation and the images' `id`, `height` and
/// `width`; the other members are copied as they are — whatever their type — but must still be JSON.
#[test]
fn members_convert_does_not_use_are_copied_unchecked_but_must_be_json() {
    let w = Work::new();
    let f = w.write(
        "odd.json",
        r#"{"images": [{"id": 1, "width": 10, "height": 10}], "annotations": [
            {"id": 1, "bbox": "not a box", "area": [1], "iscrowd": null, "category_id": "cat", "image_id": 1,
             "segmentation": [[1, 1, 5, 1, 5, 5]], "score": {"x": 1}}]}"#,
    );
    let out = to_rle(&f);
    let a = &out["annotations"][0];
    assert_eq!(a["bbox"], "not a box");
    assert_eq!(a["area"], serde_json::json!([1]));
    assert_eq!(a["category_id"], "cat");
    assert_eq!(a["score"], serde_json::json!({"x": 1}));
    assert_eq!(a["segmentation"]["size"], serde_json::json!([10, 10]));
    let bad = w.write(
        "bad.json",
        r#"{"images": [{"id": 1, "width": 10, "height": 10}], "annotations": [
            {"id": 7, "bbox": [1, 2,, 3], "image_id": 1, "segmentation": [[1, 1, 5, 1, 5, 5]]}]}"#,
    );
    let e = to_rle_fails(&bad);
    assert!(e.contains("annotation id 7"), "{e}");
    // Images too: convert reads id, height and width; the rest is copied unchecked but must be JSON.
    let odd_image = w.write(
        "odd_image.json",
        r#"{"images": [{"id": 1, "file_name": 5, "width": 10, "license": [null], "height": 10}],
            "annotations": [{"id": 1, "image_id": 1, "segmentation": [[1, 1, 5, 1, 5, 5]]}]}"#,
    );
    let out = to_rle(&odd_image);
    assert_eq!(out["images"][0]["file_name"], 5);
    assert_eq!(
        out["annotations"][0]["segmentation"]["size"],
        serde_json::json!([10, 10])
    );
    let bad_image = w.write(
        "bad_image.json",
        r#"{"images": [{"id": 3, "file_name": "a.jpg", "width": 10, "height": 10, "license": tru}],
            "annotations": [{"id": 1, "image_id": 3, "segmentation": [[1, 1, 5, 1, 5, 5]]}]}"#,
    );
    let e = to_rle_fails(&bad_image);
    assert!(e.contains("image id 3"), "{e}");
}

#[test]
fn bad_annotations_are_named_and_skippable() {
    let w = Work::new();
    let f = w.write(
        "bad.json",
        r#"{"images": [{"id": 1, "width": 10, "height": 10}], "annotations": [
            {"id": 1, "image_id": 1, "segmentation": [[1, 1, 5, 1, 5, 5]]},
            {"id": 2, "image_id": 1, "segmentation": [[1, 1, 5, 1, 5]]},
            {"id": 3, "image_id": 77, "segmentation": [[1, 1, 5, 1, 5, 5]]},
            {"id": 4, "image_id": 1, "segmentation": {"size": [10, 10], "counts": [1, 2]}},
            {"id": 5, "image_id": 1, "segmentation": {"size": [10, 10], "counts": "0~"}},
            {"id": 6, "image_id": 1, "segmentation": []}]}"#,
    );
    let o = w.path("o.json");
    let e = fails([
        "convert",
        f.to_str().expect("p"),
        "--to",
        "rle",
        "-o",
        o.to_str().expect("p"),
    ]);
    assert!(e.contains("annotation id 2") && e.contains("odd"), "{e}");
    assert_eq!(w.files(), ["bad.json"]);
    let out = run([
        "convert",
        f.to_str().expect("p"),
        "--to",
        "rle",
        "--skip-invalid",
        "-o",
        o.to_str().expect("p"),
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("skipped 4 invalid annotations"), "{err}");
    let v: Value = serde_json::from_slice(&std::fs::read(&o).expect("read")).expect("json");
    let ids: Vec<i64> = v["annotations"]
        .as_array()
        .expect("a")
        .iter()
        .map(|a| a["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, [1, 6]);
    assert_eq!(v["annotations"][1]["segmentation"], serde_json::json!([]));
}

#[test]
fn polygons_round_trip_through_frpoly() {
    let w = Work::new();
    let src = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let poly = w.path("poly.json");
    let simple = w.path("simple.json");
    ok([
        "convert",
        src.to_str().expect("p"),
        "--to",
        "polygon",
        "-o",
        poly.to_str().expect("p"),
        "-q",
    ]);
    ok([
        "convert",
        src.to_str().expect("p"),
        "--to",
        "polygon",
        "--tolerance",
        "0.25",
        "-o",
        simple.to_str().expect("p"),
        "-q",
    ]);
    let orig = segmentations(&ok([
        "convert",
        src.to_str().expect("p"),
        "--to",
        "rle",
        "-q",
    ]));
    let back = segmentations(&ok([
        "convert",
        poly.to_str().expect("p"),
        "--to",
        "rle",
        "-q",
    ]));
    let back_simple = segmentations(&ok([
        "convert",
        simple.to_str().expect("p"),
        "--to",
        "rle",
        "-q",
    ]));
    let rle = |v: &Value| {
        let s = &v["size"];
        Rle::from_compressed(
            s[0].as_u64().expect("h") as u32,
            s[1].as_u64().expect("w") as u32,
            v["counts"].as_str().expect("c").as_bytes(),
        )
        .expect("rle")
    };
    let mut big = 0;
    for ((o, b), s) in orig.iter().zip(&back).zip(&back_simple) {
        let (o, b, s) = (rle(o), rle(b), rle(s));
        // Exact contours re-rasterize to the very same mask under pycocotools' frPoly.
        assert_eq!(o, b);
        if o.area() > 100 {
            let iou = cocokit::mask::rle::iou(&[s], &[o], &[false])[0];
            assert!(iou >= 0.98, "IoU {iou} after simplification");
            big += 1;
        }
    }
    assert!(big > 700, "{big}");
}

#[test]
fn compressed_strings_are_kept_as_annto_rle_keeps_them() {
    let w = Work::new();
    // "S0" is a valid but non-canonical encoding of counts [3] ("3"): annToRLE returns it untouched.
    let f = w.write(
        "nc.json",
        r#"{"images": [{"id": 1, "width": 3, "height": 1}], "annotations": [{"id": 1, "image_id": 1, "segmentation": {"size": [1, 3], "counts": "S0"}}]}"#,
    );
    let segs = segmentations(&ok([
        "convert",
        f.to_str().expect("p"),
        "--to",
        "rle",
        "-q",
    ]));
    assert_eq!(segs[0]["counts"], "S0");
    let raw = segmentations(&ok([
        "convert",
        f.to_str().expect("p"),
        "--to",
        "rle-raw",
        "-q",
    ]));
    assert_eq!(raw[0]["counts"], serde_json::json!([3]));
}

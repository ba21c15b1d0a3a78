//! `cocokit rasterize`: label maps equal to pycocotools' annToMask painted in file order (golden summaries
//! from scripts/golden_rasterize.py), 8/16-bit choice, instance mode, bad input.

use crate::common::*;
use cocokit::mask::png::{read_label_png, LabelPixels};
use serde_json::Value;
use std::collections::BTreeMap;

fn summarise(path: &std::path::Path) -> (BTreeMap<String, u64>, u64, bool) {
    let map = read_label_png(path).expect("read png");
    let (vals, sixteen): (Vec<u64>, bool) = match &map.pixels {
        LabelPixels::U8(p) => (p.iter().map(|&v| v as u64).collect(), false),
        LabelPixels::U16(p) => (p.iter().map(|&v| v as u64).collect(), true),
    };
    let mut hist = BTreeMap::new();
    let mut ck: u64 = 0;
    for (i, v) in vals.iter().enumerate() {
        *hist.entry(v.to_string()).or_insert(0) += 1;
        ck += (i as u64 + 1) * v;
    }
    (hist, ck, sixteen)
}

#[test]
fn label_maps_equal_pycocotools_painting() {
    let mut n = 0;
    for name in [
        "val2014_100_semantic",
        "val2014_100_instance",
        "tiny_val2017_semantic",
        "lvis_val_100_semantic",
    ] {
        let g: Value = serde_json::from_slice(
            &std::fs::read(fixture(&format!("golden/rasterize/{name}.json"))).expect("golden"),
        )
        .expect("json");
        let w = Work::new();
        let src = shared(g["file"].as_str().expect("file"));
        let out = w.path("maps");
        ok([
            "rasterize",
            src.to_str().expect("p"),
            "--out",
            out.to_str().expect("p"),
            "--mode",
            g["mode"].as_str().expect("mode"),
            "-q",
        ]);
        for (stem, want) in g["images"].as_object().expect("images") {
            let (hist, ck, sixteen) = summarise(&out.join(format!("{stem}.png")));
            assert_eq!(
                sixteen,
                g["sixteen_bit"].as_bool().expect("b"),
                "{name} {stem}"
            );
            let want_hist: BTreeMap<String, u64> = want["hist"]
                .as_object()
                .expect("hist")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_u64().expect("n")))
                .collect();
            assert_eq!(hist, want_hist, "{name} {stem}");
            assert_eq!(Some(ck), want["ck"].as_u64(), "{name} {stem}");
            n += 1;
        }
    }
    assert_eq!(n, 100 + 100 + 80 + 100);
}

#[test]
fn selected_images_previews_and_errors() {
    let w = Work::new();
    let src = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let out = w.path("m");
    ok([
        "rasterize",
        src.to_str().expect("p"),
        "--out",
        out.to_str().expect("p"),
        "--images",
        "42,74",
        "--palette",
        "-q",
    ]);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("dir")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "COCO_val2014_000000000042.png",
            "COCO_val2014_000000000074.png",
            "palette"
        ]
    );
    // The preview is palette-indexed with the labels as indices: it reads back as the same label map.
    let a = read_label_png(&out.join("COCO_val2014_000000000074.png")).expect("png");
    let b = read_label_png(&out.join("palette/COCO_val2014_000000000074.png")).expect("png");
    assert_eq!(a, b);
    let e = fails([
        "rasterize",
        src.to_str().expect("p"),
        "--out",
        out.to_str().expect("p"),
        "--images",
        "999999",
    ]);
    assert!(e.contains("no image has id 999999"), "{e}");
    let bad = w.write("bad.json", r#"{"images": [{"id": 1, "width": 4, "height": 4, "file_name": "a.jpg"}], "categories": [{"id": 1, "name": "x"}],
        "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "segmentation": {"size": [5, 4], "counts": [20]}}]}"#);
    let e = fails([
        "rasterize",
        bad.to_str().expect("p"),
        "--out",
        w.path("m2").to_str().expect("p"),
    ]);
    assert!(
        e.contains("annotation id 7") && e.contains("differs from image 1"),
        "{e}"
    );
    // A category id above 255 in an 8-bit map (the categories listed stop at 254) is an error, not a pixel
    // value cut to 8 bits (300 would have painted 44).
    let wide = w.write("wide.json", r#"{"images": [{"id": 1, "width": 4, "height": 4, "file_name": "a.jpg"}], "categories": [{"id": 1, "name": "x"}],
        "annotations": [{"id": 8, "image_id": 1, "category_id": 300, "segmentation": [[0, 0, 3, 0, 3, 3]]}]}"#);
    let e = fails([
        "rasterize",
        wide.to_str().expect("p"),
        "--out",
        w.path("m3").to_str().expect("p"),
    ]);
    assert!(
        e.contains("annotation id 8") && e.contains("category id 300 does not fit the label map"),
        "{e}"
    );
    assert!(!w.path("m3").join("a.png").exists());
    // An absurd size in an image header: a one-line error naming the image, not an allocation abort
    // (4·10⁹ × 4·10⁹ pixels is beyond any address space, so this fails on every machine).
    let huge = w.write("huge.json", r#"{"images": [{"id": 3, "width": 4000000000, "height": 4000000000, "file_name": "h.jpg"}], "categories": [{"id": 1, "name": "x"}],
        "annotations": [{"id": 9, "image_id": 3, "category_id": 1, "segmentation": [[0, 0, 3, 0, 3, 3]]}]}"#);
    let out = run([
        "rasterize",
        huge.to_str().expect("p"),
        "--out",
        w.path("m4").to_str().expect("p"),
    ]);
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{e}");
    assert!(
        e.contains("image id 3") && e.contains("cannot be allocated") && e.lines().count() == 1,
        "{e}"
    );
    // Several broken images: the first in file order is the one reported, whatever the threads' timing.
    let mut many = String::from(r#"{"categories": [{"id": 1, "name": "x"}], "images": ["#);
    for k in 1..=60 {
        let sep = if k > 1 { ", " } else { "" };
        many.push_str(&format!(
            r#"{sep}{{"id": {k}, "width": 4, "height": 4, "file_name": "i{k}.jpg"}}"#
        ));
    }
    many.push_str(r#"], "annotations": ["#);
    for k in 1..=60 {
        let sep = if k > 1 { ", " } else { "" };
        // images 1-9 are fine; from image 10 on, every annotation's mask has the wrong size
        let size = if k < 10 { 4 } else { 5 };
        many.push_str(&format!(
            r#"{sep}{{"id": {}, "image_id": {k}, "category_id": 1, "segmentation": {{"size": [{size}, 4], "counts": [{}]}}}}"#,
            100 + k,
            size * 4
        ));
    }
    many.push_str("]}");
    let many = w.write("many.json", &many);
    for _ in 0..10 {
        let e = fails([
            "rasterize",
            many.to_str().expect("p"),
            "--out",
            w.path("m4").to_str().expect("p"),
        ]);
        assert!(
            e.contains("annotation id 110") && e.contains("differs from image 10"),
            "{e}"
        );
    }
}

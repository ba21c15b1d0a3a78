//! `eval miou` with COCO JSON ground truth and label-PNG predictions (COCO-Stuff's setup): the same numbers as
//! with the COCO results those PNGs were rasterized from (`rasterize RES --gt GT`); a mix the other way round is refused with what it
//! needs; PNG values that are no category id are errors naming the file.

use crate::common::*;
use serde_json::Value;

fn miou_json(args: &[&str]) -> Value {
    let mut all = vec!["eval", "miou", "--json", "-q"];
    all.extend(args);
    let mut v: Value = serde_json::from_slice(&ok(&all)).expect("json");
    // Which images had no result record differs by construction (rasterize writes a map for every image).
    if let Some(o) = v.as_object_mut() {
        o.remove("missing_predictions");
    }
    v
}

#[test]
fn png_predictions_score_like_the_results_they_were_painted_from() {
    let w = Work::new();
    let gt = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let res = shared("cocoapi-val2014-100/instances_val2014_fakesegm100_results.json");
    let (gt, res) = (gt.to_str().expect("p"), res.to_str().expect("p"));
    let dir = w.path("pred");
    let d = dir.to_str().expect("p");
    ok([
        "rasterize",
        res,
        "--gt",
        gt,
        "--score-thr",
        "0.5",
        "--out",
        d,
        "-q",
    ]);
    for bg in ["class", "ignore"] {
        let from_json = miou_json(&["--gt", gt, "--pred", res, "--background", bg]);
        let from_png = miou_json(&["--gt", gt, "--pred", d, "--background", bg]);
        assert_eq!(from_png, from_json, "--background {bg}");
    }
    // A missing PNG: nothing predicted on that image, and a note.
    let first = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("e").path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("a png");
    std::fs::remove_file(&first).expect("rm");
    let out = run(["eval", "miou", "--gt", gt, "--pred", d, "-q", "--json"]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["missing_predictions"].as_array().expect("list").len(), 1);
}

#[test]
fn mixed_inputs_refusals() {
    let w = Work::new();
    let gt = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let gt = gt.to_str().expect("p");
    let dir = w.path("pred");
    std::fs::create_dir(&dir).expect("mkdir");
    let d = dir.to_str().expect("p");
    // PNG ground truth with COCO results: the results have no images.
    let e = fails([
        "eval",
        "miou",
        "--gt",
        d,
        "--pred",
        shared("cocoapi-val2014-100/instances_val2014_fakesegm100_results.json")
            .to_str()
            .expect("p"),
        "--num-classes",
        "3",
    ]);
    assert!(e.contains("COCO results need a COCO JSON --gt"), "{e}");
    // A value that is no category id (cocoapi val2014 has no category 12).
    ok(["rasterize", gt, "--out", d, "--images", "42", "-q"]);
    let png = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("e").path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("a png");
    let mut map = cocokit::mask::png::read_label_png(&png).expect("read");
    if let cocokit::mask::png::LabelPixels::U8(p) = &mut map.pixels {
        p[5] = 12;
    }
    cocokit::mask::png::write_label_png(&png, &map).expect("write");
    let e = fails(["eval", "miou", "--gt", gt, "--pred", d]);
    assert!(
        e.contains("pixel (5, 0) is 12, not a category id of the ground truth"),
        "{e}"
    );
    assert!(
        e.contains(png.file_name().expect("n").to_str().expect("s")),
        "{e}"
    );
    // A PNG whose stem is no ground-truth image: --allow-extra skips it.
    std::fs::copy(&png, dir.join("not_an_image.png")).expect("copy");
    let e = fails(["eval", "miou", "--gt", gt, "--pred", d]);
    assert!(
        e.contains("PNG(s) without an image in the ground truth"),
        "{e}"
    );
}

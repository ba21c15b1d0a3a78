//! `rasterize RESULTS --gt GT --score-thr T`: detections painted onto the ground truth's images, equal to
//! pycocotools' annToMask painted in ascending score (golden from scripts/golden_rasterize.py); results
//! without --gt, or --gt on a dataset, refused with what is needed.

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
fn results_painted_like_pycocotools_in_ascending_score() {
    let g: Value = serde_json::from_slice(
        &std::fs::read(fixture(
            "golden/rasterize/val2014_100_fakesegm_results.json",
        ))
        .expect("golden"),
    )
    .expect("json");
    let w = Work::new();
    let res = shared(g["file"].as_str().expect("file"));
    let gt = shared(g["gt"].as_str().expect("gt"));
    let out = w.path("pred");
    ok([
        "rasterize",
        res.to_str().expect("p"),
        "--gt",
        gt.to_str().expect("p"),
        "--score-thr",
        &g["score_thr"].to_string(),
        "--out",
        out.to_str().expect("p"),
        "-q",
    ]);
    let mut n = 0;
    let mut painted = 0;
    for (stem, want) in g["images"].as_object().expect("images") {
        let (hist, ck, sixteen) = summarise(&out.join(format!("{stem}.png")));
        assert_eq!(sixteen, g["sixteen_bit"].as_bool().expect("b"), "{stem}");
        let want_hist: BTreeMap<String, u64> = want["hist"]
            .as_object()
            .expect("hist")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().expect("n")))
            .collect();
        assert_eq!(hist, want_hist, "{stem}");
        assert_eq!(Some(ck), want["ck"].as_u64(), "{stem}");
        painted += (hist.len() > 1) as usize;
        n += 1;
    }
    assert_eq!(n, 100);
    assert!(painted > 50, "only {painted} maps have a detection painted");
}

#[test]
fn results_need_their_ground_truth() {
    let w = Work::new();
    let res = shared("cocoapi-val2014-100/instances_val2014_fakesegm100_results.json");
    let gt = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let out = w.path("pred");
    let o = out.to_str().expect("p");
    let e = fails(["rasterize", res.to_str().expect("p"), "--out", o]);
    assert!(e.contains("rasterize it with --gt GT"), "{e}");
    let e = fails([
        "rasterize",
        gt.to_str().expect("p"),
        "--gt",
        gt.to_str().expect("p"),
        "--out",
        o,
    ]);
    assert!(e.contains("--gt is for a results file"), "{e}");
    let e = fails([
        "rasterize",
        res.to_str().expect("p"),
        "--gt",
        res.to_str().expect("p"),
        "--out",
        o,
    ]);
    assert!(e.contains("--gt must be a COCO dataset"), "{e}");
    // Box-only detections: --boxes, as for datasets.
    let bbox = shared("cocoapi-val2014-100/instances_val2014_fakebbox100_results.json");
    let e = fails([
        "rasterize",
        bbox.to_str().expect("p"),
        "--gt",
        gt.to_str().expect("p"),
        "--out",
        o,
    ]);
    assert!(
        e.contains("no segmentation: nothing to paint (--boxes"),
        "{e}"
    );
    assert!(w.files().is_empty(), "{:?}", w.files());
    ok([
        "rasterize",
        bbox.to_str().expect("p"),
        "--gt",
        gt.to_str().expect("p"),
        "--boxes",
        "--out",
        o,
        "-q",
    ]);
}

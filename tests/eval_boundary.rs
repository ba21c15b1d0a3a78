//! Boundary AP (`--iou-type boundary`) against boundary-iou-api (Cheng et al., CVPR 2021).
//!
//! Goldens: fixtures/golden/boundary/*.json, written by scripts/golden_boundary.py running the
//! reference's own code (fetched outside the repository, on pycocotools 2.0.11 and OpenCV) on the
//! fixtures/cocoeval cases and cocoapi's fake segm results; bands.json holds `mask_to_boundary` of 60 real
//! masks at three ratios. Numbers within 1e-12, lines and bands exactly.

use crate::common::*;

use crate::cocoeval_common::{self, f64s, read_json, root, s, TOL};
use cocokit::coco::reader::SegMode;
use cocokit::eval::cocoeval::{IouType, Params};
use cocokit::mask::boundary::mask_to_boundary;
use cocokit::mask::rle::Rle;
use serde_json::Value;

fn params_of(spec: &Value) -> Params {
    let mut p = Params::new(IouType::Boundary);
    if let Some(v) = spec.get("dilation_ratio") {
        p.dilation_ratio = v.as_f64().unwrap();
    }
    if let Some(v) = spec.get("maxDets") {
        p.max_dets = f64s(v).iter().map(|&x| x as usize).collect();
    }
    if let Some(v) = spec.get("useCats") {
        p.use_cats = v.as_i64().unwrap() != 0;
    }
    p
}

/// Every evaluation of a boundary golden (scripts/golden_boundary.py), through both readers.
fn run_golden(name: &str) -> usize {
    cocoeval_common::run_golden("boundary", name, SegMode::Full, params_of, 12, "ar100")
}

#[test]
fn golden_basic_and_ratios() {
    assert_eq!(run_golden("basic"), 3);
}
#[test]
fn golden_all_crowd() {
    assert_eq!(run_golden("all_crowd"), 1);
}
#[test]
fn golden_area_ranges() {
    assert_eq!(run_golden("area_ranges"), 1);
}
#[test]
fn golden_tied_scores() {
    assert_eq!(run_golden("tied_scores"), 1);
}
#[test]
fn golden_gt_id_zero() {
    assert_eq!(run_golden("gt_id_zero"), 1);
}
#[test]
fn golden_mask_results() {
    assert_eq!(run_golden("mask_results"), 1);
}
#[test]
fn golden_box_results() {
    assert_eq!(run_golden("box_results_segm"), 1);
}
#[test]
fn golden_random_mix() {
    assert_eq!(run_golden("random_mix"), 3);
}
#[test]
fn golden_cocoapi100() {
    assert_eq!(run_golden("cocoapi100"), 1);
}

#[test]
fn bands_equal_opencv_erosion() {
    let g = read_json(&root().join("fixtures/golden/boundary/bands.json"));
    let bands = g["bands"].as_array().unwrap();
    assert_eq!(bands.len(), 180);
    for b in bands {
        let size = f64s(&b["size"]);
        let (h, w) = (size[0] as u32, size[1] as u32);
        let mask = Rle::from_compressed(h, w, b["mask"].as_str().unwrap().as_bytes()).unwrap();
        let ratio = b["dilation_ratio"].as_f64().unwrap();
        let got = mask_to_boundary(&mask, ratio).to_compressed_string();
        assert_eq!(
            got,
            b["boundary"].as_str().unwrap(),
            "ann {} ratio {ratio}",
            b["ann_id"]
        );
    }
}

#[test]
fn command_takes_the_dilation_ratio() {
    let golden = read_json(&root().join("fixtures/golden/boundary/basic.json"));
    let gt = root().join(golden["gt"].as_str().unwrap());
    let dt = root().join(golden["results"].as_str().unwrap());
    for e in golden["evals"].as_array().unwrap() {
        let ratio = e["params"]
            .get("dilation_ratio")
            .map_or(0.02, |v| v.as_f64().unwrap())
            .to_string();
        let j: Value = serde_json::from_slice(&ok([
            "eval",
            "coco",
            "--gt",
            s(&gt),
            "--dt",
            s(&dt),
            "--iou-type",
            "boundary",
            "--dilation-ratio",
            &ratio,
            "--json",
        ]))
        .unwrap();
        assert_eq!(j["iou_type"], "boundary");
        for (k, (a, b)) in f64s(&j["stats"]).iter().zip(&f64s(&e["stats"])).enumerate() {
            assert!((a - b).abs() <= TOL, "ratio {ratio} stats[{k}]: {a} vs {b}");
        }
    }
    let err = fails([
        "eval",
        "coco",
        "--gt",
        s(&gt),
        "--dt",
        s(&dt),
        "--iou-type",
        "segm",
        "--dilation-ratio",
        "0.1",
    ]);
    assert!(err.contains("--dilation-ratio"), "{err}");
    let err = fails([
        "eval",
        "coco",
        "--gt",
        s(&gt),
        "--dt",
        s(&dt),
        "--iou-type",
        "boundary",
        "--dilation-ratio=-1",
    ]);
    assert!(err.contains("dilation ratio"), "{err}");
}

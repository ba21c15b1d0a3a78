//! Boundary AP (`--iou-type boundary`) against boundary-iou-api (Cheng et al., CVPR 2021).
//!
//! Goldens: fixtures/golden/boundary/*.json, written by scripts/golden_boundary.py running the
//! reference's own code (fetched outside the repository, on pycocotools 2.0.11 and OpenCV) on the
//! fixtures/cocoeval cases and cocoapi's fake segm results; bands.json holds `mask_to_boundary` of 60 real
//! masks at three ratios. Numbers within 1e-12, lines and bands exactly.

use crate::common::*;

use std::path::{Path, PathBuf};

use cocokit::coco::reader::{self, Dataset, SegMode};
use cocokit::eval::cocoeval::load::{EvalGt, EvalResults};
use cocokit::eval::cocoeval::{self, GroundTruth, IouType, Params, Report};
use cocokit::mask::boundary::mask_to_boundary;
use cocokit::mask::rle::Rle;
use serde_json::Value;

const TOL: f64 = 1e-12;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn close(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= TOL,
        "{what}: got {got:?}, boundary-iou-api {want:?} (diff {:e})",
        got - want
    );
}

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

fn compare(label: &str, report: &Report, want: &Value) {
    let acc = &report.accumulation;
    let counts: Vec<usize> = f64s(&want["counts"]).iter().map(|&x| x as usize).collect();
    assert_eq!(acc.counts.to_vec(), counts, "{label}: counts");
    let stats = f64s(&want["stats"]);
    assert_eq!(report.summary.stats.len(), 12);
    for (i, (&g, &w)) in report.summary.stats.iter().zip(&stats).enumerate() {
        close(&format!("{label}: stats[{i}]"), g, w);
    }
    let lines: Vec<&str> = want["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(report.summary.lines, lines, "{label}: lines");
    let per_class = want["per_class"].as_array().unwrap();
    assert_eq!(report.per_class.len(), per_class.len(), "{label}: classes");
    for (g, w) in report.per_class.iter().zip(per_class) {
        let c = g.category_id;
        assert_eq!(c, w["category_id"].as_i64().unwrap());
        close(
            &format!("{label}: cat {c} AP"),
            g.ap,
            w["ap"].as_f64().unwrap(),
        );
        close(
            &format!("{label}: cat {c} AP50"),
            g.ap50,
            w["ap50"].as_f64().unwrap(),
        );
        close(
            &format!("{label}: cat {c} AP75"),
            g.ap75,
            w["ap75"].as_f64().unwrap(),
        );
        close(
            &format!("{label}: cat {c} AR"),
            g.ar100,
            w["ar100"].as_f64().unwrap(),
        );
    }
    let recall = f64s(&want["recall"]);
    assert_eq!(acc.recall.len(), recall.len());
    for (i, (&g, &w)) in acc.recall.iter().zip(&recall).enumerate() {
        close(&format!("{label}: recall[{i}]"), g, w);
    }
    let [t_n, r_n, k_n, a_n, m_n] = acc.counts;
    let (psum, ssum) = (f64s(&want["precision_sum_r"]), f64s(&want["scores_sum_r"]));
    let mut i = 0;
    for t in 0..t_n {
        for k in 0..k_n {
            for a in 0..a_n {
                for m in 0..m_n {
                    let (mut ps, mut ss) = (0.0, 0.0);
                    for r in 0..r_n {
                        ps += acc.precision_at(t, r, k, a, m);
                        ss += acc.scores_at(t, r, k, a, m);
                    }
                    close(
                        &format!("{label}: precision sum t{t} k{k} a{a} m{m}"),
                        ps,
                        psum[i],
                    );
                    close(
                        &format!("{label}: scores sum t{t} k{k} a{a} m{m}"),
                        ss,
                        ssum[i],
                    );
                    i += 1;
                }
            }
        }
    }
}

fn run_golden(name: &str) -> usize {
    let golden = read_json(&root().join(format!("fixtures/golden/boundary/{name}.json")));
    let gt_path = root().join(golden["gt"].as_str().unwrap());
    let dt_path = root().join(golden["results"].as_str().unwrap());
    let gt = Dataset::load(gt_path.to_str().unwrap()).unwrap();
    let results = reader::load_results(dt_path.to_str().unwrap()).unwrap();
    let (gb, db) = (
        std::fs::read(&gt_path).unwrap(),
        std::fs::read(&dt_path).unwrap(),
    );
    let mut ran = 0;
    for (i, e) in golden["evals"].as_array().unwrap().iter().enumerate() {
        let params = params_of(&e["params"]);
        let label = format!("{name}[{i}] {}", e["params"]);
        let report = cocoeval::run(GroundTruth::from(&gt), &results, &params)
            .unwrap_or_else(|err| panic!("{label}: {err}"));
        compare(&label, &report, e);
        let g = EvalGt::parse(&gb, SegMode::Full).unwrap();
        let d = EvalResults::parse(&db, SegMode::Full).unwrap();
        let loaded = cocoeval::run_loaded(&g, &d, &params).unwrap();
        assert!(
            loaded == report,
            "{label}: cocoeval::load gives another report"
        );
        ran += 1;
    }
    ran
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

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
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

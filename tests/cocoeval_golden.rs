//! Golden parity of `eval::cocoeval` with pycocotools 2.0.11's COCOeval.
//!
//! The goldens under fixtures/golden/cocoeval/ come from scripts/golden_cocoeval.py (pycocotools in the
//! venv); inputs are fixtures/cocoeval/<case>/ and fixtures/cocoapi-val2014-100. Every number is
//! compared within 1e-12 and every summary line exactly. Inputs are read with the crate's own reader.

use std::path::{Path, PathBuf};

use cocokit::coco::reader::{self, Dataset, SegMode};
use cocokit::coco::Annotation;
use cocokit::eval::cocoeval::load::{EvalGt, EvalResults};
use cocokit::eval::cocoeval::{self, GroundTruth, IouType, Params, Report};
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

fn load_gt(path: &Path) -> Dataset {
    Dataset::load(path.to_str().unwrap()).unwrap_or_else(|e| panic!("{e}"))
}

fn load_results(path: &Path) -> Vec<Annotation> {
    reader::load_results(path.to_str().unwrap()).unwrap_or_else(|e| panic!("{e}"))
}

fn params_of(spec: &Value) -> Params {
    let mut p = Params::new(IouType::parse(spec["iouType"].as_str().unwrap()).unwrap());
    if let Some(v) = spec.get("imgIds") {
        p.img_ids = Some(
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_i64().unwrap())
                .collect(),
        );
    }
    if let Some(v) = spec.get("catIds") {
        p.cat_ids = Some(
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_i64().unwrap())
                .collect(),
        );
    }
    if let Some(v) = spec.get("maxDets") {
        p.max_dets = v
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
    }
    if let Some(v) = spec.get("areaRng") {
        p.area_rng = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| [r[0].as_f64().unwrap(), r[1].as_f64().unwrap()])
            .collect();
        p.area_rng_lbl = match spec.get("areaRngLbl") {
            Some(l) => l
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect(),
            None => ["all", "small", "medium", "large"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
    }
    if let Some(v) = spec.get("useCats") {
        p.use_cats = v.as_i64().unwrap() != 0;
    }
    p
}

// ---- comparison ----

fn close(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= TOL,
        "{what}: got {got:?}, pycocotools {want:?} (diff {:e})",
        got - want
    );
}

fn compare(label: &str, report: &Report, want: &Value) {
    let acc = &report.accumulation;
    let counts: Vec<usize> = want["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(acc.counts.to_vec(), counts, "{label}: counts [T,R,K,A,M]");

    let stats = f64s(&want["stats"]);
    for (i, (&g, &w)) in report.summary.stats.iter().zip(&stats).enumerate() {
        close(&format!("{label}: stats[{i}]"), g, w);
    }
    let lines: Vec<&str> = want["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(report.summary.lines, lines, "{label}: summary lines");

    let per_class = want["per_class"].as_array().unwrap();
    assert_eq!(
        report.per_class.len(),
        per_class.len(),
        "{label}: per-class count"
    );
    for (g, w) in report.per_class.iter().zip(per_class) {
        assert_eq!(
            g.category_id,
            w["category_id"].as_i64().unwrap(),
            "{label}: per-class order"
        );
        let c = g.category_id;
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
            &format!("{label}: cat {c} AR100"),
            g.ar100,
            w["ar100"].as_f64().unwrap(),
        );
    }

    let recall = f64s(&want["recall"]);
    assert_eq!(acc.recall.len(), recall.len(), "{label}: recall size");
    for (i, (&g, &w)) in acc.recall.iter().zip(&recall).enumerate() {
        close(&format!("{label}: recall[{i}]"), g, w);
    }
    // Sums over recall thresholds of precision and scores, per (t, k, a, m), left to right.
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
                        &format!("{label}: precision sum at t{t} k{k} a{a} m{m}"),
                        ps,
                        psum[i],
                    );
                    close(
                        &format!("{label}: scores sum at t{t} k{k} a{a} m{m}"),
                        ss,
                        ssum[i],
                    );
                    i += 1;
                }
            }
        }
    }
}

/// Evaluate as `cocokit eval coco` reads its inputs: `cocoeval::load`, in the mode the command uses.
fn run_via_load(gt: &Path, dt: &Path, params: &Params) -> cocokit::Result<Report> {
    let mode = match params.iou_type {
        IouType::Bbox | IouType::Keypoints => SegMode::Kind,
        IouType::Segm | IouType::Boundary => SegMode::Full,
    };
    let gt_bytes = std::fs::read(gt).unwrap();
    let dt_bytes = std::fs::read(dt).unwrap();
    let g = EvalGt::parse(&gt_bytes, mode)?;
    let mut d = EvalResults::parse(&dt_bytes, mode)?;
    if mode == SegMode::Kind && d.first_has_no_bbox() {
        d = EvalResults::parse(&dt_bytes, SegMode::Full)?;
    }
    cocoeval::run_loaded(&g, &d, params)
}

/// Run every evaluation of a golden file whose iou type is `iou`; returns how many ran.
fn run_golden(name: &str, iou: IouType) -> usize {
    let golden = read_json(
        &root()
            .join("fixtures/golden/cocoeval")
            .join(format!("{name}.json")),
    );
    let gt = load_gt(&root().join(golden["gt"].as_str().unwrap()));
    let mut ran = 0;
    for (i, e) in golden["evals"].as_array().unwrap().iter().enumerate() {
        let params = params_of(&e["params"]);
        if params.iou_type != iou {
            continue;
        }
        let res_path = e
            .get("results")
            .or(golden.get("results"))
            .and_then(Value::as_str)
            .unwrap();
        let results = load_results(&root().join(res_path));
        let label = format!("{name}[{i}] {}", e["params"]);
        let report = cocoeval::run(GroundTruth::from(&gt), &results, &params)
            .unwrap_or_else(|err| panic!("{label}: {err}"));
        compare(&label, &report, e);
        // The command's reader (`cocoeval::load`) must give the very same report.
        let loaded = run_via_load(
            &root().join(golden["gt"].as_str().unwrap()),
            &root().join(res_path),
            &params,
        )
        .unwrap_or_else(|err| panic!("{label} (load): {err}"));
        assert!(
            loaded == report,
            "{label}: cocoeval::load gives another report"
        );
        ran += 1;
    }
    ran
}

macro_rules! golden {
    ($bbox:ident, $segm:ident, $name:literal, $n_bbox:expr, $n_segm:expr) => {
        #[test]
        fn $bbox() {
            assert_eq!(run_golden($name, IouType::Bbox), $n_bbox);
        }
        #[test]
        fn $segm() {
            assert_eq!(run_golden($name, IouType::Segm), $n_segm);
        }
    };
}

golden!(basic_bbox, basic_segm, "basic", 1, 1);
golden!(
    empty_results_bbox,
    empty_results_segm,
    "empty_results",
    1,
    1
);
golden!(
    images_without_gt_bbox,
    images_without_gt_segm,
    "images_without_gt",
    1,
    1
);
golden!(all_crowd_bbox, all_crowd_segm, "all_crowd", 1, 1);
golden!(tied_scores_bbox, tied_scores_segm, "tied_scores", 1, 1);
golden!(area_ranges_bbox, area_ranges_segm, "area_ranges", 1, 1);
golden!(many_dets_bbox, many_dets_segm, "many_dets", 2, 1);
golden!(
    custom_params_bbox,
    custom_params_segm,
    "custom_params",
    4,
    2
);
golden!(no_cats_bbox, no_cats_segm, "no_cats", 2, 1);
golden!(filtered_ids_bbox, filtered_ids_segm, "filtered_ids", 2, 1);
golden!(gt_id_zero_bbox, gt_id_zero_segm, "gt_id_zero", 1, 1);
#[test]
fn mask_results_bbox() {
    assert_eq!(run_golden("mask_results", IouType::Bbox), 1);
}
#[test]
fn mask_results_segm() {
    assert_eq!(run_golden("mask_results", IouType::Segm), 1);
}
golden!(
    box_results_segm_bbox,
    box_results_segm_segm,
    "box_results_segm",
    1,
    1
);
golden!(random_mix_bbox, random_mix_segm, "random_mix", 3, 2);
golden!(cocoapi100_bbox, cocoapi100_segm, "cocoapi100", 1, 1);

/// The published full-precision numbers (faster_coco_eval's test suite) for cocoapi's 100-image sample.
#[test]
fn cocoapi100_expected_stats() {
    let dir = root().join("fixtures/cocoapi-val2014-100");
    let expected = read_json(&dir.join("expected_cocoeval.json"));
    let gt = load_gt(&dir.join("instances_val2014_100.json"));
    for iou in [IouType::Bbox, IouType::Segm] {
        let want = &expected[iou.name()];
        let results = load_results(&dir.join(want["results"].as_str().unwrap()));
        let report = cocoeval::run(GroundTruth::from(&gt), &results, &Params::new(iou)).unwrap();
        let loaded = run_via_load(
            &dir.join("instances_val2014_100.json"),
            &dir.join(want["results"].as_str().unwrap()),
            &Params::new(iou),
        )
        .unwrap();
        assert!(
            loaded == report,
            "{}: cocoeval::load gives another report",
            iou.name()
        );
        for (i, (&g, w)) in report
            .summary
            .stats
            .iter()
            .zip(want["stats"].as_array().unwrap())
            .enumerate()
        {
            close(
                &format!("cocoapi100 {} stats[{i}]", iou.name()),
                g,
                w.as_f64().unwrap(),
            );
        }
    }
}

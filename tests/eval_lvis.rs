//! `cocokit eval lvis` against lvis-api 0.5.3.
//!
//! Goldens: fixtures/golden/lvis/*.json, written by scripts/golden_lvis.py (lvis 0.5.3 with pycocotools
//! 2.0.11) from seeded synthetic results on fixtures/lvis-val-100 and a small synthetic LVIS-like ground
//! truth (fixtures/lvis-synth). Compared within 1e-12: lvis-api's results and per-category AP through the
//! command, the printed lines exactly, and through the library the sums of precision and recall per
//! category and area range.

use crate::common::*;

use std::path::{Path, PathBuf};

use cocokit::coco::reader::SegMode;
use cocokit::eval::cocoeval::load::{EvalGt, EvalResults};
use cocokit::eval::cocoeval::IouType;
use cocokit::eval::lvis::{self, LvisGt, LvisParams};
use serde_json::Value;

const TOL: f64 = 1e-12;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn close(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= TOL,
        "{what}: got {got:?}, lvis-api {want:?} (diff {:e})",
        got - want
    );
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Every evaluation of a golden file, through the command and the library; returns how many ran.
fn run_golden(name: &str) -> usize {
    let golden = read_json(&root().join(format!("fixtures/golden/lvis/{name}.json")));
    let gt_path = root().join(golden["gt"].as_str().unwrap());
    let dt_path = root().join(golden["results"].as_str().unwrap());
    let (gt_bytes, dt_bytes) = (
        std::fs::read(&gt_path).unwrap(),
        std::fs::read(&dt_path).unwrap(),
    );
    let evals = golden["evals"].as_array().unwrap();
    for e in evals {
        let iou = e["iou_type"].as_str().unwrap();
        let max_dets = e["max_dets"].as_u64().unwrap().to_string();
        let label = format!("{name} {iou} max_dets {max_dets}");
        let args = [
            "eval",
            "lvis",
            "--gt",
            s(&gt_path),
            "--dt",
            s(&dt_path),
            "--iou-type",
            iou,
            "--max-dets",
            &max_dets,
        ];
        let j: Value = serde_json::from_slice(&ok(args.iter().copied().chain(["--json"]))).unwrap();
        for kv in e["results"].as_array().unwrap() {
            let key = kv[0].as_str().unwrap();
            let got = j[key]
                .as_f64()
                .unwrap_or_else(|| panic!("{label}: no {key}"));
            close(&format!("{label}: {key}"), got, kv[1].as_f64().unwrap());
        }
        let want_cats = e["per_category"].as_array().unwrap();
        let got_cats = j["per_category"].as_array().unwrap();
        assert_eq!(got_cats.len(), want_cats.len(), "{label}: categories");
        for (g, w) in got_cats.iter().zip(want_cats) {
            assert_eq!(
                g["category_id"], w["category_id"],
                "{label}: category order"
            );
            close(
                &format!("{label}: category {} AP", w["category_id"]),
                g["ap"].as_f64().unwrap(),
                w["ap"].as_f64().unwrap(),
            );
        }
        let text = String::from_utf8(ok(args)).unwrap();
        let want_lines: Vec<&str> = e["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            want_lines,
            "{label}: lines"
        );

        // The arrays behind them.
        let iou_type = IouType::parse(iou).unwrap();
        let mode = if iou_type == IouType::Bbox {
            SegMode::Kind
        } else {
            SegMode::Full
        };
        let g = EvalGt::parse(&gt_bytes, mode).unwrap();
        let mut d = EvalResults::parse(&dt_bytes, mode).unwrap();
        if d.first_has_no_bbox() {
            d = EvalResults::parse(&dt_bytes, SegMode::Full).unwrap();
        }
        let lg = LvisGt::read(&g).unwrap();
        let p = LvisParams::new(iou_type, e["max_dets"].as_u64().unwrap() as usize);
        let rep = lvis::run_loaded(&g, &lg, &d, &p).unwrap();
        let acc = &rep.accumulation;
        let [t_n, r_n, k_n, a_n, m_n] = acc.counts;
        let counts: Vec<usize> = e["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(vec![t_n, r_n, k_n, a_n], counts, "{label}: counts");
        assert_eq!(m_n, 1);
        let sums = e["sums"].as_array().unwrap();
        let mut listed = vec![false; k_n * a_n];
        for row in sums {
            let (k, a) = (
                row[0].as_u64().unwrap() as usize,
                row[1].as_u64().unwrap() as usize,
            );
            listed[k * a_n + a] = true;
            let (mut ps, mut rs) = (0.0, 0.0);
            for t in 0..t_n {
                for r in 0..r_n {
                    ps += acc.precision_at(t, r, k, a, 0);
                }
            }
            for t in 0..t_n {
                rs += acc.recall_at(t, k, a, 0);
            }
            close(
                &format!("{label}: precision sum k{k} a{a}"),
                ps,
                row[2].as_f64().unwrap(),
            );
            close(
                &format!("{label}: recall sum k{k} a{a}"),
                rs,
                row[3].as_f64().unwrap(),
            );
        }
        // Everything not listed is -1 throughout, as in lvis-api.
        for k in 0..k_n {
            for a in 0..a_n {
                if !listed[k * a_n + a] {
                    for t in 0..t_n {
                        assert_eq!(acc.recall_at(t, k, a, 0), -1.0, "{label}: recall k{k} a{a}");
                    }
                }
            }
        }
    }
    evals.len()
}

#[test]
fn golden_val100() {
    assert_eq!(run_golden("val100"), 3);
}

#[test]
fn golden_val100_mask_results() {
    assert_eq!(run_golden("val100_masks"), 2);
}

#[test]
fn golden_small_synthetic() {
    assert_eq!(run_golden("small"), 3);
}

#[test]
fn json_has_the_issue_keys_and_help_has_examples() {
    let golden = read_json(&root().join("fixtures/golden/lvis/small.json"));
    let j: Value = serde_json::from_slice(&ok([
        "eval",
        "lvis",
        "--gt",
        s(&root().join(golden["gt"].as_str().unwrap())),
        "--dt",
        s(&root().join(golden["results"].as_str().unwrap())),
        "--iou-type",
        "bbox",
        "--json",
    ]))
    .unwrap();
    for key in [
        "AP",
        "AP50",
        "AP75",
        "APs",
        "APm",
        "APl",
        "APr",
        "APc",
        "APf",
        "per_category",
    ] {
        assert!(j.get(key).is_some(), "no {key}");
    }
    assert_eq!(j["APc"], -1.0); // no category of frequency c
    let help = String::from_utf8(ok(["eval", "lvis", "--help"])).unwrap();
    assert!(help.contains("cocokit eval lvis --gt"), "{help}");
}

#[test]
fn missing_lvis_fields_are_one_line_errors() {
    let w = Work::new();
    let dt = w.write(
        "dt.json",
        r#"[{"image_id": 1, "category_id": 1, "bbox": [1, 1, 5, 5], "score": 0.5}]"#,
    );
    let cat = r#"{"id": 1, "name": "a", "frequency": "r"}"#;
    for (what, image, category) in [
        (
            "neg_category_ids",
            r#"{"id": 1, "width": 10, "height": 10, "not_exhaustive_category_ids": []}"#,
            cat,
        ),
        (
            "not_exhaustive_category_ids",
            r#"{"id": 1, "width": 10, "height": 10, "neg_category_ids": []}"#,
            cat,
        ),
        (
            "frequency",
            r#"{"id": 1, "width": 10, "height": 10, "neg_category_ids": [], "not_exhaustive_category_ids": []}"#,
            r#"{"id": 1, "name": "a"}"#,
        ),
    ] {
        let gt = w.write(
            "gt.json",
            format!(r#"{{"images": [{image}], "categories": [{category}], "annotations": []}}"#),
        );
        let err = fails([
            "eval",
            "lvis",
            "--gt",
            s(&gt),
            "--dt",
            s(&dt),
            "--iou-type",
            "bbox",
        ]);
        assert!(err.contains(what), "{what}: {err}");
        let rec = if what == "frequency" {
            "category id 1"
        } else {
            "image id 1"
        };
        assert!(
            err.contains(rec) && err.contains("gt.json"),
            "{what}: {err}"
        );
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}

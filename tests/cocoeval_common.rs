//! What the evaluation-golden tests of the newer iou kinds share (keypoints, boundary): reading a golden file
//! written by a script in `scripts/` from the official reference, comparing a [`Report`] with one of its
//! evaluations (within 1e-12), and running every evaluation of a golden through both readers.

use std::path::{Path, PathBuf};

use cocokit::coco::reader::{self, Dataset, SegMode};
use cocokit::eval::cocoeval::load::{EvalGt, EvalResults};
use cocokit::eval::cocoeval::{self, GroundTruth, Params, Report};
use serde_json::Value;

pub const TOL: f64 = 1e-12;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

pub fn v_strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

pub fn close(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= TOL,
        "{what}: got {got:?}, reference {want:?} (diff {:e})",
        got - want
    );
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// `report` against one evaluation of a golden: counts, the `n_stats` stats, the printed lines, per-class AP,
/// AP50, AP75 and AR (the golden's `ar_key`: `ar100`, or `ar20` for keypoints), recall, and per-cell sums of
/// precision and scores over the recall thresholds.
pub fn compare(label: &str, report: &Report, want: &Value, n_stats: usize, ar_key: &str) {
    let acc = &report.accumulation;
    let counts: Vec<usize> = f64s(&want["counts"]).iter().map(|&x| x as usize).collect();
    assert_eq!(acc.counts.to_vec(), counts, "{label}: counts [T,R,K,A,M]");
    let stats = f64s(&want["stats"]);
    assert_eq!(report.summary.stats.len(), n_stats, "{label}: stats");
    for (i, (&g, &w)) in report.summary.stats.iter().zip(&stats).enumerate() {
        close(&format!("{label}: stats[{i}]"), g, w);
    }
    assert_eq!(
        report.summary.lines,
        v_strings(&want["lines"]),
        "{label}: summary lines"
    );
    let per_class = want["per_class"].as_array().expect("per_class");
    assert_eq!(report.per_class.len(), per_class.len(), "{label}: classes");
    for (g, w) in report.per_class.iter().zip(per_class) {
        let c = g.category_id;
        assert_eq!(
            c,
            w["category_id"].as_i64().expect("id"),
            "{label}: class order"
        );
        for (what, got, key) in [
            ("AP", g.ap, "ap"),
            ("AP50", g.ap50, "ap50"),
            ("AP75", g.ap75, "ap75"),
            ("AR", g.ar100, ar_key),
        ] {
            close(
                &format!("{label}: cat {c} {what}"),
                got,
                w[key].as_f64().expect("number"),
            );
        }
    }
    let recall = f64s(&want["recall"]);
    assert_eq!(acc.recall.len(), recall.len(), "{label}: recall size");
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
                    let cell = format!("t{t} k{k} a{a} m{m}");
                    close(&format!("{label}: precision sum {cell}"), ps, psum[i]);
                    close(&format!("{label}: scores sum {cell}"), ss, ssum[i]);
                    i += 1;
                }
            }
        }
    }
}

/// Every evaluation of `fixtures/golden/<kind>/<name>.json`, through the library's reader and the command's
/// (`mode`), each compared with [`compare`]; returns how many ran.
pub fn run_golden(
    kind: &str,
    name: &str,
    mode: SegMode,
    params_of: impl Fn(&Value) -> Params,
    n_stats: usize,
    ar_key: &str,
) -> usize {
    let golden = read_json(&root().join(format!("fixtures/golden/{kind}/{name}.json")));
    let gt_path = root().join(golden["gt"].as_str().expect("gt"));
    let dt_path = root().join(golden["results"].as_str().expect("results"));
    let gt = Dataset::load(s(&gt_path)).expect("ground truth");
    let results = reader::load_results(s(&dt_path)).expect("results");
    let (gt_bytes, dt_bytes) = (
        std::fs::read(&gt_path).expect("read"),
        std::fs::read(&dt_path).expect("read"),
    );
    let mut ran = 0;
    for (i, e) in golden["evals"]
        .as_array()
        .expect("evals")
        .iter()
        .enumerate()
    {
        let params = params_of(&e["params"]);
        let label = format!("{name}[{i}] {}", e["params"]);
        let report = cocoeval::run(GroundTruth::from(&gt), &results, &params)
            .unwrap_or_else(|err| panic!("{label}: {err}"));
        compare(&label, &report, e, n_stats, ar_key);
        let g = EvalGt::parse(&gt_bytes, mode).expect("ground truth");
        let d = EvalResults::parse(&dt_bytes, mode).expect("results");
        let loaded = cocoeval::run_loaded(&g, &d, &params).expect("evaluate");
        assert!(
            loaded == report,
            "{label}: cocoeval::load gives another report"
        );
        ran += 1;
    }
    ran
}

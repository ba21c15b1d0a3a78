//! `cocokit synth --kind keypoints|lvis|panoptic`: deterministic for a seed, valid (`validate`, and each kind's
//! evaluation accepts the pair), shaped as the benchmark needs (crowd, unlabelled keypoints, federated labels,
//! VOID and crowd segments).

use crate::common::*;
use serde_json::Value;

fn json(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
}

fn synth(w: &Work, kind: &str, images: &str, seed: &str, tag: &str) -> (String, String) {
    let gt = w.path(&format!("{tag}.json"));
    let res = w.path(&format!("{tag}.results.json"));
    let (g, r) = (
        gt.to_str().expect("p").to_string(),
        res.to_str().expect("p").to_string(),
    );
    ok([
        "synth",
        "--kind",
        kind,
        "--images",
        images,
        "--seed",
        seed,
        "-q",
        "-o",
        &g,
        "--results",
        &r,
    ]);
    (g, r)
}

#[test]
fn keypoints_deterministic_valid_and_evaluable() {
    let w = Work::new();
    let (g, r) = synth(&w, "keypoints", "200", "5", "a");
    let (g2, r2) = synth(&w, "keypoints", "200", "5", "b");
    assert_eq!(
        std::fs::read(&g).expect("r"),
        std::fs::read(&g2).expect("r")
    );
    assert_eq!(
        std::fs::read(&r).expect("r"),
        std::fs::read(&r2).expect("r")
    );
    let (g3, _) = synth(&w, "keypoints", "200", "6", "c");
    assert_ne!(
        std::fs::read(&g).expect("r"),
        std::fs::read(&g3).expect("r")
    );
    ok(["validate", "-q", &g]);
    ok(["validate", "-q", &r, "--gt", &g]);
    let d = json(std::path::Path::new(&g));
    assert_eq!(
        d["categories"][0]["keypoints"].as_array().expect("k").len(),
        17
    );
    let anns = d["annotations"].as_array().expect("a");
    assert!(anns
        .iter()
        .all(|a| a["keypoints"].as_array().expect("k").len() == 51));
    let none = anns.iter().filter(|a| a["num_keypoints"] == 0).count();
    let crowd = anns.iter().filter(|a| a["iscrowd"] == 1).count();
    assert!(none > anns.len() / 10 && none < anns.len() / 2, "{none}");
    assert!(crowd >= 1, "{crowd}");
    for a in anns {
        let k = a["keypoints"].as_array().expect("k");
        let labelled = k.chunks(3).filter(|t| t[2] != 0).count() as u64;
        assert_eq!(a["num_keypoints"].as_u64(), Some(labelled));
    }
    let out: Value = serde_json::from_slice(&ok([
        "eval",
        "coco",
        "--gt",
        &g,
        "--dt",
        &r,
        "--iou-type",
        "keypoints",
        "--json",
    ]))
    .expect("json");
    let ap = out["stats"][0].as_f64().expect("AP");
    assert!(ap > 0.2 && ap < 0.95, "{ap}");
}

#[test]
fn lvis_deterministic_valid_and_evaluable() {
    let w = Work::new();
    let (g, r) = synth(&w, "lvis", "60", "2", "a");
    let (g2, r2) = synth(&w, "lvis", "60", "2", "b");
    assert_eq!(
        std::fs::read(&g).expect("r"),
        std::fs::read(&g2).expect("r")
    );
    assert_eq!(
        std::fs::read(&r).expect("r"),
        std::fs::read(&r2).expect("r")
    );
    ok(["validate", "-q", &g]);
    let d = json(std::path::Path::new(&g));
    let cats = d["categories"].as_array().expect("c");
    assert_eq!(cats.len(), 1203);
    for f in ["r", "c", "f"] {
        assert!(cats.iter().any(|c| c["frequency"] == f), "{f}");
    }
    let imgs = d["images"].as_array().expect("i");
    assert!(imgs
        .iter()
        .all(|i| i["neg_category_ids"].is_array() && i["not_exhaustive_category_ids"].is_array()));
    assert!(imgs.iter().any(|i| !i["not_exhaustive_category_ids"]
        .as_array()
        .expect("n")
        .is_empty()));
    for t in ["bbox", "segm"] {
        let out: Value = serde_json::from_slice(&ok([
            "eval",
            "lvis",
            "--gt",
            &g,
            "--dt",
            &r,
            "--iou-type",
            t,
            "--json",
        ]))
        .expect("json");
        let ap = out["AP"].as_f64().expect("AP");
        assert!(ap > 0.1 && ap < 0.95, "{t}: {ap}");
    }
}

#[test]
fn panoptic_deterministic_and_evaluable() {
    let w = Work::new();
    let run = |tag: &str| {
        let p = |n: &str| {
            w.path(&format!("{tag}{n}"))
                .to_str()
                .expect("p")
                .to_string()
        };
        ok([
            "synth",
            "--kind",
            "panoptic",
            "--images",
            "8",
            "--seed",
            "1",
            "-q",
            "-o",
            &p(".json"),
            "--png-dir",
            &p("_gt"),
            "--results",
            &p("_pred.json"),
            "--results-png-dir",
            &p("_pred"),
        ]);
        p("")
    };
    let a = run("a");
    let b = run("b");
    for f in [".json", "_pred.json"] {
        assert_eq!(
            std::fs::read(format!("{a}{f}")).expect("r"),
            std::fs::read(format!("{b}{f}")).expect("r")
        );
    }
    let d = json(std::path::Path::new(&format!("{a}.json")));
    let first = d["annotations"][0]["file_name"].as_str().expect("f");
    assert_eq!(
        std::fs::read(format!("{a}_gt/{first}")).expect("r"),
        std::fs::read(format!("{b}_gt/{first}")).expect("r")
    );
    let segs: Vec<&Value> = d["annotations"]
        .as_array()
        .expect("a")
        .iter()
        .flat_map(|a| a["segments_info"].as_array().expect("s"))
        .collect();
    let cats = d["categories"].as_array().expect("c");
    assert_eq!(cats.len(), 133);
    assert!(segs.iter().all(|s| s["area"].as_u64().expect("area") > 0));
    // Every JSON segment is in its PNG and every PNG id in the JSON: cocokit checks both for the prediction.
    let out: Value = serde_json::from_slice(&ok([
        "eval",
        "panoptic",
        "--gt-json",
        &format!("{a}.json"),
        "--gt-dir",
        &format!("{a}_gt"),
        "--pred-json",
        &format!("{a}_pred.json"),
        "--pred-dir",
        &format!("{a}_pred"),
        "--json",
    ]))
    .expect("json");
    let pq = out["All"]["pq"].as_f64().expect("pq");
    assert!(pq > 0.2 && pq < 0.95, "{pq}");
    assert!(out["Things"]["n"].as_u64().expect("n") > 5);
    assert!(out["Stuff"]["n"].as_u64().expect("n") > 3);
}

#[test]
fn png_dirs_belong_to_panoptic() {
    let e = fails(["synth", "--images", "2", "--png-dir", "x"]);
    assert!(e.contains("--kind panoptic"), "{e}");
    let e = fails([
        "synth", "--kind", "panoptic", "--images", "2", "-o", "x.json",
    ]);
    assert!(e.contains("--png-dir"), "{e}");
}

//! `eval coco --tide`, `--confusion`, `--operating-point` against golden files: tidecv 1.0.1 run by
//! scripts/golden_tide.py (within 1e-12), and the numpy/pycocotools reference of scripts/golden_confusion.py
//! (exact). Cases: cocoapi-val2014-100's fake bbox and segm results, and `cocokit synth --images 40 --seed 7`
//! (made here by the binary under test, as the scripts make it).

use crate::common::*;
use serde_json::Value;

const VAL: &str = "cocoapi-val2014-100/instances_val2014_100.json";
const VAL_BBOX: &str = "cocoapi-val2014-100/instances_val2014_fakebbox100_results.json";
const VAL_SEGM: &str = "cocoapi-val2014-100/instances_val2014_fakesegm100_results.json";

fn golden(dir: &str, name: &str) -> Value {
    let p = fixture(&format!("golden/{dir}/{name}.json"));
    serde_json::from_slice(&std::fs::read(&p).expect("golden file")).expect("golden json")
}

/// The inputs of a case: (gt, results, iou type); the synthetic pair is written into `w`.
fn inputs(w: &Work, case: &str) -> (String, String, &'static str) {
    let iou = if case.ends_with("segm") {
        "segm"
    } else {
        "bbox"
    };
    if case.starts_with("synth40") {
        let (g, r) = (w.path("synth.json"), w.path("synth.results.json"));
        if !g.exists() {
            ok([
                "synth",
                "--images",
                "40",
                "--seed",
                "7",
                "-q",
                "-o",
                g.to_str().unwrap(),
                "--results",
                r.to_str().unwrap(),
            ]);
        }
        return (g.display().to_string(), r.display().to_string(), iou);
    }
    let res = if iou == "segm" { VAL_SEGM } else { VAL_BBOX };
    (
        shared(VAL).display().to_string(),
        shared(res).display().to_string(),
        iou,
    )
}

fn eval_json(gt: &str, dt: &str, iou: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "eval",
        "coco",
        "--gt",
        gt,
        "--dt",
        dt,
        "--iou-type",
        iou,
        "--json",
    ];
    args.extend_from_slice(extra);
    serde_json::from_slice(&ok(args)).expect("json")
}

fn close(a: &Value, b: &Value, what: &str) {
    let (x, y) = (a.as_f64().unwrap(), b.as_f64().unwrap());
    assert!((x - y).abs() <= 1e-12, "{what}: cocokit {x} vs tidecv {y}");
}

#[test]
fn tide_matches_tidecv() {
    let w = Work::new();
    for case in [
        "val2014-bbox",
        "val2014-segm",
        "synth40-bbox",
        "synth40-segm",
    ] {
        let g = golden("tide", case);
        let (gt, dt, iou) = inputs(&w, case);
        let v = eval_json(&gt, &dt, iou, &["--tide"]);
        let t = &v["tide"];
        assert_eq!(t["mode"], g["mode"], "{case}");
        close(&t["ap50"], &g["ap50"], &format!("{case} ap50"));
        for k in ["cls", "loc", "both", "dupe", "bkg", "miss"] {
            close(&t["main"][k], &g["main"][k], &format!("{case} {k}"));
            assert_eq!(t["counts"][k], g["counts"][k], "{case} count {k}");
        }
        for k in ["false_pos", "false_neg"] {
            close(&t["special"][k], &g["special"][k], &format!("{case} {k}"));
        }
    }
}

#[test]
fn tide_text_is_tidecv_summary() {
    let g = golden("tide", "val2014-bbox");
    let out = ok([
        "eval",
        "coco",
        "--gt",
        shared(VAL).to_str().unwrap(),
        "--dt",
        shared(VAL_BBOX).to_str().unwrap(),
        "--iou-type",
        "bbox",
        "--tide",
    ]);
    let text = String::from_utf8(out).unwrap();
    // tidecv's summary without its "-- run --" line: the same tables, character for character.
    let want = g["summary"].as_str().unwrap();
    let want = want.split_once("\n\n").unwrap().1.trim_end();
    assert!(
        text.contains(want),
        "tidecv summary\n{want}\nnot in\n{text}"
    );
}

#[test]
fn confusion_and_operating_point_match_reference() {
    let w = Work::new();
    for case in [
        "val2014-bbox",
        "val2014-bbox-strict",
        "val2014-segm",
        "synth40-bbox",
        "synth40-segm",
    ] {
        let g = golden("confusion", case);
        let (gt, dt, iou) = inputs(&w, case);
        let c = &g["confusion"];
        let o = &g["operating_point"];
        let cs = |v: &Value| v.as_f64().unwrap().to_string();
        let op = format!("score={},iou={}", cs(&o["score_thr"]), cs(&o["iou_thr"]));
        let (iou_thr, score_thr) = (cs(&c["iou_thr"]), cs(&c["score_thr"]));
        let v = eval_json(
            &gt,
            &dt,
            iou,
            &[
                "--confusion",
                "--iou-thr",
                &iou_thr,
                "--score-thr",
                &score_thr,
                "--operating-point",
                &op,
            ],
        );
        assert_eq!(v["confusion"]["labels"], c["labels"], "{case}");
        assert_eq!(v["confusion"]["category_ids"], c["category_ids"], "{case}");
        assert_eq!(v["confusion"]["matrix"], c["matrix"], "{case}");
        let mine = &v["operating_point"];
        assert_eq!(mine["max_dets"], o["max_dets"], "{case}");
        let rows = mine["per_class"].as_array().unwrap();
        let want = o["per_class"].as_array().unwrap();
        assert_eq!(rows.len(), want.len(), "{case}");
        let keys = [
            "category_id",
            "tp",
            "fp",
            "fn",
            "precision",
            "recall",
            "f1",
            "best_score",
            "best_f1",
        ];
        for (r, x) in rows
            .iter()
            .zip(want)
            .chain([(&mine["overall"], &o["overall"])])
        {
            for k in keys {
                assert_eq!(r[k], x[k], "{case} category {} {k}", x["category_id"]);
            }
        }
    }
}

#[test]
fn analyses_text_and_bad_input() {
    let (gt, bb) = (shared(VAL), shared(VAL_BBOX));
    let (gt, bb) = (gt.to_str().unwrap(), bb.to_str().unwrap());
    let base = ["eval", "coco", "--gt", gt, "--dt", bb, "--iou-type", "bbox"];
    let text = String::from_utf8(ok(base.iter().copied().chain([
        "--confusion",
        "--operating-point",
        "score=0.5",
    ])))
    .unwrap();
    assert!(
        text.contains("Confusion matrix (IoU >= 0.5, score >= 0.25"),
        "{text}"
    );
    assert!(text.contains("most frequent errors"), "{text}");
    assert!(
        text.contains("Operating point: score >= 0.5, IoU >= 0.5"),
        "{text}"
    );
    assert!(text.lines().any(|l| l.starts_with("overall ")), "{text}");

    let kp = fixture("keypoints/gt_dataset.json");
    let kd = fixture("keypoints/dt_dataset.json");
    let e = fails([
        "eval",
        "coco",
        "--gt",
        kp.to_str().unwrap(),
        "--dt",
        kd.to_str().unwrap(),
        "--iou-type",
        "keypoints",
        "--tide",
    ]);
    assert!(e.contains("--tide is for --iou-type bbox or segm"), "{e}");
    let e = fails(
        base[..6]
            .iter()
            .copied()
            .chain(["--iou-type", "boundary", "--confusion"]),
    );
    assert!(
        e.contains("--confusion is for --iou-type bbox or segm"),
        "{e}"
    );
    let e = fails(base.iter().copied().chain(["--tide", "--no-cats"]));
    assert!(e.contains("--tide matches within categories"), "{e}");
    let e = fails(base.iter().copied().chain(["--operating-point", "score=x"]));
    assert!(e.contains("expected score=S,iou=I"), "{e}");
    let e = fails(base.iter().copied().chain(["--operating-point", "iou=0.5"]));
    assert!(e.contains("expected score=S,iou=I"), "{e}");
    let e = fails(
        base.iter()
            .copied()
            .chain(["--confusion", "--iou-thr", "1.5"]),
    );
    assert!(e.contains("--iou-thr must be between 0 and 1"), "{e}");
    // --tide on segm with box-only results: one line naming the record, nothing printed.
    let w = Work::new();
    let res = w.write(
        "boxes.json",
        r#"[{"image_id": 532481, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.9}]"#,
    );
    let out = run([
        "eval",
        "coco",
        "--gt",
        fixture("coco-tiny-val2017/instances_val2017.json")
            .to_str()
            .unwrap(),
        "--dt",
        res.to_str().unwrap(),
        "--iou-type",
        "segm",
        "--tide",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

//! Golden parity of semantic mIoU: cocokit's `eval::miou` against the numpy re-implementations of mmsegmentation,
//! detectron2 and the ADE20K script in `scripts/golden_miou.py` (outputs in `fixtures/golden/miou/*.json`), on
//! the synthetic label-map PNGs committed next to them and on the real ADE20K sample in `fixtures/`.

use std::path::{Path, PathBuf};

use cocokit::eval::miou::coco::{evaluate_coco, evaluate_coco_files, Background, CocoMiouOptions};
use cocokit::eval::miou::{
    evaluate_png_dirs, report, AbsentAs, Convention, MeanOver, MiouOptions, MiouResult,
};
use serde_json::Value;

const TOL: f64 = 1e-12;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn golden(case: &str) -> Value {
    let p = root()
        .join("fixtures/golden/miou")
        .join(format!("{case}.json"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

fn ade_dir() -> PathBuf {
    root().join("fixtures/ade20k-sample")
}

fn dirs(case: &str) -> (PathBuf, PathBuf) {
    if case == "ade20k_sample" {
        let d = ade_dir().join("sampleData");
        (d.join("annotations"), d.join("predictions"))
    } else {
        let d = root().join("fixtures/golden/miou").join(case);
        (d.join("gt"), d.join("pred"))
    }
}

fn close(what: &str, got: f64, want: &Value) {
    match want.as_f64() {
        None => assert!(got.is_nan(), "{what}: got {got}, want null (NaN)"),
        Some(w) => assert!(
            (got - w).abs() <= TOL,
            "{what}: got {got}, want {w} (diff {})",
            (got - w).abs()
        ),
    }
}

fn options(g: &Value, convention: Convention) -> MiouOptions {
    MiouOptions {
        num_classes: Some(g["num_classes"].as_u64().unwrap() as usize),
        ignore_index: g["ignore_index"].as_u64().unwrap() as u32,
        reduce_zero_label: g["reduce_zero_label"].as_bool().unwrap(),
        convention,
        ..Default::default()
    }
}

fn check_case(case: &str) {
    let g = golden(case);
    let (gt, pred) = dirs(case);
    let mut checked = 0;
    for (name, want) in g["conventions"].as_object().unwrap() {
        let convention = Convention::from_name(name).unwrap();
        let r = evaluate_png_dirs(&gt, &pred, &options(&g, convention)).unwrap();
        assert_eq!(r.convention, name.as_str());
        check_result(&format!("{case}/{name}"), &r, &g, want);
        checked += 1;
    }
    assert_eq!(checked, 4, "{case}: every convention has golden numbers");
}

fn check_result(ctx: &str, r: &MiouResult, g: &Value, want: &Value) {
    assert_eq!(r.images, g["images"].as_u64().unwrap(), "{ctx}: images");
    let missing: Vec<&str> = g["missing_predictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(r.missing_predictions, missing, "{ctx}: missing predictions");
    assert_eq!(
        r.ignored_pixels,
        g["ignored_pixels"].as_u64().unwrap(),
        "{ctx}: ignored"
    );
    assert_eq!(
        r.unpredicted_pixels,
        g["unpredicted_pixels"].as_u64().unwrap(),
        "{ctx}: unpredicted"
    );
    for (key, got) in [
        ("miou", r.miou),
        ("macc", r.macc),
        ("mdice", r.mdice),
        ("aacc", r.aacc),
        ("fwiou", r.fwiou),
        ("mprecision", r.mprecision),
        ("mfscore", r.mfscore),
    ] {
        close(&format!("{ctx}: {key}"), got, &want[key]);
    }
    let n = g["num_classes"].as_u64().unwrap() as usize;
    assert_eq!(r.per_class.len(), n);
    for (c, m) in r.per_class.iter().enumerate() {
        assert_eq!(
            m.gt_pixels,
            g["gt_pixels"][c].as_u64().unwrap(),
            "{ctx}: class {c} gt pixels"
        );
        assert_eq!(
            m.pred_pixels,
            g["pred_pixels"][c].as_u64().unwrap(),
            "{ctx}: class {c} pred pixels"
        );
        let pc = &want["per_class"];
        close(&format!("{ctx}: class {c} iou"), m.iou, &pc["iou"][c]);
        close(&format!("{ctx}: class {c} acc"), m.acc, &pc["acc"][c]);
        close(&format!("{ctx}: class {c} dice"), m.dice, &pc["dice"][c]);
        close(
            &format!("{ctx}: class {c} precision"),
            m.precision,
            &pc["precision"][c],
        );
        close(
            &format!("{ctx}: class {c} fscore"),
            m.fscore,
            &pc["fscore"][c],
        );
    }
    if let Some(conf) = g.get("confusion") {
        for (row, want_row) in conf.as_array().unwrap().iter().enumerate() {
            let want_row: Vec<u64> = want_row
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            assert_eq!(
                r.confusion.row(row),
                want_row.as_slice(),
                "{ctx}: confusion row {row}"
            );
        }
    }
}

#[test]
fn golden_synth_basic() {
    check_case("synth_basic");
}

#[test]
fn golden_synth_detectron2_verbatim() {
    // No "no prediction" pixels: the detectron2 numbers are its formulas verbatim.
    assert_eq!(golden("synth_d2")["detectron2_extension"], false);
    check_case("synth_d2");
}

#[test]
fn golden_synth_wide16() {
    check_case("synth_wide16");
}

#[test]
fn golden_synth_palette_reduce_zero_label() {
    check_case("synth_palette_reduce");
}

#[test]
fn golden_synth_perfect() {
    check_case("synth_perfect");
}

#[test]
fn golden_ade20k_sample() {
    check_case("ade20k_sample");
}

fn ade(convention: Convention) -> MiouResult {
    let (gt, pred) = dirs("ade20k_sample");
    let opts = MiouOptions {
        num_classes: Some(150),
        reduce_zero_label: true,
        convention,
        ..Default::default()
    };
    evaluate_png_dirs(&gt, &pred, &opts).unwrap()
}

/// The numbers the ADE20K benchmark publishes for its sample (PUBLISHED_EXPECTED.json), and each switch.
#[test]
fn ade20k_published_numbers_and_switches() {
    let published: Value = serde_json::from_str(
        &std::fs::read_to_string(ade_dir().join("PUBLISHED_EXPECTED.json")).unwrap(),
    )
    .unwrap();
    let want_miou = published["published"]["Mean IoU over 150 classes"]
        .as_f64()
        .unwrap();
    let want_pacc = published["published"]["Pixel-wise Accuracy"]
        .as_f64()
        .unwrap();

    // --absent-as zero: the ADE20K script.
    let r = ade(Convention {
        absent_as: AbsentAs::Zero,
        mean_over: MeanOver::All,
    });
    assert_eq!(r.convention, "ade20k");
    assert_eq!(format!("{:.4}", r.miou), format!("{want_miou:.4}"));
    assert!((r.miou - 0.1).abs() < 1e-15, "{}", r.miou);
    assert_eq!(r.aacc, want_pacc);
    assert_eq!(r.per_class.iter().filter(|c| c.iou == 1.0).count(), 15);
    assert_eq!(r.per_class.iter().filter(|c| c.iou == 0.0).count(), 135);
    assert!(r.missing_predictions.is_empty());
    assert!(r.ignored_pixels > 0);

    // Default (mmseg): absent classes are NaN and left out.
    let r = ade(Convention::default());
    assert_eq!(r.convention, "mmseg");
    assert_eq!((r.miou, r.macc, r.mdice, r.aacc), (1.0, 1.0, 1.0, 1.0));
    // fwIoU is a weighted sum of 15 IoUs of 1: 1 up to rounding (detectron2's numpy sum gives 0.9999999999999998).
    assert!((r.fwiou - 1.0).abs() < 1e-15, "{}", r.fwiou);
    assert_eq!(r.per_class.iter().filter(|c| c.iou.is_nan()).count(), 135);

    // --mean-over gt-present (detectron2): the same here, as every predicted class is in the ground truth.
    let r = ade(Convention::DETECTRON2);
    assert_eq!((r.miou, r.macc, r.aacc), (1.0, 1.0, 1.0));

    // Ids are the raw pixel values (reduce-zero-label: index + 1).
    assert_eq!(r.per_class[0].id, 1);
    assert_eq!(r.per_class[149].id, 150);
}

/// Where the conventions differ: a class predicted but absent from the ground truth.
#[test]
fn switches_differ_where_they_should() {
    let case = "synth_d2";
    let g = golden(case);
    let (gt, pred) = dirs(case);
    let run = |c| evaluate_png_dirs(&gt, &pred, &options(&g, c)).unwrap();
    let (mm, ade, d2) = (
        run(Convention::MMSEG),
        run(Convention::ADE20K),
        run(Convention::DETECTRON2),
    );
    // Class 6 is only predicted: IoU 0 (counted) in mmseg, NaN (left out) in detectron2.
    assert_eq!(mm.per_class[6].gt_pixels, 0);
    assert!(mm.per_class[6].pred_pixels > 0);
    assert_eq!(mm.per_class[6].iou, 0.0);
    assert!(d2.per_class[6].iou.is_nan());
    // Class 4 is absent everywhere: NaN in mmseg, 0 in ade20k.
    assert!(mm.per_class[4].iou.is_nan());
    assert_eq!(ade.per_class[4].iou, 0.0);
    assert!(d2.miou > mm.miou && mm.miou > ade.miou);
    // aAcc and fwIoU do not depend on the convention.
    assert_eq!(mm.aacc, d2.aacc);
    assert_eq!(mm.fwiou, d2.fwiou);
    assert_eq!(mm.fwiou, ade.fwiou);
}

#[test]
fn outputs_of_a_golden_case() {
    let case = "synth_basic";
    let g = golden(case);
    let (gt, pred) = dirs(case);
    let r = evaluate_png_dirs(&gt, &pred, &options(&g, Convention::MMSEG)).unwrap();
    let json: Value = serde_json::from_str(&report::to_json(&r).unwrap()).unwrap();
    let want = &g["conventions"]["mmseg"];
    for key in ["miou", "macc", "mdice", "aacc", "fwiou"] {
        close(key, json[key].as_f64().unwrap_or(f64::NAN), &want[key]);
    }
    assert_eq!(json["per_class"][5]["iou"], Value::Null);
    assert_eq!(json["missing_predictions"][0], "img_003");
    let mut csv = Vec::new();
    report::write_csv(&r, &mut csv).unwrap();
    assert_eq!(String::from_utf8(csv).unwrap().lines().count(), 7);
    let mut conf = Vec::new();
    report::write_confusion_csv(&r, &mut conf).unwrap();
    let conf = String::from_utf8(conf).unwrap();
    let row1: Vec<u64> = conf
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .skip(2)
        .map(|v| v.parse().unwrap())
        .collect();
    let want_row: Vec<u64> = g["confusion"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(row1, want_row);
}

#[test]
fn class_names_from_file_reach_the_result() {
    let case = "synth_perfect";
    let g = golden(case);
    let (gt, pred) = dirs(case);
    let dir = tempfile::tempdir().unwrap();
    let names = dir.path().join("names.txt");
    std::fs::write(
        &names,
        (0..10).map(|i| format!("class {i}\n")).collect::<String>(),
    )
    .unwrap();
    let opts = MiouOptions {
        num_classes: None,
        class_names: Some(cocokit::eval::miou::read_class_names(&names).unwrap()),
        ..options(&g, Convention::MMSEG)
    };
    let r = evaluate_png_dirs(
        &gt,
        &pred,
        &MiouOptions {
            num_classes: None,
            ..opts
        },
    )
    .unwrap();
    assert_eq!(r.per_class[7].name, "class 7");
    assert_eq!(r.miou, 1.0);
    assert!(report::format_table(&r).contains("class 7"));
}

/// The COCO synthetic case painted by pycocotools (`annToMask`) into 16-bit PNGs, evaluated as PNG directories:
/// the same numbers as the golden file computed from those maps.
#[test]
fn golden_coco_synth_as_pngs() {
    let g = golden("coco_synth_class");
    let d = root().join("fixtures/golden/miou/coco_synth");
    let names: Vec<String> = g["class_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    for (name, want) in g["conventions"].as_object().unwrap() {
        let opts = MiouOptions {
            class_names: Some(names.clone()),
            ..options(&g, Convention::from_name(name).unwrap())
        };
        let r = evaluate_png_dirs(&d.join("gt_png"), &d.join("pred_png"), &opts).unwrap();
        check_result(&format!("coco_synth_class as PNGs/{name}"), &r, &g, want);
        assert_eq!(r.per_class[0].name, "background");
    }
}

fn coco_options(g: &Value, convention: Convention) -> CocoMiouOptions {
    CocoMiouOptions {
        background: match g["background"].as_str().unwrap() {
            "class" => Background::Class,
            _ => Background::Ignore,
        },
        score_thr: g["score_thr"].as_f64().unwrap(),
        convention,
        allow_extra: false,
        ..Default::default()
    }
}

fn check_coco_case(case: &str) {
    let g = golden(case);
    // Paths relative to the repository root.
    let gt = root().join(g["gt"].as_str().unwrap());
    let res = root().join(g["results"].as_str().unwrap());
    let (gt, res) = (gt.to_str().unwrap(), res.to_str().unwrap());
    let mut checked = 0;
    for (name, want) in g["conventions"].as_object().unwrap() {
        let convention = Convention::from_name(name).unwrap();
        let r = evaluate_coco_files(gt, res, &coco_options(&g, convention), &|_| {}).unwrap();
        check_result(&format!("{case}/{name}"), &r, &g, want);
        let ids: Vec<i64> = g["class_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert_eq!(
            r.per_class.iter().map(|c| c.id).collect::<Vec<_>>(),
            ids,
            "{case}: class ids"
        );
        let names: Vec<&str> = g["class_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(
            r.per_class
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            names,
            "{case}: class names"
        );
        checked += 1;
    }
    assert_eq!(checked, 4);
}

#[test]
fn golden_coco_synth_background_class() {
    check_coco_case("coco_synth_class");
}

#[test]
fn golden_coco_synth_background_ignore() {
    check_coco_case("coco_synth_ignore");
}

#[test]
fn golden_coco_val2014_background_class() {
    check_coco_case("coco_val2014_class");
}

#[test]
fn golden_coco_val2014_background_ignore() {
    check_coco_case("coco_val2014_ignore");
}

/// COCO JSON and the same label maps as PNGs give the same numbers (and the same confusion matrix).
#[test]
fn coco_json_equals_pngs() {
    let g = golden("coco_synth_class");
    let d = root().join("fixtures/golden/miou/coco_synth");
    let from_json = evaluate_coco_files(
        d.join("gt.json").to_str().unwrap(),
        d.join("results.json").to_str().unwrap(),
        &CocoMiouOptions::default(),
        &|_| {},
    )
    .unwrap();
    let names: Vec<String> = from_json.per_class.iter().map(|c| c.name.clone()).collect();
    let opts = MiouOptions {
        class_names: Some(names),
        ..options(&g, Convention::MMSEG)
    };
    let from_png = evaluate_png_dirs(&d.join("gt_png"), &d.join("pred_png"), &opts).unwrap();
    assert_eq!(from_json.confusion.row(1), from_png.confusion.row(1));
    for c in 0..from_json.num_classes {
        assert_eq!(
            from_json.confusion.row(c),
            from_png.confusion.row(c),
            "row {c}"
        );
    }
    assert_eq!(
        (
            from_json.miou,
            from_json.aacc,
            from_json.fwiou,
            from_json.ignored_pixels
        ),
        (
            from_png.miou,
            from_png.aacc,
            from_png.fwiou,
            from_png.ignored_pixels
        )
    );
    assert_eq!(from_json.missing_predictions, ["2"]);
    assert_eq!(from_png.missing_predictions, ["2"]);
}

/// Overlapping detections: the highest score wins whatever the file order; below the threshold nothing is
/// painted; ground truth: the later annotation wins, a crowd region is ignored.
#[test]
fn coco_painting_order() {
    let gt = r#"{"images": [{"id": 1, "width": 4, "height": 1}],
      "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
      "annotations": [
        {"id": 1, "image_id": 1, "category_id": 1, "segmentation": {"size": [1, 4], "counts": [0, 4]}},
        {"id": 2, "image_id": 1, "category_id": 2, "segmentation": {"size": [1, 4], "counts": [2, 2]}},
        {"id": 3, "image_id": 1, "category_id": 2, "iscrowd": 1, "segmentation": {"size": [1, 4], "counts": [3, 1]}}
      ]}"#;
    // GT: a a b ignore.
    let run = |res: &str, thr: f64| {
        let opts = CocoMiouOptions {
            score_thr: thr,
            ..Default::default()
        };
        evaluate_coco(gt.as_bytes(), res.as_bytes(), &opts, ("gt", "res"), &|_| {}).unwrap()
    };
    // Higher score first in the file: it still wins the overlap.
    let res = r#"[{"image_id": 1, "category_id": 2, "score": 0.9, "segmentation": {"size": [1, 4], "counts": [1, 3]}},
                  {"image_id": 1, "category_id": 1, "score": 0.6, "segmentation": {"size": [1, 4], "counts": [0, 4]}}]"#;
    let r = run(res, 0.5);
    // Pred: a b b b (pixel 3 ignored by GT). a: I=1 of G=2, P=1; b: I=1, G=1, P=2.
    assert_eq!(
        (r.per_class[1].gt_pixels, r.per_class[1].pred_pixels),
        (2, 1)
    );
    assert_eq!(
        (r.per_class[2].gt_pixels, r.per_class[2].pred_pixels),
        (1, 2)
    );
    assert_eq!(r.ignored_pixels, 1);
    assert_eq!(r.per_class[0].pred_pixels, 0);
    // Raise the threshold above 0.6: only b is painted, pixel 0 is predicted background.
    let r = run(res, 0.7);
    assert_eq!(
        (r.per_class[0].gt_pixels, r.per_class[0].pred_pixels),
        (0, 1)
    );
    assert_eq!(r.per_class[1].pred_pixels, 0);
    // Equal scores: file order, the later wins.
    let tie = res.replace("0.9", "0.6");
    let r = run(&tie, 0.5);
    assert_eq!(r.per_class[1].pred_pixels, 3);
}

#[test]
fn coco_bad_input() {
    let gt = r#"{"images": [{"id": 1, "width": 4, "height": 1}], "categories": [{"id": 1, "name": "a"}],
      "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": {"size": [1, 4], "counts": [0, 4]}}]}"#;
    let run = |res: &str| {
        evaluate_coco(
            gt.as_bytes(),
            res.as_bytes(),
            &CocoMiouOptions::default(),
            ("gt.json", "res.json"),
            &|_| {},
        )
    };
    // Mask of another size than the image.
    let e = run(r#"[{"image_id": 1, "category_id": 1, "score": 0.9, "segmentation": {"size": [2, 2], "counts": [0, 4]}}]"#)
        .unwrap_err();
    assert!(
        e.msg.contains("2x2") && e.file.as_deref() == Some("res.json"),
        "{e}"
    );
    // Unknown image, unknown category.
    let e = run(r#"[{"image_id": 5, "category_id": 1, "score": 0.9, "segmentation": []}]"#)
        .unwrap_err();
    assert!(
        e.msg.contains("image id 5") && e.file.as_deref() == Some("res.json"),
        "{e}"
    );
    let e = run(r#"[{"image_id": 1, "category_id": 3, "score": 0.9, "segmentation": []}]"#)
        .unwrap_err();
    assert!(e.msg.contains("category id 3"), "{e}");
    // No segmentation (a bbox results file).
    let e = run(r#"[{"image_id": 1, "category_id": 1, "score": 0.9, "bbox": [0, 0, 1, 1]}]"#)
        .unwrap_err();
    assert!(e.msg.contains("segmentation"), "{e}");
    // Corrupt RLE string.
    let e = run(r#"[{"image_id": 1, "category_id": 1, "score": 0.9, "segmentation": {"size": [1, 4], "counts": "zz"}}]"#)
        .unwrap_err();
    assert_eq!(e.file.as_deref(), Some("res.json"), "{e}");
    // Truncated results file.
    assert!(run(r#"[{"image_id": 1, "#).is_err());
    // Ground-truth problems name the ground truth.
    let bad_gt = gt.replace(r#""counts": [0, 4]"#, r#""counts": [0, 5]"#);
    let e = evaluate_coco(
        bad_gt.as_bytes(),
        b"[]",
        &CocoMiouOptions::default(),
        ("gt.json", "res.json"),
        &|_| {},
    )
    .unwrap_err();
    assert_eq!(e.file.as_deref(), Some("gt.json"), "{e}");
    // A ground-truth annotation without segmentation paints nothing (as `cocokit rasterize`).
    let no_seg = gt.replace(
        r#", "segmentation": {"size": [1, 4], "counts": [0, 4]}"#,
        "",
    );
    let r = evaluate_coco(
        no_seg.as_bytes(),
        b"[]",
        &CocoMiouOptions::default(),
        ("gt.json", "res.json"),
        &|_| {},
    )
    .unwrap();
    assert_eq!((r.per_class[0].gt_pixels, r.per_class[1].gt_pixels), (4, 0));
    // A missing file.
    assert!(evaluate_coco_files(
        "/nonexistent.json",
        "/nonexistent2.json",
        &CocoMiouOptions::default(),
        &|_| {}
    )
    .is_err());
    // An empty results array: every image is missing, nothing predicted.
    let r = run("[]").unwrap();
    assert_eq!(r.missing_predictions, ["1"]);
    assert_eq!(r.per_class[1].pred_pixels, 0);
}

#[test]
fn fixtures_exist() {
    for case in [
        "synth_basic",
        "synth_d2",
        "synth_wide16",
        "synth_palette_reduce",
        "synth_perfect",
    ] {
        let (gt, pred) = dirs(case);
        assert!(
            Path::new(&gt).is_dir() && Path::new(&pred).is_dir(),
            "{case}"
        );
    }
}
